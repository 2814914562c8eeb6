//! A staff member's weekly working hours (until rosters exist): intervals per
//! weekday in the company's zone. A shift may run past midnight (22:00-06:00).

use crate::error::Error;
use jiff::civil::{Time, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

/// Stored and sent as `{"mon": ["08:00-12:00", "13:00-18:00"], ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "BTreeMap<String, Vec<String>>",
    into = "BTreeMap<String, Vec<String>>"
)]
pub struct WorkingHours {
    /// Index 0 = Monday. Minutes from midnight; end < start wraps past midnight.
    days: [Vec<(u16, u16)>; 7],
}

impl Default for WorkingHours {
    /// Every day 08:00–18:00.
    fn default() -> Self {
        Self {
            days: std::array::from_fn(|_| vec![(8 * 60, 18 * 60)]),
        }
    }
}

fn parse_hm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if (h < 24 && m < 60) || (h == 24 && m == 0) {
        Some(h * 60 + m)
    } else {
        None
    }
}

impl WorkingHours {
    pub fn always() -> Self {
        Self {
            days: std::array::from_fn(|_| vec![(0, 24 * 60)]),
        }
    }

    pub fn parse(map: &BTreeMap<String, Vec<String>>) -> Result<Self, Error> {
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        for (key, ranges) in map {
            let idx = DAYS.iter().position(|(k, _)| k == key).ok_or_else(|| {
                Error::invalid(
                    "working_hours_invalid",
                    format!("工作时间里的“{key}”不是星期：应为 mon…sun"),
                    format!("“{key}” is not a weekday in working hours: use mon…sun"),
                )
                .with_field("working_hours")
            })?;
            for r in ranges {
                let parsed = r
                    .split_once('-')
                    .and_then(|(a, b)| Some((parse_hm(a)?, parse_hm(b)?)))
                    .filter(|(a, b)| a != b);
                let Some(iv) = parsed else {
                    return Err(Error::invalid(
                        "working_hours_invalid",
                        format!("工作时间“{r}”格式不对：应为 08:00-18:00"),
                        format!("Working hours “{r}” are not valid: use 08:00-18:00"),
                    )
                    .with_field("working_hours"));
                };
                days[idx].push(iv);
            }
        }
        Ok(Self { days })
    }

    /// Whether someone with these hours is on duty at this civil weekday/time.
    pub fn on_duty(&self, weekday: Weekday, time: Time) -> bool {
        let minute = time.hour() as u16 * 60 + time.minute() as u16;
        let today = weekday.to_monday_zero_offset() as usize;
        let yesterday = (today + 6) % 7;
        let in_today = self.days[today].iter().any(|&(s, e)| {
            if s < e {
                s <= minute && minute < e
            } else {
                minute >= s
            }
        });
        // An overnight shift that began yesterday still covers the early hours.
        let from_yesterday = self.days[yesterday]
            .iter()
            .any(|&(s, e)| s > e && minute < e);
        in_today || from_yesterday
    }

    pub fn to_map(&self) -> BTreeMap<String, Vec<String>> {
        let mut m = BTreeMap::new();
        for (i, (key, _)) in DAYS.iter().enumerate() {
            if self.days[i].is_empty() {
                continue;
            }
            let v = self.days[i]
                .iter()
                .map(|(s, e)| format!("{:02}:{:02}-{:02}:{:02}", s / 60, s % 60, e / 60, e % 60))
                .collect();
            m.insert(key.to_string(), v);
        }
        m
    }
}

impl TryFrom<BTreeMap<String, Vec<String>>> for WorkingHours {
    type Error = Error;
    fn try_from(m: BTreeMap<String, Vec<String>>) -> Result<Self, Error> {
        Self::parse(&m)
    }
}

impl From<WorkingHours> for BTreeMap<String, Vec<String>> {
    fn from(w: WorkingHours) -> Self {
        w.to_map()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn hours(json: &str) -> WorkingHours {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn day_shift() {
        let w = WorkingHours::default();
        assert!(w.on_duty(Weekday::Monday, time(8, 0, 0, 0)));
        assert!(!w.on_duty(Weekday::Monday, time(18, 0, 0, 0)));
        assert!(!w.on_duty(Weekday::Sunday, time(7, 59, 0, 0)));
    }

    #[test]
    fn night_shift_runs_past_midnight() {
        let w = hours(r#"{"fri": ["22:00-06:00"]}"#);
        assert!(w.on_duty(Weekday::Friday, time(23, 0, 0, 0)));
        assert!(w.on_duty(Weekday::Saturday, time(5, 59, 0, 0)));
        assert!(!w.on_duty(Weekday::Saturday, time(6, 0, 0, 0)));
        assert!(!w.on_duty(Weekday::Friday, time(5, 0, 0, 0)));
    }

    #[test]
    fn round_trips_and_rejects_nonsense() {
        let w = hours(r#"{"mon": ["08:00-12:00", "13:00-17:30"], "sat": ["00:00-24:00"]}"#);
        let again: WorkingHours =
            serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
        assert_eq!(w, again);
        assert!(serde_json::from_str::<WorkingHours>(r#"{"xyz": ["08:00-12:00"]}"#).is_err());
        assert!(serde_json::from_str::<WorkingHours>(r#"{"mon": ["8-12"]}"#).is_err());
        assert!(serde_json::from_str::<WorkingHours>(r#"{"mon": ["25:00-26:00"]}"#).is_err());
    }
}
