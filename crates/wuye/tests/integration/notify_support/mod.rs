//! Receivers for the notification tests, and helpers to set channels up.

pub mod bench;
pub mod channel_tests;
pub mod fault_tests;
pub mod http;
pub mod smtp;
pub mod verify;

use crate::common::{Client, TestApp};
use crate::orders::create;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wuye_domain::ids::CompanyId;

/// Settings for tests: no quiet hours (tests run at any hour), short
/// timeouts, the shipped limits unless changed.
pub fn test_settings() -> Value {
    json!({
        "quiet_hours": null,
        "rate_limits": {
            "sms": {"max": 5, "per_minutes": 60},
            "email": {"max": 30, "per_minutes": 60},
            "robot": {"max": 20, "per_minutes": 1},
            "webhook": {"max": 0, "per_minutes": 1}
        },
        "max_attempts": 8,
        "backoff_base_seconds": 30,
        "backoff_max_seconds": 3600,
        "timeout_ms": 1000
    })
}

pub async fn put_settings(admin: &Client, s: Value) {
    let (st, v) = admin.put("/api/v1/notify/settings", s).await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

/// Aliyun SMS at the stand-in, with templates for some events.
pub fn aliyun_sms(r: &http::Receiver) -> Value {
    json!({
        "provider": "aliyun",
        "endpoint": r.url("/aliyun/"),
        "access_key_id": http::CREDS.aliyun_id,
        "access_key_secret": http::CREDS.aliyun_secret,
        "sign_name": "翠湖物业",
        "templates": {
            "order_created": {"code": "SMS_465920001", "params": ["number", "place"]},
            "dispatched": {"code": "SMS_465920002", "params": ["number", "place", "text"]},
            "comment": {"code": "SMS_465920003", "params": ["number"]},
            "sla_breach": {"code": "SMS_465920004", "params": ["number", "metric"]}
        }
    })
}

pub fn tencent_sms(r: &http::Receiver) -> Value {
    json!({
        "provider": "tencent",
        "endpoint": r.url("/tencent/"),
        "access_key_id": http::CREDS.tencent_id,
        "access_key_secret": http::CREDS.tencent_key,
        "sign_name": "翠湖物业",
        "sdk_app_id": "1400787878",
        "templates": {
            "order_created": {"code": "1110001", "params": ["number", "place"]},
            "dispatched": {"code": "1110002", "params": ["number", "place"]}
        }
    })
}

pub async fn put_sms(admin: &Client, cfg: Value) -> Value {
    let (st, v) = admin.put("/api/v1/notify/channels/sms", cfg).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

pub async fn add_endpoint(admin: &Client, body: Value) -> i64 {
    let (st, v) = admin.post("/api/v1/notify/endpoints", body).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

pub async fn webhook(admin: &Client, r: &http::Receiver, events: Value) -> i64 {
    add_endpoint(
        admin,
        json!({"kind": "webhook", "name": "ERP 对接", "url": r.url("/hook"), "secret": http::CREDS.hook_secret, "events": events}),
    )
    .await
}

/// Outbox rows by (channel, status).
pub async fn counts(t: &TestApp, company: CompanyId) -> Vec<(String, String, i64)> {
    let mut c = t.app.db.read().await.unwrap();
    wuye_store::notify::status_counts(&mut c, company)
        .await
        .unwrap()
}

pub async fn count(t: &TestApp, channel: &str, status: &str) -> i64 {
    counts(t, t.fx.company)
        .await
        .into_iter()
        .find(|(c, s, _)| c == channel && s == status)
        .map(|(_, _, n)| n)
        .unwrap_or(0)
}

/// An order's deliveries as staff see them.
pub async fn deliveries(c: &Client, order: i64) -> Vec<Value> {
    let (st, v) = c.get(&format!("/api/v1/orders/{order}/deliveries")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

pub async fn unread(c: &Client) -> i64 {
    let (s, v) = c.get("/api/v1/notifications/unread").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["unread"].as_i64().unwrap()
}

pub async fn bell(c: &Client) -> Vec<Value> {
    let (s, v) = c.get("/api/v1/notifications").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"].as_array().unwrap().clone()
}

pub fn id_of(created: &Value) -> i64 {
    created["order"]["id"].as_i64().unwrap()
}

/// An order the agent takes by phone for resident 业主甲 (so the resident is told).
pub async fn phoned_in(t: &TestApp, agent: &Client, text: &str, emergency: bool) -> Value {
    create(
        agent,
        json!({"kind": "repair", "text": text, "home_id": t.fx.home_a101.0,
               "resident_id": t.fx.res_a.0, "emergency": emergency}),
    )
    .await
}
