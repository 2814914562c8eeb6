//! Notifications end to end, on both backends: the outbox written with the
//! order change, the bell, rules and templates, secrets, and every channel
//! against receivers on 127.0.0.1 that verify each provider's documented
//! signature — with faults (down, 500, slow, timeout, a worker killed
//! mid-delivery), dead letters, quiet hours, rate limits and two nodes.

#[path = "notify_support/mod.rs"]
mod support;

use crate::backend_tests;
use crate::common::{TestApp, code};
use crate::orders::{create, step};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use support::channel_tests::*;
use support::fault_tests::*;
use support::http::{CREDS, Receiver};
use support::*;

backend_tests!(
    in_app_bell_for_residents_and_staff,
    rules_templates_and_preview,
    secrets_are_write_only,
    aliyun_sms_is_signed_and_sent_once,
    tencent_sms_is_signed_and_sent_once,
    team_robots_wecom_and_dingtalk,
    email_over_starttls_with_login,
    faults_are_retried_then_delivered_once,
    worker_killed_mid_delivery_delivers_after_restart,
    dead_letters_and_retry,
    quiet_hours_delay_sms_but_not_emergencies,
    rate_limits_per_recipient,
    two_nodes_never_send_twice,
    sla_alerts_are_notified_once,
);

async fn in_app_bell_for_residents_and_staff(t: Arc<TestApp>) {
    let resident = t.login("13900000001").await;
    let agent = t.login("agent").await;
    let tech = t.login("tech").await;
    let o = create(
        &resident,
        json!({"kind": "repair", "text": "厨房水管漏水", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let id = id_of(&o);
    let number = o["order"]["number"].as_str().unwrap().to_string();
    assert_eq!(
        unread(&resident).await,
        0,
        "nobody is told of their own act"
    );
    step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await;
    // The assignee is also the team lead: one message, not two.
    assert_eq!(unread(&tech).await, 1);
    let items = bell(&tech).await;
    assert_eq!(items[0]["event"], "dispatched");
    assert_eq!(items[0]["title"], format!("新派单 {number}"));
    assert_eq!(items[0]["order_id"], id);
    let mine = bell(&resident).await;
    assert!(
        mine[0]["body"].as_str().unwrap().contains("已派给"),
        "{mine:?}"
    );
    step(&tech, id, json!({"action": "accept"})).await;
    assert_eq!(unread(&resident).await, 2);
    // A resident's comment reaches the assignee and the owner (首问: the agent).
    let (s, _) = resident
        .post(
            &format!("/api/v1/orders/{id}/comments"),
            json!({"text": "师傅几点到？"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(unread(&tech).await, 2);
    assert_eq!(unread(&agent).await, 1);
    assert_eq!(bell(&agent).await[0]["body"], "业主甲：师傅几点到？");
    // Internal notes never reach residents.
    let (s, _) = agent
        .post(
            &format!("/api/v1/orders/{id}/comments"),
            json!({"text": "家里有老人，注意", "internal": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(unread(&tech).await, 3);
    assert_eq!(unread(&resident).await, 2);
    // A resident who reads English gets English.
    let (s, p) = resident
        .put("/api/v1/notify/preferences", json!({"lang": "en"}))
        .await;
    assert_eq!((s, p["lang"].as_str()), (StatusCode::OK, Some("en")));
    step(&tech, id, json!({"action": "start"})).await;
    step(&tech, id, json!({"action": "finish", "note": "换了三角阀"})).await;
    assert_eq!(
        bell(&resident).await[0]["title"],
        format!("Please check order {number}")
    );
    // Read one, read all.
    let first = bell(&resident).await[0]["id"].as_i64().unwrap();
    for _ in 0..2 {
        let (s, _) = resident
            .post(&format!("/api/v1/notifications/{first}/read"), json!({}))
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
    }
    assert_eq!(unread(&resident).await, 2);
    let tech_item = bell(&tech).await[0]["id"].as_i64().unwrap();
    let (s, _) = resident
        .post(
            &format!("/api/v1/notifications/{tech_item}/read"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another user's notification");
    let (_, unread_only) = resident.get("/api/v1/notifications?unread=1").await;
    assert_eq!(unread_only["items"].as_array().unwrap().len(), 2);
    let (_, m) = resident
        .post("/api/v1/notifications/read-all", json!({}))
        .await;
    assert_eq!(m["marked"], 2);
    assert_eq!(unread(&resident).await, 0);
    // The delivery log is for staff.
    let log = deliveries(&agent, id).await;
    assert!(log.iter().any(|d| d["channel"] == "in_app"
        && d["recipient_name"] == "刘师傅"
        && d["event"] == "dispatched"
        && d["status"] == "delivered"
        && d["attempts"] == 1));
    let (s, _) = resident
        .get(&format!("/api/v1/orders/{id}/deliveries"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = agent.get("/api/v1/orders/999999/deliveries").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn rules_templates_and_preview(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let supervisor = t.login("supervisor").await;
    let (s, rules) = admin.get("/api/v1/notify/rules").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(rules.as_array().unwrap().len(), 14);
    let dispatched = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["event"] == "dispatched")
        .unwrap();
    assert_eq!(dispatched["customized"], false);
    assert!(
        dispatched["to"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["who"] == "team_group" && t["via"] == json!(["robot"]))
    );
    for (path, body, expected) in [
        (
            "order_created",
            json!({"to": [{"who": "team_group", "via": ["sms"]}]}),
            "rule_robot_mismatch",
        ),
        (
            "order_created",
            json!({"to": [{"who": "alerted", "via": ["in_app"]}]}),
            "rule_alerted_not_sla",
        ),
        (
            "order_created",
            json!({"to": [{"who": "owner", "via": []}]}),
            "rule_channels_empty",
        ),
        ("no_such_event", json!({"to": []}), "event_invalid"),
    ] {
        let (s, v) = admin
            .put(&format!("/api/v1/notify/rules/{path}"), body)
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, expected),
            "{v}"
        );
    }
    let (s, v) = admin
        .put(
            "/api/v1/notify/rules/order_created",
            json!({"to": [{"who": "supervisor", "via": ["in_app"]}]}),
        )
        .await;
    assert_eq!((s, &v["customized"]), (StatusCode::OK, &json!(true)), "{v}");
    let o = phoned_in(&t, &agent, "楼道灯不亮", false).await;
    assert_eq!(unread(&supervisor).await, 1, "the company's own rule");
    let (_, v) = admin.delete("/api/v1/notify/rules/order_created").await;
    assert_eq!(v["customized"], false);
    // Templates: both languages, checked placeholders, preview.
    let (_, list) = admin.get("/api/v1/notify/templates").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        28,
        "14 events in 2 languages"
    );
    let (s, v) = admin
        .put(
            "/api/v1/notify/templates/dispatched/zh-CN",
            json!({"title": "派单 {number}", "body": "{place}｜{colour}"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "template_unknown_placeholder"
        )
    );
    let (s, v) = admin
        .put(
            "/api/v1/notify/templates/dispatched/fr",
            json!({"title": "x", "body": "y"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "lang_invalid")
    );
    let (s, v) = admin
        .put(
            "/api/v1/notify/templates/dispatched/zh-CN",
            json!({"title": "【派单】{number}", "body": "{team}：{place}，{text}"}),
        )
        .await;
    assert_eq!((s, &v["customized"]), (StatusCode::OK, &json!(true)), "{v}");
    let (_, p) = admin
        .post(
            "/api/v1/notify/templates/preview",
            json!({"event": "dispatched"}),
        )
        .await;
    assert_eq!(p["title"], "【派单】BX2026112700007");
    let (_, p) = admin
        .post(
            "/api/v1/notify/templates/preview",
            json!({"event": "dispatched", "lang": "en"}),
        )
        .await;
    assert_eq!(p["title"], "New job BX2026112700007");
    // A KPI alert is about no order: its preview shows a sample.
    let (_, p) = admin
        .post(
            "/api/v1/notify/templates/preview",
            json!({"event": "kpi_alert"}),
        )
        .await;
    assert_eq!(
        p["body"], "全公司本月的维修24小时完结率为 85%，低于 90%，请在数据看板查看明细。",
        "{p}"
    );
    let id = id_of(&o);
    let number = o["order"]["number"].as_str().unwrap();
    let (_, p) = admin
        .post(
            "/api/v1/notify/templates/preview",
            json!({"event": "low_rating", "order_id": id, "body": "{number}@{place}"}),
        )
        .await;
    assert!(
        p["body"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{number}@翠湖花园")),
        "{p}"
    );
    step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await;
    let tech = t.login("tech").await;
    assert_eq!(bell(&tech).await[0]["title"], format!("【派单】{number}"));
    let (_, v) = admin
        .delete("/api/v1/notify/templates/dispatched/zh-CN")
        .await;
    assert_eq!(
        (&v["customized"], &v["title"]),
        (&json!(false), &json!("新派单 {number}"))
    );
    // Admins only.
    for (s, _) in [
        agent.get("/api/v1/notify/rules").await,
        agent
            .put(
                "/api/v1/notify/templates/dispatched/en",
                json!({"title": "x", "body": "y"}),
            )
            .await,
        supervisor.get("/api/v1/notify/settings").await,
        agent.get("/api/v1/notify/deliveries?status=dead").await,
    ] {
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

async fn secrets_are_write_only(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    put_settings(&admin, test_settings()).await;
    let v = put_sms(&admin, aliyun_sms(&r)).await;
    assert_eq!(v["access_key_secret"], "••••");
    let (_, all) = admin.get("/api/v1/notify/channels").await;
    assert_eq!(all["sms"]["access_key_secret"], "••••");
    assert!(!all.to_string().contains(CREDS.aliyun_secret));
    // Saving without the secret keeps it: the next SMS still signs correctly.
    let mut without = aliyun_sms(&r);
    without.as_object_mut().unwrap().remove("access_key_secret");
    without["sign_name"] = json!("翠湖物业服务中心");
    assert_eq!(
        put_sms(&admin, without.clone()).await["access_key_secret"],
        "••••"
    );
    phoned_in(&t, &agent, "门禁卡失灵", false).await;
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 1);
    let hit = &r.hits_of("aliyun")[0];
    assert!(hit.verified, "{:?}", hit.problem);
    assert_eq!(hit.fields["sign_name"], "翠湖物业服务中心");
    // Not in the audit log either.
    let (_, audit) = admin.get("/api/v1/audit?entity=notify_channel").await;
    assert!(audit["items"].as_array().unwrap().len() >= 2);
    assert!(!audit.to_string().contains(CREDS.aliyun_secret), "{audit}");
    // An empty value clears it; sending then fails for good.
    without["access_key_secret"] = json!("");
    assert!(put_sms(&admin, without).await["access_key_secret"].is_null());
    phoned_in(&t, &agent, "电梯按钮坏了", false).await;
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!((rep.delivered, rep.dead), (0, 1));
    assert_eq!(r.hits().len(), 1);
    // Robots: a pasted address is split, the key kept secret.
    let pasted = format!(
        "{}?key={}",
        r.url("/wecom/cgi-bin/webhook/send"),
        CREDS.wecom_key
    );
    let (s, v) = admin
        .post("/api/v1/notify/endpoints", json!({"kind": "wecom", "name": "水电班群", "team_id": t.fx.team_water.0, "url": pasted}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (&v["token"], &v["url"]),
        (&json!("••••"), &json!(r.url("/wecom/cgi-bin/webhook/send")))
    );
    let (_, list) = admin.get("/api/v1/notify/endpoints").await;
    assert!(!list.to_string().contains(CREDS.wecom_key));
    let (s, v) = admin
        .post(
            "/api/v1/notify/endpoints",
            json!({"kind": "webhook", "name": "无密钥", "url": r.url("/hook")}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "setting_required")
    );
    let (s, v) = admin
        .put("/api/v1/notify/channels/email", json!({"host": "127.0.0.1", "port": 2525, "from": "notice@cuihu.test", "username": "u", "password": "p@ss-w0rd"}))
        .await;
    assert_eq!((s, &v["password"]), (StatusCode::OK, &json!("••••")), "{v}");
}

async fn quiet_hours_delay_sms_but_not_emergencies(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    // Quiet from an hour ago to an hour from now, in Shanghai.
    let now = jiff::Timestamp::from_millisecond(t.app.now_ms()).unwrap();
    let local = |mins: i64| {
        (now + jiff::SignedDuration::from_mins(mins))
            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
            .strftime("%H:%M")
            .to_string()
    };
    let mut s = test_settings();
    s["quiet_hours"] = json!({"start": local(-60), "end": local(60), "time_zone": "Asia/Shanghai"});
    put_settings(&admin, s).await;
    put_sms(&admin, aliyun_sms(&r)).await;
    let normal = phoned_in(&t, &agent, "单元门关不上", false).await;
    let urgent = create(
        &agent,
        json!({"kind": "repair", "text": "家里燃气泄漏", "home_id": t.fx.home_a102.0,
        "resident_id": t.fx.res_a2.0, "emergency": true, "priority": "urgent"}),
    )
    .await;
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!(rep.delivered, 1, "the emergency goes through: {rep:?}");
    assert_eq!(r.hits_of("aliyun")[0].fields["phone"], "13900000002");
    let sms = |log: Vec<Value>| log.into_iter().find(|d| d["channel"] == "sms").unwrap();
    let held = sms(deliveries(&agent, id_of(&normal)).await);
    assert_eq!(held["status"], "pending", "delayed, not dropped");
    let due: jiff::Timestamp = held["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let wait = due.as_millisecond() - now.as_millisecond();
    assert!((59 * 60_000..=61 * 60_000).contains(&wait), "{wait}");
    assert_eq!(
        sms(deliveries(&agent, id_of(&urgent)).await)["urgent"],
        true
    );
    // In-app messages are not held back.
    assert_eq!(count(&t, "in_app", "delivered").await, 2);
    t.clock.advance_minutes(61);
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 1);
    assert_eq!(r.hits_of("aliyun")[1].fields["phone"], "13900000001");
}

async fn rate_limits_per_recipient(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let mut s = test_settings();
    s["rate_limits"]["sms"] = json!({"max": 2, "per_minutes": 60});
    put_settings(&admin, s).await;
    let mut sms = aliyun_sms(&r);
    sms["templates"] = json!({"comment": {"code": "SMS_465920003", "params": ["number"]}});
    put_sms(&admin, sms).await;
    admin
        .put(
            "/api/v1/notify/rules/comment",
            json!({"to": [{"who": "reporter", "via": ["sms"]}]}),
        )
        .await;
    let id = id_of(&phoned_in(&t, &agent, "楼上漏水到我家", false).await);
    for i in 0..4 {
        let (s, _) = agent
            .post(
                &format!("/api/v1/orders/{id}/comments"),
                json!({"text": format!("第{i}次回复")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!((rep.delivered, rep.deferred), (2, 2), "{rep:?}");
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 0);
    // Emergencies are not held back by the limit.
    let e = id_of(&phoned_in(&t, &agent, "主水管爆裂", true).await);
    agent
        .post(
            &format!("/api/v1/orders/{e}/comments"),
            json!({"text": "已通知停水"}),
        )
        .await;
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 1);
    t.clock.advance_minutes(61);
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!(
        rep.delivered, 2,
        "the held ones, once a slot frees: {rep:?}"
    );
    let hits = r.hits_of("aliyun");
    assert_eq!(hits.len(), 5);
    assert_eq!(
        hits.iter()
            .map(|h| h.key.clone())
            .collect::<HashSet<_>>()
            .len(),
        5
    );
}

async fn sla_alerts_are_notified_once(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let supervisor = t.login("supervisor").await;
    let now = jiff::Timestamp::from_millisecond(t.app.now_ms()).unwrap();
    let local = |mins: i64| {
        (now + jiff::SignedDuration::from_mins(mins))
            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
            .strftime("%H:%M")
            .to_string()
    };
    let mut s = test_settings();
    s["quiet_hours"] =
        json!({"start": local(-60), "end": local(120), "time_zone": "Asia/Shanghai"});
    put_settings(&admin, s).await;
    put_sms(&admin, aliyun_sms(&r)).await;
    let pasted = format!(
        "{}?key={}",
        r.url("/wecom/cgi-bin/webhook/send"),
        CREDS.wecom_key
    );
    add_endpoint(&admin, json!({"kind": "wecom", "name": "水电班群", "team_id": t.fx.team_water.0, "url": pasted, "markdown": false})).await;
    let o = create(&agent, json!({"kind": "repair", "text": "3栋电梯困人", "building_id": t.fx.building_a.0, "priority": "urgent",
        "emergency": true, "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0})).await;
    let number = o["order"]["number"].as_str().unwrap();
    t.app.deliver_notifications().await.unwrap();
    let before = r.hits().len();
    t.clock.advance_minutes(16); // past the 15-minute emergency response
    assert!(t.app.run_sla_timer().await.unwrap() >= 2);
    assert_eq!(t.app.run_sla_timer().await.unwrap(), 0);
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!(rep.dead + rep.retried + rep.deferred, 0, "{rep:?}");
    let new: Vec<_> = r.hits()[before..].to_vec();
    let breach_sms: Vec<_> = new
        .iter()
        .filter(|h| h.provider == "aliyun" && h.fields["template"] == "SMS_465920004")
        .collect();
    let phones: HashSet<String> = breach_sms
        .iter()
        .map(|h| h.fields["phone"].as_str().unwrap().to_string())
        .collect();
    // The breach alerts the assignee (刘师傅) and the owner (张客服), in quiet hours, as an emergency.
    assert_eq!(
        phones,
        HashSet::from(["13700000005".to_string(), "13700000004".to_string()])
    );
    assert!(
        breach_sms
            .iter()
            .all(|h| h.verified && h.fields["params"]["metric"] == "响应")
    );
    // The team group hears of the warning and of the breach once each, in text.
    let group: Vec<_> = new.iter().filter(|h| h.provider == "wecom").collect();
    assert_eq!(group.len(), 2, "{group:?}");
    assert!(
        group
            .iter()
            .all(|h| h.verified && h.fields["msgtype"] == "text" && h.key.contains(number))
    );
    // The supervisor's bell: one breach, although two people were alerted.
    let items = bell(&supervisor).await;
    assert_eq!(
        items.iter().filter(|i| i["event"] == "sla_breach").count(),
        1,
        "{items:?}"
    );
    let log = deliveries(&agent, id_of(&o)).await;
    let keys: Vec<&str> = log
        .iter()
        .map(|d| d["idempotency_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), keys.iter().collect::<HashSet<_>>().len());
    assert!(
        keys.iter()
            .any(|k| k.starts_with(&format!("sla:{}:response:-2|", id_of(&o))))
    );
}

mod notify_bench {
    //! `cargo test --release -p wuye --test integration -- --ignored notify_bench --nocapture`
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "benchmark: run with --ignored notify_bench"]
    async fn sqlite() {
        crate::common::run(crate::common::Backend::Sqlite, super::support::bench::run).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "benchmark: run with --ignored notify_bench"]
    async fn postgres() {
        crate::common::run(crate::common::Backend::Postgres, super::support::bench::run).await;
    }
}
