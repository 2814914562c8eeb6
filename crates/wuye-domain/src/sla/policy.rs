//! SLA policies: ordered rules (lowest rank first, first match wins) that
//! say which targets, calendar, warning share and escalation levels apply to
//! an order.

use crate::category::Category;
use crate::error::Error;
use crate::ids::CommunityId;
use crate::work_order::{Grade, Kind, Priority};
use serde::{Deserialize, Serialize};

/// Who an escalation level tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EscalationTarget {
    /// 班组长 of the order's team.
    TeamLead,
    /// 客服主管 of the order's community.
    Supervisor,
    /// 项目经理 of the order's community.
    Manager,
}

impl EscalationTarget {
    pub fn label_zh(self) -> &'static str {
        match self {
            EscalationTarget::TeamLead => "班组长",
            EscalationTarget::Supervisor => "客服主管",
            EscalationTarget::Manager => "项目经理",
        }
    }
}

/// One escalation level: fires when the counted time reaches the target
/// plus `offset_minutes` (negative: before the breach).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    pub offset_minutes: i64,
    pub notify: EscalationTarget,
    /// Re-assign an undispatched or unaccepted order to the team lead.
    #[serde(default)]
    pub reassign_to_lead: bool,
}

/// A policy as stored and edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    pub name: String,
    /// Lower ranks are tried first.
    pub rank: i64,
    #[serde(default = "yes")]
    pub enabled: bool,
    // What it matches (absent = any).
    pub kind: Option<Kind>,
    pub priority: Option<Priority>,
    pub grade: Option<Grade>,
    pub category: Option<Category>,
    #[schema(value_type = Option<i64>)]
    pub community_id: Option<CommunityId>,
    /// Matches emergencies (停水停电、电梯困人…) only, or only non-emergencies.
    pub emergency: Option<bool>,
    // What it gives.
    pub response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    /// The calendar the clocks count in (None: 24×7).
    pub calendar_id: Option<i64>,
    /// Warn at this share of the target (default 80).
    #[serde(default = "eighty")]
    pub warn_percent: i64,
    #[serde(default)]
    pub escalations: Vec<Escalation>,
}

fn yes() -> bool {
    true
}

fn eighty() -> i64 {
    80
}

/// What a policy is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFacts {
    pub kind: Kind,
    pub priority: Priority,
    pub grade: Option<Grade>,
    pub category: Option<Category>,
    pub community: CommunityId,
    pub emergency: bool,
}

impl PolicySpec {
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |code: &'static str, zh: String, en: String, field: &str| {
            Err(Error::invalid(code, zh, en).with_field(field))
        };
        if self.name.trim().is_empty() || self.name.chars().count() > 50 {
            return bad(
                "name_empty",
                "请填写 1–50 个字的名称".into(),
                "A name of 1–50 characters is required".into(),
                "name",
            );
        }
        for (field, v) in [
            ("response_minutes", self.response_minutes),
            ("resolution_minutes", self.resolution_minutes),
        ] {
            if let Some(m) = v
                && !(1..=60 * 24 * 90).contains(&m)
            {
                return bad(
                    "target_invalid",
                    format!("{field} 应在 1 分钟到 90 天之间"),
                    format!("{field} must be 1 minute to 90 days"),
                    field,
                );
            }
        }
        if self.response_minutes.is_none() && self.resolution_minutes.is_none() {
            return bad(
                "target_missing",
                "至少设置响应或完成时限之一".into(),
                "Set a response or a resolution target".into(),
                "response_minutes",
            );
        }
        if !(1..=99).contains(&self.warn_percent) {
            return bad(
                "warn_percent_invalid",
                "预警比例应在 1% 到 99% 之间".into(),
                "warn_percent must be 1–99".into(),
                "warn_percent",
            );
        }
        let mut last = i64::MIN;
        for e in &self.escalations {
            if e.offset_minutes <= last {
                return bad(
                    "escalations_unordered",
                    "升级级别应按时间先后排列且不重复".into(),
                    "Escalation levels must be in increasing order of offset".into(),
                    "escalations",
                );
            }
            if e.offset_minutes.abs() > 60 * 24 * 30 {
                return bad(
                    "escalation_offset_invalid",
                    "升级偏移不能超过 30 天".into(),
                    "An escalation offset may be at most 30 days".into(),
                    "escalations",
                );
            }
            last = e.offset_minutes;
        }
        if self.escalations.len() > 5 {
            return bad(
                "too_many_escalations",
                "最多 5 个升级级别".into(),
                "At most 5 escalation levels".into(),
                "escalations",
            );
        }
        Ok(())
    }

    pub fn matches(&self, o: &OrderFacts) -> bool {
        self.enabled
            && self.kind.is_none_or(|k| k == o.kind)
            && self.priority.is_none_or(|p| p == o.priority)
            && self.grade.is_none_or(|g| Some(g) == o.grade)
            && self.category.is_none_or(|c| Some(c) == o.category)
            && self.community_id.is_none_or(|c| c == o.community)
            && self.emergency.is_none_or(|e| e == o.emergency)
    }

    /// The target of a metric in milliseconds, if the policy has one.
    pub fn target_ms(&self, m: super::Metric) -> Option<i64> {
        match m {
            super::Metric::Response => self.response_minutes,
            super::Metric::Resolution => self.resolution_minutes,
        }
        .map(|x| x * 60_000)
    }
}

/// The first matching policy, by rank (ties: the earlier in the list).
pub fn select<'a, T>(
    policies: &'a [(T, PolicySpec)],
    o: &OrderFacts,
) -> Option<&'a (T, PolicySpec)> {
    let mut sorted: Vec<&(T, PolicySpec)> = policies.iter().collect();
    sorted.sort_by_key(|(_, p)| p.rank);
    sorted.into_iter().find(|(_, p)| p.matches(o))
}

fn policy(name: &str, rank: i64, response: Option<i64>, resolution: Option<i64>) -> PolicySpec {
    PolicySpec {
        name: name.into(),
        rank,
        enabled: true,
        kind: None,
        priority: None,
        grade: None,
        category: None,
        community_id: None,
        emergency: None,
        response_minutes: response,
        resolution_minutes: resolution,
        calendar_id: None,
        warn_percent: 80,
        escalations: vec![
            Escalation {
                offset_minutes: 0,
                notify: EscalationTarget::TeamLead,
                reassign_to_lead: false,
            },
            Escalation {
                offset_minutes: 30,
                notify: EscalationTarget::Supervisor,
                reassign_to_lead: false,
            },
            Escalation {
                offset_minutes: 120,
                notify: EscalationTarget::Manager,
                reassign_to_lead: false,
            },
        ],
    }
}

/// The policies a company starts with (admins edit them): the report's
/// rules, on the 24×7 calendar.
pub fn default_policies() -> Vec<PolicySpec> {
    let mut emergency = policy("应急事件（停水停电、电梯困人等）", 10, Some(15), Some(120));
    emergency.emergency = Some(true);
    emergency.escalations = vec![
        Escalation {
            offset_minutes: 0,
            notify: EscalationTarget::Supervisor,
            reassign_to_lead: false,
        },
        Escalation {
            offset_minutes: 15,
            notify: EscalationTarget::Manager,
            reassign_to_lead: false,
        },
    ];
    let mut urgent = policy("紧急报修", 20, Some(30), Some(4 * 60));
    urgent.kind = Some(Kind::Repair);
    urgent.priority = Some(Priority::Urgent);
    let mut regular = policy("常规报修", 30, Some(2 * 60), Some(24 * 60));
    regular.kind = Some(Kind::Repair);
    let complaint = |g: Grade, rank, resp, res| {
        let mut p = policy(
            &format!("{}投诉", g.label_zh()),
            rank,
            Some(resp),
            Some(res),
        );
        p.kind = Some(Kind::Complaint);
        p.grade = Some(g);
        p
    };
    let mut consult = policy("咨询答复", 50, Some(2 * 60), None);
    consult.kind = Some(Kind::Consultation);
    let other = policy("其他（建议、表扬）", 90, Some(24 * 60), Some(72 * 60));
    vec![
        emergency,
        urgent,
        regular,
        complaint(Grade::A, 40, 2 * 60, 24 * 60),
        complaint(Grade::B, 41, 8 * 60, 72 * 60),
        complaint(Grade::C, 42, 24 * 60, 7 * 24 * 60),
        consult,
        other,
    ]
}
