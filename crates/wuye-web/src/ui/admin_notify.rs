//! The admins' notification page: which channels are set up, deliveries
//! that failed (with a retry button each) and the rest of the log by status,
//! and per event the rule (recipients × channels) and the templates in both
//! languages with a preview. Channel accounts and keys stay in the API.

use super::i18n::{Texts, delivery_status_label, notify_label};
use super::notify::DeliveryLine;
use super::session::{CsrfForm, Viewer};
use super::{Ctx, UiQuery, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use wuye_app::notify::authoring::{PreviewInput, RuleView, TemplateView};
use wuye_app::page::PageParams;
use wuye_app::{App, AppError};
use wuye_domain::Lang;
use wuye_domain::notify::providers::{EndpointKind, SmsProvider};
use wuye_domain::notify::templates::PLACEHOLDERS;
use wuye_domain::notify::{Event, Rule, Target, Via, Who};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/notify", get(page))
        .route("/admin/notify/deliveries/{id}/retry", post(retry))
        .route("/admin/notify/rules/{event}", post(save_rule))
        .route(
            "/admin/notify/templates/{event}/{lang}",
            post(save_template),
        )
        .route("/admin/notify/preview", post(preview))
}

/// Deliveries per page of the log.
const PAGE_SIZE: i64 = 30;
const STATUSES: [&str; 4] = ["dead", "pending", "sending", "delivered"];

pub struct ChannelLine {
    pub label: String,
    pub ready: bool,
    pub state: &'static str,
    pub detail: String,
}

pub struct StatusTab {
    pub code: &'static str,
    pub label: String,
    pub current: bool,
}

pub struct Cell {
    pub via: &'static str,
    pub label: String,
    pub applies: bool,
    pub checked: bool,
}

pub struct RuleRow {
    pub who: &'static str,
    pub label: String,
    pub cells: Vec<Cell>,
}

pub struct TemplateForm {
    pub lang: String,
    pub lang_label: &'static str,
    pub customized: bool,
    pub title: String,
    pub body: String,
    /// A preview rendered without script (the form posted to the preview).
    pub preview: Option<Rendered>,
}

pub struct EventBlock {
    pub code: &'static str,
    pub label: String,
    pub enabled: bool,
    pub customized: bool,
    pub open: bool,
    pub rows: Vec<RuleRow>,
    pub templates: Vec<TemplateForm>,
}

#[derive(Template)]
#[template(path = "admin/notify.html")]
struct NotifyPage {
    ctx: Ctx,
    channels: Vec<ChannelLine>,
    settings: String,
    tabs: Vec<StatusTab>,
    status: String,
    deliveries: Vec<DeliveryLine>,
    next: Option<String>,
    vias: Vec<String>,
    events: Vec<EventBlock>,
    placeholders: String,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    status: Option<String>,
    after: Option<String>,
    open: Option<String>,
    done: Option<String>,
}

/// A rendered preview: (title, body), or why the draft cannot be rendered.
pub type Rendered = Result<(String, String), String>;

/// A template as typed into its form, shown instead of the stored one.
struct Draft {
    event: String,
    lang: String,
    title: String,
    body: String,
    preview: Option<Rendered>,
}

/// What a page shows besides the stored state: a message, an error, the
/// event whose block is open, a draft (with its preview, made without script).
#[derive(Default)]
struct Extra {
    message: Option<String>,
    error: Option<(String, axum::http::StatusCode)>,
    open: Option<String>,
    draft: Option<Draft>,
}

fn lang_label(t: &'static Texts, code: &str) -> &'static str {
    if code == Lang::En.code() {
        t.lang_en
    } else {
        t.lang_zh
    }
}

fn channel_lines(
    t: &'static Texts,
    lang: Lang,
    ch: &wuye_app::notify::admin::ChannelsView,
    endpoints: &[wuye_app::notify::admin::EndpointView],
) -> Vec<ChannelLine> {
    let state = |configured: bool, enabled: bool| match (configured, enabled) {
        (false, _) => t.not_configured,
        (true, false) => t.channel_off,
        (true, true) => t.configured,
    };
    let mut out = vec![ChannelLine {
        label: notify_label(lang, "in_app"),
        ready: true,
        state: t.in_app_always,
        detail: String::new(),
    }];
    let sms = ch.sms.as_ref().map(|s| &s.config);
    out.push(ChannelLine {
        label: notify_label(lang, "sms"),
        ready: sms.is_some_and(|s| s.enabled),
        state: state(sms.is_some(), sms.is_some_and(|s| s.enabled)),
        detail: sms
            .map(|s| {
                let provider = match (s.provider, lang) {
                    (SmsProvider::Aliyun, Lang::Zh) => "阿里云短信",
                    (SmsProvider::Aliyun, Lang::En) => "Aliyun SMS",
                    (SmsProvider::Tencent, Lang::Zh) => "腾讯云短信",
                    (SmsProvider::Tencent, Lang::En) => "Tencent Cloud SMS",
                };
                format!("{provider} · {} · {}", s.sign_name, s.templates.len())
            })
            .unwrap_or_default(),
    });
    let email = ch.email.as_ref().map(|e| &e.config);
    out.push(ChannelLine {
        label: notify_label(lang, "email"),
        ready: email.is_some_and(|e| e.enabled),
        state: state(email.is_some(), email.is_some_and(|e| e.enabled)),
        detail: email
            .map(|e| format!("{}:{} · {}", e.host, e.port, e.from))
            .unwrap_or_default(),
    });
    for (kind, code) in [
        (EndpointKind::Wecom, "wecom"),
        (EndpointKind::Dingtalk, "dingtalk"),
        (EndpointKind::Webhook, "webhook"),
    ] {
        let of_kind: Vec<_> = endpoints.iter().filter(|e| e.spec.kind == kind).collect();
        let enabled = of_kind.iter().any(|e| e.spec.enabled);
        out.push(ChannelLine {
            label: notify_label(lang, code),
            ready: enabled,
            state: state(!of_kind.is_empty(), enabled),
            detail: of_kind
                .iter()
                .map(|e| match (e.spec.enabled, lang) {
                    (true, _) => e.spec.name.clone(),
                    (false, Lang::Zh) => format!("{}（{}）", e.spec.name, t.channel_off),
                    (false, Lang::En) => format!("{} ({})", e.spec.name, t.channel_off),
                })
                .collect::<Vec<_>>()
                .join(if lang == Lang::Zh { "、" } else { ", " }),
        });
    }
    out
}

fn event_block(
    lang: Lang,
    r: &RuleView,
    templates: &[TemplateView],
    x: &Extra,
    t: &'static Texts,
) -> EventBlock {
    let e = r.event;
    let rows = Who::ALL
        .iter()
        .filter(|w| **w != Who::Alerted || e.is_sla())
        .map(|w| {
            let target = r.rule.to.iter().find(|tg| tg.who == *w);
            RuleRow {
                who: w.code(),
                label: notify_label(lang, w.code()),
                cells: Via::ALL
                    .iter()
                    .map(|v| Cell {
                        via: v.code(),
                        label: notify_label(lang, v.code()),
                        applies: (*w == Who::TeamGroup) == (*v == Via::Robot),
                        checked: target.is_some_and(|tg| tg.via.contains(v)),
                    })
                    .collect(),
            }
        })
        .collect();
    let mut templates: Vec<&TemplateView> = templates.iter().filter(|tv| tv.event == e).collect();
    // Chinese first, as everywhere.
    templates.sort_by_key(|tv| tv.lang != Lang::Zh.code());
    let templates = templates
        .into_iter()
        .map(|tv| {
            let draft = x
                .draft
                .as_ref()
                .filter(|d| d.event == e.code() && d.lang == tv.lang);
            TemplateForm {
                lang_label: lang_label(t, &tv.lang),
                customized: tv.customized,
                title: draft.map_or(&tv.title, |d| &d.title).clone(),
                body: draft.map_or(&tv.body, |d| &d.body).clone(),
                preview: draft.and_then(|d| d.preview.clone()),
                lang: tv.lang.clone(),
            }
        })
        .collect();
    EventBlock {
        code: e.code(),
        label: notify_label(lang, e.code()),
        enabled: r.rule.enabled,
        customized: r.customized,
        open: x.open.as_deref() == Some(e.code()),
        rows,
        templates,
    }
}

async fn show(app: &App, v: &Viewer, q: &PageQuery, x: Extra) -> Response {
    let t = Texts::of(v.lang);
    let status = q
        .status
        .clone()
        .filter(|s| STATUSES.contains(&s.as_str()))
        .unwrap_or_else(|| "dead".into());
    let p = PageParams {
        after: q.after.clone(),
        limit: Some(PAGE_SIZE),
    };
    let a = &v.actor;
    let load = async {
        let channels = app.notify_channels(a).await?;
        let endpoints = app.list_endpoints(a).await?;
        let settings = app.notify_settings(a).await?;
        let deliveries = app.list_deliveries(a, Some(&status), &p).await?;
        let rules = app.list_notify_rules(a).await?;
        let templates = app.list_notify_templates(a).await?;
        Ok::<_, AppError>((channels, endpoints, settings, deliveries, rules, templates))
    };
    let (channels, endpoints, settings, deliveries, rules, templates) = match load.await {
        Ok(x) => x,
        Err(e) => return error_page(v, &e),
    };
    let settings = match &settings.quiet_hours {
        Some(h) => t
            .settings_summary
            .replace("{quiet}", &format!("{}–{}", h.start, h.end)),
        None => t.settings_summary_no_quiet.to_string(),
    }
    .replace("{max}", &settings.max_attempts.to_string());
    let placeholders = PLACEHOLDERS
        .iter()
        .map(|(name, _)| format!("{{{name}}}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut r = render(&NotifyPage {
        ctx: Ctx::new(v, t.notify_admin_title, "/admin"),
        channels: channel_lines(t, v.lang, &channels, &endpoints),
        settings,
        tabs: STATUSES
            .iter()
            .map(|s| StatusTab {
                code: s,
                label: delivery_status_label(v.lang, s),
                current: *s == status,
            })
            .collect(),
        deliveries: deliveries
            .items
            .into_iter()
            .map(|d| DeliveryLine::new(d, v.lang))
            .collect(),
        next: deliveries.next,
        status,
        vias: Via::ALL
            .iter()
            .map(|via| notify_label(v.lang, via.code()))
            .collect(),
        events: rules
            .iter()
            .map(|r| event_block(v.lang, r, &templates, &x, t))
            .collect(),
        placeholders,
        message: x.message.clone(),
        error: x.error.as_ref().map(|(m, _)| m.clone()),
    });
    if let Some((_, status)) = x.error {
        *r.status_mut() = status;
    }
    r
}

async fn page(State(app): State<App>, v: Viewer, UiQuery(q): UiQuery<PageQuery>) -> Response {
    let t = Texts::of(v.lang);
    let message = match q.done.as_deref() {
        Some("saved") => Some(t.saved.to_string()),
        Some("retried") => Some(t.retried.to_string()),
        _ => None,
    };
    let open = q.open.clone();
    show(
        &app,
        &v,
        &q,
        Extra {
            message,
            open,
            ..Extra::default()
        },
    )
    .await
}

fn failure(v: &Viewer, e: &AppError) -> (String, axum::http::StatusCode) {
    if let AppError::Internal(d) = e {
        tracing::error!(detail = %d, "internal error");
    }
    let p = e.public();
    (
        p.message(v.lang).to_string(),
        crate::error::status_of(p.kind),
    )
}

async fn retry(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Response {
    match app.retry_delivery(&v.actor, id).await {
        Ok(_) => Redirect::to("/admin/notify?done=retried").into_response(),
        Err(e) => {
            let x = Extra {
                error: Some(failure(&v, &e)),
                ..Extra::default()
            };
            show(&app, &v, &PageQuery::default(), x).await
        }
    }
}

fn saved(event: &str) -> Response {
    Redirect::to(&format!("/admin/notify?open={event}&done=saved#ev-{event}")).into_response()
}

/// The rule a form describes: `enabled`, and a `who:via` box per channel.
fn rule_of(f: &HashMap<String, String>) -> Rule {
    let to = Who::ALL
        .iter()
        .filter_map(|w| {
            let via: Vec<Via> = Via::ALL
                .iter()
                .copied()
                .filter(|v| f.contains_key(&format!("{}:{}", w.code(), v.code())))
                .collect();
            (!via.is_empty()).then_some(Target { who: *w, via })
        })
        .collect();
    Rule {
        enabled: f.contains_key("enabled"),
        to,
    }
}

async fn save_rule(
    State(app): State<App>,
    v: Viewer,
    Path(event): Path<String>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let rule = rule_of(&f);
    let reset = f.get("op").map(String::as_str) == Some("reset");
    match app
        .set_notify_rule(&v.actor, &event, (!reset).then_some(&rule))
        .await
    {
        Ok(r) => saved(r.event.code()),
        Err(e) => {
            let x = Extra {
                error: Some(failure(&v, &e)),
                open: Some(event),
                ..Extra::default()
            };
            show(&app, &v, &PageQuery::default(), x).await
        }
    }
}

#[derive(Deserialize)]
struct TemplateFields {
    #[serde(default)]
    op: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

async fn save_template(
    State(app): State<App>,
    v: Viewer,
    Path((event, lang)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<TemplateFields>,
) -> Response {
    let draft = wuye_domain::notify::Template {
        title: f.title.clone(),
        body: f.body.clone(),
    };
    let reset = f.op == "reset";
    match app
        .set_notify_template(&v.actor, &event, &lang, (!reset).then_some(&draft))
        .await
    {
        Ok(tv) => saved(tv.event.code()),
        Err(e) => {
            let x = Extra {
                error: Some(failure(&v, &e)),
                draft: Some(Draft {
                    event: event.clone(),
                    lang,
                    title: f.title,
                    body: f.body,
                    preview: None,
                }),
                open: Some(event),
                ..Extra::default()
            };
            show(&app, &v, &PageQuery::default(), x).await
        }
    }
}

#[derive(Deserialize)]
struct PreviewFields {
    #[serde(default)]
    event: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

#[derive(Template)]
#[template(path = "admin/notify_preview.html")]
struct PreviewFragment {
    preview: Rendered,
}

/// Renders a draft with sample values: the fragment for htmx, or the whole
/// page with the preview under its form when script is off.
async fn preview(
    State(app): State<App>,
    v: Viewer,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<PreviewFields>,
) -> Response {
    let input = PreviewInput {
        event: f.event.clone(),
        lang: Some(f.lang.clone()),
        title: Some(f.title.clone()),
        body: Some(f.body.clone()),
        order_id: None,
    };
    let result = match app.preview_notify_template(&v.actor, &input).await {
        Ok(t) => Ok((t.title, t.body)),
        Err(e @ AppError::Internal(_)) => return error_page(&v, &e),
        Err(e) if e.public().kind == wuye_domain::error::ErrorKind::Forbidden => {
            return error_page(&v, &e);
        }
        Err(e) => Err(e.public().message(v.lang).to_string()),
    };
    if headers.contains_key("hx-request") {
        return render(&PreviewFragment { preview: result });
    }
    let known = Event::parse(&f.event).is_ok();
    let x = Extra {
        open: known.then(|| f.event.clone()),
        draft: Some(Draft {
            event: f.event,
            lang: f.lang,
            title: f.title,
            body: f.body,
            preview: Some(result),
        }),
        ..Extra::default()
    };
    show(&app, &v, &PageQuery::default(), x).await
}
