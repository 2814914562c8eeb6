//! Order lists whose pages come from more than one query: a search whose
//! matches lie far apart in the id space (on PostgreSQL the newest ids are
//! walked first, older matches come from the full-text index).

use crate::backend_tests;
use crate::common::Backend;
use crate::common::TestApp;
use crate::orders::create;
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(search_pages_reach_far_older_matches);

/// Moves the id sequence of work orders on, as if 100,000 orders had come in
/// since: the next order gets an id far above the earlier ones.
async fn skip_order_ids(t: &TestApp) {
    let sql = match t.backend {
        Backend::Sqlite => {
            "UPDATE sqlite_sequence SET seq = seq + 100000 WHERE name = 'work_orders'"
        }
        Backend::Postgres => {
            "SELECT setval(pg_get_serial_sequence('work_orders', 'id'), \
             (SELECT MAX(id) FROM work_orders) + 100000)"
        }
    };
    let mut tx = t.app.db.begin().await.unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn search_pages_reach_far_older_matches(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let id = |v: &Value| v["order"]["id"].as_i64().unwrap();
    let old = create(
        &agent,
        json!({"kind": "repair", "text": "车库排风扇异响", "building_id": t.fx.building_a.0}),
    )
    .await;
    skip_order_ids(&t).await;
    let new = create(
        &agent,
        json!({"kind": "repair", "text": "车库排风扇又响了", "building_id": t.fx.building_a.0}),
    )
    .await;
    assert!(id(&new) > id(&old) + 50_000, "{} {}", id(&new), id(&old));
    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect()
    };
    // One page: both, newest first.
    let (_, all) = agent.get("/api/v1/orders?q=排风扇").await;
    assert_eq!(ids(&all), vec![id(&new), id(&old)]);
    // One order a page: the same two, and then no more.
    let (_, p1) = agent.get("/api/v1/orders?q=排风扇&limit=1").await;
    assert_eq!(ids(&p1), vec![id(&new)]);
    let next = p1["next"].as_str().unwrap();
    let (_, p2) = agent
        .get(&format!("/api/v1/orders?q=排风扇&limit=1&after={next}"))
        .await;
    assert_eq!(ids(&p2), vec![id(&old)]);
    assert!(p2["next"].is_null(), "{p2}");
    // Only the old one matches this word: found below the newest ids.
    let (_, r) = agent.get("/api/v1/orders?q=异响").await;
    assert_eq!(ids(&r), vec![id(&old)]);
    // A word that is nowhere finds nothing.
    let (_, r) = agent.get("/api/v1/orders?q=不存在的词语").await;
    assert!(ids(&r).is_empty(), "{r}");
}
