//! Teams (班组) and their members.

use super::Errors;
use crate::caller::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::App;
use wuye_app::directory::teams::{MemberInput, TeamInput, TeamPatch};
use wuye_domain::directory::Team;
use wuye_domain::ids::*;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(set_member, remove_member))
}

/// The company's teams (vendors: their own).
#[utoipa::path(get, path = "/teams", tag = "people", responses((status = 200, body = Vec<Team>), Errors))]
async fn list(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<Vec<Team>>> {
    Ok(axum::Json(app.list_teams(&c.actor).await?))
}

#[utoipa::path(post, path = "/teams", tag = "people", request_body = TeamInput, responses((status = 201, body = Team), Errors))]
async fn create(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<TeamInput>,
) -> ApiResult<(StatusCode, axum::Json<Team>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_team(&c.actor, &i).await?),
    ))
}

#[utoipa::path(get, path = "/teams/{id}", tag = "people", params(("id" = i64, Path)), responses((status = 200, body = Team), Errors))]
async fn get_one(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Team>> {
    Ok(axum::Json(app.get_team(&c.actor, TeamId(id)).await?))
}

#[utoipa::path(patch, path = "/teams/{id}", tag = "people", params(("id" = i64, Path)), request_body = TeamPatch, responses((status = 200, body = Team), Errors))]
async fn update(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(p): Json<TeamPatch>,
) -> ApiResult<axum::Json<Team>> {
    Ok(axum::Json(app.update_team(&c.actor, TeamId(id), &p).await?))
}

/// Delete a team without members.
#[utoipa::path(delete, path = "/teams/{id}", tag = "people", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn delete(State(app): State<App>, c: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    app.delete_team(&c.actor, TeamId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a member to a team, or change whether they lead it.
#[utoipa::path(put, path = "/teams/{id}/members/{staff_id}", tag = "people", params(("id" = i64, Path), ("staff_id" = i64, Path)), request_body = MemberInput, responses((status = 200, body = Team), Errors))]
async fn set_member(
    State(app): State<App>,
    c: Caller,
    Path((id, staff)): Path<(i64, i64)>,
    Json(i): Json<MemberInput>,
) -> ApiResult<axum::Json<Team>> {
    Ok(axum::Json(
        app.set_team_member(&c.actor, TeamId(id), StaffId(staff), &i)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/teams/{id}/members/{staff_id}", tag = "people", params(("id" = i64, Path), ("staff_id" = i64, Path)), responses((status = 200, body = Team), Errors))]
async fn remove_member(
    State(app): State<App>,
    c: Caller,
    Path((id, staff)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<Team>> {
    Ok(axum::Json(
        app.remove_team_member(&c.actor, TeamId(id), StaffId(staff))
            .await?,
    ))
}
