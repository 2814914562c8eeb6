//! Who sees which orders, and how a caller stands to one.

use crate::App;
use crate::error::Result;
use wuye_domain::Error;
use wuye_domain::access::{Actor, Role};
use wuye_domain::ids::*;
use wuye_domain::work_order::State;
use wuye_domain::work_order::state::{Standing, TRANSITIONS};
use wuye_store::order_log;
use wuye_store::orders::{OrderRow, Visibility};

pub(crate) fn is_desk(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| {
        matches!(
            r,
            Role::Admin | Role::Manager | Role::Supervisor | Role::Agent
        )
    })
}

pub(crate) fn is_supervisor(actor: &Actor) -> bool {
    actor
        .roles
        .iter()
        .any(|r| matches!(r, Role::Admin | Role::Manager | Role::Supervisor))
}

fn is_field(actor: &Actor) -> bool {
    actor
        .roles
        .iter()
        .any(|r| matches!(r, Role::Technician | Role::Vendor))
}

/// The orders an actor may see, as a filter for lists.
pub(crate) fn visibility(actor: &Actor) -> Visibility {
    if actor.resident_id.is_some() && actor.staff_id.is_none() {
        return Visibility {
            resident: actor.resident_id.or(Some(ResidentId(-1))),
            ..Default::default()
        };
    }
    if is_desk(actor) {
        return Visibility {
            communities: actor.community_filter().map(<[_]>::to_vec),
            ..Default::default()
        };
    }
    if actor.has(Role::Vendor) && !actor.has(Role::Technician) {
        // Outsourced vendors see their own team's work only.
        return Visibility {
            teams: Some(actor.teams.clone()),
            or_assignee: actor.staff_id,
            ..Default::default()
        };
    }
    if is_field(actor) {
        return Visibility {
            communities: Some(actor.communities.clone()),
            teams: Some(actor.teams.clone()),
            or_assignee: actor.staff_id,
            ..Default::default()
        };
    }
    // Nobody else sees orders.
    Visibility {
        communities: Some(vec![]),
        ..Default::default()
    }
}

impl App {
    /// Whether the actor may see this order (the same rules as `visibility`).
    pub(crate) async fn can_see(&self, actor: &Actor, o: &OrderRow) -> Result<bool> {
        let v = visibility(actor);
        if let Some(r) = v.resident {
            if o.reporter_resident_id == Some(r.0) {
                return Ok(true);
            }
            let mut c = self.db.read().await?;
            return Ok(order_log::is_resident_follower(&mut c, o.id, r).await?);
        }
        if let Some(cs) = &v.communities
            && !cs.contains(&CommunityId(o.community_id))
        {
            return Ok(false);
        }
        if let Some(ts) = &v.teams {
            let in_team = o.team_id.is_some_and(|t| ts.contains(&TeamId(t)));
            let mine = v
                .or_assignee
                .is_some_and(|s| o.assignee_id == Some(s.0) || o.owner_id == Some(s.0));
            return Ok(in_team || mine);
        }
        Ok(true)
    }

    /// Loads an order the actor may see; others answer "not found".
    pub(crate) async fn visible_order(&self, actor: &Actor, id: i64) -> Result<OrderRow> {
        let mut r = self.db.reader().await?;
        self.visible_order_with(&mut r, actor, id).await
    }

    /// [`Self::visible_order`] through a reader the caller holds.
    pub(crate) async fn visible_order_with(
        &self,
        r: &mut impl wuye_store::Read,
        actor: &Actor,
        id: i64,
    ) -> Result<OrderRow> {
        let o = wuye_store::orders::get(r, self.db.backend(), actor.company_id, id, false).await;
        let o = match o {
            Ok(o) => o,
            Err(wuye_store::StoreError::NotFound) => {
                return Err(Error::not_found("工单", "order").into());
            }
            Err(e) => return Err(e.into()),
        };
        if !self.can_see(actor, &o).await? {
            return Err(Error::not_found("工单", "order").into());
        }
        Ok(o)
    }
}

/// How the actor stands to the order (for the transition table).
pub(crate) fn standing(actor: &Actor, o: &OrderRow) -> Standing {
    let in_community = actor.in_community(CommunityId(o.community_id));
    let team = o.team_id.map(TeamId);
    Standing {
        desk: is_desk(actor) && in_community,
        supervisor: is_supervisor(actor) && in_community,
        assignee: actor.staff_id.is_some_and(|s| o.assignee_id == Some(s.0)),
        team_lead: team.is_some_and(|t| actor.lead_teams.contains(&t)),
        team_member: is_field(actor) && team.is_some_and(|t| actor.teams.contains(&t)),
        reporter: actor
            .resident_id
            .is_some_and(|r| o.reporter_resident_id == Some(r.0)),
        system: false,
    }
}

/// The actions the caller could take now (for the UI's buttons).
pub(crate) fn allowed_actions(actor: &Actor, o: &OrderRow) -> Vec<String> {
    let Ok(state) = State::parse(&o.state) else {
        return vec![];
    };
    let who = standing(actor, o);
    let mut out: Vec<String> = Vec::new();
    for t in TRANSITIONS {
        if t.from.contains(&state)
            && t.who.iter().any(|w| who.is(*w))
            && !out.iter().any(|a| a == t.action.code())
        {
            out.push(t.action.code().to_string());
        }
    }
    out
}
