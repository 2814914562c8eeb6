//! The smart-dispatch setup page: settings, the category → team map, live
//! figures, model versions and retraining.

use super::i18n::{Texts, category_label};
use super::resident::Choice;
use super::session::{CsrfForm, Viewer};
use super::{Ctx, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use wuye_app::dispatch::learn::{DispatchStats, ModelVersion};
use wuye_app::dispatch::{CategoryTeam, DispatchSettings};
use wuye_app::{App, AppError};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin/dispatch", get(page).post(save_settings))
        .route("/admin/dispatch/map", post(save_map))
        .route("/admin/dispatch/retrain", post(retrain))
}

pub struct MapRow {
    pub category: String,
    pub label: String,
    pub teams: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "admin/dispatch.html")]
struct DispatchPage {
    ctx: Ctx,
    settings: DispatchSettings,
    rows: Vec<MapRow>,
    stats: DispatchStats,
    models: Vec<(ModelVersion, String)>,
    message: Option<String>,
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{x}%")).unwrap_or_else(|| "—".into())
}

impl DispatchPage {
    fn accuracy(&self) -> String {
        pct(self.stats.live_accuracy)
    }
    fn manual(&self) -> String {
        pct(self.stats.manual_intervention_rate)
    }
}

async fn show(app: &App, v: &Viewer, message: Option<String>) -> Response {
    let t = Texts::of(v.lang);
    let load = async {
        let settings = app.dispatch_settings(v.actor.company_id).await?;
        let map: Vec<CategoryTeam> = app.category_teams(&v.actor).await?;
        let teams = app.list_teams(&v.actor).await?;
        let stats = app.dispatch_stats(&v.actor, 30).await?;
        let models = app.model_versions(&v.actor).await?;
        Ok::<_, AppError>((settings, map, teams, stats, models))
    };
    let (settings, map, teams, stats, models) = match load.await {
        Ok(x) => x,
        Err(e) => return error_page(v, &e),
    };
    let rows = map
        .into_iter()
        .map(|m| MapRow {
            label: category_label(v.lang, &m.category),
            teams: teams
                .iter()
                .map(|tm| Choice {
                    value: tm.id.0.to_string(),
                    label: tm.name.clone(),
                    selected: tm.id.0 == m.team_id,
                })
                .collect(),
            category: m.category,
        })
        .collect();
    let models = models
        .into_iter()
        .map(|m| {
            let when = super::fmt::local_time(&m.created_at);
            (m, when)
        })
        .collect();
    render(&DispatchPage {
        ctx: Ctx::new(v, t.dispatch_title, "/admin"),
        settings,
        rows,
        stats,
        models,
        message,
    })
}

async fn page(State(app): State<App>, v: Viewer) -> Response {
    show(&app, &v, None).await
}

async fn save_settings(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let s = DispatchSettings {
        threshold: f
            .get("threshold")
            .and_then(|x| x.trim().parse().ok())
            .unwrap_or(-1.0),
        capacity: f
            .get("capacity")
            .and_then(|x| x.trim().parse().ok())
            .unwrap_or(0),
        enabled: f.contains_key("enabled"),
    };
    match app.set_dispatch_settings(&v.actor, &s).await {
        Ok(_) => Redirect::to("/admin/dispatch").into_response(),
        Err(e) => show(&app, &v, Some(e.public().message(v.lang).to_string())).await,
    }
}

async fn save_map(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let input = CategoryTeam {
        category: f.get("category").cloned().unwrap_or_default(),
        team_id: f.get("team_id").and_then(|x| x.parse().ok()).unwrap_or(0),
        team_name: None,
    };
    match app.set_category_team(&v.actor, &input).await {
        Ok(_) => Redirect::to("/admin/dispatch").into_response(),
        Err(e) => show(&app, &v, Some(e.public().message(v.lang).to_string())).await,
    }
}

async fn retrain(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Response {
    let msg = match app.retrain_for(&v.actor).await {
        Ok(m) => format!("v{}：{}", m.id, m.metrics["accuracy"]),
        Err(e) => e.public().message(v.lang).to_string(),
    };
    show(&app, &v, Some(msg)).await
}
