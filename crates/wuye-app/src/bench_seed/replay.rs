//! Replays a story through the domain's state machine, writing what the
//! application's step use case writes: the order's fields, one timeline
//! event per step, the handler log, the rating.

use super::company::Person;
use super::story::{Act, By, Step};
use wuye_domain::ids::{StaffId, TeamId};
use wuye_domain::work_order::{self as wo, Command, OrderCore, State};
use wuye_store::bulk::{EventRow, HandlerRow, Str, Text};

/// (from, team, assignee, owner): who held an order from an instant on.
pub type Holder = (i64, Option<i64>, Option<i64>, Option<i64>);

/// Who made the order (the first event's actor).
#[derive(Debug, Clone)]
pub struct Maker {
    pub kind: &'static str,
    pub id: Option<i64>,
    pub name: Str,
}

/// The order's fields that steps change.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub dispatched_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub auto_accept_at: Option<i64>,
    pub merged_into: Option<i64>,
    pub return_visit_due: bool,
    pub return_visit_reason: Option<&'static str>,
    pub rating: Option<i64>,
    pub rating_comment: Option<&'static str>,
    pub rated_at: Option<i64>,
    pub updated_at: i64,
    pub version: i64,
}

pub struct Replayed {
    pub core: OrderCore,
    pub fields: Fields,
    /// Ids are set when the rows are numbered.
    pub events: Vec<EventRow>,
    pub handlers: Vec<HandlerRow>,
    /// The state entered at each instant, the creation first.
    pub history: Vec<(i64, State)>,
    /// (from, team, assignee, owner) after each change.
    pub holders: Vec<Holder>,
    /// Staff newly assigned, and when.
    pub assigned: Vec<(i64, i64)>,
    /// The merge step (target, time, agent), if any.
    pub merge: Option<(i64, i64, usize)>,
}

pub struct Context<'a> {
    pub order: i64,
    pub created: i64,
    pub staff: &'a [Person],
    pub reporter: Option<&'a Person>,
    pub auto_accept_ms: i64,
    pub sample_percent: u8,
}

fn actor(by: By, cx: &Context) -> (&'static str, Option<i64>, Text) {
    match by {
        By::Desk(s) | By::Supervisor(s) | By::Member { staff: s, .. } => {
            let p = &cx.staff[s];
            ("staff", Some(p.id), Text::Shared(p.name.clone()))
        }
        By::Reporter => {
            let p = cx.reporter.expect("a reporter takes reporter steps");
            ("resident", Some(p.id), Text::Shared(p.name.clone()))
        }
        By::System(name) => ("system", None, Text::Static(name)),
    }
}

fn event(cx: &Context, at: i64, by: By, action: &'static str) -> EventRow {
    let (actor_kind, actor_id, actor_name) = actor(by, cx);
    EventRow {
        id: 0,
        order_id: cx.order,
        at,
        actor_kind,
        actor_id,
        actor_name,
        action,
        from_state: None,
        to_state: None,
        note: None,
        internal: 0,
        data: Text::Static("{}"),
        photos: "[]",
    }
}

/// Applies the steps to a new order of `core`; fails if the machine refuses
/// one (a bug in the story, never expected).
pub fn replay(
    mut core: OrderCore,
    steps: &[Step],
    cx: &Context,
) -> Result<Replayed, wuye_domain::Error> {
    let mut f = Fields {
        updated_at: cx.created,
        version: 1,
        ..Default::default()
    };
    let mut events = Vec::with_capacity(steps.len());
    let mut handlers: Vec<HandlerRow> = Vec::new();
    let mut history = vec![(cx.created, State::Received)];
    let mut holders = vec![(cx.created, None, None, core.owner.map(|s| s.0))];
    let mut assigned = Vec::new();
    let mut merge = None;
    for s in steps {
        let now = s.at;
        let cmd = match &s.act {
            Act::Rate(stars, comment) => {
                let state = core.state;
                f.rating = Some(*stars);
                f.rating_comment = *comment;
                f.rated_at = Some(now);
                if *stars <= 3 && state == State::Resolved {
                    f.return_visit_due = true;
                    f.return_visit_reason = Some("low_rating");
                }
                f.updated_at = now;
                f.version += 1;
                let mut e = event(cx, now, s.by, "rate");
                e.note = comment.map(Text::Static);
                e.data = Text::Owned(format!("{{\"stars\":{stars}}}"));
                events.push(e);
                continue;
            }
            Act::Step(cmd) => cmd,
        };
        let before_assignee = core.assignee;
        let actor_staff = s.by.staff().map(|i| StaffId(cx.staff[i].id));
        let change = core.apply(cmd, &s.by.standing(), actor_staff)?;
        let to = change.to;
        if to == State::Dispatched {
            f.dispatched_at = Some(now);
        }
        if to == State::Accepted && f.accepted_at.is_none() {
            f.accepted_at = Some(now);
        }
        if to == State::AwaitingAcceptance {
            f.finished_at = Some(now);
        }
        if to == State::Resolved {
            f.resolved_at = Some(now);
            if wo::sampled_for_return_visit(cx.order, cx.sample_percent) {
                f.return_visit_due = true;
                f.return_visit_reason = Some("sampled");
            }
        }
        if to == State::Closed {
            f.closed_at = Some(now);
            f.return_visit_due = false;
        }
        if to == State::Cancelled {
            f.cancelled_at = Some(now);
        }
        f.auto_accept_at = (to == State::AwaitingAcceptance).then_some(now + cx.auto_accept_ms);
        if let Command::Merge { into, .. } = cmd {
            f.merged_into = Some(*into);
            if let By::Desk(a) = s.by {
                merge = Some((*into, now, a));
            }
        }
        f.updated_at = now;
        f.version += 1;
        let mut e = event(cx, now, s.by, change.action.code());
        e.from_state = Some(change.from.code());
        e.to_state = Some(to.code());
        e.note = change.note.map(Text::Owned);
        e.data = Text::Owned(change.data.to_string());
        events.push(e);
        history.push((now, to));
        // The handler log: who holds the order now.
        let holder = matches!(
            to,
            State::Dispatched
                | State::Accepted
                | State::InProgress
                | State::OnHold
                | State::Disputed
        )
        .then_some((core.team, core.assignee));
        change_handler(&mut handlers, cx.order, now, change.action.code(), holder);
        if let Some(a) = core.assignee.filter(|a| before_assignee != Some(*a)) {
            assigned.push((a.0, now));
        }
        holders.push((
            now,
            core.team.map(|t| t.0),
            core.assignee.map(|a| a.0),
            core.owner.map(|o| o.0),
        ));
    }
    Ok(Replayed {
        core,
        fields: f,
        events,
        handlers,
        history,
        holders,
        assigned,
        merge,
    })
}

/// As `order_log::change_handler`: ends the open period unless the same
/// holder keeps the order, and opens the new holder's.
fn change_handler(
    log: &mut Vec<HandlerRow>,
    order: i64,
    now: i64,
    action: &'static str,
    next: Option<(Option<TeamId>, Option<StaffId>)>,
) {
    let open = log.iter().rposition(|h| h.ended_at.is_none());
    if let (Some(i), Some((t, s))) = (open, next)
        && log[i].team_id == t.map(|x| x.0)
        && log[i].staff_id == s.map(|x| x.0)
    {
        return;
    }
    if let Some(i) = open {
        log[i].ended_at = Some(now);
        log[i].end_action = Some(action);
    }
    if let Some((team, staff)) = next
        && (team.is_some() || staff.is_some())
    {
        log.push(HandlerRow {
            id: 0,
            order_id: order,
            team_id: team.map(|t| t.0),
            staff_id: staff.map(|s| s.0),
            started_at: now,
            ended_at: None,
            end_action: None,
        });
    }
}
