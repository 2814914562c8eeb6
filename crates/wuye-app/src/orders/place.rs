//! Where a new order is: a home, or a public place of a community, resolved
//! from the input and checked against what the caller may report for.

use super::create::OrderInput;
use crate::App;
use crate::directory::property::with_field;
use crate::error::{AppError, Result};
use wuye_domain::Error;
use wuye_domain::access::Actor;
use wuye_domain::ids::*;
use wuye_domain::work_order::PlaceKind;
use wuye_store::directory as dir;

/// Where an order is, resolved and checked.
pub(crate) struct ResolvedPlace {
    pub kind: PlaceKind,
    pub community: CommunityId,
    pub home: Option<HomeId>,
    pub building: Option<BuildingId>,
    pub entrance: Option<EntranceId>,
    pub text: String,
    pub label: String,
}

fn missing(field: &str, zh: &str, en: &str) -> AppError {
    Error::invalid("place_missing", zh.to_string(), en.to_string())
        .with_field(field)
        .into()
}

impl App {
    pub(crate) async fn resolve_place(
        &self,
        actor: &Actor,
        i: &OrderInput,
    ) -> Result<ResolvedPlace> {
        let kind = match &i.place_kind {
            Some(k) => PlaceKind::parse(k)?,
            None if i.home_id.is_some() => PlaceKind::Home,
            None if i.entrance_id.is_some() => PlaceKind::Entrance,
            None if i.building_id.is_some() => PlaceKind::Building,
            None => {
                return Err(missing(
                    "home_id",
                    "请选择房屋或公共区域位置",
                    "Choose a home or a public place",
                ));
            }
        };
        let text = super::super::directory::opt_text(i.place_text.as_deref(), 100, "place_text")?
            .unwrap_or_default();
        let mut c = self.db.reader().await?;
        let company = actor.company_id;
        let (community, home, building, entrance, base) = match kind {
            PlaceKind::Home => {
                let id = i
                    .home_id
                    .ok_or_else(|| missing("home_id", "请选择房屋", "Choose the home"))?;
                let h = if actor.resident_id.is_some() && actor.staff_id.is_none() {
                    if !actor.homes.contains(&HomeId(id)) {
                        return Err(Error::not_found("房屋", "home")
                            .with_field("home_id")
                            .into());
                    }
                    dir::get_home(&mut c, company, HomeId(id)).await?
                } else {
                    drop(c);
                    let h = self
                        .get_home(actor, HomeId(id))
                        .await
                        .map_err(|e| with_field(e, "home_id"))?;
                    c = self.db.reader().await?;
                    h
                };
                (
                    h.community_id,
                    Some(h.id),
                    Some(h.building_id),
                    h.entrance_id,
                    h.label,
                )
            }
            PlaceKind::Building | PlaceKind::Entrance => {
                let (b, e) = if kind == PlaceKind::Entrance {
                    let id = i.entrance_id.ok_or_else(|| {
                        missing("entrance_id", "请选择单元", "Choose the entrance")
                    })?;
                    let (e, _) = dir::get_entrance(&mut c, company, EntranceId(id))
                        .await
                        .map_err(|_| {
                            AppError::from(
                                Error::not_found("单元", "entrance").with_field("entrance_id"),
                            )
                        })?;
                    (
                        dir::get_building(&mut c, company, e.building_id).await?,
                        Some(e),
                    )
                } else {
                    let id = i.building_id.ok_or_else(|| {
                        missing("building_id", "请选择楼栋", "Choose the building")
                    })?;
                    let b = dir::get_building(&mut c, company, BuildingId(id))
                        .await
                        .map_err(|_| {
                            AppError::from(
                                Error::not_found("楼栋", "building").with_field("building_id"),
                            )
                        })?;
                    (b, None)
                };
                let label = match &e {
                    Some(e) => wuye_domain::directory::home_label(&b.name, Some(&e.name), ""),
                    None => wuye_domain::directory::home_label(&b.name, None, ""),
                };
                (b.community_id, None, Some(b.id), e.map(|e| e.id), label)
            }
            PlaceKind::Garage | PlaceKind::Grounds => {
                let id = i
                    .community_id
                    .ok_or_else(|| missing("community_id", "请选择小区", "Choose the community"))?;
                (
                    CommunityId(id),
                    None,
                    None,
                    None,
                    kind.label_zh().to_string(),
                )
            }
        };
        if !actor.in_community(community) {
            let field = if home.is_some() {
                "home_id"
            } else if building.is_some() {
                "building_id"
            } else {
                "community_id"
            };
            return Err(Error::not_found("位置", "place").with_field(field).into());
        }
        let m = dir::get_community(&mut c, company, community)
            .await
            .map_err(|_| {
                AppError::from(Error::not_found("小区", "community").with_field("community_id"))
            })?;
        let mut label = format!("{} {}", m.name, base);
        if !text.is_empty() {
            label.push_str(" · ");
            label.push_str(&text);
        }
        Ok(ResolvedPlace {
            kind,
            community,
            home,
            building,
            entrance,
            text,
            label,
        })
    }
}
