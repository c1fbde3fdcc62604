//! Calendar arithmetic with no browser in it: civil dates and unix days, the month grid the
//! events calendar draws, `datetime-local` input values, and turning a wall-clock time in some
//! zone into an instant given that zone's offsets (which the browser's `Intl` knows; see
//! `ui::events::time`).
//!
//! ```
//! use tsunagu_app::calendar::{Date, month_grid};
//!
//! // May 2026 starts on a Friday: five blanks in a Sunday-first week.
//! let weeks = month_grid(2026, 5);
//! assert_eq!(weeks[0], [None, None, None, None, None, Some(1), Some(2)]);
//! assert_eq!(Date::from_days(Date::new(2026, 5, 1).days()), Date::new(2026, 5, 1));
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
