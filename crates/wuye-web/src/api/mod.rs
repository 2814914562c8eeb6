//! The JSON API under `/api/v1`. Each handler is annotated for the OpenAPI
//! document, which is generated from these annotations (never by hand).

pub mod audit;
pub mod auth;
pub mod communities;
pub mod dispatch;
pub mod imports;
pub mod kpi;
pub mod notify;
pub mod orders;
pub mod property;
pub mod residents;
pub mod sla;
pub mod staff;
pub mod teams;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use wuye_app::App;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wuye 物业客服平台 API",
        description = "物业服务台的 JSON 接口。错误统一为 `{\"error\": {\"code\", \"message\", \"field\"}}`，\
message 的语言由 Accept-Language 决定（默认中文）。\n\nThe JSON API of the wuye property service desk. \
Errors are `{\"error\": {\"code\", \"message\", \"field\"}}`; the message follows Accept-Language (Chinese by default).",
        version = env!("CARGO_PKG_VERSION"),
    ),
    modifiers(&Security),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "auth", description = "登录与会话 / sign-in and sessions"),
        (name = "directory", description = "小区、楼栋、房屋 / communities, buildings, homes"),
        (name = "people", description = "住户、员工、班组 / residents, staff, teams"),
        (name = "orders", description = "工单：报修、投诉、咨询… / work orders"),
        (name = "sla", description = "时限、预警与升级 / SLA clocks, warnings, escalation"),
        (name = "notify", description = "通知：站内信、短信、群机器人、邮件、Webhook / notifications"),
        (name = "dispatch", description = "智能派单 / smart dispatch"),
        (name = "kpi", description = "数据看板与预警 / KPIs, dashboard, alerts"),
        (name = "import", description = "CSV 导入 / CSV import"),
        (name = "audit", description = "审计日志 / audit log"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::caller::SESSION_COOKIE,
            ))),
        );
        openapi.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new()),
            utoipa::openapi::security::SecurityRequirement::new("cookie", Vec::<String>::new()),
        ]);
    }
}

pub fn routes() -> OpenApiRouter<App> {
    let v1 = OpenApiRouter::new()
        .merge(auth::routes())
        .merge(communities::routes())
        .merge(property::routes())
        .merge(residents::routes())
        .merge(staff::routes())
        .merge(teams::routes())
        .merge(imports::routes())
        .merge(kpi::routes())
        .merge(dispatch::routes())
        .merge(orders::routes())
        .merge(sla::routes())
        .merge(notify::routes())
        .merge(audit::routes());
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}

/// Standard error responses, for the annotations.
#[derive(utoipa::IntoResponses)]
pub enum Errors {
    /// Malformed request (bad JSON, bad id).
    #[response(status = 400)]
    BadRequest(#[to_schema] crate::error::ErrorBody),
    /// Not signed in.
    #[response(status = 401)]
    Unauthenticated(crate::error::ErrorBody),
    /// Not allowed.
    #[response(status = 403)]
    Forbidden(crate::error::ErrorBody),
    /// No such thing (or not in the caller's scope).
    #[response(status = 404)]
    NotFound(crate::error::ErrorBody),
    /// Clashes with existing data or the current state.
    #[response(status = 409)]
    Conflict(crate::error::ErrorBody),
    /// The input breaks a rule.
    #[response(status = 422)]
    Invalid(crate::error::ErrorBody),
}
