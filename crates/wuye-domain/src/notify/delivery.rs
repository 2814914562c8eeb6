//! When a delivery may go out: retries with exponential backoff and jitter,
//! quiet hours for SMS (delayed, never dropped; emergencies go through), and
//! per-recipient rate limits. Per company, editable by admins.

use super::Channel;
use crate::error::Error;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// No non-urgent SMS during these local hours; the window may wrap midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// "22:00"
    pub start: String,
    /// "08:00"
    pub end: String,
    /// IANA zone, default Asia/Shanghai.
    #[serde(default = "default_zone_name")]
    pub time_zone: String,
}

fn default_zone_name() -> String {
    crate::time::DEFAULT_ZONE.into()
}

/// At most `max` deliveries to one recipient per `per_minutes` (0: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub max: u32,
    pub per_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Per phone number.
    pub sms: Limit,
    /// Per address.
    pub email: Limit,
    /// Per robot (企业微信 and 钉钉 allow 20 messages a minute per robot).
    pub robot: Limit,
    /// Per webhook endpoint.
    pub webhook: Limit,
}

/// A company's delivery settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    /// null: SMS at any hour.
    pub quiet_hours: Option<QuietHours>,
    pub rate_limits: RateLimits,
    /// Attempts before a delivery is dead-lettered (1–20).
    pub max_attempts: u32,
    /// The first retry waits about this long; each next one twice as long.
    pub backoff_base_seconds: u32,
    /// The longest wait between two attempts.
    pub backoff_max_seconds: u32,
    /// How long one attempt may take (100 ms – 60 s).
    pub timeout_ms: u32,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            quiet_hours: Some(QuietHours {
                start: "22:00".into(),
                end: "08:00".into(),
                time_zone: default_zone_name(),
            }),
            rate_limits: RateLimits {
                sms: Limit {
                    max: 5,
                    per_minutes: 60,
                },
                email: Limit {
                    max: 30,
                    per_minutes: 60,
                },
                robot: Limit {
                    max: 20,
                    per_minutes: 1,
                },
                webhook: Limit {
                    max: 0,
                    per_minutes: 1,
                },
            },
            max_attempts: 8,
            backoff_base_seconds: 30,
            backoff_max_seconds: 3600,
            timeout_ms: 10_000,
        }
    }
}

fn parse_time(s: &str, field: &str) -> Result<Time, Error> {
    let bad = || {
        Error::invalid(
            "time_invalid",
            format!("“{s}”不是有效的时间（例如 22:00）"),
            format!("“{s}” is not a valid time (e.g. 22:00)"),
        )
        .with_field(field)
    };
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m) = (
        h.parse::<i8>().map_err(|_| bad())?,
        m.parse::<i8>().map_err(|_| bad())?,
    );
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

impl QuietHours {
    fn parts(&self) -> Result<(Time, Time, TimeZone), Error> {
        let start = parse_time(&self.start, "quiet_hours.start")?;
        let end = parse_time(&self.end, "quiet_hours.end")?;
        let tz = TimeZone::get(&self.time_zone).map_err(|_| {
            Error::invalid(
                "time_zone_invalid",
                format!("没有“{}”这个时区", self.time_zone),
                format!("Unknown time zone “{}”", self.time_zone),
            )
            .with_field("quiet_hours.time_zone")
        })?;
        Ok((start, end, tz))
    }

    /// If `at_ms` falls in the quiet window, the instant it ends.
    pub fn until(&self, at_ms: i64) -> Option<i64> {
        let (start, end, tz) = self.parts().ok()?;
        if start == end {
            return None;
        }
        let local = crate::time::from_millis(at_ms).to_zoned(tz.clone());
        let t = local.time();
        let date = local.date();
        let end_date = if start < end {
            if t < start || t >= end {
                return None;
            }
            date
        } else if t >= start {
            date.tomorrow().ok()?
        } else if t < end {
            date
        } else {
            return None;
        };
        let end_at = end_date.to_datetime(end).to_zoned(tz).ok()?;
        Some(end_at.timestamp().as_millisecond())
    }
}

impl NotifySettings {
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(q) = &self.quiet_hours {
            q.parts()?;
        }
        let range = |v: u32, lo: u32, hi: u32, field: &str| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(Error::invalid(
                    "setting_out_of_range",
                    format!("{field} 应在 {lo} 到 {hi} 之间"),
                    format!("{field} must be between {lo} and {hi}"),
                )
                .with_field(field))
            }
        };
        range(self.max_attempts, 1, 20, "max_attempts")?;
        range(self.backoff_base_seconds, 1, 86_400, "backoff_base_seconds")?;
        range(
            self.backoff_max_seconds,
            self.backoff_base_seconds,
            7 * 86_400,
            "backoff_max_seconds",
        )?;
        range(self.timeout_ms, 100, 60_000, "timeout_ms")?;
        for (name, l) in [
            ("sms", self.rate_limits.sms),
            ("email", self.rate_limits.email),
            ("robot", self.rate_limits.robot),
            ("webhook", self.rate_limits.webhook),
        ] {
            range(l.max, 0, 10_000, &format!("rate_limits.{name}.max"))?;
            range(
                l.per_minutes,
                1,
                7 * 24 * 60,
                &format!("rate_limits.{name}.per_minutes"),
            )?;
        }
        Ok(())
    }

    /// The limit for one channel (in-app has none).
    pub fn limit(&self, channel: Channel) -> Option<Limit> {
        let l = match channel {
            Channel::InApp => return None,
            Channel::Sms => self.rate_limits.sms,
            Channel::Email => self.rate_limits.email,
            Channel::Wecom | Channel::Dingtalk => self.rate_limits.robot,
            Channel::Webhook => self.rate_limits.webhook,
        };
        (l.max > 0).then_some(l)
    }

    /// The earliest a delivery may go out at or after `at_ms`: non-urgent SMS
    /// wait for the end of the quiet hours.
    pub fn not_before(&self, channel: Channel, urgent: bool, at_ms: i64) -> i64 {
        if channel != Channel::Sms || urgent {
            return at_ms;
        }
        self.quiet_hours
            .as_ref()
            .and_then(|q| q.until(at_ms))
            .unwrap_or(at_ms)
    }

    /// How long to wait after failed attempt number `attempt` (1-based):
    /// base·2^(attempt−1), capped, with "equal jitter" (half fixed, half
    /// random) so that many failures do not retry in lockstep. `rand01` is a
    /// random number in [0, 1).
    pub fn backoff_ms(&self, attempt: u32, rand01: f64) -> i64 {
        let base = self.backoff_base_seconds as i64 * 1000;
        let cap = self.backoff_max_seconds as i64 * 1000;
        let exp = base
            .saturating_mul(1i64 << attempt.saturating_sub(1).min(30))
            .min(cap);
        let half = exp / 2;
        half + (half as f64 * rand01.clamp(0.0, 1.0)) as i64
    }

    /// How long a claimed delivery is held before another worker may take it
    /// over (a worker that died mid-delivery): well past the attempt timeout.
    pub fn lease_ms(&self) -> i64 {
        self.timeout_ms as i64 * 2 + 30_000
    }
}

/// When a recipient may receive again under `limit`, given the send times
/// in the current window (oldest first); None when there is room now.
pub fn rate_limited_until(limit: Limit, sent_in_window: &[i64], now_ms: i64) -> Option<i64> {
    let window = limit.per_minutes as i64 * 60_000;
    let recent: Vec<i64> = sent_in_window
        .iter()
        .copied()
        .filter(|t| *t > now_ms - window)
        .collect();
    let max = limit.max as usize;
    if max == 0 || recent.len() < max {
        return None;
    }
    // A slot frees when enough of the oldest leave the window.
    Some(recent[recent.len() - max] + window)
}
