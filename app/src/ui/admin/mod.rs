//! The administrators' screens: members (roles, suspension, devices, invitations), the HR CSV
//! import, applications to join, reported messages, the audit log, and the organisation's settings (default field
//! visibility, the pass keys). Every screen sits in [`AdminFrame`], which shows the section tabs
//! and refuses anyone without [`Role::Admin`] (the relay refuses them too: every
//! `/api/admin/...` call answers `forbidden`).

mod applications;
mod audit;
mod import;
mod logo;
mod members;
mod pass_keys;
mod reports;

pub(crate) use applications::ApplicationsPage;
pub(crate) use audit::AuditPage;
pub(crate) use import::ImportPage;
pub(crate) use members::MembersPage;
pub(crate) use reports::ReportsPage;

/// The organisation's settings: its logo, default field visibility, and the keys passes are
/// signed with.
#[component]
pub(crate) fn SettingsPage() -> impl IntoView {
    view! {
        <AdminFrame>
            <logo::Logo />
            <super::org_settings::DefaultVisibility />
            <pass_keys::PassKeys />
        </AdminFrame>
    }
}

use std::time::Duration;

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use leptos_router::hooks::use_location;
use tsunagu_core::api::ErrorCode;
use tsunagu_core::vocab::Role;

use super::use_client;
use crate::api;
use crate::error::AppError;
use crate::i18n::*;

/// How often an admin's badge asks the relay again while the app is open.
const PENDING_POLL: Duration = Duration::from_secs(120);

/// How many applications wait for a decision: the badge on the admin nav tab and on the
/// applications tab. Asked of the relay when an admin moves between screens, after each
/// decision and every [`PENDING_POLL`]; offline, the last count stays.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingApplications {
    count: RwSignal<u32>,
    asks: RwSignal<u32>,
}

impl PendingApplications {
    /// Provided once for the signed-in screens; it asks only while the member is an admin.
    pub(crate) fn provide() {
        let pending = Self {
            count: RwSignal::new(0),
            asks: RwSignal::new(0),
        };
        provide_context(pending);
        let client = use_client();
        let pathname = use_location().pathname;
        Effect::new(move |_| {
            pathname.track();
            pending.asks.track();
            let admin = client.signals.me.with(|me| {
                me.as_ref()
                    .is_some_and(|me| me.roles.contains(&Role::Admin))
            });
            if !admin {
                pending.count.set(0);
                return;
            }
            leptos::task::spawn_local(async move {
                if let Ok(summary) = api::admin_summary().await {
                    pending.count.set(summary.pending_applications);
                }
            });
        });
        let every = u32::try_from(PENDING_POLL.as_millis()).unwrap_or(u32::MAX);
        // Kept by the owner (the signed-in shell) and dropped with it, which stops the polling.
        StoredValue::new_local(Interval::new(every, move || pending.ask()));
    }

    /// Asks the relay again (after a decision).
    pub(crate) fn ask(self) {
        self.asks.update(|n| *n = n.wrapping_add(1));
    }

    fn get() -> Option<Self> {
        use_context::<Self>()
    }
}

/// The count of [`PendingApplications`], on a tab; nothing when none wait.
#[component]
pub(crate) fn PendingBadge() -> impl IntoView {
    let i18n = use_i18n();
    let count =
        Signal::derive(move || PendingApplications::get().map_or(0, |p| p.count.get() as usize));
    view! {
        <super::TabBadge count=count label=Signal::derive(move || t_string!(i18n, admin.pending_badge)) testid="admin-pending-badge" />
    }
}

/// The nav entry's icon: a shield.
#[component]
pub(crate) fn AdminIcon() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
            <path d="M12 3.5 5 6v5.5c0 4.2 2.9 7.7 7 9 4.1-1.3 7-4.8 7-9V6z" />
            <path d="m9 12 2.2 2.2L15.5 10" />
        </svg>
    }
}

/// The admin area's title, section tabs and the screen; a clear refusal for non-admins.
#[component]
fn AdminFrame(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let is_admin = move || {
        client.signals.me.with(|me| {
            me.as_ref()
                .is_some_and(|me| me.roles.contains(&Role::Admin))
        })
    };
    let pathname = use_location().pathname;
    let tab = move |href: &'static str| {
        let here = pathname.get();
        (here.trim_end_matches('/') == href).then_some("page")
    };
    view! {
        <Show when=is_admin fallback=|| view! { <Forbidden /> }>
            <div class="admin" data-testid="admin">
                <h1 class="page-title">{move || t_string!(i18n, admin.title)}</h1>
                <nav class="admin-tabs" aria-label=move || t_string!(i18n, admin.sections)>
                    <a class="admin-tab" href="/admin" data-testid="admin-tab-members" aria-current=move || tab("/admin")>{move || t_string!(i18n, admin.members)}</a>
                    <a class="admin-tab" href="/admin/import" data-testid="admin-tab-import" aria-current=move || tab("/admin/import")>{move || t_string!(i18n, admin.import)}</a>
                    <a class="admin-tab" href="/admin/applications" data-testid="admin-tab-applications" aria-current=move || tab("/admin/applications")>
                        {move || t_string!(i18n, admin.applications)}
                        <PendingBadge />
                    </a>
                    <a class="admin-tab" href="/admin/reports" data-testid="admin-tab-reports" aria-current=move || tab("/admin/reports")>{move || t_string!(i18n, admin.reports)}</a>
                    <a class="admin-tab" href="/admin/audit" data-testid="admin-tab-audit" aria-current=move || tab("/admin/audit")>{move || t_string!(i18n, admin.audit)}</a>
                    <a class="admin-tab" href="/admin/settings" data-testid="admin-tab-settings" aria-current=move || tab("/admin/settings")>{move || t_string!(i18n, admin.settings)}</a>
                </nav>
                {children()}
            </div>
        </Show>
    }
}

/// For someone who is not an administrator (or no longer is).
#[component]
fn Forbidden() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="empty" role="alert" data-testid="admin-forbidden">
            <p><strong>{move || t_string!(i18n, admin.forbidden_title)}</strong></p>
            <p>{move || t_string!(i18n, admin.forbidden_text)}</p>
            <p class="join-alt"><a href="/">{move || t_string!(i18n, person.back)}</a></p>
        </div>
    }
}

/// What to tell an admin when a call fails.
fn error_text(i18n: leptos_i18n::I18nContext<Locale>, error: &AppError) -> &'static str {
    match error {
        AppError::Api(ErrorCode::Forbidden) => t_string!(i18n, admin.forbidden_text),
        AppError::Api(ErrorCode::Unauthenticated | ErrorCode::SessionExpired) => {
            t_string!(i18n, admin.error_session)
        }
        AppError::Api(ErrorCode::Conflict) => t_string!(i18n, admin.error_conflict),
        AppError::Api(ErrorCode::InvalidCsv) => t_string!(i18n, admin.error_invalid_csv),
        AppError::Api(ErrorCode::NotFound) => t_string!(i18n, admin.error_not_found),
        AppError::Offline => t_string!(i18n, admin.error_offline),
        _ => t_string!(i18n, admin.error_generic),
    }
}

/// An error line for a failed call; a refused one shows the forbidden screen's words.
#[component]
fn ErrorLine(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="form-error" role="alert" data-testid="admin-error">{move || error_text(i18n, &error)}</p> }
}

/// Asks before something that cannot be undone (or hurts someone when done by mistake).
fn confirmed(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// Puts a name into a confirmation question: the texts mark its place with `%s`. (Questions
/// go to `window.confirm`, which takes a string; the translation macros interpolate into views.)
fn fill(template: &str, name: &str) -> String {
    template.replace("%s", name)
}

/// `YYYY-MM – YYYY-MM` (either end may be unknown).
fn period(joined: &str, left: &str) -> String {
    if joined.is_empty() && left.is_empty() {
        return String::new();
    }
    format!("{joined} – {left}")
}

/// A role's name for people.
fn role_label(i18n: leptos_i18n::I18nContext<Locale>, role: Role) -> &'static str {
    crate::ui::role_name(i18n.get_locale(), role)
}
