//! SLA storage: calendars, policies, clocks, triggers and alerts.

use crate::sql::Sql;
use crate::{Backend, Conn, Exec, Read, Result};
use sqlx::FromRow;
use wuye_domain::ids::*;

// ---- calendars and policies ------------------------------------------------

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct SpecRow {
    pub id: i64,
    pub name: String,
    pub spec: String,
}

pub async fn insert_calendar(
    c: &mut impl Exec,
    company: CompanyId,
    name: &str,
    spec: &str,
    now_ms: i64,
) -> Result<i64> {
    crate::exec::query(
        "INSERT INTO sla_calendars (company_id, name, spec, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(company.0)
    .bind(name.to_string())
    .bind(spec.to_string())
    .bind(now_ms)
    .fetch_one_scalar(c)
    .await
}

/// Inserts a calendar unless the company has one of that name: its id, or
/// None. On PostgreSQL an insert of the same name by a transaction still
/// open waits for that transaction, then inserts nothing if it committed.
pub async fn insert_calendar_unless_named(
    c: &mut impl Exec,
    company: CompanyId,
    name: &str,
    spec: &str,
    now_ms: i64,
) -> Result<Option<i64>> {
    crate::exec::query(
        "INSERT INTO sla_calendars (company_id, name, spec, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (company_id, name) DO NOTHING RETURNING id",
    )
    .bind(company.0)
    .bind(name.to_string())
    .bind(spec.to_string())
    .bind(now_ms)
    .fetch_optional_scalar(c)
    .await
}

pub async fn update_calendar(
    c: &mut Conn,
    company: CompanyId,
    id: i64,
    name: &str,
    spec: &str,
    now_ms: i64,
) -> Result<bool> {
    Ok(sqlx::query("UPDATE sla_calendars SET name = $1, spec = $2, updated_at = $3 WHERE company_id = $4 AND id = $5")
        .bind(name.to_string())
        .bind(spec.to_string())
        .bind(now_ms)
        .bind(company.0)
        .bind(id)
        .execute(c)
        .await?
        .rows_affected()
        == 1)
}

pub async fn delete_calendar(c: &mut Conn, company: CompanyId, id: i64) -> Result<bool> {
    Ok(
        sqlx::query("DELETE FROM sla_calendars WHERE company_id = $1 AND id = $2")
            .bind(company.0)
            .bind(id)
            .execute(c)
            .await?
            .rows_affected()
            == 1,
    )
}

pub async fn calendars(c: &mut impl Read, company: CompanyId) -> Result<Vec<SpecRow>> {
    let mut s =
        Sql::new("SELECT id, name, spec FROM sla_calendars WHERE company_id = $1 ORDER BY id");
    s.arg(company.0);
    c.all(s).await
}

pub async fn insert_policy(
    c: &mut impl Exec,
    company: CompanyId,
    spec: &str,
    now_ms: i64,
) -> Result<i64> {
    crate::exec::query(
        "INSERT INTO sla_policies (company_id, spec, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(company.0)
    .bind(spec.to_string())
    .bind(now_ms)
    .fetch_one_scalar(c)
    .await
}

pub async fn update_policy(
    c: &mut Conn,
    company: CompanyId,
    id: i64,
    spec: &str,
    now_ms: i64,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE sla_policies SET spec = $1, updated_at = $2 WHERE company_id = $3 AND id = $4",
    )
    .bind(spec.to_string())
    .bind(now_ms)
    .bind(company.0)
    .bind(id)
    .execute(c)
    .await?
    .rows_affected()
        == 1)
}

pub async fn delete_policy(c: &mut Conn, company: CompanyId, id: i64) -> Result<bool> {
    Ok(
        sqlx::query("DELETE FROM sla_policies WHERE company_id = $1 AND id = $2")
            .bind(company.0)
            .bind(id)
            .execute(c)
            .await?
            .rows_affected()
            == 1,
    )
}

pub async fn policies(c: &mut impl Read, company: CompanyId) -> Result<Vec<(i64, String)>> {
    let mut s = Sql::new("SELECT id, spec FROM sla_policies WHERE company_id = $1 ORDER BY id");
    s.arg(company.0);
    c.all(s).await
}

/// Whether a calendar is used by a policy (its JSON names the id).
pub async fn calendar_in_use(c: &mut Conn, company: CompanyId, id: i64) -> Result<bool> {
    let rows = policies(c, company).await?;
    Ok(rows.iter().any(|(_, s)| {
        serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .and_then(|v| v["calendar_id"].as_i64())
            == Some(id)
    }))
}

// ---- the order's history ---------------------------------------------------

/// The states an order entered, oldest first (the first is its creation).
pub async fn state_history(c: &mut impl Read, order: i64) -> Result<Vec<(i64, String)>> {
    crate::exec::query(
        "SELECT at, to_state FROM work_order_events WHERE order_id = $1 AND to_state IS NOT NULL ORDER BY id",
    )
    .bind(order)
    .fetch_all(c)
    .await
}

// ---- clocks ----------------------------------------------------------------

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct ClockRow {
    pub order_id: i64,
    pub metric: String,
    pub policy_id: Option<i64>,
    pub target_ms: i64,
    pub elapsed_ms: i64,
    pub paused_ms: i64,
    pub stage: String,
    pub deadline_at: Option<i64>,
    pub warn_at: Option<i64>,
    pub breached_at: Option<i64>,
    pub breach_minutes: i64,
    pub stopped_at: Option<i64>,
    pub updated_at: i64,
}

pub async fn upsert_clock(c: &mut impl Exec, r: &ClockRow) -> Result<()> {
    crate::exec::query(
        "INSERT INTO sla_clocks (order_id, metric, policy_id, target_ms, elapsed_ms, paused_ms, stage, deadline_at, warn_at, \
         breached_at, breach_minutes, stopped_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (order_id, metric) DO UPDATE SET policy_id = excluded.policy_id, target_ms = excluded.target_ms, \
         elapsed_ms = excluded.elapsed_ms, paused_ms = excluded.paused_ms, stage = excluded.stage, \
         deadline_at = excluded.deadline_at, warn_at = excluded.warn_at, breached_at = excluded.breached_at, \
         breach_minutes = excluded.breach_minutes, stopped_at = excluded.stopped_at, updated_at = excluded.updated_at",
    )
    .bind(r.order_id)
    .bind(r.metric.clone())
    .bind(r.policy_id)
    .bind(r.target_ms)
    .bind(r.elapsed_ms)
    .bind(r.paused_ms)
    .bind(r.stage.clone())
    .bind(r.deadline_at)
    .bind(r.warn_at)
    .bind(r.breached_at)
    .bind(r.breach_minutes)
    .bind(r.stopped_at)
    .bind(r.updated_at)
    .execute(c)
    .await?;
    Ok(())
}

/// Drops the clocks of an order that its policy no longer measures.
pub async fn delete_clocks_except(c: &mut impl Exec, order: i64, keep: &[&str]) -> Result<()> {
    let mut s = Sql::new("DELETE FROM sla_clocks WHERE order_id = ");
    s.bind(order);
    if !keep.is_empty() {
        s.push(" AND metric NOT IN ")
            .bind_list(keep.iter().map(|k| k.to_string()));
    }
    c.execute(s).await?;
    Ok(())
}

pub async fn clocks(c: &mut impl Read, order: i64) -> Result<Vec<ClockRow>> {
    let mut q = Sql::new(
        "SELECT order_id, metric, policy_id, target_ms, elapsed_ms, paused_ms, stage, deadline_at, warn_at, breached_at, \
         breach_minutes, stopped_at, updated_at FROM sla_clocks WHERE order_id = $1 ORDER BY metric DESC",
    );
    q.arg(order);
    c.all(q).await
}

pub async fn set_order_summary(
    c: &mut impl Exec,
    order: i64,
    next_deadline: Option<i64>,
    warn_at: Option<i64>,
    stage: &str,
) -> Result<()> {
    crate::exec::query("UPDATE work_orders SET next_deadline_at = $1, sla_warn_at = $2, sla_stage = $3 WHERE id = $4")
        .bind(next_deadline)
        .bind(warn_at)
        .bind(stage.to_string())
        .bind(order)
        .execute(c)
        .await?;
    Ok(())
}

// ---- triggers --------------------------------------------------------------

/// Schedules (or re-schedules) levels of one metric that have not fired
/// yet, `(level, fire_at)` each, in one statement; a level that fired stays
/// fired. The levels must be distinct.
pub async fn schedule(
    c: &mut impl Exec,
    company: CompanyId,
    order: i64,
    metric: &str,
    levels: &[(i64, Option<i64>)],
) -> Result<()> {
    if levels.is_empty() {
        return Ok(());
    }
    let mut s =
        Sql::new("INSERT INTO sla_triggers (order_id, company_id, metric, level, fire_at) VALUES ");
    for (i, (level, fire_at)) in levels.iter().enumerate() {
        s.push(if i == 0 { "(" } else { ", (" });
        s.bind(order)
            .push(", ")
            .bind(company.0)
            .push(", ")
            .bind(metric.to_string());
        s.push(", ")
            .bind(*level)
            .push(", ")
            .bind(*fire_at)
            .push(")");
    }
    s.push(
        " ON CONFLICT (order_id, metric, level) DO UPDATE SET fire_at = excluded.fire_at \
         WHERE sla_triggers.fired_at IS NULL",
    );
    c.execute(s).await?;
    Ok(())
}

/// Removes unfired levels of an order's metric that no longer apply.
pub async fn unschedule(
    c: &mut impl Exec,
    order: i64,
    metric: &str,
    keep_levels: &[i64],
) -> Result<()> {
    let mut s = Sql::new("DELETE FROM sla_triggers WHERE fired_at IS NULL AND order_id = ");
    s.bind(order)
        .push(" AND metric = ")
        .bind(metric.to_string());
    if !keep_levels.is_empty() {
        s.push(" AND level NOT IN ")
            .bind_list(keep_levels.iter().copied());
    }
    c.execute(s).await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct TriggerRow {
    pub id: i64,
    pub order_id: i64,
    pub company_id: i64,
    pub metric: String,
    pub level: i64,
    pub fire_at: Option<i64>,
    pub fired_at: Option<i64>,
}

/// Due levels, locked for this transaction. On PostgreSQL `SKIP LOCKED` lets
/// several nodes work side by side without taking the same row twice.
pub async fn claim_due(
    c: &mut impl Exec,
    backend: Backend,
    now_ms: i64,
    limit: i64,
) -> Result<Vec<TriggerRow>> {
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    crate::exec::query(&format!(
        "SELECT id, order_id, company_id, metric, level, fire_at, fired_at FROM sla_triggers \
         WHERE fired_at IS NULL AND fire_at IS NOT NULL AND fire_at <= $1 ORDER BY fire_at, id LIMIT $2{lock}"
    ))
    .bind(now_ms)
    .bind(limit)
    .fetch_all(c)
    .await
}

/// Marks a level fired; false if another worker got there first.
pub async fn mark_fired(c: &mut impl Exec, id: i64, now_ms: i64) -> Result<bool> {
    let n = crate::exec::query(
        "UPDATE sla_triggers SET fired_at = $1 WHERE id = $2 AND fired_at IS NULL",
    )
    .bind(now_ms)
    .bind(id)
    .execute(c)
    .await?;
    Ok(n == 1)
}

/// When the next level falls due (the timer sleeps until then).
pub async fn next_fire_at(c: &mut impl Read) -> Result<Option<i64>> {
    crate::exec::query(
        "SELECT MIN(fire_at) FROM sla_triggers WHERE fired_at IS NULL AND fire_at IS NOT NULL",
    )
    .fetch_one_scalar(c)
    .await
}

pub async fn triggers(c: &mut Conn, order: i64) -> Result<Vec<TriggerRow>> {
    Ok(sqlx::query_as(
        "SELECT id, order_id, company_id, metric, level, fire_at, fired_at FROM sla_triggers WHERE order_id = $1 ORDER BY metric, level",
    )
    .bind(order)
    .fetch_all(c)
    .await?)
}

// ---- alerts ----------------------------------------------------------------

pub struct NewAlert<'a> {
    pub company: CompanyId,
    pub order: i64,
    pub metric: &'a str,
    pub level: i64,
    pub kind: &'a str,
    pub target_role: &'a str,
    pub staff: Option<StaffId>,
    pub message: &'a str,
    pub now_ms: i64,
}

pub async fn insert_alert(c: &mut impl Exec, a: &NewAlert<'_>) -> Result<i64> {
    crate::exec::query(
        "INSERT INTO sla_alerts (company_id, order_id, metric, level, kind, target_role, staff_id, message, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(a.company.0)
    .bind(a.order)
    .bind(a.metric.to_string())
    .bind(a.level)
    .bind(a.kind.to_string())
    .bind(a.target_role.to_string())
    .bind(a.staff.map(|s| s.0))
    .bind(a.message.to_string())
    .bind(a.now_ms)
    .fetch_one_scalar(c)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct AlertRow {
    pub id: i64,
    pub order_id: i64,
    pub number: String,
    pub metric: String,
    pub level: i64,
    pub kind: String,
    pub target_role: String,
    pub staff_id: Option<i64>,
    pub message: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// Alerts addressed to a staff member, newest first.
pub async fn alerts_for(
    c: &mut Conn,
    staff: StaffId,
    unread_only: bool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AlertRow>> {
    let mut s = Sql::new(
        "SELECT a.id, a.order_id, o.number, a.metric, a.level, a.kind, a.target_role, a.staff_id, a.message, a.created_at, a.read_at \
         FROM sla_alerts a JOIN work_orders o ON o.id = a.order_id WHERE a.staff_id = ",
    );
    s.bind(staff.0);
    if unread_only {
        s.push(" AND a.read_at IS NULL");
    }
    if let Some(b) = before {
        s.push(" AND a.id < ").bind(b);
    }
    s.push(" ORDER BY a.id DESC LIMIT ").bind(limit);
    Ok(s.fetch_all(c).await?)
}

pub async fn alerts_of_order(c: &mut Conn, order: i64) -> Result<Vec<AlertRow>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.order_id, o.number, a.metric, a.level, a.kind, a.target_role, a.staff_id, a.message, a.created_at, a.read_at \
         FROM sla_alerts a JOIN work_orders o ON o.id = a.order_id WHERE a.order_id = $1 ORDER BY a.id",
    )
    .bind(order)
    .fetch_all(c)
    .await?)
}

pub async fn mark_alert_read(c: &mut Conn, staff: StaffId, id: i64, now_ms: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE sla_alerts SET read_at = $1 WHERE id = $2 AND staff_id = $3 AND read_at IS NULL",
    )
    .bind(now_ms)
    .bind(id)
    .bind(staff.0)
    .execute(c)
    .await?
    .rows_affected()
        == 1)
}

pub async fn unread_alerts(c: &mut Conn, staff: StaffId) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM sla_alerts WHERE staff_id = $1 AND read_at IS NULL",
    )
    .bind(staff.0)
    .fetch_one(c)
    .await?)
}

/// Staff of a community with a role, active (for escalation recipients).
pub async fn staff_with_role(
    c: &mut impl Read,
    company: CompanyId,
    community: CommunityId,
    role: &str,
) -> Result<Vec<i64>> {
    crate::exec::query(
        "SELECT s.id FROM staff s JOIN staff_communities sc ON sc.staff_id = s.id \
         WHERE s.company_id = $1 AND sc.community_id = $2 AND s.active = 1 AND (',' || s.roles || ',') LIKE $3 ORDER BY s.id",
    )
    .bind(company.0)
    .bind(community.0)
    .bind(format!("%,{role},%"))
    .fetch_all_scalar(c)
    .await
}

/// Active staff of a company with a role, in any community.
pub async fn staff_with_role_in_company(
    c: &mut impl Read,
    company: CompanyId,
    role: &str,
) -> Result<Vec<i64>> {
    crate::exec::query(
        "SELECT s.id FROM staff s WHERE s.company_id = $1 AND s.active = 1 AND (',' || s.roles || ',') LIKE $2 ORDER BY s.id",
    )
    .bind(company.0)
    .bind(format!("%,{role},%"))
    .fetch_all_scalar(c)
    .await
}

pub async fn team_leads(c: &mut impl Read, team: TeamId) -> Result<Vec<i64>> {
    let mut s = Sql::new(
        "SELECT tm.staff_id FROM team_members tm JOIN staff s ON s.id = tm.staff_id WHERE tm.team_id = $1 AND tm.is_lead = 1 AND s.active = 1 ORDER BY tm.staff_id",
    );
    s.arg(team.0);
    Ok(c.all::<(i64,)>(s)
        .await?
        .into_iter()
        .map(|(id,)| id)
        .collect())
}

/// Open orders of a company, by id pages (for an explicit recompute).
pub async fn open_orders(
    c: &mut Conn,
    company: CompanyId,
    after: i64,
    limit: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM work_orders WHERE company_id = $1 AND id > $2 \
         AND state NOT IN ('closed', 'cancelled', 'merged') ORDER BY id LIMIT $3",
    )
    .bind(company.0)
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await?)
}
