//! Buildings (楼栋), entrances (单元) and homes (房屋).

use super::require_community;
use crate::App;
use crate::audit::{record, snapshot};
use crate::error::{NotFoundAs, Result};
use crate::page::{Page, PageParams, page_of};
use serde::Deserialize;
use wuye_domain::Error;
use wuye_domain::access::{Access, Actor, Resource};
use wuye_domain::directory::{Building, Entrance, Home, home_label};
use wuye_domain::ids::*;
use wuye_domain::values::{Area, Label};
use wuye_store::directory::{self as store, HomeFilter, NewHome};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameInput {
    /// e.g. 3栋, 2单元
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HomeInput {
    pub building_id: i64,
    pub entrance_id: Option<i64>,
    /// 房号, e.g. 1202
    pub number: String,
    pub floor: Option<i64>,
    /// 建筑面积 in ㎡, exact decimal as a string, e.g. "89.50"
    pub area: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HomePatch {
    pub floor: Option<i64>,
    pub area: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct HomeQuery {
    pub community_id: Option<i64>,
    pub building_id: Option<i64>,
    pub entrance_id: Option<i64>,
    /// Part of the home's label: 1202, 3栋, 3栋2单元
    pub q: Option<String>,
}

pub(crate) fn parse_floor(v: Option<i64>) -> Result<Option<i64>> {
    match v {
        Some(f) if !(-10..=200).contains(&f) || f == 0 => Err(Error::invalid(
            "floor_invalid",
            "楼层应在 -10 到 200 之间且不为 0",
            "Floor must be between -10 and 200, and not 0",
        )
        .with_field("floor")
        .into()),
        other => Ok(other),
    }
}

impl App {
    async fn building_in_scope(&self, actor: &Actor, id: BuildingId) -> Result<Building> {
        let mut c = self.db.read().await?;
        let b = store::get_building(&mut c, actor.company_id, id)
            .await
            .or_not_found("楼栋", "building")?;
        require_community(actor, b.community_id, "楼栋", "building")?;
        Ok(b)
    }

    async fn entrance_in_scope(
        &self,
        actor: &Actor,
        id: EntranceId,
    ) -> Result<(Entrance, CommunityId)> {
        let mut c = self.db.read().await?;
        let (e, m) = store::get_entrance(&mut c, actor.company_id, id)
            .await
            .or_not_found("单元", "entrance")?;
        require_community(actor, m, "单元", "entrance")?;
        Ok((e, m))
    }

    pub async fn list_buildings(
        &self,
        actor: &Actor,
        community: CommunityId,
    ) -> Result<Vec<Building>> {
        actor.require(Resource::Property, Access::Own)?;
        self.get_community(actor, community).await?;
        let mut c = self.db.read().await?;
        Ok(store::list_buildings(&mut c, community).await?)
    }

    pub async fn create_building(
        &self,
        actor: &Actor,
        community: CommunityId,
        input: &NameInput,
    ) -> Result<Building> {
        actor.require(Resource::Property, Access::Write)?;
        self.get_community(actor, community).await?;
        let name = Label::parse(&input.name).map_err(|e| e.with_field("name"))?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let b = store::insert_building(&mut tx, community, name.as_str()).await?;
        record(
            &mut tx,
            actor,
            now,
            "building",
            b.id.0,
            "create",
            None,
            snapshot(&b),
        )
        .await?;
        tx.commit().await?;
        Ok(b)
    }

    pub async fn get_building(&self, actor: &Actor, id: BuildingId) -> Result<Building> {
        actor.require(Resource::Property, Access::Own)?;
        self.building_in_scope(actor, id).await
    }

    pub async fn rename_building(
        &self,
        actor: &Actor,
        id: BuildingId,
        input: &NameInput,
    ) -> Result<Building> {
        actor.require(Resource::Property, Access::Write)?;
        let before = self.building_in_scope(actor, id).await?;
        let name = Label::parse(&input.name).map_err(|e| e.with_field("name"))?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let after = store::rename_building(&mut tx, id, name.as_str()).await?;
        store::relabel_homes(&mut tx, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "building",
            id.0,
            "update",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_building(&self, actor: &Actor, id: BuildingId) -> Result<()> {
        actor.require(Resource::Property, Access::Write)?;
        let before = self.building_in_scope(actor, id).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::delete_building(&mut tx, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "building",
            id.0,
            "delete",
            snapshot(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_entrances(
        &self,
        actor: &Actor,
        building: BuildingId,
    ) -> Result<Vec<Entrance>> {
        actor.require(Resource::Property, Access::Own)?;
        self.building_in_scope(actor, building).await?;
        let mut c = self.db.read().await?;
        Ok(store::list_entrances(&mut c, building).await?)
    }

    pub async fn create_entrance(
        &self,
        actor: &Actor,
        building: BuildingId,
        input: &NameInput,
    ) -> Result<Entrance> {
        actor.require(Resource::Property, Access::Write)?;
        self.building_in_scope(actor, building).await?;
        let name = Label::parse(&input.name).map_err(|e| e.with_field("name"))?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let e = store::insert_entrance(&mut tx, building, name.as_str()).await?;
        record(
            &mut tx,
            actor,
            now,
            "entrance",
            e.id.0,
            "create",
            None,
            snapshot(&e),
        )
        .await?;
        tx.commit().await?;
        Ok(e)
    }

    pub async fn rename_entrance(
        &self,
        actor: &Actor,
        id: EntranceId,
        input: &NameInput,
    ) -> Result<Entrance> {
        actor.require(Resource::Property, Access::Write)?;
        let (before, _) = self.entrance_in_scope(actor, id).await?;
        let name = Label::parse(&input.name).map_err(|e| e.with_field("name"))?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let after = store::rename_entrance(&mut tx, id, name.as_str()).await?;
        store::relabel_homes(&mut tx, before.building_id).await?;
        record(
            &mut tx,
            actor,
            now,
            "entrance",
            id.0,
            "update",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_entrance(&self, actor: &Actor, id: EntranceId) -> Result<()> {
        actor.require(Resource::Property, Access::Write)?;
        let (before, _) = self.entrance_in_scope(actor, id).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::delete_entrance(&mut tx, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "entrance",
            id.0,
            "delete",
            snapshot(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_homes(
        &self,
        actor: &Actor,
        query: &HomeQuery,
        page: &PageParams,
    ) -> Result<Page<Home>> {
        let access = actor.require(Resource::Property, Access::Own)?;
        let limit = page.limit()?;
        let q = query.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let own_homes = (access == Access::Own).then_some(actor.homes.as_slice());
        let mut c = self.db.read().await?;
        let rows = store::list_homes(
            &mut c,
            self.db.backend(),
            actor.company_id,
            &HomeFilter {
                communities: actor.community_filter(),
                only_ids: own_homes,
                community: query.community_id.map(CommunityId),
                building: query.building_id.map(BuildingId),
                entrance: query.entrance_id.map(EntranceId),
                q,
                after: page.after_id()?.map(HomeId),
                limit: limit + 1,
            },
        )
        .await?;
        Ok(page_of(rows, limit, |h| h.id.0))
    }

    pub async fn get_home(&self, actor: &Actor, id: HomeId) -> Result<Home> {
        let access = actor.require(Resource::Property, Access::Own)?;
        if access == Access::Own && !actor.homes.contains(&id) {
            return Err(Error::not_found("房屋", "home").into());
        }
        let mut c = self.db.read().await?;
        let h = store::get_home(&mut c, actor.company_id, id)
            .await
            .or_not_found("房屋", "home")?;
        require_community(actor, h.community_id, "房屋", "home")?;
        Ok(h)
    }

    pub async fn create_home(&self, actor: &Actor, input: &HomeInput) -> Result<Home> {
        actor.require(Resource::Property, Access::Write)?;
        let b = self
            .building_in_scope(actor, BuildingId(input.building_id))
            .await
            .map_err(|e| with_field(e, "building_id"))?;
        let entrance = match input.entrance_id {
            Some(e) => {
                let (e, _) = self
                    .entrance_in_scope(actor, EntranceId(e))
                    .await
                    .map_err(|e| with_field(e, "entrance_id"))?;
                if e.building_id != b.id {
                    return Err(Error::invalid(
                        "entrance_not_in_building",
                        "该单元不属于所选楼栋",
                        "The entrance is not in the chosen building",
                    )
                    .with_field("entrance_id")
                    .into());
                }
                Some(e)
            }
            None => None,
        };
        let number = Label::parse(&input.number).map_err(|e| e.with_field("number"))?;
        let floor = parse_floor(input.floor)?;
        let area = input
            .area
            .as_deref()
            .map(Area::parse)
            .transpose()
            .map_err(|e| e.with_field("area"))?;
        let label = home_label(
            &b.name,
            entrance.as_ref().map(|e| e.name.as_str()),
            number.as_str(),
        );
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let h = store::insert_home(
            &mut tx,
            NewHome {
                community: b.community_id,
                building: b.id,
                entrance: entrance.map(|e| e.id),
                number: number.as_str(),
                floor,
                area: area.map(|a| a.to_string()),
                label,
            },
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "home",
            h.id.0,
            "create",
            None,
            snapshot(&h),
        )
        .await?;
        tx.commit().await?;
        Ok(h)
    }

    pub async fn update_home(&self, actor: &Actor, id: HomeId, patch: &HomePatch) -> Result<Home> {
        actor.require(Resource::Property, Access::Write)?;
        let before = self.get_home(actor, id).await?;
        let floor = match patch.floor {
            Some(f) => parse_floor(Some(f))?,
            None => before.floor,
        };
        let area = match &patch.area {
            Some(a) if a.trim().is_empty() => None,
            Some(a) => Some(
                Area::parse(a)
                    .map_err(|e| e.with_field("area"))?
                    .to_string(),
            ),
            None => before.area.clone(),
        };
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let after = store::update_home(&mut tx, id, floor, area, now).await?;
        record(
            &mut tx,
            actor,
            now,
            "home",
            id.0,
            "update",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_home(&self, actor: &Actor, id: HomeId) -> Result<()> {
        actor.require(Resource::Property, Access::Write)?;
        let before = self.get_home(actor, id).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::delete_home(&mut tx, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "home",
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

/// A "not found" for a referenced id names the field that held it.
pub(crate) fn with_field(e: crate::AppError, field: &str) -> crate::AppError {
    match e {
        crate::AppError::Coded(err) => crate::AppError::Coded(err.with_field(field)),
        other => other,
    }
}
