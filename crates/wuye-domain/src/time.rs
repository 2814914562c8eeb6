//! Time as the domain sees it: instants are `jiff::Timestamp`, stored as
//! milliseconds since the Unix epoch; people read them in the company's zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The default zone of a Chinese property company.
pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

pub fn default_zone() -> TimeZone {
    TimeZone::get(DEFAULT_ZONE).expect("the bundled time-zone database has Asia/Shanghai")
}

pub fn to_millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub fn from_millis(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Where "now" comes from. Tests inject a fixed or steered clock; production
/// uses the system clock.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}
