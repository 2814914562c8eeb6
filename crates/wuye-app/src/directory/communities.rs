//! Communities (小区/项目).

use super::{opt_text, require_community};
use crate::App;
use crate::audit::{record, snapshot};
use crate::error::{NotFoundAs, Result};
use serde::Deserialize;
use wuye_domain::access::{Access, Actor, Resource};
use wuye_domain::directory::Community;
use wuye_domain::ids::CommunityId;
use wuye_domain::values::Name;
use wuye_store::directory as store;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityInput {
    /// 小区名称, e.g. 翠湖花园
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityPatch {
    pub name: Option<String>,
    pub address: Option<String>,
}

impl App {
    pub async fn list_communities(&self, actor: &Actor) -> Result<Vec<Community>> {
        actor.require(Resource::Community, Access::Own)?;
        let mut c = self.db.read().await?;
        Ok(store::list_communities(&mut c, actor.company_id, actor.community_filter()).await?)
    }

    pub async fn get_community(&self, actor: &Actor, id: CommunityId) -> Result<Community> {
        actor.require(Resource::Community, Access::Own)?;
        require_community(actor, id, "小区", "community")?;
        let mut c = self.db.read().await?;
        store::get_community(&mut c, actor.company_id, id)
            .await
            .or_not_found("小区", "community")
    }

    pub async fn create_community(
        &self,
        actor: &Actor,
        input: &CommunityInput,
    ) -> Result<Community> {
        actor.require(Resource::Community, Access::Write)?;
        let name = Name::parse(&input.name).map_err(|e| e.with_field("name"))?;
        let address = opt_text(input.address.as_deref(), 200, "address")?.unwrap_or_default();
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let m = store::insert_community(&mut tx, actor.company_id, name.as_str(), &address, now)
            .await?;
        record(
            &mut tx,
            actor,
            now,
            "community",
            m.id.0,
            "create",
            None,
            snapshot(&m),
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    pub async fn update_community(
        &self,
        actor: &Actor,
        id: CommunityId,
        patch: &CommunityPatch,
    ) -> Result<Community> {
        actor.require(Resource::Community, Access::Write)?;
        let before = self.get_community(actor, id).await?;
        let name = match &patch.name {
            Some(n) => Name::parse(n)
                .map_err(|e| e.with_field("name"))?
                .to_string(),
            None => before.name.clone(),
        };
        let address = match &patch.address {
            Some(a) => opt_text(Some(a), 200, "address")?.unwrap_or_default(),
            None => before.address.clone(),
        };
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let after =
            store::update_community(&mut tx, actor.company_id, id, &name, &address, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "community",
            id.0,
            "update",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_community(&self, actor: &Actor, id: CommunityId) -> Result<()> {
        actor.require(Resource::Community, Access::Write)?;
        let before = self.get_community(actor, id).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::delete_community(&mut tx, actor.company_id, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "community",
            id.0,
            "delete",
            snapshot(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
