//! Links the relay hands out (mailed, printed on its console, or passed on by an admin) carry
//! the route in the fragment — `<public url>/#/join/<token>`, `#/confirm/<token>`,
//! `#/setup/<token>` — so they open the app at `/` on any web server. [`FragmentLinkRoute`]
//! moves such a link to the router's own path (`/join/<token>`, …).

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

/// The routes a fragment link may open: each takes a token.
const LINKED_ROUTES: [&str; 3] = ["join", "confirm", "setup"];

/// The router path for a location fragment such as `#/join/<token>`, if it is one of ours.
fn route_of(hash: &str) -> Option<String> {
    let rest = hash.strip_prefix("#/")?;
    let (route, token) = rest.split_once('/')?;
    (LINKED_ROUTES.contains(&route) && !token.is_empty() && !token.contains('/'))
        .then(|| format!("/{route}/{token}"))
}

/// Replaces a fragment link in the address bar by its route: the one the app opened with, and
/// one pasted into the address bar of an open tab (which changes only the fragment, so nothing
/// reloads).
#[component]
pub(crate) fn FragmentLinkRoute() -> impl IntoView {
    let navigate = use_navigate();
    let follow = move || {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        if let Some(path) = route_of(&hash) {
            navigate(
                &path,
                NavigateOptions {
                    replace: true,
                    ..NavigateOptions::default()
                },
            );
        }
    };
    // After mounting: the router navigates only once it is in place.
    let on_mount = follow.clone();
    Effect::new(move |_| on_mount());
    let listener = window_event_listener(leptos::ev::hashchange, move |_| follow());
    on_cleanup(move || listener.remove());
}

#[cfg(test)]
mod tests {
    use super::route_of;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn each_linked_route_moves_out_of_the_fragment() {
        assert_eq!(route_of("#/join/abc-123").as_deref(), Some("/join/abc-123"));
        assert_eq!(
            route_of("#/confirm/xyz_9").as_deref(),
            Some("/confirm/xyz_9")
        );
        assert_eq!(route_of("#/setup/T0k3n").as_deref(), Some("/setup/T0k3n"));
    }

    #[wasm_bindgen_test]
    fn other_fragments_stay_where_they_are() {
        for hash in [
            "",
            "#",
            "#main",
            "#/join/",
            "#/admin/x",
            "#/join/a/b",
            "#join/abc",
        ] {
            assert_eq!(route_of(hash), None, "{hash}");
        }
    }
}
