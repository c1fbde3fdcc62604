//! Small pieces of display text derived from a profile, shared by cards and the profile page.

use tsunagu_core::ids::DocumentId;
use tsunagu_core::profile::{Interest, Profile};

use crate::i18n::*;

/// The translated name of an interest.
pub(crate) fn interest_label(locale: Locale, interest: Interest) -> &'static str {
    match interest {
        Interest::Rehire => td_string!(locale, interest.rehire),
        Interest::Collaboration => td_string!(locale, interest.collaboration),
        Interest::Mentoring => td_string!(locale, interest.mentoring),
        Interest::Speaking => td_string!(locale, interest.speaking),
        Interest::KeepInTouch => td_string!(locale, interest.keep_in_touch),
    }
}

/// `ja` or `en`, as the relay's CSV downloads take it (`?lang=`).
pub(crate) fn download_language(locale: Locale) -> &'static str {
    match locale {
        Locale::ja => "ja",
        Locale::en => "en",
    }
}

/// Years at the company, e.g. `2015–2021`, or `2015–` for someone still there.
pub(crate) fn tenure(profile: &Profile) -> Option<String> {
    match (profile.joined_year(), profile.left_year()) {
        (Some(from), Some(to)) => Some(format!("{from}–{to}")),
        (Some(from), None) => Some(format!("{from}–")),
        (None, Some(to)) => Some(format!("–{to}")),
        (None, None) => None,
    }
}

/// "Title, Employer" in the order each language reads naturally.
pub(crate) fn current_role(locale: Locale, profile: &Profile) -> Option<String> {
    let (employer, title) = (profile.employer.trim(), profile.title.trim());
    match (employer.is_empty(), title.is_empty()) {
        (true, true) => None,
        (false, true) => Some(employer.to_owned()),
        (true, false) => Some(title.to_owned()),
        (false, false) => Some(match locale {
            Locale::ja => format!("{employer} {title}"),
            Locale::en => format!("{title}, {employer}"),
        }),
    }
}

/// A stable hue per person so avatars differ without any image.
pub(crate) fn hue(doc: &DocumentId) -> u16 {
    let sum: u32 = doc.as_bytes().iter().map(|b| u32::from(*b)).sum();
    (sum * 37 % 360) as u16
}

/// Only web links are rendered as links; anything else is shown as text.
pub(crate) fn safe_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}
