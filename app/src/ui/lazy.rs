//! Every screen but sign-in and the directory, as routes whose code is fetched the first time it
//! is needed: the first visit downloads only what the first screen shows.
//!
//! In a split build (`--features split`, which `cargo xtask dist` uses for release) each group of
//! screens below is cut out of the main wasm into a chunk of its own (`wasm_split`, the tool behind
//! `#[leptos::lazy]`, split after linking by `wasm_split_cli_support`). Few, larger chunks rather
//! than one per screen: code two groups share becomes a chunk of its own, so each further group
//! multiplies the files. Without the feature the same routes render from the main wasm, so debug
//! builds and the wasm tests need no post-link step.
//!
//! Offline: once the first screen is up, [`preload`] fetches the chunk every member opens (their
//! profile, a person's page, events, messages, news), so a phone that goes offline during its
//! very first visit still has them; the service worker precaches every chunk too, so all screens
//! work offline after the first visit. A chunk that cannot be fetched (offline before either happened) shows a notice
//! with a reload button instead of stopping the app.

use leptos::prelude::*;
use leptos_router::LazyRoute;
use tsunagu_core::vocab::Role;

use super::{admin, confirm, edit, events, join, messages, news, person, setup};
use crate::i18n::*;
use crate::runtime::Client;

/// A group of screens in one chunk: `$kind` names its screens, `$load` renders one of them (after
/// fetching the chunk in a split build), `$preload` only fetches it.
macro_rules! chunk {
    ($(#[$doc:meta])* $load:ident, $preload:ident, $kind:ident { $($screen:ident => $view:path),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        #[repr(u8)]
        pub(crate) enum $kind {
            $($screen),+
        }

        #[cfg(feature = "split")]
        #[leptos::wasm_split::wasm_split(
            $load,
            wasm_split_path = ::leptos::wasm_split,
            fallible,
            preload(#[allow(dead_code)] $preload)
        )]
        fn $load(screen: $kind) -> Result<AnyView, Unavailable> {
            Ok(match screen {
                $($kind::$screen => view! { <$view /> }.into_any()),+
            })
        }

        #[cfg(not(feature = "split"))]
        async fn $load(screen: $kind) -> Result<AnyView, Unavailable> {
            Ok(match screen {
                $($kind::$screen => view! { <$view /> }.into_any()),+
            })
        }

        #[cfg(not(feature = "split"))]
        #[allow(dead_code, clippy::unused_async)]
        async fn $preload() -> Result<(), Unavailable> {
            Ok(())
        }
    };
}

/// A route type for one screen of a chunk.
macro_rules! lazy_screen {
    ($(#[$doc:meta])* $route:ident => $load:ident($kind:ident::$screen:ident)) => {
        $(#[$doc])*
        pub(crate) struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                let screen = $load($kind::$screen).await;
                if screen.is_ok() {
                    // A chunk came: the features' code may come now too, if it could not before.
                    if let Some(client) = use_context::<Client>() {
                        client.chunk_arrived();
                    }
                }
                screen.unwrap_or_else(|_| view! { <NotOnDevice /> }.into_any())
            }
        }
    };
}

/// A chunk could not be fetched: the phone is offline and has not stored it yet.
#[derive(Debug)]
pub(crate) struct Unavailable;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for Unavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Unavailable
    }
}

chunk!(
    /// What every member opens: a person's page and one's own profile; the calendar, an event,
    /// tickets, the alumni ID card; conversations and a chat; the news feed and a post. One
    /// chunk with the features' part of the runtime (`runtime/features.rs`), which it is fetched
    /// with right after sign-in: as separate chunks, the code they share became a hundred
    /// small files of its own.
    member_screen, preload_member, Member {
        Person => person::PersonPage,
        EditProfile => edit::EditProfilePage,
        Events => events::EventsPage,
        Event => events::EventPage,
        Card => events::IdCardPage,
        Tickets => events::TicketsPage,
        Conversations => messages::ConversationsPage,
        NewGroup => messages::NewGroupPage,
        Chat => messages::ChatPage,
        AddMembers => messages::AddMembersPage,
        Feed => news::NewsPage,
        Post => news::PostPage,
        Jobs => news::jobs::JobsPage,
    }
);
chunk!(
    /// What an event's staff opens: the editor, check-in mode and the venue code.
    staff_screen, preload_staff, Staff {
        NewEvent => events::NewEventPage,
        EditEvent => events::EditEventPage,
        CheckIn => events::CheckInPage,
        VenueCode => events::VenueCodePage,
    }
);
chunk!(
    /// The admin screens.
    admin_screen, preload_admin, Admin {
        Members => admin::MembersPage,
        Import => admin::ImportPage,
        Applications => admin::ApplicationsPage,
        Reports => admin::ReportsPage,
        Audit => admin::AuditPage,
        Settings => admin::SettingsPage,
        NewPost => news::editor::NewPostPage,
        NewJob => news::editor::NewJobPage,
        Applicants => news::board::ApplicantsPage,
        Talent => news::talent::TalentPage,
        EditPost => news::editor::EditPostPage,
    }
);
chunk!(
    /// Joining from an invitation or an application, and setting up a new network.
    joining_screen, preload_joining, Joining {
        Join => join::JoinPage,
        Apply => join::ApplyPage,
        Confirm => confirm::ConfirmPage,
        Setup => setup::SetupPage,
    }
);

lazy_screen!(
    /// `/people/:id`: a person's page.
    PersonRoute => member_screen(Member::Person)
);
lazy_screen!(
    /// `/me`: one's own profile, its visibility and devices.
    EditProfile => member_screen(Member::EditProfile)
);
lazy_screen!(
    /// `/events`: the calendar.
    EventsRoute => member_screen(Member::Events)
);
lazy_screen!(
    /// `/events/:doc`: one event.
    EventRoute => member_screen(Member::Event)
);
lazy_screen!(
    /// `/card`: the alumni ID card.
    IdCard => member_screen(Member::Card)
);
lazy_screen!(
    /// `/tickets`: one's tickets.
    Tickets => member_screen(Member::Tickets)
);
lazy_screen!(
    /// `/messages`: one's conversations.
    Conversations => member_screen(Member::Conversations)
);
lazy_screen!(
    /// `/messages/new`: starting a group.
    NewGroup => member_screen(Member::NewGroup)
);
lazy_screen!(
    /// `/messages/:id`: one conversation.
    Chat => member_screen(Member::Chat)
);
lazy_screen!(
    /// `/messages/:id/add`: adding members to a group.
    AddMembers => member_screen(Member::AddMembers)
);
lazy_screen!(
    /// `/news`: the news feed.
    NewsFeed => member_screen(Member::Feed)
);
lazy_screen!(
    /// `/news/:doc`: one post.
    NewsPost => member_screen(Member::Post)
);
lazy_screen!(
    /// `/jobs`: the job openings.
    JobsRoute => member_screen(Member::Jobs)
);
lazy_screen!(
    /// `/jobs/new`: starting a job opening (admins, recruiters).
    NewJob => admin_screen(Admin::NewJob)
);
lazy_screen!(
    /// `/jobs/:doc/applicants`: the recruiters' board for an opening.
    JobApplicants => admin_screen(Admin::Applicants)
);
lazy_screen!(
    /// `/talent`: the talent pool (admins, recruiters).
    TalentPool => admin_screen(Admin::Talent)
);
lazy_screen!(
    /// `/news/new`: starting a post (admins).
    NewPost => admin_screen(Admin::NewPost)
);
lazy_screen!(
    /// `/news/:doc/edit`: the news editor (admins).
    EditPost => admin_screen(Admin::EditPost)
);
lazy_screen!(
    /// `/events/new`: the event editor, for a new event.
    NewEvent => staff_screen(Staff::NewEvent)
);
lazy_screen!(
    /// `/events/:doc/edit`: the event editor.
    EditEvent => staff_screen(Staff::EditEvent)
);
lazy_screen!(
    /// `/events/:doc/check-in`: staff's check-in mode with the ticket scanner.
    CheckIn => staff_screen(Staff::CheckIn)
);
lazy_screen!(
    /// `/events/:doc/venue-code`: the code shown at the venue for self check-in.
    VenueCode => staff_screen(Staff::VenueCode)
);
lazy_screen!(
    /// `/admin`: the member list.
    AdminMembers => admin_screen(Admin::Members)
);
lazy_screen!(
    /// `/admin/import`: importing members from a CSV file.
    AdminImport => admin_screen(Admin::Import)
);
lazy_screen!(
    /// `/admin/applications`: who asked to join.
    AdminApplications => admin_screen(Admin::Applications)
);
lazy_screen!(
    /// `/admin/reports`: messages members reported.
    AdminReports => admin_screen(Admin::Reports)
);
lazy_screen!(
    /// `/admin/audit`: the audit log.
    AdminAudit => admin_screen(Admin::Audit)
);
lazy_screen!(
    /// `/admin/settings`: the network's settings.
    AdminSettings => admin_screen(Admin::Settings)
);
lazy_screen!(
    /// `/join/:token`: joining from an invitation.
    Join => joining_screen(Joining::Join)
);
lazy_screen!(
    /// `/apply`: asking to join.
    Apply => joining_screen(Joining::Apply)
);
lazy_screen!(
    /// `/confirm/:token`: confirming an application's email address.
    Confirm => joining_screen(Joining::Confirm)
);
lazy_screen!(
    /// `/setup/:token`: setting up a new network.
    Setup => joining_screen(Joining::Setup)
);

/// Fetches, in the background, the chunk every member opens (their profile, a person's page,
/// events, messages, news), so it is on the device even if it goes offline before the service
/// worker has stored it; event staff and admins get theirs too. Calling it again is cheap: a
/// chunk is fetched once, and one that failed is fetched again when its screen is opened.
pub(crate) fn preload(roles: &[Role]) {
    let staff = roles
        .iter()
        .any(|r| matches!(r, Role::Admin | Role::EventStaff));
    // The admins' chunk holds the editor of news and job openings too.
    let admin = tsunagu_core::vocab::writes_posts(roles);
    leptos::task::spawn_local(async move {
        // After the first screen has drawn, not competing with it for a slow connection.
        gloo_timers::future::sleep(std::time::Duration::from_secs(1)).await;
        let _ = preload_member().await;
        if staff {
            let _ = preload_staff().await;
        }
        if admin {
            let _ = preload_admin().await;
        }
    });
}

/// Fetches at once the chunk a page opened at `path` shows, alongside the app's start.
pub(crate) fn preload_route(path: &str) {
    let member = [
        "/messages",
        "/news",
        "/jobs",
        "/people/",
        "/me",
        "/events",
        "/card",
        "/tickets",
    ]
    .iter()
    .any(|p| path.starts_with(p));
    if member {
        leptos::task::spawn_local(async move {
            let _ = preload_member().await;
        });
    }
}

/// In place of a screen whose code is not on this device yet.
#[component]
fn NotOnDevice() -> impl IntoView {
    let i18n = use_i18n();
    let reload = |_| {
        let _ = window().location().reload();
    };
    view! {
        <section class="notice notice-action" data-testid="screen-not-on-device" role="alert">
            <p>{move || t_string!(i18n, app.screen_not_on_device)}</p>
            <button type="button" class="button" on:click=reload>
                {move || t_string!(i18n, banner.reload)}
            </button>
        </section>
    }
}
