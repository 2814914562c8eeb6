//! Dispatching a new order by itself: the team from the category, then the
//! person (filter then choose), or the team's grab pool, or the dispatcher's
//! queue when the classifier is unsure or the team dispatches by hand.

use crate::App;
use crate::accounts::system_actor;
use crate::error::Result;
use wuye_domain::category::Category;
use wuye_domain::directory::DispatchMode;
use wuye_domain::dispatch::Prediction;
use wuye_domain::dispatch::assign::{Candidate, choose};
use wuye_domain::ids::*;
use wuye_domain::time::{default_zone, from_millis};
use wuye_domain::work_order::{Command, Kind};
use wuye_store::{StoreError, dispatch as store, people};

/// What dispatch did with a new order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not for dispatch (consultations and the like are answered by the desk).
    None,
    /// To a team and a person.
    Auto,
    /// To a team; nobody free to take it now, the lead assigns.
    Team,
    /// To a team's grab pool.
    Pool,
    /// Waiting for a dispatcher (unsure, or a team that dispatches by hand).
    Queue,
    /// Staff dispatched it themselves when they made it.
    Staff,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::None => "none",
            Outcome::Auto => "auto",
            Outcome::Team => "team",
            Outcome::Pool => "pool",
            Outcome::Queue => "queue",
            Outcome::Staff => "staff",
        }
    }
}

impl App {
    /// The person to send an order to in a team, if anyone can take it now.
    pub(crate) async fn pick_person(
        &self,
        company: CompanyId,
        team: TeamId,
        community: CommunityId,
        capacity: i64,
    ) -> Result<Option<StaffId>> {
        let mut c = self.db.read().await?;
        let t = people::get_team(&mut c, company, team).await?;
        let ids: Vec<StaffId> = t.members.iter().map(|m| m.staff_id).collect();
        let loads = store::loads(&mut c, &ids).await?;
        let last = store::last_assigned(&mut c, &ids).await?;
        let mut candidates = Vec::new();
        for id in &ids {
            let s = people::get_staff(&mut c, company, *id).await?;
            candidates.push(Candidate {
                staff: *id,
                active: s.active,
                communities: s.communities,
                hours: s.working_hours,
                load: loads
                    .iter()
                    .find(|(s, _)| *s == id.0)
                    .map(|(_, n)| *n)
                    .unwrap_or(0),
                last_assigned_at: last
                    .iter()
                    .find(|(s, _)| *s == id.0)
                    .and_then(|(_, t)| t.map(from_millis)),
            });
        }
        Ok(choose(
            &candidates,
            community,
            self.clock.now(),
            &default_zone(),
            capacity,
        )
        .ok())
    }

    /// Dispatches a just-created order (no team given by staff).
    pub(crate) async fn auto_dispatch(
        &self,
        company: CompanyId,
        order: i64,
        kind: Kind,
        community: CommunityId,
        prediction: Option<&Prediction>,
    ) -> Result<Outcome> {
        let settings = self.dispatch_settings(company).await?;
        let outcome = 'decide: {
            if !matches!(kind, Kind::Repair | Kind::Complaint) {
                break 'decide Outcome::None;
            }
            if !settings.enabled {
                break 'decide Outcome::Queue;
            }
            let Some(p) =
                prediction.filter(|p| f64::from(p.category.confidence) >= settings.threshold)
            else {
                break 'decide Outcome::Queue;
            };
            let Ok(category) = Category::parse(&p.category.label) else {
                break 'decide Outcome::Queue;
            };
            let Some((team, _)) = self.team_for(company, category).await? else {
                break 'decide Outcome::Queue;
            };
            let mode = {
                let mut c = self.db.read().await?;
                people::get_team(&mut c, company, team).await?.dispatch_mode
            };
            let (assignee, outcome) = match mode {
                DispatchMode::Manual => break 'decide Outcome::Queue,
                DispatchMode::Grab => (None, Outcome::Pool),
                DispatchMode::Auto => match self
                    .pick_person(company, team, community, settings.capacity)
                    .await?
                {
                    Some(p) => (Some(p), Outcome::Auto),
                    None => (None, Outcome::Team),
                },
            };
            let mut sys = system_actor(company);
            sys.display_name = "智能派单".into();
            match self
                .apply_step(
                    &sys,
                    order,
                    &Command::Dispatch { team, assignee },
                    true,
                    &[],
                )
                .await
            {
                Ok(()) => outcome,
                Err(e) => {
                    tracing::warn!(order, error = %e, "automatic dispatch failed; left for a dispatcher");
                    Outcome::Queue
                }
            }
        };
        let mut tx = self.db.begin().await?;
        store::set_order_dispatch(&mut tx, order, None, outcome.code()).await?;
        self.kpi_refresh(&mut tx, company, order).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(outcome)
    }
}
