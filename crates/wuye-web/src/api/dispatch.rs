//! Smart dispatch: live classification, the dispatcher's queue, corrections,
//! the category → team map, settings, live figures, model versions.

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
use wuye_app::dispatch::learn::{Correction, DispatchStats, ModelVersion};
use wuye_app::dispatch::{CategoryTeam, DispatchSettings, Suggestion};
use wuye_app::orders::OrderDetail;
use wuye_app::orders::query::OrderQuery;
use wuye_app::orders::view::OrderView;
use wuye_app::page::Page;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(classify))
        .routes(routes!(queue))
        .routes(routes!(correct))
        .routes(routes!(get_map, set_map))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(stats))
        .routes(routes!(models, retrain))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyInput {
    pub text: String,
}

/// What the classifier makes of a text: category, urgency and kind with
/// confidences and top 3, the deciding words, the team it would go to.
#[utoipa::path(post, path = "/classify", tag = "dispatch", request_body = ClassifyInput, responses((status = 200, body = Suggestion), Errors))]
async fn classify(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<ClassifyInput>,
) -> ApiResult<axum::Json<Suggestion>> {
    Ok(axum::Json(app.suggest(&c.actor, &i.text).await?))
}

/// Orders waiting for a dispatcher (the classifier was unsure, or the team
/// dispatches by hand), with the classifier's suggestions in `prediction`.
#[utoipa::path(get, path = "/dispatch/queue", tag = "dispatch", responses((status = 200, body = Page<OrderView>), Errors))]
async fn queue(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<Page<OrderView>>> {
    let q = OrderQuery {
        dispatch: Some("queue".into()),
        state: Some("received".into()),
        sort: Some("deadline".into()),
        limit: Some(200),
        ..Default::default()
    };
    Ok(axum::Json(app.list_orders(&c.actor, &q).await?))
}

/// A dispatcher corrects the category (and urgency): kept as a training
/// example; an automatically dispatched order counts as corrected.
#[utoipa::path(post, path = "/orders/{id}/classification", tag = "dispatch", params(("id" = i64, Path)), request_body = Correction, responses((status = 200, body = OrderDetail), Errors))]
async fn correct(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<Correction>,
) -> ApiResult<axum::Json<OrderDetail>> {
    app.correct(&c.actor, id, &i).await?;
    Ok(axum::Json(app.get_order(&c.actor, id).await?))
}

/// Which team each category goes to (the company's map over the defaults).
#[utoipa::path(get, path = "/dispatch/category-teams", tag = "dispatch", responses((status = 200, body = Vec<CategoryTeam>), Errors))]
async fn get_map(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<Vec<CategoryTeam>>> {
    Ok(axum::Json(app.category_teams(&c.actor).await?))
}

#[utoipa::path(put, path = "/dispatch/category-teams", tag = "dispatch", request_body = CategoryTeam, responses((status = 200, body = Vec<CategoryTeam>), Errors))]
async fn set_map(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<CategoryTeam>,
) -> ApiResult<axum::Json<Vec<CategoryTeam>>> {
    Ok(axum::Json(app.set_category_team(&c.actor, &i).await?))
}

#[utoipa::path(get, path = "/dispatch/settings", tag = "dispatch", responses((status = 200, body = DispatchSettings), Errors))]
async fn get_settings(
    State(app): State<App>,
    c: Caller,
) -> ApiResult<axum::Json<DispatchSettings>> {
    Ok(axum::Json(app.dispatch_settings(c.actor.company_id).await?))
}

#[utoipa::path(put, path = "/dispatch/settings", tag = "dispatch", request_body = DispatchSettings, responses((status = 200, body = DispatchSettings), Errors))]
async fn put_settings(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<DispatchSettings>,
) -> ApiResult<axum::Json<DispatchSettings>> {
    Ok(axum::Json(app.set_dispatch_settings(&c.actor, &i).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct StatsQuery {
    /// The window in days (default 30).
    pub days: Option<i64>,
}

/// Live accuracy (auto-dispatched orders not corrected later) and the
/// manual-intervention rate.
#[utoipa::path(get, path = "/dispatch/stats", tag = "dispatch", params(StatsQuery), responses((status = 200, body = DispatchStats), Errors))]
async fn stats(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<StatsQuery>,
) -> ApiResult<axum::Json<DispatchStats>> {
    Ok(axum::Json(
        app.dispatch_stats(&c.actor, q.days.unwrap_or(30)).await?,
    ))
}

/// Retrained model versions, newest (in use) first.
#[utoipa::path(get, path = "/dispatch/models", tag = "dispatch", responses((status = 200, body = Vec<ModelVersion>), Errors))]
async fn models(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<Vec<ModelVersion>>> {
    Ok(axum::Json(app.model_versions(&c.actor).await?))
}

/// Retrain now on the bundled corpus plus the corrections (admins).
#[utoipa::path(post, path = "/dispatch/models", tag = "dispatch", responses((status = 201, body = ModelVersion), Errors))]
async fn retrain(
    State(app): State<App>,
    c: Caller,
) -> ApiResult<(StatusCode, axum::Json<ModelVersion>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.retrain_for(&c.actor).await?),
    ))
}
