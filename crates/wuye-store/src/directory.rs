//! Companies, communities, buildings, entrances and homes.

use crate::dialect;
use crate::sql::Sql;
use crate::{Backend, Conn, Read, Result, StoreError};
use sqlx::FromRow;
use wuye_domain::directory::{Building, Community, Entrance, Home};
use wuye_domain::ids::*;
use wuye_domain::time::from_millis;

pub async fn insert_company(c: &mut Conn, name: &str, now_ms: i64) -> Result<CompanyId> {
    let id: i64 =
        sqlx::query_scalar("INSERT INTO companies (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name.to_string())
            .bind(now_ms)
            .fetch_one(c)
            .await?;
    Ok(CompanyId(id))
}

pub async fn first_company(c: &mut Conn) -> Result<Option<(CompanyId, String)>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM companies ORDER BY id LIMIT 1")
            .fetch_optional(c)
            .await?;
    Ok(row.map(|(id, n)| (CompanyId(id), n)))
}

#[derive(FromRow, serde::Deserialize)]
struct CommunityRow {
    id: i64,
    company_id: i64,
    name: String,
    address: String,
    created_at: i64,
    updated_at: i64,
}

impl From<CommunityRow> for Community {
    fn from(r: CommunityRow) -> Self {
        Community {
            id: CommunityId(r.id),
            company_id: CompanyId(r.company_id),
            name: r.name,
            address: r.address,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        }
    }
}

const COMMUNITY_COLS: &str = "id, company_id, name, address, created_at, updated_at";

pub async fn insert_community(
    c: &mut Conn,
    company: CompanyId,
    name: &str,
    address: &str,
    now_ms: i64,
) -> Result<Community> {
    let row: CommunityRow = sqlx::query_as(&format!(
        "INSERT INTO communities (company_id, name, address, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING {COMMUNITY_COLS}"
    ))
    .bind(company.0)
    .bind(name.to_string())
    .bind(address.to_string())
    .bind(now_ms)
    .fetch_one(c)
    .await?;
    Ok(row.into())
}

pub async fn get_community(
    c: &mut impl Read,
    company: CompanyId,
    id: CommunityId,
) -> Result<Community> {
    let row: CommunityRow = crate::exec::query(&format!(
        "SELECT {COMMUNITY_COLS} FROM communities WHERE company_id = $1 AND id = $2"
    ))
    .bind(company.0)
    .bind(id.0)
    .fetch_one(c)
    .await?;
    Ok(row.into())
}

/// Communities of a company; `only` narrows to a scope (None = all).
pub async fn list_communities(
    c: &mut Conn,
    company: CompanyId,
    only: Option<&[CommunityId]>,
) -> Result<Vec<Community>> {
    let mut q = Sql::new(&format!(
        "SELECT {COMMUNITY_COLS} FROM communities WHERE company_id = "
    ));
    q.bind(company.0);
    if let Some(ids) = only {
        q.push(" AND id IN ").bind_list(ids.iter().map(|i| i.0));
    }
    q.push(" ORDER BY id");
    let rows: Vec<CommunityRow> = q.fetch_all(c).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn update_community(
    c: &mut Conn,
    company: CompanyId,
    id: CommunityId,
    name: &str,
    address: &str,
    now_ms: i64,
) -> Result<Community> {
    let row: CommunityRow = sqlx::query_as(&format!(
        "UPDATE communities SET name = $1, address = $2, updated_at = $3 \
         WHERE company_id = $4 AND id = $5 RETURNING {COMMUNITY_COLS}"
    ))
    .bind(name.to_string())
    .bind(address.to_string())
    .bind(now_ms)
    .bind(company.0)
    .bind(id.0)
    .fetch_one(c)
    .await?;
    Ok(row.into())
}

/// Deletes a community. Buildings or staff still attached make it a
/// foreign-key error, which the app reports as "still in use".
pub async fn delete_community(c: &mut Conn, company: CompanyId, id: CommunityId) -> Result<()> {
    let n = sqlx::query("DELETE FROM communities WHERE company_id = $1 AND id = $2")
        .bind(company.0)
        .bind(id.0)
        .execute(c)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ---- buildings -------------------------------------------------------------

#[derive(FromRow, serde::Deserialize)]
struct BuildingRow {
    id: i64,
    community_id: i64,
    name: String,
}

impl From<BuildingRow> for Building {
    fn from(r: BuildingRow) -> Self {
        Building {
            id: BuildingId(r.id),
            community_id: CommunityId(r.community_id),
            name: r.name,
        }
    }
}

pub async fn insert_building(c: &mut Conn, community: CommunityId, name: &str) -> Result<Building> {
    let row: BuildingRow = sqlx::query_as(
        "INSERT INTO buildings (community_id, name) VALUES ($1, $2) RETURNING id, community_id, name",
    )
    .bind(community.0)
    .bind(name.to_string())
    .fetch_one(c)
    .await?;
    Ok(row.into())
}

/// A building, only if it belongs to a community of the company.
pub async fn get_building(
    c: &mut impl Read,
    company: CompanyId,
    id: BuildingId,
) -> Result<Building> {
    let row: BuildingRow = crate::exec::query(
        "SELECT b.id, b.community_id, b.name FROM buildings b \
         JOIN communities m ON m.id = b.community_id WHERE m.company_id = $1 AND b.id = $2",
    )
    .bind(company.0)
    .bind(id.0)
    .fetch_one(c)
    .await?;
    Ok(row.into())
}

pub async fn find_building(
    c: &mut Conn,
    community: CommunityId,
    name: &str,
) -> Result<Option<Building>> {
    let row: Option<BuildingRow> = sqlx::query_as(
        "SELECT id, community_id, name FROM buildings WHERE community_id = $1 AND name = $2",
    )
    .bind(community.0)
    .bind(name.to_string())
    .fetch_optional(c)
    .await?;
    Ok(row.map(Into::into))
}

pub async fn list_buildings(c: &mut Conn, community: CommunityId) -> Result<Vec<Building>> {
    let rows: Vec<BuildingRow> = sqlx::query_as(
        "SELECT id, community_id, name FROM buildings WHERE community_id = $1 ORDER BY id",
    )
    .bind(community.0)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn rename_building(c: &mut Conn, id: BuildingId, name: &str) -> Result<Building> {
    let row: BuildingRow = sqlx::query_as(
        "UPDATE buildings SET name = $1 WHERE id = $2 RETURNING id, community_id, name",
    )
    .bind(name.to_string())
    .bind(id.0)
    .fetch_one(c)
    .await?;
    Ok(row.into())
}

pub async fn delete_building(c: &mut Conn, id: BuildingId) -> Result<()> {
    sqlx::query("DELETE FROM buildings WHERE id = $1")
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

// ---- entrances -------------------------------------------------------------

#[derive(FromRow)]
struct EntranceRow {
    id: i64,
    building_id: i64,
    name: String,
}

impl From<EntranceRow> for Entrance {
    fn from(r: EntranceRow) -> Self {
        Entrance {
            id: EntranceId(r.id),
            building_id: BuildingId(r.building_id),
            name: r.name,
        }
    }
}

pub async fn insert_entrance(c: &mut Conn, building: BuildingId, name: &str) -> Result<Entrance> {
    let row: EntranceRow = sqlx::query_as(
        "INSERT INTO entrances (building_id, name) VALUES ($1, $2) RETURNING id, building_id, name",
    )
    .bind(building.0)
    .bind(name.to_string())
    .fetch_one(c)
    .await?;
    Ok(row.into())
}

/// An entrance with the community it is in, only within the company.
pub async fn get_entrance(
    c: &mut impl Read,
    company: CompanyId,
    id: EntranceId,
) -> Result<(Entrance, CommunityId)> {
    let row: (i64, i64, String, i64) = crate::exec::query(
        "SELECT e.id, e.building_id, e.name, b.community_id FROM entrances e \
         JOIN buildings b ON b.id = e.building_id JOIN communities m ON m.id = b.community_id \
         WHERE m.company_id = $1 AND e.id = $2",
    )
    .bind(company.0)
    .bind(id.0)
    .fetch_one(c)
    .await?;
    Ok((
        Entrance {
            id: EntranceId(row.0),
            building_id: BuildingId(row.1),
            name: row.2,
        },
        CommunityId(row.3),
    ))
}

pub async fn find_entrance(
    c: &mut Conn,
    building: BuildingId,
    name: &str,
) -> Result<Option<Entrance>> {
    let row: Option<EntranceRow> = sqlx::query_as(
        "SELECT id, building_id, name FROM entrances WHERE building_id = $1 AND name = $2",
    )
    .bind(building.0)
    .bind(name.to_string())
    .fetch_optional(c)
    .await?;
    Ok(row.map(Into::into))
}

pub async fn list_entrances(c: &mut Conn, building: BuildingId) -> Result<Vec<Entrance>> {
    let rows: Vec<EntranceRow> = sqlx::query_as(
        "SELECT id, building_id, name FROM entrances WHERE building_id = $1 ORDER BY id",
    )
    .bind(building.0)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn rename_entrance(c: &mut Conn, id: EntranceId, name: &str) -> Result<Entrance> {
    let row: EntranceRow = sqlx::query_as(
        "UPDATE entrances SET name = $1 WHERE id = $2 RETURNING id, building_id, name",
    )
    .bind(name.to_string())
    .bind(id.0)
    .fetch_one(c)
    .await?;
    Ok(row.into())
}

pub async fn delete_entrance(c: &mut Conn, id: EntranceId) -> Result<()> {
    sqlx::query("DELETE FROM entrances WHERE id = $1")
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

/// Rewrites the labels of a building's homes after a rename.
pub async fn relabel_homes(c: &mut Conn, building: BuildingId) -> Result<()> {
    let rows: Vec<(i64, String, Option<String>, String)> = sqlx::query_as(
        "SELECT h.id, b.name, e.name, h.number FROM homes h JOIN buildings b ON b.id = h.building_id \
         LEFT JOIN entrances e ON e.id = h.entrance_id WHERE h.building_id = $1",
    )
    .bind(building.0)
    .fetch_all(&mut *c)
    .await?;
    for (id, b, e, n) in rows {
        sqlx::query("UPDATE homes SET label = $1 WHERE id = $2")
            .bind(wuye_domain::directory::home_label(&b, e.as_deref(), &n))
            .bind(id)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

// ---- homes -----------------------------------------------------------------

#[derive(FromRow, serde::Deserialize)]
struct HomeRow {
    id: i64,
    community_id: i64,
    building_id: i64,
    entrance_id: Option<i64>,
    number: String,
    floor: Option<i64>,
    area: Option<String>,
    label: String,
}

impl From<HomeRow> for Home {
    fn from(r: HomeRow) -> Self {
        Home {
            id: HomeId(r.id),
            community_id: CommunityId(r.community_id),
            building_id: BuildingId(r.building_id),
            entrance_id: r.entrance_id.map(EntranceId),
            number: r.number,
            floor: r.floor,
            area: r.area,
            label: r.label,
        }
    }
}

const HOME_COLS: &str = "id, community_id, building_id, entrance_id, number, floor, area, label";

pub struct NewHome<'a> {
    pub community: CommunityId,
    pub building: BuildingId,
    pub entrance: Option<EntranceId>,
    pub number: &'a str,
    pub floor: Option<i64>,
    pub area: Option<String>,
    pub label: String,
}

pub async fn insert_home(c: &mut Conn, h: NewHome<'_>, now_ms: i64) -> Result<Home> {
    let row: HomeRow = sqlx::query_as(&format!(
        "INSERT INTO homes (community_id, building_id, entrance_id, number, floor, area, label, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {HOME_COLS}"
    ))
    .bind(h.community.0)
    .bind(h.building.0)
    .bind(h.entrance.map(|e| e.0))
    .bind(h.number.to_string())
    .bind(h.floor)
    .bind(h.area)
    .bind(h.label)
    .bind(now_ms)
    .fetch_one(c)
    .await?;
    Ok(row.into())
}

pub async fn get_home(c: &mut impl Read, company: CompanyId, id: HomeId) -> Result<Home> {
    let mut q = Sql::new(&format!(
        "SELECT {} FROM homes h JOIN communities m ON m.id = h.community_id \
         WHERE m.company_id = $1 AND h.id = $2",
        prefixed("h", HOME_COLS)
    ));
    q.arg(company.0).arg(id.0);
    let row: HomeRow = c.optional(q).await?.ok_or(StoreError::NotFound)?;
    Ok(row.into())
}

pub async fn find_home(c: &mut Conn, community: CommunityId, label: &str) -> Result<Option<Home>> {
    let row: Option<HomeRow> = sqlx::query_as(&format!(
        "SELECT {HOME_COLS} FROM homes WHERE community_id = $1 AND label = $2"
    ))
    .bind(community.0)
    .bind(label.to_string())
    .fetch_optional(c)
    .await?;
    Ok(row.map(Into::into))
}

#[derive(Default)]
pub struct HomeFilter<'a> {
    pub communities: Option<&'a [CommunityId]>,
    pub only_ids: Option<&'a [HomeId]>,
    pub community: Option<CommunityId>,
    pub building: Option<BuildingId>,
    pub entrance: Option<EntranceId>,
    /// Substring of the label (3栋2单元1202), e.g. "1202" or "3栋".
    pub q: Option<&'a str>,
    pub after: Option<HomeId>,
    pub limit: i64,
}

pub async fn list_homes(
    c: &mut Conn,
    backend: Backend,
    company: CompanyId,
    f: &HomeFilter<'_>,
) -> Result<Vec<Home>> {
    let mut q = Sql::new(&format!(
        "SELECT {} FROM homes h JOIN communities m ON m.id = h.community_id WHERE m.company_id = ",
        prefixed("h", HOME_COLS)
    ));
    q.bind(company.0);
    if let Some(ids) = f.communities {
        q.push(" AND h.community_id IN ")
            .bind_list(ids.iter().map(|i| i.0));
    }
    if let Some(ids) = f.only_ids {
        q.push(" AND h.id IN ").bind_list(ids.iter().map(|i| i.0));
    }
    if let Some(v) = f.community {
        q.push(" AND h.community_id = ").bind(v.0);
    }
    if let Some(v) = f.building {
        q.push(" AND h.building_id = ").bind(v.0);
    }
    if let Some(v) = f.entrance {
        q.push(" AND h.entrance_id = ").bind(v.0);
    }
    if let Some(text) = f.q {
        q.push(&format!(" AND h.label {} ", dialect::ilike(backend)))
            .bind(dialect::contains_pattern(text))
            .push(" ESCAPE '\\'");
    }
    if let Some(a) = f.after {
        q.push(" AND h.id > ").bind(a.0);
    }
    q.push(" ORDER BY h.id LIMIT ").bind(f.limit);
    let rows: Vec<HomeRow> = q.fetch_all(c).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn update_home(
    c: &mut Conn,
    id: HomeId,
    floor: Option<i64>,
    area: Option<String>,
    now_ms: i64,
) -> Result<Home> {
    let row: HomeRow = sqlx::query_as(&format!(
        "UPDATE homes SET floor = $1, area = $2, updated_at = $3 WHERE id = $4 RETURNING {HOME_COLS}"
    ))
    .bind(floor)
    .bind(area)
    .bind(now_ms)
    .bind(id.0)
    .fetch_one(c)
    .await?;
    Ok(row.into())
}

pub async fn delete_home(c: &mut Conn, id: HomeId) -> Result<()> {
    sqlx::query("DELETE FROM homes WHERE id = $1")
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn count_homes(c: &mut Conn, company: CompanyId) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM homes h JOIN communities m ON m.id = h.community_id WHERE m.company_id = $1",
    )
    .bind(company.0)
    .fetch_one(c)
    .await?)
}

/// `a, b` → `h.a, h.b`.
pub(crate) fn prefixed(alias: &str, cols: &str) -> String {
    cols.split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn get_setting(c: &mut Conn, key: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key.to_string())
            .fetch_optional(c)
            .await?,
    )
}

pub async fn set_setting(c: &mut Conn, key: &str, value: &str) -> Result<()> {
    let n = sqlx::query("UPDATE settings SET value = $1 WHERE key = $2")
        .bind(value.to_string())
        .bind(key.to_string())
        .execute(&mut *c)
        .await?
        .rows_affected();
    if n == 0 {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
            .bind(key.to_string())
            .bind(value.to_string())
            .execute(c)
            .await?;
    }
    Ok(())
}

pub async fn companies(c: &mut Conn) -> Result<Vec<CompanyId>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM companies ORDER BY id")
        .fetch_all(c)
        .await?;
    Ok(ids.into_iter().map(CompanyId).collect())
}
