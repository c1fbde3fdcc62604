//! iCalendar (RFC 5545) for events: the file behind "add to calendar", and each alumna's personal
//! feed that Google, Apple and Outlook calendars subscribe to and poll.
//!
//! [`calendar`] is a pure function of its arguments: the relay passes the events and the time,
//! and gets the whole `text/calendar` body back.
//!
//! Every event is written in its own zone's local time (`DTSTART;TZID=Asia/Tokyo:…`), so calendar
//! apps can show it in the zone it takes place in, and each zone used gets a `VTIMEZONE` derived
//! from the IANA time zone database for the years its events fall in, so that an app which does
//! not know the zone by name still reads the right moment. An event whose zone the database does
//! not know is written in UTC (`DTSTART:…Z`) rather than failing the whole feed: the moment stays
//! right, only the zone shown differs.
//!
//! ```
//! use tsunagu_core::ics::{calendar, CalendarEvent};
//!
//! let reunion = CalendarEvent {
//!     uid: "2q8NkS7uY3@alumni.example",
//!     title: "忘年会, 2026",
//!     description: "会費: 5,000円\n二次会あり",
//!     starts_at: 1_796_464_800, // 2026-12-05 10:00 UTC, 19:00 in Tokyo
//!     ends_at: 1_796_472_000,
//!     time_zone: "Asia/Tokyo",
//!     location: Some("東京都千代田区"),
//!     url: Some("https://alumni.example/events/2q8NkS7uY3"),
//!     sequence: 0,
//!     cancelled: false,
//!     updated_at: 1_780_000_000,
//! };
//! let ics = calendar("Alumni events", &[reunion], 1_790_000_000)?;
//!
//! assert!(ics.contains("\r\nDTSTART;TZID=Asia/Tokyo:20261205T190000\r\n"));
//! assert!(ics.contains("\r\nSUMMARY:忘年会\\, 2026\r\n"));
//! assert!(ics.contains("\r\nBEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\n"));
//! assert!(ics.lines().all(|line| line.len() <= 75 + 1)); // `lines` keeps each CR
//! # Ok::<(), tsunagu_core::ics::IcsError>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike};
use chrono_tz::{OffsetComponents, OffsetName, Tz, TzOffset};

/// Who wrote the calendar, as the formal public identifier RFC 5545 asks for.
const PRODID: &str = "-//tsunagu//tsunagu-core ics//EN";

/// RFC 5545 section 3.1: content lines longer than this many octets (CRLF not counted) are folded.
const MAX_LINE_OCTETS: usize = 75;

/// An event as a calendar app should show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarEvent<'a> {
    /// Stable across edits, e.g. `"<event document id>@<host>"`: calendar apps match updates and
    /// cancellations to the copy they hold by it.
    pub uid: &'a str,
    pub title: &'a str,
    /// Plain text (Markdown source reads fine as text).
    pub description: &'a str,
    /// Unix seconds.
    pub starts_at: i64,
    /// Unix seconds; equal to `starts_at` for an event with no length.
    pub ends_at: i64,
    /// The IANA zone the event takes place in, e.g. `"Asia/Tokyo"`; an unknown one means UTC.
    pub time_zone: &'a str,
    pub location: Option<&'a str>,
    /// The event's page in the app.
    pub url: Option<&'a str>,
    /// Bumped by each significant edit of a published event, so that calendar apps replace their
    /// copy; kept when the event is cancelled.
    pub sequence: u32,
    pub cancelled: bool,
    /// Unix seconds of the last edit.
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcsError {
    #[error(
        "event {uid}: {at} (unix seconds) is not in the years 1 to 9999 that iCalendar can write"
    )]
    TimeOutOfRange { uid: String, at: i64 },
    #[error("event {uid} ends before it starts")]
    EndsBeforeStart { uid: String },
    #[error(
        "the clock reads {0} (unix seconds), not in the years 1 to 9999 that iCalendar can write"
    )]
    ClockOutOfRange(i64),
}

/// Whether `name` is a zone of the IANA time zone database (`Asia/Tokyo`, `UTC`), as events and
/// an organisation's default may name.
pub fn is_known_zone(name: &str) -> bool {
    name.parse::<Tz>().is_ok()
}

/// A moment (unix seconds) as the local time of `zone` with its offset from UTC, as a person
/// reads it and a spreadsheet keeps it apart from UTC: `2030-01-15 19:00:00+09:00`. A zone the
/// database does not know writes UTC (`+00:00`), as [`calendar`] does; `None` outside the
/// years 1 to 9999.
///
/// ```
/// use tsunagu_core::ics::local_timestamp;
///
/// assert_eq!(local_timestamp(1_894_701_600, "Asia/Tokyo").as_deref(), Some("2030-01-15 19:00:00+09:00"));
/// assert_eq!(local_timestamp(1_894_701_600, "America/New_York").as_deref(), Some("2030-01-15 05:00:00-05:00"));
/// assert_eq!(local_timestamp(1_894_701_600, "Mars/Olympus").as_deref(), Some("2030-01-15 10:00:00+00:00"));
/// ```
pub fn local_timestamp(at: i64, zone: &str) -> Option<String> {
    let moment = DateTime::from_timestamp(at, 0)?;
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    let local = moment.with_timezone(&tz);
    if !(1..=9999).contains(&local.year()) {
        return None;
    }
    let offset = local.offset().fix().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    Some(format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{sign}{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        offset / 3600,
        offset / 60 % 60,
    ))
}

/// Writes a whole `VCALENDAR` named `name` holding `events`, stamped with `now` (unix seconds).
///
/// Events are written in the order given, after one `VTIMEZONE` per zone they use. Fails only on
/// times iCalendar cannot write (outside the years 1 to 9999) or an event that ends before it
/// starts, naming the event; an unknown zone is not an error (see the module docs).
pub fn calendar(name: &str, events: &[CalendarEvent<'_>], now: i64) -> Result<String, IcsError> {
    let stamp = utc(now).ok_or(IcsError::ClockOutOfRange(now))?;
    // Every event is resolved before anything is written: the VTIMEZONEs come first in the
    // output, and must cover the years of all the events after them.
    let mut zones = Zones::new();
    let times = events
        .iter()
        .map(|event| EventTimes::resolve(event, &mut zones))
        .collect::<Result<Vec<_>, _>>()?;

    let mut out = Lines::default();
    out.push("BEGIN:VCALENDAR");
    out.push("VERSION:2.0");
    out.text("PRODID", PRODID);
    out.push("CALSCALE:GREGORIAN");
    out.push("METHOD:PUBLISH");
    // Google, Apple and Outlook read the X- name; NAME is its RFC 7986 successor.
    out.text("X-WR-CALNAME", name);
    out.text("NAME", name);
    for (tz, years) in zones.values() {
        write_time_zone(&mut out, *tz, years);
    }
    for (event, times) in events.iter().zip(&times) {
        write_event(&mut out, event, times, stamp);
    }
    out.push("END:VCALENDAR");
    Ok(out.0)
}

/// The zones events use, by name (for a stable order), with the local years they fall in.
type Zones = BTreeMap<&'static str, (Tz, BTreeSet<i32>)>;

/// A DATE-TIME as written: local time in a zone, or UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Local(Tz, NaiveDateTime),
    Utc(NaiveDateTime),
}

struct EventTimes {
    start: When,
    /// `None` for an event with no length: RFC 5545 wants DTEND strictly after DTSTART, and an
    /// event with DTSTART alone lasts no time.
    end: Option<When>,
    last_modified: NaiveDateTime,
}

impl EventTimes {
    fn resolve(event: &CalendarEvent<'_>, zones: &mut Zones) -> Result<Self, IcsError> {
        let out_of_range = |at| IcsError::TimeOutOfRange {
            uid: event.uid.to_owned(),
            at,
        };
        if event.ends_at < event.starts_at {
            return Err(IcsError::EndsBeforeStart {
                uid: event.uid.to_owned(),
            });
        }
        let tz = event.time_zone.parse::<Tz>().ok();
        let start = when(tz, event.starts_at).ok_or_else(|| out_of_range(event.starts_at))?;
        let end = when(tz, event.ends_at).ok_or_else(|| out_of_range(event.ends_at))?;
        let last_modified = utc(event.updated_at).ok_or_else(|| out_of_range(event.updated_at))?;
        if let Some(tz) = tz {
            let years = &mut zones.entry(tz.name()).or_insert((tz, BTreeSet::new())).1;
            years.extend(start.local_year..=end.local_year);
        }
        Ok(Self {
            start: start.when,
            end: (event.ends_at > event.starts_at).then_some(end.when),
            last_modified,
        })
    }
}

struct Resolved {
    when: When,
    local_year: i32,
}

/// How to write the moment `at` for an event in zone `tz`; `None` if iCalendar cannot write it.
fn when(tz: Option<Tz>, at: i64) -> Option<Resolved> {
    let in_utc = utc(at)?;
    let Some(tz) = tz else {
        return Some(Resolved {
            when: When::Utc(in_utc),
            local_year: in_utc.year(),
        });
    };
    let local = tz.from_utc_datetime(&in_utc).naive_local();
    if !(1..=9999).contains(&local.year()) {
        return None;
    }
    // A local time repeated when clocks go back means its first occurrence (RFC 5545 3.3.5), so
    // the second one can only be written in UTC.
    let first = tz.from_local_datetime(&local).earliest()?;
    let when = if first.timestamp() == at {
        When::Local(tz, local)
    } else {
        When::Utc(in_utc)
    };
    Some(Resolved {
        when,
        local_year: local.year(),
    })
}

/// The UTC date and time of unix seconds `at`, if iCalendar can write it (years 1 to 9999).
fn utc(at: i64) -> Option<NaiveDateTime> {
    let at = DateTime::from_timestamp(at, 0)?.naive_utc();
    (1..=9999).contains(&at.year()).then_some(at)
}

fn write_event(
    out: &mut Lines,
    event: &CalendarEvent<'_>,
    times: &EventTimes,
    stamp: NaiveDateTime,
) {
    out.push("BEGIN:VEVENT");
    out.text("UID", event.uid);
    out.push(&format!("DTSTAMP:{}", date_time(stamp, "Z")));
    out.push(&format!("DTSTART{}", date_time_property(times.start)));
    if let Some(end) = times.end {
        out.push(&format!("DTEND{}", date_time_property(end)));
    }
    out.text("SUMMARY", event.title);
    if !event.description.is_empty() {
        out.text("DESCRIPTION", event.description);
    }
    if let Some(location) = event.location.filter(|l| !l.is_empty()) {
        out.text("LOCATION", location);
    }
    if let Some(url) = event.url.filter(|u| !u.is_empty()) {
        // A URI is not TEXT and is not escaped, but a control character would end the line early
        // and let whatever follows pass for another property.
        out.push(&format!("URL:{}", without_controls(url)));
    }
    out.push(&format!("SEQUENCE:{}", event.sequence));
    out.push(&format!(
        "LAST-MODIFIED:{}",
        date_time(times.last_modified, "Z")
    ));
    out.push(if event.cancelled {
        "STATUS:CANCELLED"
    } else {
        "STATUS:CONFIRMED"
    });
    out.push("END:VEVENT");
}

/// Parameters and value of a DTSTART or DTEND, from the `;` or `:` after its name.
fn date_time_property(when: When) -> String {
    match when {
        // IANA names are letters, digits, `/`, `_`, `-` and `+`: nothing a parameter must quote.
        When::Local(tz, at) => format!(";TZID={}:{}", tz.name(), date_time(at, "")),
        When::Utc(at) => format!(":{}", date_time(at, "Z")),
    }
}

/// RFC 5545 DATE-TIME, `19970714T133000`, followed by `suffix` (`Z` for UTC).
fn date_time(at: NaiveDateTime, suffix: &str) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}{suffix}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A `STANDARD` or `DAYLIGHT` sub-component: from `onset` (local time before the change) on, the
/// zone is `to` seconds ahead of UTC instead of `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    daylight: bool,
    onset: NaiveDateTime,
    from: i32,
    to: i32,
    name: Option<String>,
}

/// The `VTIMEZONE` of `tz`, correct for the local `years` its events fall in.
fn write_time_zone(out: &mut Lines, tz: Tz, years: &BTreeSet<i32>) {
    out.push("BEGIN:VTIMEZONE");
    out.text("TZID", tz.name());
    for observance in observances(tz, years) {
        let kind = if observance.daylight {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        out.push(&format!("BEGIN:{kind}"));
        out.push(&format!("DTSTART:{}", date_time(observance.onset, "")));
        out.push(&format!("TZOFFSETFROM:{}", utc_offset(observance.from)));
        out.push(&format!("TZOFFSETTO:{}", utc_offset(observance.to)));
        if let Some(name) = &observance.name {
            out.text("TZNAME", name);
        }
        out.push(&format!("END:{kind}"));
    }
    out.push("END:VTIMEZONE");
}

/// The scan steps a day at a time: two changes less than a day apart would be seen as one (or as
/// none if they cancel out). We know of no such pair in the years events are held, and a finer
/// step would multiply the scanning for nothing.
const SCAN_STEP: i64 = 24 * 60 * 60;
/// Each stretch of years is scanned from a little before its first New Year (in UTC) to a little
/// after its last New Year's Eve, so local times near midnight in any zone are covered.
const SCAN_MARGIN: i64 = 2 * SCAN_STEP;

/// The observances of `tz` over the local `years`: for each stretch of consecutive years, the
/// offset in force when it begins, then every change of offset or of daylight saving within it,
/// found by scanning the tz database and bisecting to the second. A zone that never changes then
/// gets a single observance from 1970 on, as calendar apps commonly write one.
fn observances(tz: Tz, years: &BTreeSet<i32>) -> Vec<Observance> {
    let mut observances = Vec::new();
    let mut changed = false;
    for (first, last) in stretches(years) {
        let (Some(start), Some(end)) = (new_year(first), new_year(last + 1)) else {
            continue;
        };
        let (start, end) = (start - SCAN_MARGIN, end + SCAN_MARGIN);
        let Some(mut before) = offset_at(tz, start) else {
            continue;
        };
        observances.extend(observance(start, &before, &before));
        let mut at = start;
        while at < end {
            let next = (at + SCAN_STEP).min(end);
            let Some(after) = offset_at(tz, next) else {
                break;
            };
            if state(&after) == state(&before) {
                at = next;
                continue;
            }
            let change = first_change(tz, at, next, state(&before));
            let Some(after) = offset_at(tz, change) else {
                break;
            };
            observances.extend(observance(change, &before, &after));
            changed = true;
            (at, before) = (change, after);
        }
    }
    let same = |a: &Observance, b: &Observance| {
        (a.daylight, a.from, a.to, &a.name) == (b.daylight, b.from, b.to, &b.name)
    };
    match observances.first() {
        Some(only) if !changed && observances.iter().all(|o| same(o, only)) => {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).map(|d| d.and_time(NaiveTime::MIN));
            epoch
                .map(|onset| Observance {
                    onset,
                    ..only.clone()
                })
                .into_iter()
                .collect()
        }
        _ => observances,
    }
}

/// The observance starting at unix second `at`, when `before` gives way to `after`.
fn observance(at: i64, before: &TzOffset, after: &TzOffset) -> Option<Observance> {
    let (from, _) = state(before);
    let (to, daylight) = state(after);
    let onset = DateTime::from_timestamp(at + i64::from(from), 0)?.naive_utc();
    Some(Observance {
        daylight,
        onset,
        from,
        to,
        name: after.abbreviation().map(str::to_owned),
    })
}

/// What an observance records: the offset from UTC in seconds, and whether it is daylight
/// saving. Only a positive saving counts as daylight: the tz database writes Europe/Dublin's
/// winter as a negative one, and calendar apps expect DAYLIGHT to be the summer time.
fn state(offset: &TzOffset) -> (i32, bool) {
    (
        offset.fix().local_minus_utc(),
        offset.dst_offset().num_seconds() > 0,
    )
}

/// The first second in `(unchanged, changed]` whose state differs from `was`.
fn first_change(tz: Tz, mut unchanged: i64, mut changed: i64, was: (i32, bool)) -> i64 {
    while changed - unchanged > 1 {
        let mid = unchanged + (changed - unchanged) / 2;
        match offset_at(tz, mid) {
            Some(offset) if state(&offset) == was => unchanged = mid,
            _ => changed = mid,
        }
    }
    changed
}

fn offset_at(tz: Tz, at: i64) -> Option<TzOffset> {
    Some(tz.offset_from_utc_datetime(&DateTime::from_timestamp(at, 0)?.naive_utc()))
}

/// Unix seconds of 1 January of `year`, 00:00 UTC.
fn new_year(year: i32) -> Option<i64> {
    let date = NaiveDate::from_ymd_opt(year, 1, 1)?;
    Some(date.and_time(NaiveTime::MIN).and_utc().timestamp())
}

/// Runs of consecutive years, as (first, last).
fn stretches(years: &BTreeSet<i32>) -> Vec<(i32, i32)> {
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for &year in years {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == year => *last = year,
            _ => runs.push((year, year)),
        }
    }
    runs
}

/// RFC 5545 UTC-OFFSET: `+0900`, `-0330`, with seconds only when there are some.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

/// Content lines as RFC 5545 section 3.1 wants them: each ended by CRLF, and folded so that no
/// line is longer than 75 octets, never inside a UTF-8 character.
#[derive(Debug, Default)]
struct Lines(String);

impl Lines {
    fn push(&mut self, line: &str) {
        let mut rest = line;
        let mut room = MAX_LINE_OCTETS;
        while rest.len() > room {
            let mut cut = room;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let (head, tail) = rest.split_at(cut);
            self.0.push_str(head);
            // The space that marks a continuation counts towards its line's 75 octets.
            self.0.push_str("\r\n ");
            rest = tail;
            room = MAX_LINE_OCTETS - 1;
        }
        self.0.push_str(rest);
        self.0.push_str("\r\n");
    }

    /// A property whose value is TEXT.
    fn text(&mut self, name: &str, value: &str) {
        self.push(&format!("{name}:{}", escape_text(value)));
    }
}

/// RFC 5545 3.3.11 TEXT: backslash, semicolon, comma and line breaks escaped. A line break is
/// `\n`, `\r\n` or a lone `\r` (pasted from another system); other control characters but tab
/// are not allowed in TEXT and are dropped.
fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn without_controls(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use calcard::{
        Entry, Parser,
        common::PartialDateTime,
        icalendar::{
            ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarProperty,
            ICalendarStatus,
        },
    };

    use super::*;

    const HOUR: i64 = 3600;
    /// 2026-12-05 10:00 UTC.
    const DEC_5_2026: i64 = 1_796_464_800;
    /// 2026-07-15 14:00 UTC.
    const JUL_15_2026: i64 = 1_784_124_000;
    const NOW: i64 = 1_790_000_000;

    fn event(uid: &'static str, starts_at: i64, time_zone: &'static str) -> CalendarEvent<'static> {
        CalendarEvent {
            uid,
            title: "OB会",
            description: "",
            starts_at,
            ends_at: starts_at + 2 * HOUR,
            time_zone,
            location: None,
            url: None,
            sequence: 0,
            cancelled: false,
            updated_at: NOW - 86_400,
        }
    }

    /// Parses with calcard. Its lenient mode skips lines it cannot read (its strict mode, in
    /// 0.3.14, refuses every nested BEGIN), so every content line must show up as a component
    /// or a property: none was dropped.
    fn parse(ics: &str) -> ICalendar {
        let calendar = match Parser::new(ics).entry() {
            Entry::ICalendar(calendar) => calendar,
            other => panic!("calcard did not read a calendar: {other:?}\n{ics}"),
        };
        let content_lines = ics
            .split("\r\n")
            .filter(|l| !l.is_empty() && !l.starts_with(' '));
        let read: usize = calendar
            .components
            .iter()
            .map(|c| 2 + c.entries.len())
            .sum();
        assert_eq!(
            read,
            content_lines.count(),
            "calcard skipped lines of\n{ics}"
        );
        calendar
    }

    fn of_type(
        calendar: &ICalendar,
        kind: ICalendarComponentType,
    ) -> impl Iterator<Item = &ICalendarComponent> {
        calendar
            .components
            .iter()
            .filter(move |c| c.component_type == kind)
    }

    fn only_event(calendar: &ICalendar) -> &ICalendarComponent {
        let events: Vec<_> = of_type(calendar, ICalendarComponentType::VEvent).collect();
        assert_eq!(events.len(), 1);
        events[0]
    }

    fn text<'c>(component: &'c ICalendarComponent, property: &ICalendarProperty) -> &'c str {
        let entry = component.property(property).unwrap();
        assert_eq!(entry.values.len(), 1, "{property:?} read as several values");
        entry.values[0].as_text().unwrap()
    }

    fn integer(component: &ICalendarComponent, property: &ICalendarProperty) -> i64 {
        component.property(property).unwrap().values[0]
            .as_integer()
            .unwrap()
    }

    fn date_time_value(
        component: &ICalendarComponent,
        property: &ICalendarProperty,
    ) -> PartialDateTime {
        let entry = component.property(property).unwrap();
        entry.values[0].as_partial_date_time().unwrap().clone()
    }

    fn naive(dt: &PartialDateTime) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(
            i32::from(dt.year.unwrap()),
            u32::from(dt.month.unwrap()),
            u32::from(dt.day.unwrap()),
        )
        .unwrap()
        .and_hms_opt(
            u32::from(dt.hour.unwrap()),
            u32::from(dt.minute.unwrap()),
            u32::from(dt.second.unwrap()),
        )
        .unwrap()
    }

    fn offset_seconds(dt: &PartialDateTime) -> i64 {
        let magnitude =
            i64::from(dt.tz_hour.unwrap()) * 3600 + i64::from(dt.tz_minute.unwrap()) * 60;
        if dt.tz_minus { -magnitude } else { magnitude }
    }

    /// A zone's observances as calcard read them: (daylight, onset in UTC, offset after).
    fn parsed_observances(calendar: &ICalendar, tzid: &str) -> Vec<(bool, i64, i64)> {
        let zone = of_type(calendar, ICalendarComponentType::VTimezone)
            .find(|z| text(z, &ICalendarProperty::Tzid) == tzid)
            .unwrap_or_else(|| panic!("no VTIMEZONE {tzid}"));
        let mut observances: Vec<_> = zone
            .component_ids
            .iter()
            .map(|id| calendar.component_by_id(*id).unwrap())
            .map(|o| {
                let daylight = match o.component_type {
                    ICalendarComponentType::Daylight => true,
                    ICalendarComponentType::Standard => false,
                    ref other => panic!("{other:?} inside VTIMEZONE"),
                };
                let onset = naive(&date_time_value(o, &ICalendarProperty::Dtstart));
                let from = offset_seconds(&date_time_value(o, &ICalendarProperty::Tzoffsetfrom));
                let to = offset_seconds(&date_time_value(o, &ICalendarProperty::Tzoffsetto));
                (daylight, onset.and_utc().timestamp() - from, to)
            })
            .collect();
        observances.sort_by_key(|&(_, onset, _)| onset);
        observances
    }

    /// Reads a DTSTART or DTEND back to unix seconds the way a calendar app would: a UTC value
    /// as is, a local one through the observances of the VTIMEZONE its TZID names (RFC 5545
    /// 3.3.5: the first occurrence of a repeated local time), not through any tz database.
    fn instant(
        calendar: &ICalendar,
        event: &ICalendarComponent,
        property: &ICalendarProperty,
    ) -> i64 {
        let entry = event.property(property).unwrap();
        let value = entry.values[0].as_partial_date_time().unwrap();
        let local = naive(value).and_utc().timestamp();
        let Some(tzid) = entry.tz_id() else {
            assert_eq!(
                value.tz_hour,
                Some(0),
                "a date-time without TZID must be UTC"
            );
            return local;
        };
        let observances = parsed_observances(calendar, tzid);
        let readings: Vec<i64> = observances
            .iter()
            .enumerate()
            .map(|(i, &(_, onset, offset))| (i, onset, local - offset))
            .filter(|&(i, onset, at)| {
                onset <= at && observances.get(i + 1).is_none_or(|&(_, next, _)| at < next)
            })
            .map(|(_, _, at)| at)
            .collect();
        *readings
            .iter()
            .min()
            .unwrap_or_else(|| panic!("{tzid} has no observance for {local}"))
    }

    fn assert_crlf_and_folded(ics: &str) {
        let bytes = ics.as_bytes();
        assert!(ics.ends_with("\r\n"));
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                assert_eq!(bytes.get(i.wrapping_sub(1)), Some(&b'\r'), "bare LF at {i}");
            }
            if b == b'\r' {
                assert_eq!(bytes.get(i + 1), Some(&b'\n'), "bare CR at {i}");
            }
        }
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            assert!(
                line.len() <= 75,
                "{} octets: {}",
                line.len(),
                String::from_utf8_lossy(line)
            );
            assert!(
                std::str::from_utf8(line).is_ok(),
                "a UTF-8 character split across lines"
            );
        }
    }

    #[test]
    fn ics_japanese_event_in_tokyo_reads_back_in_local_time() {
        let mut reunion = event("reunion@alumni.example", DEC_5_2026, "Asia/Tokyo");
        reunion.title = "2026年 同窓会";
        reunion.location = Some("東京都千代田区丸の内1-1");
        reunion.url = Some("https://alumni.example/events/reunion");
        let ics = calendar("イベント", &[reunion], NOW).unwrap();
        assert!(
            ics.contains("\r\nDTSTART;TZID=Asia/Tokyo:20261205T190000\r\n"),
            "{ics}"
        );
        assert!(ics.contains("\r\nDTEND;TZID=Asia/Tokyo:20261205T210000\r\n"));
        assert_crlf_and_folded(&ics);

        let parsed = parse(&ics);
        let root = &parsed.components[0];
        assert_eq!(root.component_type, ICalendarComponentType::VCalendar);
        assert_eq!(text(root, &ICalendarProperty::Version), "2.0");
        assert_eq!(text(root, &ICalendarProperty::Prodid), PRODID);
        assert_eq!(text(root, &ICalendarProperty::Calscale), "GREGORIAN");
        assert_eq!(text(root, &ICalendarProperty::Method), "PUBLISH");
        assert_eq!(
            text(root, &ICalendarProperty::Other("X-WR-CALNAME".into())),
            "イベント"
        );

        let vevent = only_event(&parsed);
        assert_eq!(vevent.uid(), Some("reunion@alumni.example"));
        assert_eq!(text(vevent, &ICalendarProperty::Summary), "2026年 同窓会");
        assert_eq!(
            text(vevent, &ICalendarProperty::Location),
            "東京都千代田区丸の内1-1"
        );
        assert_eq!(
            text(vevent, &ICalendarProperty::Url),
            "https://alumni.example/events/reunion"
        );
        assert_eq!(vevent.status(), Some(&ICalendarStatus::Confirmed));
        assert_eq!(integer(vevent, &ICalendarProperty::Sequence), 0);
        let start = vevent.property(&ICalendarProperty::Dtstart).unwrap();
        assert_eq!(start.tz_id(), Some("Asia/Tokyo"));
        assert_eq!(
            instant(&parsed, vevent, &ICalendarProperty::Dtstart),
            DEC_5_2026
        );
        assert_eq!(
            instant(&parsed, vevent, &ICalendarProperty::Dtend),
            DEC_5_2026 + 2 * HOUR
        );
        let stamp = date_time_value(vevent, &ICalendarProperty::Dtstamp);
        assert_eq!(naive(&stamp).and_utc().timestamp(), NOW);
        assert_eq!(stamp.tz_hour, Some(0));

        // No daylight saving in Tokyo: one STANDARD, +0900 since 1970.
        assert_eq!(
            parsed_observances(&parsed, "Asia/Tokyo"),
            [(false, -9 * HOUR, 9 * HOUR)]
        );
        assert!(ics.contains(
            "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0900\r\n\
             TZOFFSETTO:+0900\r\nTZNAME:JST\r\nEND:STANDARD\r\n"
        ));
    }

    #[test]
    fn ics_cancelled_event_keeps_its_sequence() {
        let mut cancelled = event("party@alumni.example", DEC_5_2026, "Asia/Tokyo");
        cancelled.sequence = 2;
        cancelled.cancelled = true;
        let parsed = parse(&calendar("events", &[cancelled], NOW).unwrap());
        let vevent = only_event(&parsed);
        assert_eq!(vevent.status(), Some(&ICalendarStatus::Cancelled));
        assert_eq!(integer(vevent, &ICalendarProperty::Sequence), 2);
        assert_eq!(vevent.uid(), Some("party@alumni.example"));
    }

    #[test]
    fn ics_updated_event_carries_sequence_and_last_modified() {
        let mut updated = event("talk@alumni.example", DEC_5_2026, "Asia/Tokyo");
        updated.sequence = 3;
        updated.updated_at = NOW - 3600;
        let parsed = parse(&calendar("events", &[updated], NOW).unwrap());
        let vevent = only_event(&parsed);
        assert_eq!(integer(vevent, &ICalendarProperty::Sequence), 3);
        assert_eq!(vevent.status(), Some(&ICalendarStatus::Confirmed));
        let modified = date_time_value(vevent, &ICalendarProperty::LastModified);
        assert_eq!(modified.tz_hour, Some(0));
        assert_eq!(naive(&modified).and_utc().timestamp(), NOW - 3600);
    }

    #[test]
    fn ics_new_york_in_july_is_daylight_time() {
        let summer = event("bbq@alumni.example", JUL_15_2026, "America/New_York");
        let ics = calendar("events", &[summer], NOW).unwrap();
        assert!(
            ics.contains("\r\nDTSTART;TZID=America/New_York:20260715T100000\r\n"),
            "{ics}"
        );
        let parsed = parse(&ics);
        let observances = parsed_observances(&parsed, "America/New_York");
        assert!(
            observances.contains(&(true, 1_772_953_200, -4 * HOUR)),
            "{observances:?}"
        ); // 2026-03-08 07:00 UTC
        assert!(observances.contains(&(false, 1_793_512_800, -5 * HOUR))); // 2026-11-01 06:00 UTC
        assert!(ics.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\nTZOFFSETFROM:-0500\r\n\
             TZOFFSETTO:-0400\r\nTZNAME:EDT\r\nEND:DAYLIGHT\r\n"
        ));
        let vevent = only_event(&parsed);
        assert_eq!(
            instant(&parsed, vevent, &ICalendarProperty::Dtstart),
            JUL_15_2026
        );
    }

    #[test]
    fn ics_vtimezones_give_back_every_moment_across_years_and_hemispheres() {
        // The 1st and 15th of every month of 2026 and 2028 (not 2027: a gap between stretches
        // of years), at 00:30 and 13:45 UTC, in zones north and south, with half hours and
        // without daylight saving.
        let zones = [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Sydney",
            "Asia/Tokyo",
            "Asia/Kolkata",
            "America/St_Johns",
            "Europe/Dublin",
        ];
        let mut events = Vec::new();
        for year in [2026, 2028] {
            for month in 1..=12 {
                for day in [1, 15] {
                    for (h, m) in [(0, 30), (13, 45)] {
                        let at = NaiveDate::from_ymd_opt(year, month, day)
                            .unwrap()
                            .and_hms_opt(h, m, 0)
                            .unwrap()
                            .and_utc()
                            .timestamp();
                        for zone in zones {
                            events.push(event("e@x", at, zone));
                        }
                    }
                }
            }
        }
        let ics = calendar("events", &events, NOW).unwrap();
        assert_crlf_and_folded(&ics);
        let parsed = parse(&ics);
        let vevents: Vec<_> = of_type(&parsed, ICalendarComponentType::VEvent).collect();
        assert_eq!(vevents.len(), events.len());
        for (event, vevent) in events.iter().zip(vevents) {
            let tzid = vevent
                .property(&ICalendarProperty::Dtstart)
                .unwrap()
                .tz_id();
            assert_eq!(tzid, Some(event.time_zone));
            assert_eq!(
                instant(&parsed, vevent, &ICalendarProperty::Dtstart),
                event.starts_at,
                "{} at {}",
                event.time_zone,
                event.starts_at
            );
            assert_eq!(
                instant(&parsed, vevent, &ICalendarProperty::Dtend),
                event.ends_at
            );
        }
        let sydney = parsed_observances(&parsed, "Australia/Sydney");
        assert!(
            sydney[0].0,
            "Sydney's New Year is in daylight time: {sydney:?}"
        );
        assert!(
            sydney
                .iter()
                .any(|&(daylight, _, offset)| !daylight && offset == 10 * HOUR)
        );
        assert_eq!(
            of_type(&parsed, ICalendarComponentType::VTimezone).count(),
            zones.len()
        );
    }

    #[test]
    fn ics_second_occurrence_of_a_repeated_local_time_is_written_in_utc() {
        // New York, 2026-11-01: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
        let first = event("first@x", 1_793_511_000, "America/New_York");
        let second = event("second@x", 1_793_514_600, "America/New_York");
        let ics = calendar("events", &[first, second], NOW).unwrap();
        assert!(ics.contains("\r\nDTSTART;TZID=America/New_York:20261101T013000\r\n"));
        assert!(ics.contains("\r\nDTSTART:20261101T063000Z\r\n"), "{ics}");
        let parsed = parse(&ics);
        let vevents: Vec<_> = of_type(&parsed, ICalendarComponentType::VEvent).collect();
        assert_eq!(
            instant(&parsed, vevents[0], &ICalendarProperty::Dtstart),
            first.starts_at
        );
        assert_eq!(
            instant(&parsed, vevents[1], &ICalendarProperty::Dtstart),
            second.starts_at
        );
    }

    #[test]
    fn ics_text_with_commas_semicolons_backslashes_and_line_breaks_round_trips() {
        let mut tricky = event("a,b;c@x", DEC_5_2026, "Asia/Tokyo");
        tricky.title = "Drinks, food; and C:\\Users\\fun";
        tricky.description = "Line one,\nline two;\r\nline three\\n is not a break\rend\u{7}";
        tricky.location = Some("Bar \"Tsuki\", 2F; Ginza");
        tricky.url = Some("https://alumni.example/e?a=1,2;b\r\nSTATUS:CANCELLED");
        let ics = calendar("Alumni; all, \\ of us", &[tricky], NOW).unwrap();
        assert_crlf_and_folded(&ics);
        let status_lines = ics.split("\r\n").filter(|l| l.starts_with("STATUS:"));
        assert_eq!(status_lines.count(), 1, "a URL injected a property");
        let parsed = parse(&ics);
        let root = &parsed.components[0];
        assert_eq!(
            text(root, &ICalendarProperty::Other("X-WR-CALNAME".into())),
            "Alumni; all, \\ of us"
        );
        let vevent = only_event(&parsed);
        assert_eq!(vevent.uid(), Some("a,b;c@x"));
        assert_eq!(text(vevent, &ICalendarProperty::Summary), tricky.title);
        assert_eq!(
            text(vevent, &ICalendarProperty::Description),
            "Line one,\nline two;\nline three\\n is not a break\nend"
        );
        assert_eq!(
            text(vevent, &ICalendarProperty::Location),
            "Bar \"Tsuki\", 2F; Ginza"
        );
        assert_eq!(
            text(vevent, &ICalendarProperty::Url),
            "https://alumni.example/e?a=1,2;bSTATUS:CANCELLED"
        );
        assert_eq!(vevent.status(), Some(&ICalendarStatus::Confirmed));
    }

    #[test]
    fn ics_long_japanese_description_folds_at_75_octets_without_splitting_characters() {
        let description: String = "同窓会のお知らせ。皆様お誘い合わせの上ご参加ください"
            .chars()
            .cycle()
            .take(300)
            .collect();
        let mut long = event("long@x", DEC_5_2026, "Asia/Tokyo");
        long.description = &description;
        let ics = calendar("events", &[long], NOW).unwrap();
        assert!(ics.lines().count() > 900 / 75, "the description was folded");
        assert_crlf_and_folded(&ics);
        let parsed = parse(&ics);
        assert_eq!(
            text(only_event(&parsed), &ICalendarProperty::Description),
            description
        );
    }

    #[test]
    fn ics_folds_lines_to_exactly_75_octets() {
        // 150 octets: the line icalendar 0.17.17 folds into 75 + 76.
        let mut lines = Lines::default();
        lines.push(&"a".repeat(150));
        let folded: Vec<_> = lines.0.split("\r\n").collect();
        assert_eq!(
            folded.iter().map(|l| l.len()).collect::<Vec<_>>(),
            [75, 75, 2, 0]
        );
        let mut lines = Lines::default();
        lines.push(&"a".repeat(75));
        assert_eq!(lines.0, format!("{}\r\n", "a".repeat(75)));
        // 74 ASCII octets, then a 3-octet character that does not fit in the first line.
        let mut lines = Lines::default();
        lines.push(&format!("{}あい", "a".repeat(74)));
        assert_eq!(lines.0, format!("{}\r\n あい\r\n", "a".repeat(74)));
    }

    #[test]
    fn ics_unknown_zone_falls_back_to_utc() {
        let nowhere = event("mars@x", DEC_5_2026, "Mars/Olympus_Mons");
        let ics = calendar("events", &[nowhere], NOW).unwrap();
        assert!(ics.contains("\r\nDTSTART:20261205T100000Z\r\n"), "{ics}");
        assert!(!ics.contains("TZID") && !ics.contains("VTIMEZONE"));
        let parsed = parse(&ics);
        assert_eq!(
            instant(&parsed, only_event(&parsed), &ICalendarProperty::Dtstart),
            DEC_5_2026
        );
    }

    #[test]
    fn ics_event_without_length_has_no_dtend() {
        let mut instant_event = event("deadline@x", DEC_5_2026, "Asia/Tokyo");
        instant_event.ends_at = instant_event.starts_at;
        let ics = calendar("events", &[instant_event], NOW).unwrap();
        assert!(!ics.contains("DTEND"));
    }

    #[test]
    fn ics_refuses_what_it_cannot_write() {
        let mut backwards = event("backwards@x", DEC_5_2026, "Asia/Tokyo");
        backwards.ends_at = backwards.starts_at - 1;
        assert_eq!(
            calendar("events", &[backwards], NOW),
            Err(IcsError::EndsBeforeStart {
                uid: "backwards@x".into()
            })
        );
        let far = event("far@x", 400_000_000_000, "Asia/Tokyo");
        assert_eq!(
            calendar("events", &[far], NOW),
            Err(IcsError::TimeOutOfRange {
                uid: "far@x".into(),
                at: 400_000_000_000
            })
        );
        // 9999-12-31 20:00 UTC is already the year 10000 in Tokyo.
        let late = event("late@x", 253_402_286_400, "Asia/Tokyo");
        assert!(matches!(
            calendar("events", &[late], NOW),
            Err(IcsError::TimeOutOfRange { .. })
        ));
        assert_eq!(
            calendar("events", &[], i64::MIN),
            Err(IcsError::ClockOutOfRange(i64::MIN))
        );
    }

    #[test]
    fn ics_five_hundred_events_make_one_feed() {
        let zones = [
            "Asia/Tokyo",
            "Europe/Berlin",
            "America/New_York",
            "Not/A_Zone",
        ];
        let descriptions: Vec<String> = (0..500)
            .map(|i| format!("第{i}回 勉強会, 懇親会あり"))
            .collect();
        let events: Vec<_> = (0..500i64)
            .map(|i| {
                let mut e = event("e@x", DEC_5_2026 + i * 86_400 * 3, zones[i as usize % 4]);
                e.description = &descriptions[i as usize];
                e.sequence = i as u32;
                e
            })
            .collect();
        let ics = calendar("events", &events, NOW).unwrap();
        assert_crlf_and_folded(&ics);
        let parsed = parse(&ics);
        assert_eq!(
            of_type(&parsed, ICalendarComponentType::VEvent).count(),
            500
        );
        assert_eq!(
            of_type(&parsed, ICalendarComponentType::VTimezone).count(),
            3
        );
        let last = of_type(&parsed, ICalendarComponentType::VEvent)
            .last()
            .unwrap();
        assert_eq!(integer(last, &ICalendarProperty::Sequence), 499);
        assert_eq!(
            text(last, &ICalendarProperty::Description),
            descriptions[499]
        );
    }
}
