//! The audit log (admins).

use super::Errors;
use crate::caller::Caller;
use crate::error::ApiResult;
use crate::extract::Query;
use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::App;
use wuye_app::audit::AuditItem;
use wuye_app::page::{Page, PageParams};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// e.g. community, home, resident, staff, team, user
    pub entity: Option<String>,
    pub entity_id: Option<String>,
}

/// Every change, newest first: who, when, what, before and after.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery, PageParams), responses((status = 200, body = Page<AuditItem>), Errors))]
async fn list(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<AuditQuery>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Page<AuditItem>>> {
    Ok(axum::Json(
        app.list_audit(&c.actor, q.entity.as_deref(), q.entity_id.as_deref(), &p)
            .await?,
    ))
}
