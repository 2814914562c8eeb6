//! Random steps by random callers over HTTP (a fixed seed, so failures
//! repeat): refused steps change nothing, the timeline stays a chain, final
//! orders never change, counters match the timeline.

use crate::backend_tests;
use crate::common::{Client, TestApp};
use crate::orders::create;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(random_steps_keep_the_rules);

fn random_step(rng: &mut StdRng, t: &TestApp, other_order: i64) -> Value {
    let teams = [t.fx.team_water.0, t.fx.team_cleaning.0];
    let team = teams[rng.random_range(0..2)];
    let reason = if rng.random_bool(0.15) {
        ""
    } else {
        "原因说明"
    };
    match rng.random_range(0..17) {
        0 => {
            json!({"action": "dispatch", "team_id": team, "assignee_id": if team == t.fx.team_water.0 && rng.random_bool(0.6) { Some(t.fx.tech.0) } else { None }})
        }
        1 => json!({"action": "grab"}),
        2 => json!({"action": "accept"}),
        3 => json!({"action": "start"}),
        4 => json!({"action": "hold", "reason": reason}),
        5 => json!({"action": "resume"}),
        6 => json!({"action": "finish", "note": reason}),
        7 => json!({"action": "confirm"}),
        8 => json!({"action": "reject", "reason": reason}),
        9 => json!({"action": "return_visit", "outcome": "satisfied", "note": reason}),
        10 => json!({"action": "cancel", "reason": reason}),
        11 => json!({"action": "transfer", "team_id": team, "reason": reason}),
        12 => json!({"action": "dispute", "reason": reason}),
        13 => json!({"action": "rule", "team_id": team, "note": reason}),
        14 => json!({"action": "answer", "note": reason}),
        15 => json!({"action": "merge", "into": other_order}),
        _ => json!({"action": "accept"}),
    }
}

async fn random_steps_keep_the_rules(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let mut callers: Vec<Client> = Vec::new();
    for login in [
        "agent",
        "supervisor",
        "tech",
        "vendor",
        "13900000001",
        "13900000002",
        "manager",
    ] {
        callers.push(t.login(login).await);
    }
    let resident = t.login("13900000001").await;
    let mut rng = StdRng::seed_from_u64(20261127);
    let sink = create(
        &admin,
        json!({"kind": "repair", "text": "合并目标", "building_id": t.fx.building_a.0}),
    )
    .await["order"]["id"]
        .as_i64()
        .unwrap();
    for round in 0..4 {
        let kind = ["repair", "complaint", "consultation", "repair"][round];
        let id = create(&resident, json!({"kind": kind, "text": format!("第{round}单：水管漏水"), "home_id": t.fx.home_a101.0}))
            .await["order"]["id"]
            .as_i64()
            .unwrap();
        let path = format!("/api/v1/orders/{id}");
        let mut accepted = 0;
        for _ in 0..60 {
            let (_, before) = admin.get(&path).await;
            let caller = &callers[rng.random_range(0..callers.len())];
            let body = random_step(&mut rng, &t, sink);
            let (status, resp) = caller.post(&format!("{path}/steps"), body.clone()).await;
            let (_, after) = admin.get(&path).await;
            let was = before["order"]["state"].as_str().unwrap();
            if status.is_success() {
                accepted += 1;
                assert!(
                    !["closed", "cancelled", "merged"].contains(&was),
                    "{body} changed a final order"
                );
            } else {
                assert!(status.is_client_error(), "{body}: {status} {resp}");
                assert_eq!(
                    before["order"]["version"], after["order"]["version"],
                    "refused {body} ({status}) changed the order"
                );
                assert_eq!(before["timeline"], after["timeline"]);
            }
        }
        let (_, d) = admin.get(&path).await;
        let timeline = d["timeline"].as_array().unwrap();
        let steps: Vec<&Value> = timeline
            .iter()
            .filter(|e| e["to_state"].is_string())
            .collect();
        assert_eq!(steps[0]["action"], "create");
        for w in steps.windows(2) {
            assert_eq!(
                w[0]["to_state"], w[1]["from_state"],
                "timeline is not a chain: {d}"
            );
            assert!(w[0]["id"].as_i64() < w[1]["id"].as_i64());
        }
        assert_eq!(steps.last().unwrap()["to_state"], d["order"]["state"]);
        let count = |a: &str| timeline.iter().filter(|e| e["action"] == a).count() as i64;
        let rule_moves = timeline
            .iter()
            .filter(|e| e["action"] == "rule" && e["data"]["from_team_id"] != e["data"]["team_id"])
            .count() as i64;
        assert_eq!(
            d["order"]["reopen_count"].as_i64().unwrap(),
            count("reject")
        );
        assert_eq!(
            d["order"]["dispute_count"].as_i64().unwrap(),
            count("dispute")
        );
        assert_eq!(
            d["order"]["transfer_count"].as_i64().unwrap(),
            count("transfer") + rule_moves
        );
        assert!(accepted > 0, "the random walk never moved round {round}");
    }
}
