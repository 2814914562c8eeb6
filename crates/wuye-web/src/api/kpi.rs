//! KPIs: the dashboard, definitions, threshold rules and alerts, exports.

use super::Errors;
use crate::caller::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::App;
use wuye_app::kpi::alerts::{KpiAlertView, RuleInput, RuleView};
use wuye_app::kpi::dashboard::{Dashboard, DashboardQuery};
use wuye_app::kpi::export::Format;
use wuye_app::orders::query::OrderQuery;
use wuye_domain::Error;
use wuye_domain::kpi::{KPIS, Kpi};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(dashboard))
        .routes(routes!(definitions))
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(delete_rule))
        .routes(routes!(alerts))
        .routes(routes!(export_kpis))
        .routes(routes!(export_orders))
}

/// KPI tiles (with the change against the previous period) and chart series
/// for a day, week, month or custom range, for the company, a community, a
/// team or a person (supervisors, managers, admins).
#[utoipa::path(get, path = "/kpi/dashboard", tag = "kpi", params(DashboardQuery), responses((status = 200, body = Dashboard), Errors))]
async fn dashboard(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<DashboardQuery>,
) -> ApiResult<axum::Json<Dashboard>> {
    Ok(axum::Json(app.dashboard(&c.actor, &q).await?))
}

/// The KPI catalogue (see docs/KPIS.md for each definition).
#[utoipa::path(get, path = "/kpi/definitions", tag = "kpi", responses((status = 200, body = Vec<Kpi>), Errors))]
async fn definitions(_c: Caller) -> axum::Json<&'static [Kpi]> {
    axum::Json(KPIS)
}

#[utoipa::path(get, path = "/kpi/rules", tag = "kpi", responses((status = 200, body = Vec<RuleView>), Errors))]
async fn list_rules(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<Vec<RuleView>>> {
    Ok(axum::Json(app.kpi_rules(&c.actor).await?))
}

/// A threshold: e.g. repair_24h below 90 this week raises an alert.
#[utoipa::path(post, path = "/kpi/rules", tag = "kpi", request_body = RuleInput, responses((status = 201, body = RuleView), Errors))]
async fn create_rule(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<RuleInput>,
) -> ApiResult<(StatusCode, axum::Json<RuleView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_kpi_rule(&c.actor, &i).await?),
    ))
}

#[utoipa::path(delete, path = "/kpi/rules/{id}", tag = "kpi", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn delete_rule(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    app.delete_kpi_rule(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AlertQuery {
    /// 1: only alerts still open.
    pub open: Option<u8>,
}

/// KPI alerts raised by the rules, newest first.
#[utoipa::path(get, path = "/kpi/alerts", tag = "kpi", params(AlertQuery), responses((status = 200, body = Vec<KpiAlertView>), Errors))]
async fn alerts(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<AlertQuery>,
) -> ApiResult<axum::Json<Vec<KpiAlertView>>> {
    Ok(axum::Json(
        app.kpi_alerts(&c.actor, q.open == Some(1)).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct FormatQuery {
    /// csv (default) | xlsx
    pub format: Option<String>,
}

fn format_of(q: &FormatQuery) -> Result<Format, Error> {
    match q.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(Format::Csv),
        "xlsx" => Ok(Format::Xlsx),
        other => Err(Error::invalid(
            "format_invalid",
            format!("格式“{other}”无效：csv 或 xlsx"),
            format!("Format “{other}” is not csv or xlsx"),
        )
        .with_field("format")),
    }
}

fn file(bytes: Vec<u8>, format: Format, name: &str) -> Response {
    let (ct, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    (
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The KPI table as CSV or Excel.
#[utoipa::path(get, path = "/kpi/export", tag = "kpi", params(DashboardQuery, FormatQuery), responses((status = 200, content_type = "text/csv"), Errors))]
async fn export_kpis(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<DashboardQuery>,
    Query(f): Query<FormatQuery>,
) -> ApiResult<Response> {
    let format = format_of(&f)?;
    Ok(file(
        app.export_kpis(&c.actor, &q, format).await?,
        format,
        "wuye-kpi",
    ))
}

/// Any order list (the filters of GET /orders) as CSV or Excel, up to 10,000 rows.
#[utoipa::path(get, path = "/orders/export", tag = "kpi", params(OrderQuery, FormatQuery), responses((status = 200, content_type = "text/csv"), Errors))]
async fn export_orders(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<OrderQuery>,
    Query(f): Query<FormatQuery>,
) -> ApiResult<Response> {
    let format = format_of(&f)?;
    Ok(file(
        app.export_orders(&c.actor, &q, format).await?,
        format,
        "wuye-orders",
    ))
}
