//! Dispatching a new order by itself: the team from the category, then the
//! person (filter then choose), or the team's grab pool, or the dispatcher's
//! queue when the classifier is unsure or the team dispatches by hand.

use super::DispatchSettings;
use crate::App;
use crate::accounts::system_actor;
use crate::error::Result;
use wuye_domain::access::Actor;
use wuye_domain::category::Category;
use wuye_domain::directory::{DispatchMode, Team};
use wuye_domain::dispatch::Prediction;
use wuye_domain::dispatch::assign::{Candidate, choose};
use wuye_domain::ids::*;
use wuye_domain::time::{default_zone, from_millis};
use wuye_domain::work_order::Kind;
use wuye_store::{dispatch as store, people};

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
        team: &Team,
        community: CommunityId,
        capacity: i64,
    ) -> Result<Option<StaffId>> {
        let mut c = self.db.reader().await?;
        let ids: Vec<StaffId> = team.members.iter().map(|m| m.staff_id).collect();
        let loads = store::loads(&mut c, &ids).await?;
        let last = store::last_assigned(&mut c, &ids).await?;
        let mut candidates = Vec::new();
        for s in people::get_staff_many(&mut c, company, &ids).await? {
            let id = s.id;
            candidates.push(Candidate {
                staff: id,
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

    /// Decides where a new order goes (no team given by staff), from reads
    /// only: creation writes the step in its own transaction, so the order,
    /// its dispatch and their clocks commit together.
    pub(crate) async fn plan_dispatch(
        &self,
        company: CompanyId,
        kind: Kind,
        community: CommunityId,
        prediction: Option<&Prediction>,
        settings: &DispatchSettings,
    ) -> Result<DispatchPlan> {
        let queue = DispatchPlan {
            outcome: Outcome::Queue,
            to: None,
        };
        if !matches!(kind, Kind::Repair | Kind::Complaint) {
            return Ok(DispatchPlan {
                outcome: Outcome::None,
                to: None,
            });
        }
        if !settings.enabled {
            return Ok(queue);
        }
        let Some(p) = prediction.filter(|p| f64::from(p.category.confidence) >= settings.threshold)
        else {
            return Ok(queue);
        };
        let Ok(category) = Category::parse(&p.category.label) else {
            return Ok(queue);
        };
        let Some(team) = self.team_for(company, category).await? else {
            return Ok(queue);
        };
        let (assignee, outcome) = match team.dispatch_mode {
            DispatchMode::Manual => return Ok(queue),
            DispatchMode::Grab => (None, Outcome::Pool),
            DispatchMode::Auto => match self
                .pick_person(company, &team, community, settings.capacity)
                .await?
            {
                Some(p) => (Some(p), Outcome::Auto),
                None => (None, Outcome::Team),
            },
        };
        Ok(DispatchPlan {
            outcome,
            to: Some((team.id, assignee)),
        })
    }
}

/// Who a timeline shows as dispatching an order automatically.
pub(crate) fn auto_dispatcher(company: CompanyId) -> Actor {
    let mut sys = system_actor(company);
    sys.display_name = "智能派单".into();
    sys
}

/// Where dispatch sends a new order, decided before its transaction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DispatchPlan {
    pub outcome: Outcome,
    /// The team and person of the dispatch step, if there is one.
    pub to: Option<(TeamId, Option<StaffId>)>,
}
