//! The dashboard page (supervisors, managers): KPI tiles with the change
//! against the previous period, ECharts charts, the team table; every number
//! links to the orders behind it.

use super::i18n::{Texts, category_label};
use super::session::Viewer;
use super::{Ctx, UiQuery, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use wuye_app::App;
use wuye_app::kpi::dashboard::{Dashboard, DashboardQuery, Tile};
use wuye_domain::Lang;
use wuye_domain::kpi::Unit;

pub fn routes() -> Router<App> {
    Router::new().route("/dashboard", get(page))
}

pub struct TileView {
    pub label: &'static str,
    pub value: String,
    pub change: String,
    pub class: &'static str,
    pub target: String,
    pub link: String,
}

fn show(v: Option<f64>, unit: Unit, lang: Lang) -> String {
    match (v, unit) {
        (None, _) => "—".into(),
        (Some(x), Unit::Percent) => format!("{x}%"),
        (Some(x), Unit::Minutes) if x >= 120.0 => match lang {
            Lang::Zh => format!("{:.1} 小时", x / 60.0),
            Lang::En => format!("{:.1} h", x / 60.0),
        },
        (Some(x), Unit::Minutes) => match lang {
            Lang::Zh => format!("{x} 分钟"),
            Lang::En => format!("{x} min"),
        },
        (Some(x), Unit::Stars) => format!("{x} / 5"),
        (Some(x), Unit::Count) => format!("{x}"),
    }
}

fn tile_view(t: &Tile, lang: Lang, from: &str, to: &str, scope: &str) -> TileView {
    let link_kind = if t.code.contains("complaint") {
        "&kind=complaint"
    } else if t.code.contains("repair") || t.code == "one_time_fix" || t.code == "self_service" {
        "&kind=repair"
    } else {
        ""
    };
    TileView {
        label: if lang == Lang::Zh {
            t.label_zh
        } else {
            t.label_en
        },
        value: show(t.value, t.unit, lang),
        change: match t.change {
            Some(c) if c > 0.0 => format!("▲ {}", show(Some(c), t.unit, lang)),
            Some(c) if c < 0.0 => format!("▼ {}", show(Some(-c), t.unit, lang)),
            _ => String::new(),
        },
        class: match t.better {
            Some(true) => "better",
            Some(false) => "worse",
            None => "",
        },
        target: t
            .target
            .map(|x| show(Some(x), t.unit, lang))
            .unwrap_or_default(),
        link: format!("/desk?queue=all&from={from}&to={to}{link_kind}{scope}"),
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    period: String,
    from: String,
    to: String,
    tiles: Vec<TileView>,
    /// (name, drill-down link or empty, created, resolved, 24 h, stars, one-time fix)
    teams: Vec<(String, String, i64, i64, String, String, String)>,
    per_staff: String,
    data: String,
    alerts: Vec<(String, String, String)>,
}

async fn page(State(app): State<App>, v: Viewer, UiQuery(q): UiQuery<DashboardQuery>) -> Response {
    let t = Texts::of(v.lang);
    let d: Dashboard = match app.dashboard(&v.actor, &q).await {
        Ok(d) => d,
        Err(e) => return error_page(&v, &e),
    };
    let (from, to) = (d.range.from.to_string(), d.range.to.to_string());
    let pct = |x: Option<f64>| x.map(|v| format!("{v}%")).unwrap_or_else(|| "—".into());
    // The dashboard's scope goes with every drill-down link.
    let scope: String = [
        ("community_id", q.community_id),
        ("team_id", q.team_id),
        ("assignee_id", q.assignee_id),
    ]
    .into_iter()
    .filter_map(|(name, v)| v.map(|v| format!("&{name}={v}")))
    .collect();
    let teams = d
        .teams
        .iter()
        .map(|r| {
            (
                r.team.clone(),
                if r.team_id > 0 && q.team_id.is_none() {
                    format!(
                        "/desk?queue=all&from={from}&to={to}&team_id={}{scope}",
                        r.team_id
                    )
                } else {
                    String::new()
                },
                r.created,
                r.resolved,
                pct(r.repair_24h),
                r.satisfaction
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "—".into()),
                pct(r.one_time_fix),
            )
        })
        .collect();
    let mut data = serde_json::to_value(&d).unwrap_or_default();
    // Category codes become labels for the chart legend.
    if let Some(points) = data["complaint_types"].as_array_mut() {
        for p in points {
            if let Some(s) = p["series"].as_str().map(str::to_string) {
                p["series"] = serde_json::Value::String(category_label(v.lang, &s));
                p["code"] = serde_json::Value::String(s);
            }
        }
    }
    data["lang"] = serde_json::Value::String(v.lang.code().into());
    data["scope"] = serde_json::Value::String(scope.clone());
    let alerts = app
        .kpi_alerts(&v.actor, true)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            (
                if v.lang == Lang::Zh {
                    a.label_zh
                } else {
                    a.label_en
                },
                a.value.to_string(),
                format!("{} {}", a.op, a.threshold),
            )
        })
        .collect();
    render(&DashboardPage {
        ctx: Ctx::new(&v, t.nav_dashboard, "/dashboard"),
        period: q.period.clone().unwrap_or_else(|| "month".into()),
        tiles: d
            .tiles
            .iter()
            .map(|x| tile_view(x, v.lang, &from, &to, &scope))
            .collect(),
        from,
        to,
        teams,
        per_staff: d
            .orders_per_staff
            .map(|x| x.to_string())
            .unwrap_or_else(|| "—".into()),
        data: data.to_string().replace("</", "<\\/"),
        alerts,
    })
}
