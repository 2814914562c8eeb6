//! Order lookups whose speed rests on a particular index or plan, checked
//! for the rows they give: a search whose matches lie far apart in the id space (on
//! PostgreSQL the newest ids are walked first, older matches come from the
//! full-text index), a team's queue by deadline (read through the team's
//! own deadline index), and the duplicate candidates of a public place
//! (read through the place's own index of recent orders).

use crate::backend_tests;
use crate::common::Backend;
use crate::common::TestApp;
use crate::orders::{create, list_ids, step, walk_one_by_one};
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(
    search_pages_reach_far_older_matches,
    one_team_deadline_queue_keeps_order_and_team,
    public_place_duplicates_stay_at_their_place
);

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

/// A team's queue by deadline holds that team's orders only, in the same
/// order as the whole list by deadline (running deadlines first, then the
/// rest by id), and one order a page walks the same list.
async fn one_team_deadline_queue_keeps_order_and_team(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let tech = t.login("tech").await;
    let (water, cleaning) = (t.fx.team_water.0, t.fx.team_cleaning.0);
    // Orders of both teams interleaved, with different deadlines (priority),
    // and one of the water team's cancelled (no running deadline).
    let mut cancelled = None;
    for (i, (team, priority)) in [
        (water, "regular"),
        (cleaning, "urgent"),
        (water, "urgent"),
        (cleaning, "regular"),
        (water, "regular"),
        (water, "urgent"),
    ]
    .into_iter()
    .enumerate()
    {
        let v = create(
            &agent,
            json!({"kind": "repair", "text": format!("楼道第{i}处墙皮脱落"), "building_id": t.fx.building_a.0,
                   "team_id": team, "priority": priority}),
        )
        .await;
        if i == 4 {
            cancelled = v["order"]["id"].as_i64();
        }
    }
    let id = cancelled.unwrap();
    step(
        &agent,
        id,
        json!({"action": "cancel", "reason": "业主撤回"}),
    )
    .await;
    // The whole list by deadline, narrowed to the water team by hand.
    let (_, all) = agent.get("/api/v1/orders?sort=deadline").await;
    let expected: Vec<i64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["team_id"] == water)
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(expected.len(), 4, "{all}");
    assert_eq!(expected.last(), Some(&id), "no deadline sorts last");
    // The team queue holds open orders only: not the cancelled one.
    let open = &expected[..3];
    let team_queue = "/api/v1/orders?queue=team";
    let (_, mine) = tech.get(team_queue).await;
    assert_eq!(list_ids(&mine), open);
    assert_eq!(walk_one_by_one(&tech, team_queue).await, open);
    // The team filter keeps every state.
    let by_filter = format!("/api/v1/orders?team_id={water}&sort=deadline");
    let (_, filtered) = agent.get(&by_filter).await;
    assert_eq!(list_ids(&filtered), expected);
    assert_eq!(walk_one_by_one(&agent, &by_filter).await, expected);
}

/// A public place's duplicates are the open orders of the same building, or
/// of the same community's grounds: never a home's, another building's or
/// the grounds' for a building.
async fn public_place_duplicates_stay_at_their_place(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let ids = |v: &Value| -> Vec<i64> {
        v["duplicates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect()
    };
    let at_building =
        json!({"kind": "repair", "text": "楼道灯不亮", "building_id": t.fx.building_a.0});
    let on_grounds = json!({"kind": "repair", "text": "楼道灯不亮", "community_id": t.fx.a.0, "place_kind": "grounds"});
    let at_home = json!({"kind": "repair", "text": "楼道灯不亮", "home_id": t.fx.home_a101.0, "resident_id": t.fx.res_a.0});
    let first = create(&agent, at_building.clone()).await;
    assert_eq!(ids(&first), Vec::<i64>::new());
    let building_1 = first["order"]["id"].as_i64().unwrap();
    // The same words elsewhere in the community are other places.
    let grounds_1 = create(&agent, on_grounds.clone()).await;
    assert_eq!(ids(&grounds_1), Vec::<i64>::new(), "grounds ≠ building");
    let home_1 = create(&agent, at_home).await;
    assert_eq!(ids(&home_1), Vec::<i64>::new(), "a home ≠ its building");
    // The same place again: offered, newest first.
    let second = create(
        &agent,
        json!({"kind": "repair", "text": "3单元楼道的灯坏了不亮", "building_id": t.fx.building_a.0}),
    )
    .await;
    assert_eq!(ids(&second), vec![building_1]);
    let building_2 = second["order"]["id"].as_i64().unwrap();
    let (_, shown) = agent.post("/api/v1/orders/duplicates", at_building).await;
    let shown: Vec<i64> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    let mut expected = vec![building_1, building_2];
    let mut got = shown.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "the desk's check before saving");
    let grounds_2 = create(&agent, on_grounds).await;
    assert_eq!(
        ids(&grounds_2),
        vec![grounds_1["order"]["id"].as_i64().unwrap()]
    );
}
