//! The technician's view (mobile): my tasks by deadline, the grab pool, the
//! order with accept / start / hold / finish with photos.

use super::desk::{Row, do_step, show_order};
use super::i18n::Texts;
use super::session::{CsrfForm, Viewer, csrf_ok};
use super::{Ctx, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use wuye_app::App;
use wuye_app::orders::feedback::CommentInput;
use wuye_app::orders::query::OrderQuery;
use wuye_app::orders::steps::StepInput;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/t", get(tasks))
        .route("/t/pool", get(pool))
        .route("/t/orders/{id}", get(order_page))
        .route("/t/orders/{id}/step", post(step))
        .route("/t/orders/{id}/note", post(note))
        .route("/t/orders/{id}/finish", post(finish))
        .route("/desk/orders/{id}/finish", post(finish_desk))
}

#[derive(Template)]
#[template(path = "tech/tasks.html")]
struct TasksPage {
    ctx: Ctx,
    heading: String,
    rows: Vec<Row>,
    empty: String,
}

async fn list(app: &App, v: &Viewer, queue: &str, heading: &str, here: &str) -> Response {
    let q = OrderQuery {
        queue: Some(queue.into()),
        sort: Some("deadline".into()),
        limit: Some(100),
        ..Default::default()
    };
    match app.list_orders(&v.actor, &q).await {
        Ok(p) => render(&TasksPage {
            ctx: Ctx::new(v, heading, here),
            heading: heading.to_string(),
            rows: p.items.iter().map(|o| Row::new(o, v.lang)).collect(),
            empty: Texts::of(v.lang).no_orders_staff.to_string(),
        }),
        Err(e) => error_page(v, &e),
    }
}

async fn tasks(State(app): State<App>, v: Viewer) -> Response {
    list(&app, &v, "mine", Texts::of(v.lang).nav_tasks, "/t").await
}

async fn pool(State(app): State<App>, v: Viewer) -> Response {
    list(&app, &v, "pool", Texts::of(v.lang).nav_pool, "/t/pool").await
}

async fn order_page(State(app): State<App>, v: Viewer, Path(id): Path<i64>) -> Response {
    show_order(&app, &v, id, None, "/t").await
}

async fn step(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    do_step(&app, &v, id, &f, "/t").await
}

async fn note(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let input = CommentInput {
        text: f.get("text").cloned().unwrap_or_default(),
        internal: f.contains_key("internal"),
        photo_ids: vec![],
    };
    match app.comment(&v.actor, id, &input).await {
        Ok(_) => Redirect::to(&format!("/t/orders/{id}")).into_response(),
        Err(e) => {
            show_order(
                &app,
                &v,
                id,
                Some(e.public().message(v.lang).to_string()),
                "/t",
            )
            .await
        }
    }
}

/// Finish with a note and photos of the result (multipart).
async fn finish_at(
    app: &App,
    v: &Viewer,
    id: i64,
    mut mp: Multipart,
    base: &'static str,
) -> Response {
    let mut fields = HashMap::new();
    let mut photos = Vec::new();
    while let Ok(Some(f)) = mp.next_field().await {
        let name = f.name().unwrap_or_default().to_string();
        if name == "photos" {
            if let Ok(b) = f.bytes().await
                && !b.is_empty()
            {
                photos.push(b.to_vec());
            }
        } else {
            fields.insert(name, f.text().await.unwrap_or_default());
        }
    }
    if !csrf_ok(v, fields.get("_csrf").map(String::as_str).unwrap_or("")) {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "表单已过期，请刷新页面 / The form expired; reload the page",
        )
            .into_response();
    }
    if photos.len() > wuye_domain::work_order::MAX_PHOTOS_PER_STEP {
        let e = wuye_app::AppError::Coded(wuye_app::orders::create::too_many_photos());
        return show_order(
            app,
            v,
            id,
            Some(e.public().message(v.lang).to_string()),
            base,
        )
        .await;
    }
    let mut ids = Vec::new();
    for p in photos {
        match app.upload_photo(&v.actor, p).await {
            Ok(info) => ids.push(info.id),
            Err(e) => {
                return show_order(
                    app,
                    v,
                    id,
                    Some(e.public().message(v.lang).to_string()),
                    base,
                )
                .await;
            }
        }
    }
    let note = fields.get("note").cloned().unwrap_or_default();
    match app
        .step(
            &v.actor,
            id,
            &StepInput::Finish {
                note,
                photo_ids: ids,
            },
        )
        .await
    {
        Ok(()) => Redirect::to(&format!("{base}/orders/{id}")).into_response(),
        Err(e) => {
            let mut r = show_order(
                app,
                v,
                id,
                Some(e.public().message(v.lang).to_string()),
                base,
            )
            .await;
            *r.status_mut() = crate::error::status_of(e.public().kind);
            r
        }
    }
}

async fn finish(State(app): State<App>, v: Viewer, Path(id): Path<i64>, mp: Multipart) -> Response {
    finish_at(&app, &v, id, mp, "/t").await
}

async fn finish_desk(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    finish_at(&app, &v, id, mp, "/desk").await
}
