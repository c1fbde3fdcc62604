//! The screens most members never open — the admin screens, the event editor, check-in and the
//! venue code — as routes whose code is fetched the first time someone opens one.
//!
//! In a split build (`--features split`, which `cargo xtask dist` uses for release) each screen's
//! code is cut out of the main wasm into a chunk of its own (`#[leptos::lazy]`, split after linking
//! by `wasm_split_cli_support`), so the first download holds only what sign-in and the directory
//! need; the service worker still precaches every chunk, so all screens work offline after the
//! first visit. Without the feature the same routes render from the main wasm, so debug builds and
//! the wasm tests need no post-link step.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::{admin, events};

/// A route type for one screen, whose view is loaded from its own chunk. `$load` names the lazy
/// function: the split tool tells chunks apart by it, so each screen needs its own name.
macro_rules! lazy_screen {
    ($(#[$doc:meta])* $route:ident, $load:ident => $screen:path) => {
        $(#[$doc])*
        pub(crate) struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                #[cfg_attr(feature = "split", leptos::lazy)]
                async fn $load() -> AnyView {
                    view! { <$screen /> }.into_any()
                }
                $load().await
            }
        }
    };
}

lazy_screen!(
    /// `/admin`: the member list.
    AdminMembers, admin_members => admin::MembersPage
);
lazy_screen!(
    /// `/admin/import`: importing members from a CSV file.
    AdminImport, admin_import => admin::ImportPage
);
lazy_screen!(
    /// `/admin/applications`: who asked to join.
    AdminApplications, admin_applications => admin::ApplicationsPage
);
lazy_screen!(
    /// `/admin/audit`: the audit log.
    AdminAudit, admin_audit => admin::AuditPage
);
lazy_screen!(
    /// `/admin/settings`: the network's settings.
    AdminSettings, admin_settings => admin::SettingsPage
);
lazy_screen!(
    /// `/events/new`: the event editor, for a new event.
    NewEvent, new_event => events::NewEventPage
);
lazy_screen!(
    /// `/events/:doc/edit`: the event editor.
    EditEvent, edit_event => events::EditEventPage
);
lazy_screen!(
    /// `/events/:doc/check-in`: staff's check-in mode with the ticket scanner.
    CheckIn, check_in => events::CheckInPage
);
lazy_screen!(
    /// `/events/:doc/venue-code`: the code shown at the venue for self check-in.
    VenueCode, venue_code => events::VenueCodePage
);
