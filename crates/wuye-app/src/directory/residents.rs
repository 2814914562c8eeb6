//! Residents (业主/租户/家属) and the homes they live in.

use super::property::with_field;
use crate::App;
use crate::audit::{record, snapshot};
use crate::error::{NotFoundAs, Result};
use crate::page::{Page, PageParams, page_of};
use serde::Deserialize;
use wuye_domain::Error;
use wuye_domain::access::{Access, Actor, Resource};
use wuye_domain::directory::{Relation, Resident};
use wuye_domain::ids::*;
use wuye_domain::values::{Name, Phone};
use wuye_store::accounts;
use wuye_store::people::{self as store, ResidentFilter};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HomeLink {
    pub home_id: i64,
    /// owner 业主 | tenant 租户 | family 家属
    pub relation: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentInput {
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub homes: Vec<HomeLink>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentPatch {
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationInput {
    pub relation: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ResidentQuery {
    pub home_id: Option<i64>,
    /// Name, phone, or part of a home label (e.g. 3栋2单元1202).
    pub q: Option<String>,
}

/// Whether a staff actor may see a resident: one of the resident's homes is
/// in the actor's communities (a resident with no home yet is visible to
/// everyone who may read residents).
fn resident_visible(actor: &Actor, access: Access, r: &Resident) -> bool {
    if access == Access::Own {
        return actor.resident_id == Some(r.id);
    }
    r.homes.is_empty() || r.homes.iter().any(|h| actor.in_community(h.community_id))
}

impl App {
    pub async fn list_residents(
        &self,
        actor: &Actor,
        query: &ResidentQuery,
        page: &PageParams,
    ) -> Result<Page<Resident>> {
        let access = actor.require(Resource::Resident, Access::Own)?;
        let limit = page.limit()?;
        if access == Access::Own {
            let me = match actor.resident_id {
                Some(id) => vec![self.get_resident(actor, id).await?],
                None => vec![],
            };
            return Ok(Page {
                items: me,
                next: None,
            });
        }
        let mut c = self.db.read().await?;
        let rows = store::list_residents(
            &mut c,
            self.db.backend(),
            actor.company_id,
            &ResidentFilter {
                communities: actor.community_filter(),
                home: query.home_id.map(HomeId),
                q: query.q.as_deref().map(str::trim).filter(|s| !s.is_empty()),
                after: page.after_id()?.map(ResidentId),
                limit: limit + 1,
            },
        )
        .await?;
        Ok(page_of(rows, limit, |r| r.id.0))
    }

    pub async fn get_resident(&self, actor: &Actor, id: ResidentId) -> Result<Resident> {
        let access = actor.require(Resource::Resident, Access::Own)?;
        let mut c = self.db.reader().await?;
        let r = store::get_resident(&mut c, actor.company_id, id)
            .await
            .or_not_found("住户", "resident")?;
        if !resident_visible(actor, access, &r) {
            return Err(Error::not_found("住户", "resident").into());
        }
        Ok(r)
    }

    pub async fn create_resident(&self, actor: &Actor, input: &ResidentInput) -> Result<Resident> {
        actor.require(Resource::Resident, Access::Write)?;
        let name = Name::parse(&input.name).map_err(|e| e.with_field("name"))?;
        let phone = Phone::parse(&input.phone).map_err(|e| e.with_field("phone"))?;
        let mut links = Vec::new();
        for (i, l) in input.homes.iter().enumerate() {
            let home = self
                .get_home(actor, HomeId(l.home_id))
                .await
                .map_err(|e| with_field(e, &format!("homes[{i}].home_id")))?;
            let rel = Relation::parse(&l.relation)
                .map_err(|e| e.with_field(format!("homes[{i}].relation")))?;
            if links.iter().any(|(h, _)| *h == home.id) {
                return Err(Error::invalid(
                    "home_repeated",
                    "同一房屋不能重复关联",
                    "The same home is listed twice",
                )
                .with_field(format!("homes[{i}].home_id"))
                .into());
            }
            links.push((home.id, rel));
        }
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let id = store::insert_resident(
            &mut tx,
            actor.company_id,
            name.as_str(),
            phone.as_str(),
            now,
        )
        .await?;
        for (h, rel) in &links {
            store::link_home(&mut tx, id, *h, *rel).await?;
        }
        let r = store::get_resident(&mut tx, actor.company_id, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "resident",
            id.0,
            "create",
            None,
            snapshot(&r),
        )
        .await?;
        tx.commit().await?;
        Ok(r)
    }

    pub async fn update_resident(
        &self,
        actor: &Actor,
        id: ResidentId,
        patch: &ResidentPatch,
    ) -> Result<Resident> {
        actor.require(Resource::Resident, Access::Write)?;
        let before = self.get_resident(actor, id).await?;
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
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::update_resident(&mut tx, id, &name, &phone, now).await?;
        if let Some(u) = before.user_id {
            // The resident signs in with this phone: keep the account in step.
            accounts::set_user_phone(&mut tx, u, &phone, &name).await?;
        }
        let after = store::get_resident(&mut tx, actor.company_id, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "resident",
            id.0,
            "update",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Erases a resident (PIPL: erasure on request); their account is disabled.
    pub async fn delete_resident(&self, actor: &Actor, id: ResidentId) -> Result<()> {
        actor.require(Resource::Resident, Access::Write)?;
        let before = self.get_resident(actor, id).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        if let Some(u) = before.user_id {
            accounts::set_disabled(&mut tx, u, true).await?;
            accounts::delete_user_sessions(&mut tx, u, None).await?;
        }
        store::delete_resident(&mut tx, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "resident",
            id.0,
            "delete",
            snapshot(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Links a resident to a home, or changes the relation if linked already.
    pub async fn link_resident_home(
        &self,
        actor: &Actor,
        id: ResidentId,
        home: HomeId,
        input: &RelationInput,
    ) -> Result<Resident> {
        actor.require(Resource::Resident, Access::Write)?;
        let before = self.get_resident(actor, id).await?;
        self.get_home(actor, home).await?;
        let rel = Relation::parse(&input.relation)?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        if before.homes.iter().any(|h| h.home_id == home) {
            store::set_relation(&mut tx, id, home, rel).await?;
        } else {
            store::link_home(&mut tx, id, home, rel).await?;
        }
        let after = store::get_resident(&mut tx, actor.company_id, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "resident",
            id.0,
            "link_home",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn unlink_resident_home(
        &self,
        actor: &Actor,
        id: ResidentId,
        home: HomeId,
    ) -> Result<Resident> {
        actor.require(Resource::Resident, Access::Write)?;
        let before = self.get_resident(actor, id).await?;
        self.get_home(actor, home).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        if !store::unlink_home(&mut tx, id, home).await? {
            return Err(Error::not_found("关联", "link").into());
        }
        let after = store::get_resident(&mut tx, actor.company_id, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "resident",
            id.0,
            "unlink_home",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}
