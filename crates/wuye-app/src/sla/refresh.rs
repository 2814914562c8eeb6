//! Recomputing an order's clocks from its history, inside the caller's
//! transaction, and (re)scheduling the levels that have not fired yet.

use crate::App;
use crate::error::{AppError, Result};
use std::collections::BTreeMap;
use wuye_domain::category::Category;
use wuye_domain::ids::*;
use wuye_domain::sla::{
    BREACH_LEVEL, Calendar, CalendarSpec, ClockState, Metric, OrderFacts, PolicySpec, Stage,
    WARNING_LEVEL, level_threshold_ms, policy,
};
use wuye_domain::time::from_millis;
use wuye_domain::work_order::{Grade, Kind, Priority, State};
use wuye_store::{Exec, orders, sla as store};

/// A company's SLA set-up, loaded for one refresh.
pub(crate) struct Setup {
    pub policies: Vec<(i64, PolicySpec)>,
    pub calendars: BTreeMap<i64, Calendar>,
}

impl Setup {
    pub fn calendar(&self, id: Option<i64>) -> Calendar {
        id.and_then(|i| self.calendars.get(&i).cloned())
            .unwrap_or_else(|| Calendar::always(wuye_domain::time::default_zone()))
    }
}

/// Seeds the default calendar and policies of a company that has none.
pub(crate) async fn ensure_defaults(c: &mut impl Exec, company: CompanyId, now: i64) -> Result<()> {
    if !store::policies(c, company).await?.is_empty()
        || !store::calendars(c, company).await?.is_empty()
    {
        return Ok(());
    }
    let always = serde_json::to_string(&CalendarSpec::always()).expect("spec serialises");
    // The default calendar's name is unique in a company, so it is the
    // claim: of the writers that find a new company bare at once (on
    // PostgreSQL, where they run side by side), one inserts it, the others
    // wait for that one's commit and insert nothing, then read its seed.
    // Without the claim, each inserted the calendar and all but one failed.
    if store::insert_calendar_unless_named(c, company, "全天候 24×7", &always, now)
        .await?
        .is_none()
    {
        return Ok(());
    }
    for p in wuye_domain::sla::default_policies() {
        store::insert_policy(
            c,
            company,
            &serde_json::to_string(&p).expect("spec serialises"),
            now,
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn load_setup(
    side: &mut wuye_store::SideReads,
    c: &mut impl Exec,
    company: CompanyId,
    now: i64,
) -> Result<Setup> {
    // Read first and seed only when nothing is there: this runs in every
    // write transaction that touches an order. The setup is read beside the
    // transaction (see SideReads); a company with none committed yet is
    // read again in it, where an earlier writer may have just seeded it.
    let mut policy_rows = store::policies(&mut side.on(c), company).await?;
    let mut calendar_rows = store::calendars(&mut side.on(c), company).await?;
    if policy_rows.is_empty() && calendar_rows.is_empty() {
        policy_rows = store::policies(c, company).await?;
        calendar_rows = store::calendars(c, company).await?;
    }
    if policy_rows.is_empty() && calendar_rows.is_empty() {
        ensure_defaults(c, company, now).await?;
        policy_rows = store::policies(c, company).await?;
        calendar_rows = store::calendars(c, company).await?;
    }
    let mut policies = Vec::new();
    for (id, spec) in policy_rows {
        let p: PolicySpec = serde_json::from_str(&spec).map_err(AppError::internal)?;
        policies.push((id, p));
    }
    let mut calendars = BTreeMap::new();
    for row in calendar_rows {
        let spec: CalendarSpec = serde_json::from_str(&row.spec).map_err(AppError::internal)?;
        // A stored calendar was valid when saved; if the zone database lost
        // it, count 24×7 rather than stop every clock.
        let cal = spec
            .to_calendar()
            .unwrap_or_else(|_| Calendar::always(wuye_domain::time::default_zone()));
        calendars.insert(row.id, cal);
    }
    Ok(Setup {
        policies,
        calendars,
    })
}

fn stage_rank(s: Stage) -> u8 {
    match s {
        Stage::Breached => 5,
        Stage::Running => 4,
        Stage::Paused => 3,
        Stage::Met => 2,
        Stage::Cancelled => 1,
    }
}

impl App {
    /// Brings an order's clocks, triggers and deadline summary up to date,
    /// inside the transaction of the change that caused it (an order change
    /// goes through `refresh_derived`, which also brings its KPIs along).
    pub(crate) async fn sla_refresh_with(
        &self,
        c: &mut impl Exec,
        company: CompanyId,
        order: i64,
        now: i64,
        setup: &Setup,
    ) -> Result<()> {
        let o = orders::get(c, self.db.backend(), company, order, false).await?;
        let history = store::state_history(c, order).await?;
        self.sla_refresh_known(c, &o, &history, now, setup, false)
            .await?;
        Ok(())
    }

    /// The refresh of an order the caller has read in this transaction,
    /// with its state history (`at`, state). `created`: the order was
    /// inserted in this transaction, so it has no clocks or levels to clear
    /// yet. Returns the clocks as they now stand (the KPIs read them).
    pub(crate) async fn sla_refresh_known(
        &self,
        c: &mut impl Exec,
        o: &orders::OrderRow,
        history: &[(i64, String)],
        now: i64,
        setup: &Setup,
        created: bool,
    ) -> Result<Vec<store::ClockRow>> {
        let (company, order) = (CompanyId(o.company_id), o.id);
        let facts = OrderFacts {
            kind: Kind::parse(&o.kind)?,
            priority: Priority::parse(&o.priority)?,
            grade: o.grade.as_deref().map(Grade::parse).transpose()?,
            category: o.category.as_deref().map(Category::parse).transpose()?,
            community: CommunityId(o.community_id),
            emergency: o.emergency != 0,
        };
        let history: Vec<(jiff::Timestamp, State)> = history
            .iter()
            .filter_map(|(at, s)| State::parse(s).ok().map(|s| (from_millis(*at), s)))
            .collect();
        let Some((policy_id, policy)) = policy::select(&setup.policies, &facts).cloned() else {
            if !created {
                store::delete_clocks_except(c, order, &[]).await?;
                for m in Metric::ALL {
                    store::unschedule(c, order, m.code(), &[]).await?;
                }
            }
            store::set_order_summary(c, order, None, None, "none").await?;
            return Ok(Vec::new());
        };
        let cal = setup.calendar(policy.calendar_id);
        let now_ts = from_millis(now);
        let mut kept = Vec::new();
        let mut clocks = Vec::new();
        let (mut next_deadline, mut warn_at, mut worst): (Option<i64>, Option<i64>, Option<Stage>) =
            (None, None, None);
        for metric in Metric::ALL {
            let Some(target) = policy.target_ms(metric) else {
                if !created {
                    store::unschedule(c, order, metric.code(), &[]).await?;
                }
                continue;
            };
            kept.push(metric.code());
            let clock = ClockState::evaluate(metric, target, &cal, &history, now_ts);
            let warn = clock
                .threshold_at(&cal, target * policy.warn_percent / 100)
                .map(|t| t.as_millisecond());
            let deadline = clock.deadline.map(|t| t.as_millisecond());
            let row = store::ClockRow {
                order_id: order,
                metric: metric.code().into(),
                policy_id: Some(policy_id),
                target_ms: target,
                elapsed_ms: clock.elapsed_ms,
                paused_ms: clock.paused_ms,
                stage: clock.stage.code().into(),
                deadline_at: deadline,
                warn_at: warn,
                breached_at: clock.breached_at.map(|t| t.as_millisecond()),
                breach_minutes: clock.breach_minutes,
                stopped_at: clock.stopped_at.map(|t| t.as_millisecond()),
                updated_at: now,
            };
            store::upsert_clock(c, &row).await?;
            clocks.push(row);
            // Still counting (possibly past its target): part of the queue order.
            let counting = clock.stopped_at.is_none()
                && matches!(clock.stage, Stage::Running | Stage::Breached);
            if counting {
                next_deadline = [next_deadline, deadline].into_iter().flatten().min();
                if clock.stage == Stage::Running {
                    warn_at = [warn_at, warn].into_iter().flatten().min();
                }
            }
            worst = Some(match worst {
                Some(w) if stage_rank(w) >= stage_rank(clock.stage) => w,
                _ => clock.stage,
            });
            // Levels: warning, breach, then the policy's escalations. A level
            // whose threshold was crossed is due (even late: it fires once);
            // one not reached is scheduled while the clock runs, held while
            // paused, and dropped once the clock ends short of it.
            let mut levels = vec![WARNING_LEVEL, BREACH_LEVEL];
            levels.extend(0..policy.escalations.len() as i64);
            let mut keep_levels = Vec::new();
            let mut schedule = Vec::new();
            for level in levels {
                let Some(threshold) =
                    level_threshold_ms(target, policy.warn_percent, level, &policy.escalations)
                else {
                    continue;
                };
                let crossed = clock.elapsed_ms >= threshold;
                let ended = clock.stopped_at.is_some();
                if clock.stage == Stage::Cancelled || (ended && !crossed) {
                    continue; // cancelled, or ended short of this level
                }
                let fire_at = clock
                    .threshold_at(&cal, threshold)
                    .map(|t| t.as_millisecond());
                schedule.push((level, fire_at));
                keep_levels.push(level);
            }
            store::schedule(c, company, order, metric.code(), &schedule).await?;
            if !created {
                store::unschedule(c, order, metric.code(), &keep_levels).await?;
            }
        }
        if !created {
            store::delete_clocks_except(c, order, &kept).await?;
        }
        let stage = worst.map(|s| s.code()).unwrap_or("none");
        store::set_order_summary(c, order, next_deadline, warn_at, stage).await?;
        Ok(clocks)
    }
}
