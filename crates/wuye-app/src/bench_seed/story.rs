//! What happens to one order after it is made: the steps (who, what, how
//! long after the previous one) that take it to its planned final state.
//! The steps are commands of the domain's state machine; `apply` replays
//! them through `OrderCore::apply`, so every timeline is a path the real
//! application would allow.

use super::company::TeamInfo;
use super::plan::{DAY, HOUR, MINUTE};
use super::texts::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use wuye_domain::directory::DispatchMode;
use wuye_domain::ids::{StaffId, TeamId};
use wuye_domain::work_order::{Command, Kind, Standing, State, VisitOutcome};

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// A service-desk agent (index into the company's staff).
    Desk(usize),
    /// A supervisor of the community.
    Supervisor(usize),
    /// A member of the order's team; `assignee` when they hold the order.
    Member {
        staff: usize,
        lead: bool,
        assignee: bool,
    },
    /// The resident who reported it.
    Reporter,
    /// wuye itself, under this name.
    System(&'static str),
}

impl By {
    pub fn standing(self) -> Standing {
        match self {
            By::Desk(_) => Standing {
                desk: true,
                ..Default::default()
            },
            By::Supervisor(_) => Standing {
                desk: true,
                supervisor: true,
                ..Default::default()
            },
            By::Member { lead, assignee, .. } => Standing {
                assignee,
                team_lead: lead,
                team_member: true,
                ..Default::default()
            },
            By::Reporter => Standing {
                reporter: true,
                ..Default::default()
            },
            By::System(_) => Standing::system(),
        }
    }

    /// The staff member acting (index), if staff.
    pub fn staff(self) -> Option<usize> {
        match self {
            By::Desk(s) | By::Supervisor(s) | By::Member { staff: s, .. } => Some(s),
            By::Reporter | By::System(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    Step(Command),
    /// The resident's rating: stars and a comment.
    Rate(i64, Option<&'static str>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub act: Act,
    pub by: By,
    /// After the previous step (or the creation).
    pub delay: i64,
    /// Not compressed when the story must fit before now (auto-accept).
    pub fixed: bool,
    /// Set by [`schedule`].
    pub at: i64,
}

/// What a story needs to know.
pub struct Input<'a> {
    pub kind: Kind,
    pub target: State,
    /// The category's team and its index; the company's other teams.
    pub team: usize,
    pub teams: &'a [TeamInfo],
    pub agent: usize,
    pub supervisor: usize,
    /// A resident reported it (and may confirm, reject, rate, cancel).
    pub has_reporter: bool,
    /// The classifier was sure enough to dispatch by itself.
    pub confident: bool,
    /// Staff made it and dispatched it at once.
    pub staff_dispatch: bool,
    /// For a duplicate: the id and number of the order it is merged into.
    pub merge_into: Option<(i64, String)>,
    pub auto_accept_ms: i64,
    /// How fast the team works on it: 1 regular, less for urgent jobs.
    pub pace: f64,
}

pub struct Story {
    pub steps: Vec<Step>,
    /// none | auto | team | pool | queue | staff
    pub dispatch_status: &'static str,
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

/// Minutes in [lo, hi), with a long tail now and then.
fn mins(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    let base = rng.random_range(lo..hi) * MINUTE;
    if rng.random_bool(0.08) {
        base * rng.random_range(3..10)
    } else {
        base
    }
}

struct Builder {
    steps: Vec<Step>,
}

impl Builder {
    fn push(&mut self, cmd: Command, by: By, delay: i64) {
        self.steps.push(Step {
            act: Act::Step(cmd),
            by,
            delay,
            fixed: false,
            at: 0,
        });
    }
}

/// Picks a person of a team to hold the order (not the lead, mostly).
fn member(rng: &mut ChaCha8Rng, t: &TeamInfo) -> By {
    let i = if t.members.len() > 1 && rng.random_bool(0.85) {
        rng.random_range(1..t.members.len())
    } else {
        0
    };
    By::Member {
        staff: t.members[i],
        lead: i == 0,
        assignee: true,
    }
}

fn staff_id(by: By, staff_ids: &[i64]) -> Option<StaffId> {
    by.staff().map(|s| StaffId(staff_ids[s]))
}

/// The steps that take an order to `inp.target`.
pub fn story(inp: &Input, staff_ids: &[i64], rng: &mut ChaCha8Rng) -> Story {
    let mut b = Builder { steps: vec![] };
    let desk = By::Desk(inp.agent);
    // Work delays, faster for urgent jobs.
    let work = |rng: &mut ChaCha8Rng, lo: i64, hi: i64| {
        ((mins(rng, lo, hi) as f64 * inp.pace) as i64).max(MINUTE)
    };
    let dispatchable = matches!(inp.kind, Kind::Repair | Kind::Complaint);
    let target = inp.target;
    let reporter_or_desk = |rng: &mut ChaCha8Rng| {
        if inp.has_reporter && rng.random_bool(0.4) {
            (By::Reporter, pick(rng, RESIDENT_CANCEL))
        } else {
            (desk, pick(rng, DESK_CANCEL))
        }
    };
    if !dispatchable {
        match target {
            State::Received => {}
            State::Cancelled => {
                let (by, reason) = reporter_or_desk(rng);
                let reason = reason.to_string();
                b.push(Command::Cancel { reason }, by, mins(rng, 5, 240));
            }
            _ => {
                let note = pick(rng, ANSWER_NOTES).to_string();
                b.push(Command::Answer { note }, desk, mins(rng, 5, 100));
                finish_up(&mut b, inp, rng);
            }
        }
        let status = "none";
        return Story {
            steps: b.steps,
            dispatch_status: status,
        };
    }
    let mut team = &inp.teams[inp.team];
    let mut team_id = TeamId(team.id);
    // Dispatch.
    let status = if (inp.merge_into.is_some() && !inp.confident) || target == State::Received {
        "queue"
    } else if inp.staff_dispatch {
        "staff"
    } else if !inp.confident {
        "queue"
    } else {
        match team.mode {
            DispatchMode::Grab => "pool",
            _ if rng.random_bool(0.06) => "team",
            _ => "auto",
        }
    };
    let mut holder = member(rng, team);
    let system = By::System("智能派单");
    match status {
        "queue" if target == State::Received => {}
        "queue" if inp.merge_into.is_some() => {}
        "queue" => {
            let assignee = staff_id(holder, staff_ids);
            b.push(
                Command::Dispatch {
                    team: team_id,
                    assignee,
                },
                desk,
                work(rng, 5, 60),
            );
        }
        "staff" => {
            let assignee = staff_id(holder, staff_ids);
            b.push(
                Command::Dispatch {
                    team: team_id,
                    assignee,
                },
                desk,
                rng.random_range(20_000..120_000),
            );
        }
        "pool" => b.push(
            Command::Dispatch {
                team: team_id,
                assignee: None,
            },
            system,
            1_000,
        ),
        "team" => {
            b.push(
                Command::Dispatch {
                    team: team_id,
                    assignee: None,
                },
                system,
                1_000,
            );
            let lead = By::Member {
                staff: team.members[0],
                lead: true,
                assignee: false,
            };
            let assignee = staff_id(holder, staff_ids);
            b.push(
                Command::Dispatch {
                    team: team_id,
                    assignee,
                },
                lead,
                work(rng, 10, 60),
            );
        }
        _ => {
            let assignee = staff_id(holder, staff_ids);
            b.push(
                Command::Dispatch {
                    team: team_id,
                    assignee,
                },
                system,
                1_000,
            );
        }
    }
    if let Some((into, number)) = &inp.merge_into {
        let note = format!("与 {number} 重复");
        b.push(Command::Merge { into: *into, note }, desk, mins(rng, 3, 30));
        return Story {
            steps: b.steps,
            dispatch_status: status,
        };
    }
    if target == State::Received {
        return Story {
            steps: b.steps,
            dispatch_status: status,
        };
    }
    let mut pooled = status == "pool";
    let cancel_at = (target == State::Cancelled).then(|| rng.random_range(0..4));
    let cancel = |b: &mut Builder, rng: &mut ChaCha8Rng, early: bool| {
        let (by, reason) = if early {
            reporter_or_desk(rng)
        } else {
            (desk, pick(rng, DESK_CANCEL))
        };
        let reason = reason.to_string();
        b.push(Command::Cancel { reason }, by, mins(rng, 10, 600));
    };
    if cancel_at == Some(0) {
        cancel(&mut b, rng, true);
        return Story {
            steps: b.steps,
            dispatch_status: status,
        };
    }
    // A transfer to another team now and then.
    if rng.random_bool(0.03) || (target == State::Dispatched && rng.random_bool(0.2)) {
        let other = (inp.team + rng.random_range(1..inp.teams.len())) % inp.teams.len();
        let by = if pooled || rng.random_bool(0.5) {
            desk
        } else {
            holder
        };
        pooled = false;
        let reason = pick(rng, TRANSFER_REASONS).to_string();
        team = &inp.teams[other];
        team_id = TeamId(team.id);
        b.push(
            Command::Transfer {
                team: team_id,
                reason,
            },
            by,
            mins(rng, 10, 120),
        );
        holder = member(rng, team);
        let assignee = staff_id(holder, staff_ids);
        b.push(
            Command::Dispatch {
                team: team_id,
                assignee,
            },
            desk,
            mins(rng, 5, 60),
        );
    }
    if target == State::Dispatched {
        return Story {
            steps: b.steps,
            dispatch_status: status,
        };
    }
    if pooled {
        let grabber = member(rng, team);
        let By::Member { staff, lead, .. } = grabber else {
            unreachable!()
        };
        b.push(
            Command::Grab,
            By::Member {
                staff,
                lead,
                assignee: false,
            },
            work(rng, 5, 90),
        );
        holder = grabber;
    } else {
        b.push(Command::Accept, holder, work(rng, 5, 90));
    }
    if target == State::Disputed || rng.random_bool(0.02) {
        let reason = pick(rng, DISPUTE_REASONS).to_string();
        b.push(Command::Dispute { reason }, holder, mins(rng, 5, 60));
        if target == State::Disputed {
            return Story {
                steps: b.steps,
                dispatch_status: status,
            };
        }
        let other = if rng.random_bool(0.5) {
            inp.team
        } else {
            (inp.team + 1 + rng.random_range(0..inp.teams.len() - 1)) % inp.teams.len()
        };
        team = &inp.teams[other];
        holder = member(rng, team);
        let note = pick(rng, RULE_NOTES).to_string();
        let assignee = staff_id(holder, staff_ids);
        let sup = By::Supervisor(inp.supervisor);
        b.push(
            Command::Rule {
                team: TeamId(team.id),
                assignee,
                note,
            },
            sup,
            mins(rng, 30, 600),
        );
        b.push(Command::Accept, holder, work(rng, 5, 90));
    }
    if target == State::Accepted {
        return Story {
            steps: b.steps,
            dispatch_status: status,
        };
    }
    if cancel_at == Some(1) {
        cancel(&mut b, rng, false);
        return Story {
            steps: b.steps,
            dispatch_status: status,
        };
    }
    b.push(Command::Start, holder, work(rng, 0, 60));
    if target == State::OnHold || rng.random_bool(0.12) {
        let reason = pick(rng, HOLD_REASONS).to_string();
        b.push(Command::Hold { reason }, holder, mins(rng, 20, 120));
        if target == State::OnHold {
            return Story {
                steps: b.steps,
                dispatch_status: status,
            };
        }
        b.push(Command::Resume, holder, mins(rng, 120, 2 * 24 * 60));
    }
    if target == State::InProgress {
        return Story {
            steps: b.steps,
            dispatch_status: status,
        };
    }
    if cancel_at.is_some() {
        cancel(&mut b, rng, false);
        return Story {
            steps: b.steps,
            dispatch_status: status,
        };
    }
    let note = pick(rng, FINISH_NOTES).to_string();
    b.push(Command::Finish { note }, holder, work(rng, 30, 600));
    if target != State::AwaitingAcceptance && rng.random_bool(0.05) {
        let by = if inp.has_reporter { By::Reporter } else { desk };
        let reason = pick(rng, REJECT_REASONS).to_string();
        b.push(Command::Reject { reason }, by, mins(rng, 60, 600));
        let note = pick(rng, REWORK_NOTES).to_string();
        b.push(Command::Finish { note }, holder, mins(rng, 60, 600));
    }
    if target == State::AwaitingAcceptance {
        return Story {
            steps: b.steps,
            dispatch_status: status,
        };
    }
    let roll: f64 = rng.random();
    if inp.has_reporter && roll < 0.7 {
        b.push(Command::Confirm, By::Reporter, mins(rng, 30, 1_500));
    } else if roll < 0.85 {
        b.push(Command::Confirm, desk, mins(rng, 30, 1_500));
    } else {
        b.steps.push(Step {
            act: Act::Step(Command::AutoAccept),
            by: By::System("系统自动验收"),
            delay: inp.auto_accept_ms,
            fixed: true,
            at: 0,
        });
    }
    finish_up(&mut b, inp, rng);
    Story {
        steps: b.steps,
        dispatch_status: status,
    }
}

/// After resolution: the resident's rating, and the return visit that
/// closes the order.
fn finish_up(b: &mut Builder, inp: &Input, rng: &mut ChaCha8Rng) {
    let mut low = false;
    let rated =
        inp.has_reporter && rng.random_bool(if inp.kind == Kind::Repair { 0.65 } else { 0.3 });
    if rated {
        let stars = pick(rng, &[5, 5, 5, 5, 5, 5, 4, 4, 4, 3, 2, 1]);
        low = stars <= 3;
        let comment = if low {
            Some(pick(rng, BAD_COMMENTS))
        } else {
            rng.random_bool(0.5).then(|| pick(rng, GOOD_COMMENTS))
        };
        b.steps.push(Step {
            act: Act::Rate(stars, comment),
            by: By::Reporter,
            delay: mins(rng, 5, 600),
            fixed: false,
            at: 0,
        });
    }
    if inp.target != State::Closed {
        return;
    }
    let (outcome, notes) = if low {
        (VisitOutcome::Unsatisfied, VISIT_UNSATISFIED)
    } else if rng.random_bool(0.06) {
        (VisitOutcome::Unreachable, VISIT_UNREACHABLE)
    } else {
        (VisitOutcome::Satisfied, VISIT_SATISFIED)
    };
    let by = if low || rng.random_bool(0.3) {
        By::Supervisor(inp.supervisor)
    } else {
        By::Desk(inp.agent)
    };
    let note = pick(rng, notes).to_string();
    b.push(
        Command::ReturnVisit { outcome, note },
        by,
        mins(rng, 60, 3 * 24 * 60),
    );
}

/// Sets each step's time: after `created`, before `now` (less a minute).
/// Variable delays shrink to fit; a fixed delay (auto-accept) that cannot
/// fit becomes the desk's confirmation.
pub fn schedule(steps: &mut [Step], created: i64, now: i64, desk: usize) {
    let budget = now - MINUTE - created;
    let var: i64 = steps.iter().filter(|s| !s.fixed).map(|s| s.delay).sum();
    let mut fixed: i64 = steps.iter().filter(|s| s.fixed).map(|s| s.delay).sum();
    if fixed > 0 && fixed + var.min(HOUR) > budget {
        for s in steps.iter_mut().filter(|s| s.fixed) {
            s.fixed = false;
            s.delay = HOUR;
            s.act = Act::Step(Command::Confirm);
            s.by = By::Desk(desk);
        }
        fixed = 0;
    }
    let var: i64 = steps.iter().filter(|s| !s.fixed).map(|s| s.delay).sum();
    let room = (budget - fixed).max(0);
    let mut t = created;
    for s in steps.iter_mut() {
        let d = if s.fixed || var <= room {
            s.delay
        } else {
            (s.delay as i128 * room as i128 / var.max(1) as i128) as i64
        };
        t += d.max(if s.fixed { 0 } else { 1 });
        s.at = t;
    }
    debug_assert!(steps.last().is_none_or(|s| s.at < now + DAY));
}
