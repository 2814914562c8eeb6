//! SLA clocks, the timer, escalations, policies and calendars, through the
//! API (with a test clock that jumps ahead) on both backends.

use crate::backend_tests;
use crate::common::{TestApp, code};
use crate::orders::{create, step};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use wuye_store::{Db, DbOptions};

backend_tests!(
    default_policies_set_the_clocks,
    timer_fires_each_level_exactly_once,
    an_order_nobody_holds_warns_the_supervisors,
    hold_pauses_the_resolution_clock,
    catch_up_after_downtime_fires_once,
    two_nodes_never_fire_twice,
    policy_change_applies_on_recompute,
    calendars_and_policies_are_checked,
);

fn clock<'a>(d: &'a Value, metric: &str) -> &'a Value {
    d["sla"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} clock: {d}"))
}

async fn default_policies_set_the_clocks(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let regular = create(
        &agent,
        json!({"kind": "repair", "text": "卫生间灯不亮", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let urgent = create(&agent, json!({"kind": "repair", "text": "家里停水了", "home_id": t.fx.home_a102.0, "priority": "urgent"})).await;
    let emergency = create(&agent, json!({"kind": "repair", "text": "电梯困人", "building_id": t.fx.building_a.0, "priority": "urgent", "emergency": true})).await;
    let complaint = create(&agent, json!({"kind": "complaint", "text": "保安睡觉", "building_id": t.fx.building_a.0, "grade": "a"})).await;
    let consult = create(
        &agent,
        json!({"kind": "consultation", "text": "物业费怎么交", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let (r, d) = targets(&t, &regular).await;
    assert_eq!(
        r,
        vec![("response".into(), 120), ("resolution".into(), 24 * 60)]
    );
    assert_eq!(clock(&d, "response")["stage"], "running");
    assert_eq!(d["order"]["sla_stage"], "running");
    assert!(d["order"]["next_deadline_at"].is_string());
    assert!(clock(&d, "response")["remaining_ms"].as_i64().unwrap() > 119 * 60_000);
    assert_eq!(
        targets(&t, &urgent).await.0,
        vec![("response".into(), 30), ("resolution".into(), 240)]
    );
    assert_eq!(
        targets(&t, &emergency).await.0,
        vec![("response".into(), 15), ("resolution".into(), 120)]
    );
    assert_eq!(
        targets(&t, &complaint).await.0,
        vec![("response".into(), 120), ("resolution".into(), 24 * 60)]
    );
    assert_eq!(
        targets(&t, &consult).await.0,
        vec![("response".into(), 120)]
    );
    // Queues sort by the earliest deadline.
    let (_, q) = agent.get("/api/v1/orders?sort=deadline&limit=3").await;
    let first: Vec<i64> = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(first[0], emergency["order"]["id"].as_i64().unwrap(), "{q}");
    assert_eq!(first[1], urgent["order"]["id"].as_i64().unwrap());
    // Answering a consultation meets its clock.
    let id = consult["order"]["id"].as_i64().unwrap();
    let d = step(
        &agent,
        id,
        json!({"action": "answer", "note": "小程序里缴费"}),
    )
    .await;
    assert_eq!(clock(&d, "response")["stage"], "met");
    assert!(d["order"]["next_deadline_at"].is_null());
}

async fn targets(t: &TestApp, v: &Value) -> (Vec<(String, i64)>, Value) {
    let (_, d) = t
        .login("agent")
        .await
        .get(&format!("/api/v1/orders/{}", v["order"]["id"]))
        .await;
    let r = d["sla"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["metric"].as_str().unwrap().to_string(),
                c["target_minutes"].as_i64().unwrap(),
            )
        })
        .collect();
    (r, d)
}

async fn timer_fires_each_level_exactly_once(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let o = create(&agent, json!({"kind": "repair", "text": "水管爆了", "home_id": t.fx.home_a101.0, "priority": "urgent"})).await;
    let id = o["order"]["id"].as_i64().unwrap();
    assert_eq!(t.app.run_sla_timer().await.unwrap(), 0);
    t.clock.advance_minutes(25); // past 80% of 30 min
    assert_eq!(t.app.run_sla_timer().await.unwrap(), 1, "the warning");
    assert_eq!(t.app.run_sla_timer().await.unwrap(), 0, "once");
    let (_, mine) = agent.get("/api/v1/alerts").await;
    assert_eq!(mine["items"][0]["kind"], "warning", "{mine}");
    assert_eq!(mine["items"][0]["order_id"], id);
    t.clock.advance_minutes(6); // breached: breach + level 0 (team lead, or supervisors without a team)
    assert_eq!(
        t.app.run_sla_timer().await.unwrap(),
        2,
        "the breach and level 0 of the response clock"
    );
    let (_, d) = agent.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(clock(&d, "response")["stage"], "breached");
    assert_eq!(d["order"]["sla_stage"], "breached");
    let supervisor = t.login("supervisor").await;
    let (_, sup) = supervisor.get("/api/v1/alerts?unread=1").await;
    let items = sup["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|a| a["kind"] == "escalation" && a["level"] == 0),
        "{sup}"
    );
    // Marking read.
    let aid = items[0]["id"].as_i64().unwrap();
    assert_eq!(
        supervisor
            .post(&format!("/api/v1/alerts/{aid}/read"), json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        supervisor
            .post(&format!("/api/v1/alerts/{aid}/read"), json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    t.clock.advance_minutes(30); // +30 min: supervisors again (level 1)
    assert!(t.app.run_sla_timer().await.unwrap() >= 1);
    t.clock.advance_minutes(120); // +2 h: the manager (level 2)
    t.app.run_sla_timer().await.unwrap();
    let manager = t.login("manager").await;
    let (_, m) = manager.get("/api/v1/alerts").await;
    assert!(
        m["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["level"] == 2),
        "{m}"
    );
    assert_eq!(t.app.run_sla_timer().await.unwrap(), 0);
}

/// A resident's order the classifier is unsure of waits in the dispatcher
/// queue with no team, person or owner: its warning goes to the
/// community's supervisors, who dispatch, instead of to nobody.
async fn an_order_nobody_holds_warns_the_supervisors(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let (s, v) = admin
        .put(
            "/api/v1/dispatch/settings",
            json!({"threshold": 1.0, "capacity": 8, "enabled": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let resident = t.login("13900000001").await;
    let o = create(
        &resident,
        json!({"kind": "repair", "text": "那个东西又坏了，你们来看看吧", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let id = o["order"]["id"].as_i64().unwrap();
    let (_, d) = t
        .login("agent")
        .await
        .get(&format!("/api/v1/orders/{id}"))
        .await;
    assert!(d["order"]["team_id"].is_null(), "{d}");
    assert!(d["order"]["owner_id"].is_null(), "{d}");
    assert!(d["order"]["assignee_id"].is_null(), "{d}");
    let response = clock(&d, "response")["target_minutes"].as_i64().unwrap();
    t.clock.advance_minutes(response * 9 / 10); // past 80%, not yet due
    assert_eq!(t.app.run_sla_timer().await.unwrap(), 1, "the warning");
    let (_, sup) = t.login("supervisor").await.get("/api/v1/alerts").await;
    assert!(
        sup["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "warning" && a["order_id"] == id),
        "{sup}"
    );
}

async fn hold_pauses_the_resolution_clock(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let tech = t.login("tech").await;
    let id = create(
        &agent,
        json!({"kind": "repair", "text": "热水器漏水", "home_id": t.fx.home_a101.0,
        "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await["order"]["id"]
        .as_i64()
        .unwrap();
    t.clock.advance_minutes(10);
    let d = step(&tech, id, json!({"action": "accept"})).await;
    assert_eq!(clock(&d, "response")["stage"], "met");
    assert_eq!(clock(&d, "response")["elapsed_minutes"], 10);
    step(&tech, id, json!({"action": "start"})).await;
    t.clock.advance_minutes(50);
    let d = step(&tech, id, json!({"action": "hold", "reason": "等配件"})).await;
    let r = clock(&d, "resolution");
    assert_eq!(
        (r["stage"].as_str(), r["elapsed_minutes"].as_i64()),
        (Some("paused"), Some(60))
    );
    assert!(r["deadline_at"].is_null());
    t.clock.advance_hours(30); // waiting for parts longer than the whole target
    assert_eq!(
        t.app.run_sla_timer().await.unwrap(),
        0,
        "nothing fires while paused"
    );
    let d = step(&tech, id, json!({"action": "resume"})).await;
    let r = clock(&d, "resolution");
    assert_eq!(
        (
            r["stage"].as_str(),
            r["elapsed_minutes"].as_i64(),
            r["paused_minutes"].as_i64()
        ),
        (Some("running"), Some(60), Some(30 * 60))
    );
    let remaining = r["remaining_ms"].as_i64().unwrap();
    assert!(
        ((22 * 60 + 59) * 60_000..=23 * 60 * 60_000).contains(&remaining),
        "{remaining}"
    );
    t.clock.advance_minutes(30);
    let d = step(&tech, id, json!({"action": "finish", "note": "换了阀门"})).await;
    assert_eq!(clock(&d, "resolution")["stage"], "met");
    assert!(d["order"]["next_deadline_at"].is_null());
}

async fn catch_up_after_downtime_fires_once(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let id = create(&agent, json!({"kind": "repair", "text": "门禁坏了", "building_id": t.fx.building_a.0, "priority": "urgent"}))
        .await["order"]["id"]
        .as_i64()
        .unwrap();
    // The server is "down" for three hours.
    t.clock.advance_hours(3);
    let fired = t.app.run_sla_timer().await.unwrap();
    // response (30 min): warning, breach, +0, +30 min, +2 h; resolution (4 h): warning at 3h12m not yet.
    assert_eq!(fired, 5, "everything missed, once");
    assert_eq!(t.app.run_sla_timer().await.unwrap(), 0);
    let (_, d) = agent.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(clock(&d, "response")["breach_minutes"], 150);
}

async fn two_nodes_never_fire_twice(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    for i in 0..12 {
        create(&agent, json!({"kind": "repair", "text": format!("第{i}单：楼道灯坏"), "building_id": t.fx.building_a.0, "priority": "urgent"})).await;
    }
    let second_db = Db::connect(
        &t.url,
        &DbOptions {
            max_connections: 4,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let second = wuye_app::App::new(
        second_db,
        wuye_app::AppConfig {
            data_dir: t.app.config.data_dir.clone(),
            ..Default::default()
        },
    )
    .with_clock(t.clock.clone());
    t.clock.advance_hours(3);
    let (a, b) = tokio::join!(t.app.run_sla_timer(), second.run_sla_timer());
    assert_eq!(
        a.unwrap() + b.unwrap(),
        12 * 5,
        "each of 5 levels of 12 orders, once in all"
    );
    assert_eq!(
        t.app.run_sla_timer().await.unwrap() + second.run_sla_timer().await.unwrap(),
        0
    );
    second.db.close().await;
    // No duplicate alerts: one warning per order for its owner.
    let (_, mine) = agent.get("/api/v1/alerts?limit=200").await;
    let warnings = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "warning")
        .count();
    assert_eq!(warnings, 12);
}

async fn policy_change_applies_on_recompute(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let id = create(
        &agent,
        json!({"kind": "repair", "text": "窗户关不上", "home_id": t.fx.home_a101.0}),
    )
    .await["order"]["id"]
        .as_i64()
        .unwrap();
    let (s, p) = admin
        .post("/api/v1/sla/policies", json!({"name": "快修试点", "rank": 1, "kind": "repair", "response_minutes": 10, "resolution_minutes": 60,
            "escalations": [{"offset_minutes": 0, "notify": "supervisor"}]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (_, d) = agent.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(
        clock(&d, "response")["target_minutes"],
        120,
        "unchanged until recompute"
    );
    let (s, r) = admin.post("/api/v1/sla/recompute", json!({})).await;
    assert_eq!((s, r["orders"].as_i64()), (StatusCode::OK, Some(1)));
    let (_, d) = agent.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(clock(&d, "response")["target_minutes"], 10);
    let (_, audit) = admin.get("/api/v1/audit?entity=sla").await;
    assert_eq!(audit["items"][0]["action"], "recompute");
    // Policies list in rank order, the new one first.
    let (_, list) = admin.get("/api/v1/sla/policies").await;
    assert_eq!(list[0]["name"], "快修试点");
    assert!(list.as_array().unwrap().len() >= 9);
    // Only admins and managers edit.
    let (s, _) = agent
        .post(
            "/api/v1/sla/policies",
            json!({"name": "x", "rank": 1, "response_minutes": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn calendars_and_policies_are_checked(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let office = json!({"name": "办公时间", "time_zone": "Asia/Shanghai", "always": false,
        "hours": {"mon": ["08:30-12:00", "13:30-17:30"], "tue": ["08:30-17:30"]},
        "holidays": ["2026-10-01"], "extra_workdays": ["2026-10-10"]});
    let (s, cal) = admin.post("/api/v1/sla/calendars", office.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{cal}");
    let cal_id = cal["id"].as_i64().unwrap();
    let mut bad = office.clone();
    bad["hours"] = json!({"mon": ["18:00-08:00"]});
    bad["name"] = json!("坏日历");
    let (s, v) = admin.post("/api/v1/sla/calendars", bad).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "calendar_invalid")
    );
    let mut bad = office.clone();
    bad["time_zone"] = json!("Mars/Base");
    let (s, v) = admin.post("/api/v1/sla/calendars", bad).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "time_zone_invalid")
    );
    let (s, p) = admin
        .post("/api/v1/sla/policies", json!({"name": "投诉办公时间", "rank": 5, "kind": "complaint", "response_minutes": 60, "calendar_id": cal_id}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (s, v) = admin
        .delete(&format!("/api/v1/sla/calendars/{cal_id}"))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "in_use"));
    for (body, expected) in [
        (json!({"name": "无时限", "rank": 5}), "target_missing"),
        (
            json!({"name": "x", "rank": 5, "response_minutes": 0}),
            "target_invalid",
        ),
        (
            json!({"name": "x", "rank": 5, "response_minutes": 10, "warn_percent": 120}),
            "warn_percent_invalid",
        ),
        (
            json!({"name": "x", "rank": 5, "response_minutes": 10, "calendar_id": 9999}),
            "not_found",
        ),
        (
            json!({"name": "x", "rank": 5, "response_minutes": 10, "escalations": [{"offset_minutes": 30, "notify": "manager"}, {"offset_minutes": 0, "notify": "supervisor"}]}),
            "escalations_unordered",
        ),
    ] {
        let (s, v) = admin.post("/api/v1/sla/policies", body.clone()).await;
        assert!(s.is_client_error(), "{body}");
        assert_eq!(code(&v), expected, "{body}: {v}");
    }
    let (s, v) = admin
        .post(
            "/api/v1/sla/policies",
            json!({"name": "x", "rank": 5, "response_minutes": 10, "colour": "red"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "json_invalid"));
    // A complaint now counts in office hours: its deadline is not 60 wall minutes away
    // unless it is office time right now.
    let agent = t.login("agent").await;
    let o = create(
        &agent,
        json!({"kind": "complaint", "text": "前台态度不好", "building_id": t.fx.building_a.0}),
    )
    .await;
    let (_, d) = agent
        .get(&format!("/api/v1/orders/{}", o["order"]["id"]))
        .await;
    assert_eq!(clock(&d, "response")["target_minutes"], 60);
}
