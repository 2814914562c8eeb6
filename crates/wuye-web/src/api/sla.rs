//! SLA policies, calendars, recomputation, an order's clocks, alerts.

use super::Errors;
use crate::caller::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::App;
use wuye_app::page::{Page, PageParams};
use wuye_app::sla::admin::{CalendarInput, CalendarView, PolicyView, RecomputeReport};
use wuye_app::sla::{AlertView, ClockView};
use wuye_domain::sla::PolicySpec;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_policies, create_policy))
        .routes(routes!(update_policy, delete_policy))
        .routes(routes!(list_calendars, create_calendar))
        .routes(routes!(update_calendar, delete_calendar))
        .routes(routes!(recompute))
        .routes(routes!(order_clocks))
        .routes(routes!(alerts))
        .routes(routes!(read_alert))
}

/// SLA policies, in the order they are tried (first match wins).
#[utoipa::path(get, path = "/sla/policies", tag = "sla", responses((status = 200, body = Vec<PolicyView>), Errors))]
async fn list_policies(
    State(app): State<App>,
    c: Caller,
) -> ApiResult<axum::Json<Vec<PolicyView>>> {
    Ok(axum::Json(app.list_policies(&c.actor).await?))
}

#[utoipa::path(post, path = "/sla/policies", tag = "sla", request_body = PolicySpec, responses((status = 201, body = PolicyView), Errors))]
async fn create_policy(
    State(app): State<App>,
    c: Caller,
    Json(p): Json<PolicySpec>,
) -> ApiResult<(StatusCode, axum::Json<PolicyView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_policy(&c.actor, &p).await?),
    ))
}

/// Replace a policy. Existing clocks keep their targets until POST /sla/recompute.
#[utoipa::path(put, path = "/sla/policies/{id}", tag = "sla", params(("id" = i64, Path)), request_body = PolicySpec, responses((status = 200, body = PolicyView), Errors))]
async fn update_policy(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(p): Json<PolicySpec>,
) -> ApiResult<axum::Json<PolicyView>> {
    Ok(axum::Json(app.update_policy(&c.actor, id, &p).await?))
}

#[utoipa::path(delete, path = "/sla/policies/{id}", tag = "sla", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn delete_policy(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    app.delete_policy(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Calendars: 24×7, or working hours with holidays and 调休 working days.
#[utoipa::path(get, path = "/sla/calendars", tag = "sla", responses((status = 200, body = Vec<CalendarView>), Errors))]
async fn list_calendars(
    State(app): State<App>,
    c: Caller,
) -> ApiResult<axum::Json<Vec<CalendarView>>> {
    Ok(axum::Json(app.list_calendars(&c.actor).await?))
}

#[utoipa::path(post, path = "/sla/calendars", tag = "sla", request_body = CalendarInput, responses((status = 201, body = CalendarView), Errors))]
async fn create_calendar(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<CalendarInput>,
) -> ApiResult<(StatusCode, axum::Json<CalendarView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_calendar(&c.actor, &i).await?),
    ))
}

#[utoipa::path(put, path = "/sla/calendars/{id}", tag = "sla", params(("id" = i64, Path)), request_body = CalendarInput, responses((status = 200, body = CalendarView), Errors))]
async fn update_calendar(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<CalendarInput>,
) -> ApiResult<axum::Json<CalendarView>> {
    Ok(axum::Json(app.update_calendar(&c.actor, id, &i).await?))
}

#[utoipa::path(delete, path = "/sla/calendars/{id}", tag = "sla", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn delete_calendar(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    app.delete_calendar(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Recompute every open order's clocks under the current policies and
/// calendars (recorded in the audit log).
#[utoipa::path(post, path = "/sla/recompute", tag = "sla", responses((status = 200, body = RecomputeReport), Errors))]
async fn recompute(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<RecomputeReport>> {
    Ok(axum::Json(app.recompute_sla(&c.actor).await?))
}

/// An order's clocks: target, time counted, stage, deadline, remaining time.
#[utoipa::path(get, path = "/orders/{id}/sla", tag = "sla", params(("id" = i64, Path)), responses((status = 200, body = Vec<ClockView>), Errors))]
async fn order_clocks(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<ClockView>>> {
    Ok(axum::Json(app.order_clocks(&c.actor, id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AlertQuery {
    /// 1: only unread ones.
    pub unread: Option<u8>,
}

/// The caller's SLA alerts (warnings, breaches, escalations), newest first.
#[utoipa::path(get, path = "/alerts", tag = "sla", params(AlertQuery, PageParams), responses((status = 200, body = Page<AlertView>), Errors))]
async fn alerts(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<AlertQuery>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Page<AlertView>>> {
    Ok(axum::Json(
        app.my_alerts(&c.actor, q.unread == Some(1), &p).await?,
    ))
}

#[utoipa::path(post, path = "/alerts/{id}/read", tag = "sla", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn read_alert(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    app.mark_alert_read(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
