//! Work-order steps beyond the plain loop, through the API: a transfer, a
//! dispute and its ruling; the grab pool; answering and cancelling; the
//! resident's acceptance given automatically after three days.

use crate::backend_tests;
use crate::common::{TestApp, code};
use crate::orders::{create, step};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;

backend_tests!(
    transfer_dispute_and_ruling,
    grab_pool,
    answer_and_cancel,
    auto_accept_after_three_days,
);

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
