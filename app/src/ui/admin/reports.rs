//! Messages members reported: an admin reads each as the relay holds it, with who wrote it, who
//! reported it and why, and hides it for everyone or leaves it as it is. Both are in the audit
//! log.

use leptos::prelude::*;
use tsunagu_core::api::{MessageReport, ReportDecision};

use super::{AdminFrame, ErrorLine, confirmed};
use crate::api;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::time::format_local;

#[component]
pub(crate) fn ReportsPage() -> impl IntoView {
    view! { <AdminFrame><Reports /></AdminFrame> }
}

#[component]
fn Reports() -> impl IntoView {
    let i18n = use_i18n();
    let list = LocalResource::new(api::message_reports);
    let error = RwSignal::new(None::<AppError>);
    let decide = move |report: MessageReport, decision: ReportDecision| {
        if decision == ReportDecision::Hide
            && !confirmed(t_string!(i18n, admin.reports_confirm_hide))
        {
            return;
        }
        error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = api::decide_report(report.id, decision).await {
                error.set(Some(e));
            }
            list.refetch();
        });
    };
    view! {
        <section class="card section admin-section">
            <p class="field-hint">{move || t_string!(i18n, admin.reports_lead)}</p>
            {move || error.get().map(|e| view! { <ErrorLine error=e /> })}
        </section>
        {move || match list.get() {
            None => view! { <p class="field-hint">{t_string!(i18n, admin.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorLine error=e /> }.into_any(),
            Some(Ok(items)) if items.is_empty() => view! {
                <p class="empty" data-testid="reports-empty">{t_string!(i18n, admin.reports_empty)}</p>
            }.into_any(),
            Some(Ok(items)) => view! {
                <ul class="admin-cards">
                    {items.into_iter().map(|r| view! { <ReportCard report=r decide=decide /> }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}

#[component]
fn ReportCard(
    report: MessageReport,
    decide: impl Fn(MessageReport, ReportDecision) + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let reported = report.reported_at;
    let (hide_with, dismiss_with) = (report.clone(), report.clone());
    view! {
        <li class="card section admin-application" data-testid="report">
            <div class="admin-application-head">
                <div>
                    <p class="admin-name">{report.author_name.clone()}</p>
                    <p class="admin-sub">{move || t_string!(i18n, admin.reports_by)}" "{report.reporter_name.clone()}</p>
                </div>
                <span class="admin-sub">{move || format_local(reported, i18n.get_locale(), true)}</span>
            </div>
            <blockquote class="reported-text" data-testid="report-text">
                {if report.text.is_empty() { t_string!(i18n, admin.reports_gone).to_owned() } else { report.text.clone() }}
            </blockquote>
            {(!report.reason.is_empty()).then(|| view! {
                <dl class="admin-facts"><dt>{move || t_string!(i18n, admin.reports_reason)}</dt><dd>{report.reason.clone()}</dd></dl>
            })}
            <div class="admin-panel-actions">
                <button type="button" class="button button-small button-danger" data-testid="report-hide"
                    on:click=move |_| decide(hide_with.clone(), ReportDecision::Hide)>
                    {move || t_string!(i18n, admin.reports_hide)}
                </button>
                <button type="button" class="button button-small button-quiet" data-testid="report-dismiss"
                    on:click=move |_| decide(dismiss_with.clone(), ReportDecision::Dismiss)>
                    {move || t_string!(i18n, admin.reports_dismiss)}
                </button>
            </div>
        </li>
    }
}
