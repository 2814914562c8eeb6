//! The order as the state machine sees it, and the commands that move it.
//! `apply` checks the transition table, the step's own rules (a team to
//! dispatch to, a reason to hold), updates the counters, and describes the
//! change for the timeline. Everything here is pure: the app layer loads the
//! order, applies, and stores the result with its event in one transaction.

use super::kinds::{Kind, VisitOutcome};
use super::state::{Action, Needs, Standing, State, transition};
use crate::error::Error;
use crate::ids::{StaffId, TeamId};
use serde::Serialize;

/// The parts of an order the life cycle reads and changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCore {
    pub state: State,
    pub kind: Kind,
    pub team: Option<TeamId>,
    pub assignee: Option<StaffId>,
    /// 首问责任人: the first staff member who received or acted on it.
    pub owner: Option<StaffId>,
    pub transfer_count: i64,
    pub reopen_count: i64,
    pub dispute_count: i64,
}

impl OrderCore {
    pub fn new(kind: Kind, owner: Option<StaffId>) -> Self {
        Self {
            state: State::Received,
            kind,
            team: None,
            assignee: None,
            owner,
            transfer_count: 0,
            reopen_count: 0,
            dispute_count: 0,
        }
    }
}

/// A step someone asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Dispatch {
        team: TeamId,
        assignee: Option<StaffId>,
    },
    Grab,
    Accept,
    Start,
    Hold {
        reason: String,
    },
    Resume,
    Finish {
        note: String,
    },
    Confirm,
    Reject {
        reason: String,
    },
    AutoAccept,
    ReturnVisit {
        outcome: VisitOutcome,
        note: String,
    },
    Cancel {
        reason: String,
    },
    Transfer {
        team: TeamId,
        reason: String,
    },
    Dispute {
        reason: String,
    },
    Rule {
        team: TeamId,
        assignee: Option<StaffId>,
        note: String,
    },
    Answer {
        note: String,
    },
    Merge {
        into: i64,
        note: String,
    },
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Command::Dispatch { .. } => Action::Dispatch,
            Command::Grab => Action::Grab,
            Command::Accept => Action::Accept,
            Command::Start => Action::Start,
            Command::Hold { .. } => Action::Hold,
            Command::Resume => Action::Resume,
            Command::Finish { .. } => Action::Finish,
            Command::Confirm => Action::Confirm,
            Command::Reject { .. } => Action::Reject,
            Command::AutoAccept => Action::AutoAccept,
            Command::ReturnVisit { .. } => Action::ReturnVisit,
            Command::Cancel { .. } => Action::Cancel,
            Command::Transfer { .. } => Action::Transfer,
            Command::Dispute { .. } => Action::Dispute,
            Command::Rule { .. } => Action::Rule,
            Command::Answer { .. } => Action::Answer,
            Command::Merge { .. } => Action::Merge,
        }
    }

    /// The free text the step carries (reason or note).
    pub fn text(&self) -> Option<&str> {
        match self {
            Command::Hold { reason }
            | Command::Reject { reason }
            | Command::Cancel { reason }
            | Command::Transfer { reason, .. }
            | Command::Dispute { reason } => Some(reason),
            Command::Finish { note }
            | Command::ReturnVisit { note, .. }
            | Command::Rule { note, .. }
            | Command::Answer { note }
            | Command::Merge { note, .. } => Some(note),
            _ => None,
        }
    }
}

/// What a step changed, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub action: Action,
    pub from: State,
    pub to: State,
    pub note: Option<String>,
    /// Step details: team, assignee, outcome, merge target.
    pub data: serde_json::Value,
}

pub const MAX_NOTE_CHARS: usize = 1000;

fn required_text(text: Option<&str>, needs: Needs) -> Result<Option<String>, Error> {
    let t = text.map(str::trim).filter(|s| !s.is_empty());
    if let Some(s) = t
        && s.chars().count() > MAX_NOTE_CHARS
    {
        return Err(Error::invalid(
            "note_too_long",
            format!("说明不能超过 {MAX_NOTE_CHARS} 个字"),
            format!("A note may have at most {MAX_NOTE_CHARS} characters"),
        )
        .with_field("note"));
    }
    match (needs, t) {
        (Needs::Reason, None) => {
            Err(
                Error::invalid("reason_required", "请填写原因", "A reason is required")
                    .with_field("reason"),
            )
        }
        (Needs::Note, None) => {
            Err(
                Error::invalid("note_required", "请填写说明", "A note is required")
                    .with_field("note"),
            )
        }
        (_, t) => Ok(t.map(str::to_string)),
    }
}

impl OrderCore {
    /// Applies a command for a caller standing as `who`; `actor` is the staff
    /// member acting, if staff (they become the owner if it has none yet).
    pub fn apply(
        &mut self,
        cmd: &Command,
        who: &Standing,
        actor: Option<StaffId>,
    ) -> Result<Change, Error> {
        let action = cmd.action();
        let t = transition(action, self.state, who)?;
        let note = required_text(cmd.text(), t.needs)?;
        if self.kind == Kind::Repair && action == Action::Answer {
            return Err(Error::invalid(
                "answer_not_for_repairs",
                "报修工单需要派单处理，不能直接答复",
                "Repairs are dispatched, not answered",
            ));
        }
        let from = self.state;
        let mut data = serde_json::json!({});
        match cmd {
            Command::Dispatch { team, assignee } => {
                self.team = Some(*team);
                self.assignee = *assignee;
                data = serde_json::json!({"team_id": team, "assignee_id": assignee});
            }
            Command::Grab => {
                let me = actor.ok_or_else(Error::forbidden)?;
                if self.assignee.is_some_and(|a| a != me) {
                    return Err(Error::conflict(
                        "already_assigned",
                        "该工单已指派给其他人",
                        "This order is already assigned to someone else",
                    ));
                }
                self.assignee = Some(me);
                data = serde_json::json!({"assignee_id": me});
            }
            Command::Accept
            | Command::Start
            | Command::Resume
            | Command::Confirm
            | Command::AutoAccept => {
                if matches!(cmd, Command::Accept) && self.assignee.is_none() {
                    self.assignee = actor;
                }
            }
            Command::Hold { .. }
            | Command::Finish { .. }
            | Command::Cancel { .. }
            | Command::Answer { .. } => {}
            Command::Reject { .. } => {
                self.reopen_count += 1;
            }
            Command::ReturnVisit { outcome, .. } => {
                data = serde_json::json!({"outcome": outcome});
            }
            Command::Transfer { team, .. } => {
                if self.team == Some(*team) {
                    return Err(Error::invalid(
                        "transfer_same_team",
                        "不能转给当前班组",
                        "The order is already with that team",
                    )
                    .with_field("team_id"));
                }
                data = serde_json::json!({"from_team_id": self.team, "team_id": team});
                self.team = Some(*team);
                self.assignee = None;
                self.transfer_count += 1;
            }
            Command::Dispute { .. } => {
                self.dispute_count += 1;
                data = serde_json::json!({"team_id": self.team});
            }
            Command::Rule { team, assignee, .. } => {
                data = serde_json::json!({"from_team_id": self.team, "team_id": team, "assignee_id": assignee});
                if self.team != Some(*team) {
                    self.transfer_count += 1;
                }
                self.team = Some(*team);
                self.assignee = *assignee;
            }
            Command::Merge { into, .. } => {
                data = serde_json::json!({"into": into});
            }
        }
        self.state = t.to;
        if self.owner.is_none() {
            self.owner = actor;
        }
        Ok(Change {
            action,
            from,
            to: t.to,
            note,
            data,
        })
    }
}
