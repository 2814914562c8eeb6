//! Work orders (工单): the core loop 接单-分派-跟进-验收-回访.

pub mod kinds;
pub mod machine;
pub mod similarity;
pub mod state;

#[cfg(test)]
mod proptests;

pub use kinds::{Channel, Grade, Kind, PlaceKind, Priority, VisitOutcome};
pub use machine::{Change, Command, OrderCore};
pub use state::{Action, Standing, State};

use crate::error::Error;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// The request text: 1–2,000 characters, not only whitespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderText(String);

impl OrderText {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, Error> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(Error::invalid(
                "text_empty",
                "请描述遇到的问题",
                "Please describe the problem",
            )
            .with_field("text"));
        }
        let n = t.chars().count();
        if n > Self::MAX_CHARS {
            return Err(Error::invalid(
                "text_too_long",
                format!("问题描述最多 {} 个字（现在 {n} 个）", Self::MAX_CHARS),
                format!(
                    "The description may have at most {} characters (it has {n})",
                    Self::MAX_CHARS
                ),
            )
            .with_field("text"));
        }
        Ok(Self(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A resident's rating of the finished job: 1–5 stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rating(u8);

impl Rating {
    pub fn parse(stars: i64) -> Result<Self, Error> {
        if (1..=5).contains(&stars) {
            Ok(Self(stars as u8))
        } else {
            Err(Error::invalid(
                "rating_invalid",
                "评分应为 1 到 5 星",
                "A rating is 1 to 5 stars",
            )
            .with_field("stars"))
        }
    }

    pub fn stars(self) -> u8 {
        self.0
    }

    /// Low ratings (≤ 3) always get a return visit.
    pub fn needs_return_visit(self) -> bool {
        self.0 <= 3
    }
}

/// Whether a well-rated order is sampled for a return visit anyway: a
/// configurable share, chosen deterministically from the order id so the
/// choice is the same on every node and every retry.
pub fn sampled_for_return_visit(order_id: i64, share_percent: u8) -> bool {
    // A multiplicative hash spreads consecutive ids evenly over 0..100.
    let h = (order_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    (h % 100) < share_percent as u64
}

/// An order number people can read out on the phone: kind prefix, the date
/// in the company's zone, and the day's sequence: BX2026112700007.
pub fn order_number(kind: Kind, at: Timestamp, tz: &TimeZone, seq: i64) -> String {
    let d = at.to_zoned(tz.clone()).date();
    format!(
        "{}{:04}{:02}{:02}{:05}",
        kind.number_prefix(),
        d.year(),
        d.month(),
        d.day(),
        seq
    )
}

/// The day part of a number's sequence key (yyyymmdd in the company's zone).
pub fn number_day(at: Timestamp, tz: &TimeZone) -> i64 {
    let d = at.to_zoned(tz.clone()).date();
    d.year() as i64 * 10_000 + d.month() as i64 * 100 + d.day() as i64
}

/// Repeat repair (返修): the same home and category again within this many
/// days of an earlier order's closure.
pub const REPEAT_WINDOW_DAYS: i64 = 30;

/// Default days before an order awaiting acceptance is accepted automatically.
pub const DEFAULT_AUTO_ACCEPT_DAYS: i64 = 3;

/// At most this many photos per step.
pub const MAX_PHOTOS_PER_STEP: usize = 9;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_out_well() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        // 2026-11-26T17:30Z is already the 27th in Shanghai.
        let at: Timestamp = "2026-11-26T17:30:00Z".parse().unwrap();
        assert_eq!(order_number(Kind::Repair, at, &tz, 7), "BX2026112700007");
        assert_eq!(
            order_number(Kind::Complaint, at, &tz, 12345),
            "TS2026112712345"
        );
        assert_eq!(number_day(at, &tz), 20261127);
    }

    #[test]
    fn texts_and_ratings() {
        assert_eq!(OrderText::parse("  \n ").unwrap_err().code, "text_empty");
        assert_eq!(
            OrderText::parse(&"漏".repeat(2001)).unwrap_err().code,
            "text_too_long"
        );
        assert!(OrderText::parse(&"漏".repeat(2000)).is_ok());
        assert!(Rating::parse(0).is_err() && Rating::parse(6).is_err());
        assert!(Rating::parse(3).unwrap().needs_return_visit());
        assert!(!Rating::parse(4).unwrap().needs_return_visit());
    }

    #[test]
    fn sampling_takes_about_the_share() {
        let n = (1..=10_000)
            .filter(|id| sampled_for_return_visit(*id, 20))
            .count();
        assert!((1800..=2200).contains(&n), "{n}");
        assert_eq!(
            (1..=100)
                .filter(|id| sampled_for_return_visit(*id, 0))
                .count(),
            0
        );
        assert_eq!(
            (1..=100)
                .filter(|id| sampled_for_return_visit(*id, 100))
                .count(),
            100
        );
    }
}
