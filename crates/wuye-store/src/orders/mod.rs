//! Work orders: rows, numbers, lists, search, duplicates and repeats.

use crate::dialect;
use crate::sql::Sql;
use crate::{Backend, Conn, Db, Exec, Read, Result, StoreError};
use sqlx::FromRow;
use wuye_domain::ids::*;

mod list;
pub use list::*;

/// An order as stored, with the names lists and details show.
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct OrderRow {
    pub id: i64,
    pub company_id: i64,
    pub number: String,
    pub kind: String,
    pub channel: String,
    pub state: String,
    pub priority: String,
    pub grade: Option<String>,
    pub category: Option<String>,
    pub community_id: i64,
    pub place_kind: String,
    pub home_id: Option<i64>,
    pub building_id: Option<i64>,
    pub entrance_id: Option<i64>,
    pub place_text: String,
    pub place_label: String,
    pub reporter_resident_id: Option<i64>,
    pub reporter_staff_id: Option<i64>,
    pub contact_name: String,
    pub contact_phone: String,
    pub text: String,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub transfer_count: i64,
    pub reopen_count: i64,
    pub dispute_count: i64,
    pub repeat_of: Option<i64>,
    pub merged_into: Option<i64>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<i64>,
    pub return_visit_due: i64,
    pub return_visit_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub dispatched_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub auto_accept_at: Option<i64>,
    pub next_deadline_at: Option<i64>,
    pub version: i64,
    pub emergency: i64,
    pub sla_warn_at: Option<i64>,
    pub sla_stage: String,
    pub prediction: Option<String>,
    pub dispatch_status: String,
    pub dispatch_corrected: i64,
    pub team_name: Option<String>,
    pub assignee_name: Option<String>,
    pub owner_name: Option<String>,
    pub community_name: String,
}

/// An order row's columns, with what stands for the stored prediction.
macro_rules! order_cols {
    ($prediction:literal) => {
        concat!(
            "o.id, o.company_id, o.number, o.kind, o.channel, o.state, o.priority, o.grade, o.category, \
    o.community_id, o.place_kind, o.home_id, o.building_id, o.entrance_id, o.place_text, o.place_label, \
    o.reporter_resident_id, o.reporter_staff_id, o.contact_name, o.contact_phone, o.text, o.team_id, \
    o.assignee_id, o.owner_id, o.transfer_count, o.reopen_count, o.dispute_count, o.repeat_of, o.merged_into, \
    o.rating, o.rating_comment, o.rated_at, o.return_visit_due, o.return_visit_reason, o.created_at, \
    o.updated_at, o.dispatched_at, o.accepted_at, o.finished_at, o.resolved_at, o.closed_at, o.cancelled_at, \
    o.auto_accept_at, o.next_deadline_at, o.version, o.emergency, o.sla_warn_at, o.sla_stage, ",
            $prediction,
            ", o.dispatch_status, o.dispatch_corrected, t.name AS team_name, a.name AS assignee_name, \
    w.name AS owner_name, m.name AS community_name"
        )
    };
}

const COLS: &str = order_cols!("o.prediction");

/// The same without the stored prediction (about 800 of an order's 2,000
/// bytes in a list), for lists that do not show it.
const COLS_WITHOUT_PREDICTION: &str = order_cols!("CAST(NULL AS TEXT) AS prediction");

const FROM: &str = "FROM work_orders o JOIN communities m ON m.id = o.community_id \
    LEFT JOIN teams t ON t.id = o.team_id LEFT JOIN staff a ON a.id = o.assignee_id \
    LEFT JOIN staff w ON w.id = o.owner_id";

/// The next number in a day's sequence for a company and prefix.
pub async fn next_sequence(
    c: &mut impl Exec,
    company: CompanyId,
    prefix: &str,
    day: i64,
) -> Result<i64> {
    crate::exec::query(
        "INSERT INTO order_counters (company_id, prefix, day, value) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (company_id, prefix, day) DO UPDATE SET value = order_counters.value + 1 RETURNING value",
    )
    .bind(company.0)
    .bind(prefix.to_string())
    .bind(day)
    .fetch_one_scalar(c)
    .await
}

/// A new order's number taken before the creation's write transaction, where
/// the backend wants it so. PostgreSQL runs creates side by side, and the
/// counter row stays locked until the transaction that bumped it ends: there
/// the number is taken in a short transaction of its own (a create that fails
/// afterwards leaves a gap in the day's numbers). SQLite has one writer, so
/// this returns None and the caller takes the number inside its transaction
/// with [`next_sequence`], without gaps. Call it before `Db::begin`, so that a
/// request never holds two pooled connections at once.
pub async fn reserve_sequence(
    db: &Db,
    company: CompanyId,
    prefix: &str,
    day: i64,
) -> Result<Option<i64>> {
    match db.backend() {
        Backend::Postgres => {
            let mut t = db.begin().await?;
            let seq = next_sequence(&mut t, company, prefix, day).await?;
            t.commit().await?;
            Ok(Some(seq))
        }
        Backend::Sqlite => Ok(None),
    }
}

pub struct NewOrder<'a> {
    pub company: CompanyId,
    pub number: &'a str,
    pub kind: &'a str,
    pub channel: &'a str,
    pub priority: &'a str,
    pub grade: Option<&'a str>,
    pub category: Option<&'a str>,
    pub community: CommunityId,
    pub place_kind: &'a str,
    pub home: Option<HomeId>,
    pub building: Option<BuildingId>,
    pub entrance: Option<EntranceId>,
    pub place_text: &'a str,
    pub place_label: &'a str,
    pub reporter_resident: Option<ResidentId>,
    pub reporter_staff: Option<StaffId>,
    pub contact_name: &'a str,
    pub contact_phone: &'a str,
    pub text: &'a str,
    pub owner: Option<StaffId>,
    pub repeat_of: Option<i64>,
    pub emergency: bool,
    pub now_ms: i64,
}

pub async fn insert(c: &mut impl Exec, o: &NewOrder<'_>) -> Result<i64> {
    crate::exec::query(
        "INSERT INTO work_orders (company_id, number, kind, channel, state, priority, grade, category, community_id, \
         place_kind, home_id, building_id, entrance_id, place_text, place_label, reporter_resident_id, reporter_staff_id, \
         contact_name, contact_phone, text, owner_id, repeat_of, created_at, updated_at, emergency) \
         VALUES ($1, $2, $3, $4, 'received', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $23) \
         RETURNING id",
    )
    .bind(o.company.0)
    .bind(o.number.to_string())
    .bind(o.kind.to_string())
    .bind(o.channel.to_string())
    .bind(o.priority.to_string())
    .bind(o.grade.map(str::to_string))
    .bind(o.category.map(str::to_string))
    .bind(o.community.0)
    .bind(o.place_kind.to_string())
    .bind(o.home.map(|h| h.0))
    .bind(o.building.map(|b| b.0))
    .bind(o.entrance.map(|e| e.0))
    .bind(o.place_text.to_string())
    .bind(o.place_label.to_string())
    .bind(o.reporter_resident.map(|r| r.0))
    .bind(o.reporter_staff.map(|s| s.0))
    .bind(o.contact_name.to_string())
    .bind(o.contact_phone.to_string())
    .bind(o.text.to_string())
    .bind(o.owner.map(|s| s.0))
    .bind(o.repeat_of)
    .bind(o.now_ms)
    .bind(o.emergency as i64)
    .fetch_one_scalar(c)
    .await
}

/// An order of the company; inside a write transaction `lock` holds the row
/// until commit (PostgreSQL), so concurrent steps queue.
pub async fn get(
    c: &mut impl Read,
    backend: Backend,
    company: CompanyId,
    id: i64,
    lock: bool,
) -> Result<OrderRow> {
    let lock = if lock {
        dialect::for_update(backend)
    } else {
        ""
    };
    let lock = if lock.is_empty() {
        String::new()
    } else {
        format!("{lock} OF o")
    };
    let mut q = Sql::new(&format!(
        "SELECT {COLS} {FROM} WHERE o.company_id = $1 AND o.id = $2{lock}"
    ));
    q.arg(company.0).arg(id);
    c.optional(q).await?.ok_or(StoreError::NotFound)
}

pub async fn id_by_number(c: &mut Conn, company: CompanyId, number: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM work_orders WHERE company_id = $1 AND number = $2")
            .bind(company.0)
            .bind(number.to_string())
            .fetch_optional(c)
            .await?,
    )
}

/// The fields a step may change.
pub struct CoreUpdate<'a> {
    pub state: &'a str,
    pub team: Option<TeamId>,
    pub assignee: Option<StaffId>,
    pub owner: Option<StaffId>,
    pub transfer_count: i64,
    pub reopen_count: i64,
    pub dispute_count: i64,
    pub merged_into: Option<i64>,
    pub dispatched_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub auto_accept_at: Option<i64>,
    pub return_visit_due: bool,
    pub return_visit_reason: Option<&'a str>,
    pub now_ms: i64,
}

pub async fn update_core(c: &mut impl Exec, id: i64, u: &CoreUpdate<'_>) -> Result<()> {
    crate::exec::query(
        "UPDATE work_orders SET state = $1, team_id = $2, assignee_id = $3, owner_id = $4, transfer_count = $5, \
         reopen_count = $6, dispute_count = $7, merged_into = $8, dispatched_at = $9, accepted_at = $10, \
         finished_at = $11, resolved_at = $12, closed_at = $13, cancelled_at = $14, auto_accept_at = $15, \
         return_visit_due = $16, return_visit_reason = $17, updated_at = $18, version = version + 1 WHERE id = $19",
    )
    .bind(u.state.to_string())
    .bind(u.team.map(|t| t.0))
    .bind(u.assignee.map(|s| s.0))
    .bind(u.owner.map(|s| s.0))
    .bind(u.transfer_count)
    .bind(u.reopen_count)
    .bind(u.dispute_count)
    .bind(u.merged_into)
    .bind(u.dispatched_at)
    .bind(u.accepted_at)
    .bind(u.finished_at)
    .bind(u.resolved_at)
    .bind(u.closed_at)
    .bind(u.cancelled_at)
    .bind(u.auto_accept_at)
    .bind(u.return_visit_due as i64)
    .bind(u.return_visit_reason.map(str::to_string))
    .bind(u.now_ms)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn set_rating(
    c: &mut impl Exec,
    id: i64,
    stars: i64,
    comment: Option<&str>,
    return_visit: Option<&str>,
    now_ms: i64,
) -> Result<bool> {
    let n = crate::exec::query(
        "UPDATE work_orders SET rating = $1, rating_comment = $2, rated_at = $3, \
         return_visit_due = CASE WHEN $4 = 1 THEN 1 ELSE return_visit_due END, \
         return_visit_reason = COALESCE($5, return_visit_reason), updated_at = $3, version = version + 1 \
         WHERE id = $6 AND rating IS NULL",
    )
    .bind(stars)
    .bind(comment.map(str::to_string))
    .bind(now_ms)
    .bind(return_visit.is_some() as i64)
    .bind(return_visit.map(str::to_string))
    .bind(id)
    .execute(c)
    .await?;
    Ok(n == 1)
}

pub async fn set_classification(
    c: &mut Conn,
    id: i64,
    category: Option<&str>,
    priority: &str,
    grade: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    sqlx::query("UPDATE work_orders SET category = $1, priority = $2, grade = $3, updated_at = $4, version = version + 1 WHERE id = $5")
        .bind(category.map(str::to_string))
        .bind(priority.to_string())
        .bind(grade.map(str::to_string))
        .bind(now_ms)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Indexes an order's searchable text (number, text, place, contact).
pub async fn index_text(c: &mut impl Exec, backend: Backend, id: i64, terms: &str) -> Result<()> {
    match backend {
        // Orders are indexed once, when created, and never deleted, so the
        // id has no row to replace. Nothing in the creating transaction
        // searches, so the terms wait for the end of a group commit's batch
        // (see `group_commit::Member::defer`).
        Backend::Sqlite => {
            crate::exec::query("INSERT INTO work_order_fts (rowid, terms) VALUES ($1, $2)")
                .bind(id)
                .bind(terms.to_string())
                .execute_last(c)
                .await?;
        }
        Backend::Postgres => {
            crate::exec::query("UPDATE work_orders SET search = array_to_tsvector(string_to_array($1, ' ')) WHERE id = $2")
                .bind(terms.to_string())
                .bind(id)
                .execute(c)
                .await?;
        }
    }
    Ok(())
}

/// A candidate duplicate: an open order at the same place, recently.
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct Candidate {
    pub id: i64,
    pub number: String,
    pub text: String,
    pub state: String,
    pub place_label: String,
    pub created_at: i64,
}

/// Open orders of the last window at the same home, or (public places) in the
/// same community and building.
pub async fn duplicate_candidates(
    c: &mut impl Read,
    company: CompanyId,
    community: CommunityId,
    home: Option<HomeId>,
    building: Option<BuildingId>,
    since_ms: i64,
    exclude: Option<i64>,
) -> Result<Vec<Candidate>> {
    // `+company_id`: not an index term, or SQLite without statistics walks
    // work_orders_company_idx newest first to satisfy ORDER BY id (23 s at
    // 1,000,000 orders). A home's orders come from work_orders_home_idx
    // (`+community_id`, so that the community's index is not chosen
    // instead); a public place's last day from work_orders_place_recent_idx
    // (community, building, created_at where home_id IS NULL). On
    // PostgreSQL `+x` has x's value; its planner, which has statistics,
    // does not use it as an index term either.
    let mut s = Sql::new(
        "SELECT id, number, text, state, place_label, created_at FROM work_orders WHERE +company_id = ",
    );
    s.bind(company.0);
    match (home, building) {
        (Some(h), _) => {
            s.push(" AND +community_id = ")
                .bind(community.0)
                .push(" AND home_id = ")
                .bind(h.0);
        }
        (None, Some(b)) => {
            s.push(" AND community_id = ")
                .bind(community.0)
                .push(" AND home_id IS NULL AND building_id = ")
                .bind(b.0);
        }
        (None, None) => {
            s.push(" AND community_id = ")
                .bind(community.0)
                .push(" AND home_id IS NULL AND building_id IS NULL");
        }
    }
    s.push(" AND created_at >= ").bind(since_ms);
    s.push(" AND state NOT IN ('resolved', 'closed', 'cancelled', 'merged')");
    if let Some(x) = exclude {
        s.push(" AND id <> ").bind(x);
    }
    s.push(" ORDER BY id DESC LIMIT 50");
    c.all(s).await
}

/// The latest repair of this home and category closed (or resolved) since a
/// moment, if any: the new order repeats it.
pub async fn recent_repair(
    c: &mut impl Read,
    home: HomeId,
    category: &str,
    since_ms: i64,
    exclude: i64,
) -> Result<Option<i64>> {
    crate::exec::query(
        "SELECT id FROM work_orders WHERE home_id = $1 AND category = $2 AND kind = 'repair' AND id <> $3 \
         AND COALESCE(closed_at, resolved_at) IS NOT NULL AND COALESCE(closed_at, resolved_at) >= $4 \
         AND state IN ('resolved', 'closed') ORDER BY id DESC LIMIT 1",
    )
    .bind(home.0)
    .bind(category.to_string())
    .bind(exclude)
    .bind(since_ms)
    .fetch_optional_scalar(c)
    .await
}

pub async fn set_repeat_of(c: &mut Conn, id: i64, repeat_of: i64) -> Result<()> {
    sqlx::query("UPDATE work_orders SET repeat_of = $1 WHERE id = $2")
        .bind(repeat_of)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Orders that repeat this one.
pub async fn repeats_of(c: &mut impl Read, id: i64) -> Result<Vec<(i64, String)>> {
    let mut q = Sql::new("SELECT id, number FROM work_orders WHERE repeat_of = $1 ORDER BY id");
    q.arg(id);
    c.all(q).await
}

/// Orders awaiting acceptance whose auto-accept time has come (the column
/// is set only while an order awaits acceptance, so the index answers).
pub async fn due_for_auto_accept(c: &mut Conn, now_ms: i64, limit: i64) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, company_id FROM work_orders WHERE auto_accept_at <= $1 ORDER BY auto_accept_at LIMIT $2",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// When the next auto-accept falls due, to sleep until then.
pub async fn next_auto_accept(c: &mut Conn) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(auto_accept_at) FROM work_orders WHERE auto_accept_at IS NOT NULL",
    )
    .fetch_one(c)
    .await?)
}

/// The latest complaint about the same home (or, for public places, the same
/// building) in a window, of the same category when both have one.
pub async fn recent_complaint(
    c: &mut impl Read,
    company: CompanyId,
    home: Option<HomeId>,
    building: Option<BuildingId>,
    category: Option<&str>,
    since_ms: i64,
) -> Result<Option<i64>> {
    let mut s = Sql::new("SELECT id FROM work_orders WHERE company_id = ");
    s.bind(company.0)
        .push(" AND kind = 'complaint' AND created_at >= ")
        .bind(since_ms);
    s.push(" AND state NOT IN ('cancelled', 'merged')");
    match (home, building) {
        (Some(h), _) => {
            s.push(" AND home_id = ").bind(h.0);
        }
        (None, Some(b)) => {
            s.push(" AND home_id IS NULL AND building_id = ").bind(b.0);
        }
        (None, None) => return Ok(None),
    }
    if let Some(cat) = category {
        s.push(" AND (category IS NULL OR category = ")
            .bind(cat.to_string())
            .push(")");
    }
    s.push(" ORDER BY id DESC LIMIT 1");
    let row: Option<(i64,)> = c.optional(s).await?;
    Ok(row.map(|r| r.0))
}

pub async fn set_emergency(c: &mut Conn, id: i64, emergency: bool) -> Result<()> {
    sqlx::query("UPDATE work_orders SET emergency = $1 WHERE id = $2")
        .bind(emergency as i64)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}
