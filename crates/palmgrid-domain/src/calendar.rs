//! Time limits of cases: a business calendar (working hours, public holidays, adjusted
//! working days 调休) in China Standard Time, and the timer state of a limit (on time, warned
//! at 80 %, overdue at 100 %). Everything takes the time as an argument: the app passes the
//! injected clock, so tests run a case through a week in microseconds.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const DAY_MS: i64 = 86_400_000;
/// China Standard Time is UTC+8 all year (no daylight saving).
const CST_OFFSET_MS: i64 = 8 * 3_600_000;

/// A time limit as categories state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "unit", content = "value")]
pub enum Limit {
    /// Counted only inside working hours on working days (most handling limits).
    WorkingHours(u32),
    /// Natural days, around the clock (e.g. 挂账 reviews, some closure limits).
    CalendarDays(u32),
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` into days since the epoch.
pub fn parse_day(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?);
    if it.next().is_some() || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m as usize - 1];
    if d > days_in_month {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// A business calendar in China Standard Time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    /// Working periods of a working day, minutes after local midnight, sorted, disjoint.
    periods: Vec<(i64, i64)>,
    /// Public holidays (local days since the epoch).
    holidays: BTreeSet<i64>,
    /// Weekend days worked instead (调休).
    extra_workdays: BTreeSet<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("working periods must be HH:MM-HH:MM, ascending and not overlapping: {0}")]
    BadPeriod(String),
    #[error("not a date (YYYY-MM-DD): {0}")]
    BadDate(String),
}

fn minutes(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 1440).then_some(h * 60 + m)
}

impl BusinessCalendar {
    /// `periods` like `["08:30-12:00", "14:00-17:30"]`; dates `YYYY-MM-DD`.
    pub fn new(periods: &[&str], holidays: &[&str], extra_workdays: &[&str]) -> Result<Self, CalendarError> {
        let mut ps = Vec::new();
        for p in periods {
            let bad = || CalendarError::BadPeriod((*p).to_owned());
            let (a, b) = p.split_once('-').ok_or_else(bad)?;
            let (a, b) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
            if a >= b || ps.last().is_some_and(|&(_, end)| end > a) {
                return Err(bad());
            }
            ps.push((a, b));
        }
        if ps.is_empty() {
            return Err(CalendarError::BadPeriod("no working period".into()));
        }
        let days = |list: &[&str]| -> Result<BTreeSet<i64>, CalendarError> {
            list.iter().map(|d| parse_day(d).ok_or_else(|| CalendarError::BadDate((*d).to_owned()))).collect()
        };
        Ok(BusinessCalendar { periods: ps, holidays: days(holidays)?, extra_workdays: days(extra_workdays)? })
    }

    /// Monday to Friday, 08:30–12:00 and 14:00–17:30 (seven hours), no holidays.
    pub fn standard() -> Self {
        BusinessCalendar::new(&["08:30-12:00", "14:00-17:30"], &[], &[]).expect("valid")
    }

    /// Whether a local day (days since the epoch) is worked.
    pub fn is_working_day(&self, day: i64) -> bool {
        if self.extra_workdays.contains(&day) {
            return true;
        }
        let weekday = (day + 3).rem_euclid(7); // 1970-01-01 was a Thursday; 0 = Monday
        weekday < 5 && !self.holidays.contains(&day)
    }

    /// Working milliseconds in `[from_ms, to_ms)`.
    pub fn working_ms_between(&self, from_ms: i64, to_ms: i64) -> i64 {
        if to_ms <= from_ms {
            return 0;
        }
        let (from, to) = (from_ms + CST_OFFSET_MS, to_ms + CST_OFFSET_MS);
        let mut total = 0;
        for day in from.div_euclid(DAY_MS)..=to.div_euclid(DAY_MS) {
            if !self.is_working_day(day) {
                continue;
            }
            for &(a, b) in &self.periods {
                let (s, e) = (day * DAY_MS + a * 60_000, day * DAY_MS + b * 60_000);
                total += (e.min(to) - s.max(from)).max(0);
            }
        }
        total
    }

    /// When a limit that starts at `start_ms` runs out.
    pub fn deadline(&self, start_ms: i64, limit: Limit) -> i64 {
        match limit {
            Limit::CalendarDays(n) => start_ms + n as i64 * DAY_MS,
            Limit::WorkingHours(h) => {
                let mut left = h as i64 * 3_600_000;
                let t = start_ms + CST_OFFSET_MS;
                let mut day = t.div_euclid(DAY_MS);
                // Bounded: a calendar has at least one working period and at most a few
                // hundred holidays a year.
                for _ in 0..20_000 {
                    if self.is_working_day(day) {
                        for &(a, b) in &self.periods {
                            let s = (day * DAY_MS + a * 60_000).max(t);
                            let e = day * DAY_MS + b * 60_000;
                            if e <= s {
                                continue;
                            }
                            if e - s >= left {
                                return s + left - CST_OFFSET_MS;
                            }
                            left -= e - s;
                        }
                    }
                    day += 1;
                }
                i64::MAX
            }
        }
    }

    /// How much of a limit has been used at `now_ms`, 0.0 at the start, 1.0 at the deadline.
    pub fn used(&self, start_ms: i64, limit: Limit, now_ms: i64) -> f64 {
        match limit {
            Limit::CalendarDays(0) | Limit::WorkingHours(0) => 1.0,
            Limit::CalendarDays(n) => (now_ms - start_ms) as f64 / (n as i64 * DAY_MS) as f64,
            Limit::WorkingHours(h) => self.working_ms_between(start_ms, now_ms) as f64 / (h as i64 * 3_600_000) as f64,
        }
    }
}

/// Where a running limit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerState {
    OnTime,
    /// 80 % of the limit used: whoever must act is warned.
    Warned,
    /// The limit has run out: escalated to the supervisor.
    Overdue,
}

/// Share of a limit after which the actor is warned.
pub const WARN_AT: f64 = 0.8;

pub fn timer_state(used: f64) -> TimerState {
    if used >= 1.0 {
        TimerState::Overdue
    } else if used >= WARN_AT {
        TimerState::Warned
    } else {
        TimerState::OnTime
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Local (CST) time → Unix ms.
    fn at(date: &str, hh: i64, mm: i64) -> i64 {
        parse_day(date).unwrap() * DAY_MS + (hh * 60 + mm) * 60_000 - CST_OFFSET_MS
    }

    #[test]
    fn civil_days_are_right() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(parse_day("2026-12-04"), Some(20_791));
        assert_eq!(parse_day("2024-02-29").unwrap() + 1, parse_day("2024-03-01").unwrap());
        assert_eq!(parse_day("2026-13-01"), None);
        assert_eq!(parse_day("2026-02-29"), None, "not a leap year");
        assert_eq!(parse_day("2026-04-31"), None);
        assert!(parse_day("2028-02-29").is_some());
        assert_eq!(parse_day("2026-1"), None);
    }

    #[test]
    fn working_hours_skip_nights_weekends_and_holidays() {
        let cal = BusinessCalendar::standard();
        // Friday 2026-12-04 16:00 + 4 working hours: 1.5 h on Friday, 2.5 h on Monday → 11:00.
        let fri = at("2026-12-04", 16, 0);
        assert_eq!(cal.deadline(fri, Limit::WorkingHours(4)), at("2026-12-07", 11, 0));
        // Starting in the lunch break counts from 14:00.
        assert_eq!(cal.deadline(at("2026-12-07", 12, 30), Limit::WorkingHours(1)), at("2026-12-07", 15, 0));
        // A Monday holiday moves it to Tuesday; a Saturday worked instead (调休) pulls it in.
        let hol = BusinessCalendar::new(&["08:30-12:00", "14:00-17:30"], &["2026-12-07"], &[]).unwrap();
        assert_eq!(hol.deadline(fri, Limit::WorkingHours(4)), at("2026-12-08", 11, 0));
        let swap = BusinessCalendar::new(&["08:30-12:00", "14:00-17:30"], &[], &["2026-12-05"]).unwrap();
        assert_eq!(swap.deadline(fri, Limit::WorkingHours(4)), at("2026-12-05", 11, 0));
        // Calendar days ignore all of that.
        assert_eq!(cal.deadline(fri, Limit::CalendarDays(2)), at("2026-12-06", 16, 0));
    }

    #[test]
    fn used_share_drives_warning_and_overdue() {
        let cal = BusinessCalendar::standard();
        let start = at("2026-12-07", 8, 30); // Monday
        let limit = Limit::WorkingHours(10);
        assert_eq!(cal.deadline(start, limit), at("2026-12-08", 11, 30));
        // 8 working hours (80 %) are used at Tuesday 09:30.
        assert_eq!(timer_state(cal.used(start, limit, at("2026-12-08", 9, 29))), TimerState::OnTime);
        assert_eq!(timer_state(cal.used(start, limit, at("2026-12-08", 9, 30))), TimerState::Warned);
        assert_eq!(timer_state(cal.used(start, limit, at("2026-12-08", 11, 30))), TimerState::Overdue);
        // Nights do not use the limit.
        assert_eq!(cal.working_ms_between(at("2026-12-07", 17, 30), at("2026-12-08", 8, 30)), 0);
        assert_eq!(cal.working_ms_between(start, at("2026-12-07", 23, 0)), 7 * 3_600_000);
    }

    #[test]
    fn bad_calendars_are_refused() {
        assert!(BusinessCalendar::new(&["14:00-12:00"], &[], &[]).is_err());
        assert!(BusinessCalendar::new(&["08:00-12:00", "11:00-13:00"], &[], &[]).is_err());
        assert!(BusinessCalendar::new(&["8-12"], &[], &[]).is_err());
        assert!(BusinessCalendar::new(&[], &[], &[]).is_err());
        assert!(BusinessCalendar::new(&["08:00-12:00"], &["2026-02-30x"], &[]).is_err());
    }
}
