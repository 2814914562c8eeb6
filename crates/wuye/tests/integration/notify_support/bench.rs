//! The notification benchmark: 10,000 signed webhook deliveries to a local
//! receiver, written by the real outbox hook (100 orders × 100 webhooks)
//! and sent by the real worker. Prints the numbers for BENCHMARKS.md and
//! fails unless every delivery arrived exactly once, verified.

use super::http::{CREDS, Receiver};
use super::{put_settings, test_settings};
use crate::common::{Backend, TestApp};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use wuye_domain::notify::Channel;

const ORDERS: usize = 100;
const WEBHOOKS: usize = 100;

pub async fn run(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    put_settings(&admin, test_settings()).await;
    for i in 0..WEBHOOKS {
        super::add_endpoint(
            &admin,
            json!({"kind": "webhook", "name": format!("订阅方{i}"), "url": r.url("/hook"),
                   "secret": CREDS.hook_secret, "events": ["order_created"]}),
        )
        .await;
    }
    let started = Instant::now();
    for i in 0..ORDERS {
        crate::orders::create(
            &agent,
            json!({"kind": "repair", "text": format!("压测工单 {i}"), "building_id": t.fx.building_a.0}),
        )
        .await;
    }
    let enqueue = started.elapsed();
    let total = ORDERS * WEBHOOKS;
    assert_eq!(super::count(&t, "webhook", "pending").await as usize, total);
    let started = Instant::now();
    let report = t.app.deliver_channel(Channel::Webhook).await.unwrap();
    let deliver = started.elapsed();
    let hits = r.hits_of("hook");
    let mut per_key: HashMap<&str, usize> = HashMap::new();
    for h in &hits {
        *per_key.entry(h.key.as_str()).or_default() += 1;
    }
    let duplicates = per_key.values().filter(|n| **n > 1).count();
    let unverified = hits.iter().filter(|h| !h.verified).count();
    let backend = match t.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!(
        "notify_bench {backend}: {total} deliveries; enqueue (in {ORDERS} order transactions) {:.2} s; \
         delivery {:.2} s = {:.0}/s; delivered {}, retried {}, dead {}; receiver: {} requests, {} distinct keys, \
         {duplicates} duplicated, {unverified} unverified",
        enqueue.as_secs_f64(),
        deliver.as_secs_f64(),
        total as f64 / deliver.as_secs_f64(),
        report.delivered,
        report.retried,
        report.dead,
        hits.len(),
        per_key.len(),
    );
    assert_eq!(report.delivered, total);
    assert_eq!(hits.len(), total);
    assert_eq!(per_key.len(), total);
    assert_eq!((duplicates, unverified), (0, 0));
    assert_eq!(
        super::count(&t, "webhook", "delivered").await as usize,
        total
    );
}
