//! Order lists whose pages come from more than one query: a search whose
//! matches lie far apart in the id space (on PostgreSQL the newest ids are
//! walked first, older matches come from the full-text index).

use crate::backend_tests;
use crate::common::Backend;
use crate::common::TestApp;
use crate::orders::{create, list_ids, walk_one_by_one};
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
    // One page: both, newest first; one order a page: the same two.
    let (_, all) = agent.get("/api/v1/orders?q=排风扇").await;
    assert_eq!(list_ids(&all), vec![id(&new), id(&old)]);
    let walked = walk_one_by_one(&agent, "/api/v1/orders?q=排风扇").await;
    assert_eq!(walked, vec![id(&new), id(&old)]);
    // Only the old one matches this word: found below the newest ids.
    let (_, r) = agent.get("/api/v1/orders?q=异响").await;
    assert_eq!(list_ids(&r), vec![id(&old)]);
    // A word that is nowhere finds nothing.
    let (_, r) = agent.get("/api/v1/orders?q=不存在的词语").await;
    assert!(list_ids(&r).is_empty(), "{r}");
}
