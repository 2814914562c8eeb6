//! Work orders through the API: the whole loop, every kind of step, who may
//! take them, duplicates, repeats, search, comments and ratings.

use crate::backend_tests;
use crate::common::{Client, TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(
    the_whole_loop,
    invalid_steps_name_the_state,
    visibility_follows_roles_and_scope,
    transfer_dispute_and_ruling,
    grab_pool,
    answer_and_cancel,
    auto_accept_after_three_days,
    duplicates_are_offered_and_merged,
    repeat_repairs_are_marked,
    search_filters_and_pages,
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

fn actions(detail: &Value) -> Vec<String> {
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

async fn transfer_dispute_and_ruling(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let vendor = t.login("vendor").await;
    let supervisor = t.login("supervisor").await;
    let id = create(&agent, json!({"kind": "complaint", "text": "楼道里的垃圾三天没人清了", "building_id": t.fx.building_a.0, "grade": "b"}))
        .await["order"]["id"]
        .as_i64()
        .unwrap();
    step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0}),
    )
    .await;
    let (s, v) = agent
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "transfer", "team_id": t.fx.team_cleaning.0}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = agent
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "transfer", "team_id": t.fx.team_water.0, "reason": "x"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "transfer_same_team")
    );
    let d = step(
        &agent,
        id,
        json!({"action": "transfer", "team_id": t.fx.team_cleaning.0, "reason": "属于保洁"}),
    )
    .await;
    assert_eq!(
        (
            d["order"]["team_id"].as_i64(),
            d["order"]["transfer_count"].as_i64()
        ),
        (Some(t.fx.team_cleaning.0), Some(1))
    );
    // The cleaning vendor's lead rejects responsibility.
    let d = step(
        &vendor,
        id,
        json!({"action": "dispute", "reason": "这是装修垃圾，不归保洁"}),
    )
    .await;
    assert_eq!(d["order"]["state"], "disputed");
    // Agents do not rule; supervisors do, and the ruling is recorded.
    let (s, _) = agent
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "rule", "team_id": t.fx.team_cleaning.0, "note": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let d = step(&supervisor, id, json!({"action": "rule", "team_id": t.fx.team_cleaning.0, "note": "公共区域垃圾由保洁清运"})).await;
    assert_eq!(
        (
            d["order"]["state"].as_str(),
            d["order"]["dispute_count"].as_i64()
        ),
        (Some("dispatched"), Some(1))
    );
    let ruling = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "rule")
        .unwrap();
    assert_eq!(ruling["note"], "公共区域垃圾由保洁清运");
    assert_eq!(ruling["actor_name"], "李主管");
    assert_eq!(d["order"]["grade"], "b");
}

async fn grab_pool(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    admin
        .patch(
            &format!("/api/v1/teams/{}", t.fx.team_cleaning.0),
            json!({"dispatch_mode": "grab"}),
        )
        .await;
    let agent = t.login("agent").await;
    let id = create(&agent, json!({"kind": "repair", "text": "电梯里有呕吐物", "building_id": t.fx.building_a.0, "category": "cleaning"}))
        .await["order"]["id"]
        .as_i64()
        .unwrap();
    let vendor = t.login("vendor").await;
    let (s, v) = vendor
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "grab"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "not in the vendor's team yet: {v}"
    );
    step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_cleaning.0}),
    )
    .await;
    let (_, pool) = vendor.get("/api/v1/orders?queue=pool").await;
    assert!(
        pool["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == id),
        "{pool}"
    );
    let d = step(&vendor, id, json!({"action": "grab"})).await;
    assert_eq!(
        (
            d["order"]["state"].as_str(),
            d["order"]["assignee_id"].as_i64()
        ),
        (Some("accepted"), Some(t.fx.vendor.0))
    );
    let (s, v) = vendor
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "grab"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "order_is_accepted"));
    // A team in auto mode has no pool.
    let id2 = create(
        &agent,
        json!({"kind": "repair", "text": "水管漏", "building_id": t.fx.building_a.0}),
    )
    .await["order"]["id"]
        .as_i64()
        .unwrap();
    step(
        &agent,
        id2,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0}),
    )
    .await;
    let tech = t.login("tech").await;
    let (s, v) = tech
        .post(
            &format!("/api/v1/orders/{id2}/steps"),
            json!({"action": "grab"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "not_in_pool"));
}

async fn answer_and_cancel(t: Arc<TestApp>) {
    let resident = t.login("13900000001").await;
    let agent = t.login("agent").await;
    let q = create(&resident, json!({"kind": "consultation", "text": "物业费可以开发票吗？", "home_id": t.fx.home_a101.0}))
        .await["order"]
        .clone();
    assert_eq!(
        (
            q["priority"].as_str(),
            q["number"].as_str().unwrap().starts_with("ZX")
        ),
        (Some("consult"), true)
    );
    let d = step(
        &agent,
        q["id"].as_i64().unwrap(),
        json!({"action": "answer", "note": "可以，在小程序“缴费记录”里申请电子发票"}),
    )
    .await;
    assert_eq!(d["order"]["state"], "resolved");
    // A low rating schedules a return visit.
    let qid = q["id"].as_i64().unwrap();
    let (s, d) = resident
        .post(
            &format!("/api/v1/orders/{qid}/rating"),
            json!({"stars": 2, "comment": "答复太慢"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(
        (
            d["order"]["return_visit_due"].as_bool(),
            d["order"]["return_visit_reason"].as_str()
        ),
        (Some(true), Some("low_rating"))
    );
    let (_, visits) = agent.get("/api/v1/orders?queue=return_visits").await;
    assert!(
        visits["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == qid),
        "{visits}"
    );
    let d = step(
        &agent,
        qid,
        json!({"action": "return_visit", "outcome": "unsatisfied", "note": "已致歉并说明开票流程"}),
    )
    .await;
    assert_eq!(
        (
            d["order"]["state"].as_str(),
            d["order"]["return_visit_due"].as_bool()
        ),
        (Some("closed"), Some(false))
    );
    let r = create(
        &resident,
        json!({"kind": "repair", "text": "门铃坏了", "home_id": t.fx.home_a101.0}),
    )
    .await["order"]["id"]
        .as_i64()
        .unwrap();
    let (s, v) = agent
        .post(
            &format!("/api/v1/orders/{r}/steps"),
            json!({"action": "answer", "note": "自己修"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "answer_not_for_repairs")
    );
    let d = step(
        &resident,
        r,
        json!({"action": "cancel", "reason": "已经自己修好了"}),
    )
    .await;
    assert_eq!(d["order"]["state"], "cancelled");
    // Once work started, only the desk cancels.
    let r2 = create(
        &resident,
        json!({"kind": "repair", "text": "插座没电", "home_id": t.fx.home_a101.0}),
    )
    .await["order"]["id"]
        .as_i64()
        .unwrap();
    step(
        &agent,
        r2,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await;
    let tech = t.login("tech").await;
    step(&tech, r2, json!({"action": "accept"})).await;
    let (s, _) = resident
        .post(
            &format!("/api/v1/orders/{r2}/steps"),
            json!({"action": "cancel", "reason": "不修了"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    step(
        &agent,
        r2,
        json!({"action": "cancel", "reason": "业主来电取消"}),
    )
    .await;
}

async fn auto_accept_after_three_days(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let tech = t.login("tech").await;
    let id = create(&agent, json!({"kind": "repair", "text": "阳台灯坏了", "home_id": t.fx.home_a101.0, "resident_id": t.fx.res_a.0,
        "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}))
        .await["order"]["id"]
        .as_i64()
        .unwrap();
    step(&tech, id, json!({"action": "accept"})).await;
    step(&tech, id, json!({"action": "start"})).await;
    step(&tech, id, json!({"action": "finish", "note": "换了灯泡"})).await;
    assert_eq!(t.app.run_auto_accept().await.unwrap(), 0, "not yet");
    t.clock.advance_hours(71);
    assert_eq!(
        t.app.run_auto_accept().await.unwrap(),
        0,
        "not yet after 71 h"
    );
    t.clock.advance_hours(2);
    assert_eq!(t.app.run_auto_accept().await.unwrap(), 1);
    let (_, d) = agent.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(d["order"]["state"], "resolved");
    let last = d["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["actor_kind"].as_str()),
        (Some("auto_accept"), Some("system"))
    );
    assert_eq!(t.app.run_auto_accept().await.unwrap(), 0, "exactly once");
}

async fn duplicates_are_offered_and_merged(t: Arc<TestApp>) {
    let res_a = t.login("13900000001").await;
    let agent = t.login("agent").await;
    let first = create(
        &res_a,
        json!({"kind": "repair", "text": "厨房水管漏水", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let first_id = first["order"]["id"].as_i64().unwrap();
    assert!(first["duplicates"].as_array().unwrap().is_empty());
    let body = json!({"kind": "repair", "text": "我家厨房的水管在漏水！！", "home_id": t.fx.home_a101.0, "resident_id": t.fx.res_a2.0});
    // Shown before saving …
    let (s, cands) = agent.post("/api/v1/orders/duplicates", body.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cands[0]["id"], first_id, "{cands}");
    // … and with the new order.
    let second = create(&agent, body).await;
    assert_eq!(second["duplicates"][0]["id"], first_id);
    let second_id = second["order"]["id"].as_i64().unwrap();
    // A different problem at the same home is no duplicate.
    let (_, none) = agent
        .post(
            "/api/v1/orders/duplicates",
            json!({"kind": "complaint", "text": "楼上装修太吵", "home_id": t.fx.home_a101.0}),
        )
        .await;
    assert!(none.as_array().unwrap().is_empty(), "{none}");
    // Merge: the duplicate closes, its reporter follows the survivor.
    let (s, v) = agent
        .post(
            &format!("/api/v1/orders/{second_id}/steps"),
            json!({"action": "merge", "into": second_id}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "merge_into_self")
    );
    let d = step(
        &agent,
        second_id,
        json!({"action": "merge", "into": first_id}),
    )
    .await;
    assert_eq!(
        (
            d["order"]["state"].as_str(),
            d["order"]["merged_into"].as_i64()
        ),
        (Some("merged"), Some(first_id))
    );
    let (_, survivor) = agent.get(&format!("/api/v1/orders/{first_id}")).await;
    assert_eq!(survivor["followers"][0]["resident_id"], t.fx.res_a2.0);
    assert!(actions(&survivor).contains(&"merged_in".to_string()));
    let res_a2 = t.login("13900000002").await;
    assert_eq!(
        res_a2.get(&format!("/api/v1/orders/{first_id}")).await.0,
        StatusCode::OK,
        "followers see the survivor"
    );
}

async fn repeat_repairs_are_marked(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let tech = t.login("tech").await;
    let resident = t.login("13900000001").await;
    let base = json!({"kind": "repair", "text": "马桶漏水", "home_id": t.fx.home_a101.0, "category": "plumbing",
        "resident_id": t.fx.res_a.0, "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0});
    let first = create(&agent, base.clone()).await["order"]["id"]
        .as_i64()
        .unwrap();
    for s in ["accept", "start"] {
        step(&tech, first, json!({"action": s})).await;
    }
    step(
        &tech,
        first,
        json!({"action": "finish", "note": "换了密封圈"}),
    )
    .await;
    step(&resident, first, json!({"action": "confirm"})).await;
    let second = create(&agent, json!({"kind": "repair", "text": "马桶又漏了", "home_id": t.fx.home_a101.0, "category": "plumbing"})).await;
    assert_eq!(second["order"]["repeat_of"], first);
    let other = create(&agent, json!({"kind": "repair", "text": "灯坏了", "home_id": t.fx.home_a101.0, "category": "electrical"})).await;
    assert!(other["order"]["repeat_of"].is_null());
    let (_, d) = agent.get(&format!("/api/v1/orders/{first}")).await;
    assert_eq!(d["repeated_by"][0]["id"], second["order"]["id"]);
    // A second complaint about the same home within 30 days repeats the first.
    let c1 = create(
        &agent,
        json!({"kind": "complaint", "text": "楼上太吵", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let c2 = create(
        &agent,
        json!({"kind": "complaint", "text": "楼上又在吵", "home_id": t.fx.home_a101.0}),
    )
    .await;
    assert_eq!(c2["order"]["repeat_of"], c1["order"]["id"]);
    let elsewhere = create(
        &agent,
        json!({"kind": "complaint", "text": "楼上太吵", "home_id": t.fx.home_a102.0}),
    )
    .await;
    assert!(elsewhere["order"]["repeat_of"].is_null());
}

async fn search_filters_and_pages(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let lift = create(&agent, json!({"kind": "repair", "text": "3栋电梯困人了", "building_id": t.fx.building_a.0, "priority": "urgent"})).await;
    let leak = create(
        &agent,
        json!({"kind": "repair", "text": "厨房水管漏水", "home_id": t.fx.home_a102.0}),
    )
    .await;
    let noise = create(
        &agent,
        json!({"kind": "complaint", "text": "楼上装修太吵", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let ids = list_ids;
    let id = |v: &Value| v["order"]["id"].as_i64().unwrap();
    let (_, r) = agent.get("/api/v1/orders?q=电梯").await;
    assert_eq!(ids(&r), vec![id(&lift)]);
    let (_, r) = agent.get("/api/v1/orders?q=漏水").await;
    assert_eq!(ids(&r), vec![id(&leak)]);
    let (_, r) = agent.get("/api/v1/orders?q=水管 漏水").await;
    assert_eq!(ids(&r), vec![id(&leak)]);
    let (_, r) = agent.get("/api/v1/orders?q=燃气").await;
    assert!(ids(&r).is_empty());
    let (_, r) = agent.get("/api/v1/orders?q=！！").await;
    assert!(ids(&r).is_empty());
    let number = leak["order"]["number"].as_str().unwrap();
    let (_, r) = agent
        .get(&format!("/api/v1/orders?number={}", number.to_lowercase()))
        .await;
    assert_eq!(ids(&r), vec![id(&leak)]);
    let (_, r) = agent
        .get(&format!("/api/v1/orders?q={}", number.to_lowercase()))
        .await;
    assert_eq!(ids(&r), vec![id(&leak)], "numbers are searchable");
    let (s, d) = agent
        .get(&format!("/api/v1/orders/by-number/{number}"))
        .await;
    assert_eq!(
        (s, d["order"]["id"].as_i64()),
        (StatusCode::OK, Some(id(&leak)))
    );
    let (_, r) = agent.get("/api/v1/orders?kind=complaint").await;
    assert_eq!(ids(&r), vec![id(&noise)]);
    let (_, r) = agent
        .get(&format!("/api/v1/orders?home_id={}", t.fx.home_a102.0))
        .await;
    assert_eq!(ids(&r), vec![id(&leak)]);
    let (_, r) = agent.get("/api/v1/orders?queue=new").await;
    assert_eq!(ids(&r).len(), 3);
    let (_, r) = agent
        .get("/api/v1/orders?state=received,dispatched&sort=deadline")
        .await;
    assert_eq!(ids(&r).len(), 3);
    // Keyset pages, newest first.
    let (_, p1) = agent.get("/api/v1/orders?limit=2").await;
    assert_eq!(ids(&p1), vec![id(&noise), id(&leak)]);
    let (_, p2) = agent
        .get(&format!(
            "/api/v1/orders?limit=2&after={}",
            p1["next"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&p2), vec![id(&lift)]);
    assert!(p2["next"].is_null());
    // Dates in the company's zone.
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    let (_, r) = agent
        .get(&format!("/api/v1/orders?from={today}&to={today}"))
        .await;
    assert_eq!(ids(&r).len(), 3);
    let (_, r) = agent
        .get(&format!("/api/v1/orders?to={}", today.yesterday().unwrap()))
        .await;
    assert!(ids(&r).is_empty());
    // With dates, pages go by creation time: one order a page walks the same
    // orders, newest first, as one page.
    let dated = format!("/api/v1/orders?from={today}&to={today}");
    let (_, one_page) = agent.get(&dated).await;
    let walked = walk_one_by_one(&agent, &dated).await;
    assert_eq!(walked, ids(&one_page));
    assert_eq!(walked, vec![id(&noise), id(&leak), id(&lift)]);
    let (s, v) = agent.get("/api/v1/orders?from=yesterday").await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "query_param_invalid")
    );
    let (s, v) = agent.get("/api/v1/orders?state=flying").await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "state_invalid")
    );
    // Search results page too, newest first, with the other filters applied.
    let leak2 = create(
        &agent,
        json!({"kind": "complaint", "text": "楼道天花板漏水没人管", "building_id": t.fx.building_a.0}),
    )
    .await;
    let (_, s1) = agent.get("/api/v1/orders?q=漏水&limit=1").await;
    assert_eq!(ids(&s1), vec![id(&leak2)]);
    let (_, s2) = agent
        .get(&format!(
            "/api/v1/orders?q=漏水&limit=1&after={}",
            s1["next"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&s2), vec![id(&leak)]);
    assert!(s2["next"].is_null(), "{s2}");
    let (_, r) = agent.get("/api/v1/orders?q=漏水&kind=repair").await;
    assert_eq!(ids(&r), vec![id(&leak)]);
    let (_, r) = agent.get("/api/v1/orders?q=漏水&sort=deadline").await;
    assert_eq!(ids(&r).len(), 2);
    // Deadline pages, one order each, walk the same order as one page: the
    // running deadlines first, earliest first, then the orders without one
    // (a cancelled order has none).
    step(
        &agent,
        id(&noise),
        json!({"action": "cancel", "reason": "业主撤回"}),
    )
    .await;
    let (_, all) = agent.get("/api/v1/orders?sort=deadline").await;
    let keys: Vec<(String, i64)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let due = o["next_deadline_at"].as_str().unwrap_or("~ none");
            (due.to_string(), o["id"].as_i64().unwrap())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "deadline order, none last");
    assert!(
        keys.first().is_some_and(|k| !k.0.starts_with('~')),
        "{keys:?}"
    );
    assert!(
        keys.last().is_some_and(|k| k.0.starts_with('~')),
        "{keys:?}"
    );
    let walked = walk_one_by_one(&agent, "/api/v1/orders?sort=deadline").await;
    assert_eq!(walked, ids(&all));
    assert_eq!(walked.len(), 4);
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
