//! An order's timeline (events), per-handler step log, followers and photos.

use crate::sql::Sql;
use crate::{Conn, Exec, Read, Result};
use sqlx::FromRow;
use wuye_domain::ids::*;

pub struct NewEvent<'a> {
    pub order: i64,
    pub at_ms: i64,
    /// "staff", "resident" or "system".
    pub actor_kind: &'a str,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub note: Option<&'a str>,
    pub internal: bool,
    pub data: &'a serde_json::Value,
    pub photos: &'a [String],
}

pub async fn insert_event(c: &mut impl Exec, e: &NewEvent<'_>) -> Result<i64> {
    let id: i64 = crate::exec::query(
        "INSERT INTO work_order_events (order_id, at, actor_kind, actor_id, actor_name, action, from_state, to_state, \
         note, internal, data, photos) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(e.order)
    .bind(e.at_ms)
    .bind(e.actor_kind.to_string())
    .bind(e.actor_id)
    .bind(e.actor_name.to_string())
    .bind(e.action.to_string())
    .bind(e.from_state.map(str::to_string))
    .bind(e.to_state.map(str::to_string))
    .bind(e.note.map(str::to_string))
    .bind(e.internal as i64)
    .bind(e.data.to_string())
    .bind(serde_json::to_string(e.photos).expect("strings serialise"))
    .fetch_one_scalar(&mut *c)
    .await?;
    for p in e.photos {
        crate::exec::query(
            "INSERT INTO work_order_photos (order_id, event_id, photo_id) VALUES ($1, $2, $3)",
        )
        .bind(e.order)
        .bind(id)
        .bind(p.clone())
        .execute(&mut *c)
        .await?;
    }
    Ok(id)
}

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct EventRow {
    pub id: i64,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub note: Option<String>,
    pub internal: i64,
    pub data: String,
    pub photos: String,
}

pub async fn events(
    c: &mut impl Read,
    order: i64,
    include_internal: bool,
) -> Result<Vec<EventRow>> {
    let mut s = Sql::new(
        "SELECT id, at, actor_kind, actor_id, actor_name, action, from_state, to_state, note, internal, data, photos \
         FROM work_order_events WHERE order_id = ",
    );
    s.bind(order);
    if !include_internal {
        s.push(" AND internal = 0");
    }
    s.push(" ORDER BY id");
    c.all(s).await
}

// ---- handlers --------------------------------------------------------------

/// Ends the open handler period (if any) and, when someone holds the order
/// now, opens theirs.
pub async fn change_handler(
    c: &mut impl Exec,
    order: i64,
    now_ms: i64,
    action: &str,
    next: Option<(Option<TeamId>, Option<StaffId>)>,
) -> Result<()> {
    let open: Option<(i64, Option<i64>, Option<i64>)> = crate::exec::query(
        "SELECT id, team_id, staff_id FROM work_order_handlers WHERE order_id = $1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(order)
    .fetch_optional(&mut *c)
    .await?;
    if let (Some((_, t, s)), Some((nt, ns))) = (&open, &next)
        && *t == nt.map(|x| x.0)
        && *s == ns.map(|x| x.0)
    {
        return Ok(()); // the same holder keeps it
    }
    if let Some((id, _, _)) = open {
        crate::exec::query(
            "UPDATE work_order_handlers SET ended_at = $1, end_action = $2 WHERE id = $3",
        )
        .bind(now_ms)
        .bind(action.to_string())
        .bind(id)
        .execute(&mut *c)
        .await?;
    }
    if let Some((team, staff)) = next
        && (team.is_some() || staff.is_some())
    {
        crate::exec::query("INSERT INTO work_order_handlers (order_id, team_id, staff_id, started_at) VALUES ($1, $2, $3, $4)")
            .bind(order)
            .bind(team.map(|t| t.0))
            .bind(staff.map(|s| s.0))
            .bind(now_ms)
            .execute(c)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct HandlerRow {
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub staff_id: Option<i64>,
    pub staff_name: Option<String>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub end_action: Option<String>,
}

pub async fn handlers(c: &mut impl Read, order: i64) -> Result<Vec<HandlerRow>> {
    let mut q = Sql::new(
        "SELECT h.team_id, t.name AS team_name, h.staff_id, s.name AS staff_name, h.started_at, h.ended_at, h.end_action \
         FROM work_order_handlers h LEFT JOIN teams t ON t.id = h.team_id LEFT JOIN staff s ON s.id = h.staff_id \
         WHERE h.order_id = $1 ORDER BY h.id",
    );
    q.arg(order);
    c.all(q).await
}

// ---- followers -------------------------------------------------------------

pub async fn add_resident_follower(
    c: &mut impl Exec,
    order: i64,
    resident: ResidentId,
    reason: &str,
    now_ms: i64,
) -> Result<()> {
    let exists: Option<i64> = crate::exec::query(
        "SELECT id FROM work_order_followers WHERE order_id = $1 AND resident_id = $2",
    )
    .bind(order)
    .bind(resident.0)
    .fetch_optional_scalar(&mut *c)
    .await?;
    if exists.is_none() {
        crate::exec::query("INSERT INTO work_order_followers (order_id, resident_id, reason, added_at) VALUES ($1, $2, $3, $4)")
            .bind(order)
            .bind(resident.0)
            .bind(reason.to_string())
            .bind(now_ms)
            .execute(c)
            .await?;
    }
    Ok(())
}

pub async fn add_staff_follower(
    c: &mut Conn,
    order: i64,
    staff: StaffId,
    reason: &str,
    now_ms: i64,
) -> Result<()> {
    let exists: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM work_order_followers WHERE order_id = $1 AND staff_id = $2",
    )
    .bind(order)
    .bind(staff.0)
    .fetch_optional(&mut *c)
    .await?;
    if exists.is_none() {
        sqlx::query("INSERT INTO work_order_followers (order_id, staff_id, reason, added_at) VALUES ($1, $2, $3, $4)")
            .bind(order)
            .bind(staff.0)
            .bind(reason.to_string())
            .bind(now_ms)
            .execute(c)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct FollowerRow {
    pub resident_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub name: Option<String>,
    pub reason: String,
}

pub async fn followers(c: &mut impl Read, order: i64) -> Result<Vec<FollowerRow>> {
    let mut q = Sql::new(
        "SELECT f.resident_id, f.staff_id, COALESCE(r.name, s.name) AS name, f.reason FROM work_order_followers f \
         LEFT JOIN residents r ON r.id = f.resident_id LEFT JOIN staff s ON s.id = f.staff_id \
         WHERE f.order_id = $1 ORDER BY f.id",
    );
    q.arg(order);
    c.all(q).await
}

pub async fn is_resident_follower(c: &mut Conn, order: i64, resident: ResidentId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM work_order_followers WHERE order_id = $1 AND resident_id = $2",
    )
    .bind(order)
    .bind(resident.0)
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}

// ---- photos ----------------------------------------------------------------

pub struct NewPhoto<'a> {
    pub id: &'a str,
    pub company: CompanyId,
    pub content_type: &'a str,
    pub width: i64,
    pub height: i64,
    pub size: i64,
    pub has_thumbnail: bool,
    pub uploaded_by: Option<UserId>,
    pub now_ms: i64,
}

/// Records a stored photo (the same bytes uploaded twice are one photo).
pub async fn insert_photo(c: &mut Conn, p: &NewPhoto<'_>) -> Result<()> {
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM photos WHERE id = $1")
        .bind(p.id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    if exists.is_none() {
        sqlx::query(
            "INSERT INTO photos (id, company_id, content_type, width, height, size, has_thumbnail, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(p.id.to_string())
        .bind(p.company.0)
        .bind(p.content_type.to_string())
        .bind(p.width)
        .bind(p.height)
        .bind(p.size)
        .bind(p.has_thumbnail as i64)
        .bind(p.uploaded_by.map(|u| u.0))
        .bind(p.now_ms)
        .execute(c)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct PhotoRow {
    pub id: String,
    pub company_id: i64,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub size: i64,
    pub has_thumbnail: i64,
    pub uploaded_by: Option<i64>,
}

pub async fn get_photo(c: &mut Conn, id: &str) -> Result<Option<PhotoRow>> {
    Ok(sqlx::query_as(
        "SELECT id, company_id, content_type, width, height, size, has_thumbnail, uploaded_by FROM photos WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(c)
    .await?)
}

/// The orders a photo is attached to.
pub async fn photo_orders(c: &mut Conn, id: &str) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT order_id FROM work_order_photos WHERE photo_id = $1")
            .bind(id.to_string())
            .fetch_all(c)
            .await?,
    )
}
