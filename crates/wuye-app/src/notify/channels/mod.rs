//! The channels that leave the building: SMS (Aliyun, Tencent Cloud), group
//! robots (企业微信, 钉钉), e-mail over SMTP, signed webhooks. Each attempt
//! ends in an [`Outcome`]; error texts never carry secrets (request URLs,
//! which hold robot tokens, are stripped from HTTP errors).

pub mod email;
pub mod robot;
pub mod sign;
pub mod sms;
pub mod webhook;

use super::setup::Outlets;
use std::sync::LazyLock;
use std::time::Duration;
use wuye_domain::notify::Channel;
use wuye_store::notify::DeliveryRow;

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the provider (with its message id, when it gives one).
    Delivered(Option<String>),
    /// Worth trying again later (network, timeout, 5xx, throttling).
    Retry(String),
    /// Will not succeed by retrying (bad number, bad credentials, gone):
    /// dead-lettered at once for an admin to look at.
    Permanent(String),
}

pub(crate) static HTTP: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .user_agent(concat!("wuye/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(32)
        .build()
        .expect("the HTTP client builds")
});

/// An HTTP error without its URL (robot tokens live in query strings),
/// with its causes.
pub(crate) fn http_error(e: reqwest::Error) -> Outcome {
    let timeout = e.is_timeout();
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    if timeout && !text.contains("timed out") {
        text.push_str(" (timed out)");
    }
    Outcome::Retry(text)
}

/// The outcome of an HTTP status whose body did not say otherwise.
pub(crate) fn by_status(status: reqwest::StatusCode, body: &str) -> Option<Outcome> {
    if status.is_success() {
        return None;
    }
    let text = format!("HTTP {}: {}", status.as_u16(), snippet(body));
    Some(
        if status.is_server_error() || matches!(status.as_u16(), 408 | 409 | 425 | 429) {
            Outcome::Retry(text)
        } else {
            Outcome::Permanent(text)
        },
    )
}

/// The start of a response body, for error texts.
pub(crate) fn snippet(body: &str) -> String {
    body.chars().take(200).collect()
}

/// Sends one delivery through its channel.
pub async fn send(outlets: &Outlets, row: &DeliveryRow) -> Outcome {
    let timeout = Duration::from_millis(outlets.settings.timeout_ms as u64);
    let channel = match Channel::parse(&row.channel) {
        Ok(c) => c,
        Err(_) => return Outcome::Permanent(format!("unknown channel {}", row.channel)),
    };
    let payload: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or_default();
    let endpoint = || {
        let id: i64 = row.address.parse().unwrap_or_default();
        outlets
            .endpoints
            .iter()
            .find(|e| e.id == id && e.spec.enabled)
    };
    match channel {
        Channel::InApp => Outcome::Delivered(None),
        Channel::Sms => match &outlets.sms {
            Some((cfg, secrets)) if cfg.enabled => {
                sms::send(cfg, secrets, row, &payload, timeout).await
            }
            _ => Outcome::Permanent("SMS is not configured or disabled".into()),
        },
        Channel::Email => match &outlets.email {
            Some((cfg, secrets)) if cfg.enabled => email::send(cfg, secrets, row, timeout).await,
            _ => Outcome::Permanent("e-mail is not configured or disabled".into()),
        },
        Channel::Wecom | Channel::Dingtalk => match endpoint() {
            Some(e) => robot::send(e, row, &payload, timeout).await,
            None => Outcome::Permanent("the robot was removed or disabled".into()),
        },
        Channel::Webhook => match endpoint() {
            Some(e) => webhook::send(e, row, timeout).await,
            None => Outcome::Permanent("the webhook was removed or disabled".into()),
        },
    }
}
