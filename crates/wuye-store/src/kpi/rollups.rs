//! The rollups: sums of the orders' KPI contributions, kept in two tables.
//!
//! `kpi_rollups` holds one cell per community, team, person, metric and day.
//! A month of a 1,000,000-order company is about 400,000 of them, too many
//! to sum for every dashboard. `kpi_rollups_wide` holds the same amounts
//! summed to the levels the dashboards read, with "all" written as a
//! sentinel (community 0, team or person -1):
//!
//! | level                  | community | team | person |
//! |------------------------|-----------|------|--------|
//! | company                | 0         | -1   | -1     |
//! | community              | c         | -1   | -1     |
//! | team                   | 0         | t    | -1     |
//! | team in a community    | c         | t    | -1     |
//! | person                 | 0         | -1   | p      |
//! | person in a community  | c         | -1   | p      |
//! | person in a team       | 0         | t    | p      |
//!
//! A query names every key column (by value or by list), so each read is a
//! few index seeks and a range of days. Only a scope that names communities,
//! a team and a person reads the full cells, by their primary key.

use super::{CHUNK, ContribRow};
use crate::sql::Sql;
use crate::{Conn, Exec, Result};
use std::collections::BTreeMap;
use wuye_domain::ids::*;

/// "Every team" / "every person" in a wide cell (0 already means "none").
const ALL: i64 = -1;
/// "The whole company" in a wide cell's community (ids start at 1).
const COMPANY: i64 = 0;

/// Adds (possibly negative) amounts to rollup cells, in one statement per
/// chunk: an order's refresh used to cost one round trip per cell, inside
/// the write transaction that every other writer waits for. The cells must
/// be distinct (PostgreSQL refuses to update a row twice in one statement).
/// The same amounts go to the wide cells, in the same transaction.
pub async fn add_to_rollups(
    c: &mut impl Exec,
    company: CompanyId,
    rows: &[ContribRow],
) -> Result<()> {
    let full: Vec<Cell<'_>> = rows
        .iter()
        .map(|r| {
            let key = (r.community_id, r.team_id, r.assignee_id, r.metric.as_str());
            (key, r.day, r.num, r.den)
        })
        .collect();
    add_cells(
        c,
        company,
        "kpi_rollups",
        "company_id, community_id, team_id, assignee_id, metric, day",
        &full,
    )
    .await?;
    let wide: Vec<Cell<'_>> = wide_cells(contrib_cells(rows))
        .into_iter()
        .map(|(k, (num, den))| ((k.community, k.team, k.assignee, k.metric), k.day, num, den))
        .collect();
    add_cells(
        c,
        company,
        "kpi_rollups_wide",
        "company_id, community_id, team_id, assignee_id, day, metric",
        &wide,
    )
    .await
}

/// ((community, team, person, metric), day, num, den) of one cell.
type Cell<'a> = ((i64, i64, i64, &'a str), i64, i64, i64);

/// Upserts cells into a rollup table, one statement per chunk; `conflict`
/// is the table's primary key.
async fn add_cells(
    c: &mut impl Exec,
    company: CompanyId,
    table: &str,
    conflict: &str,
    cells: &[Cell<'_>],
) -> Result<()> {
    for chunk in cells.chunks(CHUNK) {
        let mut s = Sql::new(&format!(
            "INSERT INTO {table} (company_id, community_id, team_id, assignee_id, metric, day, num, den) VALUES "
        ));
        for (i, ((community, team, assignee, metric), day, num, den)) in chunk.iter().enumerate() {
            s.push(if i == 0 { "(" } else { ", (" });
            s.bind(company.0)
                .push(", ")
                .bind(*community)
                .push(", ")
                .bind(*team);
            s.push(", ")
                .bind(*assignee)
                .push(", ")
                .bind(metric.to_string());
            s.push(", ")
                .bind(*day)
                .push(", ")
                .bind(*num)
                .push(", ")
                .bind(*den)
                .push(")");
        }
        s.push(&format!(
            " ON CONFLICT ({conflict}) DO UPDATE SET num = {table}.num + excluded.num, den = {table}.den + excluded.den"
        ));
        c.execute(s).await?;
    }
    Ok(())
}

/// A wide cell's key (see the module's table of levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WideCell<'a> {
    pub community: i64,
    pub team: i64,
    pub assignee: i64,
    pub day: i64,
    pub metric: &'a str,
}

/// A full cell as (community, team, person, day, metric, num, den).
pub type FullCell<'a> = (i64, i64, i64, i64, &'a str, i64, i64);

/// The sums of full cells at every wide level, distinct and in a fixed order
/// (so concurrent writers on PostgreSQL lock shared cells in the same
/// order). Cells that add nothing are left out.
pub fn wide_cells<'a>(
    cells: impl IntoIterator<Item = FullCell<'a>>,
) -> Vec<(WideCell<'a>, (i64, i64))> {
    let mut sums: BTreeMap<WideCell<'a>, (i64, i64)> = BTreeMap::new();
    for (community, team, assignee, day, metric, num, den) in cells {
        let levels = [
            (COMPANY, ALL, ALL),
            (community, ALL, ALL),
            (COMPANY, team, ALL),
            (community, team, ALL),
            (COMPANY, ALL, assignee),
            (community, ALL, assignee),
            (COMPANY, team, assignee),
        ];
        for (community, team, assignee) in levels {
            let key = WideCell {
                community,
                team,
                assignee,
                day,
                metric,
            };
            let e = sums.entry(key).or_default();
            e.0 += num;
            e.1 += den;
        }
    }
    sums.into_iter()
        .filter(|(_, (n, d))| *n != 0 || *d != 0)
        .collect()
}

fn contrib_cells(rows: &[ContribRow]) -> impl Iterator<Item = FullCell<'_>> {
    rows.iter().map(|r| {
        (
            r.community_id,
            r.team_id,
            r.assignee_id,
            r.day,
            r.metric.as_str(),
            r.num,
            r.den,
        )
    })
}

/// The wide cells that differ from the sums of the full cells, as
/// (key, wide (num, den), full (num, den)); empty when the two tables agree.
/// Cells summing to nothing count as absent.
pub async fn wide_drift(
    c: &mut Conn,
    company: CompanyId,
) -> Result<Vec<(String, (i64, i64), (i64, i64))>> {
    let full: Vec<ContribRow> = sqlx::query_as(
        "SELECT metric, day, community_id, team_id, assignee_id, num, den FROM kpi_rollups WHERE company_id = $1",
    )
    .bind(company.0)
    .fetch_all(&mut *c)
    .await?;
    let key = |k: &WideCell| {
        format!(
            "community {} team {} person {} day {} {}",
            k.community, k.team, k.assignee, k.day, k.metric
        )
    };
    let expected: BTreeMap<String, (i64, i64)> = wide_cells(contrib_cells(&full))
        .into_iter()
        .map(|(k, v)| (key(&k), v))
        .collect();
    let stored: Vec<(i64, i64, i64, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT community_id, team_id, assignee_id, day, metric, num, den FROM kpi_rollups_wide WHERE company_id = $1",
    )
    .bind(company.0)
    .fetch_all(c)
    .await?;
    let stored: BTreeMap<String, (i64, i64)> = stored
        .iter()
        .filter(|r| r.5 != 0 || r.6 != 0)
        .map(|(community, team, assignee, day, metric, n, d)| {
            let k = WideCell {
                community: *community,
                team: *team,
                assignee: *assignee,
                day: *day,
                metric,
            };
            (key(&k), (*n, *d))
        })
        .collect();
    let mut keys: Vec<&String> = expected.keys().chain(stored.keys()).collect();
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .filter_map(|k| {
            let w = stored.get(k).copied().unwrap_or_default();
            let f = expected.get(k).copied().unwrap_or_default();
            (w != f).then(|| (k.clone(), w, f))
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

/// What a query groups by besides metric and day: each team, or each person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    Team,
    Person,
}

/// How a query constrains one key column.
#[derive(Debug, Clone, Copy)]
enum Pick<'a> {
    One(i64),
    List(&'a [i64]),
    /// Summed over: the sentinel in the wide cells, no filter in the full.
    All,
}

/// Appends the table and the filter of a query. `holders` are the ids a
/// per-team or per-person query groups by (the cells are read by naming
/// them, a seek each).
fn scoped(
    s: &mut Sql,
    company: CompanyId,
    scope: &Scope,
    (from_day, to_day): (i64, i64),
    holders: Option<(Holder, &[i64])>,
) {
    let communities: Vec<i64> = scope.communities.iter().flatten().map(|c| c.0).collect();
    let pick = |one: Option<i64>, of: Holder| match (one, holders) {
        (Some(v), _) => Pick::One(v),
        (None, Some((h, ids))) if h == of => Pick::List(ids),
        _ => Pick::All,
    };
    let columns = [
        (
            "community_id",
            if scope.communities.is_some() {
                Pick::List(&communities)
            } else {
                Pick::All
            },
            COMPANY,
        ),
        ("team_id", pick(scope.team.map(|t| t.0), Holder::Team), ALL),
        (
            "assignee_id",
            pick(scope.assignee.map(|a| a.0), Holder::Person),
            ALL,
        ),
    ];
    let wide = columns.iter().any(|(_, p, _)| matches!(p, Pick::All));
    s.push(if wide {
        " FROM kpi_rollups_wide WHERE company_id = "
    } else {
        " FROM kpi_rollups WHERE company_id = "
    });
    s.bind(company.0);
    for (name, p, sentinel) in columns {
        match p {
            Pick::One(v) => {
                s.push(&format!(" AND {name} = ")).bind(v);
            }
            Pick::List(ids) => {
                s.push(&format!(" AND {name} IN "))
                    .bind_list(ids.iter().copied());
            }
            Pick::All => {
                s.push(&format!(" AND {name} = ")).bind(sentinel);
            }
        }
    }
    s.push(" AND day >= ")
        .bind(from_day)
        .push(" AND day <= ")
        .bind(to_day);
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
    scoped(&mut s, company, scope, (from_day, to_day), None);
    s.push(" GROUP BY metric");
    Ok(s.fetch_all(c).await?)
}

/// The step of a [`series`]: its points are days (`yyyymmdd`) or months
/// (`yyyymm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Day,
    Month,
}

/// Sums per metric and day (or month), for metrics starting with `prefix`,
/// as (metric, day or month, num, den). Months are summed here rather than
/// by the caller: a year of days is 365 rows per metric to read and hold.
pub async fn series(
    c: &mut Conn,
    company: CompanyId,
    scope: &Scope,
    (from_day, to_day): (i64, i64),
    prefix: &str,
    step: Step,
) -> Result<Vec<(String, i64, i64, i64)>> {
    // `day` is an integer yyyymmdd on both backends, so `/ 100` is its month.
    let point = match step {
        Step::Day => "day",
        Step::Month => "day / 100",
    };
    let mut s = Sql::new(&format!(
        "SELECT metric, {point}, CAST(SUM(num) AS BIGINT), CAST(SUM(den) AS BIGINT)"
    ));
    scoped(&mut s, company, scope, (from_day, to_day), None);
    s.push(" AND metric LIKE ")
        .bind(format!("{}%", crate::dialect::like_escape(prefix)))
        .push(" ESCAPE '\\'");
    s.push(&format!(
        " GROUP BY metric, {point} ORDER BY {point}, metric"
    ));
    Ok(s.fetch_all(c).await?)
}

/// Sums per team (or person) and metric, for metrics in `metrics`. Every
/// team or person of the company is a holder, and 0 for "none".
pub async fn by_holder(
    c: &mut Conn,
    company: CompanyId,
    scope: &Scope,
    from_day: i64,
    to_day: i64,
    person: bool,
    metrics: &[&str],
) -> Result<Vec<(i64, String, i64, i64)>> {
    let (col, holder, table) = if person {
        ("assignee_id", Holder::Person, "staff")
    } else {
        ("team_id", Holder::Team, "teams")
    };
    let mut ids: Vec<i64> =
        sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE company_id = $1"))
            .bind(company.0)
            .fetch_all(&mut *c)
            .await?;
    ids.push(0);
    let mut s = Sql::new(&format!(
        "SELECT {col}, metric, CAST(SUM(num) AS BIGINT), CAST(SUM(den) AS BIGINT)"
    ));
    scoped(
        &mut s,
        company,
        scope,
        (from_day, to_day),
        Some((holder, &ids)),
    );
    s.push(" AND metric IN ")
        .bind_list(metrics.iter().map(|m| m.to_string()));
    s.push(&format!(" GROUP BY {col}, metric ORDER BY {col}"));
    Ok(s.fetch_all(c).await?)
}
