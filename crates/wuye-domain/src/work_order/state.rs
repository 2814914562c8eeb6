//! The order's life cycle, kept as data: a table of transitions (action,
//! from-states, to-state, who may do it, what it needs), as Condo keeps its
//! status transitions. `machine.rs` applies it.

use crate::error::{Error, ErrorKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 已受理
    Received,
    /// 已派单
    Dispatched,
    /// 已接单 (the responder acknowledged: the *response*)
    Accepted,
    /// 处理中
    InProgress,
    /// 挂起 (waiting for parts, resident not home; pauses the resolution clock)
    OnHold,
    /// 争议中 (a team rejected responsibility; a supervisor rules)
    Disputed,
    /// 待验收
    AwaitingAcceptance,
    /// 已完成 (accepted by the resident, or automatically)
    Resolved,
    /// 已回访 (closed)
    Closed,
    /// 已取消
    Cancelled,
    /// 已合并 (closed as a duplicate of another order; excluded from KPIs)
    Merged,
}

impl State {
    pub const ALL: [State; 11] = [
        State::Received,
        State::Dispatched,
        State::Accepted,
        State::InProgress,
        State::OnHold,
        State::Disputed,
        State::AwaitingAcceptance,
        State::Resolved,
        State::Closed,
        State::Cancelled,
        State::Merged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::Received => "received",
            State::Dispatched => "dispatched",
            State::Accepted => "accepted",
            State::InProgress => "in_progress",
            State::OnHold => "on_hold",
            State::Disputed => "disputed",
            State::AwaitingAcceptance => "awaiting_acceptance",
            State::Resolved => "resolved",
            State::Closed => "closed",
            State::Cancelled => "cancelled",
            State::Merged => "merged",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            State::Received => "已受理",
            State::Dispatched => "已派单",
            State::Accepted => "已接单",
            State::InProgress => "处理中",
            State::OnHold => "挂起",
            State::Disputed => "争议中",
            State::AwaitingAcceptance => "待验收",
            State::Resolved => "已完成",
            State::Closed => "已回访",
            State::Cancelled => "已取消",
            State::Merged => "已合并",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            State::Received => "received",
            State::Dispatched => "dispatched",
            State::Accepted => "accepted",
            State::InProgress => "in progress",
            State::OnHold => "on hold",
            State::Disputed => "disputed",
            State::AwaitingAcceptance => "awaiting acceptance",
            State::Resolved => "resolved",
            State::Closed => "closed",
            State::Cancelled => "cancelled",
            State::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Result<State, Error> {
        State::ALL
            .into_iter()
            .find(|x| x.code() == s.trim() || x.label_zh() == s.trim())
            .ok_or_else(|| {
                Error::invalid(
                    "state_invalid",
                    format!("没有“{s}”这个工单状态"),
                    format!("Unknown order state “{s}”"),
                )
                .with_field("state")
            })
    }

    /// No step leads out of these.
    pub fn is_final(self) -> bool {
        matches!(self, State::Closed | State::Cancelled | State::Merged)
    }

    /// Still needs someone to do something (for queues and duplicates).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            State::Resolved | State::Closed | State::Cancelled | State::Merged
        )
    }

    /// The code of the error "the order is in this state, so that step is not
    /// possible" — it names the current state, so clients can explain.
    pub fn conflict_code(self) -> &'static str {
        match self {
            State::Received => "order_is_received",
            State::Dispatched => "order_is_dispatched",
            State::Accepted => "order_is_accepted",
            State::InProgress => "order_is_in_progress",
            State::OnHold => "order_is_on_hold",
            State::Disputed => "order_is_disputed",
            State::AwaitingAcceptance => "order_is_awaiting_acceptance",
            State::Resolved => "order_is_resolved",
            State::Closed => "order_is_closed",
            State::Cancelled => "order_is_cancelled",
            State::Merged => "order_is_merged",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create (the first event of every timeline).
    Create,
    /// 派单: to a team (and maybe a person); again to re-assign.
    Dispatch,
    /// 抢单: a team member takes an order from the pool.
    Grab,
    /// 接单: the assignee acknowledges (the response).
    Accept,
    /// 开始处理
    Start,
    /// 挂起 (reason required)
    Hold,
    /// 恢复
    Resume,
    /// 完工 (note required, photos)
    Finish,
    /// 业主验收通过
    Confirm,
    /// 业主验收不通过 → rework (返工)
    Reject,
    /// 超期自动验收
    AutoAccept,
    /// 回访 (outcome, note) → closed
    ReturnVisit,
    /// 取消 (reason required)
    Cancel,
    /// 转单 to another team (reason required; counted)
    Transfer,
    /// 提出争议: the team rejects responsibility (reason required)
    Dispute,
    /// 裁定: a supervisor rules where the order goes
    Rule,
    /// 答复: consultations and the like, answered without dispatch
    Answer,
    /// 合并: closed as a duplicate of another order
    Merge,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Dispatch => "dispatch",
            Action::Grab => "grab",
            Action::Accept => "accept",
            Action::Start => "start",
            Action::Hold => "hold",
            Action::Resume => "resume",
            Action::Finish => "finish",
            Action::Confirm => "confirm",
            Action::Reject => "reject",
            Action::AutoAccept => "auto_accept",
            Action::ReturnVisit => "return_visit",
            Action::Cancel => "cancel",
            Action::Transfer => "transfer",
            Action::Dispute => "dispute",
            Action::Rule => "rule",
            Action::Answer => "answer",
            Action::Merge => "merge",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Create => "受理",
            Action::Dispatch => "派单",
            Action::Grab => "抢单",
            Action::Accept => "接单",
            Action::Start => "开始处理",
            Action::Hold => "挂起",
            Action::Resume => "恢复处理",
            Action::Finish => "完工",
            Action::Confirm => "验收通过",
            Action::Reject => "验收不通过",
            Action::AutoAccept => "自动验收",
            Action::ReturnVisit => "回访",
            Action::Cancel => "取消",
            Action::Transfer => "转单",
            Action::Dispute => "提出争议",
            Action::Rule => "裁定",
            Action::Answer => "答复",
            Action::Merge => "合并",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Action::AutoAccept => "auto-accept",
            Action::ReturnVisit => "return visit",
            other => other.code(),
        }
    }
}

/// Who may take a step, relative to the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Service-desk staff of the order's community: agent, supervisor, manager, admin.
    Desk,
    /// Supervisor, manager or admin of the order's community.
    Supervisor,
    /// The person the order is assigned to.
    Assignee,
    /// The lead of the order's team.
    TeamLead,
    /// A technician or vendor of the order's team.
    TeamMember,
    /// The resident who reported it.
    Reporter,
    /// wuye itself (timers, automatic dispatch).
    System,
}

/// How the caller stands to the order; computed by the app layer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub desk: bool,
    pub supervisor: bool,
    pub assignee: bool,
    pub team_lead: bool,
    pub team_member: bool,
    pub reporter: bool,
    pub system: bool,
}

impl Standing {
    pub fn system() -> Self {
        Standing {
            system: true,
            ..Default::default()
        }
    }

    pub fn is(&self, who: Who) -> bool {
        match who {
            Who::Desk => self.desk,
            Who::Supervisor => self.supervisor,
            Who::Assignee => self.assignee,
            Who::TeamLead => self.team_lead,
            Who::TeamMember => self.team_member,
            Who::Reporter => self.reporter,
            Who::System => self.system,
        }
    }
}

/// What a step needs besides the right state and person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// A non-empty reason.
    Reason,
    /// A non-empty note.
    Note,
}

#[derive(Debug)]
pub struct Transition {
    pub action: Action,
    pub from: &'static [State],
    pub to: State,
    pub who: &'static [Who],
    pub needs: Needs,
}

use State as S;
use Who as W;

const WORKING: &[State] = &[S::Dispatched, S::Accepted, S::InProgress, S::OnHold];
const CANCELLABLE: &[State] = &[
    S::Received,
    S::Dispatched,
    S::Accepted,
    S::InProgress,
    S::OnHold,
    S::Disputed,
];

/// The transition table. One row per (action, who-group); the first row
/// whose states and people match is taken.
#[rustfmt::skip]
pub const TRANSITIONS: &[Transition] = &[
    Transition { action: Action::Dispatch, from: &[S::Received, S::Dispatched], to: S::Dispatched, who: &[W::Desk, W::System], needs: Needs::Nothing },
    Transition { action: Action::Dispatch, from: &[S::Dispatched], to: S::Dispatched, who: &[W::TeamLead], needs: Needs::Nothing },
    Transition { action: Action::Grab, from: &[S::Received, S::Dispatched], to: S::Accepted, who: &[W::TeamMember], needs: Needs::Nothing },
    Transition { action: Action::Accept, from: &[S::Dispatched], to: S::Accepted, who: &[W::Assignee, W::TeamLead], needs: Needs::Nothing },
    Transition { action: Action::Start, from: &[S::Accepted], to: S::InProgress, who: &[W::Assignee, W::TeamLead], needs: Needs::Nothing },
    Transition { action: Action::Hold, from: &[S::Accepted, S::InProgress], to: S::OnHold, who: &[W::Assignee, W::TeamLead, W::Desk], needs: Needs::Reason },
    Transition { action: Action::Resume, from: &[S::OnHold], to: S::InProgress, who: &[W::Assignee, W::TeamLead, W::Desk], needs: Needs::Nothing },
    Transition { action: Action::Finish, from: &[S::InProgress], to: S::AwaitingAcceptance, who: &[W::Assignee, W::TeamLead], needs: Needs::Note },
    Transition { action: Action::Confirm, from: &[S::AwaitingAcceptance], to: S::Resolved, who: &[W::Reporter, W::Desk], needs: Needs::Nothing },
    Transition { action: Action::Reject, from: &[S::AwaitingAcceptance], to: S::InProgress, who: &[W::Reporter, W::Desk], needs: Needs::Reason },
    Transition { action: Action::AutoAccept, from: &[S::AwaitingAcceptance], to: S::Resolved, who: &[W::System], needs: Needs::Nothing },
    Transition { action: Action::ReturnVisit, from: &[S::Resolved], to: S::Closed, who: &[W::Desk], needs: Needs::Note },
    Transition { action: Action::Cancel, from: CANCELLABLE, to: S::Cancelled, who: &[W::Desk], needs: Needs::Reason },
    Transition { action: Action::Cancel, from: &[S::Received, S::Dispatched], to: S::Cancelled, who: &[W::Reporter], needs: Needs::Reason },
    Transition { action: Action::Transfer, from: WORKING, to: S::Dispatched, who: &[W::Desk, W::Assignee, W::TeamLead], needs: Needs::Reason },
    Transition { action: Action::Dispute, from: &[S::Dispatched, S::Accepted], to: S::Disputed, who: &[W::Assignee, W::TeamLead, W::TeamMember], needs: Needs::Reason },
    Transition { action: Action::Rule, from: &[S::Disputed], to: S::Dispatched, who: &[W::Supervisor], needs: Needs::Note },
    Transition { action: Action::Answer, from: &[S::Received, S::Dispatched], to: S::Resolved, who: &[W::Desk], needs: Needs::Note },
    Transition { action: Action::Merge, from: CANCELLABLE, to: S::Merged, who: &[W::Desk], needs: Needs::Nothing },
];

/// Finds the row that allows `action` from `state` for this caller.
///
/// A step that no row allows from the current state is a conflict naming the
/// state (409); a step allowed from this state, but not for this caller, is
/// forbidden (403).
pub fn transition(
    action: Action,
    state: State,
    who: &Standing,
) -> Result<&'static Transition, Error> {
    let from_here: Vec<&Transition> = TRANSITIONS
        .iter()
        .filter(|t| t.action == action && t.from.contains(&state))
        .collect();
    if from_here.is_empty() {
        return Err(Error::new(
            ErrorKind::Conflict,
            state.conflict_code(),
            format!(
                "工单当前为「{}」，不能{}",
                state.label_zh(),
                action.label_zh()
            ),
            format!(
                "The order is {}; it cannot be {}",
                state.label_en(),
                past(action)
            ),
        )
        .with_field("state"));
    }
    from_here
        .into_iter()
        .find(|t| t.who.iter().any(|w| who.is(*w)))
        .ok_or_else(Error::forbidden)
}

fn past(a: Action) -> &'static str {
    match a {
        Action::Create => "created",
        Action::Dispatch => "dispatched",
        Action::Grab => "grabbed",
        Action::Accept => "accepted",
        Action::Start => "started",
        Action::Hold => "put on hold",
        Action::Resume => "resumed",
        Action::Finish => "finished",
        Action::Confirm => "confirmed",
        Action::Reject => "rejected",
        Action::AutoAccept => "auto-accepted",
        Action::ReturnVisit => "closed with a return visit",
        Action::Cancel => "cancelled",
        Action::Transfer => "transferred",
        Action::Dispute => "disputed",
        Action::Rule => "ruled on",
        Action::Answer => "answered",
        Action::Merge => "merged",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_states_have_no_way_out() {
        for t in TRANSITIONS {
            for s in t.from {
                assert!(!s.is_final(), "{:?} leaves final state {s:?}", t.action);
            }
        }
    }

    #[test]
    fn every_state_but_the_final_ones_has_a_way_forward() {
        for s in State::ALL.into_iter().filter(|s| !s.is_final()) {
            assert!(
                TRANSITIONS.iter().any(|t| t.from.contains(&s)),
                "{s:?} is a dead end"
            );
        }
    }

    #[test]
    fn wrong_state_is_a_conflict_naming_it_wrong_person_is_forbidden() {
        let desk = Standing {
            desk: true,
            ..Default::default()
        };
        let e = transition(Action::Finish, State::Dispatched, &desk).unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "order_is_dispatched")
        );
        assert!(e.zh.contains("已派单"));
        let e = transition(Action::Finish, State::InProgress, &desk).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden);
        let tech = Standing {
            assignee: true,
            ..Default::default()
        };
        assert_eq!(
            transition(Action::Finish, State::InProgress, &tech)
                .unwrap()
                .to,
            State::AwaitingAcceptance
        );
    }

    #[test]
    fn residents_cancel_only_before_work_starts() {
        let me = Standing {
            reporter: true,
            ..Default::default()
        };
        assert!(transition(Action::Cancel, State::Received, &me).is_ok());
        assert_eq!(
            transition(Action::Cancel, State::InProgress, &me)
                .unwrap_err()
                .kind,
            ErrorKind::Forbidden
        );
    }
}
