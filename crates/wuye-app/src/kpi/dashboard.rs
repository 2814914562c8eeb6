//! The dashboard: KPI tiles with the change against the previous period,
//! and the series the charts draw — all read from the rollups.

use crate::App;
use crate::error::Result;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wuye_domain::Error;
use wuye_domain::access::{Actor, Role};
use wuye_domain::ids::*;
use wuye_domain::kpi::defs::{KPIS, value};
use wuye_domain::kpi::{Kpi, Unit};
use wuye_store::kpi::{
    self as store, Scope,
    Step::{Day, Month},
};

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct DashboardQuery {
    /// day | week | month (default) | custom
    pub period: Option<String>,
    /// A day inside the period (default today), or the first day of a custom range.
    pub date: Option<String>,
    /// The last day of a custom range.
    pub to: Option<String>,
    pub community_id: Option<i64>,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Range {
    #[schema(value_type = String)]
    pub from: Date,
    #[schema(value_type = String)]
    pub to: Date,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tile {
    pub code: &'static str,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub unit: Unit,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    /// value − previous
    pub change: Option<f64>,
    pub better: Option<bool>,
    pub target: Option<f64>,
    pub numerator: i64,
    pub denominator: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Point {
    /// A day (yyyy-mm-dd), a month (yyyy-mm) or another key.
    pub key: String,
    pub series: String,
    pub value: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamRow {
    pub team_id: i64,
    pub team: String,
    pub created: i64,
    pub resolved: i64,
    pub repair_24h: Option<f64>,
    pub satisfaction: Option<f64>,
    pub one_time_fix: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub range: Range,
    pub previous: Range,
    pub tiles: Vec<Tile>,
    /// Orders created per day, by kind.
    pub orders_per_day: Vec<Point>,
    /// Complaints per month, by category.
    pub complaint_types: Vec<Point>,
    /// SLA compliance (%) by clock and class (complaint_a, repair_urgent …).
    pub sla_compliance: Vec<Point>,
    /// Repairs done within 24 h (%), per day.
    pub repair_24h_trend: Vec<Point>,
    /// Average stars per day.
    pub satisfaction_trend: Vec<Point>,
    /// Orders by weekday (1 = Monday) and hour: key "weekday:hour".
    pub busy_hours: Vec<Point>,
    pub teams: Vec<TeamRow>,
    /// Resolved orders per person who resolved any (orders handled per staff).
    pub orders_per_staff: Option<f64>,
}

pub(crate) fn day_num(d: Date) -> i64 {
    d.year() as i64 * 10_000 + d.month() as i64 * 100 + d.day() as i64
}

fn num_day(n: i64) -> String {
    format!("{:04}-{:02}-{:02}", n / 10_000, (n / 100) % 100, n % 100)
}

fn parse_date(field: &str, s: &str) -> Result<Date> {
    s.trim().parse::<Date>().map_err(|_| {
        Error::invalid(
            "date_invalid",
            format!("日期“{s}”无效，应为 2026-11-27"),
            format!("“{s}” is not a date like 2026-11-27"),
        )
        .with_field(field)
        .into()
    })
}

/// The period asked for and the one before it, of the same length.
pub fn periods(q: &DashboardQuery, today: Date) -> Result<(Range, Range)> {
    let anchor = match &q.date {
        Some(d) => parse_date("date", d)?,
        None => today,
    };
    let (from, to) = match q.period.as_deref().unwrap_or("month") {
        "day" => (anchor, anchor),
        "week" => {
            let from = anchor
                .checked_sub((anchor.weekday().to_monday_zero_offset() as i64).days())
                .map_err(internal)?;
            (from, from.checked_add(6.days()).map_err(internal)?)
        }
        "month" => (anchor.first_of_month(), anchor.last_of_month()),
        "custom" => {
            let to = parse_date("to", q.to.as_deref().unwrap_or(""))?;
            if to < anchor || (to - anchor).get_days() > 400 {
                return Err(Error::invalid(
                    "range_invalid",
                    "日期范围应在 1 到 400 天之间",
                    "A range is 1 to 400 days",
                )
                .with_field("to")
                .into());
            }
            (anchor, to)
        }
        other => {
            return Err(Error::invalid(
                "period_invalid",
                format!("周期“{other}”无效：day、week、month 或 custom"),
                format!("Period “{other}” is not day, week, month or custom"),
            )
            .with_field("period")
            .into());
        }
    };
    let days = (to - from).get_days() as i64 + 1;
    let prev_to = from.yesterday().map_err(internal)?;
    let prev_from = if q.period.as_deref().unwrap_or("month") == "month" {
        prev_to.first_of_month()
    } else {
        from.checked_sub(days.days()).map_err(internal)?
    };
    Ok((
        Range { from, to },
        Range {
            from: prev_from,
            to: prev_to,
        },
    ))
}

fn internal(e: impl std::fmt::Display) -> crate::AppError {
    crate::AppError::internal(e)
}

fn tile(k: &'static Kpi, now: Option<&(i64, i64)>, before: Option<&(i64, i64)>) -> Tile {
    let (n, d) = now.copied().unwrap_or((0, 0));
    let (pn, pd) = before.copied().unwrap_or((0, 0));
    let v = value(k, n, d);
    let p = value(k, pn, pd);
    let change = v.zip(p).map(|(a, b)| ((a - b) * 100.0).round() / 100.0);
    Tile {
        code: k.code,
        label_zh: k.zh,
        label_en: k.en,
        unit: k.unit,
        value: v,
        previous: p,
        change,
        better: change
            .filter(|c| *c != 0.0)
            .map(|c| (c > 0.0) == k.higher_is_better),
        target: k.target,
        numerator: n,
        denominator: d,
    }
}

impl App {
    /// Which rollup cells the actor may read, narrowed by the query.
    pub(crate) fn kpi_scope(actor: &Actor, q: &DashboardQuery) -> Result<Scope> {
        if !actor
            .roles
            .iter()
            .any(|r| matches!(r, Role::Admin | Role::Manager | Role::Supervisor))
        {
            return Err(Error::forbidden().into());
        }
        let communities = match q.community_id {
            Some(c) if actor.in_community(CommunityId(c)) => Some(vec![CommunityId(c)]),
            Some(_) => {
                return Err(Error::not_found("小区", "community")
                    .with_field("community_id")
                    .into());
            }
            None => actor.community_filter().map(<[_]>::to_vec),
        };
        Ok(Scope {
            communities,
            team: q.team_id.map(TeamId),
            assignee: q.assignee_id.map(StaffId),
        })
    }

    pub async fn dashboard(&self, actor: &Actor, q: &DashboardQuery) -> Result<Dashboard> {
        let scope = Self::kpi_scope(actor, q)?;
        let today = self
            .clock
            .now()
            .to_zoned(wuye_domain::time::default_zone())
            .date();
        let (range, previous) = periods(q, today)?;
        let (f, t) = (day_num(range.from), day_num(range.to));
        let company = actor.company_id;
        let mut c = self.db.read().await?;
        let totals: BTreeMap<String, (i64, i64)> = store::totals(&mut c, company, &scope, f, t)
            .await?
            .into_iter()
            .map(|(m, n, d)| (m, (n, d)))
            .collect();
        let before: BTreeMap<String, (i64, i64)> = store::totals(
            &mut c,
            company,
            &scope,
            day_num(previous.from),
            day_num(previous.to),
        )
        .await?
        .into_iter()
        .map(|(m, n, d)| (m, (n, d)))
        .collect();
        let tiles = KPIS
            .iter()
            .map(|k| tile(k, totals.get(k.metric), before.get(k.metric)))
            .collect();
        let point = |key: String, series: &str, v: f64| Point {
            key,
            series: series.to_string(),
            value: v,
        };
        let orders_per_day = store::series(&mut c, company, &scope, (f, t), "created:", Day)
            .await?
            .into_iter()
            .map(|(m, day, n, _)| point(num_day(day), m.trim_start_matches("created:"), n as f64))
            .collect();
        let complaint_types = store::series(
            &mut c,
            company,
            &scope,
            (f, t),
            "complaint_category:",
            Month,
        )
        .await?
        .into_iter()
        .map(|(m, month, n, _)| {
            point(
                format!("{:04}-{:02}", month / 100, month % 100),
                m.trim_start_matches("complaint_category:"),
                n as f64,
            )
        })
        .collect();
        let sla_compliance = totals
            .iter()
            .filter(|(m, _)| m.starts_with("sla:"))
            .filter(|(_, (_, d))| *d > 0)
            .map(|(m, (n, d))| {
                point(
                    m.trim_start_matches("sla:").to_string(),
                    "compliance",
                    (*n as f64 * 1000.0 / *d as f64).round() / 10.0,
                )
            })
            .collect();
        let per_day = |rows: Vec<(String, i64, i64, i64)>, scale: f64| -> Vec<Point> {
            rows.into_iter()
                .filter(|(_, _, _, d)| *d > 0)
                .map(|(m, day, n, d)| {
                    point(
                        num_day(day),
                        &m,
                        ((n as f64 / d as f64) * scale * 100.0).round() / 100.0,
                    )
                })
                .collect()
        };
        let repair_24h_trend = per_day(
            store::series(&mut c, company, &scope, (f, t), "repair_24h", Day).await?,
            100.0,
        );
        let satisfaction_trend = per_day(
            store::series(&mut c, company, &scope, (f, t), "satisfaction", Day).await?,
            1.0,
        );
        // The busy hours are sums over the whole period: the totals hold them.
        let busy_hours = totals
            .iter()
            .filter_map(|(m, (n, _))| Some((m.strip_prefix("busy:")?, n)))
            .map(|(k, n)| point(k.to_string(), "orders", *n as f64))
            .collect();
        let metrics = [
            "created:repair",
            "created:complaint",
            "created:consultation",
            "created:suggestion",
            "created:praise",
            "resolved",
            "repair_24h",
            "satisfaction",
            "one_time_fix",
        ];
        let mut per_team: BTreeMap<i64, BTreeMap<String, (i64, i64)>> = BTreeMap::new();
        for (team, m, n, d) in
            store::by_holder(&mut c, company, &scope, f, t, false, &metrics).await?
        {
            per_team.entry(team).or_default().insert(m, (n, d));
        }
        let names: BTreeMap<i64, String> = wuye_store::people::list_teams(&mut c, company, None)
            .await?
            .into_iter()
            .map(|tm| (tm.id.0, tm.name))
            .collect();
        let k = |code: &str| wuye_domain::kpi::defs::find(code).expect("defined");
        let teams = per_team
            .into_iter()
            .map(|(id, m)| {
                let g = |name: &str| m.get(name).copied().unwrap_or((0, 0));
                TeamRow {
                    team_id: id,
                    team: names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| "未派单 / not dispatched".into()),
                    created: m
                        .iter()
                        .filter(|(n, _)| n.starts_with("created:"))
                        .map(|(_, v)| v.0)
                        .sum(),
                    resolved: g("resolved").0,
                    repair_24h: value(k("repair_24h"), g("repair_24h").0, g("repair_24h").1),
                    satisfaction: value(
                        k("satisfaction"),
                        g("satisfaction").0,
                        g("satisfaction").1,
                    ),
                    one_time_fix: value(
                        k("one_time_fix"),
                        g("one_time_fix").0,
                        g("one_time_fix").1,
                    ),
                }
            })
            .collect();
        let people = store::by_holder(&mut c, company, &scope, f, t, true, &["resolved"]).await?;
        let handlers: Vec<i64> = people
            .iter()
            .filter(|(p, _, n, _)| *p != 0 && *n > 0)
            .map(|(_, _, n, _)| *n)
            .collect();
        let orders_per_staff = (!handlers.is_empty()).then(|| {
            (handlers.iter().sum::<i64>() as f64 / handlers.len() as f64 * 10.0).round() / 10.0
        });
        Ok(Dashboard {
            range,
            previous,
            tiles,
            orders_per_day,
            complaint_types,
            sla_compliance,
            repair_24h_trend,
            satisfaction_trend,
            busy_hours,
            teams,
            orders_per_staff,
        })
    }
}
