//! Working days: weekdays that are neither a bank holiday of the organisation's nation nor a day
//! it has said it is closed (INSET days, school holidays). Paper is due back by the next working
//! day, so a file signed out on Christmas Eve is due after Boxing Day, not on Christmas Day.
//!
//! The UK's regular bank holidays follow fixed rules (with "substitute days" when one falls on a
//! weekend), so they are worked out for any year rather than listed. One-off holidays (a royal
//! occasion) are not known in advance: add them as closure days.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::error::Error;

/// Whose bank holidays apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Nation {
    #[default]
    EnglandWales,
    Scotland,
    NorthernIreland,
}

impl Nation {
    pub const ALL: [Nation; 3] = [Nation::EnglandWales, Nation::Scotland, Nation::NorthernIreland];

    pub fn as_str(self) -> &'static str {
        match self {
            Nation::EnglandWales => "england-wales",
            Nation::Scotland => "scotland",
            Nation::NorthernIreland => "northern-ireland",
        }
    }
}

impl fmt::Display for Nation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Nation::EnglandWales => "England and Wales",
            Nation::Scotland => "Scotland",
            Nation::NorthernIreland => "Northern Ireland",
        })
    }
}

impl FromStr for Nation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Nation, Error> {
        let key = s.trim().to_ascii_lowercase().replace([' ', '_', '&'], "-");
        match key.as_str() {
            "england-wales" | "england-and-wales" | "england" | "wales" => Ok(Nation::EnglandWales),
            "scotland" => Ok(Nation::Scotland),
            "northern-ireland" | "ni" => Ok(Nation::NorthernIreland),
            _ => Err(Error::InvalidText {
                field: "nation",
                why: format!("{s:?} is not one of england-wales, scotland, northern-ireland"),
            }),
        }
    }
}

/// The days the organisation works.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkingDays {
    pub nation: Nation,
    /// Days it is closed besides weekends and bank holidays.
    pub closures: BTreeSet<NaiveDate>,
}

impl WorkingDays {
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        !weekend && !self.closures.contains(&day) && !bank_holidays(self.nation, day.year()).contains(&day)
    }

    /// How many working days come after `from` up to and including `to` (0 when `to` is not
    /// after `from`): a file missing since Friday is one working day missing on Monday.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut count = 0;
        let mut day = from + Duration::days(1);
        while day <= to {
            if self.is_working_day(day) {
                count += 1;
            }
            day += Duration::days(1);
        }
        count
    }

    /// The first working day after `day`.
    pub fn next_working_day(&self, day: NaiveDate) -> NaiveDate {
        let mut next = day + Duration::days(1);
        // Bounded: closures cannot cover more than the days listed.
        for _ in 0..(366 + self.closures.len()) {
            if self.is_working_day(next) {
                return next;
            }
            next += Duration::days(1);
        }
        next
    }
}

/// The regular bank holidays of `nation` in `year`, substitute days included, in date order.
pub fn bank_holidays(nation: Nation, year: i32) -> Vec<NaiveDate> {
    let date = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).unwrap_or_default();
    let easter = easter_sunday(year);
    // Fixed dates: a weekend one moves to the next weekday not already a holiday.
    let mut fixed = vec![date(1, 1)];
    match nation {
        Nation::Scotland => fixed.extend([date(1, 2), date(11, 30)]),
        Nation::NorthernIreland => fixed.extend([date(3, 17), date(7, 12)]),
        Nation::EnglandWales => {}
    }
    fixed.extend([date(12, 25), date(12, 26)]);
    fixed.sort();
    let mut days: Vec<NaiveDate> = Vec::new();
    for day in fixed {
        let mut observed = day;
        while matches!(observed.weekday(), Weekday::Sat | Weekday::Sun) || days.contains(&observed) {
            observed += Duration::days(1);
        }
        days.push(observed);
    }
    // Moveable ones fall on weekdays by rule.
    days.push(easter - Duration::days(2)); // Good Friday
    if nation != Nation::Scotland {
        days.push(easter + Duration::days(1)); // Easter Monday
    }
    days.push(nth_monday(year, 5, 1)); // early May
    days.push(last_monday(year, 5)); // spring
    days.push(match nation {
        Nation::Scotland => nth_monday(year, 8, 1),
        _ => last_monday(year, 8),
    }); // summer
    days.sort();
    days
}

/// Easter Sunday in the Gregorian calendar (the anonymous algorithm, as in Meeus).
fn easter_sunday(year: i32) -> NaiveDate {
    let (a, b, c) = (year % 19, year / 100, year % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

fn nth_monday(year: i32, month: u32, n: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, n as u8).unwrap_or_default()
}

fn last_monday(year: i32, month: u32) -> NaiveDate {
    let fifth = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 5);
    fifth.unwrap_or_else(|| nth_monday(year, month, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(list: &[&str]) -> Vec<NaiveDate> {
        list.iter().map(|d| d.parse().unwrap()).collect()
    }

    #[test]
    fn the_2026_bank_holidays_of_each_nation() {
        assert_eq!(
            bank_holidays(Nation::EnglandWales, 2026),
            days(&[
                "2026-01-01",
                "2026-04-03",
                "2026-04-06",
                "2026-05-04",
                "2026-05-25",
                "2026-08-31",
                "2026-12-25",
                "2026-12-28"
            ])
        );
        assert_eq!(
            bank_holidays(Nation::Scotland, 2026),
            days(&[
                "2026-01-01",
                "2026-01-02",
                "2026-04-03",
                "2026-05-04",
                "2026-05-25",
                "2026-08-03",
                "2026-11-30",
                "2026-12-25",
                "2026-12-28"
            ])
        );
        assert_eq!(
            bank_holidays(Nation::NorthernIreland, 2026),
            days(&[
                "2026-01-01",
                "2026-03-17",
                "2026-04-03",
                "2026-04-06",
                "2026-05-04",
                "2026-05-25",
                "2026-07-13",
                "2026-08-31",
                "2026-12-25",
                "2026-12-28"
            ])
        );
    }

    #[test]
    fn substitute_days_when_christmas_and_new_year_fall_at_a_weekend() {
        // 2027: Christmas on a Saturday, Boxing Day on a Sunday.
        let h = bank_holidays(Nation::EnglandWales, 2027);
        assert!(h.contains(&"2027-12-27".parse().unwrap()) && h.contains(&"2027-12-28".parse().unwrap()));
        // 2028 in Scotland: 1 January on a Saturday, 2 January on a Sunday.
        let s = bank_holidays(Nation::Scotland, 2028);
        assert!(s.contains(&"2028-01-03".parse().unwrap()) && s.contains(&"2028-01-04".parse().unwrap()));
        assert_eq!(easter_sunday(2027), "2027-03-28".parse::<NaiveDate>().unwrap());
    }

    #[test]
    fn the_next_working_day_skips_holidays_and_closures() {
        let mut days = WorkingDays::default();
        let next = |w: &WorkingDays, d: &str| w.next_working_day(d.parse().unwrap()).to_string();
        assert_eq!(
            next(&days, "2026-12-24"),
            "2026-12-29",
            "past Christmas and the substitute Boxing Day"
        );
        assert_eq!(
            next(&days, "2026-04-02"),
            "2026-04-07",
            "past Good Friday and Easter Monday"
        );
        days.nation = Nation::Scotland;
        assert_eq!(next(&days, "2026-04-02"), "2026-04-06", "Scotland has no Easter Monday");
        days.closures.insert("2026-11-23".parse().unwrap()); // an INSET day
        assert_eq!(next(&days, "2026-11-20"), "2026-11-24");
    }
}
