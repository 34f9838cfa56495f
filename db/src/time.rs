//! Time: an injectable clock, the `WHEN` syntax people type, and local display.
//!
//! The database stores UTC milliseconds. People read and type local time (Europe/London unless
//! the database says otherwise), so conversions happen only at the edges.

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::Error;
use crate::calendar::WorkingDays;
use crate::model::ItemKind;

/// Where "now" comes from. Tests use [`FixedClock`] so that no test depends on the date.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The computer's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that says what it is told; `set` moves it.
#[derive(Debug)]
pub struct FixedClock(std::sync::Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(now: DateTime<Utc>) -> Arc<FixedClock> {
        Arc::new(FixedClock(std::sync::Mutex::new(now)))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The zone used when none is configured.
pub const DEFAULT_TIMEZONE: Tz = chrono_tz::Europe::London;

/// Milliseconds since the Unix epoch, as stored.
pub fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The inverse of [`to_millis`]; out-of-range values (only possible in a damaged file) clamp.
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Which end of a day a bare date stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayEdge {
    /// `--at 2026-03-02` and `--from`: the start of the day.
    Start,
    /// `--due 2026-03-02` and `--to`: the end of the day.
    End,
}

/// How a person may write a moment, for placeholders and messages.
pub const WHEN_FORMATS: &str = "31/12/2026, 31/12/2026 14:30, 2026-12-31 or 2026-12-31 14:30";

/// Dates as UK offices write them, and as ISO 8601 has them.
const DATE_FORMATS: [&str; 2] = ["%d/%m/%Y", "%Y-%m-%d"];

/// Parses a date typed by a person: `31/12/2026` or `2026-12-31`.
pub fn parse_date(input: &str) -> Result<NaiveDate, Error> {
    let text = input.trim();
    DATE_FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
        .ok_or_else(|| Error::BadTime {
            input: input.to_string(),
            why: if looks_like_a_date(text) {
                "there is no such date".to_string()
            } else {
                "write a date as 31/12/2026 or 2026-12-31".to_string()
            },
        })
}

/// Parses what a person types for a moment: a date (`31/12/2026`, `2026-12-31`), a date and
/// local time (`31/12/2026 14:30`, `2026-12-31 14:30`), RFC 3339, or `now`, `today`,
/// `tomorrow`, `yesterday`.
pub fn parse_when(input: &str, tz: Tz, edge: DayEdge, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    let text = input.trim();
    let bad = |why: &str| Error::BadTime {
        input: input.to_string(),
        why: why.to_string(),
    };
    let today = now.with_timezone(&tz).date_naive();
    let relative = match text.to_ascii_lowercase().as_str() {
        "now" => return Ok(now),
        "today" => Some(today),
        "tomorrow" => today.succ_opt(),
        "yesterday" => today.pred_opt(),
        _ => None,
    };
    if let Some(day) = relative {
        return day_edge(day, tz, edge).ok_or_else(|| bad("that day cannot be shown in local time"));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Some(day) = DATE_FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
    {
        return day_edge(day, tz, edge).ok_or_else(|| bad("that day cannot be shown in local time"));
    }
    // "01:30 BST", "01:30 GMT", "01:30 +01:00": a local time with its offset said outright.
    let (text, offset) = split_offset(text);
    for format in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
    ] {
        let Ok(local) = NaiveDateTime::parse_from_str(text, format) else {
            continue;
        };
        if let Some(offset) = offset {
            return offset
                .from_local_datetime(&local)
                .single()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| bad("that time cannot be read with that offset"));
        }
        return match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, second) => Err(bad(&format!(
                "{} happens twice that day (the clocks go back): write \u{201c}{text} {}\u{201d} for the first, or \u{201c}{text} {}\u{201d} for the second",
                local.format("%H:%M"),
                first.format("%Z"),
                second.format("%Z")
            ))),
            LocalResult::None => Err(bad(&format!(
                "that time does not exist in {tz} (the clocks went forward); use a time an hour later"
            ))),
        };
    }
    if looks_like_a_date(text) {
        return Err(bad("there is no such date"));
    }
    Err(bad(&format!(
        "write it as {WHEN_FORMATS} (local time), or now, today or tomorrow"
    )))
}

/// A trailing "BST", "GMT", "UTC" or "+01:00" on a typed time, taken off and read.
fn split_offset(text: &str) -> (&str, Option<FixedOffset>) {
    let Some((rest, last)) = text.rsplit_once(' ') else {
        return (text, None);
    };
    let hours = |h: i32| FixedOffset::east_opt(h * 3600);
    let offset = match last.to_ascii_uppercase().as_str() {
        "BST" => hours(1),
        "GMT" | "UTC" | "Z" => hours(0),
        other => {
            let (sign, digits) = match other.split_at_checked(1) {
                Some(("+", d)) => (1, d),
                Some(("-", d)) => (-1, d),
                _ => return (text, None),
            };
            let digits = digits.replace(':', "");
            let (h, m) = digits.split_at_checked(2).unwrap_or(("", ""));
            match (h.parse::<i32>(), m.parse::<i32>()) {
                (Ok(h), Ok(m)) if digits.len() == 4 => FixedOffset::east_opt(sign * (h * 3600 + m * 60)),
                _ => None,
            }
        }
    };
    match offset {
        Some(offset) => (rest.trim_end(), Some(offset)),
        None => (text, None),
    }
}

/// Digits and separators in the shape of a date (`2026-13-01`, `31/02/2026`), whether or not
/// such a day exists.
fn looks_like_a_date(text: &str) -> bool {
    let date = text.split([' ', 'T']).next().unwrap_or_default();
    let parts: Vec<&str> = date.split(['-', '/']).collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The last moment of a day as Custody means it, for a bare `--due` date and the default due
/// date of devices alike: 23:59:59 local time.
const END_OF_DAY: (u32, u32, u32) = (23, 59, 59);

fn day_edge(day: NaiveDate, tz: Tz, edge: DayEdge) -> Option<DateTime<Utc>> {
    let local = match edge {
        DayEdge::Start => day.and_hms_opt(0, 0, 0)?,
        DayEdge::End => day.and_hms_opt(END_OF_DAY.0, END_OF_DAY.1, END_OF_DAY.2)?,
    };
    local_to_utc(local, tz)
}

/// How many days late something due at `due` is at `at`, counted as offices count them: in
/// local calendar days (due on Monday, back on Wednesday: two days late, whatever the hours and
/// whatever the clocks did). 0 when it is not late or is late on the day it was due.
pub fn days_late(due: DateTime<Utc>, at: DateTime<Utc>, tz: Tz) -> i64 {
    if at <= due {
        return 0;
    }
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    (day(at) - day(due)).num_days().max(0)
}

/// "2 days", or "5 hours" when late on the day it was due: how late, for people.
pub fn describe_lateness(due: DateTime<Utc>, at: DateTime<Utc>, tz: Tz) -> String {
    match days_late(due, at, tz) {
        0 => describe_span(at - due),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

/// A local wall-clock time in UTC. In the autumn hour that happens twice, the earlier one.
pub fn local_to_utc(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _) => Some(earlier.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// `22/11/2026 15:40` in the given zone, as UK offices write it, for people (screens, tables,
/// PDFs); on a day the clocks change, with the zone (`25/10/2026 01:30 BST`), since an hour
/// that day may happen twice.
pub fn format_local(t: DateTime<Utc>, tz: Tz) -> String {
    format_local_as(t, tz, "%d/%m/%Y %H:%M")
}

/// `2026-11-22 15:40` (ISO 8601's order) in the given zone, for what machines read: CSV, file
/// names.
pub fn format_local_iso(t: DateTime<Utc>, tz: Tz) -> String {
    format_local_as(t, tz, "%Y-%m-%d %H:%M")
}

fn format_local_as(t: DateTime<Utc>, tz: Tz, format: &str) -> String {
    let local = t.with_timezone(&tz);
    let day = local.date_naive();
    let offset_at = |h, m| {
        tz.from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.offset().fix())
    };
    if offset_at(0, 0) != offset_at(23, 59) {
        local.format(&format!("{format} %Z")).to_string()
    } else {
        local.format(format).to_string()
    }
}

/// A due time for people: `27/11/2026, end of day` when it is the day's last minute (as a
/// date typed alone means), else as [`format_local`].
pub fn format_due(t: DateTime<Utc>, tz: Tz) -> String {
    let local = t.with_timezone(&tz);
    if local.format("%H:%M").to_string() == "23:59" {
        format!("{}, end of day", format_date(local.date_naive()))
    } else {
        format_local(t, tz)
    }
}

/// A date as UK offices write it: `31/12/2026`.
pub fn format_date(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// The due date a sign-out gets when none is given: paper is back by 17:00 on the next working
/// day (it should not stay out: weekends, bank holidays and closure days skipped); devices after
/// a week, at the end of that day.
pub fn default_due(kind: ItemKind, out_at: DateTime<Utc>, tz: Tz, working: &WorkingDays) -> DateTime<Utc> {
    let local_day = out_at.with_timezone(&tz).date_naive();
    let (day, hour, minute, second) = if kind == ItemKind::PaperFile {
        (working.next_working_day(local_day), 17, 0, 0)
    } else {
        let (h, m, s) = END_OF_DAY;
        (local_day + Duration::days(7), h, m, s)
    };
    let (day, hour, minute, second) = (day, hour, minute, second);
    day.and_hms_opt(hour, minute, second)
        .and_then(|local| local_to_utc(local, tz))
        .unwrap_or(out_at + Duration::days(7))
}

/// "3 days", "5 hours", "20 minutes": how long a span is, for people.
pub fn describe_span(span: Duration) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if span.num_days() >= 1 {
        plural(span.num_days(), "day")
    } else if span.num_hours() >= 1 {
        plural(span.num_hours(), "hour")
    } else {
        plural(span.num_minutes().max(1), "minute")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn bare_dates_are_local_day_edges() {
        let summer_start = parse_when("2026-07-01", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap();
        assert_eq!(summer_start.to_rfc3339(), "2026-06-30T23:00:00+00:00");
        let winter_end = parse_when("2026-12-01", DEFAULT_TIMEZONE, DayEdge::End, now()).unwrap();
        assert_eq!(winter_end.to_rfc3339(), "2026-12-01T23:59:59+00:00");
    }

    #[test]
    fn local_times_and_rfc3339() {
        let t = parse_when("2026-07-01 09:30", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-01T08:30:00+00:00");
        let t = parse_when("2026-07-01T09:30:00+02:00", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-01T07:30:00+00:00");
        assert_eq!(
            parse_when("now", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap(),
            now()
        );
    }

    #[test]
    fn uk_dates_as_offices_write_them() {
        let day = parse_when("31/12/2026", DEFAULT_TIMEZONE, DayEdge::End, now()).unwrap();
        assert_eq!(format_local(day, DEFAULT_TIMEZONE), "31/12/2026 23:59");
        assert_eq!(format_due(day, DEFAULT_TIMEZONE), "31/12/2026, end of day");
        assert_eq!(format_local_iso(day, DEFAULT_TIMEZONE), "2026-12-31 23:59");
        assert_eq!(format_date(day.date_naive()), "31/12/2026");
        let t = parse_when("01/07/2026 14:30", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-01T13:30:00+00:00");
        assert_eq!(parse_date("31/12/2026").unwrap(), parse_date("2026-12-31").unwrap());
        let err = parse_when("31/02/2026", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap_err();
        assert!(err.to_string().contains("no such date"), "{err}");
        let err = parse_date("next week").unwrap_err();
        assert!(err.to_string().contains("31/12/2026"), "{err}");
    }

    #[test]
    fn days_late_are_calendar_days_across_the_clock_change() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Due at noon: a day later, at 11:00, it is one day late, not "0 days".
        let noon = at("2026-11-20T12:00:00Z");
        assert_eq!(days_late(noon, at("2026-11-21T11:00:00Z"), DEFAULT_TIMEZONE), 1);
        assert_eq!(days_late(noon, at("2026-11-20T18:00:00Z"), DEFAULT_TIMEZONE), 0);
        assert_eq!(
            describe_lateness(noon, at("2026-11-20T18:00:00Z"), DEFAULT_TIMEZONE),
            "6 hours"
        );
        // Across the autumn change (25 October 2026): due at noon BST on the 24th, 10:30 GMT on
        // the 25th is under 24 hours later but the next day, so one day late.
        let due = at("2026-10-24T11:00:00Z");
        assert_eq!(days_late(due, at("2026-10-25T10:30:00Z"), DEFAULT_TIMEZONE), 1);
        // A device's default due date and a bare --due date end at the same moment.
        let bare = parse_when("2026-11-27", DEFAULT_TIMEZONE, DayEdge::End, now()).unwrap();
        assert_eq!(
            default_due(ItemKind::Laptop, now(), DEFAULT_TIMEZONE, &WorkingDays::default()),
            bare
        );
    }

    #[test]
    fn the_autumn_hour_that_happens_twice_is_asked_about() {
        let err = parse_when("2026-10-25 01:30", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap_err();
        let said = err.to_string();
        assert!(
            said.contains("happens twice") && said.contains("01:30 BST") && said.contains("01:30 GMT"),
            "{said}"
        );
        let first = parse_when("25/10/2026 01:30 BST", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap();
        let second = parse_when("2026-10-25 01:30 GMT", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap();
        assert_eq!(second - first, Duration::hours(1));
        assert_eq!(
            parse_when("2026-10-25 01:30 +01:00", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap(),
            first
        );
        // Shown with the zone on that day, so the two cannot be confused; other days as before.
        assert_eq!(format_local(first, DEFAULT_TIMEZONE), "25/10/2026 01:30 BST");
        assert_eq!(format_local(second, DEFAULT_TIMEZONE), "25/10/2026 01:30 GMT");
        assert_eq!(format_local_iso(second, DEFAULT_TIMEZONE), "2026-10-25 01:30 GMT");
        assert_eq!(format_local(now(), DEFAULT_TIMEZONE), "20/11/2026 10:00");
        // What is shown reads back as the same moment.
        for t in [first, second] {
            let shown = format_local(t, DEFAULT_TIMEZONE);
            assert_eq!(parse_when(&shown, DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap(), t);
        }
    }

    #[test]
    fn missing_spring_hour_is_refused_with_a_reason() {
        let err = parse_when("2026-03-29 01:30", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap_err();
        assert!(err.to_string().contains("clocks went forward"), "{err}");
    }

    #[test]
    fn nonsense_says_what_is_accepted() {
        let err = parse_when("next tuesday", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap_err();
        assert!(err.to_string().contains("31/12/2026 14:30"), "{err}");
        let err = parse_when("2026-02-30", DEFAULT_TIMEZONE, DayEdge::Start, now()).unwrap_err();
        assert!(err.to_string().contains("no such date"), "{err}");
    }

    #[test]
    fn paper_is_due_next_working_day_devices_in_a_week() {
        // Friday 2026-11-20 10:00 → paper due Monday 17:00.
        let paper = default_due(ItemKind::PaperFile, now(), DEFAULT_TIMEZONE, &WorkingDays::default());
        assert_eq!(format_due(paper, DEFAULT_TIMEZONE), "23/11/2026 17:00");
        let laptop = default_due(ItemKind::Laptop, now(), DEFAULT_TIMEZONE, &WorkingDays::default());
        assert_eq!(format_due(laptop, DEFAULT_TIMEZONE), "27/11/2026, end of day");
    }
}
