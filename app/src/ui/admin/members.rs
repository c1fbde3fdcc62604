//! Members: everyone the network knows — imported leavers, invited people, applicants, members —
//! searchable and filtered by status and role, with what an admin does to each: invite (again),
//! roles, suspend or reactivate, and their devices. Imported people not invited yet can be
//! selected (one by one, or everyone shown) and invited at once.

use leptos::prelude::*;
use tsunagu_core::api::{DeviceInfo, InvitationSent, Member, MemberStatus};
use tsunagu_core::vocab::Role;

use super::{AdminFrame, ErrorLine, confirmed, fill, period, role_label};
use crate::api;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::time::format_local;

#[component]
pub(crate) fn MembersPage() -> impl IntoView {
    view! { <AdminFrame><Members /></AdminFrame> }
}

/// What is unfolded under a member's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    Roles,
    Devices,
}

/// The screen's state, kept above the rows so a reload of the list keeps what is open and the
/// links of invitations just made.
#[derive(Clone, Copy)]
struct Screen {
    members: LocalResource<Result<Vec<Member>, AppError>>,
    open: RwSignal<Option<(String, Panel)>>,
    /// Invitations made on this visit, newest first: the links stay on screen to copy.
    invitations: RwSignal<Vec<InvitationSent>>,
    error: RwSignal<Option<AppError>>,
    /// The HR record ids of the imported people selected to invite together.
    selected: RwSignal<Vec<String>>,
}

impl Screen {
    fn toggle(&self, key: &str, panel: Panel) {
        let now = (key.to_owned(), panel);
        self.open
            .update(|open| *open = (open.as_ref() != Some(&now)).then_some(now));
    }

    /// Invites these imported people; their links (or that they were mailed) show above the
    /// list.
    fn invite(&self, hr_record_ids: Vec<String>) {
        let screen = *self;
        self.act(async move {
            for sent in api::invite(hr_record_ids).await? {
                screen.invitations.update(|list| {
                    list.retain(|s| s.hr_record_id != sent.hr_record_id);
                    list.insert(0, sent);
                });
            }
            Ok(())
        });
    }

    fn is_selected(&self, hr: &str) -> bool {
        self.selected.with(|s| s.iter().any(|id| id == hr))
    }

    fn select(&self, hr: &str, on: bool) {
        self.selected.update(|s| {
            s.retain(|id| id != hr);
            if on {
                s.push(hr.to_owned());
            }
        });
    }

    /// Runs an admin call, then reloads the list; a failure is shown above the table.
    fn act<F>(&self, call: F)
    where
        F: std::future::Future<Output = Result<(), AppError>> + 'static,
    {
        let screen = *self;
        screen.error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = call.await {
                screen.error.set(Some(e));
            }
            screen.members.refetch();
        });
    }
}

#[component]
fn Members() -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    // The import's "see the new people" link opens the list filtered (`/admin?status=imported`);
    // the Members tab (`/admin`) shows everyone again.
    let link_query = leptos_router::hooks::use_query_map();
    Effect::new(move |_| {
        let from_link = link_query
            .with(|q| q.get("status"))
            .filter(|s| MemberStatus::from_key(s).is_some());
        status.set(from_link.unwrap_or_default());
    });
    let role = RwSignal::new(String::new());
    let members = LocalResource::new(move || {
        let (q, s, r) = (query.get(), status.get(), role.get());
        async move { api::members(&q, &s, &r).await }
    });
    let screen = Screen {
        members,
        open: RwSignal::new(None),
        invitations: RwSignal::new(Vec::new()),
        error: RwSignal::new(None),
        selected: RwSignal::new(Vec::new()),
    };
    // Who can be selected: the imported people the list shows now.
    let selectable = Memo::new(move |_| {
        members.with(|m| match m {
            Some(Ok(list)) => list
                .iter()
                .filter(|m| m.status == MemberStatus::Imported)
                .filter_map(|m| m.hr_record_id.clone())
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    });
    let all_selected = move || {
        let shown = selectable.get();
        !shown.is_empty() && shown.iter().all(|hr| screen.is_selected(hr))
    };
    let invite_selected = move |_| {
        let ids = screen.selected.get_untracked();
        let question =
            t_string!(i18n, admin.confirm_bulk_invite).replace("%n", &ids.len().to_string());
        if ids.is_empty() || !confirmed(&question) {
            return;
        }
        screen.selected.set(Vec::new());
        screen.invite(ids);
    };
    let statuses = [
        MemberStatus::Imported,
        MemberStatus::Invited,
        MemberStatus::Pending,
        MemberStatus::Active,
        MemberStatus::Suspended,
    ];

    view! {
        <section class="card section admin-section">
            <div class="admin-toolbar" role="search">
                <label class="admin-search">
                    <span class="visually-hidden">{move || t_string!(i18n, admin.search_label)}</span>
                    <input class="input" type="search" data-testid="members-search"
                        placeholder=move || t_string!(i18n, admin.search_hint)
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev)) />
                </label>
                <label class="admin-filter">
                    <span class="field-label">{move || t_string!(i18n, admin.filter_status)}</span>
                    <select class="select" data-testid="members-status" prop:value=move || status.get() on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="">{move || t_string!(i18n, admin.filter_all)}</option>
                        {statuses.into_iter().map(|s| view! {
                            <option value=s.key() selected=move || status.get() == s.key()>{move || status_label(i18n, s)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="admin-filter">
                    <span class="field-label">{move || t_string!(i18n, admin.filter_role)}</span>
                    <select class="select" data-testid="members-role" on:change=move |ev| role.set(event_target_value(&ev))>
                        <option value="">{move || t_string!(i18n, admin.filter_all)}</option>
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=r.key()>{move || role_label(i18n, r)}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            {move || screen.error.get().map(|e| view! { <ErrorLine error=e /> })}
            <Show when=move || screen.selected.with(|s| !s.is_empty())>
                <div class="admin-bulk" role="region" aria-live="polite" data-testid="members-bulk">
                    <button type="button" class="button button-small button-primary" data-testid="members-invite-selected" on:click=invite_selected>
                        {move || t_string!(i18n, admin.invite_selected).replace("%n", &screen.selected.with(Vec::len).to_string())}
                    </button>
                    <button type="button" class="button button-small button-quiet" on:click=move |_| screen.selected.set(Vec::new())>
                        {move || t_string!(i18n, admin.clear_selection)}
                    </button>
                </div>
            </Show>
            // Above the list, not in a row: an invited person may leave a filtered list.
            <div class="admin-invitations">
                <For each=move || screen.invitations.get() key=|sent| (sent.hr_record_id.clone(), sent.expires_at) let(sent)>
                    <InvitationResult sent=sent />
                </For>
            </div>
            {move || match members.get() {
                None => view! { <p class="field-hint">{t_string!(i18n, admin.loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorLine error=e /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="empty" data-testid="members-empty">{t_string!(i18n, admin.members_empty)}</p>
                }.into_any(),
                Some(Ok(list)) => {
                    let count = list.len();
                    view! {
                    <p class="result-count" data-testid="members-count">{t!(i18n, admin.count, count = move || count)}</p>
                    <div class="table-scroll">
                        <table class="admin-table" data-testid="members-table">
                            <thead>
                                <tr>
                                    <th scope="col" class="admin-select">
                                        <Show when=move || !selectable.with(Vec::is_empty)>
                                            <input type="checkbox" data-testid="members-select-all"
                                                aria-label=move || t_string!(i18n, admin.select_all)
                                                title=move || t_string!(i18n, admin.select_all)
                                                prop:checked=all_selected
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    for hr in selectable.get_untracked() {
                                                        screen.select(&hr, on);
                                                    }
                                                } />
                                        </Show>
                                    </th>
                                    <th scope="col">{t_string!(i18n, admin.col_name)}</th>
                                    <th scope="col">{t_string!(i18n, admin.col_contact)}</th>
                                    <th scope="col">{t_string!(i18n, admin.col_tenure)}</th>
                                    <th scope="col">{t_string!(i18n, admin.col_status)}</th>
                                    <th scope="col">{t_string!(i18n, admin.col_roles)}</th>
                                    <th scope="col"><span class="visually-hidden">{t_string!(i18n, admin.col_actions)}</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(|m| view! { <MemberRow member=m screen=screen /> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn MemberRow(member: Member, screen: Screen) -> impl IntoView {
    let i18n = use_i18n();
    let key = member
        .user_id
        .clone()
        .or_else(|| member.hr_record_id.clone())
        .or_else(|| member.application_id.clone())
        .unwrap_or_default();
    let status = member.status;
    let expires = member.invitation_expires_at;
    let hr_id = member.hr_record_id.clone();
    let user_id = member.user_id.clone();
    let row_key = StoredValue::new(key.clone());
    // Copy, for every closure of the row that asks.
    let is_open = move |panel: Panel| {
        screen.open.with(|o| {
            o.as_ref()
                .is_some_and(|(k, p)| *p == panel && row_key.with_value(|key| k == key))
        })
    };

    let actions = {
        let key = key.clone();
        let name = member.name.clone();
        let devices = member.devices;
        match (status, hr_id.clone(), user_id.clone()) {
            (MemberStatus::Imported | MemberStatus::Invited, Some(hr), _) => {
                let again = status == MemberStatus::Invited;
                let (invite_id, delete_id) = (hr.clone(), hr);
                let (invite_name, delete_name) = (name.clone(), name);
                view! {
                    <button type="button" class="button button-small button-primary" data-testid="member-invite"
                        on:click=move |_| {
                            if again && !confirmed(&fill(t_string!(i18n, admin.confirm_resend), &invite_name)) {
                                return;
                            }
                            screen.invite(vec![invite_id.clone()]);
                        }>
                        {move || if again { t_string!(i18n, admin.resend) } else { t_string!(i18n, admin.invite) }}
                    </button>
                    <button type="button" class="button button-small button-quiet" data-testid="member-delete"
                        on:click=move |_| {
                            if confirmed(&fill(t_string!(i18n, admin.confirm_delete_record), &delete_name)) {
                                let id = delete_id.clone();
                                screen.act(async move { api::delete_hr_record(&id).await });
                            }
                        }>
                        {move || t_string!(i18n, admin.delete_record)}
                    </button>
                }.into_any()
            }
            (MemberStatus::Pending, _, _) => view! {
                <a class="button button-small" href="/admin/applications">{move || t_string!(i18n, admin.review)}</a>
            }.into_any(),
            (MemberStatus::Active | MemberStatus::Suspended, _, Some(user)) => {
                let suspended = status == MemberStatus::Suspended;
                let (roles_key, devices_key) = (key.clone(), key);
                view! {
                    <button type="button" class="button button-small" data-testid="member-roles"
                        aria-expanded=move || is_open(Panel::Roles).to_string()
                        on:click=move |_| screen.toggle(&roles_key, Panel::Roles)>
                        {move || t_string!(i18n, admin.edit_roles)}
                    </button>
                    <button type="button" class="button button-small" data-testid="member-devices"
                        aria-expanded=move || is_open(Panel::Devices).to_string()
                        on:click=move |_| screen.toggle(&devices_key, Panel::Devices)>
                        {t!(i18n, admin.devices, count = move || devices)}
                    </button>
                    <button type="button" class="button button-small button-quiet" class:button-danger=!suspended
                        data-testid=if suspended { "member-reactivate" } else { "member-suspend" }
                        on:click=move |_| {
                            if !suspended && !confirmed(&fill(t_string!(i18n, admin.confirm_suspend), &name)) {
                                return;
                            }
                            let user = user.clone();
                            screen.act(async move { api::set_suspended(&user, !suspended).await });
                        }>
                        {move || if suspended { t_string!(i18n, admin.reactivate) } else { t_string!(i18n, admin.suspend) }}
                    </button>
                }.into_any()
            }
            _ => ().into_any(),
        }
    };

    let roles = member.roles.clone();
    let panel = {
        let user = user_id.clone().unwrap_or_default();
        let roles = member.roles.clone();
        move || {
            if is_open(Panel::Roles) {
                Some(view! { <RolesEditor user_id=user.clone() roles=roles.clone() screen=screen /> }.into_any())
            } else if is_open(Panel::Devices) {
                Some(view! { <DevicesPanel user_id=user.clone() screen=screen /> }.into_any())
            } else {
                None
            }
        }
    };
    view! {
        <tr data-testid="member-row" data-status=status.key() data-email=member.email.clone()>
            <td class="admin-select">
                {hr_id.clone().filter(|_| status == MemberStatus::Imported).map(|hr| {
                    let name = member.name.clone();
                    let checked_hr = hr.clone();
                    view! {
                        <input type="checkbox" data-testid="member-select"
                            aria-label=move || fill(t_string!(i18n, admin.select_person), &name)
                            prop:checked=move || screen.is_selected(&checked_hr)
                            on:change=move |ev| screen.select(&hr, event_target_checked(&ev)) />
                    }
                })}
            </td>
            <td>
                <div class="admin-name">{member.name.clone()}</div>
                <div class="admin-sub">{member.reading.clone()}</div>
            </td>
            <td>
                <div class="admin-email">{member.email.clone()}</div>
                <div class="admin-sub">{member.employee_number.clone()}</div>
            </td>
            <td>
                <div class="admin-nowrap">{period(&member.joined, &member.left)}</div>
                <div class="admin-sub">{member.department.clone()}</div>
            </td>
            <td>
                <span class=format!("status status-{}", status.key()) data-testid="member-status">{move || status_label(i18n, status)}</span>
                {expires.map(|at| view! {
                    <div class="admin-sub admin-nowrap">{t!(i18n, admin.expires, date = move || format_local(at, i18n.get_locale(), false))}</div>
                })}
            </td>
            <td>
                <div class="chips">
                    {roles.into_iter().map(|r| view! { <span class="chip">{move || role_label(i18n, r)}</span> }).collect_view()}
                </div>
            </td>
            <td><div class="admin-actions">{actions}</div></td>
        </tr>
        {move || panel().map(|p| view! { <tr class="admin-detail"><td colspan="7">{p}</td></tr> })}
    }
}

/// The roles a member holds, as checkboxes; saved as the complete set.
#[component]
fn RolesEditor(user_id: String, roles: Vec<Role>, screen: Screen) -> impl IntoView {
    let i18n = use_i18n();
    let selected = RwSignal::new(roles);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let save = move |_| {
        let roles = selected.get_untracked();
        if roles.is_empty() {
            error.set(Some(AppError::Api(
                tsunagu_core::api::ErrorCode::BadRequest,
            )));
            return;
        }
        let user = user_id.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::set_roles(&user, roles).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    screen.open.set(None);
                    screen.members.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="admin-panel" data-testid="roles-editor">
            <fieldset class="admin-roles">
                <legend class="field-label">{move || t_string!(i18n, admin.roles_legend)}</legend>
                {Role::ALL.into_iter().map(|role| view! {
                    <label class="chip chip-toggle" class:chip-on=move || selected.with(|s| s.contains(&role))>
                        <input type="checkbox" class="visually-hidden" data-testid=format!("role-{}", role.key())
                            prop:checked=move || selected.with(|s| s.contains(&role))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|s| {
                                    s.retain(|r| *r != role);
                                    if on { s.push(role); s.sort(); }
                                });
                            } />
                        {move || role_label(i18n, role)}
                    </label>
                }).collect_view()}
            </fieldset>
            {move || error.get().map(|e| match e {
                AppError::Api(tsunagu_core::api::ErrorCode::BadRequest) => view! {
                    <p class="form-error" role="alert">{t_string!(i18n, admin.roles_empty)}</p>
                }.into_any(),
                AppError::Api(tsunagu_core::api::ErrorCode::Conflict) => view! {
                    <p class="form-error" role="alert">{t_string!(i18n, admin.roles_own_admin)}</p>
                }.into_any(),
                e => view! { <ErrorLine error=e /> }.into_any(),
            })}
            <div class="admin-panel-actions">
                <button type="button" class="button button-small button-primary" data-testid="roles-save" disabled=move || busy.get() on:click=save>
                    {move || t_string!(i18n, admin.save)}
                </button>
                <button type="button" class="button button-small button-quiet" on:click=move |_| screen.open.set(None)>
                    {move || t_string!(i18n, admin.cancel)}
                </button>
            </div>
        </div>
    }
}

/// A member's devices; revoking one cuts it off and makes it delete its data.
#[component]
fn DevicesPanel(user_id: String, screen: Screen) -> impl IntoView {
    let i18n = use_i18n();
    let devices = LocalResource::new(move || {
        let user = user_id.clone();
        async move { api::member_devices(&user).await }
    });
    let error = RwSignal::new(None::<AppError>);
    let revoke = move |device: DeviceInfo| {
        if !confirmed(&fill(t_string!(i18n, admin.confirm_revoke), &device.label)) {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::revoke_member_device(&device.id).await {
                Ok(()) => {
                    devices.refetch();
                    screen.members.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="admin-panel" data-testid="devices-panel">
            <p class="field-label">{move || t_string!(i18n, admin.devices_title)}</p>
            <p class="field-hint">{move || t_string!(i18n, admin.devices_lead)}</p>
            {move || error.get().map(|e| view! { <ErrorLine error=e /> })}
            {move || match devices.get() {
                None => view! { <p class="field-hint">{t_string!(i18n, admin.loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorLine error=e /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="field-hint" data-testid="devices-none">{t_string!(i18n, admin.devices_none)}</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="device-list">
                        {list.into_iter().map(|d| {
                            let revoked = d.revoked;
                            let seen = format_local(d.last_seen, i18n.get_locale_untracked(), true);
                            let label = d.label.clone();
                            view! {
                                <li class="device" data-testid="admin-device" data-revoked=revoked.to_string()>
                                    <div class="device-text">
                                        <span class="device-label">{label}</span>
                                        <span class="device-meta">{move || t_string!(i18n, devices.last_seen)}" "{seen.clone()}</span>
                                    </div>
                                    {if revoked {
                                        view! { <span class="chip chip-muted">{move || t_string!(i18n, devices.removed)}</span> }.into_any()
                                    } else {
                                        view! {
                                            <button type="button" class="button button-small button-danger" data-testid="admin-device-revoke"
                                                on:click=move |_| revoke(d.clone())>
                                                {move || t_string!(i18n, admin.revoke)}
                                            </button>
                                        }.into_any()
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </div>
    }
}

/// What became of an invitation: mailed, or a link to hand over.
#[component]
fn InvitationResult(sent: InvitationSent) -> impl IntoView {
    let i18n = use_i18n();
    let expires = sent.expires_at;
    let email = sent.email.clone();
    let link = sent.link.clone();
    let mail_failed = sent.mail_error.is_some();
    view! {
        <div class="admin-invitation" data-testid="invitation-result" data-sent=sent.sent.to_string()>
            <p class="admin-name">{sent.name.clone()}</p>
            {if sent.sent {
                view! {
                    <p class="admin-ok">
                        {t!(i18n, admin.invitation_mailed, email = move || email.clone(), date = move || format_local(expires, i18n.get_locale(), false))}
                    </p>
                }.into_any()
            } else {
                let link = link.unwrap_or_default();
                let copy_link = link.clone();
                let copied = RwSignal::new(false);
                view! {
                    <p>
                        {move || if mail_failed { t_string!(i18n, admin.invitation_mail_failed) } else { t_string!(i18n, admin.invitation_no_mail) }}
                    </p>
                    <div class="admin-link-row">
                        <input class="input" type="text" readonly=true data-testid="invitation-link" prop:value=link
                            aria-label=move || t_string!(i18n, admin.invitation_link)
                            on:focus=move |ev| select_all(&ev) />
                        <button type="button" class="button button-small" data-testid="invitation-copy"
                            on:click=move |_| { copy_text(&copy_link); copied.set(true); }>
                            {move || if copied.get() { t_string!(i18n, admin.copied) } else { t_string!(i18n, admin.copy) }}
                        </button>
                    </div>
                    <p class="field-hint">{t!(i18n, admin.expires, date = move || format_local(expires, i18n.get_locale(), false))}</p>
                }.into_any()
            }}
        </div>
    }
}

fn status_label(i18n: leptos_i18n::I18nContext<Locale>, status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Imported => t_string!(i18n, admin.status_imported),
        MemberStatus::Invited => t_string!(i18n, admin.status_invited),
        MemberStatus::Pending => t_string!(i18n, admin.status_pending),
        MemberStatus::Active => t_string!(i18n, admin.status_active),
        MemberStatus::Suspended => t_string!(i18n, admin.status_suspended),
    }
}

/// Selects the focused input's text, ready to copy by hand.
fn select_all(ev: &leptos::ev::FocusEvent) {
    use wasm_bindgen::JsCast;
    if let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.select();
    }
}

/// `navigator.clipboard.writeText`, through `js_sys` (the Clipboard API needs no more web-sys
/// features for one call); without it the selected link is still there to copy by hand.
fn copy_text(text: &str) {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into());
    let Ok(clipboard) = clipboard else { return };
    if let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into())
        && let Ok(write) = write.dyn_into::<js_sys::Function>()
    {
        let _ = write.call1(&clipboard, &text.into());
    }
}
