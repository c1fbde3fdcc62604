//! Which network this is, for the screens of someone signed out: the organisation's name above
//! the sign-in form, or that the network still waits for its first-run setup. Asked of the relay
//! once (`GET /api/network`) when those screens open; offline, the screens carry on without it.

use leptos::prelude::*;
use tsunagu_core::api::NetworkInfo;

use crate::api;
use crate::error::AppError;
use crate::i18n::Locale;

/// The relay's answer, shared by the signed-out screens through context.
#[derive(Clone, Copy)]
pub(crate) struct Network(LocalResource<Result<NetworkInfo, AppError>>);

impl Network {
    /// Asks the relay and provides the answer to the screens below.
    pub(crate) fn provide() {
        provide_context(Self(LocalResource::new(api::network)));
    }

    /// The answer, once it came; `None` while asking, offline, or outside the signed-out screens.
    pub(crate) fn info() -> Option<NetworkInfo> {
        use_context::<Self>().and_then(|Self(info)| info.get().and_then(Result::ok))
    }
}

/// The organisation's name in `locale` (English falls back to the Japanese name), if the
/// network is set up and has one.
pub(crate) fn organisation_name(info: &NetworkInfo, locale: Locale) -> Option<String> {
    let name = match locale {
        Locale::en if !info.name_en.trim().is_empty() => &info.name_en,
        _ => &info.name,
    };
    (info.set_up && !name.trim().is_empty()).then(|| name.trim().to_owned())
}
