//! Calendar arithmetic with no browser in it: civil dates and unix days, the month grid the
//! events calendar draws, which month it opens on, Japan's public holidays (coloured red on it,
//! as Japanese calendars do), `datetime-local` input values, and turning a wall-clock time in
//! some zone into an instant given that zone's offsets (which the browser's `Intl` knows; see
//! `ui::time`).
//!
//! ```
//! use tsunagu_app::calendar::{Date, Holiday, holiday, month_grid};
//!
//! // May 2026 starts on a Friday: five blanks in a Sunday-first week.
//! let weeks = month_grid(2026, 5);
//! assert_eq!(weeks[0], [None, None, None, None, None, Some(1), Some(2)]);
//! assert_eq!(Date::from_days(Date::new(2026, 5, 1).days()), Date::new(2026, 5, 1));
//! // Constitution Day fell on a Sunday: the Wednesday after Golden Week is a holiday too.
//! assert_eq!(holiday(Date::new(2026, 5, 6)), Some(Holiday::Substitute));
//! ```

/// A day in the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
}

impl Date {
    pub const fn new(year: i32, month: u32, day: u32) -> Self {
        Self { year, month, day }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// 0 for Sunday … 6 for Saturday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday.
        (self.days() + 4).rem_euclid(7) as u32
    }
}

/// The number of days in a month.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    let (next_year, next_month) = add_months(year, month, 1);
    (Date::new(next_year, next_month, 1).days() - Date::new(year, month, 1).days()) as u32
}

/// The month `delta` months from (`year`, `month`).
pub fn add_months(year: i32, month: u32, delta: i32) -> (i32, u32) {
    let index = year * 12 + month as i32 - 1 + delta;
    (index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}

/// A month as weeks of seven days, Sunday first (as Japanese calendars print them); days of
/// the neighbouring months are blank.
pub fn month_grid(year: i32, month: u32) -> Vec<[Option<u32>; 7]> {
    let lead = Date::new(year, month, 1).weekday() as usize;
    let count = days_in_month(year, month) as usize;
    let cells = (lead + count).div_ceil(7) * 7;
    (0..cells)
        .map(|i| (i >= lead && i < lead + count).then(|| (i - lead + 1) as u32))
        .collect::<Vec<_>>()
        .chunks(7)
        .map(|week| {
            let mut days = [None; 7];
            days.copy_from_slice(week);
            days
        })
        .collect()
}

/// The month a calendar opens on, given the days that have events: today's if it has any,
/// else the month of the next event after today (a calendar opened on an empty month looks as
/// if nothing were planned), else today's.
pub fn opening_month(today: Date, event_days: impl IntoIterator<Item = Date>) -> (i32, u32) {
    let this_month = (today.year, today.month);
    let mut next: Option<Date> = None;
    for day in event_days {
        if (day.year, day.month) == this_month {
            return this_month;
        }
        if day > today && next.is_none_or(|n| day < n) {
            next = Some(day);
        }
    }
    next.map_or(this_month, |d| (d.year, d.month))
}

/// The first day with an event after the month (`year`, `month`), for a "next event" link
/// under an empty month.
pub fn next_event_after(
    year: i32,
    month: u32,
    event_days: impl IntoIterator<Item = Date>,
) -> Option<Date> {
    let (next_year, next_month) = add_months(year, month, 1);
    let start = Date::new(next_year, next_month, 1);
    event_days.into_iter().filter(|d| *d >= start).min()
}

/// A public holiday in Japan (国民の祝日), or a day off the law adds to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holiday {
    NewYear,
    ComingOfAge,
    Foundation,
    EmperorsBirthday,
    VernalEquinox,
    Showa,
    Constitution,
    Greenery,
    Children,
    Marine,
    Mountain,
    RespectForTheAged,
    AutumnalEquinox,
    Sports,
    Culture,
    LabourThanksgiving,
    /// 2019's accession and enthronement days.
    Enthronement,
    /// 振替休日: the first working day after a holiday that fell on a Sunday.
    Substitute,
    /// 国民の休日: a day between two holidays.
    Citizens,
}

impl Holiday {
    /// Its name on Japanese calendars.
    pub fn name_ja(self) -> &'static str {
        match self {
            Holiday::NewYear => "元日",
            Holiday::ComingOfAge => "成人の日",
            Holiday::Foundation => "建国記念の日",
            Holiday::EmperorsBirthday => "天皇誕生日",
            Holiday::VernalEquinox => "春分の日",
            Holiday::Showa => "昭和の日",
            Holiday::Constitution => "憲法記念日",
            Holiday::Greenery => "みどりの日",
            Holiday::Children => "こどもの日",
            Holiday::Marine => "海の日",
            Holiday::Mountain => "山の日",
            Holiday::RespectForTheAged => "敬老の日",
            Holiday::AutumnalEquinox => "秋分の日",
            Holiday::Sports => "スポーツの日",
            Holiday::Culture => "文化の日",
            Holiday::LabourThanksgiving => "勤労感謝の日",
            Holiday::Enthronement => "即位の日",
            Holiday::Substitute => "振替休日",
            Holiday::Citizens => "国民の休日",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Holiday::NewYear => "New Year's Day",
            Holiday::ComingOfAge => "Coming of Age Day",
            Holiday::Foundation => "National Foundation Day",
            Holiday::EmperorsBirthday => "Emperor's Birthday",
            Holiday::VernalEquinox => "Vernal Equinox Day",
            Holiday::Showa => "Shōwa Day",
            Holiday::Constitution => "Constitution Day",
            Holiday::Greenery => "Greenery Day",
            Holiday::Children => "Children's Day",
            Holiday::Marine => "Marine Day",
            Holiday::Mountain => "Mountain Day",
            Holiday::RespectForTheAged => "Respect for the Aged Day",
            Holiday::AutumnalEquinox => "Autumnal Equinox Day",
            Holiday::Sports => "Sports Day",
            Holiday::Culture => "Culture Day",
            Holiday::LabourThanksgiving => "Labour Thanksgiving Day",
            Holiday::Enthronement => "Enthronement Day",
            Holiday::Substitute => "Substitute holiday",
            Holiday::Citizens => "Citizens' holiday",
        }
    }
}

/// Whether `date` is a public holiday in Japan, by the Act on National Holidays as in force
/// since 2007 (substitute holidays after any Sunday holiday, Shōwa Day), with 2019's imperial
/// days and the Olympic moves of 2020 and 2021. The equinoxes come from the National
/// Astronomical Observatory's formula, good for 1980–2099; events are planned well inside it.
/// (The `jpholiday` crate does this too, but needs a newer compiler than ours.)
pub fn holiday(date: Date) -> Option<Holiday> {
    if let Some(h) = national(date) {
        return Some(h);
    }
    let day = |offset: i64| Date::from_days(date.days() + offset);
    // Substitute: the holidays just before it run back to a Sunday.
    let mut back = 1;
    while national(day(-back)).is_some() {
        if day(-back).weekday() == 0 {
            return Some(Holiday::Substitute);
        }
        back += 1;
    }
    if date.weekday() != 0 && national(day(-1)).is_some() && national(day(1)).is_some() {
        return Some(Holiday::Citizens);
    }
    None
}

/// The holidays the law names, without the days off it adds.
fn national(date: Date) -> Option<Holiday> {
    let Date { year, month, day } = date;
    // The n-th Monday of this month falls on this day.
    let nth_monday = |n: u32| date.weekday() == 1 && (day - 1) / 7 + 1 == n;
    let olympic = matches!(year, 2020 | 2021);
    Some(match (month, day) {
        (1, 1) => Holiday::NewYear,
        (1, _) if nth_monday(2) => Holiday::ComingOfAge,
        (2, 11) => Holiday::Foundation,
        (2, 23) if year >= 2020 => Holiday::EmperorsBirthday,
        (12, 23) if (1989..=2018).contains(&year) => Holiday::EmperorsBirthday,
        (3, d) if d == equinox(year, 20_843_100) => Holiday::VernalEquinox,
        (4, 29) if year >= 2007 => Holiday::Showa,
        (4, 29) => Holiday::Greenery,
        (5, 1) if year == 2019 => Holiday::Enthronement,
        (10, 22) if year == 2019 => Holiday::Enthronement,
        (5, 3) => Holiday::Constitution,
        (5, 4) if year >= 2007 => Holiday::Greenery,
        (5, 5) => Holiday::Children,
        (7, 23) if year == 2020 => Holiday::Marine,
        (7, 22) if year == 2021 => Holiday::Marine,
        (7, _) if !olympic && nth_monday(3) => Holiday::Marine,
        (8, 10) if year == 2020 => Holiday::Mountain,
        (8, 8) if year == 2021 => Holiday::Mountain,
        (8, 11) if year >= 2016 && !olympic => Holiday::Mountain,
        (9, _) if nth_monday(3) => Holiday::RespectForTheAged,
        (9, d) if d == equinox(year, 23_248_800) => Holiday::AutumnalEquinox,
        (7, 24) if year == 2020 => Holiday::Sports,
        (7, 23) if year == 2021 => Holiday::Sports,
        (10, _) if !olympic && nth_monday(2) => Holiday::Sports,
        (11, 3) => Holiday::Culture,
        (11, 23) => Holiday::LabourThanksgiving,
        _ => return None,
    })
}

/// The day of March (vernal) or September (autumnal) of an equinox:
/// ⌊base + 0.242194 (year − 1980) − ⌊(year − 1980) / 4⌋⌋, in millionths of a day.
fn equinox(year: i32, base_millionths: i64) -> u32 {
    let n = i64::from(year) - 1980;
    let day = (base_millionths + 242_194 * n - n.div_euclid(4) * 1_000_000).div_euclid(1_000_000);
    u32::try_from(day).unwrap_or(0)
}

/// A wall-clock time somewhere, to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub date: Date,
    pub hour: u32,
    pub minute: u32,
}

impl DateTime {
    /// This wall-clock time read as if it were UTC, in unix seconds.
    pub fn as_if_utc(self) -> i64 {
        self.date.days() * 86_400 + i64::from(self.hour) * 3600 + i64::from(self.minute) * 60
    }

    /// The wall-clock time of a unix instant in UTC shifted by `offset` seconds.
    pub fn from_unix(unix: i64, offset: i64) -> Self {
        let local = unix + offset;
        let secs = local.rem_euclid(86_400);
        Self {
            date: Date::from_days(local.div_euclid(86_400)),
            hour: (secs / 3600) as u32,
            minute: (secs % 3600 / 60) as u32,
        }
    }

    /// Reads an `<input type="datetime-local">` value, `YYYY-MM-DDTHH:MM` (seconds ignored).
    pub fn parse_input(value: &str) -> Option<Self> {
        let (date, time) = value.trim().split_once('T')?;
        let mut d = date.splitn(3, '-');
        let year = d.next()?.parse().ok()?;
        let month: u32 = d.next()?.parse().ok()?;
        let day: u32 = d.next()?.parse().ok()?;
        let mut t = time.split(':');
        let hour: u32 = t.next()?.parse().ok()?;
        let minute: u32 = t.next()?.parse().ok()?;
        let valid = (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60;
        valid.then_some(Self {
            date: Date::new(year, month, day),
            hour,
            minute,
        })
    }

    /// The value an `<input type="datetime-local">` takes.
    pub fn input_value(self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            self.date.year, self.date.month, self.date.day, self.hour, self.minute
        )
    }
}

/// The instant at which a zone's clocks show `wall`, given the zone's offset from UTC (in
/// seconds) at any instant. In a gap (clocks jumping forward) it lands after the jump; in an
/// overlap, on the earlier of the two.
pub fn wall_to_unix(wall: DateTime, offset_at: impl Fn(i64) -> i64) -> i64 {
    let guess = wall.as_if_utc();
    let first = guess - offset_at(guess);
    let second = guess - offset_at(first);
    if second == first {
        return first;
    }
    // The offset changes near this time: prefer an instant that really shows `wall`.
    let candidates = [first.min(second), first.max(second)];
    candidates
        .into_iter()
        .find(|t| t + offset_at(*t) == guess)
        .unwrap_or(first.max(second))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn days_round_trip_across_leap_years_and_the_epoch() {
        for days in (-800_000..800_000).step_by(997) {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::new(1970, 1, 1).days(), 0);
        assert_eq!(
            Date::new(2000, 3, 1).days() - Date::new(2000, 2, 28).days(),
            2
        );
        assert_eq!(Date::new(2026, 11, 22).weekday(), 0, "a Sunday");
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(add_months(2026, 12, 1), (2027, 1));
        assert_eq!(add_months(2026, 1, -1), (2025, 12));
    }

    #[wasm_bindgen_test]
    fn a_month_grid_has_whole_weeks_with_blanks_around_the_month() {
        // February 2026 starts on a Sunday and has exactly four weeks.
        let feb = month_grid(2026, 2);
        assert_eq!(feb.len(), 4);
        assert_eq!(feb[0][0], Some(1));
        assert_eq!(feb[3][6], Some(28));
        // August 2026 starts on a Saturday: six rows.
        let aug = month_grid(2026, 8);
        assert_eq!(aug.len(), 6);
        assert_eq!(aug[0], [None, None, None, None, None, None, Some(1)]);
        assert_eq!(aug[5][1], Some(31));
        assert_eq!(aug[5][2], None);
        let days: Vec<u32> = aug.iter().flatten().flatten().copied().collect();
        assert_eq!(days, (1..=31).collect::<Vec<_>>());
    }

    fn holidays_of(year: i32) -> Vec<(u32, u32, Holiday)> {
        (Date::new(year, 1, 1).days()..Date::new(year + 1, 1, 1).days())
            .map(Date::from_days)
            .filter_map(|d| holiday(d).map(|h| (d.month, d.day, h)))
            .collect()
    }

    #[wasm_bindgen_test]
    fn japans_holidays_in_2026_as_the_cabinet_office_lists_them() {
        use Holiday::*;
        assert_eq!(
            holidays_of(2026),
            [
                (1, 1, NewYear),
                (1, 12, ComingOfAge),
                (2, 11, Foundation),
                (2, 23, EmperorsBirthday),
                (3, 20, VernalEquinox),
                (4, 29, Showa),
                (5, 3, Constitution),
                (5, 4, Greenery),
                (5, 5, Children),
                (5, 6, Substitute),
                (7, 20, Marine),
                (8, 11, Mountain),
                (9, 21, RespectForTheAged),
                (9, 22, Citizens),
                (9, 23, AutumnalEquinox),
                (10, 12, Sports),
                (11, 3, Culture),
                (11, 23, LabourThanksgiving),
            ]
        );
    }

    #[wasm_bindgen_test]
    fn substitute_olympic_and_imperial_holidays() {
        use Holiday::*;
        let h = |y, m, d| holiday(Date::new(y, m, d));
        // 2025: three Sunday holidays, each followed by a Monday off.
        assert_eq!(h(2025, 2, 24), Some(Substitute));
        assert_eq!(h(2025, 5, 6), Some(Substitute));
        assert_eq!(h(2025, 11, 24), Some(Substitute));
        assert_eq!(h(2025, 3, 20), Some(VernalEquinox));
        assert_eq!(h(2025, 9, 23), Some(AutumnalEquinox));
        // 2019: ten days off around the accession, Saturday 4/27 to Monday 5/6.
        assert_eq!(h(2019, 4, 29), Some(Showa));
        assert_eq!(h(2019, 4, 30), Some(Citizens));
        assert_eq!(h(2019, 5, 1), Some(Enthronement));
        assert_eq!(h(2019, 5, 2), Some(Citizens));
        assert_eq!(h(2019, 5, 6), Some(Substitute));
        assert_eq!(h(2019, 10, 22), Some(Enthronement));
        assert_eq!(h(2019, 2, 23), None, "no emperor's birthday that year");
        // The Olympics moved three holidays in 2020 and 2021.
        assert_eq!(h(2020, 7, 23), Some(Marine));
        assert_eq!(h(2020, 7, 24), Some(Sports));
        assert_eq!(h(2020, 8, 10), Some(Mountain));
        assert_eq!(h(2020, 10, 12), None);
        assert_eq!(h(2021, 8, 8), Some(Mountain));
        assert_eq!(h(2021, 8, 9), Some(Substitute));
        assert_eq!(h(2021, 7, 19), None);
        // Ordinary days stay ordinary, Sundays included.
        assert_eq!(h(2026, 5, 7), None);
        assert_eq!(h(2026, 5, 10), None);
        // 2027: the vernal equinox on a Sunday, then a Monday off.
        assert_eq!(h(2027, 3, 21), Some(VernalEquinox));
        assert_eq!(h(2027, 3, 22), Some(Substitute));
        assert_eq!(holidays_of(2027).len(), 17);
    }

    #[wasm_bindgen_test]
    fn the_calendar_opens_on_a_month_with_events() {
        let today = Date::new(2026, 11, 20);
        let days = [
            Date::new(2026, 10, 3),
            Date::new(2027, 1, 15),
            Date::new(2026, 12, 18),
        ];
        assert_eq!(
            opening_month(today, days),
            (2026, 12),
            "the next event's month"
        );
        let with_this_month = [Date::new(2026, 11, 2), Date::new(2026, 12, 18)];
        assert_eq!(opening_month(today, with_this_month), (2026, 11));
        assert_eq!(
            opening_month(today, [Date::new(2026, 1, 1)]),
            (2026, 11),
            "only past events: today's month"
        );
        assert_eq!(opening_month(today, []), (2026, 11));
        assert_eq!(
            next_event_after(2026, 11, days),
            Some(Date::new(2026, 12, 18))
        );
        assert_eq!(next_event_after(2027, 1, days), None);
    }

    #[wasm_bindgen_test]
    fn datetime_inputs_parse_strictly_and_print_back() {
        let dt = DateTime::parse_input("2026-05-01T18:30").expect("valid");
        assert_eq!(dt.input_value(), "2026-05-01T18:30");
        assert_eq!(
            DateTime::parse_input("2026-05-01T18:30:45").map(DateTime::input_value),
            Some("2026-05-01T18:30".into())
        );
        assert_eq!(DateTime::parse_input("2026-02-30T10:00"), None);
        assert_eq!(DateTime::parse_input("2026-05-01 18:30"), None);
        assert_eq!(DateTime::parse_input(""), None);
    }

    #[wasm_bindgen_test]
    fn wall_clock_times_become_instants_in_fixed_and_changing_zones() {
        // Tokyo: UTC+9 all year. 2026-05-01 18:30 JST is 09:30 UTC.
        let tokyo = |_| 9 * 3600;
        let wall = DateTime::parse_input("2026-05-01T18:30").expect("valid");
        let unix = wall_to_unix(wall, tokyo);
        assert_eq!(
            DateTime::from_unix(unix, 0).input_value(),
            "2026-05-01T09:30"
        );
        assert_eq!(DateTime::from_unix(unix, 9 * 3600), wall);

        // A zone that moves from +0 to +1 at 2026-03-29 01:00 UTC (London).
        let switch = DateTime::parse_input("2026-03-29T01:00")
            .expect("valid")
            .as_if_utc();
        let london = move |t: i64| if t >= switch { 3600 } else { 0 };
        let before = DateTime::parse_input("2026-03-29T00:30").expect("valid");
        assert_eq!(wall_to_unix(before, london), before.as_if_utc());
        let after = DateTime::parse_input("2026-03-29T03:00").expect("valid");
        assert_eq!(wall_to_unix(after, london), after.as_if_utc() - 3600);
        // 01:30 does not exist that night: it lands after the jump, never before it.
        let gap = DateTime::parse_input("2026-03-29T01:30").expect("valid");
        assert!(wall_to_unix(gap, london) >= switch);
    }
}
