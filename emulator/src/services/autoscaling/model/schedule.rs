//! Scheduled actions' `Schedule` and `Timezone`, and when a schedule fires
//! next. Pure: the caller passes the times (epoch seconds).
//!
//! - `at(yyyy-mm-ddThh:mm:ss)`: once, at that local time.
//! - `rate(value unit)`, unit `minute(s)`, `hour(s)`, `day(s)`: every
//!   period from an anchor (the StartTime, else when the action was put),
//!   the first one period after it.
//! - `cron(minutes hours day-of-month month day-of-week year)`, AWS's
//!   six fields: `*`, lists, ranges, steps (`a/n`, `a-b/n`, `*/n`), month
//!   and day names (`JAN`, `MON`; day-of-week 1 = Sunday), `?` in one of
//!   the day fields (exactly one of day-of-month and day-of-week is `?`),
//!   `L` (last day of the month), `LW` (its last weekday), `nW` (the
//!   weekday nearest day n, within the month), `dL` (the last weekday d
//!   of the month), `d#k` (its k-th), years 1970–2199.
//!
//! Time zones are fixed offsets: UTC and its aliases, `Etc/GMT±N`, and
//! IANA zones that have no daylight saving time today (Asia/Tokyo,
//! America/Phoenix, …). Zones with daylight saving time are refused
//! rather than scheduled at the wrong hour half of the year.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

use crate::services::autoscaling::errors::ScalingError;

/// Epoch seconds.
pub type Secs = f64;

/// A parsed `Schedule`.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// `at(...)`: a local date and time.
    At(PrimitiveDateTime),
    /// `rate(...)`: the period in seconds.
    Rate(u64),
    /// `cron(...)`.
    Cron(Cron),
}

/// A `cron(...)` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    minutes: Field,
    hours: Field,
    day_of_month: Option<Vec<DayItem>>,
    months: Field,
    day_of_week: Option<Vec<DayItem>>,
    years: Field,
}

/// The values a numeric field allows.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    min: u32,
    allowed: Vec<bool>,
}

impl Field {
    fn matches(&self, v: u32) -> bool {
        v.checked_sub(self.min)
            .and_then(|i| self.allowed.get(i as usize))
            .copied()
            .unwrap_or(false)
    }
}

/// One item of a day-of-month or day-of-week list.
#[derive(Debug, Clone, PartialEq)]
enum DayItem {
    /// Days of the month (1–31) or days of the week (1 = Sunday … 7).
    Values(Field),
    /// `L` in day-of-month: the last day of the month.
    LastDay,
    /// `LW`: the last weekday (Monday–Friday) of the month.
    LastWeekday,
    /// `nW`: the weekday nearest day n, not leaving the month.
    NearestWeekday(u8),
    /// `dL` in day-of-week: the last day d of the month.
    LastOf(u8),
    /// `d#k`: the k-th day d of the month.
    Nth(u8, u8),
}

/// The first and last years a cron expression may name.
const YEARS: (u32, u32) = (1970, 2199);

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn invalid(schedule: &str, why: &str) -> ScalingError {
    ScalingError::Validation(format!("Schedule {schedule} is not valid: {why}"))
}

/// Parses `Schedule`; the error names the parameter and says what is wrong.
pub fn parse(text: &str) -> Result<Schedule, ScalingError> {
    let inner = |prefix: &str| {
        text.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(')'))
            .map(str::trim)
    };
    if let Some(at) = inner("at(") {
        let fmt =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        return PrimitiveDateTime::parse(at, &fmt)
            .map(Schedule::At)
            .map_err(|_| invalid(text, "an at expression is at(yyyy-mm-ddThh:mm:ss)"));
    }
    if let Some(rate) = inner("rate(") {
        let bad = || {
            invalid(
                text,
                "a rate expression is rate(value unit) with a positive integer value and unit minute, minutes, hour, hours, day or days",
            )
        };
        let mut parts = rate.split_whitespace();
        let (Some(value), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let value: u64 = value.parse().map_err(|_| bad())?;
        let unit = match unit {
            "minute" | "minutes" => 60,
            "hour" | "hours" => 3600,
            "day" | "days" => 86_400,
            _ => return Err(bad()),
        };
        if value == 0 {
            return Err(bad());
        }
        return value.checked_mul(unit).map(Schedule::Rate).ok_or_else(bad);
    }
    if let Some(cron) = inner("cron(") {
        return parse_cron(cron)
            .map(Schedule::Cron)
            .map_err(|why| invalid(text, &why));
    }
    Err(invalid(
        text,
        "expected at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year)",
    ))
}

fn parse_cron(expr: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let [min, hour, dom, month, dow, year] = fields[..] else {
        return Err(format!(
            "a cron expression has six fields (minutes hours day-of-month month day-of-week year), got {}",
            fields.len()
        ));
    };
    let day_of_month = if dom == "?" {
        None
    } else {
        Some(day_items(dom, false)?)
    };
    let day_of_week = if dow == "?" {
        None
    } else {
        Some(day_items(dow, true)?)
    };
    if day_of_month.is_some() == day_of_week.is_some() {
        return Err("exactly one of day-of-month and day-of-week must be ?".into());
    }
    Ok(Cron {
        minutes: field(min, "minutes", 0, 59, &[])?,
        hours: field(hour, "hours", 0, 23, &[])?,
        day_of_month,
        months: field(month, "month", 1, 12, MONTHS)?,
        day_of_week,
        years: field(year, "year", YEARS.0, YEARS.1, &[])?,
    })
}

/// A value: a number in `lo..=hi` or a name (`names[0]` is `lo`).
fn value(s: &str, what: &str, lo: u32, hi: u32, names: &[&str]) -> Result<u32, String> {
    let upper = s.to_ascii_uppercase();
    if let Some(i) = names.iter().position(|n| *n == upper) {
        return Ok(lo + i as u32);
    }
    match s.parse::<u32>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(v),
        _ => Err(format!("{what} value {s} is not in {lo}-{hi}")),
    }
}

/// A comma-separated list of `*`, `v`, `a-b`, each optionally `/step`.
fn field(s: &str, what: &str, lo: u32, hi: u32, names: &[&str]) -> Result<Field, String> {
    let mut allowed = vec![false; (hi - lo + 1) as usize];
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => {
                let step: u32 = st
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("{what} step {st} is not a positive integer"))?;
                (r, step)
            }
            None => (part, 1),
        };
        let (from, to) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (
                value(a, what, lo, hi, names)?,
                value(b, what, lo, hi, names)?,
            );
            if a > b {
                return Err(format!("{what} range {range} runs backwards"));
            }
            (a, b)
        } else {
            let v = value(range, what, lo, hi, names)?;
            // `a/n` runs from a to the end.
            (v, if part.contains('/') { hi } else { v })
        };
        let mut v = from;
        while v <= to {
            allowed[(v - lo) as usize] = true;
            v += step;
        }
    }
    Ok(Field { min: lo, allowed })
}

fn day_items(s: &str, weekday: bool) -> Result<Vec<DayItem>, String> {
    let what = if weekday {
        "day-of-week"
    } else {
        "day-of-month"
    };
    s.split(',')
        .map(|part| {
            let upper = part.to_ascii_uppercase();
            if weekday {
                if upper == "L" {
                    return Ok(DayItem::Values(field("7", what, 1, 7, DAYS)?));
                }
                if let Some(d) = upper.strip_suffix('L') {
                    return Ok(DayItem::LastOf(value(d, what, 1, 7, DAYS)? as u8));
                }
                if let Some((d, k)) = upper.split_once('#') {
                    let d = value(d, what, 1, 7, DAYS)? as u8;
                    let k = value(k, "day-of-week occurrence", 1, 5, &[])? as u8;
                    return Ok(DayItem::Nth(d, k));
                }
                field(part, what, 1, 7, DAYS).map(DayItem::Values)
            } else {
                match upper.as_str() {
                    "L" => Ok(DayItem::LastDay),
                    "LW" => Ok(DayItem::LastWeekday),
                    _ => match upper.strip_suffix('W') {
                        Some(d) => Ok(DayItem::NearestWeekday(value(d, what, 1, 31, &[])? as u8)),
                        None => field(part, what, 1, 31, &[]).map(DayItem::Values),
                    },
                }
            }
        })
        .collect()
}

fn is_weekday(d: Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

impl DayItem {
    fn matches(&self, d: Date) -> bool {
        let last = time::util::days_in_month(d.month(), d.year());
        let dow = d.weekday().number_from_sunday();
        match self {
            DayItem::Values(f) => {
                // Day-of-week fields start at 1 = Sunday; day-of-month at 1.
                if f.allowed.len() == 7 {
                    f.matches(u32::from(dow))
                } else {
                    f.matches(u32::from(d.day()))
                }
            }
            DayItem::LastDay => d.day() == last,
            DayItem::LastWeekday => {
                is_weekday(d)
                    && (d.day()..=last)
                        .skip(1)
                        .all(|n| !is_weekday(d.replace_day(n).unwrap_or(d)))
            }
            DayItem::NearestWeekday(n) => {
                let n = *n;
                if n > last {
                    return false;
                }
                let Ok(target) = d.replace_day(n) else {
                    return false;
                };
                let nearest = match target.weekday() {
                    Weekday::Saturday if n == 1 => target.replace_day(3),
                    Weekday::Saturday => target.replace_day(n - 1),
                    Weekday::Sunday if n == last => target.replace_day(n - 2),
                    Weekday::Sunday => target.replace_day(n + 1),
                    _ => Ok(target),
                };
                nearest.is_ok_and(|t| t == d)
            }
            DayItem::LastOf(w) => dow == *w && d.day() + 7 > last,
            DayItem::Nth(w, k) => dow == *w && (d.day() - 1) / 7 + 1 == *k,
        }
    }
}

impl Cron {
    fn day_matches(&self, d: Date) -> bool {
        let any = |items: &Option<Vec<DayItem>>| {
            items
                .as_ref()
                .is_none_or(|items| items.iter().any(|i| i.matches(d)))
        };
        any(&self.day_of_month) && any(&self.day_of_week)
    }

    /// The first whole minute strictly after `after` (local time) that
    /// the expression names, up to the end of year 2199.
    pub fn next_after(&self, after: PrimitiveDateTime) -> Option<PrimitiveDateTime> {
        let mut t =
            after.replace_second(0).ok()?.replace_nanosecond(0).ok()? + time::Duration::minutes(1);
        let midnight = |d: Date| PrimitiveDateTime::new(d, Time::MIDNIGHT);
        loop {
            let year = u32::try_from(t.year()).ok()?;
            if year > YEARS.1 {
                return None;
            }
            let date = t.date();
            if !self.years.matches(year) {
                t = midnight(Date::from_calendar_date(t.year() + 1, Month::January, 1).ok()?);
            } else if !self.months.matches(u32::from(u8::from(t.month()))) {
                let (y, m) = match t.month() {
                    Month::December => (t.year() + 1, Month::January),
                    m => (t.year(), m.next()),
                };
                t = midnight(Date::from_calendar_date(y, m, 1).ok()?);
            } else if !self.day_matches(date) {
                t = midnight(date.next_day()?);
            } else if !self.hours.matches(u32::from(t.hour())) {
                t = t.replace_minute(0).ok()? + time::Duration::hours(1);
            } else if !self.minutes.matches(u32::from(t.minute())) {
                t += time::Duration::minutes(1);
            } else {
                return Some(t);
            }
        }
    }
}

/// A `Timezone`: its offset from UTC in seconds.
pub fn timezone(name: &str) -> Result<i32, ScalingError> {
    const UTC: &[&str] = &[
        "UTC",
        "Etc/UTC",
        "Etc/UCT",
        "UCT",
        "Etc/Universal",
        "Universal",
        "Etc/Zulu",
        "Zulu",
        "GMT",
        "Etc/GMT",
        "Etc/GMT0",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "GMT0",
        "GMT+0",
        "GMT-0",
        "Etc/Greenwich",
        "Greenwich",
    ];
    // IANA zones without daylight saving time under their current rules.
    const FIXED: &[(&str, i32)] = &[
        ("Africa/Johannesburg", 120),
        ("Africa/Lagos", 60),
        ("Africa/Nairobi", 180),
        ("America/Argentina/Buenos_Aires", -180),
        ("America/Bogota", -300),
        ("America/Lima", -300),
        ("America/Phoenix", -420),
        ("America/Sao_Paulo", -180),
        ("Asia/Bangkok", 420),
        ("Asia/Dhaka", 360),
        ("Asia/Dubai", 240),
        ("Asia/Ho_Chi_Minh", 420),
        ("Asia/Hong_Kong", 480),
        ("Asia/Jakarta", 420),
        ("Asia/Karachi", 300),
        ("Asia/Kathmandu", 345),
        ("Asia/Kolkata", 330),
        ("Asia/Manila", 480),
        ("Asia/Riyadh", 180),
        ("Asia/Seoul", 540),
        ("Asia/Shanghai", 480),
        ("Asia/Singapore", 480),
        ("Asia/Taipei", 480),
        ("Asia/Tokyo", 540),
        ("Australia/Brisbane", 600),
        ("Australia/Darwin", 570),
        ("Australia/Perth", 480),
        ("Europe/Istanbul", 180),
        ("Europe/Moscow", 180),
        ("Pacific/Honolulu", -600),
        ("Pacific/Tahiti", -600),
    ];
    if UTC.contains(&name) {
        return Ok(0);
    }
    if let Some(&(_, minutes)) = FIXED.iter().find(|(n, _)| *n == name) {
        return Ok(minutes * 60);
    }
    // POSIX signs: Etc/GMT+9 is nine hours behind UTC.
    let etc = |sign: char, max: i32| {
        name.strip_prefix("Etc/GMT")
            .and_then(|r| r.strip_prefix(sign))
            .and_then(|n| n.parse::<i32>().ok())
            .filter(|n| (1..=max).contains(n))
    };
    if let Some(h) = etc('+', 12) {
        return Ok(-h * 3600);
    }
    if let Some(h) = etc('-', 14) {
        return Ok(h * 3600);
    }
    Err(ScalingError::Validation(format!(
        "Timezone {name} is not supported: emul schedules in UTC, Etc/GMT±N and IANA time zones without daylight saving time (such as Asia/Tokyo or America/Phoenix)"
    )))
}

fn local(t: Secs, offset: i32) -> Option<PrimitiveDateTime> {
    let dt = OffsetDateTime::from_unix_timestamp(t.floor() as i64 + i64::from(offset)).ok()?;
    Some(PrimitiveDateTime::new(dt.date(), dt.time()))
}

fn utc(t: PrimitiveDateTime, offset: i32) -> Secs {
    (t.assume_utc().unix_timestamp() - i64::from(offset)) as f64
}

/// When a schedule fires next, strictly after `after`, within
/// `[start, end]`; `anchor` is where a rate counts its periods from.
/// `None`: never again.
pub fn next_fire(
    schedule: &Schedule,
    offset: i32,
    start: Option<Secs>,
    end: Option<Secs>,
    anchor: Secs,
    after: Secs,
) -> Option<Secs> {
    let next = match schedule {
        Schedule::At(at) => {
            let t = utc(*at, offset);
            (t > after && start.is_none_or(|s| t >= s)).then_some(t)?
        }
        Schedule::Rate(period) => {
            let period = *period as f64;
            let n = ((after - anchor) / period).floor().max(0.0) + 1.0;
            let mut t = anchor + n * period;
            if t <= after {
                t += period;
            }
            if let Some(s) = start
                && t < s
            {
                t += ((s - t) / period).ceil() * period;
            }
            t
        }
        Schedule::Cron(cron) => {
            // Start on a minute boundary counts, hence the second before it.
            let from = start.map_or(after, |s| after.max(s - 1.0));
            utc(cron.next_after(local(from, offset)?)?, offset)
        }
    };
    end.is_none_or(|e| next <= e).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(s: &str) -> Secs {
        let fmt =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        PrimitiveDateTime::parse(s, &fmt)
            .unwrap()
            .assume_utc()
            .unix_timestamp() as f64
    }

    fn next(schedule: &str, after: &str) -> Option<Secs> {
        next_fire(&parse(schedule).unwrap(), 0, None, None, 0.0, epoch(after))
    }

    fn message(schedule: &str) -> String {
        parse(schedule).unwrap_err().to_string()
    }

    #[test]
    fn parses_the_three_forms_and_names_the_parameter_when_wrong() {
        assert!(matches!(
            parse("at(2030-01-02T03:04:05)"),
            Ok(Schedule::At(_))
        ));
        assert_eq!(parse("rate(1 minute)").unwrap(), Schedule::Rate(60));
        assert_eq!(parse("rate(2 hours)").unwrap(), Schedule::Rate(7200));
        assert_eq!(parse("rate(3 days)").unwrap(), Schedule::Rate(259_200));
        assert!(matches!(
            parse("cron(0 8 ? * MON-FRI *)"),
            Ok(Schedule::Cron(_))
        ));
        for bad in [
            "at(2030-01-02 03:04:05)",
            "at(2030-13-02T03:04:05)",
            "rate(0 minutes)",
            "rate(5 seconds)",
            "rate(five minutes)",
            "cron(0 8 * * ?)",
            "cron(0 8 * * * *)",
            "cron(0 8 ? * ? *)",
            "cron(60 8 * * ? *)",
            "cron(0 24 * * ? *)",
            "cron(0 8 32 * ? *)",
            "cron(0 8 ? FOO * *)",
            "cron(0 8 ? * 8 *)",
            "cron(0 8 5-1 * ? *)",
            "cron(*/0 8 * * ? *)",
            "cron(0 8 * * ? 1969)",
            "every day",
            "",
        ] {
            let m = message(bad);
            assert!(
                m.starts_with(&format!("Schedule {bad} is not valid")),
                "{bad}: {m}"
            );
        }
    }

    #[test]
    fn at_fires_once_at_its_local_time() {
        let at = parse("at(2030-01-02T03:04:05)").unwrap();
        let t = epoch("2030-01-02T03:04:05");
        assert_eq!(next_fire(&at, 0, None, None, 0.0, t - 10.0), Some(t));
        assert_eq!(next_fire(&at, 0, None, None, 0.0, t), None);
        // In Asia/Tokyo (UTC+9) the same wall time is nine hours earlier.
        let tokyo = timezone("Asia/Tokyo").unwrap();
        assert_eq!(
            next_fire(&at, tokyo, None, None, 0.0, t - 86_400.0),
            Some(t - 9.0 * 3600.0)
        );
        // Outside StartTime/EndTime: never.
        assert_eq!(next_fire(&at, 0, Some(t + 1.0), None, 0.0, 0.0), None);
        assert_eq!(next_fire(&at, 0, None, Some(t - 1.0), 0.0, 0.0), None);
    }

    #[test]
    fn rate_counts_periods_from_its_anchor_within_the_window() {
        let r = parse("rate(5 minutes)").unwrap();
        assert_eq!(next_fire(&r, 0, None, None, 1000.0, 1000.0), Some(1300.0));
        assert_eq!(next_fire(&r, 0, None, None, 1000.0, 1299.0), Some(1300.0));
        assert_eq!(next_fire(&r, 0, None, None, 1000.0, 1300.0), Some(1600.0));
        // A late tick skips the missed runs: the next one is still on the grid.
        assert_eq!(next_fire(&r, 0, None, None, 1000.0, 2250.0), Some(2500.0));
        // Anchored at a future StartTime: one period after it.
        assert_eq!(
            next_fire(&r, 0, Some(5000.0), None, 5000.0, 1000.0),
            Some(5300.0)
        );
        assert_eq!(next_fire(&r, 0, None, Some(1500.0), 1000.0, 1300.0), None);
    }

    #[test]
    fn cron_finds_the_next_named_minute() {
        assert_eq!(
            next("cron(30 6 ? * MON *)", "2024-05-01T00:00:00"), // a Wednesday
            Some(epoch("2024-05-06T06:30:00"))
        );
        assert_eq!(
            next("cron(0 8 ? * MON-FRI *)", "2024-05-03T08:00:00"), // Friday 8:00 done
            Some(epoch("2024-05-06T08:00:00"))
        );
        assert_eq!(
            next("cron(*/15 * * * ? *)", "2024-05-01T10:07:59"),
            Some(epoch("2024-05-01T10:15:00"))
        );
        assert_eq!(
            next("cron(5,35 9-10 * * ? *)", "2024-05-01T10:35:00"),
            Some(epoch("2024-05-02T09:05:00"))
        );
        assert_eq!(
            next("cron(0 0 1 JAN,JUL ? *)", "2024-02-01T00:00:00"),
            Some(epoch("2024-07-01T00:00:00"))
        );
        assert_eq!(
            next("cron(0 12 * * ? 2026)", "2024-02-01T00:00:00"),
            Some(epoch("2026-01-01T12:00:00"))
        );
        assert_eq!(next("cron(0 12 * * ? 2020)", "2024-02-01T00:00:00"), None);
        assert_eq!(next("cron(0 0 30 FEB ? *)", "2024-01-01T00:00:00"), None);
        // Lowercase names, steps from a value.
        assert_eq!(
            next("cron(10/20 0 ? * sun *)", "2024-05-05T00:30:00"), // a Sunday
            Some(epoch("2024-05-05T00:50:00"))
        );
    }

    #[test]
    fn cron_last_weekday_and_nth() {
        // L: the last day of February in a leap year.
        assert_eq!(
            next("cron(0 0 L * ? *)", "2024-02-01T00:00:00"),
            Some(epoch("2024-02-29T00:00:00"))
        );
        // LW: the last weekday of August 2024 (31st is a Saturday).
        assert_eq!(
            next("cron(0 0 LW * ? *)", "2024-08-01T00:00:00"),
            Some(epoch("2024-08-30T00:00:00"))
        );
        // 15W: June 15 2024 is a Saturday → Friday 14th; 1W on Sat June 1 → Mon 3rd.
        assert_eq!(
            next("cron(0 0 15W * ? *)", "2024-06-01T00:00:00"),
            Some(epoch("2024-06-14T00:00:00"))
        );
        assert_eq!(
            next("cron(0 0 1W * ? *)", "2024-05-31T00:00:00"),
            Some(epoch("2024-06-03T00:00:00"))
        );
        // 6L: the last Friday of May 2024; 2#1: the first Monday of June.
        assert_eq!(
            next("cron(0 0 ? * 6L *)", "2024-05-01T00:00:00"),
            Some(epoch("2024-05-31T00:00:00"))
        );
        assert_eq!(
            next("cron(0 0 ? * MON#1 *)", "2024-05-07T00:00:00"),
            Some(epoch("2024-06-03T00:00:00"))
        );
    }

    #[test]
    fn cron_runs_in_the_time_zone_and_the_window() {
        let c = parse("cron(0 9 * * ? *)").unwrap();
        let tokyo = timezone("Asia/Tokyo").unwrap();
        // 09:00 in Tokyo is 00:00 UTC.
        assert_eq!(
            next_fire(&c, tokyo, None, None, 0.0, epoch("2024-05-01T01:00:00")),
            Some(epoch("2024-05-02T00:00:00"))
        );
        let behind = timezone("Etc/GMT+5").unwrap();
        assert_eq!(behind, -5 * 3600);
        assert_eq!(
            next_fire(&c, behind, None, None, 0.0, epoch("2024-05-01T00:00:00")),
            Some(epoch("2024-05-01T14:00:00"))
        );
        // A StartTime on the minute itself counts.
        let start = epoch("2024-06-01T09:00:00");
        assert_eq!(
            next_fire(&c, 0, Some(start), None, 0.0, epoch("2024-05-01T00:00:00")),
            Some(start)
        );
        let end = epoch("2024-05-01T08:59:59");
        assert_eq!(
            next_fire(&c, 0, None, Some(end), 0.0, epoch("2024-05-01T00:00:00")),
            None
        );
    }

    #[test]
    fn time_zones_are_fixed_offsets_or_refused() {
        assert_eq!(timezone("UTC").unwrap(), 0);
        assert_eq!(timezone("Etc/GMT").unwrap(), 0);
        assert_eq!(timezone("Etc/GMT-14").unwrap(), 14 * 3600);
        assert_eq!(timezone("Asia/Kolkata").unwrap(), 330 * 60);
        assert_eq!(timezone("Pacific/Tahiti").unwrap(), -10 * 3600);
        for bad in [
            "Europe/London",
            "America/New_York",
            "Etc/GMT+13",
            "Mars/Olympus",
            "",
        ] {
            let e = timezone(bad).unwrap_err();
            assert_eq!(e.code(), "ValidationException");
            assert!(
                e.to_string()
                    .starts_with(&format!("Timezone {bad} is not supported"))
            );
        }
    }
}
