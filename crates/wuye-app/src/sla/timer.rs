//! The SLA timer: sleeps until the next level falls due (woken early when a
//! change schedules an earlier one), fires every due level exactly once —
//! its alerts written in the same transaction that marks it fired — and
//! catches up on everything missed after downtime. It reads only the due
//! rows of the trigger index, never the open orders.

use super::refresh::load_setup;
use crate::App;
use crate::accounts::system_actor;
use crate::error::Result;
use std::time::Duration;
use wuye_domain::ids::*;
use wuye_domain::sla::audience::{FALLBACK, Group, Holders, alert_message, audience};
use wuye_domain::sla::{BREACH_LEVEL, Metric};
use wuye_domain::work_order::{Command, State};
use wuye_store::orders;
use wuye_store::sla::{self as store, NewAlert, TriggerRow};

/// At most this many levels per transaction.
const BATCH: i64 = 200;

/// How long a node sleeps at most (other nodes' changes cannot wake it).
const MAX_SLEEP_MS: i64 = 30_000;

/// What firing a level asks of the order after the transaction.
struct Reassign {
    company: CompanyId,
    order: i64,
    team: TeamId,
    lead: StaffId,
}

impl App {
    /// Fires every level due now; returns how many fired.
    pub async fn run_sla_timer(&self) -> Result<usize> {
        let mut fired = 0;
        loop {
            let now = self.now_ms();
            let mut tx = self.db.begin_direct().await?;
            let due = store::claim_due(&mut tx, self.db.backend(), now, BATCH).await?;
            if due.is_empty() {
                tx.commit().await?;
                return Ok(fired);
            }
            let n = due.len();
            let mut reassign = Vec::new();
            for t in &due {
                if !store::mark_fired(&mut tx, t.id, now).await? {
                    continue;
                }
                fired += 1;
                if let Some(r) = self.fire(&mut tx, t, now).await? {
                    reassign.push(r);
                }
                // Escalations and breaches change the KPIs of the order.
                self.kpi_refresh(&mut tx, CompanyId(t.company_id), t.order_id)
                    .await?;
                // Direct statements never wait, so a batch of levels would
                // hold this runtime thread to the end; let other requests
                // (reads; writers wait for the slot anyway) run in between.
                tokio::task::yield_now().await;
            }
            tx.commit().await?;
            for r in reassign {
                self.reassign_to_lead(r).await;
            }
            if (n as i64) < BATCH {
                return Ok(fired);
            }
        }
    }

    /// Raises the alerts of one level, in the timer's transaction.
    async fn fire(
        &self,
        c: &mut impl wuye_store::Exec,
        t: &TriggerRow,
        now: i64,
    ) -> Result<Option<Reassign>> {
        let company = CompanyId(t.company_id);
        let o = orders::get(c, self.db.backend(), company, t.order_id, false).await?;
        let metric = Metric::parse(&t.metric).unwrap_or(Metric::Response);
        let setup = load_setup(&mut self.db.side_reads()?, c, company, now).await?;
        let policy = store::clocks(c, t.order_id)
            .await?
            .into_iter()
            .find(|k| k.metric == t.metric)
            .and_then(|k| k.policy_id)
            .and_then(|id| {
                setup
                    .policies
                    .iter()
                    .find(|(pid, _)| *pid == id)
                    .map(|(_, p)| p.clone())
            });
        // The stored stage turns to "breached" as the target passes.
        if t.level == BREACH_LEVEL {
            self.sla_refresh_with(c, company, t.order_id, now, &setup)
                .await?;
        }
        let community = CommunityId(o.community_id);
        let escalation = usize::try_from(t.level)
            .ok()
            .and_then(|l| policy.as_ref()?.escalations.get(l).cloned());
        let holders = Holders {
            assignee: o.assignee_id,
            team: o.team_id,
            owner: o.owner_id,
        };
        let Some(aud) = audience(t.level, escalation.as_ref(), holders) else {
            return Ok(None);
        };
        let (kind, mut role) = (aud.kind, aud.role);
        let mut recipients = Vec::new();
        for g in aud.groups {
            recipients.extend(members(c, company, community, g).await?);
        }
        if recipients.is_empty() {
            recipients = members(c, company, community, FALLBACK.0).await?;
            role = FALLBACK.1;
        }
        let message = alert_message(
            &o.number,
            &o.place_label,
            metric,
            t.level,
            escalation.as_ref(),
        );
        let reassign_to_lead = escalation.as_ref().is_some_and(|e| e.reassign_to_lead);
        let mut reassign = match (reassign_to_lead, o.team_id, State::parse(&o.state)) {
            (true, Some(team), Ok(State::Received | State::Dispatched)) => {
                store::team_leads(c, TeamId(team))
                    .await?
                    .first()
                    .map(|lead| Reassign {
                        company,
                        order: o.id,
                        team: TeamId(team),
                        lead: StaffId(*lead),
                    })
            }
            _ => None,
        };
        let mut seen = Vec::new();
        for s in recipients {
            if seen.contains(&s) {
                continue;
            }
            seen.push(s);
            store::insert_alert(
                c,
                &NewAlert {
                    company,
                    order: o.id,
                    metric: &t.metric,
                    level: t.level,
                    kind,
                    target_role: role,
                    staff: Some(StaffId(s)),
                    message: &message,
                    now_ms: now,
                },
            )
            .await?;
            crate::notify::enqueue_for_alert(self, c, company, o.id, &t.metric, t.level, kind, s)
                .await?;
        }
        if seen.is_empty() {
            tracing::warn!(
                order = o.id,
                level = t.level,
                "SLA level fired with nobody to tell"
            );
        }
        if o.assignee_id
            .is_some_and(|a| reassign.as_ref().is_some_and(|r| r.lead.0 == a))
        {
            reassign = None;
        }
        Ok(reassign)
    }

    async fn reassign_to_lead(&self, r: Reassign) {
        let mut sys = system_actor(r.company);
        sys.display_name = "SLA 升级".into();
        let cmd = Command::Dispatch {
            team: r.team,
            assignee: Some(r.lead),
        };
        if let Err(e) = self.apply_step(&sys, r.order, &cmd, true, &[]).await {
            tracing::info!(order = r.order, error = %e, "escalation could not re-assign");
        }
    }

    /// When the next level falls due (None: nothing scheduled), read
    /// without taking the writer; Err when the database cannot say.
    async fn next_fire(&self) -> std::result::Result<Option<i64>, ()> {
        let mut c = self.db.reader().await.map_err(|_| ())?;
        store::next_fire_at(&mut c).await.map_err(|_| ())
    }

    /// Runs for the life of the server.
    pub async fn sla_timer_loop(self) {
        let mut next = Some(i64::MIN); // look once at start-up
        loop {
            // Firing takes the single writer, which every order change waits
            // for; order changes wake the timer, and most schedule nothing
            // due now, so a wake-up fires only when a read shows a level due.
            if next.is_some_and(|t| t <= self.now_ms()) {
                if let Err(e) = self.run_sla_timer().await {
                    tracing::warn!(error = %e, "SLA timer failed; retrying shortly");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                next = self.next_fire().await.unwrap_or(None);
            }
            let wait = next
                .map(|t| (t - self.now_ms()).clamp(0, MAX_SLEEP_MS))
                .unwrap_or(MAX_SLEEP_MS);
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {
                    // Slept until the due time, or the longest sleep: look.
                    next = Some(i64::MIN);
                }
                _ = self.sla_wakeup.notified() => {
                    // Cannot tell (database unavailable): try to fire.
                    next = self.next_fire().await.unwrap_or(Some(i64::MIN));
                }
            }
        }
    }
}

/// The staff of a group, for the order's community.
async fn members(
    c: &mut impl wuye_store::Exec,
    company: CompanyId,
    community: CommunityId,
    g: Group,
) -> Result<Vec<i64>> {
    Ok(match g {
        Group::Staff(s) => vec![s],
        Group::TeamLeads(t) => store::team_leads(c, TeamId(t)).await?,
        Group::Supervisors => store::staff_with_role(c, company, community, "supervisor").await?,
        Group::Managers => store::staff_with_role(c, company, community, "manager").await?,
    })
}
