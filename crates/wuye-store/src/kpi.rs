//! KPI storage: per-order contributions, the rollups, alert rules and alerts.

use crate::sql::Sql;
use crate::{Conn, Result};
use sqlx::FromRow;
use wuye_domain::ids::*;

#[derive(Debug, Clone, FromRow)]
pub struct ContribRow {
    pub metric: String,
    pub day: i64,
    pub community_id: i64,
    pub team_id: i64,
    pub assignee_id: i64,
    pub num: i64,
    pub den: i64,
}

pub async fn contributions(c: &mut Conn, order: i64) -> Result<Vec<ContribRow>> {
    Ok(sqlx::query_as(
        "SELECT metric, day, community_id, team_id, assignee_id, num, den FROM kpi_order_contrib WHERE order_id = $1",
    )
    .bind(order)
    .fetch_all(c)
    .await?)
}

/// Rows per multi-row statement: 8 values each stays far below the bind
/// limits of SQLite (32,766) and PostgreSQL (65,535).
const CHUNK: usize = 200;

pub async fn replace_contributions(c: &mut Conn, order: i64, rows: &[ContribRow]) -> Result<()> {
    sqlx::query("DELETE FROM kpi_order_contrib WHERE order_id = $1")
        .bind(order)
        .execute(&mut *c)
        .await?;
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
        s.execute(c).await?;
    }
    Ok(())
}

/// Adds (possibly negative) amounts to rollup cells, in one statement per
/// chunk: an order's refresh used to cost one round trip per cell, inside
/// the write transaction that every other writer waits for. The cells must
/// be distinct (PostgreSQL refuses to update a row twice in one statement).
/// The same amounts go to the wide cells (per community and company-wide)
/// that company and community dashboards read.
pub async fn add_to_rollups(c: &mut Conn, company: CompanyId, rows: &[ContribRow]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let mut s = Sql::new(
            "INSERT INTO kpi_rollups (company_id, community_id, team_id, assignee_id, metric, day, num, den) VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            s.push(if i == 0 { "(" } else { ", (" });
            s.bind(company.0)
                .push(", ")
                .bind(r.community_id)
                .push(", ")
                .bind(r.team_id);
            s.push(", ")
                .bind(r.assignee_id)
                .push(", ")
                .bind(r.metric.clone());
            s.push(", ")
                .bind(r.day)
                .push(", ")
                .bind(r.num)
                .push(", ")
                .bind(r.den);
            s.push(")");
        }
        s.push(
            " ON CONFLICT (company_id, community_id, team_id, assignee_id, metric, day) \
             DO UPDATE SET num = kpi_rollups.num + excluded.num, den = kpi_rollups.den + excluded.den",
        );
        s.execute(c).await?;
    }
    let wide = wide_cells(contrib_cells(rows));
    for chunk in wide.chunks(CHUNK) {
        let mut s = Sql::new(
            "INSERT INTO kpi_rollups_wide (company_id, community_id, day, metric, num, den) VALUES ",
        );
        for (i, ((community, day, metric), (num, den))) in chunk.iter().enumerate() {
            s.push(if i == 0 { "(" } else { ", (" });
            s.bind(company.0)
                .push(", ")
                .bind(*community)
                .push(", ")
                .bind(*day);
            s.push(", ")
                .bind(metric.to_string())
                .push(", ")
                .bind(*num)
                .push(", ")
                .bind(*den);
            s.push(")");
        }
        s.push(
            " ON CONFLICT (company_id, community_id, day, metric) \
             DO UPDATE SET num = kpi_rollups_wide.num + excluded.num, den = kpi_rollups_wide.den + excluded.den",
        );
        s.execute(c).await?;
    }
    Ok(())
}

/// A wide cell: (community, or 0 for the whole company; day; metric).
pub type WideCell<'a> = (i64, i64, &'a str);

/// The sums of cells given as (community, day, metric, num, den) per
/// community and for the whole company (community 0), distinct and in a fixed
/// order (so concurrent writers on PostgreSQL lock shared cells in the same
/// order). Cells that add nothing are left out.
pub fn wide_cells<'a>(
    cells: impl IntoIterator<Item = (i64, i64, &'a str, i64, i64)>,
) -> Vec<(WideCell<'a>, (i64, i64))> {
    let mut sums: std::collections::BTreeMap<WideCell<'a>, (i64, i64)> = Default::default();
    for (community_id, day, metric, num, den) in cells {
        for community in [0, community_id] {
            let e = sums.entry((community, day, metric)).or_default();
            e.0 += num;
            e.1 += den;
        }
    }
    sums.into_iter()
        .filter(|(_, (n, d))| *n != 0 || *d != 0)
        .collect()
}

fn contrib_cells(rows: &[ContribRow]) -> impl Iterator<Item = (i64, i64, &str, i64, i64)> {
    rows.iter()
        .map(|r| (r.community_id, r.day, r.metric.as_str(), r.num, r.den))
}

/// The wide cells that differ from the sums of the full cells, as
/// (community, day, metric, wide (num, den), full (num, den)); empty when the
/// two tables agree. Cells summing to nothing count as absent.
pub async fn wide_drift(
    c: &mut Conn,
    company: CompanyId,
) -> Result<Vec<(i64, i64, String, (i64, i64), (i64, i64))>> {
    use std::collections::BTreeMap;
    let full: Vec<ContribRow> = sqlx::query_as(
        "SELECT metric, day, community_id, team_id, assignee_id, num, den FROM kpi_rollups WHERE company_id = $1",
    )
    .bind(company.0)
    .fetch_all(&mut *c)
    .await?;
    let expected: BTreeMap<(i64, i64, String), (i64, i64)> = wide_cells(contrib_cells(&full))
        .into_iter()
        .map(|((community, day, metric), v)| ((community, day, metric.to_string()), v))
        .collect();
    let stored: Vec<(i64, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT community_id, day, metric, num, den FROM kpi_rollups_wide WHERE company_id = $1",
    )
    .bind(company.0)
    .fetch_all(c)
    .await?;
    let stored: BTreeMap<(i64, i64, String), (i64, i64)> = stored
        .into_iter()
        .filter(|(_, _, _, n, d)| *n != 0 || *d != 0)
        .map(|(community, day, metric, n, d)| ((community, day, metric), (n, d)))
        .collect();
    let mut keys: Vec<_> = expected.keys().chain(stored.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .filter_map(|k| {
            let w = stored.get(&k).copied().unwrap_or_default();
            let f = expected.get(&k).copied().unwrap_or_default();
            (w != f).then_some((k.0, k.1, k.2, w, f))
        })
        .collect())
}

/// Which rollup cells a query covers.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub communities: Option<Vec<CommunityId>>,
    pub team: Option<TeamId>,
    pub assignee: Option<StaffId>,
}

/// The table and filter a query reads: the wide cells when the scope is the
/// company or some of its communities, the full cells when it names a team
/// or a person.
fn scoped(s: &mut Sql, company: CompanyId, scope: &Scope, from_day: i64, to_day: i64, wide: bool) {
    s.push(if wide {
        " FROM kpi_rollups_wide WHERE company_id = "
    } else {
        " FROM kpi_rollups WHERE company_id = "
    });
    s.bind(company.0)
        .push(" AND day >= ")
        .bind(from_day)
        .push(" AND day <= ")
        .bind(to_day);
    match &scope.communities {
        Some(cs) => {
            s.push(" AND community_id IN ")
                .bind_list(cs.iter().map(|c| c.0));
        }
        None if wide => {
            s.push(" AND community_id = 0");
        }
        None => {}
    }
    if let Some(t) = scope.team {
        s.push(" AND team_id = ").bind(t.0);
    }
    if let Some(a) = scope.assignee {
        s.push(" AND assignee_id = ").bind(a.0);
    }
}

impl Scope {
    /// Whether the wide cells answer this scope (no team, no person).
    fn is_wide(&self) -> bool {
        self.team.is_none() && self.assignee.is_none()
    }
}

/// Sums per metric over a range of days.
pub async fn totals(
    c: &mut Conn,
    company: CompanyId,
    scope: &Scope,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<(String, i64, i64)>> {
    let mut s = Sql::new("SELECT metric, CAST(SUM(num) AS BIGINT), CAST(SUM(den) AS BIGINT)");
    scoped(&mut s, company, scope, from_day, to_day, scope.is_wide());
    s.push(" GROUP BY metric");
    Ok(s.fetch_all(c).await?)
}

/// Sums per metric and day, for metrics starting with `prefix`.
pub async fn series(
    c: &mut Conn,
    company: CompanyId,
    scope: &Scope,
    from_day: i64,
    to_day: i64,
    prefix: &str,
) -> Result<Vec<(String, i64, i64, i64)>> {
    let mut s = Sql::new("SELECT metric, day, CAST(SUM(num) AS BIGINT), CAST(SUM(den) AS BIGINT)");
    scoped(&mut s, company, scope, from_day, to_day, scope.is_wide());
    s.push(" AND metric LIKE ")
        .bind(format!("{}%", crate::dialect::like_escape(prefix)))
        .push(" ESCAPE '\\'");
    s.push(" GROUP BY metric, day ORDER BY day, metric");
    Ok(s.fetch_all(c).await?)
}

/// Sums per team (or person) and metric, for metrics in `metrics`.
pub async fn by_holder(
    c: &mut Conn,
    company: CompanyId,
    scope: &Scope,
    from_day: i64,
    to_day: i64,
    person: bool,
    metrics: &[&str],
) -> Result<Vec<(i64, String, i64, i64)>> {
    let col = if person { "assignee_id" } else { "team_id" };
    let mut s = Sql::new(&format!(
        "SELECT {col}, metric, CAST(SUM(num) AS BIGINT), CAST(SUM(den) AS BIGINT)"
    ));
    scoped(&mut s, company, scope, from_day, to_day, false);
    s.push(" AND metric IN ")
        .bind_list(metrics.iter().map(|m| m.to_string()));
    s.push(&format!(" GROUP BY {col}, metric ORDER BY {col}"));
    Ok(s.fetch_all(c).await?)
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
pub async fn escalated(c: &mut Conn, order: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sla_triggers WHERE order_id = $1 AND level >= 0 AND fired_at IS NOT NULL")
        .bind(order)
        .fetch_one(c)
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
