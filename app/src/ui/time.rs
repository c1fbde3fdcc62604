//! Times for people: the browser's `Intl` knows every time zone's rules and how each language
//! writes dates, so events are shown in the viewer's zone and edited in the event's own, and
//! account records (devices, passkeys, the admin lists) carry plain local dates
//! ([`format_local`]). The arithmetic itself is in [`crate::calendar`].

use js_sys::{Array, Date, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::calendar::{self, Date as Day, DateTime};
use crate::i18n::Locale;

#[wasm_bindgen]
extern "C" {
    /// `Intl.DateTimeFormat(locales, options)`, which throws a `RangeError` for an unknown time
    /// zone: caught, since zones come from documents.
    #[wasm_bindgen(catch, js_namespace = Intl, js_name = DateTimeFormat)]
    fn date_time_format(
        locales: &JsValue,
        options: &JsValue,
    ) -> Result<js_sys::Intl::DateTimeFormat, JsValue>;
}

/// How much of a moment to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// e.g. 5月1日(金) 18:30 / Fri 1 May, 18:30
    DayAndTime,
    /// e.g. 2026年5月1日(金)
    Day,
    /// e.g. 2026年5月 / May 2026
    Month,
    /// e.g. 18:30
    Time,
    /// e.g. 12/18(金) 19:00 / Fri 18/12, 19:00: compact, for "what changed".
    Short,
}

fn tag(locale: Locale) -> &'static str {
    match locale {
        Locale::ja => "ja-JP",
        Locale::en => "en-GB",
    }
}

fn options(zone: Option<&str>, fields: &[(&str, &str)]) -> Object {
    let options = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    if let Some(zone) = zone {
        let _ = Reflect::set(&options, &"timeZone".into(), &zone.into());
    }
    options
}

fn formatter(
    locale: &str,
    zone: Option<&str>,
    fields: &[(&str, &str)],
) -> Option<js_sys::Intl::DateTimeFormat> {
    let locales = Array::of1(&locale.into());
    date_time_format(&locales, &options(zone, fields)).ok()
}

fn date(unix: i64) -> Date {
    Date::new(&JsValue::from_f64(unix as f64 * 1000.0))
}

fn fields(style: Style) -> &'static [(&'static str, &'static str)] {
    match style {
        Style::DayAndTime => &[
            ("month", "short"),
            ("day", "numeric"),
            ("weekday", "short"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("hourCycle", "h23"),
        ],
        Style::Day => &[
            ("year", "numeric"),
            ("month", "short"),
            ("day", "numeric"),
            ("weekday", "short"),
        ],
        Style::Month => &[("year", "numeric"), ("month", "long")],
        Style::Time => &[
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("hourCycle", "h23"),
        ],
        Style::Short => &[
            ("month", "numeric"),
            ("day", "numeric"),
            ("weekday", "short"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("hourCycle", "h23"),
        ],
    }
}

/// `unix` as the browser writes a date (and with `with_time`, the time too) in the reader's
/// language and the viewer's zone: for account records (devices, passkeys, the admin screens)
/// rather than events.
pub(crate) fn format_local(unix: i64, locale: Locale, with_time: bool) -> String {
    let date = date(unix);
    let text = if with_time {
        date.to_locale_string(tag(locale), &JsValue::UNDEFINED)
    } else {
        date.to_locale_date_string(tag(locale), &JsValue::UNDEFINED)
    };
    text.into()
}

/// `unix` written for people, in `zone` (the viewer's own when `None`).
pub(crate) fn format(unix: i64, zone: Option<&str>, locale: Locale, style: Style) -> String {
    let Some(f) = formatter(tag(locale), zone, fields(style)) else {
        return fallback(unix);
    };
    f.format()
        .call1(&JsValue::NULL, &date(unix))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| fallback(unix))
}

/// From `start` to `end` in `zone` (the viewer's when `None`), the end's date left out when it
/// is the same day. (`Intl`'s own `formatRange` writes Japanese times as 19時00分.)
pub(crate) fn format_range(start: i64, end: i64, zone: Option<&str>, locale: Locale) -> String {
    format_range_as(start, end, zone, locale, Style::DayAndTime)
}

/// [`format_range`] with the start (and an end on another day) written in `style`.
pub(crate) fn format_range_as(
    start: i64,
    end: i64,
    zone: Option<&str>,
    locale: Locale,
    style: Style,
) -> String {
    let from = format(start, zone, locale, style);
    if end <= start {
        return from;
    }
    let day = |t| match zone {
        Some(zone) => wall_in(zone, t).map(|w| w.date),
        None => Some(viewer_day(t)),
    };
    let dash = match locale {
        Locale::ja => "〜",
        Locale::en => "–",
    };
    if day(start).is_some() && day(start) == day(end) {
        format!("{from}{dash}{}", format(end, zone, locale, Style::Time))
    } else {
        format!("{from} {dash} {}", format(end, zone, locale, style))
    }
}

/// When `Intl` is missing or refuses: ISO in UTC, never nothing.
fn fallback(unix: i64) -> String {
    format!(
        "{} UTC",
        DateTime::from_unix(unix, 0).input_value().replace('T', " ")
    )
}

/// The viewer's IANA time zone, e.g. `Asia/Tokyo`.
pub(crate) fn viewer_zone() -> String {
    date_time_format(&JsValue::UNDEFINED, &JsValue::UNDEFINED)
        .ok()
        .and_then(|f| Reflect::get(&f.resolved_options(), &"timeZone".into()).ok())
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// Zones offered in lists, by where alumni of a Japanese company mostly are.
const COMMON_ZONES: [&str; 8] = [
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
];

/// The zones to offer: the common ones, and the viewer's own if it is not among them.
pub(crate) fn zone_choices() -> Vec<String> {
    let viewer = viewer_zone();
    COMMON_ZONES
        .iter()
        .map(|z| (*z).to_owned())
        .chain((!COMMON_ZONES.contains(&viewer.as_str())).then_some(viewer))
        .collect()
}

/// Every zone the browser knows (`Intl.supportedValuesOf`), the common ones first; the common
/// ones alone where the browser cannot list them.
pub(crate) fn all_zones() -> Vec<String> {
    let listed: Vec<String> =
        js_sys::Intl::supported_values_of(js_sys::Intl::SupportedValuesKey::TimeZone)
            .iter()
            .filter_map(|z| z.as_string())
            .collect();
    let mut zones = zone_choices();
    zones.extend(
        listed
            .into_iter()
            .chain(["UTC".to_owned()])
            .filter(|z| !COMMON_ZONES.contains(&z.as_str())),
    );
    let mut seen = std::collections::HashSet::new();
    zones.retain(|z| seen.insert(z.clone()));
    zones
}

/// `zone`'s name for people in `locale`, e.g. 日本標準時 / Japan Standard Time.
pub(crate) fn zone_name(zone: &str, locale: Locale) -> String {
    formatter(tag(locale), Some(zone), &[("timeZoneName", "long")])
        .map(|f| f.format_to_parts(&date(crate::runtime::now())))
        .and_then(|parts| {
            parts.iter().find_map(|p| {
                let kind = Reflect::get(&p, &"type".into()).ok()?.as_string()?;
                (kind == "timeZoneName")
                    .then(|| Reflect::get(&p, &"value".into()).ok()?.as_string())
                    .flatten()
            })
        })
        .unwrap_or_default()
}

/// `zone`'s offset from UTC now, in seconds.
pub(crate) fn offset_now(zone: &str) -> Option<i64> {
    offset(zone, crate::runtime::now())
}

/// Whether the browser knows `zone`.
pub(crate) fn is_zone(zone: &str) -> bool {
    !zone.trim().is_empty() && formatter("en-US", Some(zone), &[]).is_some()
}

/// `zone`'s offset from UTC at `unix`, in seconds.
fn offset(zone: &str, unix: i64) -> Option<i64> {
    let f = formatter(
        "en-US",
        Some(zone),
        &[
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
            ("hourCycle", "h23"),
        ],
    )?;
    let parts = f.format_to_parts(&date(unix));
    let mut values = [0i64; 6];
    for p in parts.iter() {
        let kind = Reflect::get(&p, &"type".into()).ok()?.as_string()?;
        let value = Reflect::get(&p, &"value".into()).ok()?.as_string()?;
        let slot = match kind.as_str() {
            "year" => 0,
            "month" => 1,
            "day" => 2,
            "hour" => 3,
            "minute" => 4,
            "second" => 5,
            _ => continue,
        };
        values[slot] = value.parse().ok()?;
    }
    let day = Day::new(values[0] as i32, values[1] as u32, values[2] as u32);
    let wall = day.days() * 86_400 + (values[3] % 24) * 3600 + values[4] * 60 + values[5];
    Some(wall - unix)
}

/// The wall-clock time in `zone` at `unix`, for a `datetime-local` input.
pub(crate) fn wall_in(zone: &str, unix: i64) -> Option<DateTime> {
    offset(zone, unix).map(|o| DateTime::from_unix(unix, o))
}

/// The instant at which `zone`'s clocks show `wall`.
pub(crate) fn to_unix(wall: DateTime, zone: &str) -> Option<i64> {
    offset(zone, wall.as_if_utc())?;
    Some(calendar::wall_to_unix(wall, |t| {
        offset(zone, t).unwrap_or(0)
    }))
}

/// The day of `unix` on the viewer's calendar.
pub(crate) fn viewer_day(unix: i64) -> Day {
    let d = date(unix);
    Day::new(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
}

/// The viewer's today.
pub(crate) fn today() -> Day {
    viewer_day(crate::runtime::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn wall(text: &str) -> DateTime {
        DateTime::parse_input(text).expect("valid")
    }

    #[wasm_bindgen_test]
    fn event_times_convert_through_the_browsers_zone_rules() {
        // 2026-05-01 18:30 in Tokyo is 09:30 UTC.
        let unix = to_unix(wall("2026-05-01T18:30"), "Asia/Tokyo").expect("a known zone");
        assert_eq!(DateTime::from_unix(unix, 0), wall("2026-05-01T09:30"));
        assert_eq!(wall_in("Asia/Tokyo", unix), Some(wall("2026-05-01T18:30")));
        // New York keeps daylight saving time: -4 in July, -5 in January.
        let july = to_unix(wall("2026-07-01T12:00"), "America/New_York").expect("known");
        assert_eq!(DateTime::from_unix(july, 0), wall("2026-07-01T16:00"));
        let january = to_unix(wall("2026-01-15T12:00"), "America/New_York").expect("known");
        assert_eq!(DateTime::from_unix(january, 0), wall("2026-01-15T17:00"));
        assert!(to_unix(wall("2026-01-15T12:00"), "Mars/Olympus").is_none());
        assert!(!is_zone("Mars/Olympus"));
        assert!(is_zone("Asia/Tokyo"));
    }

    #[wasm_bindgen_test]
    fn times_are_written_in_the_readers_language_and_the_events_zone() {
        let unix = to_unix(wall("2026-05-01T18:30"), "Asia/Tokyo").expect("known");
        let ja = format(unix, Some("Asia/Tokyo"), Locale::ja, Style::DayAndTime);
        assert!(ja.contains("5月1日") && ja.contains("18:30"), "{ja}");
        let en = format(unix, Some("Europe/London"), Locale::en, Style::DayAndTime);
        assert!(en.contains("1 May") && en.contains("10:30"), "{en}");
        let range = format_range(unix, unix + 2 * 3600, Some("Asia/Tokyo"), Locale::en);
        assert!(
            range.contains("18:30") && range.contains("20:30"),
            "{range}"
        );
        assert_eq!(range.matches("May").count(), 1, "the date once: {range}");
        let ja = format_range(unix, unix + 2 * 3600, Some("Asia/Tokyo"), Locale::ja);
        assert!(ja.ends_with("18:30〜20:30"), "{ja}");
        let overnight = format_range(unix, unix + 8 * 3600, Some("Asia/Tokyo"), Locale::ja);
        assert!(overnight.contains("5月2日"), "{overnight}");
    }
}
