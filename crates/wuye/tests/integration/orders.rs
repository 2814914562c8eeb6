//! Work orders through the API: the whole loop, refused steps, who may see
//! what, comments and internal notes, bad input. Transfers, the grab pool,
//! answers and cancellation are in `order_steps.rs`; duplicates, repeats
//! and search in `order_finding.rs`.

use crate::backend_tests;
use crate::common::{Client, TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(
    the_whole_loop,
    invalid_steps_name_the_state,
    visibility_follows_roles_and_scope,
    comments_and_internal_notes,
    bad_input_is_refused,
);

pub async fn create(c: &Client, body: Value) -> Value {
    let (s, v) = c.post("/api/v1/orders", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

/// The order ids of a list answer, in its order.
pub fn list_ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

/// Every order of a list, one order a page, following `next` cursors from
/// `url` (a list URL with its query) until the last page.
pub async fn walk_one_by_one(c: &Client, url: &str) -> Vec<i64> {
    let mut walked = vec![];
    let mut page = format!("{url}&limit=1");
    loop {
        let (s, p) = c.get(&page).await;
        assert_eq!(s, StatusCode::OK, "{page} → {p}");
        walked.extend(list_ids(&p));
        match p["next"].as_str() {
            Some(next) => page = format!("{url}&limit=1&after={next}"),
            None => return walked,
        }
    }
}

pub async fn step(c: &Client, id: i64, body: Value) -> Value {
    let (s, v) = c
        .post(&format!("/api/v1/orders/{id}/steps"), body.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{body} → {v}");
    v
}

pub fn actions(detail: &Value) -> Vec<String> {
    detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

async fn the_whole_loop(t: Arc<TestApp>) {
    let resident = t.login("13900000001").await;
    let agent = t.login("agent").await;
    let tech = t.login("tech").await;
    let created = create(&resident, json!({"kind": "repair", "text": "厨房水管漏水，地上全是水", "home_id": t.fx.home_a101.0, "category": "plumbing"})).await;
    let o = &created["order"];
    let id = o["id"].as_i64().unwrap();
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .strftime("%Y%m%d")
        .to_string();
    let number = o["number"].as_str().unwrap();
    assert!(
        number.starts_with(&format!("BX{today}")) && number.len() == 15,
        "{number}"
    );
    assert_eq!(
        (
            o["state"].as_str(),
            o["channel"].as_str(),
            o["priority"].as_str()
        ),
        (Some("received"), Some("app"), Some("regular"))
    );
    assert_eq!(o["place"]["label"], "翠湖花园 1栋1单元101");
    assert_eq!(o["contact_name"], "业主甲");
    assert!(
        o["owner_id"].is_null(),
        "a resident's own report has no owner until staff act"
    );

    let d = step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await;
    assert_eq!(d["order"]["state"], "dispatched");
    assert_eq!(
        d["order"]["owner_id"], t.fx.agent.0,
        "the first staff member to act owns it"
    );
    assert_eq!(d["order"]["assignee_name"], "刘师傅");
    step(&tech, id, json!({"action": "accept"})).await;
    step(&tech, id, json!({"action": "start"})).await;
    let (s, v) = tech
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "hold", "reason": "  "}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "reason_required")
    );
    step(
        &tech,
        id,
        json!({"action": "hold", "reason": "等配件：三角阀"}),
    )
    .await;
    step(&tech, id, json!({"action": "resume"})).await;
    let (s, v) = tech
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "finish", "note": ""}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "note_required")
    );
    let d = step(
        &tech,
        id,
        json!({"action": "finish", "note": "更换三角阀，已试水"}),
    )
    .await;
    assert_eq!(d["order"]["state"], "awaiting_acceptance");
    assert!(d["order"]["auto_accept_at"].is_string());
    // The resident is not satisfied: rework.
    let d = step(
        &resident,
        id,
        json!({"action": "reject", "reason": "还在滴水"}),
    )
    .await;
    assert_eq!(
        (
            d["order"]["state"].as_str(),
            d["order"]["reopen_count"].as_i64()
        ),
        (Some("in_progress"), Some(1))
    );
    step(
        &tech,
        id,
        json!({"action": "finish", "note": "重新缠生料带，不滴了"}),
    )
    .await;
    let d = step(&resident, id, json!({"action": "confirm"})).await;
    assert_eq!(d["order"]["state"], "resolved");
    assert!(d["order"]["auto_accept_at"].is_null());
    // Rating, once.
    let (s, v) = resident
        .post(&format!("/api/v1/orders/{id}/rating"), json!({"stars": 6}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "rating_invalid")
    );
    let (s, d) = resident
        .post(
            &format!("/api/v1/orders/{id}/rating"),
            json!({"stars": 5, "comment": "师傅很专业"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["order"]["rating"], 5);
    let (s, v) = resident
        .post(&format!("/api/v1/orders/{id}/rating"), json!({"stars": 4}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "already_rated"));
    // Return visit closes it.
    let d = step(
        &agent,
        id,
        json!({"action": "return_visit", "outcome": "satisfied", "note": "业主表示满意"}),
    )
    .await;
    assert_eq!(d["order"]["state"], "closed");
    let (s, v) = agent
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "cancel", "reason": "x"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "order_is_closed"));
    // The timeline, in order; the handler log.
    assert_eq!(
        actions(&d),
        [
            "create",
            "dispatch",
            "accept",
            "start",
            "hold",
            "resume",
            "finish",
            "reject",
            "finish",
            "confirm",
            "rate",
            "return_visit"
        ]
    );
    let states: Vec<_> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["to_state"].as_str())
        .collect();
    assert_eq!(states.last(), Some(&"closed"));
    let h = &d["handlers"];
    assert_eq!(h[0]["staff_name"], "刘师傅");
    assert_eq!(h[0]["team_name"], "工程部·水电班");
    assert!(h[0]["ended_at"].is_string());
    assert_eq!(d["allowed_actions"], json!([]));
}

async fn invalid_steps_name_the_state(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let id = create(
        &agent,
        json!({"kind": "repair", "text": "楼道灯不亮", "building_id": t.fx.building_a.0}),
    )
    .await["order"]["id"]
        .as_i64()
        .unwrap();
    let (s, v) = agent
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "finish", "note": "好了"}),
        )
        .await;
    assert_eq!(
        (s, code(&v), v["error"]["field"].as_str()),
        (StatusCode::CONFLICT, "order_is_received", Some("state"))
    );
    assert!(v["error"]["message"].as_str().unwrap().contains("已受理"));
    let tech = t.login("tech").await;
    // Technicians do not dispatch; residents do not accept.
    let (s, _) = tech
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "dispatch", "team_id": t.fx.team_water.0}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a received order outside the tech's team is invisible to them"
    );
    step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await;
    // The team lead may re-assign within the team, but only the desk cancels.
    let (s, v) = tech
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "cancel", "reason": "不想修"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, v) = agent
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "fly"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "json_invalid"));
    // An assignee not in the team is refused.
    let (s, v) = agent
        .post(&format!("/api/v1/orders/{id}/steps"), json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.agent.0}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "assignee_not_in_team")
    );
}

async fn visibility_follows_roles_and_scope(t: Arc<TestApp>) {
    let res_a = t.login("13900000001").await;
    let id = create(
        &res_a,
        json!({"kind": "repair", "text": "卫生间下水道堵了", "home_id": t.fx.home_a101.0}),
    )
    .await["order"]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/orders/{id}");
    // Another resident, an agent of another community, a vendor of another team: no such order.
    for login in ["13900000002", "agent_b", "vendor"] {
        let c = t.login(login).await;
        assert_eq!(c.get(&path).await.0, StatusCode::NOT_FOUND, "{login}");
        let (_, list) = c.get("/api/v1/orders").await;
        assert!(
            !list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["id"] == id),
            "{login} lists it"
        );
    }
    // A resident cannot report for someone else's home.
    let (s, v) = res_a
        .post(
            "/api/v1/orders",
            json!({"kind": "repair", "text": "漏水", "home_id": t.fx.home_a102.0}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::NOT_FOUND, Some("home_id"))
    );
    // The desk sees it with the phone masked in lists, in full on the page.
    let agent = t.login("agent").await;
    let (_, list) = agent.get("/api/v1/orders").await;
    let row = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(row["contact_phone"], "139****0001");
    let (_, d) = agent.get(&path).await;
    assert_eq!(d["order"]["contact_phone"], "13900000001");
    // The technician sees it once it is with their team.
    let tech = t.login("tech").await;
    assert_eq!(tech.get(&path).await.0, StatusCode::NOT_FOUND);
    step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0}),
    )
    .await;
    assert_eq!(tech.get(&path).await.0, StatusCode::OK);
    let (_, team) = tech.get("/api/v1/orders?queue=team").await;
    assert!(
        team["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == id)
    );
}

async fn comments_and_internal_notes(t: Arc<TestApp>) {
    let resident = t.login("13900000001").await;
    let agent = t.login("agent").await;
    let id = create(
        &resident,
        json!({"kind": "complaint", "text": "保安态度很差", "home_id": t.fx.home_a101.0}),
    )
    .await["order"]["id"]
        .as_i64()
        .unwrap();
    let (s, _) = resident
        .post(
            &format!("/api/v1/orders/{id}/comments"),
            json!({"text": "昨晚十点的事"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = resident
        .post(
            &format!("/api/v1/orders/{id}/comments"),
            json!({"text": "悄悄话", "internal": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = agent
        .post(
            &format!("/api/v1/orders/{id}/comments"),
            json!({"text": "该业主曾多次投诉，注意沟通方式", "internal": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, mine) = resident.get(&format!("/api/v1/orders/{id}")).await;
    let notes: Vec<_> = mine["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["note"].as_str())
        .collect();
    assert!(notes.contains(&"昨晚十点的事"));
    assert!(
        !notes.iter().any(|n| n.contains("注意沟通方式")),
        "internal notes never reach residents"
    );
    let (_, staff) = agent.get(&format!("/api/v1/orders/{id}")).await;
    assert!(
        staff["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["internal"] == true)
    );
    let (s, v) = agent
        .post(
            &format!("/api/v1/orders/{id}/comments"),
            json!({"text": "   "}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "text_empty")
    );
}

async fn bad_input_is_refused(t: Arc<TestApp>) {
    let resident = t.login("13900000001").await;
    let agent = t.login("agent").await;
    let home = t.fx.home_a101.0;
    for (body, status, expected) in [
        (
            json!({"kind": "repair", "text": "", "home_id": home}),
            422,
            "text_empty",
        ),
        (
            json!({"kind": "repair", "text": " \n\t ", "home_id": home}),
            422,
            "text_empty",
        ),
        (
            json!({"kind": "repair", "text": "漏".repeat(2001), "home_id": home}),
            422,
            "text_too_long",
        ),
        (
            json!({"kind": "fix", "text": "漏水", "home_id": home}),
            422,
            "kind_invalid",
        ),
        (
            json!({"kind": "repair", "text": "漏水", "home_id": home, "grade": "a"}),
            422,
            "grade_only_for_complaints",
        ),
        (
            json!({"kind": "repair", "text": "漏水", "home_id": home, "category": "magic"}),
            422,
            "category_invalid",
        ),
        (
            json!({"kind": "repair", "text": "漏水"}),
            422,
            "place_missing",
        ),
        (
            json!({"kind": "repair", "text": "漏水", "home_id": t.fx.home_b201.0}),
            404,
            "not_found",
        ),
        (
            json!({"kind": "repair", "text": "漏水", "home_id": home, "photo_ids": ["abc"]}),
            422,
            "photo_unknown",
        ),
        (
            json!({"kind": "repair", "text": "漏水", "home_id": home, "team_id": t.fx.team_water.0}),
            403,
            "forbidden",
        ),
        (
            json!({"kind": "repair", "text": "漏水", "home_id": home, "contact_phone": "123"}),
            422,
            "phone_invalid",
        ),
    ] {
        let (s, v) = resident.post("/api/v1/orders", body.clone()).await;
        assert_eq!((s.as_u16(), code(&v)), (status, expected), "{body}: {v}");
    }
    let (s, v) = agent.post("/api/v1/orders", json!({"kind": "repair", "text": "漏水", "community_id": t.fx.b.0, "place_kind": "grounds"})).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::NOT_FOUND, "not_found"),
        "another community's grounds"
    );
    // Nothing half-written: no order exists after all those refusals.
    let (_, list) = agent.get("/api/v1/orders").await;
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    let id = create(
        &resident,
        json!({"kind": "repair", "text": "漏水", "home_id": home}),
    )
    .await["order"]["id"]
        .as_i64()
        .unwrap();
    let (s, v) = resident
        .post(&format!("/api/v1/orders/{id}/rating"), json!({"stars": 5}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "order_is_received"));
    let (s, v) = agent
        .post(&format!("/api/v1/orders/{id}/rating"), json!({"stars": 5}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::FORBIDDEN, "only_reporter_rates")
    );
}
