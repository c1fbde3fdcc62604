//! The screens. Components render signals and dispatch to [`Client`]; none of them touches the
//! engine, IndexedDB or the socket.

// `#[component]` expands to items whose visibility the lint cannot see through.
#![allow(unreachable_pub)]

mod admin;
mod avatar;
mod banners;
mod confirm;
mod devices;
mod directory;
mod edit;
mod events;
mod fields;
mod form_input;
mod fragment_link;
mod icons;
mod join;
mod lazy;
mod messages;
mod network;
mod news;
mod org_settings;
mod passkey;
mod password;
mod person;
mod photos;
mod privacy;
mod qr;
mod reauth;
mod setup;
mod sign_in;
mod sync_indicator;
mod text;
mod time;
mod welcome;

use leptos::prelude::*;
use leptos_router::Lazy;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use tsunagu_core::vocab::Role;

use crate::error::AppError;
use crate::i18n::*;
use crate::runtime::{Client, Runtime};
use crate::shell;
use crate::state::{Phase, Signals};

/// The client every component gets from context.
pub(crate) fn use_client() -> Client {
    expect_context::<Client>()
}

/// The root: translations, the runtime, and the screen for the current phase.
#[component]
pub fn App() -> impl IntoView {
    let signals = Signals::new();
    let client = Client::new(signals);
    provide_context(client);
    view! {
        <I18nContextProvider>
            <Boot client=client />
            <Router>
                <fragment_link::FragmentLinkRoute />
                {move || match signals.phase.get() {
                    Phase::Starting => view! { <Splash /> }.into_any(),
                    Phase::SignedOut => view! { <SignedOut /> }.into_any(),
                    Phase::SignedIn => view! { <SignedIn /> }.into_any(),
                }}
            </Router>
        </I18nContextProvider>
    }
}

/// Starts the runtime and applies the remembered (or the browser's) language.
#[component]
fn Boot(client: Client) -> impl IntoView {
    let i18n = use_i18n();
    i18n.set_locale(locale_of(shell::browser_language()));
    // The screen being opened (a chat from a notification, an event from a link) fetches its code
    // while device storage is read, not after.
    lazy::preload_route(&window().location().pathname().unwrap_or_default());
    wasm_bindgen_futures::spawn_local(async move {
        let (runtime, booted) = Runtime::boot(client.signals).await;
        shell::listen(client.signals, &runtime);
        client.attach(runtime);
        if let Some(language) = booted.language {
            i18n.set_locale(locale_of(&language));
        }
    });
}

pub(crate) fn locale_of(language: &str) -> Locale {
    if language == "en" {
        Locale::en
    } else {
        Locale::ja
    }
}

#[component]
fn Splash() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="splash" data-testid="splash">
            <div class="brand-mark" aria-hidden="true">"つ"</div>
            <p>{move || t_string!(i18n, app.starting)}</p>
        </div>
    }
}

/// Signing in, or joining: from an invitation link, or by applying (and confirming the
/// application from the mailed link); or setting up a new network.
#[component]
fn SignedOut() -> impl IntoView {
    network::Network::provide();
    lazy::preload(&[]);
    view! {
        <Routes fallback=|| view! { <sign_in::SignInPage /> }>
            <Route path=path!("/join/:token") view={Lazy::<lazy::Join>::new()} />
            <Route path=path!("/apply") view={Lazy::<lazy::Apply>::new()} />
            <Route path=path!("/confirm/:token") view={Lazy::<lazy::Confirm>::new()} />
            <Route path=path!("/setup/:token") view={Lazy::<lazy::Setup>::new()} />
        </Routes>
    }
}

/// Header with navigation and the sync indicator, banners, and the routed page.
#[component]
fn SignedIn() -> impl IntoView {
    let i18n = use_i18n();
    directory::provide_search_state();
    events::provide_events_state();
    reauth::Reauth::provide();
    admin::PendingApplications::provide();
    // A person's page belongs to the directory tab; the router's own `<A>` marks exact paths only.
    let pathname = use_location().pathname;
    let current = move |section: Section| {
        let path = pathname.get();
        let here = if path.starts_with("/messages") {
            Section::Messages
        } else if path.starts_with("/me") {
            Section::MyProfile
        } else if ["/news", "/jobs", "/talent"]
            .iter()
            .any(|p| path.starts_with(p))
        {
            Section::News
        } else if path.starts_with("/admin") {
            Section::Admin
        } else if path.starts_with("/events")
            || path.starts_with("/card")
            || path.starts_with("/tickets")
        {
            Section::Events
        } else {
            Section::Directory
        };
        (here == section).then_some("page")
    };
    let client = use_client();
    // Again whenever the roles are known or change: staff and admins get their screens too.
    Effect::new(move |_| {
        let roles = client
            .signals
            .me
            .with(|me| me.as_ref().map(|me| me.roles.clone()).unwrap_or_default());
        lazy::preload(&roles);
    });
    let is_admin = move || {
        client.signals.me.with(|me| {
            me.as_ref()
                .is_some_and(|me| me.roles.contains(&Role::Admin))
        })
    };
    view! {
        <a class="skip-link" href="#main">{move || t_string!(i18n, app.skip_to_content)}</a>
        <header class="topbar">
            <div class="topbar-inner">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"つ"</span>
                    <span class="brand-text">
                        <span class="brand-name">"tsunagu"</span>
                        <span class="brand-tagline">{move || t_string!(i18n, app.tagline)}</span>
                    </span>
                </A>
                <nav class="tabs" aria-label=move || t_string!(i18n, nav.label)>
                    <a href="/" class="tab" data-testid="nav-directory" aria-current=move || current(Section::Directory)>
                        <icons::People />
                        <span>{move || t_string!(i18n, nav.directory)}</span>
                    </a>
                    <a href="/events" class="tab" data-testid="nav-events" aria-current=move || current(Section::Events)>
                        <events::EventsIcon />
                        <span>{move || t_string!(i18n, nav.events)}</span>
                        <events::EventsBadge />
                    </a>
                    <a href="/news" class="tab" data-testid="nav-news" aria-current=move || current(Section::News)>
                        <news::NewsIcon />
                        <span>{move || t_string!(i18n, nav.news)}</span>
                        <news::NewsBadge />
                    </a>
                    <a href="/messages" class="tab" data-testid="nav-messages" aria-current=move || current(Section::Messages)>
                        <messages::MessagesIcon />
                        <span>{move || t_string!(i18n, nav.messages)}</span>
                        <messages::MessagesBadge />
                    </a>
                    <a href="/me" class="tab" data-testid="nav-my-profile" aria-current=move || current(Section::MyProfile)>
                        <icons::Person />
                        <span>{move || t_string!(i18n, nav.my_profile)}</span>
                    </a>
                    <Show when=is_admin>
                        <a href="/admin" class="tab" data-testid="nav-admin" aria-current=move || current(Section::Admin)>
                            <admin::AdminIcon />
                            <span>{move || t_string!(i18n, admin.nav)}</span>
                            <admin::PendingBadge />
                        </a>
                    </Show>
                </nav>
                <div class="topbar-tools">
                    <sync_indicator::SyncIndicator />
                    <LanguageSwitch />
                </div>
            </div>
        </header>
        <banners::Banners />
        <reauth::ReauthDialog />
        <main id="main" class="page" tabindex="-1">
            <Routes fallback=|| view! { <directory::DirectoryPage /> }>
                <Route path=path!("/") view=directory::DirectoryPage />
                <Route path=path!("/people/:id") view={Lazy::<lazy::PersonRoute>::new()} />
                <Route path=path!("/me") view={Lazy::<lazy::EditProfile>::new()} />
                <Route path=path!("/events") view={Lazy::<lazy::EventsRoute>::new()} />
                <Route path=path!("/events/new") view={Lazy::<lazy::NewEvent>::new()} />
                <Route path=path!("/events/:doc") view={Lazy::<lazy::EventRoute>::new()} />
                <Route path=path!("/events/:doc/edit") view={Lazy::<lazy::EditEvent>::new()} />
                <Route path=path!("/events/:doc/check-in") view={Lazy::<lazy::CheckIn>::new()} />
                <Route path=path!("/events/:doc/venue-code") view={Lazy::<lazy::VenueCode>::new()} />
                <Route path=path!("/messages") view={Lazy::<lazy::Conversations>::new()} />
                <Route path=path!("/messages/new") view={Lazy::<lazy::NewGroup>::new()} />
                <Route path=path!("/messages/:id") view={Lazy::<lazy::Chat>::new()} />
                <Route path=path!("/messages/:id/add") view={Lazy::<lazy::AddMembers>::new()} />
                <Route path=path!("/news") view={Lazy::<lazy::NewsFeed>::new()} />
                <Route path=path!("/news/new") view={Lazy::<lazy::NewPost>::new()} />
                <Route path=path!("/news/:doc") view={Lazy::<lazy::NewsPost>::new()} />
                <Route path=path!("/news/:doc/edit") view={Lazy::<lazy::EditPost>::new()} />
                <Route path=path!("/jobs") view={Lazy::<lazy::JobsRoute>::new()} />
                <Route path=path!("/jobs/new") view={Lazy::<lazy::NewJob>::new()} />
                <Route path=path!("/jobs/:doc/applicants") view={Lazy::<lazy::JobApplicants>::new()} />
                <Route path=path!("/talent") view={Lazy::<lazy::TalentPool>::new()} />
                <Route path=path!("/card") view={Lazy::<lazy::IdCard>::new()} />
                <Route path=path!("/tickets") view={Lazy::<lazy::Tickets>::new()} />
                <Route path=path!("/admin") view={Lazy::<lazy::AdminMembers>::new()} />
                <Route path=path!("/admin/import") view={Lazy::<lazy::AdminImport>::new()} />
                <Route path=path!("/admin/applications") view={Lazy::<lazy::AdminApplications>::new()} />
                <Route path=path!("/admin/reports") view={Lazy::<lazy::AdminReports>::new()} />
                <Route path=path!("/admin/audit") view={Lazy::<lazy::AdminAudit>::new()} />
                <Route path=path!("/admin/settings") view={Lazy::<lazy::AdminSettings>::new()} />
                <Route path=path!("/join/:token") view=join::AlreadySignedIn />
                <Route path=path!("/apply") view=join::AlreadySignedIn />
                <Route path=path!("/confirm/:token") view=join::AlreadySignedIn />
                <Route path=path!("/setup/:token") view=setup::AlreadySetUpSignedIn />
            </Routes>
        </main>
    }
}

/// A count on a nav tab (unread messages, news about events, applications waiting), hidden at
/// zero; `label` says what is counted, with `%n` for the count.
#[component]
pub(crate) fn TabBadge(
    #[prop(into)] count: Signal<usize>,
    #[prop(into)] label: Signal<&'static str>,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <Show when=move || { count.get() > 0 }>
            <span class="tab-badge" data-testid=testid
                aria-label=move || label.get().replace("%n", &count.get().to_string())>
                {move || count.get()}
            </span>
        </Show>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Directory,
    Events,
    News,
    Messages,
    MyProfile,
    Admin,
}

/// A role's name for people.
pub(crate) fn role_name(locale: Locale, role: Role) -> &'static str {
    match role {
        Role::Admin => td_string!(locale, admin.role_admin),
        Role::EventStaff => td_string!(locale, admin.role_event_staff),
        Role::Employee => td_string!(locale, admin.role_employee),
        Role::Alumni => td_string!(locale, admin.role_alumni),
        Role::Editor => td_string!(locale, admin.role_editor),
        Role::Recruiter => td_string!(locale, admin.role_recruiter),
    }
}

/// Asks before something that cannot be undone.
pub(crate) fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// What to tell a member when something they asked for failed.
pub(crate) fn error_text(locale: Locale, error: &AppError) -> &'static str {
    use tsunagu_core::api::ErrorCode;
    match error {
        AppError::Offline => td_string!(locale, errors.offline),
        AppError::NotSynced | AppError::NotStarted => td_string!(locale, errors.not_synced),
        AppError::QuotaExceeded => td_string!(locale, errors.storage_full),
        AppError::StorageUnavailable(_) | AppError::CorruptStorage(_) => {
            td_string!(locale, errors.storage_unavailable)
        }
        AppError::Api(ErrorCode::Unauthenticated | ErrorCode::SessionExpired) => {
            td_string!(locale, errors.session)
        }
        AppError::Api(ErrorCode::Forbidden) => td_string!(locale, errors.forbidden),
        AppError::Api(ErrorCode::NotFound) => td_string!(locale, errors.not_found),
        AppError::Api(ErrorCode::BadRequest) => td_string!(locale, errors.bad_request),
        AppError::Api(ErrorCode::TooManyAttempts) => td_string!(locale, errors.too_many),
        AppError::Api(ErrorCode::Busy) => td_string!(locale, errors.busy),
        AppError::NotConfirmed | AppError::Api(ErrorCode::ReauthenticationRequired) => {
            td_string!(locale, errors.reauthentication)
        }
        AppError::Api(ErrorCode::PasswordTooShort) => td_string!(locale, join.password_too_short),
        AppError::Api(ErrorCode::SetupLinkInvalid) => td_string!(locale, errors.setup_link_invalid),
        AppError::Api(ErrorCode::AlreadySetUp) => td_string!(locale, errors.already_set_up),
        AppError::Api(_) | AppError::LocalEdit(_) | AppError::UnexpectedResponse(_) => {
            td_string!(locale, errors.generic)
        }
    }
}

/// One button: switches between 日本語 and English and remembers the choice on this device.
#[component]
pub(crate) fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let toggle = move |_| {
        let (next, code) = match i18n.get_locale_untracked() {
            Locale::ja => (Locale::en, "en"),
            Locale::en => (Locale::ja, "ja"),
        };
        i18n.set_locale(next);
        client.set_language(code);
    };
    view! {
        <button
            type="button"
            class="lang-switch"
            data-testid="language-switch"
            on:click=toggle
            aria-label=move || t_string!(i18n, nav.language_label)
        >
            <icons::Globe />
            <span>{move || t_string!(i18n, nav.language)}</span>
        </button>
    }
}
