//! Smart dispatch through the API: classification on create, the team from
//! the category, the person by load, grab pools, manual teams and the
//! dispatcher's queue, emergencies, corrections that teach, retraining.

use crate::backend_tests;
use crate::common::{Client, TestApp, code};
use crate::orders::{create, step};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(
    clear_requests_go_to_the_right_person,
    modes_pools_and_the_queue,
    emergencies_get_faster_clocks,
    corrections_are_learnt,
    classify_endpoint_and_bad_input,
);

const ALWAYS: &str = r#"{"mon":["00:00-24:00"],"tue":["00:00-24:00"],"wed":["00:00-24:00"],"thu":["00:00-24:00"],"fri":["00:00-24:00"],"sat":["00:00-24:00"],"sun":["00:00-24:00"]}"#;

/// Smart dispatch on, and the plumbers on duty around the clock.
async fn switch_on(t: &TestApp) -> Client {
    let admin = t.login("admin").await;
    let (s, v) = admin
        .put(
            "/api/v1/dispatch/settings",
            json!({"threshold": 0.6, "capacity": 8, "enabled": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let hours: Value = serde_json::from_str(ALWAYS).unwrap();
    let (s, v) = admin
        .patch(
            &format!("/api/v1/staff/{}", t.fx.tech.0),
            json!({"working_hours": hours}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    admin
}

async fn order(c: &Client, id: i64) -> Value {
    c.get(&format!("/api/v1/orders/{id}")).await.1
}

async fn clear_requests_go_to_the_right_person(t: Arc<TestApp>) {
    let admin = switch_on(&t).await;
    // A second plumber, on duty, with nothing to do.
    let hours: Value = serde_json::from_str(ALWAYS).unwrap();
    let (_, wang) = admin
        .post("/api/v1/staff", json!({"name": "王师傅", "phone": "13611112222", "roles": ["technician"], "community_ids": [t.fx.a.0], "working_hours": hours}))
        .await;
    let wang = wang["id"].as_i64().unwrap();
    admin
        .put(
            &format!("/api/v1/teams/{}/members/{wang}", t.fx.team_water.0),
            json!({"is_lead": false}),
        )
        .await;
    // 刘师傅 already holds an order.
    let agent = t.login("agent").await;
    create(&agent, json!({"kind": "repair", "text": "旧单", "home_id": t.fx.home_a102.0, "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0})).await;
    let resident = t.login("13900000001").await;
    let c = create(
        &resident,
        json!({"kind": "repair", "text": "厨房水管漏水，地上都是水", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let id = c["order"]["id"].as_i64().unwrap();
    let d = order(&agent, id).await;
    let o = &d["order"];
    assert_eq!(o["category"], "plumbing", "{o}");
    assert_eq!(o["state"], "dispatched");
    assert_eq!(o["dispatch_status"], "auto");
    assert_eq!(o["team_id"], t.fx.team_water.0);
    assert_eq!(o["assignee_id"], wang, "the least loaded plumber");
    assert_eq!(o["prediction"]["category"]["label"], "plumbing");
    assert!(
        o["prediction"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "漏水" || r == "水管"),
        "{o}"
    );
    // Lists leave the prediction to the order's own page unless asked for
    // it (it is about 40% of an order's bytes); the queue below has it.
    let listed = |v: &Value| -> Value {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("order {id} not in {v}"))
    };
    let (s, page) = agent.get("/api/v1/orders?queue=all").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(listed(&page)["prediction"], Value::Null, "{page}");
    assert_eq!(listed(&page)["category"], "plumbing");
    let (s, page) = agent.get("/api/v1/orders?queue=all&prediction=true").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(
        listed(&page)["prediction"]["category"]["label"],
        "plumbing",
        "{page}"
    );
    let (s, v) = agent.get("/api/v1/orders?prediction=maybe").await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "query_invalid"),
        "{v}"
    );
    let dispatch = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "dispatch")
        .unwrap();
    assert_eq!(
        (
            dispatch["actor_kind"].as_str(),
            dispatch["actor_name"].as_str()
        ),
        (Some("system"), Some("智能派单"))
    );
    // The next one goes to 刘师傅? No: 王师傅 now has one, 刘师傅 one; the tie goes to
    // whoever waited longest since their last assignment (刘师傅, assigned first).
    let c2 = create(
        &resident,
        json!({"kind": "repair", "text": "卫生间下水道堵了", "home_id": t.fx.home_a101.0}),
    )
    .await;
    assert_eq!(
        order(&agent, c2["order"]["id"].as_i64().unwrap()).await["order"]["assignee_id"],
        t.fx.tech.0
    );
    // A consultation is answered by the desk, not dispatched.
    let q = create(
        &resident,
        json!({"kind": "consultation", "text": "物业费可以开发票吗", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let q = order(&agent, q["order"]["id"].as_i64().unwrap()).await;
    assert_eq!(
        (
            q["order"]["state"].as_str(),
            q["order"]["dispatch_status"].as_str()
        ),
        (Some("received"), Some("none"))
    );
    let (_, stats) = admin.get("/api/v1/dispatch/stats").await;
    assert_eq!(stats["auto_dispatched"], 2, "{stats}");
    assert_eq!(stats["live_accuracy"], 100.0);
}

async fn modes_pools_and_the_queue(t: Arc<TestApp>) {
    let admin = switch_on(&t).await;
    let resident = t.login("13900000001").await;
    let agent = t.login("agent").await;
    // Cleaning grabs.
    admin
        .patch(
            &format!("/api/v1/teams/{}", t.fx.team_cleaning.0),
            json!({"dispatch_mode": "grab"}),
        )
        .await;
    let c = create(&resident, json!({"kind": "repair", "text": "楼道里的垃圾两天没人收了，臭得很", "building_id": t.fx.building_a.0})).await;
    let o = order(&agent, c["order"]["id"].as_i64().unwrap()).await["order"].clone();
    assert_eq!(
        (
            o["dispatch_status"].as_str(),
            o["team_id"].as_i64(),
            o["assignee_id"].as_i64()
        ),
        (Some("pool"), Some(t.fx.team_cleaning.0), None),
        "{o}"
    );
    // The plumbers dispatch by hand: the dispatcher's queue.
    admin
        .patch(
            &format!("/api/v1/teams/{}", t.fx.team_water.0),
            json!({"dispatch_mode": "manual"}),
        )
        .await;
    let c = create(
        &resident,
        json!({"kind": "repair", "text": "马桶一直在流水，关不住", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let manual = c["order"]["id"].as_i64().unwrap();
    assert_eq!(
        order(&agent, manual).await["order"]["dispatch_status"],
        "queue"
    );
    // Unsure (a threshold nobody reaches): the queue, with the suggestions.
    admin
        .put(
            "/api/v1/dispatch/settings",
            json!({"threshold": 1.0, "capacity": 8, "enabled": true}),
        )
        .await;
    let c = create(&resident, json!({"kind": "repair", "text": "那个东西又坏了，你们来看看吧", "home_id": t.fx.home_a101.0})).await;
    let unsure = c["order"]["id"].as_i64().unwrap();
    let (s, queue) = agent.get("/api/v1/dispatch/queue").await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<i64> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&manual) && ids.contains(&unsure), "{queue}");
    let item = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == unsure)
        .unwrap();
    assert_eq!(
        item["prediction"]["category_top3"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // A dispatcher takes it: it leaves the queue.
    step(
        &agent,
        unsure,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0}),
    )
    .await;
    let (_, queue) = agent.get("/api/v1/dispatch/queue").await;
    assert!(
        !queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == unsure)
    );
    let (_, stats) = admin.get("/api/v1/dispatch/stats").await;
    assert_eq!(stats["needed_human"], 2, "{stats}");
    // Nobody on duty (the plumber's hours end): the team, for its lead.
    admin
        .put(
            "/api/v1/dispatch/settings",
            json!({"threshold": 0.6, "capacity": 8, "enabled": true}),
        )
        .await;
    admin
        .patch(
            &format!("/api/v1/teams/{}", t.fx.team_water.0),
            json!({"dispatch_mode": "auto"}),
        )
        .await;
    admin
        .patch(
            &format!("/api/v1/staff/{}", t.fx.tech.0),
            json!({"working_hours": {}}),
        )
        .await;
    let c = create(
        &resident,
        json!({"kind": "repair", "text": "厨房水龙头漏水", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let o = order(&agent, c["order"]["id"].as_i64().unwrap()).await["order"].clone();
    assert_eq!(
        (o["dispatch_status"].as_str(), o["assignee_id"].as_i64()),
        (Some("team"), None),
        "{o}"
    );
    // The category → team map decides the team.
    let (s, map) = admin
        .put(
            "/api/v1/dispatch/category-teams",
            json!({"category": "plumbing", "team_id": t.fx.team_cleaning.0}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{map}");
    assert!(
        map.as_array()
            .unwrap()
            .iter()
            .any(|m| m["category"] == "plumbing" && m["team_id"] == t.fx.team_cleaning.0)
    );
    let c = create(
        &resident,
        json!({"kind": "repair", "text": "阳台的水管在滴水", "home_id": t.fx.home_a101.0}),
    )
    .await;
    assert_eq!(
        order(&agent, c["order"]["id"].as_i64().unwrap()).await["order"]["team_id"],
        t.fx.team_cleaning.0
    );
}

async fn emergencies_get_faster_clocks(t: Arc<TestApp>) {
    switch_on(&t).await;
    let agent = t.login("agent").await;
    let c = create(&agent, json!({"kind": "repair", "text": "1栋电梯困人了，里面有老人，快来", "building_id": t.fx.building_a.0})).await;
    let d = order(&agent, c["order"]["id"].as_i64().unwrap()).await;
    assert_eq!(d["order"]["emergency"], true, "{}", d["order"]);
    assert_eq!(d["order"]["priority"], "urgent");
    assert_eq!(d["order"]["category"], "elevator");
    let response = d["sla"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metric"] == "response")
        .unwrap();
    assert_eq!(response["target_minutes"], 15, "the emergency policy");
}

async fn corrections_are_learnt(t: Arc<TestApp>) {
    let admin = switch_on(&t).await;
    let resident = t.login("13900000001").await;
    let agent = t.login("agent").await;
    let c = create(
        &resident,
        json!({"kind": "repair", "text": "厨房水管漏水，地上都是水", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let id = c["order"]["id"].as_i64().unwrap();
    assert_eq!(order(&agent, id).await["order"]["dispatch_status"], "auto");
    // The dispatcher knows better: it is the wall (civil works), and urgent.
    let (s, d) = agent
        .post(
            &format!("/api/v1/orders/{id}/classification"),
            json!({"category": "civil", "urgency": "urgent"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(
        (
            d["order"]["category"].as_str(),
            d["order"]["priority"].as_str(),
            d["order"]["dispatch_corrected"].as_bool()
        ),
        (Some("civil"), Some("urgent"), Some(true))
    );
    assert!(
        d["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "classify" && e["internal"] == true)
    );
    let (s, v) = agent
        .post(
            &format!("/api/v1/orders/{id}/classification"),
            json!({"category": "sky"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "category_invalid")
    );
    let resident_view = resident
        .post(
            &format!("/api/v1/orders/{id}/classification"),
            json!({"category": "civil"}),
        )
        .await;
    assert_eq!(resident_view.0, StatusCode::FORBIDDEN);
    let (_, stats) = admin.get("/api/v1/dispatch/stats").await;
    assert_eq!(
        (
            stats["auto_dispatched"].as_i64(),
            stats["corrected"].as_i64(),
            stats["examples"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{stats}"
    );
    assert_eq!(stats["live_accuracy"], 0.0);
    // Retraining versions the model, and dispatch uses the new version.
    let (s, m) = admin.post("/api/v1/dispatch/models", json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["examples"], 1);
    assert!(m["metrics"]["accuracy"].as_f64().unwrap() > 0.3, "{m}");
    let (_, versions) = admin.get("/api/v1/dispatch/models").await;
    assert_eq!(versions[0]["id"], m["id"]);
    let (_, s2) = agent
        .post("/api/v1/classify", json!({"text": "厨房水管漏水"}))
        .await;
    assert_eq!(s2["model_version"], m["id"], "{s2}");
    let (s, _) = agent.post("/api/v1/dispatch/models", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "agents do not retrain");
}

async fn classify_endpoint_and_bad_input(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let (s, v) = agent
        .post("/api/v1/classify", json!({"text": "楼上装修太吵了"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["prediction"]["category_top3"].as_array().unwrap().len() == 3);
    assert!(v["team_name"].is_string());
    for (text, expected) in [
        ("", "text_empty"),
        ("   ", "text_empty"),
        ("😡😡😡", "text_unclassifiable"),
    ] {
        let (s, v) = agent.post("/api/v1/classify", json!({"text": text})).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, expected),
            "{text}"
        );
    }
    let (s, v) = agent
        .post("/api/v1/classify", json!({"text": "漏".repeat(10_000)}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "text_too_long")
    );
    let admin = t.login("admin").await;
    let (s, v) = admin
        .put(
            "/api/v1/dispatch/settings",
            json!({"threshold": 1.5, "capacity": 8}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "threshold_invalid")
    );
    let (s, _) = agent
        .put(
            "/api/v1/dispatch/settings",
            json!({"threshold": 0.5, "capacity": 8}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Emoji-only reports are still accepted as orders: they wait for a person.
    switch_on(&t).await;
    let resident = t.login("13900000001").await;
    let c = create(
        &resident,
        json!({"kind": "repair", "text": "💧💧💧🚿", "home_id": t.fx.home_a101.0}),
    )
    .await;
    assert_eq!(
        order(&agent, c["order"]["id"].as_i64().unwrap()).await["order"]["dispatch_status"],
        "queue"
    );
}
