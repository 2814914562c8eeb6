//! Steps through the life cycle: dispatch, grab, accept, … return visit.

use super::OrderNotice;
use super::access::standing;
use super::create::{actor_ref, too_many_photos};
use crate::App;
use crate::error::{AppError, Result};
use serde::Deserialize;
use wuye_domain::Error;
use wuye_domain::access::Actor;
use wuye_domain::directory::DispatchMode;
use wuye_domain::ids::*;
use wuye_domain::work_order::{self as wo, Command, OrderCore, Standing, State, VisitOutcome};
use wuye_store::order_log::{self, NewEvent};
use wuye_store::orders::{self, CoreUpdate, OrderRow};
use wuye_store::{Exec, people};

/// One step, named by `action`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepInput {
    /// 派单 to a team (and optionally a person); again to re-assign.
    Dispatch {
        team_id: i64,
        assignee_id: Option<i64>,
    },
    /// 抢单 from the team's pool.
    Grab,
    /// 接单
    Accept,
    /// 开始处理
    Start,
    /// 挂起 (pauses the resolution clock)
    Hold {
        reason: String,
    },
    Resume,
    /// 完工, with photos of the result
    Finish {
        note: String,
        #[serde(default)]
        photo_ids: Vec<String>,
    },
    /// 验收通过 (the resident, or the desk on their behalf)
    Confirm,
    /// 验收不通过 → rework
    Reject {
        reason: String,
    },
    /// 回访 → closed
    ReturnVisit {
        outcome: String,
        note: String,
    },
    Cancel {
        reason: String,
    },
    /// 转单 to another team
    Transfer {
        team_id: i64,
        reason: String,
    },
    /// The team rejects responsibility.
    Dispute {
        reason: String,
    },
    /// A supervisor rules where the disputed order goes.
    Rule {
        team_id: i64,
        assignee_id: Option<i64>,
        note: String,
    },
    /// Answer a consultation (or similar) without dispatch.
    Answer {
        note: String,
    },
    /// Close as a duplicate of another open order.
    Merge {
        into: i64,
        note: Option<String>,
    },
}

/// A command checked against the order under its row lock, to be written
/// in the same transaction.
pub(crate) struct CheckedStep<'a> {
    o: OrderRow,
    core: OrderCore,
    change: wo::Change,
    system: bool,
    cmd: &'a Command,
}

fn core_of(o: &OrderRow) -> Result<OrderCore> {
    Ok(OrderCore {
        state: State::parse(&o.state)?,
        kind: wo::Kind::parse(&o.kind)?,
        team: o.team_id.map(TeamId),
        assignee: o.assignee_id.map(StaffId),
        owner: o.owner_id.map(StaffId),
        transfer_count: o.transfer_count,
        reopen_count: o.reopen_count,
        dispute_count: o.dispute_count,
    })
}

impl App {
    /// Checks a team (and person) an order in `community` can go to.
    pub(crate) async fn check_dispatch_target(
        &self,
        actor: &Actor,
        community: CommunityId,
        team: TeamId,
        assignee: Option<StaffId>,
    ) -> Result<(TeamId, Option<StaffId>)> {
        let mut c = self.db.read().await?;
        let t = people::get_team(&mut c, actor.company_id, team)
            .await
            .map_err(|_| AppError::from(Error::not_found("班组", "team").with_field("team_id")))?;
        if let Some(a) = assignee {
            let s = people::get_staff(&mut c, actor.company_id, a)
                .await
                .map_err(|_| {
                    AppError::from(
                        Error::not_found("员工", "staff member").with_field("assignee_id"),
                    )
                })?;
            if !t.members.iter().any(|m| m.staff_id == a) {
                return Err(Error::invalid(
                    "assignee_not_in_team",
                    format!("{} 不在{}", s.name, t.name),
                    format!("{} is not in team {}", s.name, t.name),
                )
                .with_field("assignee_id")
                .into());
            }
            if !s.active || !s.communities.contains(&community) {
                return Err(Error::invalid(
                    "assignee_not_serving",
                    format!("{} 未在岗或不负责该小区", s.name),
                    format!("{} is inactive or does not serve this community", s.name),
                )
                .with_field("assignee_id")
                .into());
            }
        }
        Ok((t.id, assignee))
    }

    /// Takes one step on an order for an actor.
    pub async fn step(&self, actor: &Actor, id: i64, input: &StepInput) -> Result<()> {
        // Visibility first: an order the caller cannot see does not exist for them.
        let seen = self.visible_order(actor, id).await?;
        let (cmd, photos) = self.command_for(actor, &seen, input).await?;
        self.apply_step(actor, id, &cmd, false, &photos).await
    }

    async fn command_for(
        &self,
        actor: &Actor,
        o: &OrderRow,
        input: &StepInput,
    ) -> Result<(Command, Vec<String>)> {
        let community = CommunityId(o.community_id);
        let cmd = match input {
            StepInput::Dispatch {
                team_id,
                assignee_id,
            } => {
                let (team, assignee) = self
                    .check_dispatch_target(
                        actor,
                        community,
                        TeamId(*team_id),
                        assignee_id.map(StaffId),
                    )
                    .await?;
                Command::Dispatch { team, assignee }
            }
            StepInput::Grab => {
                let team = o.team_id.ok_or_else(not_in_pool)?;
                let mut c = self.db.read().await?;
                let t = people::get_team(&mut c, actor.company_id, TeamId(team)).await?;
                if t.dispatch_mode != DispatchMode::Grab {
                    return Err(not_in_pool().into());
                }
                Command::Grab
            }
            StepInput::Accept => Command::Accept,
            StepInput::Start => Command::Start,
            StepInput::Hold { reason } => Command::Hold {
                reason: reason.clone(),
            },
            StepInput::Resume => Command::Resume,
            StepInput::Finish { note, photo_ids } => {
                if photo_ids.len() > wo::MAX_PHOTOS_PER_STEP {
                    return Err(too_many_photos().into());
                }
                let photos = self.check_photo_refs(actor, photo_ids).await?;
                return Ok((Command::Finish { note: note.clone() }, photos));
            }
            StepInput::Confirm => Command::Confirm,
            StepInput::Reject { reason } => Command::Reject {
                reason: reason.clone(),
            },
            StepInput::ReturnVisit { outcome, note } => Command::ReturnVisit {
                outcome: VisitOutcome::parse(outcome)?,
                note: note.clone(),
            },
            StepInput::Cancel { reason } => Command::Cancel {
                reason: reason.clone(),
            },
            StepInput::Transfer { team_id, reason } => {
                let (team, _) = self
                    .check_dispatch_target(actor, community, TeamId(*team_id), None)
                    .await?;
                Command::Transfer {
                    team,
                    reason: reason.clone(),
                }
            }
            StepInput::Dispute { reason } => Command::Dispute {
                reason: reason.clone(),
            },
            StepInput::Rule {
                team_id,
                assignee_id,
                note,
            } => {
                let (team, assignee) = self
                    .check_dispatch_target(
                        actor,
                        community,
                        TeamId(*team_id),
                        assignee_id.map(StaffId),
                    )
                    .await?;
                Command::Rule {
                    team,
                    assignee,
                    note: note.clone(),
                }
            }
            StepInput::Answer { note } => Command::Answer { note: note.clone() },
            StepInput::Merge { into, note } => {
                if *into == o.id {
                    return Err(Error::invalid(
                        "merge_into_self",
                        "不能合并到自身",
                        "An order cannot be merged into itself",
                    )
                    .with_field("into")
                    .into());
                }
                let target = self
                    .visible_order(actor, *into)
                    .await
                    .map_err(|e| crate::directory::property::with_field(e, "into"))?;
                let st = State::parse(&target.state)?;
                if !st.is_open() {
                    return Err(Error::conflict(
                        "merge_target_closed",
                        "只能合并到仍在处理中的工单",
                        "Merge only into an order that is still open",
                    )
                    .with_field("into")
                    .into());
                }
                Command::Merge {
                    into: *into,
                    note: note
                        .clone()
                        .unwrap_or_else(|| format!("与 {} 重复", target.number)),
                }
            }
        };
        Ok((cmd, vec![]))
    }

    /// Applies a command in one transaction: the order row (locked), the
    /// timeline event, the handler log, followers on merge.
    /// `system` steps (timers) stand as wuye itself; others as the actor
    /// stands to the order as it is now, under the row lock.
    pub(crate) async fn apply_step(
        &self,
        actor: &Actor,
        id: i64,
        cmd: &Command,
        system: bool,
        photos: &[String],
    ) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.db.begin_direct().await?;
        let step = self.check_step(&mut tx, actor, id, cmd, system).await?;
        let notice = self.write_step(&mut tx, actor, step, photos, now).await?;
        self.refresh_derived(&mut tx, actor.company_id, id, now, false)
            .await?;
        tx.commit().await?;
        self.announce(notice);
        Ok(())
    }

    /// Reads the order under the row lock and checks the command against
    /// it. It writes nothing, so a refusal leaves the caller's transaction
    /// as it was (creation falls back to the dispatcher's queue on one).
    pub(crate) async fn check_step<'a>(
        &self,
        c: &mut impl Exec,
        actor: &Actor,
        id: i64,
        cmd: &'a Command,
        system: bool,
    ) -> Result<CheckedStep<'a>> {
        let o = orders::get(c, self.db.backend(), actor.company_id, id, true).await?;
        let who = if system {
            Standing::system()
        } else {
            standing(actor, &o)
        };
        let mut core = core_of(&o)?;
        let change = core.apply(cmd, &who, if system { None } else { actor.staff_id })?;
        Ok(CheckedStep {
            o,
            core,
            change,
            system: who.system,
            cmd,
        })
    }

    /// Writes a checked step: the order row, the timeline event, the
    /// notification outbox, the handler log, followers on merge. The caller
    /// refreshes the clocks and KPIs, commits, then announces the notice.
    pub(crate) async fn write_step(
        &self,
        tx: &mut impl Exec,
        actor: &Actor,
        step: CheckedStep<'_>,
        photos: &[String],
        now: i64,
    ) -> Result<OrderNotice> {
        let CheckedStep {
            o,
            core,
            change,
            system,
            cmd,
        } = step;
        let id = o.id;
        let to = change.to;
        let auto_accept_days = self.config.auto_accept_days;
        let set_first = |old: Option<i64>, cond: bool| {
            if cond && old.is_none() {
                Some(now)
            } else {
                old
            }
        };
        let mut return_visit_due = o.return_visit_due != 0;
        let mut return_visit_reason = o.return_visit_reason.clone();
        if to == State::Resolved
            && wo::sampled_for_return_visit(o.id, self.config.return_visit_sample_percent)
        {
            return_visit_due = true;
            return_visit_reason = Some("sampled".into());
        }
        if to == State::Closed {
            return_visit_due = false;
        }
        let merged_into = match cmd {
            Command::Merge { into, .. } => Some(*into),
            _ => o.merged_into,
        };
        orders::update_core(
            &mut *tx,
            id,
            &CoreUpdate {
                state: to.code(),
                team: core.team,
                assignee: core.assignee,
                owner: core.owner,
                transfer_count: core.transfer_count,
                reopen_count: core.reopen_count,
                dispute_count: core.dispute_count,
                merged_into,
                dispatched_at: if to == State::Dispatched {
                    Some(now)
                } else {
                    o.dispatched_at
                },
                accepted_at: set_first(o.accepted_at, to == State::Accepted),
                finished_at: if to == State::AwaitingAcceptance {
                    Some(now)
                } else {
                    o.finished_at
                },
                resolved_at: if to == State::Resolved {
                    Some(now)
                } else {
                    o.resolved_at
                },
                closed_at: if to == State::Closed {
                    Some(now)
                } else {
                    o.closed_at
                },
                cancelled_at: if to == State::Cancelled {
                    Some(now)
                } else {
                    o.cancelled_at
                },
                auto_accept_at: (to == State::AwaitingAcceptance)
                    .then_some(now + auto_accept_days * 86_400_000),
                return_visit_due,
                return_visit_reason: return_visit_reason.as_deref(),
                now_ms: now,
            },
        )
        .await?;
        let (actor_kind, actor_id) = if system {
            ("system", None)
        } else {
            actor_ref(actor)
        };
        let new_event = NewEvent {
            order: id,
            at_ms: now,
            actor_kind,
            actor_id,
            actor_name: &actor.display_name,
            action: change.action.code(),
            from_state: Some(change.from.code()),
            to_state: Some(to.code()),
            note: change.note.as_deref(),
            internal: false,
            data: &change.data,
            photos,
        };
        let event = self
            .record_event(&mut *tx, actor.company_id, &new_event)
            .await?;
        // The handler log: who holds the order now.
        let holder = match to {
            State::Dispatched
            | State::Accepted
            | State::InProgress
            | State::OnHold
            | State::Disputed => Some((core.team, core.assignee)),
            _ => None,
        };
        order_log::change_handler(&mut *tx, id, now, change.action.code(), holder).await?;
        if let Some(a) = core.assignee.filter(|a| o.assignee_id != Some(a.0)) {
            wuye_store::dispatch::touch_assigned(&mut *tx, a, now).await?;
        }
        if let Command::Merge { into, .. } = cmd {
            // The survivor's updates reach whoever reported the duplicate.
            if let Some(r) = o.reporter_resident_id {
                order_log::add_resident_follower(
                    &mut *tx,
                    *into,
                    ResidentId(r),
                    "reporter_of_merged",
                    now,
                )
                .await?;
            }
            for f in order_log::followers(&mut *tx, id).await? {
                if let Some(r) = f.resident_id {
                    order_log::add_resident_follower(
                        &mut *tx,
                        *into,
                        ResidentId(r),
                        "reporter_of_merged",
                        now,
                    )
                    .await?;
                }
            }
            order_log::insert_event(
                &mut *tx,
                &NewEvent {
                    order: *into,
                    at_ms: now,
                    actor_kind,
                    actor_id,
                    actor_name: &actor.display_name,
                    action: "merged_in",
                    from_state: None,
                    to_state: None,
                    note: Some(&format!("{}：{}", o.number, o.text)),
                    internal: false,
                    data: &serde_json::json!({"order_id": id, "number": o.number}),
                    photos: &[],
                },
            )
            .await?;
        }
        Ok(OrderNotice::step(
            actor.company_id.0,
            id,
            event,
            change.action,
            change.from,
            to,
            now,
        ))
    }
}

fn not_in_pool() -> Error {
    Error::conflict(
        "not_in_pool",
        "该工单不在抢单池中（需派到抢单模式的班组且未指派人员）",
        "This order is not in a grab pool (it must be with a team in grab mode and unassigned)",
    )
}
