//! Notifications (通知): which events of an order are worth telling, to whom,
//! over which channels, in which words, and when a delivery may go out.
//!
//! Everything here is pure: the app layer loads the order and the company's
//! settings, asks these rules, and writes outbox rows in the transaction of
//! the change; the delivery workers ask `delivery` when to try again.

pub mod delivery;
pub mod providers;
pub mod rules;
pub mod templates;

#[cfg(test)]
mod tests;

pub use delivery::{Limit, NotifySettings, QuietHours, RateLimits};
pub use rules::{Rule, Target};
pub use templates::{Template, Vars};

use crate::error::Error;
use serde::{Deserialize, Serialize};

macro_rules! coded {
    ($(#[$m:meta])* $name:ident, $field:literal, $what_zh:literal, $what_en:literal,
     { $($(#[$vm:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),* }
            }

            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),* }
            }

            pub fn parse(s: &str) -> Result<Self, Error> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|v| v.code() == t).ok_or_else(|| {
                    let codes: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                    Error::invalid(
                        concat!($field, "_invalid"),
                        format!("{}“{}”无效，可选：{}", $what_zh, t, codes.join("、")),
                        format!("{} “{}” is not valid; use one of: {}", $what_en, t, codes.join(", ")),
                    )
                    .with_field($field)
                })
            }
        }
    };
}

coded!(
    /// Something about an order that people may want to hear of.
    Event, "event", "通知事件", "Event", {
        OrderCreated = "order_created", "工单已受理", "order created";
        Dispatched = "dispatched", "已派单", "dispatched";
        Accepted = "accepted", "已接单", "accepted";
        OnHold = "on_hold", "已挂起", "on hold";
        AwaitingAcceptance = "awaiting_acceptance", "待验收", "awaiting acceptance";
        Resolved = "resolved", "已完成", "resolved";
        LowRating = "low_rating", "差评", "low rating";
        SlaWarning = "sla_warning", "时限预警", "SLA warning";
        SlaBreach = "sla_breach", "已超时", "SLA breach";
        SlaEscalation = "sla_escalation", "已升级", "escalation";
        Comment = "comment", "新留言", "comment";
        Transfer = "transfer", "已转单", "transfer";
        Dispute = "dispute", "有争议", "dispute";
        /// A KPI crossed an alert threshold (数据看板的自动预警); not about one order.
        KpiAlert = "kpi_alert", "指标预警", "KPI alert";
    }
);

coded!(
    /// Who hears of an event, relative to the order.
    Who, "who", "接收人", "Recipient", {
        /// The resident who reported the order.
        Reporter = "reporter", "报事业主", "reporting resident";
        /// Residents and staff following the order (e.g. reporters of merged duplicates).
        Followers = "followers", "关注人", "followers";
        /// 首问人: the first staff member who handled it.
        Owner = "owner", "首问人", "owner";
        Assignee = "assignee", "处理人", "assignee";
        /// The leads of the order's team (when nobody is assigned yet).
        TeamLead = "team_lead", "班组长", "team lead";
        /// The team's group chat robot (企业微信/钉钉).
        TeamGroup = "team_group", "班组群", "team group";
        /// Supervisors of the order's community.
        Supervisor = "supervisor", "客服主管", "supervisor";
        /// SLA events: the staff member the SLA timer alerted.
        Alerted = "alerted", "时限提醒对象", "alerted staff";
    }
);

coded!(
    /// How a recipient is reached, as a rule names it.
    Via, "via", "通知渠道", "Channel", {
        InApp = "in_app", "站内消息", "in-app";
        Sms = "sms", "短信", "SMS";
        Email = "email", "邮件", "email";
        /// The team's 企业微信/钉钉 group robot(s).
        Robot = "robot", "群机器人", "group robot";
    }
);

coded!(
    /// A delivery channel: what the outbox row is sent through, one worker each.
    Channel, "channel", "投递渠道", "Delivery channel", {
        InApp = "in_app", "站内消息", "in-app";
        Sms = "sms", "短信", "SMS";
        Email = "email", "邮件", "email";
        Wecom = "wecom", "企业微信群机器人", "WeCom robot";
        Dingtalk = "dingtalk", "钉钉群机器人", "DingTalk robot";
        Webhook = "webhook", "Webhook", "webhook";
    }
);

impl Channel {
    /// The channels that go out over the network (a worker each).
    pub const REMOTE: [Channel; 5] = [
        Channel::Sms,
        Channel::Email,
        Channel::Wecom,
        Channel::Dingtalk,
        Channel::Webhook,
    ];
}

impl Event {
    pub fn is_sla(self) -> bool {
        matches!(
            self,
            Event::SlaWarning | Event::SlaBreach | Event::SlaEscalation
        )
    }

    /// Events about the company's numbers rather than an order: only
    /// supervisors and the company's group robots hear of them.
    pub fn is_kpi(self) -> bool {
        self == Event::KpiAlert
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        match lang {
            crate::Lang::Zh => self.label_zh(),
            crate::Lang::En => self.label_en(),
        }
    }
}

/// Ratings at or below this many stars are "low" (they also get a return visit).
pub const LOW_RATING_STARS: i64 = 3;

/// The notification event of a timeline entry (`work_order_events.action`,
/// with the stars of a rating), or none for steps nobody is told about
/// (start, resume, reject, return visit, cancel, merge).
pub fn classify(action: &str, stars: Option<i64>) -> Option<Event> {
    Some(match action {
        "create" => Event::OrderCreated,
        "dispatch" | "rule" => Event::Dispatched,
        "grab" | "accept" => Event::Accepted,
        "hold" => Event::OnHold,
        "finish" => Event::AwaitingAcceptance,
        "confirm" | "auto_accept" | "answer" => Event::Resolved,
        "transfer" => Event::Transfer,
        "dispute" => Event::Dispute,
        "comment" | "note" => Event::Comment,
        "rate" if stars.is_some_and(|s| s <= LOW_RATING_STARS) => Event::LowRating,
        _ => return None,
    })
}

/// The SLA event of an alert kind (`warning`, `breach`, `escalation`).
pub fn classify_alert(kind: &str) -> Option<Event> {
    match kind {
        "warning" => Some(Event::SlaWarning),
        "breach" => Some(Event::SlaBreach),
        "escalation" => Some(Event::SlaEscalation),
        _ => None,
    }
}

/// What admins see instead of a stored secret.
pub const MASK: &str = "••••";

/// A secret as an input field carries it: absent or the mask keeps the
/// stored one, empty clears it, anything else replaces it.
pub fn merge_secret(input: Option<&str>, stored: Option<&str>) -> Option<String> {
    match input.map(str::trim) {
        None => stored.map(str::to_string),
        Some(MASK) => stored.map(str::to_string),
        Some("") => None,
        Some(s) => Some(s.to_string()),
    }
}

/// How a stored secret is shown: the mask, or nothing when unset.
pub fn masked(stored: Option<&str>) -> Option<String> {
    stored.filter(|s| !s.is_empty()).map(|_| MASK.to_string())
}

/// An address shown in delivery logs: phones as 138****8000, e-mail as
/// z***@example.com.
pub fn mask_address(channel: Channel, address: &str) -> String {
    match channel {
        Channel::Sms => crate::values::mask_phone(address),
        Channel::Email => match address.split_once('@') {
            Some((user, domain)) => {
                let first: String = user.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".into(),
        },
        _ => address.to_string(),
    }
}

/// Checks an HTTP(S) URL an admin typed (endpoints, robots, webhooks).
pub fn check_url(url: &str, field: &str) -> Result<String, Error> {
    let u = url.trim();
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() <= 500
        && !u.contains(char::is_whitespace)
        && u.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if ok {
        Ok(u.to_string())
    } else {
        Err(Error::invalid(
            "url_invalid",
            "地址应为 http:// 或 https:// 开头的网址",
            "The address must be an http:// or https:// URL",
        )
        .with_field(field))
    }
}
