//! Staff: people who work for the company, their roles and the communities
//! they serve.

use super::property::with_field;
use crate::App;
use crate::accounts::{AccountHolder, AccountInput};
use crate::audit::{record, snapshot};
use crate::error::{NotFoundAs, Result};
use crate::page::{Page, PageParams, page_of};
use serde::Deserialize;
use std::collections::BTreeMap;
use wuye_domain::Error;
use wuye_domain::access::{Access, Actor, Resource, Role, parse_staff_roles};
use wuye_domain::directory::{Staff, WorkingHours};
use wuye_domain::ids::*;
use wuye_domain::values::{Name, Phone};
use wuye_store::accounts;
use wuye_store::people::{self as store, StaffFields, StaffFilter};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffInput {
    pub name: String,
    pub phone: String,
    /// admin, manager, supervisor, agent, technician, vendor
    pub roles: Vec<String>,
    /// Communities served.
    #[serde(default)]
    pub community_ids: Vec<i64>,
    /// {"mon": ["08:00-18:00"], …}; every day 08:00–18:00 when absent.
    pub working_hours: Option<BTreeMap<String, Vec<String>>>,
    /// Also create a sign-in account.
    pub account: Option<AccountInput>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffPatch {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub roles: Option<Vec<String>>,
    pub community_ids: Option<Vec<i64>>,
    pub working_hours: Option<BTreeMap<String, Vec<String>>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct StaffQuery {
    pub team_id: Option<i64>,
    /// Name or phone.
    pub q: Option<String>,
}

impl App {
    /// Roles an actor may hand out: only admins make admins or managers.
    fn check_grantable(actor: &Actor, roles: &[Role]) -> Result<()> {
        if !actor.is_admin()
            && roles
                .iter()
                .any(|r| matches!(r, Role::Admin | Role::Manager))
        {
            return Err(Error::forbidden().with_field("roles").into());
        }
        Ok(())
    }

    async fn parse_communities(&self, actor: &Actor, ids: &[i64]) -> Result<Vec<CommunityId>> {
        let mut out = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let m = self
                .get_community(actor, CommunityId(*id))
                .await
                .map_err(|e| with_field(e, &format!("community_ids[{i}]")))?;
            if !out.contains(&m.id) {
                out.push(m.id);
            }
        }
        Ok(out)
    }

    fn staff_visible(actor: &Actor, access: Access, s: &Staff) -> bool {
        match access {
            Access::Own => actor.staff_id == Some(s.id),
            _ => {
                actor.is_admin()
                    || s.communities.iter().any(|m| actor.in_community(*m))
                    || s.communities.is_empty()
            }
        }
    }

    pub async fn list_staff(
        &self,
        actor: &Actor,
        query: &StaffQuery,
        page: &PageParams,
    ) -> Result<Page<Staff>> {
        let access = actor.require(Resource::Staff, Access::Own)?;
        let limit = page.limit()?;
        let mut c = self.db.read().await?;
        let rows = store::list_staff(
            &mut c,
            self.db.backend(),
            actor.company_id,
            &StaffFilter {
                communities: if access == Access::Own {
                    None
                } else {
                    actor.community_filter()
                },
                team: query.team_id.map(TeamId),
                only: if access == Access::Own {
                    Some(actor.staff_id.unwrap_or(StaffId(-1)))
                } else {
                    None
                },
                q: query.q.as_deref().map(str::trim).filter(|s| !s.is_empty()),
                after: page.after_id()?.map(StaffId),
                limit: limit + 1,
            },
        )
        .await?;
        Ok(page_of(rows, limit, |s| s.id.0))
    }

    pub async fn get_staff(&self, actor: &Actor, id: StaffId) -> Result<Staff> {
        let access = actor.require(Resource::Staff, Access::Own)?;
        let mut c = self.db.read().await?;
        let s = store::get_staff(&mut c, actor.company_id, id)
            .await
            .or_not_found("员工", "staff member")?;
        if !Self::staff_visible(actor, access, &s) {
            return Err(Error::not_found("员工", "staff member").into());
        }
        Ok(s)
    }

    pub async fn create_staff(&self, actor: &Actor, input: &StaffInput) -> Result<Staff> {
        actor.require(Resource::Staff, Access::Write)?;
        let name = Name::parse(&input.name).map_err(|e| e.with_field("name"))?;
        let phone = Phone::parse(&input.phone).map_err(|e| e.with_field("phone"))?;
        let roles = parse_staff_roles(&input.roles)?;
        Self::check_grantable(actor, &roles)?;
        let communities = self.parse_communities(actor, &input.community_ids).await?;
        let hours = match &input.working_hours {
            Some(m) => WorkingHours::parse(m)?,
            None => WorkingHours::default(),
        };
        if let Some(a) = &input.account {
            // Check the password before anything is written.
            wuye_domain::values::NewPassword::parse(&a.password)
                .map_err(|e| e.with_field("account.password"))?;
        }
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let id = store::insert_staff(
            &mut tx,
            actor.company_id,
            &StaffFields {
                name: name.as_str(),
                phone: phone.as_str(),
                roles: &roles,
                working_hours: &hours,
                active: true,
            },
            now,
        )
        .await?;
        store::set_staff_communities(&mut tx, id, &communities).await?;
        let s = store::get_staff(&mut tx, actor.company_id, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "staff",
            id.0,
            "create",
            None,
            snapshot(&s),
        )
        .await?;
        tx.commit().await?;
        if let Some(a) = &input.account {
            if let Err(e) = self
                .create_account(actor, AccountHolder::Staff(id), a)
                .await
            {
                // All or nothing: without its account the new record goes too.
                let mut tx = self.db.begin().await?;
                store::set_staff_communities(&mut tx, id, &[]).await?;
                sqlx_delete_staff(&mut tx, id).await?;
                tx.commit().await?;
                return Err(e);
            }
            let mut c = self.db.read().await?;
            return Ok(store::get_staff(&mut c, actor.company_id, id).await?);
        }
        Ok(s)
    }

    pub async fn update_staff(
        &self,
        actor: &Actor,
        id: StaffId,
        patch: &StaffPatch,
    ) -> Result<Staff> {
        actor.require(Resource::Staff, Access::Write)?;
        let before = self.get_staff(actor, id).await?;
        if before.roles.contains(&Role::Admin) && !actor.is_admin() {
            return Err(Error::forbidden().into());
        }
        let name = match &patch.name {
            Some(n) => Name::parse(n)
                .map_err(|e| e.with_field("name"))?
                .to_string(),
            None => before.name.clone(),
        };
        let phone = match &patch.phone {
            Some(p) => Phone::parse(p)
                .map_err(|e| e.with_field("phone"))?
                .to_string(),
            None => before.phone.clone(),
        };
        let roles = match &patch.roles {
            Some(r) => {
                let r = parse_staff_roles(r)?;
                Self::check_grantable(actor, &r)?;
                r
            }
            None => before.roles.clone(),
        };
        let communities = match &patch.community_ids {
            Some(ids) => Some(self.parse_communities(actor, ids).await?),
            None => None,
        };
        let hours = match &patch.working_hours {
            Some(m) => WorkingHours::parse(m)?,
            None => before.working_hours.clone(),
        };
        let active = patch.active.unwrap_or(before.active);
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::update_staff(
            &mut tx,
            id,
            &StaffFields {
                name: &name,
                phone: &phone,
                roles: &roles,
                working_hours: &hours,
                active,
            },
            now,
        )
        .await?;
        if let Some(cs) = &communities {
            store::set_staff_communities(&mut tx, id, cs).await?;
        }
        if let Some(u) = before.user_id {
            accounts::set_user_phone(&mut tx, u, &phone, &name).await?;
            if !active {
                accounts::delete_user_sessions(&mut tx, u, None).await?;
            }
        }
        let after = store::get_staff(&mut tx, actor.company_id, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "staff",
            id.0,
            "update",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Staff are never deleted (their names stay on the orders they worked):
    /// they are deactivated, and their account signed out.
    pub async fn deactivate_staff(&self, actor: &Actor, id: StaffId) -> Result<Staff> {
        if actor.staff_id == Some(id) {
            return Err(Error::conflict(
                "cannot_deactivate_self",
                "不能停用自己的账号",
                "You cannot deactivate yourself",
            )
            .into());
        }
        self.update_staff(
            actor,
            id,
            &StaffPatch {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
    }
}

async fn sqlx_delete_staff(c: &mut wuye_store::Conn, id: StaffId) -> Result<()> {
    wuye_store::people::delete_staff_row(c, id).await?;
    Ok(())
}
