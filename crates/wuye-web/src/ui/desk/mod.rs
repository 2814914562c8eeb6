//! The agent workbench (desktop): queues with SLA countdowns, Chinese
//! search, create an order for a caller (find the resident in a couple of
//! keystrokes, duplicates shown before saving), the order page with every
//! step, disputes and alerts. Queues and alerts are here; the caller's
//! order in `caller.rs`, the order page and its forms in `order.rs`.

use super::fmt::{local_time, remaining, sla_class, state_class};
use super::i18n::{Texts, category_label, kind_label, priority_label, state_label};
use super::resident::{Choice, Line, lines};
use super::session::{CsrfForm, Viewer};
use super::{Ctx, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use wuye_app::orders::create::OrderInput;
use wuye_app::orders::feedback::CommentInput;
use wuye_app::orders::query::OrderQuery;
use wuye_app::orders::steps::StepInput;
use wuye_app::orders::{OrderDetail, OrderView};
use wuye_app::{App, AppError};
use wuye_domain::Lang;
use wuye_domain::category::Category;
use wuye_domain::values::mask_phone;

mod caller;
mod order;

use caller::*;
pub use order::*;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/desk", get(queues))
        .route("/desk/dispatch", get(dispatch_queue))
        .route("/desk/disputes", get(disputes))
        .route("/desk/new", get(new_form).post(create))
        .route("/desk/lookup", get(lookup))
        .route("/desk/duplicates", post(duplicates))
        .route("/desk/orders/{id}", get(order_page))
        .route("/desk/orders/{id}/step", post(step))
        .route("/desk/orders/{id}/note", post(note))
        .route("/desk/orders/{id}/classify", post(classify))
        .route("/alerts", get(alerts))
        .route("/alerts/{id}/read", post(read_alert))
}

/// A row of a queue.
pub struct Row {
    pub id: i64,
    pub number: String,
    pub text: String,
    pub state: String,
    pub state_class: &'static str,
    pub kind: String,
    pub priority: String,
    pub emergency: bool,
    pub category: String,
    pub place: String,
    pub contact: String,
    pub team: String,
    pub assignee: String,
    pub sla_class: &'static str,
    pub remaining: String,
    /// Milliseconds since the epoch, for the live countdown (0: none).
    pub deadline_ms: i64,
    pub created: String,
}

impl Row {
    pub fn new(o: &OrderView, lang: Lang) -> Row {
        Row {
            id: o.id,
            number: o.number.clone(),
            text: o.text.chars().take(40).collect(),
            state: state_label(lang, &o.state),
            state_class: state_class(&o.state),
            kind: kind_label(lang, &o.kind),
            priority: priority_label(lang, &o.priority),
            emergency: o.emergency,
            category: o
                .category
                .as_deref()
                .map(|c| category_label(lang, c))
                .unwrap_or_default(),
            place: o.place.label.clone(),
            contact: format!("{} {}", o.contact_name, o.contact_phone),
            team: o.team_name.clone().unwrap_or_default(),
            assignee: o.assignee_name.clone().unwrap_or_default(),
            sla_class: sla_class(o.next_deadline_at, o.sla_warn_at, &o.sla_stage),
            remaining: remaining(o.next_deadline_at, lang),
            deadline_ms: o.next_deadline_at.map(|t| t.as_millisecond()).unwrap_or(0),
            created: local_time(&o.created_at),
        }
    }
}

pub struct Tab {
    pub key: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "desk/queues.html")]
struct QueuesPage {
    ctx: Ctx,
    heading: String,
    tabs: Vec<Tab>,
    q: String,
    queue: String,
    rows: Vec<Row>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    queue: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

async fn queue_page(
    app: &App,
    v: &Viewer,
    heading: &str,
    here: &str,
    q: OrderQuery,
    show_tabs: bool,
) -> Response {
    let t = Texts::of(v.lang);
    let queue = q.queue.clone().unwrap_or_else(|| "all".into());
    let page = match app.list_orders(&v.actor, &q).await {
        Ok(p) => p,
        Err(e) => return error_page(v, &e),
    };
    let tabs = if show_tabs {
        [
            ("new", t.queue_new),
            ("mine", t.queue_mine),
            ("owned", t.owner),
            ("due_soon", t.queue_due),
            ("overdue", t.queue_overdue),
            ("return_visits", t.queue_visits),
            ("all", t.queue_all),
        ]
        .into_iter()
        .map(|(key, label)| Tab {
            key,
            label,
            current: key == queue,
        })
        .collect()
    } else {
        vec![]
    };
    render(&QueuesPage {
        ctx: Ctx::new(v, heading, here),
        heading: heading.to_string(),
        tabs,
        q: q.q.clone().unwrap_or_default(),
        queue,
        rows: page.items.iter().map(|o| Row::new(o, v.lang)).collect(),
        next: page.next,
    })
}

async fn queues(State(app): State<App>, v: Viewer, Query(q): Query<QueueQuery>) -> Response {
    let t = Texts::of(v.lang);
    let queue = q.queue.clone().unwrap_or_else(|| "all".into());
    let sort =
        matches!(queue.as_str(), "mine" | "due_soon" | "overdue").then(|| "deadline".to_string());
    let oq = OrderQuery {
        queue: Some(queue),
        q: q.q.filter(|s| !s.trim().is_empty()),
        sort,
        after: q.after,
        limit: Some(50),
        ..Default::default()
    };
    queue_page(&app, &v, t.nav_queues, "/desk", oq, true).await
}

async fn dispatch_queue(State(app): State<App>, v: Viewer) -> Response {
    let t = Texts::of(v.lang);
    let oq = OrderQuery {
        dispatch: Some("queue".into()),
        state: Some("received".into()),
        sort: Some("deadline".into()),
        limit: Some(100),
        ..Default::default()
    };
    queue_page(&app, &v, t.nav_dispatch, "/desk/dispatch", oq, false).await
}

async fn disputes(State(app): State<App>, v: Viewer) -> Response {
    let t = Texts::of(v.lang);
    let oq = OrderQuery {
        state: Some("disputed".into()),
        limit: Some(100),
        ..Default::default()
    };
    queue_page(&app, &v, t.nav_disputes, "/desk/disputes", oq, false).await
}

#[derive(Template)]
#[template(path = "desk/alerts.html")]
struct AlertsPage {
    ctx: Ctx,
    alerts: Vec<wuye_app::sla::AlertView>,
    times: Vec<String>,
}

async fn alerts(State(app): State<App>, v: Viewer) -> Response {
    let t = Texts::of(v.lang);
    match app
        .my_alerts(
            &v.actor,
            false,
            &wuye_app::page::PageParams {
                after: None,
                limit: Some(100),
            },
        )
        .await
    {
        Ok(p) => {
            let times = p.items.iter().map(|a| local_time(&a.created_at)).collect();
            render(&AlertsPage {
                ctx: Ctx::new(&v, t.nav_alerts, "/alerts"),
                alerts: p.items,
                times,
            })
        }
        Err(e) => error_page(&v, &e),
    }
}

async fn read_alert(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Response {
    let _ = app.mark_alert_read(&v.actor, id).await;
    Redirect::to("/alerts").into_response()
}
