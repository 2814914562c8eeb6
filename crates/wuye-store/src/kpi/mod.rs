//! KPI storage: per-order contributions, the rollups (in [`rollups`]),
//! alert rules and alerts.

mod rollups;
pub use rollups::*;

use crate::sql::Sql;
use crate::{Conn, Exec, Read, Result};
use sqlx::FromRow;
use wuye_domain::ids::*;

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct ContribRow {
    pub metric: String,
    pub day: i64,
    pub community_id: i64,
    pub team_id: i64,
    pub assignee_id: i64,
    pub num: i64,
    pub den: i64,
}

pub async fn contributions(c: &mut impl Read, order: i64) -> Result<Vec<ContribRow>> {
    crate::exec::query(
        "SELECT metric, day, community_id, team_id, assignee_id, num, den FROM kpi_order_contrib WHERE order_id = $1",
    )
    .bind(order)
    .fetch_all(c)
    .await
}

/// Rows per multi-row statement: 8 values each stays far below the bind
/// limits of SQLite (32,766) and PostgreSQL (65,535).
pub(crate) const CHUNK: usize = 200;

pub async fn replace_contributions(
    c: &mut impl Exec,
    order: i64,
    rows: &[ContribRow],
) -> Result<()> {
    crate::exec::query("DELETE FROM kpi_order_contrib WHERE order_id = $1")
        .bind(order)
        .execute(&mut *c)
        .await?;
    insert_contributions(c, order, rows).await
}

/// The contributions of an order that has none yet.
pub async fn insert_contributions(
    c: &mut impl Exec,
    order: i64,
    rows: &[ContribRow],
) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let mut s = Sql::new(
            "INSERT INTO kpi_order_contrib (order_id, metric, day, community_id, team_id, assignee_id, num, den) VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            s.push(if i == 0 { "(" } else { ", (" });
            s.bind(order)
                .push(", ")
                .bind(r.metric.clone())
                .push(", ")
                .bind(r.day);
            s.push(", ").bind(r.community_id).push(", ").bind(r.team_id);
            s.push(", ")
                .bind(r.assignee_id)
                .push(", ")
                .bind(r.num)
                .push(", ")
                .bind(r.den);
            s.push(")");
        }
        c.execute(s).await?;
    }
    Ok(())
}

// ---- alert rules -----------------------------------------------------------

#[derive(Debug, Clone, FromRow)]
pub struct RuleRow {
    pub id: i64,
    pub company_id: i64,
    pub kpi: String,
    pub community_id: Option<i64>,
    pub op: String,
    pub threshold: String,
    pub period: String,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_rule(
    c: &mut Conn,
    company: CompanyId,
    kpi: &str,
    community: Option<CommunityId>,
    op: &str,
    threshold: &str,
    period: &str,
    now_ms: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO kpi_alert_rules (company_id, kpi, community_id, op, threshold, period, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(company.0)
    .bind(kpi.to_string())
    .bind(community.map(|c| c.0))
    .bind(op.to_string())
    .bind(threshold.to_string())
    .bind(period.to_string())
    .bind(now_ms)
    .fetch_one(c)
    .await?)
}

pub async fn rules(c: &mut Conn, company: Option<CompanyId>) -> Result<Vec<RuleRow>> {
    let mut s = Sql::new(
        "SELECT id, company_id, kpi, community_id, op, threshold, period FROM kpi_alert_rules",
    );
    if let Some(co) = company {
        s.push(" WHERE company_id = ").bind(co.0);
    }
    s.push(" ORDER BY id");
    Ok(s.fetch_all(c).await?)
}

pub async fn delete_rule(c: &mut Conn, company: CompanyId, id: i64) -> Result<bool> {
    sqlx::query("DELETE FROM kpi_alerts WHERE rule_id = $1 AND company_id = $2")
        .bind(id)
        .bind(company.0)
        .execute(&mut *c)
        .await?;
    Ok(
        sqlx::query("DELETE FROM kpi_alert_rules WHERE id = $1 AND company_id = $2")
            .bind(id)
            .bind(company.0)
            .execute(c)
            .await?
            .rows_affected()
            == 1,
    )
}

/// The open alert of a rule, if any: (id, value).
pub async fn open_alert(c: &mut Conn, rule: i64) -> Result<Option<(i64, String)>> {
    Ok(
        sqlx::query_as(
            "SELECT id, value FROM kpi_alerts WHERE rule_id = $1 AND cleared_at IS NULL",
        )
        .bind(rule)
        .fetch_optional(c)
        .await?,
    )
}

pub async fn raise_alert(
    c: &mut Conn,
    company: CompanyId,
    rule: i64,
    value: &str,
    now_ms: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar("INSERT INTO kpi_alerts (company_id, rule_id, value, raised_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(company.0)
        .bind(rule)
        .bind(value.to_string())
        .bind(now_ms)
        .fetch_one(c)
        .await?)
}

pub async fn update_alert_value(c: &mut Conn, id: i64, value: &str) -> Result<()> {
    sqlx::query("UPDATE kpi_alerts SET value = $1 WHERE id = $2")
        .bind(value.to_string())
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn clear_alert(c: &mut Conn, id: i64, now_ms: i64) -> Result<()> {
    sqlx::query("UPDATE kpi_alerts SET cleared_at = $1 WHERE id = $2")
        .bind(now_ms)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct AlertRow {
    pub id: i64,
    pub rule_id: i64,
    pub kpi: String,
    pub community_id: Option<i64>,
    pub op: String,
    pub threshold: String,
    pub period: String,
    pub value: String,
    pub raised_at: i64,
    pub cleared_at: Option<i64>,
}

pub async fn alerts(c: &mut Conn, company: CompanyId, open_only: bool) -> Result<Vec<AlertRow>> {
    let mut s = Sql::new(
        "SELECT a.id, a.rule_id, r.kpi, r.community_id, r.op, r.threshold, r.period, a.value, a.raised_at, a.cleared_at \
         FROM kpi_alerts a JOIN kpi_alert_rules r ON r.id = a.rule_id WHERE a.company_id = ",
    );
    s.bind(company.0);
    if open_only {
        s.push(" AND a.cleared_at IS NULL");
    }
    s.push(" ORDER BY a.id DESC LIMIT 200");
    Ok(s.fetch_all(c).await?)
}

/// Whether an SLA escalation level fired for an order.
pub async fn escalated(c: &mut impl Read, order: i64) -> Result<bool> {
    let n: i64 = crate::exec::query("SELECT COUNT(*) FROM sla_triggers WHERE order_id = $1 AND level >= 0 AND fired_at IS NOT NULL")
        .bind(order)
        .fetch_one_scalar(c)
        .await?;
    Ok(n > 0)
}

/// Orders of a company, by id pages (to rebuild the rollups).
pub async fn order_ids(
    c: &mut Conn,
    company: CompanyId,
    after: i64,
    limit: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM work_orders WHERE company_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(company.0)
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await?)
}
