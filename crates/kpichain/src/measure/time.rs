//! Time for measures: fixed UTC offsets, assessment periods (考核周期) as half-open intervals,
//! and the strict parsing of timestamps, dates and spans found in records and conditions.
//!
//! Timestamps are instants stored as `i64` microseconds since 1970-01-01T00:00:00Z. Dates are
//! calendar days stored as `i32` days since 1970-01-01, with no time zone. The only time zone
//! is the plan's fixed offset from UTC: there is no time-zone database and no I/O.

use chrono::{DateTime, Datelike, NaiveDate};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::decimal::parse_decimal;

pub(crate) const MICROS_PER_SECOND: i64 = 1_000_000;
pub(crate) const MICROS_PER_HOUR: i64 = 3_600_000_000;
pub(crate) const MICROS_PER_DAY: i64 = 86_400_000_000;
/// chrono counts 0001-01-01 as day 1 of the Common Era; 1970-01-01 is day 719 163.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Implements `Serialize`, `Deserialize` (through `FromStr`) and a string `JsonSchema` with a
/// pattern for a type that reads and prints as text.
macro_rules! text_type {
    ($ty:ty, $name:literal, $pattern:literal, $description:literal) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $description,
                })
            }
        }
    };
}
pub(crate) use text_type;

/// A fixed offset from UTC, the explicit time zone of a plan (`+08:00` for China Standard
/// Time). Periods start at local midnight in this offset, and timestamps written without an
/// offset (`2022-01-31 23:30`) are read in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UtcOffset {
    seconds: i32,
}

impl UtcOffset {
    /// Coordinated Universal Time, `+00:00`.
    pub const UTC: UtcOffset = UtcOffset { seconds: 0 };

    /// An offset of `minutes` east of UTC (negative for west), less than 24 hours either way.
    pub fn from_minutes(minutes: i32) -> Result<UtcOffset, String> {
        if minutes.unsigned_abs() >= 24 * 60 {
            return Err(format!(
                "an offset of {minutes} minutes is not less than 24 hours"
            ));
        }
        Ok(UtcOffset {
            seconds: minutes.saturating_mul(60),
        })
    }

    /// Seconds east of UTC.
    pub fn seconds(self) -> i32 {
        self.seconds
    }

    fn micros(self) -> i64 {
        i64::from(self.seconds).saturating_mul(MICROS_PER_SECOND)
    }
}

impl FromStr for UtcOffset {
    type Err = String;

    /// Reads `Z` or `±HH:MM` (`+08:00`, `-05:30`).
    fn from_str(text: &str) -> Result<UtcOffset, String> {
        let bad = || format!("\"{text}\" is not a UTC offset (write it as +08:00, -05:30 or Z)");
        if text == "Z" {
            return Ok(UtcOffset::UTC);
        }
        let b = text.as_bytes();
        let negative = match b.first() {
            Some(b'+') => false,
            Some(b'-') => true,
            _ => return Err(bad()),
        };
        if b.len() != 6 || b.get(3) != Some(&b':') {
            return Err(bad());
        }
        let hours = text.get(1..3).and_then(digits).ok_or_else(bad)?;
        let minutes = text.get(4..6).and_then(digits).ok_or_else(bad)?;
        if hours > 23 || minutes > 59 {
            return Err(bad());
        }
        let total =
            i32::try_from(hours.saturating_mul(60).saturating_add(minutes)).map_err(|_| bad())?;
        UtcOffset::from_minutes(if negative {
            total.saturating_neg()
        } else {
            total
        })
    }
}

impl fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.seconds < 0 { '-' } else { '+' };
        let minutes = self.seconds.unsigned_abs() / 60;
        write!(f, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

text_type!(
    UtcOffset,
    "UtcOffset",
    "^(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
    "A fixed offset from UTC such as `+08:00`; no time-zone database is used."
);

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// A calendar month, `2022-03`.
    Month,
    /// A calendar quarter, `2022-Q1` (January to March).
    Quarter,
    /// A calendar year, `2022`.
    Year,
}

/// An assessment period (考核周期): a calendar month (`2022-03`), quarter (`2022-Q1`) or year
/// (`2022`), years 1 to 9999.
///
/// In a time zone it is the half-open interval from local midnight of its first day to local
/// midnight of the next period's first day, so a record exactly on a boundary belongs to the
/// later period.
///
/// ```
/// use kpichain::measure::Period;
/// let march: Period = "2022-03".parse()?;
/// assert_eq!(march.previous().map(|p| p.to_string()), Some("2022-02".to_string()));
/// assert_eq!(march.same_period_last_year().map(|p| p.to_string()), Some("2021-03".to_string()));
/// assert_eq!("2022-Q1".parse::<Period>()?.previous().map(|p| p.to_string()), Some("2021-Q4".to_string()));
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    kind: PeriodKind,
    year: i32,
    /// Month 1..=12, quarter 1..=4, or 1 for a year.
    number: u32,
}

impl Period {
    /// The month `month` (1..=12) of `year`.
    pub fn month(year: i32, month: u32) -> Result<Period, String> {
        Period::new(PeriodKind::Month, year, month)
    }

    /// The quarter `quarter` (1..=4) of `year`.
    pub fn quarter(year: i32, quarter: u32) -> Result<Period, String> {
        Period::new(PeriodKind::Quarter, year, quarter)
    }

    /// The calendar year `year`.
    pub fn year(year: i32) -> Result<Period, String> {
        Period::new(PeriodKind::Year, year, 1)
    }

    fn new(kind: PeriodKind, year: i32, number: u32) -> Result<Period, String> {
        if !(1..=9999).contains(&year) {
            return Err(format!("year {year} is outside 1 to 9999"));
        }
        let last = match kind {
            PeriodKind::Month => 12,
            PeriodKind::Quarter => 4,
            PeriodKind::Year => 1,
        };
        if !(1..=last).contains(&number) {
            let what = match kind {
                PeriodKind::Month => "month",
                PeriodKind::Quarter => "quarter",
                PeriodKind::Year => "year number",
            };
            return Err(format!("{what} {number} is outside 1 to {last}"));
        }
        Ok(Period { kind, year, number })
    }

    /// Month, quarter or year.
    pub fn kind(self) -> PeriodKind {
        self.kind
    }

    /// The calendar year the period lies in.
    pub fn year_number(self) -> i32 {
        self.year
    }

    /// The period before this one of the same kind (`2022-01` → `2021-12`, `2022-Q1` →
    /// `2021-Q4`, `2022` → `2021`); `None` before year 1.
    pub fn previous(self) -> Option<Period> {
        if self.number > 1 {
            Some(Period {
                number: self.number.saturating_sub(1),
                ..self
            })
        } else {
            let last = match self.kind {
                PeriodKind::Month => 12,
                PeriodKind::Quarter => 4,
                PeriodKind::Year => 1,
            };
            Period::new(self.kind, self.year.checked_sub(1)?, last).ok()
        }
    }

    /// The same month, quarter or year one year earlier; `None` before year 1.
    pub fn same_period_last_year(self) -> Option<Period> {
        Period::new(self.kind, self.year.checked_sub(1)?, self.number).ok()
    }

    /// The first month of the period (1..=12).
    fn first_month(self) -> u32 {
        match self.kind {
            PeriodKind::Month => self.number,
            PeriodKind::Quarter => self
                .number
                .saturating_sub(1)
                .saturating_mul(3)
                .saturating_add(1),
            PeriodKind::Year => 1,
        }
    }

    /// The year and month just after the period.
    fn end_month(self) -> (i32, u32) {
        let months = match self.kind {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Year => 12,
        };
        let next = self.first_month().saturating_add(months);
        if next > 12 {
            (self.year.saturating_add(1), next.saturating_sub(12))
        } else {
            (self.year, next)
        }
    }

    /// The first day, `YYYY-MM-DD` (`2022-Q2` → `2022-04-01`).
    pub fn first_day(self) -> String {
        format!("{:04}-{:02}-01", self.year, self.first_month())
    }

    /// The period as days since 1970-01-01, `[first day, first day of the next period)`.
    pub(crate) fn day_range(self) -> Option<(i32, i32)> {
        let (end_year, end_month) = self.end_month();
        Some((
            days_from_civil(self.year, self.first_month(), 1)?,
            days_from_civil(end_year, end_month, 1)?,
        ))
    }

    /// The period as microseconds since the Unix epoch in `tz`, `[start, end)`.
    pub(crate) fn micros_range(self, tz: UtcOffset) -> Option<(i64, i64)> {
        let (start, end) = self.day_range()?;
        let at = |days: i32| {
            i64::from(days)
                .checked_mul(MICROS_PER_DAY)?
                .checked_sub(tz.micros())
        };
        Some((at(start)?, at(end)?))
    }
}

impl FromStr for Period {
    type Err = String;

    /// Reads `2022-03`, `2022-Q1` (or `2022-q1`) or `2022`.
    fn from_str(text: &str) -> Result<Period, String> {
        let bad = || {
            format!(
                "\"{text}\" is not a period (write a month as 2022-03, a quarter as 2022-Q1 or a year as 2022)"
            )
        };
        let year = text
            .get(..4)
            .and_then(digits)
            .and_then(|y| i32::try_from(y).ok())
            .ok_or_else(bad)?;
        let rest = text.get(4..).ok_or_else(bad)?;
        let period = if rest.is_empty() {
            Period::year(year)
        } else if let Some(q) = rest.strip_prefix("-Q").or_else(|| rest.strip_prefix("-q")) {
            if q.len() != 1 {
                return Err(bad());
            }
            Period::quarter(year, digits(q).ok_or_else(bad)?)
        } else if let Some(m) = rest.strip_prefix('-') {
            if m.len() != 2 {
                return Err(bad());
            }
            Period::month(year, digits(m).ok_or_else(bad)?)
        } else {
            return Err(bad());
        };
        period.map_err(|e| format!("\"{text}\" is not a period: {e}"))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Month => write!(f, "{:04}-{:02}", self.year, self.number),
            PeriodKind::Quarter => write!(f, "{:04}-Q{}", self.year, self.number),
            PeriodKind::Year => write!(f, "{:04}", self.year),
        }
    }
}

text_type!(
    Period,
    "Period",
    "^[0-9]{4}(-(0[1-9]|1[0-2])|-[Qq][1-4])?$",
    "An assessment period: a month `2022-03`, a quarter `2022-Q1` or a year `2022`."
);

/// Non-empty ASCII digits as a number.
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_from_civil(year: i32, month: u32, day: u32) -> Option<i32> {
    days_since_epoch(NaiveDate::from_ymd_opt(year, month, day)?)
}

fn days_since_epoch(date: NaiveDate) -> Option<i32> {
    date.num_days_from_ce().checked_sub(UNIX_EPOCH_DAYS_FROM_CE)
}

/// Reads exactly `YYYY-MM-DD` as a calendar date.
fn parse_ymd(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(s.get(0..4).and_then(digits)?).ok()?;
    NaiveDate::from_ymd_opt(
        year,
        s.get(5..7).and_then(digits)?,
        s.get(8..10).and_then(digits)?,
    )
}

/// Reads `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` as microseconds since midnight; digits of
/// the fraction beyond microseconds are dropped.
fn parse_time_of_day(s: &str) -> Option<i64> {
    let (main, fraction) = match s.split_once('.') {
        Some((main, fraction)) => (main, Some(fraction)),
        None => (s, None),
    };
    let b = main.as_bytes();
    if b.get(2) != Some(&b':') {
        return None;
    }
    let hours = main.get(0..2).and_then(digits)?;
    let minutes = main.get(3..5).and_then(digits)?;
    let seconds = match b.len() {
        5 if fraction.is_none() => 0,
        8 if b.get(5) == Some(&b':') => main.get(6..8).and_then(digits)?,
        _ => return None,
    };
    if hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    let mut micros = 0i64;
    if let Some(fraction) = fraction {
        if fraction.is_empty()
            || fraction.len() > 9
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        for (i, d) in fraction.bytes().take(6).enumerate() {
            let place = 10i64.checked_pow(5u32.checked_sub(u32::try_from(i).ok()?)?)?;
            micros = micros.checked_add(i64::from(d.checked_sub(b'0')?).checked_mul(place)?)?;
        }
    }
    let secs = i64::from(hours)
        .checked_mul(3600)?
        .checked_add(i64::from(minutes).checked_mul(60)?)?
        .checked_add(i64::from(seconds))?;
    secs.checked_mul(MICROS_PER_SECOND)?.checked_add(micros)
}

/// Parses a timestamp cell or literal as microseconds since the Unix epoch.
///
/// Accepted forms:
/// - RFC 3339 with an offset: `2022-01-31T23:30:00+08:00`, `2022-01-31T15:30:00Z` (a space
///   may replace the `T`);
/// - a local date and time without an offset, read in `tz`: `2022-01-31 23:30`,
///   `2022-01-31 23:30:00`, `2022-01-31T23:30:00.250`.
///
/// Fractions finer than a microsecond are dropped (toward the past). A date without a time
/// is refused: declare such a field as a date instead.
pub fn parse_timestamp(text: &str, tz: UtcOffset) -> Result<i64, String> {
    parse_timestamp_in(text, tz).map(|(micros, _)| micros)
}

/// Parses a timestamp as [`parse_timestamp`] does, and says whether it was local (read in
/// `tz`) rather than carrying its own offset.
pub(crate) fn parse_timestamp_in(text: &str, tz: UtcOffset) -> Result<(i64, bool), String> {
    let s = text.trim();
    let example = "write 2022-01-31 23:30[:00] in the plan's time zone, or RFC 3339 such as 2022-01-31T23:30:00+08:00";
    if s.len() == 10 && parse_ymd(s).is_some() {
        return Err(format!(
            "\"{s}\" is a date without a time ({example}, or declare the field as a date)"
        ));
    }
    let date_part = s.get(..10).unwrap_or("");
    let separator = s.as_bytes().get(10).copied();
    let time_part = s.get(11..).unwrap_or("");
    if !matches!(separator, Some(b'T' | b't' | b' ')) {
        return Err(format!("\"{s}\" is not a timestamp ({example})"));
    }
    let has_offset = time_part.ends_with(['Z', 'z']) || time_part.contains(['+', '-']);
    if has_offset {
        return DateTime::parse_from_rfc3339(s)
            .map(|t| (t.timestamp_micros(), false))
            .map_err(|e| format!("\"{s}\" is not a valid RFC 3339 timestamp ({e}); {example}"));
    }
    let Some(date) = parse_ymd(date_part) else {
        return Err(format!(
            "\"{s}\" does not start with a valid date YYYY-MM-DD ({example})"
        ));
    };
    let Some(time) = parse_time_of_day(time_part) else {
        return Err(format!(
            "\"{s}\" does not have a valid time HH:MM[:SS] ({example})"
        ));
    };
    days_since_epoch(date)
        .and_then(|d| i64::from(d).checked_mul(MICROS_PER_DAY))
        .and_then(|m| m.checked_add(time))
        .and_then(|m| m.checked_sub(tz.micros()))
        .map(|m| (m, true))
        .ok_or_else(|| format!("\"{s}\" is out of range"))
}

/// Parses a date cell or literal `YYYY-MM-DD` as days since 1970-01-01.
pub fn parse_date(text: &str) -> Result<i32, String> {
    let s = text.trim();
    parse_ymd(s)
        .and_then(days_since_epoch)
        .ok_or_else(|| format!("\"{s}\" is not a date (write it as YYYY-MM-DD, e.g. 2022-01-31)"))
}

/// Parses a boolean cell: `true`/`false` in any letter case, or `1`/`0`.
pub fn parse_boolean(text: &str) -> Result<bool, String> {
    let s = text.trim();
    if s == "1" || s.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if s == "0" || s.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(format!("\"{s}\" is not a boolean (write true or false)"))
    }
}

/// Parses a span such as `24h`, `-30m`, `1.5h`, `3d` or `90s` as microseconds.
pub(crate) fn parse_span_micros(text: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "\"{text}\" is not a span of time (write a number and a unit: d, h, m or s, e.g. 24h)"
        )
    };
    let s = text.trim();
    let unit = s.chars().last().ok_or_else(bad)?;
    let unit_micros: i64 = match unit {
        'd' => MICROS_PER_DAY,
        'h' => MICROS_PER_HOUR,
        'm' => 60 * MICROS_PER_SECOND,
        's' => MICROS_PER_SECOND,
        _ => return Err(bad()),
    };
    let number = s.strip_suffix(unit).ok_or_else(bad)?;
    let n = parse_decimal(number).map_err(|_| bad())?;
    let micros = n.checked_mul(Decimal::from(unit_micros)).ok_or_else(bad)?;
    if !micros.fract().is_zero() {
        return Err(format!("\"{text}\" is finer than a microsecond"));
    }
    i64::try_from(micros).map_err(|_| bad())
}

/// Parses a whole number of days such as `3d` or `-1d`.
pub(crate) fn parse_span_days(text: &str) -> Result<i32, String> {
    let s = text.trim();
    s.strip_suffix('d')
        .and_then(|n| n.parse::<i32>().ok())
        .ok_or_else(|| {
            format!("\"{text}\" is not a whole number of days (write e.g. 3d; date fields have no hours)")
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;

    const CST: UtcOffset = UtcOffset { seconds: 8 * 3600 };

    #[test]
    fn first_days_of_periods() {
        let first = |p: &str| p.parse::<Period>().map(Period::first_day);
        assert_eq!(first("2022-03").unwrap(), "2022-03-01");
        assert_eq!(first("2022-Q2").unwrap(), "2022-04-01");
        assert_eq!(first("2022-q4").unwrap(), "2022-10-01");
        assert_eq!(first("2022").unwrap(), "2022-01-01");
        assert!(first("March").is_err());
    }

    fn micros(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros()
    }

    #[test]
    fn offsets_read_and_print() {
        assert_eq!("+08:00".parse::<UtcOffset>().unwrap(), CST);
        assert_eq!("Z".parse::<UtcOffset>().unwrap().to_string(), "+00:00");
        assert_eq!("-05:30".parse::<UtcOffset>().unwrap().seconds(), -19800);
        assert_eq!("-05:30".parse::<UtcOffset>().unwrap().to_string(), "-05:30");
        for bad in [
            "",
            "8",
            "+8:00",
            "+24:00",
            "+08:60",
            "UTC",
            "+0800",
            "Asia/Shanghai",
        ] {
            assert!(bad.parse::<UtcOffset>().is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_read_print_and_step() {
        for text in ["2022-03", "2022-Q1", "2022", "0001-01", "9999-12"] {
            assert_eq!(text.parse::<Period>().unwrap().to_string(), text);
        }
        assert_eq!("2022-q4".parse::<Period>().unwrap().to_string(), "2022-Q4");
        for bad in [
            "2022-13", "2022-00", "2022-Q5", "2022-Q0", "22-01", "2022-1", "2022/01", "0000",
            "2022-Q12", "",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        let p = |s: &str| s.parse::<Period>().unwrap();
        assert_eq!(p("2022-01").previous(), Some(p("2021-12")));
        assert_eq!(p("2022-Q1").previous(), Some(p("2021-Q4")));
        assert_eq!(p("2022-Q3").previous(), Some(p("2022-Q2")));
        assert_eq!(p("2022").previous(), Some(p("2021")));
        assert_eq!(p("2022-Q2").same_period_last_year(), Some(p("2021-Q2")));
        assert_eq!(p("0001-01").previous(), None);
        assert_eq!(p("0001").same_period_last_year(), None);
    }

    #[test]
    fn period_ranges_are_half_open_in_the_time_zone() {
        let p = |s: &str| s.parse::<Period>().unwrap();
        assert_eq!(
            p("2022-01").micros_range(CST).unwrap(),
            (
                micros("2022-01-01T00:00:00+08:00"),
                micros("2022-02-01T00:00:00+08:00")
            )
        );
        assert_eq!(
            p("2022-Q4").micros_range(UtcOffset::UTC).unwrap(),
            (
                micros("2022-10-01T00:00:00Z"),
                micros("2023-01-01T00:00:00Z")
            )
        );
        assert_eq!(
            p("2024-02").day_range().unwrap().1 - p("2024-02").day_range().unwrap().0,
            29
        );
        assert_eq!(
            p("2022").day_range().unwrap().1 - p("2022").day_range().unwrap().0,
            365
        );
        assert!(p("9999-12").micros_range(CST).is_some());
    }

    #[test]
    fn timestamps_local_and_rfc3339() {
        let want = micros("2022-01-31T23:30:00+08:00");
        for text in [
            "2022-01-31 23:30",
            "2022-01-31 23:30:00",
            "2022-01-31T23:30:00",
            " 2022-01-31 23:30:00.000 ",
            "2022-01-31T23:30:00+08:00",
            "2022-01-31 15:30:00Z",
            "2022-01-31T10:30:00-05:00",
        ] {
            assert_eq!(parse_timestamp(text, CST).unwrap(), want, "{text}");
        }
        assert_eq!(
            parse_timestamp("2022-01-31 23:30:00.1234569", CST).unwrap(),
            want + 123_456
        );
        assert_eq!(
            parse_timestamp("2022-01-31 23:30", UtcOffset::UTC).unwrap(),
            want + 8 * MICROS_PER_HOUR
        );
    }

    #[test]
    fn bad_timestamps_say_why() {
        for (text, hint) in [
            ("2022-01-31", "date without a time"),
            ("2022-02-30 10:00", "valid date"),
            ("2022-01-31 24:00", "valid time"),
            ("2022-01-31 23:30:00+25:00", "RFC 3339"),
            ("2022-01-31T23:30+08:00", "RFC 3339"),
            ("31/01/2022 23:30", "valid date"),
            ("", "not a timestamp"),
            ("2022-01-31 23:3", "valid time"),
            ("2022-01-31 23:30:00.", "valid time"),
            ("２０２２-01-31 23:30", "not a timestamp"),
        ] {
            let err = parse_timestamp(text, CST).unwrap_err();
            assert!(err.contains(hint), "{text}: {err}");
        }
    }

    #[test]
    fn dates_booleans_and_spans() {
        assert_eq!(parse_date("1970-01-02").unwrap(), 1);
        assert_eq!(parse_date("1969-12-31").unwrap(), -1);
        assert!(parse_date("2022-02-29").is_err());
        assert!(parse_date("2022-2-1").is_err());
        assert!(parse_boolean("TRUE").unwrap());
        assert!(!parse_boolean("0").unwrap());
        assert!(parse_boolean("yes").is_err());
        assert_eq!(parse_span_micros("24h").unwrap(), 24 * MICROS_PER_HOUR);
        assert_eq!(
            parse_span_micros("-1.5h").unwrap(),
            -90 * 60 * MICROS_PER_SECOND
        );
        assert_eq!(parse_span_micros("3d").unwrap(), 3 * MICROS_PER_DAY);
        assert!(parse_span_micros("24").is_err());
        assert!(parse_span_micros("h").is_err());
        assert!(parse_span_micros("0.0000001s").is_err());
        assert!(parse_span_micros("99999999999999999999d").is_err());
        assert_eq!(parse_span_days("-2d").unwrap(), -2);
        assert!(parse_span_days("2h").is_err());
    }
}
