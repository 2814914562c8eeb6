//! An order's KPI contributions, recomputed from its facts and applied to
//! the rollups as a difference, inside the caller's transaction.

use crate::App;
use crate::error::Result;
use wuye_domain::ids::CompanyId;
use wuye_domain::kpi::{OrderKpiFacts, contributions, held_before, responded_and_finished};
use wuye_domain::time::{default_zone, from_millis};
use wuye_domain::work_order::{Channel, Grade, Kind, Priority, State};
use wuye_store::kpi::{self as store, ContribRow};
use wuye_store::orders::OrderRow;
use wuye_store::sla::ClockRow;
use wuye_store::{Exec, orders, sla};

/// Builds an order's KPI facts from its row, state history (`at`, state)
/// and clocks. `created`: inserted in this transaction, so no level of it
/// has fired yet.
async fn facts(
    c: &mut impl Exec,
    o: &OrderRow,
    history: &[(i64, String)],
    clocks: &[ClockRow],
    created: bool,
) -> Result<(OrderKpiFacts, (i64, i64, i64))> {
    let history: Vec<(i64, State)> = history
        .iter()
        .filter_map(|(at, s)| State::parse(s).ok().map(|s| (*at, s)))
        .collect();
    let (responded, finished) = responded_and_finished(&history);
    let mut clocks: Vec<&ClockRow> = clocks.iter().collect();
    // As the store lists them, whoever gave them.
    clocks.sort_by(|a, b| b.metric.cmp(&a.metric));
    let clocks = clocks
        .into_iter()
        .filter_map(|k| match (k.stopped_at, k.stage.as_str()) {
            (Some(at), "met") => Some((k.metric.clone(), true, from_millis(at))),
            (Some(at), "breached") => Some((k.metric.clone(), false, from_millis(at))),
            _ => None,
        })
        .collect();
    let f = OrderKpiFacts {
        kind: Kind::parse(&o.kind)?,
        channel: Channel::parse(&o.channel)?,
        priority: Priority::parse(&o.priority)?,
        emergency: o.emergency != 0,
        grade: o.grade.as_deref().map(Grade::parse).transpose()?,
        category: o.category.clone(),
        state: State::parse(&o.state)?,
        created_at: from_millis(o.created_at),
        responded_at: responded.map(from_millis),
        first_finished_at: finished.map(from_millis),
        held_before_finish_ms: held_before(&history, finished),
        resolved_at: o.resolved_at.map(from_millis),
        held_before_resolution_ms: held_before(&history, o.resolved_at),
        rating: o.rating,
        rated_at: o.rated_at.map(from_millis),
        reopen_count: o.reopen_count,
        repeat_of: o.repeat_of.is_some(),
        escalated: !created && store::escalated(c, o.id).await?,
        clocks,
        auto_dispatched: matches!(o.dispatch_status.as_str(), "auto" | "team" | "pool"),
        dispatch_corrected: o.dispatch_corrected != 0,
        needed_human: o.dispatch_status == "queue",
    };
    Ok((
        f,
        (
            o.community_id,
            o.team_id.unwrap_or(0),
            o.assignee_id.unwrap_or(0),
        ),
    ))
}

impl App {
    /// Brings the rollups in line with an order's current facts.
    pub(crate) async fn kpi_refresh(
        &self,
        c: &mut impl Exec,
        company: CompanyId,
        order: i64,
    ) -> Result<()> {
        let o = orders::get(c, self.db.backend(), company, order, false).await?;
        let history = sla::state_history(c, order).await?;
        let clocks = sla::clocks(c, order).await?;
        kpi_refresh_known(c, &o, &history, &clocks, false).await
    }
}

/// The refresh of an order the caller has read in this transaction, with
/// its state history and its clocks as they now stand. `created`: inserted
/// in this transaction, so it has no contributions yet.
pub(crate) async fn kpi_refresh_known(
    c: &mut impl Exec,
    o: &OrderRow,
    history: &[(i64, String)],
    clocks: &[ClockRow],
    created: bool,
) -> Result<()> {
    let (company, order) = (CompanyId(o.company_id), o.id);
    let (f, (community, team, assignee)) = facts(c, o, history, clocks, created).await?;
    let new: Vec<ContribRow> = contributions(&f, &default_zone())
        .into_iter()
        .map(|x| ContribRow {
            metric: x.metric,
            day: x.day,
            community_id: community,
            team_id: team,
            assignee_id: assignee,
            num: x.num,
            den: x.den,
        })
        .collect();
    let old = if created {
        Vec::new()
    } else {
        store::contributions(c, order).await?
    };
    if old.len() == new.len()
        && old.iter().all(|o| {
            new.iter().any(|n| {
                n.metric == o.metric
                    && n.day == o.day
                    && n.num == o.num
                    && n.den == o.den
                    && n.community_id == o.community_id
                    && n.team_id == o.team_id
                    && n.assignee_id == o.assignee_id
            })
        })
    {
        return Ok(());
    }
    // The net change per cell: take the old contributions out, put the
    // new ones in, and leave the cells whose amounts did not move alone.
    type Cell = (String, i64, i64, i64, i64);
    let mut delta: std::collections::BTreeMap<Cell, (i64, i64)> = Default::default();
    let cell = |r: &ContribRow| {
        (
            r.metric.clone(),
            r.day,
            r.community_id,
            r.team_id,
            r.assignee_id,
        )
    };
    for o in &old {
        let d = delta.entry(cell(o)).or_default();
        d.0 -= o.num;
        d.1 -= o.den;
    }
    for n in &new {
        let d = delta.entry(cell(n)).or_default();
        d.0 += n.num;
        d.1 += n.den;
    }
    let changes: Vec<ContribRow> = delta
        .into_iter()
        .filter(|(_, (num, den))| *num != 0 || *den != 0)
        .map(
            |((metric, day, community_id, team_id, assignee_id), (num, den))| ContribRow {
                metric,
                day,
                community_id,
                team_id,
                assignee_id,
                num,
                den,
            },
        )
        .collect();
    store::add_to_rollups(c, company, &changes).await?;
    if created {
        store::insert_contributions(c, order, &new).await?;
    } else {
        store::replace_contributions(c, order, &new).await?;
    }
    Ok(())
}

impl App {
    /// Rebuilds every order's contributions (after a change of definitions;
    /// also what the consistency test compares against).
    pub async fn kpi_rebuild(&self, company: CompanyId) -> Result<usize> {
        let mut after = 0;
        let mut n = 0;
        loop {
            let ids = {
                let mut c = self.db.read().await?;
                store::order_ids(&mut c, company, after, 500).await?
            };
            let Some(last) = ids.last().copied() else {
                break;
            };
            let mut tx = self.db.begin().await?;
            for id in &ids {
                self.kpi_refresh(&mut tx, company, *id).await?;
            }
            tx.commit().await?;
            n += ids.len();
            after = last;
        }
        Ok(n)
    }
}
