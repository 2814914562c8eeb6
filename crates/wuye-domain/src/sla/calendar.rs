//! Calendars: when the SLA clock counts. 24×7 by default; business-hours
//! calendars have intervals per weekday in a time zone, public holidays (no
//! working time) and extra working days (China's 调休: a Saturday or Sunday
//! worked like a weekday).
//!
//! All arithmetic is exact to the millisecond; civil times are turned into
//! instants with the calendar's zone (jiff's "compatible" rule at DST gaps).

use crate::error::Error;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Working intervals per weekday (index 0 = Monday), in minutes from
/// midnight, sorted, not overlapping; `end` may be 1440 (midnight).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeekHours {
    days: [Vec<(u16, u16)>; 7],
}

const KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn parse_hm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    ((h < 24 && m < 60) || (h == 24 && m == 0)).then_some(h * 60 + m)
}

fn bad(what: &str) -> Error {
    Error::invalid(
        "calendar_invalid",
        format!("日历设置有误：{what}"),
        format!("The calendar is not valid: {what}"),
    )
    .with_field("hours")
}

impl WeekHours {
    /// Parses `{"mon": ["08:30-12:00", "13:00-17:30"], …}`.
    pub fn parse(map: &BTreeMap<String, Vec<String>>) -> Result<Self, Error> {
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        for (k, ranges) in map {
            let i = KEYS
                .iter()
                .position(|x| x == k)
                .ok_or_else(|| bad(&format!("“{k}” 不是星期 (mon…sun)")))?;
            for r in ranges {
                let (a, b) = r
                    .split_once('-')
                    .and_then(|(a, b)| Some((parse_hm(a)?, parse_hm(b)?)))
                    .filter(|(a, b)| a < b)
                    .ok_or_else(|| bad(&format!("“{r}” 应为 08:30-17:30，且开始早于结束")))?;
                days[i].push((a, b));
            }
            days[i].sort();
            if days[i].windows(2).any(|w| w[0].1 > w[1].0) {
                return Err(bad(&format!("{k} 的时段有重叠")));
            }
        }
        Ok(Self { days })
    }

    pub fn to_map(&self) -> BTreeMap<String, Vec<String>> {
        let mut m = BTreeMap::new();
        for (i, k) in KEYS.iter().enumerate() {
            if !self.days[i].is_empty() {
                m.insert(
                    k.to_string(),
                    self.days[i]
                        .iter()
                        .map(|(a, b)| {
                            format!("{:02}:{:02}-{:02}:{:02}", a / 60, a % 60, b / 60, b % 60)
                        })
                        .collect(),
                );
            }
        }
        m
    }

    /// Monday to Friday, the given hours.
    pub fn weekdays(ranges: &[(u16, u16)]) -> Self {
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        for d in days.iter_mut().take(5) {
            *d = ranges.to_vec();
        }
        Self { days }
    }

    fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

/// When the clock runs.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub tz: TimeZone,
    /// `None`: 24×7.
    pub hours: Option<WeekHours>,
    pub holidays: BTreeSet<Date>,
    /// Worked like a weekday (调休), with `workday_template`'s hours.
    pub extra_workdays: BTreeSet<Date>,
}

/// How far ahead a deadline is searched for before giving up (a calendar
/// without working time has no deadlines).
const HORIZON_DAYS: i32 = 3 * 366;

impl Calendar {
    pub fn always(tz: TimeZone) -> Self {
        Self {
            tz,
            hours: None,
            holidays: BTreeSet::new(),
            extra_workdays: BTreeSet::new(),
        }
    }

    pub fn business(
        tz: TimeZone,
        hours: WeekHours,
        holidays: BTreeSet<Date>,
        extra_workdays: BTreeSet<Date>,
    ) -> Result<Self, Error> {
        if hours.is_empty() {
            return Err(bad("至少需要一个工作时段"));
        }
        if let Some(d) = holidays.intersection(&extra_workdays).next() {
            return Err(bad(&format!("{d} 不能既是节假日又是调休工作日")));
        }
        Ok(Self {
            tz,
            hours: Some(hours),
            holidays,
            extra_workdays,
        })
    }

    /// The hours of an extra working day: those of the first weekday with any.
    fn workday_template(h: &WeekHours) -> &[(u16, u16)] {
        h.days
            .iter()
            .find(|d| !d.is_empty())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The working intervals of one civil date, as instants.
    fn intervals(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        let Some(h) = &self.hours else {
            return vec![(self.instant(date, 0), self.instant(date, 1440))];
        };
        let ranges: &[(u16, u16)] = if self.holidays.contains(&date) {
            &[]
        } else if self.extra_workdays.contains(&date) {
            Self::workday_template(h)
        } else {
            &h.days[date.weekday().to_monday_zero_offset() as usize]
        };
        ranges
            .iter()
            .map(|(a, b)| (self.instant(date, *a), self.instant(date, *b)))
            .collect()
    }

    fn instant(&self, date: Date, minute: u16) -> Timestamp {
        let (date, minute) = if minute >= 1440 {
            (date.tomorrow().unwrap_or(date), minute - 1440)
        } else {
            (date, minute)
        };
        let time =
            Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).expect("minute < 1440");
        date.to_datetime(time)
            .to_zoned(self.tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX)
    }

    fn date_of(&self, t: Timestamp) -> Date {
        t.to_zoned(self.tz.clone()).date()
    }

    /// Working time between two instants, in milliseconds (0 if b ≤ a).
    pub fn business_ms(&self, a: Timestamp, b: Timestamp) -> i64 {
        if b <= a {
            return 0;
        }
        if self.hours.is_none() {
            return b.as_millisecond() - a.as_millisecond();
        }
        let mut total = 0i64;
        let mut d = self.date_of(a);
        let last = self.date_of(b);
        while d <= last {
            for (s, e) in self.intervals(d) {
                let (s, e) = (s.max(a), e.min(b));
                if e > s {
                    total += e.as_millisecond() - s.as_millisecond();
                }
            }
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        total
    }

    /// The instant at which `ms` of working time have passed since `start`,
    /// or `None` if the calendar has no working time within the horizon.
    pub fn add_business(&self, start: Timestamp, ms: i64) -> Option<Timestamp> {
        if ms <= 0 {
            return Some(start);
        }
        if self.hours.is_none() {
            return start.checked_add(ms.milliseconds()).ok();
        }
        let mut left = ms;
        let mut d = self.date_of(start);
        for _ in 0..HORIZON_DAYS {
            for (s, e) in self.intervals(d) {
                let s = s.max(start);
                if e <= s {
                    continue;
                }
                let len = e.as_millisecond() - s.as_millisecond();
                if left <= len {
                    return s.checked_add(left.milliseconds()).ok();
                }
                left -= len;
            }
            d = d.tomorrow().ok()?;
        }
        None
    }

    /// Whether the clock runs at this instant.
    pub fn is_working(&self, t: Timestamp) -> bool {
        self.intervals(self.date_of(t))
            .iter()
            .any(|(s, e)| *s <= t && t < *e)
    }
}

/// How a calendar is stored and edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarSpec {
    /// IANA zone, default Asia/Shanghai.
    pub time_zone: String,
    /// true: 24×7 (hours, holidays and workdays are ignored).
    pub always: bool,
    /// {"mon": ["08:30-12:00", "13:00-17:30"], …}
    #[serde(default)]
    pub hours: BTreeMap<String, Vec<String>>,
    /// Public holidays (no working time), e.g. "2026-10-01".
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub holidays: Vec<String>,
    /// 调休: weekend days worked like a weekday.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub extra_workdays: Vec<String>,
}

fn dates(field: &str, v: &[String]) -> Result<BTreeSet<Date>, Error> {
    v.iter()
        .map(|s| {
            s.trim().parse::<Date>().map_err(|_| {
                Error::invalid(
                    "date_invalid",
                    format!("日期“{s}”无效，应为 2026-10-01"),
                    format!("“{s}” is not a date like 2026-10-01"),
                )
                .with_field(field)
            })
        })
        .collect()
}

impl CalendarSpec {
    pub fn always() -> Self {
        Self {
            time_zone: crate::time::DEFAULT_ZONE.into(),
            always: true,
            hours: BTreeMap::new(),
            holidays: vec![],
            extra_workdays: vec![],
        }
    }

    pub fn to_calendar(&self) -> Result<Calendar, Error> {
        let tz = TimeZone::get(self.time_zone.trim()).map_err(|_| {
            Error::invalid(
                "time_zone_invalid",
                format!("时区“{}”无效，例如 Asia/Shanghai", self.time_zone),
                format!(
                    "“{}” is not a time zone, e.g. Asia/Shanghai",
                    self.time_zone
                ),
            )
            .with_field("time_zone")
        })?;
        if self.always {
            return Ok(Calendar::always(tz));
        }
        Calendar::business(
            tz,
            WeekHours::parse(&self.hours)?,
            dates("holidays", &self.holidays)?,
            dates("extra_workdays", &self.extra_workdays)?,
        )
    }
}
