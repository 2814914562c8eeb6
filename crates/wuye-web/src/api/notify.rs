//! Notifications: the bell (everyone), an order's delivery log (staff), and
//! the admins' setup — settings, SMS provider and mail server (secrets
//! write-only), robots and webhooks, rules, templates with a preview, the
//! dead-letter list with retry.

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
use wuye_app::notify::admin::{
    ChannelsView, EmailChannel, EndpointInput, EndpointView, SmsChannel,
};
use wuye_app::notify::authoring::{Preferences, PreviewInput, RuleView, TemplateView};
use wuye_app::notify::inbox::{Marked, UnreadCount};
use wuye_app::notify::{DeliveryView, InboxItem};
use wuye_app::page::{Page, PageParams};
use wuye_domain::notify::{NotifySettings, Rule, Template};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(inbox))
        .routes(routes!(unread))
        .routes(routes!(read_one))
        .routes(routes!(read_all))
        .routes(routes!(my_preferences, set_my_preferences))
        .routes(routes!(order_deliveries))
        .routes(routes!(deliveries))
        .routes(routes!(retry_delivery))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(get_channels))
        .routes(routes!(put_sms, delete_sms))
        .routes(routes!(put_email, delete_email))
        .routes(routes!(list_endpoints, create_endpoint))
        .routes(routes!(update_endpoint, delete_endpoint))
        .routes(routes!(list_rules))
        .routes(routes!(put_rule, reset_rule))
        .routes(routes!(list_templates))
        .routes(routes!(put_template, reset_template))
        .routes(routes!(preview))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct InboxQuery {
    /// 1: only unread ones.
    pub unread: Option<u8>,
}

/// The caller's in-app notifications (the bell), newest first.
#[utoipa::path(get, path = "/notifications", tag = "notify", params(InboxQuery, PageParams), responses((status = 200, body = Page<InboxItem>), Errors))]
async fn inbox(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<InboxQuery>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Page<InboxItem>>> {
    Ok(axum::Json(
        app.my_notifications(&c.actor, q.unread == Some(1), &p)
            .await?,
    ))
}

/// How many of the caller's notifications are unread (the bell's badge).
#[utoipa::path(get, path = "/notifications/unread", tag = "notify", responses((status = 200, body = UnreadCount), Errors))]
async fn unread(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<UnreadCount>> {
    Ok(axum::Json(app.unread_notifications(&c.actor).await?))
}

#[utoipa::path(post, path = "/notifications/{id}/read", tag = "notify", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn read_one(State(app): State<App>, c: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    app.mark_notification_read(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/notifications/read-all", tag = "notify", responses((status = 200, body = Marked), Errors))]
async fn read_all(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<Marked>> {
    Ok(axum::Json(app.mark_all_notifications_read(&c.actor).await?))
}

/// The caller's e-mail address and language for notifications.
#[utoipa::path(get, path = "/notify/preferences", tag = "notify", responses((status = 200, body = Preferences), Errors))]
async fn my_preferences(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<Preferences>> {
    Ok(axum::Json(app.my_notify_preferences(&c.actor).await?))
}

#[utoipa::path(put, path = "/notify/preferences", tag = "notify", request_body = Preferences, responses((status = 200, body = Preferences), Errors))]
async fn set_my_preferences(
    State(app): State<App>,
    c: Caller,
    Json(p): Json<Preferences>,
) -> ApiResult<axum::Json<Preferences>> {
    Ok(axum::Json(
        app.set_my_notify_preferences(&c.actor, &p).await?,
    ))
}

/// Who was told what about an order: recipient, channel, when, status,
/// attempts (staff; addresses masked).
#[utoipa::path(get, path = "/orders/{id}/deliveries", tag = "notify", params(("id" = i64, Path)), responses((status = 200, body = Vec<DeliveryView>), Errors))]
async fn order_deliveries(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<DeliveryView>>> {
    Ok(axum::Json(app.order_deliveries(&c.actor, id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DeliveryQuery {
    /// pending | sending | delivered | dead (the dead-letter list)
    pub status: Option<String>,
}

/// The company's deliveries, newest first (admins).
#[utoipa::path(get, path = "/notify/deliveries", tag = "notify", params(DeliveryQuery, PageParams), responses((status = 200, body = Page<DeliveryView>), Errors))]
async fn deliveries(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<DeliveryQuery>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Page<DeliveryView>>> {
    Ok(axum::Json(
        app.list_deliveries(&c.actor, q.status.as_deref(), &p)
            .await?,
    ))
}

/// Send a dead-lettered delivery again, with a fresh set of attempts (admins).
#[utoipa::path(post, path = "/notify/deliveries/{id}/retry", tag = "notify", params(("id" = i64, Path)), responses((status = 200, body = DeliveryView), Errors))]
async fn retry_delivery(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<DeliveryView>> {
    Ok(axum::Json(app.retry_delivery(&c.actor, id).await?))
}

/// Quiet hours, rate limits, attempts, backoff and timeout (admins).
#[utoipa::path(get, path = "/notify/settings", tag = "notify", responses((status = 200, body = NotifySettings), Errors))]
async fn get_settings(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<NotifySettings>> {
    Ok(axum::Json(app.notify_settings(&c.actor).await?))
}

#[utoipa::path(put, path = "/notify/settings", tag = "notify", request_body = NotifySettings, responses((status = 200, body = NotifySettings), Errors))]
async fn put_settings(
    State(app): State<App>,
    c: Caller,
    Json(s): Json<NotifySettings>,
) -> ApiResult<axum::Json<NotifySettings>> {
    Ok(axum::Json(app.set_notify_settings(&c.actor, &s).await?))
}

/// The SMS provider and the mail server, secrets shown as "••••" (admins).
#[utoipa::path(get, path = "/notify/channels", tag = "notify", responses((status = 200, body = ChannelsView), Errors))]
async fn get_channels(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<ChannelsView>> {
    Ok(axum::Json(app.notify_channels(&c.actor).await?))
}

/// Set the SMS provider (Aliyun or Tencent Cloud) and its template codes.
#[utoipa::path(put, path = "/notify/channels/sms", tag = "notify", request_body = SmsChannel, responses((status = 200, body = SmsChannel), Errors))]
async fn put_sms(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<SmsChannel>,
) -> ApiResult<axum::Json<SmsChannel>> {
    Ok(axum::Json(app.set_sms_channel(&c.actor, &i).await?))
}

#[utoipa::path(delete, path = "/notify/channels/sms", tag = "notify", responses((status = 204), Errors))]
async fn delete_sms(State(app): State<App>, c: Caller) -> ApiResult<StatusCode> {
    app.delete_notify_channel(&c.actor, "sms").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set the mail server (SMTP with STARTTLS by default).
#[utoipa::path(put, path = "/notify/channels/email", tag = "notify", request_body = EmailChannel, responses((status = 200, body = EmailChannel), Errors))]
async fn put_email(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<EmailChannel>,
) -> ApiResult<axum::Json<EmailChannel>> {
    Ok(axum::Json(app.set_email_channel(&c.actor, &i).await?))
}

#[utoipa::path(delete, path = "/notify/channels/email", tag = "notify", responses((status = 204), Errors))]
async fn delete_email(State(app): State<App>, c: Caller) -> ApiResult<StatusCode> {
    app.delete_notify_channel(&c.actor, "email").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 企业微信/钉钉 group robots (per team) and webhooks (admins).
#[utoipa::path(get, path = "/notify/endpoints", tag = "notify", responses((status = 200, body = Vec<EndpointView>), Errors))]
async fn list_endpoints(
    State(app): State<App>,
    c: Caller,
) -> ApiResult<axum::Json<Vec<EndpointView>>> {
    Ok(axum::Json(app.list_endpoints(&c.actor).await?))
}

#[utoipa::path(post, path = "/notify/endpoints", tag = "notify", request_body = EndpointInput, responses((status = 201, body = EndpointView), Errors))]
async fn create_endpoint(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<EndpointInput>,
) -> ApiResult<(StatusCode, axum::Json<EndpointView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.save_endpoint(&c.actor, None, &i).await?),
    ))
}

#[utoipa::path(put, path = "/notify/endpoints/{id}", tag = "notify", params(("id" = i64, Path)), request_body = EndpointInput, responses((status = 200, body = EndpointView), Errors))]
async fn update_endpoint(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<EndpointInput>,
) -> ApiResult<axum::Json<EndpointView>> {
    Ok(axum::Json(app.save_endpoint(&c.actor, Some(id), &i).await?))
}

#[utoipa::path(delete, path = "/notify/endpoints/{id}", tag = "notify", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn delete_endpoint(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    app.delete_endpoint(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every event's rule: who is told, through which channels (admins).
#[utoipa::path(get, path = "/notify/rules", tag = "notify", responses((status = 200, body = Vec<RuleView>), Errors))]
async fn list_rules(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<Vec<RuleView>>> {
    Ok(axum::Json(app.list_notify_rules(&c.actor).await?))
}

#[utoipa::path(put, path = "/notify/rules/{event}", tag = "notify", params(("event" = String, Path)), request_body = Rule, responses((status = 200, body = RuleView), Errors))]
async fn put_rule(
    State(app): State<App>,
    c: Caller,
    Path(event): Path<String>,
    Json(r): Json<Rule>,
) -> ApiResult<axum::Json<RuleView>> {
    Ok(axum::Json(
        app.set_notify_rule(&c.actor, &event, Some(&r)).await?,
    ))
}

/// Back to the shipped rule.
#[utoipa::path(delete, path = "/notify/rules/{event}", tag = "notify", params(("event" = String, Path)), responses((status = 200, body = RuleView), Errors))]
async fn reset_rule(
    State(app): State<App>,
    c: Caller,
    Path(event): Path<String>,
) -> ApiResult<axum::Json<RuleView>> {
    Ok(axum::Json(
        app.set_notify_rule(&c.actor, &event, None).await?,
    ))
}

/// Every event's templates, Chinese and English (admins).
#[utoipa::path(get, path = "/notify/templates", tag = "notify", responses((status = 200, body = Vec<TemplateView>), Errors))]
async fn list_templates(
    State(app): State<App>,
    c: Caller,
) -> ApiResult<axum::Json<Vec<TemplateView>>> {
    Ok(axum::Json(app.list_notify_templates(&c.actor).await?))
}

#[utoipa::path(put, path = "/notify/templates/{event}/{lang}", tag = "notify", params(("event" = String, Path), ("lang" = String, Path, description = "zh-CN | en")), request_body = Template, responses((status = 200, body = TemplateView), Errors))]
async fn put_template(
    State(app): State<App>,
    c: Caller,
    Path((event, lang)): Path<(String, String)>,
    Json(t): Json<Template>,
) -> ApiResult<axum::Json<TemplateView>> {
    Ok(axum::Json(
        app.set_notify_template(&c.actor, &event, &lang, Some(&t))
            .await?,
    ))
}

/// Back to the shipped template.
#[utoipa::path(delete, path = "/notify/templates/{event}/{lang}", tag = "notify", params(("event" = String, Path), ("lang" = String, Path)), responses((status = 200, body = TemplateView), Errors))]
async fn reset_template(
    State(app): State<App>,
    c: Caller,
    Path((event, lang)): Path<(String, String)>,
) -> ApiResult<axum::Json<TemplateView>> {
    Ok(axum::Json(
        app.set_notify_template(&c.actor, &event, &lang, None)
            .await?,
    ))
}

/// Render a template (a draft or the one in force) with an order's values
/// or sample values.
#[utoipa::path(post, path = "/notify/templates/preview", tag = "notify", request_body = PreviewInput, responses((status = 200, body = Template), Errors))]
async fn preview(
    State(app): State<App>,
    c: Caller,
    Json(p): Json<PreviewInput>,
) -> ApiResult<axum::Json<Template>> {
    Ok(axum::Json(app.preview_notify_template(&c.actor, &p).await?))
}
