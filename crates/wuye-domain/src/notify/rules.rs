//! Rules: for each event, who is told and through which channels. Every
//! company starts from the shipped defaults below; an admin may replace the
//! rule of an event (and go back to the default by deleting it).

use super::{Event, Via, Who};
use crate::error::Error;
use serde::{Deserialize, Serialize};

/// One recipient of a rule and the channels that reach them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub who: Who,
    pub via: Vec<Via>,
}

/// The rule of one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// false: nobody is told of this event.
    #[serde(default = "yes")]
    pub enabled: bool,
    pub to: Vec<Target>,
}

fn yes() -> bool {
    true
}

fn t(who: Who, via: &[Via]) -> Target {
    Target {
        who,
        via: via.to_vec(),
    }
}

/// The rule wuye ships for an event. Residents hear of what they wait for
/// (accepted, done, please check) in the app, and by SMS when they must act
/// or wait longer; field staff get their work by SMS and in the team group;
/// supervisors hear of trouble (low ratings, breaches, disputes).
pub fn default_rule(event: Event) -> Rule {
    use Via::*;
    use Who::*;
    let to = match event {
        Event::OrderCreated => vec![t(Reporter, &[InApp, Sms])],
        Event::Dispatched => vec![
            t(Assignee, &[InApp, Sms]),
            t(TeamLead, &[InApp]),
            t(TeamGroup, &[Robot]),
            t(Reporter, &[InApp]),
        ],
        Event::Accepted => vec![t(Reporter, &[InApp]), t(Followers, &[InApp])],
        Event::OnHold => vec![t(Reporter, &[InApp, Sms]), t(Owner, &[InApp])],
        Event::AwaitingAcceptance => vec![t(Reporter, &[InApp, Sms]), t(Owner, &[InApp])],
        Event::Resolved => vec![
            t(Reporter, &[InApp]),
            t(Followers, &[InApp]),
            t(Owner, &[InApp]),
        ],
        Event::LowRating => vec![
            t(Supervisor, &[InApp, Email]),
            t(Owner, &[InApp]),
            t(Assignee, &[InApp]),
            t(TeamGroup, &[Robot]),
        ],
        Event::SlaWarning => vec![t(Alerted, &[InApp]), t(TeamGroup, &[Robot])],
        Event::SlaBreach => vec![
            t(Alerted, &[InApp, Sms]),
            t(Supervisor, &[InApp, Email]),
            t(TeamGroup, &[Robot]),
        ],
        Event::SlaEscalation => vec![t(Alerted, &[InApp, Sms, Email])],
        Event::Comment => vec![
            t(Reporter, &[InApp]),
            t(Followers, &[InApp]),
            t(Owner, &[InApp]),
            t(Assignee, &[InApp]),
        ],
        Event::Transfer => vec![
            t(TeamLead, &[InApp, Sms]),
            t(TeamGroup, &[Robot]),
            t(Owner, &[InApp]),
        ],
        Event::Dispute => vec![t(Supervisor, &[InApp, Sms]), t(Owner, &[InApp])],
        Event::KpiAlert => vec![t(Supervisor, &[InApp, Email])],
    };
    Rule { enabled: true, to }
}

impl Rule {
    /// Checks a rule an admin wrote for `event`.
    pub fn validate(&self, event: Event) -> Result<(), Error> {
        let mut seen = Vec::new();
        for (i, target) in self.to.iter().enumerate() {
            let field = format!("to[{i}]");
            if seen.contains(&target.who) {
                return Err(Error::invalid(
                    "rule_recipient_repeated",
                    format!("接收人“{}”重复了", target.who.label_zh()),
                    format!("Recipient “{}” is listed twice", target.who.label_en()),
                )
                .with_field(field));
            }
            seen.push(target.who);
            if target.via.is_empty() {
                return Err(Error::invalid(
                    "rule_channels_empty",
                    format!("请为“{}”选择至少一个渠道", target.who.label_zh()),
                    format!(
                        "Choose at least one channel for “{}”",
                        target.who.label_en()
                    ),
                )
                .with_field(field));
            }
            let group = target.who == Who::TeamGroup;
            if group != target.via.iter().all(|v| *v == Via::Robot)
                || (group && target.via.len() != 1)
            {
                return Err(Error::invalid(
                    "rule_robot_mismatch",
                    "群机器人只能通知班组群，班组群只能用群机器人",
                    "Group robots reach only the team group, and the team group only through its robot",
                )
                .with_field(field));
            }
            if target.who == Who::Alerted && !event.is_sla() {
                return Err(Error::invalid(
                    "rule_alerted_not_sla",
                    "“时限提醒对象”只用于时限事件",
                    "“alerted staff” applies to SLA events only",
                )
                .with_field(field));
            }
            if event.is_kpi() && !matches!(target.who, Who::Supervisor | Who::TeamGroup) {
                return Err(Error::invalid(
                    "rule_not_for_kpi",
                    format!(
                        "指标预警不涉及具体工单，只能通知客服主管或班组群，不能通知“{}”",
                        target.who.label_zh()
                    ),
                    format!(
                        "A KPI alert is about no single order: it reaches supervisors or group robots, not “{}”",
                        target.who.label_en()
                    ),
                )
                .with_field(field));
            }
            let mut vias = target.via.clone();
            vias.sort();
            vias.dedup();
            if vias.len() != target.via.len() {
                return Err(Error::invalid(
                    "rule_channel_repeated",
                    "同一接收人的渠道重复了",
                    "A channel is listed twice for one recipient",
                )
                .with_field(field));
            }
        }
        Ok(())
    }
}
