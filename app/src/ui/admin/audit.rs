//! The audit log: who did what to whom, newest first, a page at a time; the whole log downloads
//! as CSV (UTF-8 with BOM, so Excel in Japan opens it as it is).

use leptos::prelude::*;
use tsunagu_core::api::AuditEntry;

use super::{AdminFrame, ErrorLine, format_time};
use crate::api;
use crate::i18n::*;

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
                <a class="button button-small" href=api::AUDIT_CSV download="tsunagu-audit.csv" data-testid="audit-csv">
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
    let action = entry.action.clone();
    let actor = if entry.actor.is_empty() {
        None
    } else {
        Some(entry.actor.clone())
    };
    view! {
        <tr data-testid="audit-entry" data-action=entry.action.clone()>
            <td class="admin-nowrap">{move || format_time(at, i18n.get_locale(), true)}</td>
            <td class="admin-email">{move || actor.clone().unwrap_or_else(|| t_string!(i18n, admin.audit_system).to_string())}</td>
            <td><span class="chip">{move || action_label(i18n, &action)}</span></td>
            <td class="admin-code">{entry.subject.clone()}</td>
            <td>{entry.detail.clone()}</td>
        </tr>
    }
}

fn action_label(i18n: leptos_i18n::I18nContext<Locale>, action: &str) -> String {
    let known = match action {
        "import" => t_string!(i18n, admin.audit_import),
        "invite" => t_string!(i18n, admin.audit_invite),
        "approve" => t_string!(i18n, admin.audit_approve),
        "reject" => t_string!(i18n, admin.audit_reject),
        "auto-approve" => t_string!(i18n, admin.audit_auto_approve),
        "register" => t_string!(i18n, admin.audit_register),
        "roles" => t_string!(i18n, admin.audit_roles),
        "suspend" => t_string!(i18n, admin.audit_suspend),
        "reactivate" => t_string!(i18n, admin.audit_reactivate),
        "revoke-device" => t_string!(i18n, admin.audit_revoke_device),
        "delete-hr-record" => t_string!(i18n, admin.audit_delete_record),
        "apply" => t_string!(i18n, admin.audit_apply),
        "confirm-application" => t_string!(i18n, admin.audit_confirm_application),
        "delete-account" => t_string!(i18n, admin.audit_delete_account),
        "setup" => t_string!(i18n, admin.audit_setup),
        "change-password" => t_string!(i18n, admin.audit_change_password),
        "sign-out-everywhere" => t_string!(i18n, admin.audit_sign_out_everywhere),
        "rotate-pass-key" => t_string!(i18n, admin.audit_rotate_pass_key),
        "retire-pass-key" => t_string!(i18n, admin.audit_retire_pass_key),
        other => return other.to_owned(),
    };
    known.to_owned()
}
