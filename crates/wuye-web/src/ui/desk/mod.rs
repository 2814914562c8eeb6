//! The agent workbench (desktop): queues with SLA countdowns, Chinese
//! search, create an order for a caller (find the resident in a couple of
//! keystrokes, duplicates shown before saving), the order page with every
//! step, disputes and alerts. Queues and alerts are here; the caller's
//! order in `caller.rs`, the order page and its forms in `order.rs`.

use super::fmt::{local_time, remaining, sla_class, state_class};
use super::i18n::{Texts, category_label, kind_label, priority_label, state_label};
use super::resident::{Choice, Line, lines};
use super::session::{CsrfForm, Viewer};
use super::{Ctx, UiQuery, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
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
use wuye_domain::ids::{CommunityId, StaffId, TeamId};
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
    /// The drill-down filters as hidden form fields and as a query string
    /// (kept by the search form and the next page), and in words.
    hidden: Vec<(&'static str, String)>,
    kept: String,
    filter_note: String,
}

/// The queues page's query: a queue and a search, plus the filters a
/// dashboard number links with (the orders behind it).
#[derive(Deserialize, Default)]
struct QueueQuery {
    queue: Option<String>,
    q: Option<String>,
    after: Option<String>,
    kind: Option<String>,
    category: Option<String>,
    team_id: Option<i64>,
    assignee_id: Option<i64>,
    community_id: Option<i64>,
    from: Option<String>,
    to: Option<String>,
}

impl QueueQuery {
    /// The drill-down filters that are set, as (field, value). A bad id
    /// never gets here: `UiQuery` answers it with a page naming the field.
    fn filters(&self) -> Vec<(&'static str, String)> {
        fn text(v: &Option<String>) -> Option<String> {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        }
        let id = |v: Option<i64>| v.map(|v| v.to_string());
        [
            ("kind", text(&self.kind)),
            ("category", text(&self.category)),
            ("from", text(&self.from)),
            ("to", text(&self.to)),
            ("team_id", id(self.team_id)),
            ("assignee_id", id(self.assignee_id)),
            ("community_id", id(self.community_id)),
        ]
        .into_iter()
        .filter_map(|(name, v)| Some((name, v?)))
        .collect()
    }
}

async fn queue_page(
    app: &App,
    v: &Viewer,
    heading: &str,
    here: &str,
    q: OrderQuery,
    show_tabs: bool,
    filters: Vec<(&'static str, String)>,
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
    let search = q.q.clone().unwrap_or_default();
    let mut kept_pairs = filters.clone();
    if !search.is_empty() {
        kept_pairs.push(("q", search.clone()));
    }
    let kept = serde_urlencoded::to_string(&kept_pairs).unwrap_or_default();
    let filter_note = filter_note(app, v, &filters).await;
    render(&QueuesPage {
        ctx: Ctx::new(v, heading, here),
        heading: heading.to_string(),
        tabs,
        q: search,
        queue,
        rows: page.items.iter().map(|o| Row::new(o, v.lang)).collect(),
        next: page.next,
        hidden: filters,
        kept,
        filter_note,
    })
}

/// The drill-down filters in words: 受理日期 2026-11-01 至 2026-11-30 · 投诉 · 班组 工程部·水电班.
async fn filter_note(app: &App, v: &Viewer, filters: &[(&'static str, String)]) -> String {
    let t = Texts::of(v.lang);
    let zh = v.lang == Lang::Zh;
    let get = |name: &str| {
        filters
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut parts = Vec::new();
    match (get("from"), get("to")) {
        (Some(f), Some(to)) if f == to => parts.push(format!("{} {f}", t.created_range)),
        (Some(f), Some(to)) => parts.push(if zh {
            format!("{} {f} 至 {to}", t.created_range)
        } else {
            format!("{} {f} to {to}", t.created_range)
        }),
        (Some(f), None) => parts.push(format!("{} ≥ {f}", t.created_range)),
        (None, Some(to)) => parts.push(format!("{} ≤ {to}", t.created_range)),
        (None, None) => {}
    }
    if let Some(k) = get("kind") {
        parts.push(kind_label(v.lang, k));
    }
    if let Some(c) = get("category") {
        parts.push(category_label(v.lang, c));
    }
    if let Some(id) = get("team_id").and_then(|s| s.parse().ok()) {
        let name = match app.get_team(&v.actor, TeamId(id)).await {
            Ok(team) => team.name,
            Err(_) => format!("#{id}"),
        };
        parts.push(format!("{} {name}", t.team_label));
    }
    if let Some(id) = get("assignee_id").and_then(|s| s.parse().ok()) {
        let name = match app.get_staff(&v.actor, StaffId(id)).await {
            Ok(p) => p.name,
            Err(_) => format!("#{id}"),
        };
        parts.push(format!("{} {name}", t.assignee));
    }
    if let Some(id) = get("community_id").and_then(|s| s.parse().ok())
        && let Ok(m) = app.get_community(&v.actor, CommunityId(id)).await
    {
        parts.push(m.name);
    }
    parts.join(" · ")
}

async fn queues(State(app): State<App>, v: Viewer, UiQuery(q): UiQuery<QueueQuery>) -> Response {
    let t = Texts::of(v.lang);
    let queue = q.queue.clone().unwrap_or_else(|| "all".into());
    let sort =
        matches!(queue.as_str(), "mine" | "due_soon" | "overdue").then(|| "deadline".to_string());
    let filters = q.filters();
    let get = |name: &str| {
        filters
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let oq = OrderQuery {
        queue: Some(queue),
        q: q.q.filter(|s| !s.trim().is_empty()),
        sort,
        after: q.after,
        limit: Some(50),
        kind: get("kind"),
        category: get("category"),
        from: get("from"),
        to: get("to"),
        team_id: q.team_id,
        assignee_id: q.assignee_id,
        community_id: q.community_id,
        ..Default::default()
    };
    queue_page(&app, &v, t.nav_queues, "/desk", oq, true, filters).await
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
    queue_page(
        &app,
        &v,
        t.nav_dispatch,
        "/desk/dispatch",
        oq,
        false,
        vec![],
    )
    .await
}

async fn disputes(State(app): State<App>, v: Viewer) -> Response {
    let t = Texts::of(v.lang);
    let oq = OrderQuery {
        state: Some("disputed".into()),
        limit: Some(100),
        ..Default::default()
    };
    queue_page(
        &app,
        &v,
        t.nav_disputes,
        "/desk/disputes",
        oq,
        false,
        vec![],
    )
    .await
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
