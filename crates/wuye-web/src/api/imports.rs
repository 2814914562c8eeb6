//! CSV import of homes and residents. The body is the file itself
//! (`Content-Type: text/csv`), UTF-8 or GBK.

use super::Errors;
use crate::caller::Caller;
use crate::error::{ApiResult, current_lang};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::App;
use wuye_app::import::ImportReport;
use wuye_domain::Lang;

/// Import files may be larger than JSON bodies.
pub const IMPORT_BODY_LIMIT: usize = 20 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(import_homes))
        .routes(routes!(import_residents))
        .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT))
}

/// 200 with the report when everything was imported; 422 with the
/// `import_invalid` error and the line-by-line report when nothing was.
fn answer(report: ImportReport) -> Response {
    if report.imported {
        return (StatusCode::OK, axum::Json(report)).into_response();
    }
    let n = report.errors.len();
    let message = match current_lang() {
        Lang::Zh => format!("发现 {n} 处错误，未导入任何数据；请按报告逐行修改后重新导入"),
        Lang::En => format!(
            "{n} problems found; nothing was imported. Fix the lines in the report and import again"
        ),
    };
    let body = serde_json::json!({
        "error": {"code": "import_invalid", "message": message},
        "report": report,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

/// Import homes. Columns (header row, Chinese or English names):
/// 小区/community, 楼栋/building, 单元/entrance (optional), 房号/number,
/// 楼层/floor (optional), 面积/area (optional). Buildings and entrances are
/// created as needed. All or nothing.
#[utoipa::path(post, path = "/import/homes", tag = "import", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), Errors))]
async fn import_homes(State(app): State<App>, c: Caller, body: Bytes) -> ApiResult<Response> {
    Ok(answer(app.import_homes(&c.actor, &body).await?))
}

/// Import residents and link them to existing homes. Columns: 姓名/name,
/// 手机号/phone, 小区/community, 楼栋/building, 单元/entrance (optional),
/// 房号/number, 关系/relation (业主/租户/家属; default 业主). All or nothing.
#[utoipa::path(post, path = "/import/residents", tag = "import", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), Errors))]
async fn import_residents(State(app): State<App>, c: Caller, body: Bytes) -> ApiResult<Response> {
    Ok(answer(app.import_residents(&c.actor, &body).await?))
}
