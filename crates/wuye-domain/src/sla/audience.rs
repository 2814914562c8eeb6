//! Who is told when an SLA level fires. The SLA timer follows it, and so
//! does the bench seed, which writes the alerts the timer would have raised.

use super::{BREACH_LEVEL, Escalation, EscalationTarget, Metric, WARNING_LEVEL};

/// Who held the order when the level fired (staff and team ids).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Holders {
    pub assignee: Option<i64>,
    pub team: Option<i64>,
    pub owner: Option<i64>,
}

/// A group of staff; the caller finds its members (in the database, or in
/// the seed's company). Supervisors and managers are the community's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Staff(i64),
    TeamLeads(i64),
    Supervisors,
    Managers,
}

/// Told when the groups of an [`Audience`] have nobody in them: an order
/// nobody holds (a resident's order waiting in the dispatcher queue), a team
/// without a lead. The community's supervisors dispatch, so they are told.
pub const FALLBACK: (Group, &str) = (Group::Supervisors, "supervisor");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    /// `warning`, `breach` or `escalation`.
    pub kind: &'static str,
    /// The role the alert is meant for, as stored with it.
    pub role: &'static str,
    /// Told, in this order; a person in several groups is told once.
    pub groups: Vec<Group>,
}

/// The audience of a level; `None` for an escalation level the policy does
/// not have (`escalation` is the policy's entry for `level`, if any).
pub fn audience(level: i64, escalation: Option<&Escalation>, h: Holders) -> Option<Audience> {
    let handler = match (h.assignee, h.team, h.owner) {
        (Some(a), _, _) => vec![Group::Staff(a)],
        (None, Some(t), _) => vec![Group::TeamLeads(t)],
        (None, None, owner) => owner.map(Group::Staff).into_iter().collect(),
    };
    let (kind, role, groups) = match level {
        WARNING_LEVEL => ("warning", "assignee", handler),
        BREACH_LEVEL => {
            let mut groups = handler;
            groups.extend(h.owner.map(Group::Staff));
            ("breach", "assignee", groups)
        }
        _ => {
            let (role, group) = match (escalation?.notify, h.team) {
                (EscalationTarget::TeamLead, Some(t)) => ("team_lead", Group::TeamLeads(t)),
                (EscalationTarget::TeamLead, None) => ("team_lead", Group::Supervisors),
                (EscalationTarget::Supervisor, _) => ("supervisor", Group::Supervisors),
                (EscalationTarget::Manager, _) => ("manager", Group::Managers),
            };
            ("escalation", role, vec![group])
        }
    };
    Some(Audience { kind, role, groups })
}

/// The alert's text: the order, its place and clock, and what happened.
pub fn alert_message(
    number: &str,
    place_label: &str,
    metric: Metric,
    level: i64,
    escalation: Option<&Escalation>,
) -> String {
    let what = format!("工单 {number}（{place_label}）的{}时限", metric.label_zh());
    match (escalation, level) {
        (Some(e), level) => format!(
            "{what}已升级至第 {} 级（{}）",
            level + 1,
            e.notify.label_zh()
        ),
        (None, BREACH_LEVEL) => format!("{what}已超时"),
        (None, _) => format!("{what}即将到期"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(notify: EscalationTarget) -> Escalation {
        Escalation {
            offset_minutes: 0,
            notify,
            reassign_to_lead: false,
        }
    }

    #[test]
    fn the_holder_is_warned_and_the_owner_told_of_a_breach() {
        let held = Holders {
            assignee: Some(5),
            team: Some(2),
            owner: Some(9),
        };
        let w = audience(WARNING_LEVEL, None, held).unwrap();
        assert_eq!(
            (w.kind, w.role, w.groups),
            ("warning", "assignee", vec![Group::Staff(5)])
        );
        let b = audience(BREACH_LEVEL, None, held).unwrap();
        assert_eq!(b.groups, vec![Group::Staff(5), Group::Staff(9)]);
        let unassigned = Holders {
            assignee: None,
            ..held
        };
        let w = audience(WARNING_LEVEL, None, unassigned).unwrap();
        assert_eq!(w.groups, vec![Group::TeamLeads(2)]);
    }

    #[test]
    fn an_order_nobody_holds_names_no_group() {
        let a = audience(WARNING_LEVEL, None, Holders::default()).unwrap();
        assert!(a.groups.is_empty(), "the caller tells FALLBACK");
    }

    #[test]
    fn escalations_follow_the_policy() {
        let team = Holders {
            team: Some(3),
            ..Holders::default()
        };
        let lead = audience(0, Some(&esc(EscalationTarget::TeamLead)), team).unwrap();
        assert_eq!(
            (lead.role, lead.groups),
            ("team_lead", vec![Group::TeamLeads(3)])
        );
        let no_team = audience(
            0,
            Some(&esc(EscalationTarget::TeamLead)),
            Holders::default(),
        );
        assert_eq!(no_team.unwrap().groups, vec![Group::Supervisors]);
        let m = audience(2, Some(&esc(EscalationTarget::Manager)), team).unwrap();
        assert_eq!(
            (m.kind, m.role, m.groups),
            ("escalation", "manager", vec![Group::Managers])
        );
        assert_eq!(audience(4, None, team), None, "a level the policy lacks");
    }

    #[test]
    fn messages_say_what_happened() {
        let m = |level, e: Option<&Escalation>| {
            alert_message("BX1", "1栋 101", Metric::Response, level, e)
        };
        assert!(m(WARNING_LEVEL, None).ends_with("即将到期"));
        assert!(m(BREACH_LEVEL, None).ends_with("已超时"));
        let e = esc(EscalationTarget::Manager);
        assert!(
            m(1, Some(&e)).contains("已升级至第 2 级"),
            "{}",
            m(1, Some(&e))
        );
        assert!(m(1, Some(&e)).starts_with("工单 BX1（1栋 101）"));
    }
}
