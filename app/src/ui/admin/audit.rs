//! The audit log: who did what to whom, newest first, a page at a time, people named with their
//! email and actions in the reader's language; the whole log downloads as CSV in that language
//! too (UTF-8 with BOM, so Excel in Japan opens it as it is).

use leptos::prelude::*;
use tsunagu_core::api::{ApplyLogged, AuditAction, AuditEntry, ImportLogged, MatchedBy};

use super::{AdminFrame, ErrorLine};
use crate::api;
use crate::i18n::*;
use crate::ui::time::format_local;

#[component]
pub(crate) fn AuditPage() -> impl IntoView {
    view! { <AdminFrame><Audit /></AdminFrame> }
}

const PAGE: u32 = 50;

#[component]
fn Audit() -> impl IntoView {
    let i18n = use_i18n();
    // The `before` of each page shown so far: the last is the current page, popping goes back.
    let pages = RwSignal::new(vec![None::<i64>]);
    let entries = LocalResource::new(move || {
        let before = pages.with(|p| p.last().copied().flatten());
        async move { api::audit(PAGE, before).await }
    });
    let older = move |last: i64| pages.update(|p| p.push(Some(last)));
    let newer = move |_| {
        pages.update(|p| {
            if p.len() > 1 {
                p.pop();
            }
        })
    };
    view! {
        <section class="card section admin-section">
            <div class="admin-toolbar">
                <p class="field-hint">{move || t_string!(i18n, admin.audit_lead)}</p>
                <a class="button button-small" href=move || api::audit_csv(crate::ui::text::download_language(i18n.get_locale())) download="" data-testid="audit-csv">
                    {move || t_string!(i18n, admin.audit_download)}
                </a>
            </div>
            {move || match entries.get() {
                None => view! { <p class="field-hint">{t_string!(i18n, admin.loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorLine error=e /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="empty">{t_string!(i18n, admin.audit_empty)}</p>
                }.into_any(),
                Some(Ok(list)) => {
                    let last = list.last().map(|e| e.id);
                    let full = list.len() as u32 == PAGE;
                    view! {
                        <div class="table-scroll">
                            <table class="admin-table" data-testid="audit-table">
                                <thead>
                                    <tr>
                                        <th scope="col">{t_string!(i18n, admin.audit_at)}</th>
                                        <th scope="col">{t_string!(i18n, admin.audit_actor)}</th>
                                        <th scope="col">{t_string!(i18n, admin.audit_action)}</th>
                                        <th scope="col">{t_string!(i18n, admin.audit_subject)}</th>
                                        <th scope="col">{t_string!(i18n, admin.audit_detail)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|e| view! { <AuditRow entry=e /> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <div class="admin-panel-actions">
                            <button type="button" class="button button-small" disabled=move || pages.with(|p| p.len() <= 1) on:click=newer>
                                {t_string!(i18n, admin.audit_newer)}
                            </button>
                            <button type="button" class="button button-small" data-testid="audit-older" disabled=!full
                                on:click=move |_| { if let Some(last) = last { older(last) } }>
                                {t_string!(i18n, admin.audit_older)}
                            </button>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    let i18n = use_i18n();
    let at = entry.at;
    let action = AuditAction::from_key(&entry.action);
    let raw_action = entry.action.clone();
    let system = entry.actor.is_empty();
    let (actor_name, actor_email) = (entry.actor_name.clone(), entry.actor.clone());
    // A subject the relay could name shows its name and email; its id stays in the tooltip.
    let named = !entry.subject_name.is_empty() || !entry.subject_email.is_empty();
    let subject_id = entry.subject.clone();
    let detail = entry.detail.clone();
    view! {
        <tr data-testid="audit-entry" data-action=entry.action.clone()>
            <td class="admin-nowrap">{move || format_local(at, i18n.get_locale(), true)}</td>
            <td>
                {if system {
                    view! { <span class="admin-sub">{move || t_string!(i18n, admin.audit_system)}</span> }.into_any()
                } else {
                    view! {
                        <div class="admin-name">{actor_name}</div>
                        <div class="admin-email admin-sub">{actor_email}</div>
                    }.into_any()
                }}
            </td>
            <td><span class="chip admin-action">{move || action_label(i18n.get_locale(), action, &raw_action)}</span></td>
            <td data-testid="audit-subject">
                {if named {
                    view! {
                        <div class="admin-name" title=subject_id.clone()>{entry.subject_name.clone()}</div>
                        <div class="admin-email admin-sub">{entry.subject_email.clone()}</div>
                    }.into_any()
                } else {
                    view! { <span class="admin-code">{subject_id.clone()}</span> }.into_any()
                }}
            </td>
            <td class="admin-detail-text">{move || detail_text(i18n.get_locale(), action, &detail)}</td>
        </tr>
    }
}

/// An action as people say it; one this version does not know (an older log's) as written.
fn action_label(locale: Locale, action: Option<AuditAction>, raw: &str) -> String {
    use AuditAction as A;
    let Some(action) = action else {
        return match raw {
            "auto-approve" => td_string!(locale, admin.audit_auto_approve).to_owned(),
            other => other.to_owned(),
        };
    };
    match action {
        A::Setup => td_string!(locale, admin.audit_setup),
        A::Import => td_string!(locale, admin.audit_import),
        A::Invite => td_string!(locale, admin.audit_invite),
        A::Register => td_string!(locale, admin.audit_register),
        A::Apply => td_string!(locale, admin.audit_apply),
        A::ConfirmApplication => td_string!(locale, admin.audit_confirm_application),
        A::Approve => td_string!(locale, admin.audit_approve),
        A::Reject => td_string!(locale, admin.audit_reject),
        A::Roles => td_string!(locale, admin.audit_roles),
        A::Suspend => td_string!(locale, admin.audit_suspend),
        A::Reactivate => td_string!(locale, admin.audit_reactivate),
        A::RevokeDevice => td_string!(locale, admin.audit_revoke_device),
        A::DeleteHrRecord => td_string!(locale, admin.audit_delete_record),
        A::DeleteAccount => td_string!(locale, admin.audit_delete_account),
        A::ChangePassword => td_string!(locale, admin.audit_change_password),
        A::SignOutEverywhere => td_string!(locale, admin.audit_sign_out_everywhere),
        A::RotatePassKey => td_string!(locale, admin.audit_rotate_pass_key),
        A::RetirePassKey => td_string!(locale, admin.audit_retire_pass_key),
        A::CreateEvent => td_string!(locale, admin.audit_create_event),
        A::CreatePost => td_string!(locale, admin.audit_create_post),
        A::MoveApplication => td_string!(locale, admin.audit_move_application),
        A::Shortlist => td_string!(locale, admin.audit_shortlist),
        A::Unshortlist => td_string!(locale, admin.audit_unshortlist),
        A::ProposeEvent => td_string!(locale, admin.audit_propose_event),
        A::SetJoinUrl => td_string!(locale, admin.audit_set_join_url),
        A::ClearJoinUrl => td_string!(locale, admin.audit_clear_join_url),
        A::SetLogo => td_string!(locale, admin.audit_set_logo),
        A::RemoveLogo => td_string!(locale, admin.audit_remove_logo),
        A::ReleaseSeat => td_string!(locale, admin.audit_release_seat),
        A::BlockMember => td_string!(locale, admin.audit_block_member),
        A::UnblockMember => td_string!(locale, admin.audit_unblock_member),
        A::ReportMessage => td_string!(locale, admin.audit_report_message),
        A::HideMessage => td_string!(locale, admin.audit_hide_message),
        A::DismissReport => td_string!(locale, admin.audit_dismiss_report),
    }
    .to_owned()
}

/// The detail as people read it: an import's counts and an application's match in the reader's
/// language; any other detail (and one an older relay wrote as text) as it is.
fn detail_text(locale: Locale, action: Option<AuditAction>, detail: &str) -> String {
    match action {
        Some(AuditAction::Import) => match serde_json::from_str::<ImportLogged>(detail) {
            Ok(d) => {
                let encoding = match d.encoding.as_str() {
                    "utf-8" => "UTF-8",
                    "shift_jis" => "Shift_JIS",
                    other => other,
                };
                td_string!(locale, admin.audit_import_detail)
                    .replace("%enc", encoding)
                    .replace("%new", &d.counts.new.to_string())
                    .replace("%upd", &d.counts.updated.to_string())
                    .replace("%same", &d.counts.unchanged.to_string())
                    .replace("%err", &d.counts.skipped.to_string())
            }
            Err(_) => detail.to_owned(),
        },
        Some(AuditAction::Apply) => match serde_json::from_str::<ApplyLogged>(detail) {
            Ok(d) => {
                let mut parts = vec![d.email];
                parts.extend(d.matched_by.map(|by| {
                    match by {
                        MatchedBy::Email => td_string!(locale, admin.audit_matched_email),
                        MatchedBy::EmployeeNumberAndName => {
                            td_string!(locale, admin.audit_matched_number)
                        }
                    }
                    .to_owned()
                }));
                if d.confirmation_mailed {
                    parts.push(td_string!(locale, admin.audit_mailed).to_owned());
                }
                parts.join(match locale {
                    Locale::ja => "・",
                    Locale::en => "; ",
                })
            }
            Err(_) => detail.to_owned(),
        },
        _ => detail.to_owned(),
    }
}
