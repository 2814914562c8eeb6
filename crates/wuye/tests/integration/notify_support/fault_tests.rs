//! Faults and concurrency: a receiver down, failing, slow or timing out;
//! a worker killed mid-delivery; dead letters; two nodes (tests registered
//! in `notify.rs`).

use super::http::{CREDS, Fault, Receiver, free_port};
use super::*;
use crate::common::{TestApp, code};
use crate::orders::create;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

pub async fn faults_are_retried_then_delivered_once(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let mut s = test_settings();
    s["timeout_ms"] = json!(400);
    put_settings(&admin, s).await;
    // The receiver is down: connection refused.
    let port = free_port().await;
    add_endpoint(&admin, json!({"kind": "webhook", "name": "ERP", "url": format!("http://127.0.0.1:{port}/hook"), "secret": CREDS.hook_secret})).await;
    let o = phoned_in(&t, &agent, "阳台漏雨", false).await;
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!(rep.retried, 1, "{rep:?}");
    let log = deliveries(&agent, id_of(&o)).await;
    let hook = log
        .iter()
        .find(|d| d["channel"] == "webhook")
        .unwrap()
        .clone();
    assert_eq!(
        (&hook["status"], &hook["attempts"]),
        (&json!("pending"), &json!(1))
    );
    assert!(
        hook["last_error"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("connect"),
        "{hook}"
    );
    assert_eq!(
        t.app.deliver_notifications().await.unwrap(),
        Default::default(),
        "not before the backoff"
    );
    // Up again, but answering 500, then too slowly, then slowly yet in time.
    let r = Receiver::start_on(port).await;
    r.fail_next(&[Fault::Status(500), Fault::Delay(1500), Fault::Delay(150)]);
    for expected in ["retried", "retried", "delivered"] {
        t.clock.advance_hours(2);
        let rep = t.app.deliver_notifications().await.unwrap();
        let got = if rep.delivered == 1 {
            "delivered"
        } else if rep.retried == 1 {
            "retried"
        } else {
            "?"
        };
        assert_eq!(got, expected, "{rep:?}");
    }
    let hits = r.hits_of("hook");
    assert_eq!(hits.len(), 3);
    assert!(
        hits.iter()
            .all(|h| h.verified && h.key == hook["idempotency_key"].as_str().unwrap())
    );
    let log = deliveries(&agent, id_of(&o)).await;
    let rows: Vec<&Value> = log.iter().filter(|d| d["channel"] == "webhook").collect();
    assert_eq!(rows.len(), 1, "one row per (event, recipient, channel)");
    assert_eq!(
        (&rows[0]["status"], &rows[0]["attempts"]),
        (&json!("delivered"), &json!(4))
    );
    t.clock.advance_hours(2);
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 0);
    assert_eq!(r.hits().len(), 3, "never again once delivered");
}

pub async fn worker_killed_mid_delivery_delivers_after_restart(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    put_settings(&admin, test_settings()).await;
    webhook(&admin, &r, json!(["order_created"])).await;
    let o = phoned_in(&t, &agent, "热水器不出热水", false).await;
    r.fail_next(&[Fault::Hang]);
    let app = t.app.clone();
    let worker = tokio::spawn(async move { app.deliver_notifications().await });
    tokio::time::timeout(
        std::time::Duration::from_secs(20),
        r.inner.arrived.notified(),
    )
    .await
    .expect("the request reached the receiver");
    // Killed after sending, before recording.
    worker.abort();
    assert!(worker.await.unwrap_err().is_cancelled());
    let row = deliveries(&agent, id_of(&o))
        .await
        .into_iter()
        .find(|d| d["channel"] == "webhook")
        .unwrap();
    assert_eq!(
        (&row["status"], &row["attempts"]),
        (&json!("sending"), &json!(1))
    );
    // A restart right away leaves it to the (possibly still living) claim.
    assert_eq!(
        t.app.deliver_notifications().await.unwrap(),
        Default::default()
    );
    t.clock.advance_minutes(1); // past the lease (2 × timeout + 30 s)
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 1);
    let hits = r.hits_of("hook");
    assert_eq!(hits.len(), 2, "at least once towards the receiver");
    assert!(
        hits.iter()
            .all(|h| h.verified && h.key == row["idempotency_key"].as_str().unwrap())
    );
    let rows: Vec<Value> = deliveries(&agent, id_of(&o))
        .await
        .into_iter()
        .filter(|d| d["channel"] == "webhook")
        .collect();
    assert_eq!(rows.len(), 1, "deduplicated on our side");
    assert_eq!(
        (&rows[0]["status"], &rows[0]["attempts"]),
        (&json!("delivered"), &json!(2))
    );
}

pub async fn dead_letters_and_retry(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let mut s = test_settings();
    s["max_attempts"] = json!(3);
    put_settings(&admin, s).await;
    webhook(&admin, &r, json!([])).await;
    phoned_in(&t, &agent, "空调外机噪音大", false).await;
    r.fail_next(&[Fault::Status(500), Fault::Status(503), Fault::Status(500)]);
    let mut dead = 0;
    for _ in 0..3 {
        dead += t.app.deliver_notifications().await.unwrap().dead;
        t.clock.advance_hours(2);
    }
    assert_eq!(dead, 1);
    let (s, list) = admin.get("/api/v1/notify/deliveries?status=dead").await;
    assert_eq!(s, StatusCode::OK);
    let item = &list["items"][0];
    assert_eq!(
        (&item["attempts"], &item["max_attempts"]),
        (&json!(3), &json!(3))
    );
    assert!(item["last_error"].as_str().unwrap().starts_with("HTTP 500"));
    let id = item["id"].as_i64().unwrap();
    let (s, _) = agent
        .post(&format!("/api/v1/notify/deliveries/{id}/retry"), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = admin
        .post(&format!("/api/v1/notify/deliveries/{id}/retry"), json!({}))
        .await;
    assert_eq!(
        (s, &v["status"], &v["max_attempts"]),
        (StatusCode::OK, &json!("pending"), &json!(6)),
        "{v}"
    );
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 1);
    let (s, v) = admin
        .post(&format!("/api/v1/notify/deliveries/{id}/retry"), json!({}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "delivery_not_dead"));
    let (s, _) = admin
        .post("/api/v1/notify/deliveries/999999/retry", json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A refusal that retrying cannot fix is dead-lettered at once.
    phoned_in(&t, &agent, "电梯异响", false).await;
    r.fail_next(&[Fault::Status(400)]);
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!((rep.dead, rep.retried), (1, 0));
    let (_, audit) = admin.get("/api/v1/audit?entity=notify_delivery").await;
    assert_eq!(audit["items"][0]["action"], "retry");
    assert_eq!(r.hits().len(), 5);
}

pub async fn two_nodes_never_send_twice(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    put_settings(&admin, test_settings()).await;
    webhook(&admin, &r, json!(["order_created"])).await;
    for i in 0..30 {
        create(&agent, json!({"kind": "repair", "text": format!("第{i}号路灯不亮"), "building_id": t.fx.building_a.0})).await;
    }
    let second_db = wuye_store::Db::connect(
        &t.url,
        &wuye_store::DbOptions {
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
    let (a, b) = tokio::join!(
        t.app.deliver_notifications(),
        second.deliver_notifications()
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    second.db.close().await;
    assert_eq!(a.delivered + b.delivered, 30, "{a:?} {b:?}");
    let hits = r.hits_of("hook");
    assert_eq!(hits.len(), 30, "each once in all");
    assert_eq!(
        hits.iter()
            .map(|h| h.key.clone())
            .collect::<HashSet<_>>()
            .len(),
        30
    );
    assert!(hits.iter().all(|h| h.verified));
}
