//! Finding orders through the API: duplicates offered and merged, repeat
//! repairs marked, and search with filters and pages.

use crate::backend_tests;
use crate::common::{TestApp, code};
use crate::orders::{actions, create, list_ids, step, walk_one_by_one};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(
    duplicates_are_offered_and_merged,
    repeat_repairs_are_marked,
    search_filters_and_pages,
);

async fn duplicates_are_offered_and_merged(t: Arc<TestApp>) {
    let res_a = t.login("13900000001").await;
    let agent = t.login("agent").await;
    let first = create(
        &res_a,
        json!({"kind": "repair", "text": "厨房水管漏水", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let first_id = first["order"]["id"].as_i64().unwrap();
    assert!(first["duplicates"].as_array().unwrap().is_empty());
    let body = json!({"kind": "repair", "text": "我家厨房的水管在漏水！！", "home_id": t.fx.home_a101.0, "resident_id": t.fx.res_a2.0});
    // Shown before saving …
    let (s, cands) = agent.post("/api/v1/orders/duplicates", body.clone()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cands[0]["id"], first_id, "{cands}");
    // … and with the new order.
    let second = create(&agent, body).await;
    assert_eq!(second["duplicates"][0]["id"], first_id);
    let second_id = second["order"]["id"].as_i64().unwrap();
    // A different problem at the same home is no duplicate.
    let (_, none) = agent
        .post(
            "/api/v1/orders/duplicates",
            json!({"kind": "complaint", "text": "楼上装修太吵", "home_id": t.fx.home_a101.0}),
        )
        .await;
    assert!(none.as_array().unwrap().is_empty(), "{none}");
    // Merge: the duplicate closes, its reporter follows the survivor.
    let (s, v) = agent
        .post(
            &format!("/api/v1/orders/{second_id}/steps"),
            json!({"action": "merge", "into": second_id}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "merge_into_self")
    );
    let d = step(
        &agent,
        second_id,
        json!({"action": "merge", "into": first_id}),
    )
    .await;
    assert_eq!(
        (
            d["order"]["state"].as_str(),
            d["order"]["merged_into"].as_i64()
        ),
        (Some("merged"), Some(first_id))
    );
    let (_, survivor) = agent.get(&format!("/api/v1/orders/{first_id}")).await;
    assert_eq!(survivor["followers"][0]["resident_id"], t.fx.res_a2.0);
    assert!(actions(&survivor).contains(&"merged_in".to_string()));
    let res_a2 = t.login("13900000002").await;
    assert_eq!(
        res_a2.get(&format!("/api/v1/orders/{first_id}")).await.0,
        StatusCode::OK,
        "followers see the survivor"
    );
}

async fn repeat_repairs_are_marked(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let tech = t.login("tech").await;
    let resident = t.login("13900000001").await;
    let base = json!({"kind": "repair", "text": "马桶漏水", "home_id": t.fx.home_a101.0, "category": "plumbing",
        "resident_id": t.fx.res_a.0, "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0});
    let first = create(&agent, base.clone()).await["order"]["id"]
        .as_i64()
        .unwrap();
    for s in ["accept", "start"] {
        step(&tech, first, json!({"action": s})).await;
    }
    step(
        &tech,
        first,
        json!({"action": "finish", "note": "换了密封圈"}),
    )
    .await;
    step(&resident, first, json!({"action": "confirm"})).await;
    let second = create(&agent, json!({"kind": "repair", "text": "马桶又漏了", "home_id": t.fx.home_a101.0, "category": "plumbing"})).await;
    assert_eq!(second["order"]["repeat_of"], first);
    let other = create(&agent, json!({"kind": "repair", "text": "灯坏了", "home_id": t.fx.home_a101.0, "category": "electrical"})).await;
    assert!(other["order"]["repeat_of"].is_null());
    let (_, d) = agent.get(&format!("/api/v1/orders/{first}")).await;
    assert_eq!(d["repeated_by"][0]["id"], second["order"]["id"]);
    // A second complaint about the same home within 30 days repeats the first.
    let c1 = create(
        &agent,
        json!({"kind": "complaint", "text": "楼上太吵", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let c2 = create(
        &agent,
        json!({"kind": "complaint", "text": "楼上又在吵", "home_id": t.fx.home_a101.0}),
    )
    .await;
    assert_eq!(c2["order"]["repeat_of"], c1["order"]["id"]);
    let elsewhere = create(
        &agent,
        json!({"kind": "complaint", "text": "楼上太吵", "home_id": t.fx.home_a102.0}),
    )
    .await;
    assert!(elsewhere["order"]["repeat_of"].is_null());
}

async fn search_filters_and_pages(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let lift = create(&agent, json!({"kind": "repair", "text": "3栋电梯困人了", "building_id": t.fx.building_a.0, "priority": "urgent"})).await;
    let leak = create(
        &agent,
        json!({"kind": "repair", "text": "厨房水管漏水", "home_id": t.fx.home_a102.0}),
    )
    .await;
    let noise = create(
        &agent,
        json!({"kind": "complaint", "text": "楼上装修太吵", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let ids = list_ids;
    let id = |v: &Value| v["order"]["id"].as_i64().unwrap();
    let (_, r) = agent.get("/api/v1/orders?q=电梯").await;
    assert_eq!(ids(&r), vec![id(&lift)]);
    let (_, r) = agent.get("/api/v1/orders?q=漏水").await;
    assert_eq!(ids(&r), vec![id(&leak)]);
    let (_, r) = agent.get("/api/v1/orders?q=水管 漏水").await;
    assert_eq!(ids(&r), vec![id(&leak)]);
    let (_, r) = agent.get("/api/v1/orders?q=燃气").await;
    assert!(ids(&r).is_empty());
    let (_, r) = agent.get("/api/v1/orders?q=！！").await;
    assert!(ids(&r).is_empty());
    let number = leak["order"]["number"].as_str().unwrap();
    let (_, r) = agent
        .get(&format!("/api/v1/orders?number={}", number.to_lowercase()))
        .await;
    assert_eq!(ids(&r), vec![id(&leak)]);
    let (_, r) = agent
        .get(&format!("/api/v1/orders?q={}", number.to_lowercase()))
        .await;
    assert_eq!(ids(&r), vec![id(&leak)], "numbers are searchable");
    let (s, d) = agent
        .get(&format!("/api/v1/orders/by-number/{number}"))
        .await;
    assert_eq!(
        (s, d["order"]["id"].as_i64()),
        (StatusCode::OK, Some(id(&leak)))
    );
    let (_, r) = agent.get("/api/v1/orders?kind=complaint").await;
    assert_eq!(ids(&r), vec![id(&noise)]);
    let (_, r) = agent
        .get(&format!("/api/v1/orders?home_id={}", t.fx.home_a102.0))
        .await;
    assert_eq!(ids(&r), vec![id(&leak)]);
    let (_, r) = agent.get("/api/v1/orders?queue=new").await;
    assert_eq!(ids(&r).len(), 3);
    let (_, r) = agent
        .get("/api/v1/orders?state=received,dispatched&sort=deadline")
        .await;
    assert_eq!(ids(&r).len(), 3);
    // Keyset pages, newest first.
    let (_, p1) = agent.get("/api/v1/orders?limit=2").await;
    assert_eq!(ids(&p1), vec![id(&noise), id(&leak)]);
    let (_, p2) = agent
        .get(&format!(
            "/api/v1/orders?limit=2&after={}",
            p1["next"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&p2), vec![id(&lift)]);
    assert!(p2["next"].is_null());
    // Dates in the company's zone.
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    let (_, r) = agent
        .get(&format!("/api/v1/orders?from={today}&to={today}"))
        .await;
    assert_eq!(ids(&r).len(), 3);
    let (_, r) = agent
        .get(&format!("/api/v1/orders?to={}", today.yesterday().unwrap()))
        .await;
    assert!(ids(&r).is_empty());
    // With dates, pages go by creation time: one order a page walks the same
    // orders, newest first, as one page.
    let dated = format!("/api/v1/orders?from={today}&to={today}");
    let (_, one_page) = agent.get(&dated).await;
    let walked = walk_one_by_one(&agent, &dated).await;
    assert_eq!(walked, ids(&one_page));
    assert_eq!(walked, vec![id(&noise), id(&leak), id(&lift)]);
    let (s, v) = agent.get("/api/v1/orders?from=yesterday").await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "query_param_invalid")
    );
    let (s, v) = agent.get("/api/v1/orders?state=flying").await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "state_invalid")
    );
    // Search results page too, newest first, with the other filters applied.
    let leak2 = create(
        &agent,
        json!({"kind": "complaint", "text": "楼道天花板漏水没人管", "building_id": t.fx.building_a.0}),
    )
    .await;
    let (_, s1) = agent.get("/api/v1/orders?q=漏水&limit=1").await;
    assert_eq!(ids(&s1), vec![id(&leak2)]);
    let (_, s2) = agent
        .get(&format!(
            "/api/v1/orders?q=漏水&limit=1&after={}",
            s1["next"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&s2), vec![id(&leak)]);
    assert!(s2["next"].is_null(), "{s2}");
    let (_, r) = agent.get("/api/v1/orders?q=漏水&kind=repair").await;
    assert_eq!(ids(&r), vec![id(&leak)]);
    let (_, r) = agent.get("/api/v1/orders?q=漏水&sort=deadline").await;
    assert_eq!(ids(&r).len(), 2);
    // Deadline pages, one order each, walk the same order as one page: the
    // running deadlines first, earliest first, then the orders without one
    // (a cancelled order has none).
    step(
        &agent,
        id(&noise),
        json!({"action": "cancel", "reason": "业主撤回"}),
    )
    .await;
    let (_, all) = agent.get("/api/v1/orders?sort=deadline").await;
    let keys: Vec<(String, i64)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let due = o["next_deadline_at"].as_str().unwrap_or("~ none");
            (due.to_string(), o["id"].as_i64().unwrap())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "deadline order, none last");
    assert!(
        keys.first().is_some_and(|k| !k.0.starts_with('~')),
        "{keys:?}"
    );
    assert!(
        keys.last().is_some_and(|k| k.0.starts_with('~')),
        "{keys:?}"
    );
    let walked = walk_one_by_one(&agent, "/api/v1/orders?sort=deadline").await;
    assert_eq!(walked, ids(&all));
    assert_eq!(walked.len(), 4);
}
