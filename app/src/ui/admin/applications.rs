//! Applications to join from people who had no invitation: an admin approves (they become a
//! member and may sign in with the password they chose) or rejects each one. An application that
//! matches a leaver HR imported says so, as a hint for the decision; when the relay mailed a
//! confirmation link to the address HR has, opening it approves the application by itself.

use leptos::prelude::*;
use tsunagu_core::api::{Application, ApplicationStatus, HrMatch, MatchedBy};

use super::{AdminFrame, ErrorLine, confirmed, fill, period};
use crate::api;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::time::format_local;

#[component]
pub(crate) fn ApplicationsPage() -> impl IntoView {
    view! { <AdminFrame><Applications /></AdminFrame> }
}

#[component]
fn Applications() -> impl IntoView {
    let i18n = use_i18n();
    let status = RwSignal::new(ApplicationStatus::Pending);
    let list = LocalResource::new(move || {
        let status = status.get();
        async move { api::applications(status.key()).await }
    });
    let error = RwSignal::new(None::<AppError>);
    let decide = move |application: Application, approve: bool| {
        if !approve
            && !confirmed(&fill(
                t_string!(i18n, admin.confirm_reject),
                &application.name,
            ))
        {
            return;
        }
        error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = api::decide_application(&application.id, approve).await {
                error.set(Some(e));
            }
            list.refetch();
            if let Some(pending) = super::PendingApplications::get() {
                pending.ask();
            }
        });
    };
    let tab = move |s: ApplicationStatus| {
        view! {
            <button type="button" class="chip chip-toggle" class:chip-on=move || status.get() == s
                aria-pressed=move || (status.get() == s).to_string()
                on:click=move |_| status.set(s)>
                {move || match s {
                    ApplicationStatus::Pending => t_string!(i18n, admin.applications_pending),
                    ApplicationStatus::Approved => t_string!(i18n, admin.applications_approved),
                    ApplicationStatus::Rejected => t_string!(i18n, admin.applications_rejected),
                }}
            </button>
        }
    };

    view! {
        <section class="card section admin-section">
            <p class="field-hint">{move || t_string!(i18n, admin.applications_lead)}</p>
            <div class="chips admin-chips" role="group">
                {tab(ApplicationStatus::Pending)}
                {tab(ApplicationStatus::Approved)}
                {tab(ApplicationStatus::Rejected)}
            </div>
            {move || error.get().map(|e| view! { <ErrorLine error=e /> })}
        </section>
        {move || match list.get() {
            None => view! { <p class="field-hint">{t_string!(i18n, admin.loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorLine error=e /> }.into_any(),
            Some(Ok(items)) if items.is_empty() => view! {
                <p class="empty" data-testid="applications-empty">{t_string!(i18n, admin.applications_empty)}</p>
            }.into_any(),
            Some(Ok(items)) => view! {
                <ul class="admin-cards">
                    {items.into_iter().map(|a| view! { <ApplicationCard application=a decide=decide /> }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}

#[component]
fn ApplicationCard(
    application: Application,
    decide: impl Fn(Application, bool) + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let pending = application.status == ApplicationStatus::Pending;
    let created = application.created_at;
    let fact = move |label: &'static str, value: String| {
        (!value.is_empty()).then(|| view! { <dt>{label}</dt><dd>{value}</dd> })
    };
    let (approve_with, reject_with) = (application.clone(), application.clone());
    view! {
        <li class="card section admin-application" data-testid="application" data-email=application.email.clone()>
            <div class="admin-application-head">
                <div>
                    <p class="admin-name">{application.name.clone()}</p>
                    <p class="admin-sub">{application.reading.clone()}</p>
                </div>
                <span class="admin-sub">{move || format_local(created, i18n.get_locale(), true)}</span>
            </div>
            {application.hr_match.clone().map(|m| view! { <HrMatchHint hr_match=m /> })}
            {(pending && application.awaiting_confirmation).then(|| view! {
                <p class="note" data-testid="application-awaiting">{move || t_string!(i18n, admin.applications_awaiting)}</p>
            })}
            <dl class="admin-facts">
                {fact(t_string!(i18n, admin.col_email), application.email.clone())}
                {fact(t_string!(i18n, admin.col_employee_number), application.employee_number.clone())}
                {fact(t_string!(i18n, admin.col_tenure), period(&application.joined, &application.left))}
                {fact(t_string!(i18n, admin.col_department), application.department.clone())}
                {fact(t_string!(i18n, admin.applications_note), application.note.clone())}
            </dl>
            {pending.then(|| view! {
                <div class="admin-panel-actions">
                    <button type="button" class="button button-small button-primary" data-testid="application-approve"
                        on:click=move |_| decide(approve_with.clone(), true)>
                        {move || t_string!(i18n, admin.approve)}
                    </button>
                    <button type="button" class="button button-small button-quiet button-danger" data-testid="application-reject"
                        on:click=move |_| decide(reject_with.clone(), false)>
                        {move || t_string!(i18n, admin.reject)}
                    </button>
                </div>
            })}
        </li>
    }
}

/// The imported leaver an application matched, and how: a hint, never a decision.
#[component]
fn HrMatchHint(hr_match: HrMatch) -> impl IntoView {
    let i18n = use_i18n();
    let by = hr_match.by;
    let who = if hr_match.employee_number.is_empty() {
        hr_match.name.clone()
    } else {
        format!("{} ({})", hr_match.name, hr_match.employee_number)
    };
    view! {
        <p class="admin-match" data-testid="application-hr-match" data-by=by.key()>
            <span class="badge">{move || t_string!(i18n, admin.applications_hr_match)}</span>
            <span>{who}</span>
            <span class="admin-sub" aria-hidden="true">"·"</span>
            <span class="admin-sub">
                {move || match by {
                    MatchedBy::Email => t_string!(i18n, admin.applications_by_email),
                    MatchedBy::EmployeeNumberAndName => t_string!(i18n, admin.applications_by_number),
                }}
            </span>
        </p>
    }
}
