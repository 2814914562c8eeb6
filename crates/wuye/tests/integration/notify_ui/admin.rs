//! The admins' notification page over HTTP, on both backends: dead letters
//! and their retry button, rules, templates and the preview — with CSRF,
//! escaping, who may see it, and Chinese first, then English.

use super::{Web, text_of};
use crate::backend_tests;
use crate::common::TestApp;
use crate::orders::create;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(
    admin_retries_a_dead_letter_from_the_page,
    rules_templates_and_preview_from_the_page,
    the_admin_page_in_english,
);

/// Settings for tests: no quiet hours, one attempt before a dead letter.
fn one_attempt() -> Value {
    json!({
        "quiet_hours": null,
        "rate_limits": {
            "sms": {"max": 5, "per_minutes": 60},
            "email": {"max": 30, "per_minutes": 60},
            "robot": {"max": 20, "per_minutes": 1},
            "webhook": {"max": 0, "per_minutes": 1}
        },
        "max_attempts": 1,
        "backoff_base_seconds": 30,
        "backoff_max_seconds": 3600,
        "timeout_ms": 1000
    })
}

async fn admin_retries_a_dead_letter_from_the_page(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let (s, v) = admin.put("/api/v1/notify/settings", one_attempt()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A webhook at a port nobody listens on: refused, and with one attempt, dead.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (s, v) = admin
        .post(
            "/api/v1/notify/endpoints",
            json!({"kind": "webhook", "name": "ERP 对接", "url": format!("http://127.0.0.1:{port}/hook"),
                   "secret": "hook-secret-1", "events": ["order_created"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    create(
        &agent,
        json!({"kind": "repair", "text": "地下车库照明坏了", "building_id": t.fx.building_a.0}),
    )
    .await;
    let report = t.app.deliver_notifications().await.unwrap();
    assert_eq!(report.dead, 1);
    let (_, list) = admin.get("/api/v1/notify/deliveries?status=dead").await;
    let dead = list["items"][0]["id"].as_i64().unwrap();

    let web = Web::sign_in(&t, "admin").await;
    let page = web.get("/admin/notify").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("href=\"/admin/notify\""),
        "in the admin tabs"
    );
    assert!(page.body.contains("发送失败"));
    assert!(page.body.contains("ERP 对接"));
    let retry = format!("/admin/notify/deliveries/{dead}/retry");
    assert!(page.body.contains(&format!("action=\"{retry}\"")));
    // Channels: webhooks set up, SMS and e-mail not.
    assert!(page.body.contains("未配置"));
    assert!(page.body.contains("已配置"));

    // Without the token, or by someone else, nothing happens.
    let r = web.post_without_csrf(&retry, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let desk = Web::sign_in(&t, "agent").await;
    let r = desk.post(&retry, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (_, d) = admin.get("/api/v1/notify/deliveries?status=dead").await;
    assert_eq!(d["items"][0]["id"], dead);

    let r = web.post(&retry, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (_, d) = admin.get("/api/v1/notify/deliveries?status=pending").await;
    let back = d["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == dead)
        .expect("pending again");
    assert_eq!(
        (&back["attempts"], &back["max_attempts"]),
        (&json!(1), &json!(2))
    );
    let page = web.get(&r.location).await;
    assert!(page.body.contains("已重新排队"));
    assert!(!page.body.contains(&format!("action=\"{retry}\"")));
    let pending = web.get("/admin/notify?status=pending").await;
    assert!(pending.body.contains("ERP 对接"));
    // Only dead letters can be retried.
    let r = web.post(&retry, &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("只有失败（dead）的投递可以重试"),
        "{}",
        r.body
    );

    // Residents, agents and managers cannot reach the page.
    for login in ["13900000001", "agent", "manager"] {
        let w = Web::sign_in(&t, login).await;
        let r = w.get("/admin/notify").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{login}");
        assert!(!r.body.contains("ERP 对接"));
        assert!(
            !w.get("/admin")
                .await
                .body
                .contains("href=\"/admin/notify\"")
        );
    }
}

async fn rules_templates_and_preview_from_the_page(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let web = Web::sign_in(&t, "admin").await;
    let page = web.get("/admin/notify").await;
    assert!(page.body.contains("id=\"ev-dispatched\""));
    assert!(
        page.body
            .contains("name=\"assignee:sms\" value=\"1\" checked")
    );

    // A rule saved from its boxes.
    let r = web
        .post(
            "/admin/notify/rules/dispatched",
            &[
                ("enabled", "1"),
                ("reporter:in_app", "1"),
                ("assignee:in_app", "1"),
                ("assignee:email", "1"),
                ("team_group:robot", "1"),
                ("op", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location.contains("open=dispatched"));
    let (_, rules) = admin.get("/api/v1/notify/rules").await;
    let rule = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["event"] == "dispatched")
        .unwrap()
        .clone();
    assert_eq!(rule["customized"], true);
    assert_eq!(
        rule["to"],
        json!([
            {"who": "reporter", "via": ["in_app"]},
            {"who": "assignee", "via": ["in_app", "email"]},
            {"who": "team_group", "via": ["robot"]}
        ])
    );
    let page = web.get(&r.location).await;
    assert!(
        page.body
            .contains("<details id=\"ev-dispatched\" class=\"event-block\" open>")
    );
    assert!(
        page.body
            .contains("name=\"assignee:email\" value=\"1\" checked")
    );
    assert!(
        !page
            .body
            .contains("name=\"assignee:sms\" value=\"1\" checked")
    );
    // A rule the domain refuses comes back with its reason.
    let r = web
        .post(
            "/admin/notify/rules/dispatched",
            &[("enabled", "1"), ("alerted:in_app", "1"), ("op", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("只用于时限事件"), "{}", r.body);
    let r = web
        .post("/admin/notify/rules/dispatched", &[("op", "reset")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (_, rules) = admin.get("/api/v1/notify/rules").await;
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["event"] == "dispatched" && r["customized"] == false)
    );
    let r = web
        .post_without_csrf("/admin/notify/rules/dispatched", &[("op", "reset")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Templates: saved per event and language; unknown placeholders refused.
    let r = web
        .post(
            "/admin/notify/templates/dispatched/en",
            &[
                ("title", "New job {number}"),
                ("body", "At {place}: {text}"),
                ("op", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (_, ts) = admin.get("/api/v1/notify/templates").await;
    assert!(
        ts.as_array()
            .unwrap()
            .iter()
            .any(|x| x["event"] == "dispatched"
                && x["lang"] == "en"
                && x["title"] == "New job {number}"
                && x["customized"] == true)
    );
    let r = web
        .post(
            "/admin/notify/templates/dispatched/zh-CN",
            &[
                ("title", "新派单 {nope}"),
                ("body", "{place}"),
                ("op", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("role=\"alert\""));
    assert!(
        r.body.contains("value=\"新派单 {nope}\""),
        "the draft is kept"
    );

    // The preview: the htmx fragment, escaped; and the page without script.
    let fields = [
        ("event", "dispatched"),
        ("lang", "zh-CN"),
        ("title", "<script>alert(1)</script> {number}"),
        ("body", "位置：{place}"),
    ];
    let r = web.post_htmx("/admin/notify/preview", &fields).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("<html"));
    assert!(!r.body.contains("<script>alert(1)"), "{}", r.body);
    assert!(
        text_of(&r.body).contains("<script>alert(1)</script> BX2026112700007"),
        "shown as text: {}",
        r.body
    );
    assert!(r.body.contains("位置：翠湖花园 3栋2单元1502"));
    let r = web
        .post_htmx(
            "/admin/notify/preview",
            &[
                ("event", "dispatched"),
                ("lang", "zh-CN"),
                ("title", "{nope}"),
                ("body", "x"),
            ],
        )
        .await;
    assert!(r.body.contains("role=\"alert\""), "{}", r.body);
    let mut with_token = vec![("_csrf", web.csrf.as_str())];
    with_token.extend_from_slice(&fields);
    let r = web
        .post_without_csrf("/admin/notify/preview", &with_token)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<html"));
    assert!(
        r.body
            .contains("<details id=\"ev-dispatched\" class=\"event-block\" open>")
    );
    assert!(r.body.contains("class=\"preview-box\""));
    assert!(!r.body.contains("<script>alert(1)"));
    let r = web
        .post_without_csrf("/admin/notify/preview", &fields)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let resident = Web::sign_in(&t, "13900000001").await;
    let r = resident.post_htmx("/admin/notify/preview", &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Chinese first (the default, and the first template form), English when
/// the reader switches: the page, the bell, the inbox and the delivery log.
async fn the_admin_page_in_english(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let web = Web::sign_in(&t, "admin").await;
    let page = web.get("/admin/notify").await;
    assert!(page.body.contains("<html lang=\"zh-CN\""));
    assert!(page.body.contains("通知规则与模板"));
    let zh = page
        .body
        .find("id=\"t-dispatched-zh-CN\"")
        .expect("zh-CN form");
    let en = page.body.find("id=\"t-dispatched-en\"").expect("en form");
    assert!(zh < en, "the Chinese template comes first");

    let o = create(
        &agent,
        json!({"kind": "repair", "text": "二楼走廊灯闪", "building_id": t.fx.building_a.0}),
    )
    .await;
    let id = o["order"]["id"].as_i64().unwrap();
    crate::orders::step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await;

    let r = web.post("/prefs", &[("toggle", "lang")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = web
        .get("/admin/notify?status=delivered&open=dispatched")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for needle in [
        "<html lang=\"en\"",
        "Rules and templates",
        "Delivery log",
        "Channels",
        "Not set up",
        "Always on",
        "Placeholders: ",
        ">Chinese<",
        ">English<",
        "Save the rule",
        "Preview",
        "Delivered",
    ] {
        assert!(page.body.contains(needle), "{needle} missing");
    }
    assert!(!page.body.contains("通知规则与模板"));
    let zh = page.body.find("id=\"t-dispatched-zh-CN\"").unwrap();
    let en = page.body.find("id=\"t-dispatched-en\"").unwrap();
    assert!(zh < en, "still Chinese first");

    let bell = web.get_htmx("/notifications/bell").await;
    assert!(
        bell.body.contains("aria-label=\"Notifications, "),
        "{}",
        bell.body
    );
    let log = web.get(&format!("/desk/orders/{id}")).await;
    let log = &log.body[log.body.find("id=\"deliveries\"").expect("the log")..];
    for needle in [
        "Deliveries",
        "Recipient",
        "Channel",
        "Attempts",
        "Dispatched",
    ] {
        assert!(log.contains(needle), "{needle} missing from\n{log}");
    }
    let inbox = web.get("/notifications").await;
    assert!(inbox.body.contains("Notification preferences"));
}
