//! Setup pages for admins and managers: communities, buildings and homes,
//! residents, staff, teams, SLA policies, and CSV import with the
//! line-by-line report.

use super::i18n::Texts;
use super::resident::Choice;
use super::session::{CsrfForm, Viewer, csrf_ok};
use super::{Ctx, UiQuery, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use wuye_app::accounts::AccountInput;
use wuye_app::directory::communities::CommunityInput;
use wuye_app::directory::property::{HomeQuery, NameInput};
use wuye_app::directory::residents::{HomeLink, ResidentInput, ResidentQuery};
use wuye_app::directory::staff::{StaffInput, StaffQuery};
use wuye_app::directory::teams::TeamPatch;
use wuye_app::import::ImportReport;
use wuye_app::page::PageParams;
use wuye_app::{App, AppError};
use wuye_domain::ids::*;
use wuye_domain::values::mask_phone;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/admin", get(index))
        .route("/admin/communities", post(create_community))
        .route("/admin/communities/{id}", get(community))
        .route("/admin/communities/{id}/buildings", post(create_building))
        .route("/admin/residents", get(residents).post(create_resident))
        .route("/admin/staff", get(staff).post(create_staff))
        .route("/admin/teams", get(teams))
        .route("/admin/teams/{id}/mode", post(team_mode))
        .route("/admin/sla", get(sla))
        .route("/admin/sla/recompute", post(recompute))
        .route("/admin/sla/{id}", post(sla_targets))
        .route("/admin/import", post(import))
}

fn flash_error(e: &AppError, v: &Viewer) -> String {
    e.public().message(v.lang).to_string()
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    ctx: Ctx,
    communities: Vec<(i64, String, String)>,
    report: Option<ImportReport>,
    error: Option<String>,
}

async fn index_page(
    app: &App,
    v: &Viewer,
    report: Option<ImportReport>,
    error: Option<String>,
) -> Response {
    let t = Texts::of(v.lang);
    match app.list_communities(&v.actor).await {
        Ok(cs) => render(&IndexPage {
            ctx: Ctx::new(v, t.admin_title, "/admin"),
            communities: cs
                .into_iter()
                .map(|c| (c.id.0, c.name, c.address))
                .collect(),
            report,
            error,
        }),
        Err(e) => error_page(v, &e),
    }
}

async fn index(State(app): State<App>, v: Viewer) -> Response {
    index_page(&app, &v, None, None).await
}

async fn create_community(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let input = CommunityInput {
        name: f.get("name").cloned().unwrap_or_default(),
        address: f.get("address").cloned(),
    };
    match app.create_community(&v.actor, &input).await {
        Ok(c) => Redirect::to(&format!("/admin/communities/{}", c.id)).into_response(),
        Err(e) => index_page(&app, &v, None, Some(flash_error(&e, &v))).await,
    }
}

#[derive(Template)]
#[template(path = "admin/community.html")]
struct CommunityPage {
    ctx: Ctx,
    id: i64,
    name: String,
    buildings: Vec<String>,
    homes: Vec<(String, String, String)>,
    q: String,
    next: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    after: Option<String>,
}

async fn community_page(
    app: &App,
    v: &Viewer,
    id: i64,
    q: ListQuery,
    error: Option<String>,
) -> Response {
    let m = match app.get_community(&v.actor, CommunityId(id)).await {
        Ok(m) => m,
        Err(e) => return error_page(v, &e),
    };
    let buildings = app.list_buildings(&v.actor, m.id).await.unwrap_or_default();
    let hq = HomeQuery {
        community_id: Some(id),
        q: q.q.clone(),
        ..Default::default()
    };
    let homes = app
        .list_homes(
            &v.actor,
            &hq,
            &PageParams {
                after: q.after.clone(),
                limit: Some(50),
            },
        )
        .await
        .unwrap_or(wuye_app::page::Page {
            items: vec![],
            next: None,
        });
    render(&CommunityPage {
        ctx: Ctx::new(v, m.name.clone(), "/admin"),
        id,
        name: m.name,
        buildings: buildings.into_iter().map(|b| b.name).collect(),
        homes: homes
            .items
            .into_iter()
            .map(|h| {
                (
                    h.label,
                    h.floor.map(|f| f.to_string()).unwrap_or_default(),
                    h.area.unwrap_or_default(),
                )
            })
            .collect(),
        q: q.q.unwrap_or_default(),
        next: homes.next,
        error,
    })
}

async fn community(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    UiQuery(q): UiQuery<ListQuery>,
) -> Response {
    community_page(&app, &v, id, q, None).await
}

async fn create_building(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let input = NameInput {
        name: f.get("name").cloned().unwrap_or_default(),
    };
    match app.create_building(&v.actor, CommunityId(id), &input).await {
        Ok(_) => Redirect::to(&format!("/admin/communities/{id}")).into_response(),
        Err(e) => {
            community_page(
                &app,
                &v,
                id,
                ListQuery::default(),
                Some(flash_error(&e, &v)),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "admin/residents.html")]
struct ResidentsPage {
    ctx: Ctx,
    rows: Vec<(i64, String, String, String)>,
    q: String,
    next: Option<String>,
    error: Option<String>,
}

async fn residents_page(app: &App, v: &Viewer, q: ListQuery, error: Option<String>) -> Response {
    let t = Texts::of(v.lang);
    let rq = ResidentQuery {
        q: q.q.clone(),
        home_id: None,
    };
    match app
        .list_residents(
            &v.actor,
            &rq,
            &PageParams {
                after: q.after,
                limit: Some(50),
            },
        )
        .await
    {
        Ok(p) => render(&ResidentsPage {
            ctx: Ctx::new(v, t.residents, "/admin"),
            rows: p
                .items
                .into_iter()
                .map(|r| {
                    let homes = r
                        .homes
                        .iter()
                        .map(|h| h.label.clone())
                        .collect::<Vec<_>>()
                        .join("、");
                    (r.id.0, r.name, mask_phone(&r.phone), homes)
                })
                .collect(),
            q: q.q.unwrap_or_default(),
            next: p.next,
            error,
        }),
        Err(e) => error_page(v, &e),
    }
}

async fn residents(State(app): State<App>, v: Viewer, UiQuery(q): UiQuery<ListQuery>) -> Response {
    residents_page(&app, &v, q, None).await
}

/// A resident, optionally linked to a home found by its label (3栋2单元1202).
async fn create_resident(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let mut homes = Vec::new();
    if let Some(label) = f.get("home").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let hq = HomeQuery {
            q: Some(label.to_string()),
            ..Default::default()
        };
        match app
            .list_homes(
                &v.actor,
                &hq,
                &PageParams {
                    after: None,
                    limit: Some(2),
                },
            )
            .await
        {
            Ok(p) if p.items.len() == 1 => homes.push(HomeLink {
                home_id: p.items[0].id.0,
                relation: f.get("relation").cloned().unwrap_or_else(|| "owner".into()),
            }),
            Ok(_) => {
                let msg = match v.lang {
                    wuye_domain::Lang::Zh => {
                        format!("没有唯一匹配“{label}”的房屋，请写完整，如 3栋2单元1202")
                    }
                    wuye_domain::Lang::En => format!(
                        "No single home matches “{label}”; write it in full, e.g. 3栋2单元1202"
                    ),
                };
                return residents_page(&app, &v, ListQuery::default(), Some(msg)).await;
            }
            Err(e) => {
                return residents_page(&app, &v, ListQuery::default(), Some(flash_error(&e, &v)))
                    .await;
            }
        }
    }
    let input = ResidentInput {
        name: f.get("name").cloned().unwrap_or_default(),
        phone: f.get("phone").cloned().unwrap_or_default(),
        homes,
    };
    match app.create_resident(&v.actor, &input).await {
        Ok(_) => Redirect::to("/admin/residents").into_response(),
        Err(e) => residents_page(&app, &v, ListQuery::default(), Some(flash_error(&e, &v))).await,
    }
}

#[derive(Template)]
#[template(path = "admin/staff.html")]
struct StaffPage {
    ctx: Ctx,
    rows: Vec<(String, String, String, bool)>,
    roles: Vec<Choice>,
    communities: Vec<Choice>,
    error: Option<String>,
}

async fn staff_page(app: &App, v: &Viewer, error: Option<String>) -> Response {
    let t = Texts::of(v.lang);
    let list = match app
        .list_staff(
            &v.actor,
            &StaffQuery::default(),
            &PageParams {
                after: None,
                limit: Some(200),
            },
        )
        .await
    {
        Ok(p) => p.items,
        Err(e) => return error_page(v, &e),
    };
    let roles = wuye_domain::access::Role::STAFF
        .iter()
        .map(|r| Choice {
            value: r.code().into(),
            label: r.label_zh().into(),
            selected: false,
        })
        .collect();
    let communities = app
        .list_communities(&v.actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| Choice {
            value: c.id.0.to_string(),
            label: c.name,
            selected: false,
        })
        .collect();
    render(&StaffPage {
        ctx: Ctx::new(v, t.staff, "/admin"),
        rows: list
            .into_iter()
            .map(|s| {
                let roles = s
                    .roles
                    .iter()
                    .map(|r| r.label_zh())
                    .collect::<Vec<_>>()
                    .join("、");
                (s.name, mask_phone(&s.phone), roles, s.active)
            })
            .collect(),
        roles,
        communities,
        error,
    })
}

async fn staff(State(app): State<App>, v: Viewer) -> Response {
    staff_page(&app, &v, None).await
}

async fn create_staff(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let one = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let many = |k: &str| {
        f.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let username = one("username");
    let input = StaffInput {
        name: one("name"),
        phone: one("phone"),
        roles: many("roles"),
        community_ids: many("communities")
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect(),
        working_hours: None,
        account: (!username.trim().is_empty()).then(|| AccountInput {
            username: Some(username),
            password: one("password"),
        }),
    };
    match app.create_staff(&v.actor, &input).await {
        Ok(_) => Redirect::to("/admin/staff").into_response(),
        Err(e) => staff_page(&app, &v, Some(flash_error(&e, &v))).await,
    }
}

#[derive(Template)]
#[template(path = "admin/teams.html")]
struct TeamsPage {
    ctx: Ctx,
    teams: Vec<wuye_domain::directory::Team>,
    error: Option<String>,
}

async fn teams_page(app: &App, v: &Viewer, error: Option<String>) -> Response {
    let t = Texts::of(v.lang);
    match app.list_teams(&v.actor).await {
        Ok(teams) => render(&TeamsPage {
            ctx: Ctx::new(v, t.teams, "/admin"),
            teams,
            error,
        }),
        Err(e) => error_page(v, &e),
    }
}

async fn teams(State(app): State<App>, v: Viewer) -> Response {
    teams_page(&app, &v, None).await
}

async fn team_mode(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let patch = TeamPatch {
        dispatch_mode: f.get("mode").cloned(),
        ..Default::default()
    };
    match app.update_team(&v.actor, TeamId(id), &patch).await {
        Ok(_) => Redirect::to("/admin/teams").into_response(),
        Err(e) => teams_page(&app, &v, Some(flash_error(&e, &v))).await,
    }
}

#[derive(Template)]
#[template(path = "admin/sla.html")]
struct SlaPage {
    ctx: Ctx,
    policies: Vec<wuye_app::sla::admin::PolicyView>,
    message: Option<String>,
}

async fn sla_page(app: &App, v: &Viewer, message: Option<String>) -> Response {
    let t = Texts::of(v.lang);
    match app.list_policies(&v.actor).await {
        Ok(policies) => render(&SlaPage {
            ctx: Ctx::new(v, t.sla_policies, "/admin"),
            policies,
            message,
        }),
        Err(e) => error_page(v, &e),
    }
}

async fn sla(State(app): State<App>, v: Viewer) -> Response {
    sla_page(&app, &v, None).await
}

/// Changes a policy's targets (minutes; empty = none).
async fn sla_targets(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let policies = match app.list_policies(&v.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&v, &e),
    };
    let Some(mut spec) = policies.into_iter().find(|p| p.id == id).map(|p| p.spec) else {
        return error_page(
            &v,
            &AppError::Coded(wuye_domain::Error::not_found("时限策略", "SLA policy")),
        );
    };
    let minutes = |k: &str| f.get(k).and_then(|s| s.trim().parse::<i64>().ok());
    spec.response_minutes = minutes("response");
    spec.resolution_minutes = minutes("resolution");
    if let Some(w) = minutes("warn") {
        spec.warn_percent = w;
    }
    let msg = match app.update_policy(&v.actor, id, &spec).await {
        Ok(_) => None,
        Err(e) => Some(flash_error(&e, &v)),
    };
    if msg.is_none() {
        return Redirect::to("/admin/sla").into_response();
    }
    sla_page(&app, &v, msg).await
}

async fn recompute(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Response {
    let msg = match app.recompute_sla(&v.actor).await {
        Ok(r) => match v.lang {
            wuye_domain::Lang::Zh => format!("已重新计算 {} 张未完结工单的时限", r.orders),
            wuye_domain::Lang::En => format!("Recomputed the clocks of {} open orders", r.orders),
        },
        Err(e) => flash_error(&e, &v),
    };
    sla_page(&app, &v, Some(msg)).await
}

/// CSV import from the setup page (multipart: `kind` = homes | residents, `file`).
async fn import(State(app): State<App>, v: Viewer, mut mp: Multipart) -> Response {
    let (mut kind, mut csrf, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Ok(Some(f)) = mp.next_field().await {
        match f.name().unwrap_or_default() {
            "kind" => kind = f.text().await.unwrap_or_default(),
            "_csrf" => csrf = f.text().await.unwrap_or_default(),
            "file" => bytes = f.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            _ => {}
        }
    }
    if !csrf_ok(&v, &csrf) {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "表单已过期，请刷新页面 / The form expired; reload the page",
        )
            .into_response();
    }
    let r = if kind == "residents" {
        app.import_residents(&v.actor, &bytes).await
    } else {
        app.import_homes(&v.actor, &bytes).await
    };
    match r {
        Ok(report) => index_page(&app, &v, Some(report), None).await,
        Err(e) => index_page(&app, &v, None, Some(flash_error(&e, &v))).await,
    }
}
