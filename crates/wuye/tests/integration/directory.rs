//! The property directory through the API: communities, buildings,
//! entrances, homes, residents, staff, teams, and the audit trail.

use crate::backend_tests;
use crate::common::{TestApp, code};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;

backend_tests!(
    communities_crud_and_in_use,
    buildings_entrances_homes,
    homes_are_exact_and_searchable,
    residents_crud_links_and_scope,
    duplicate_phones_are_conflicts,
    staff_accounts_and_deactivation,
    managers_cannot_make_admins,
    failed_staff_account_leaves_nothing,
    teams_and_members,
    every_change_is_audited,
);

async fn communities_crud_and_in_use(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let (s, c) = admin
        .post(
            "/api/v1/communities",
            json!({"name": "滨江壹号", "address": "江南大道 1 号"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["id"].as_i64().unwrap();
    let (s, v) = admin
        .post("/api/v1/communities", json!({"name": "滨江壹号"}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::CONFLICT, "community_name_taken")
    );
    let (s, c) = admin
        .patch(
            &format!("/api/v1/communities/{id}"),
            json!({"address": "江南大道 2 号"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (c["name"].as_str(), c["address"].as_str()),
        (Some("滨江壹号"), Some("江南大道 2 号"))
    );
    let (s, b) = admin
        .post(
            &format!("/api/v1/communities/{id}/buildings"),
            json!({"name": "1栋"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // Not while a building is in it.
    let (s, v) = admin.delete(&format!("/api/v1/communities/{id}")).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "in_use"));
    assert_eq!(
        admin
            .delete(&format!("/api/v1/buildings/{}", b["id"]))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin.delete(&format!("/api/v1/communities/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    let (s, v) = admin.get(&format!("/api/v1/communities/{id}")).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
}

async fn buildings_entrances_homes(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let a = t.fx.a.0;
    let (_, b) = admin
        .post(
            &format!("/api/v1/communities/{a}/buildings"),
            json!({"name": "3栋"}),
        )
        .await;
    let bid = b["id"].as_i64().unwrap();
    let (s, v) = admin
        .post(
            &format!("/api/v1/communities/{a}/buildings"),
            json!({"name": "3栋"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "building_name_taken"));
    let (_, e) = admin
        .post(
            &format!("/api/v1/buildings/{bid}/entrances"),
            json!({"name": "2单元"}),
        )
        .await;
    let eid = e["id"].as_i64().unwrap();
    let (s, h) = admin
        .post("/api/v1/homes", json!({"building_id": bid, "entrance_id": eid, "number": "1202", "floor": 12, "area": "89.50"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{h}");
    assert_eq!(h["label"], "3栋2单元1202");
    assert_eq!(h["area"], "89.5");
    let (s, v) = admin
        .post(
            "/api/v1/homes",
            json!({"building_id": bid, "entrance_id": eid, "number": "1202"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "home_exists"));
    // An entrance of another building is refused.
    let (s, v) = admin
        .post(
            "/api/v1/homes",
            json!({"building_id": bid, "entrance_id": t.fx.entrance_a.0, "number": "1"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "entrance_not_in_building")
    );
    // A building that does not exist.
    let (s, v) = admin
        .post(
            "/api/v1/homes",
            json!({"building_id": 99999, "number": "1"}),
        )
        .await;
    assert_eq!(
        (s, code(&v), v["error"]["field"].as_str()),
        (StatusCode::NOT_FOUND, "not_found", Some("building_id"))
    );
    // Renaming a building relabels its homes.
    let (s, _) = admin
        .patch(
            &format!("/api/v1/buildings/{bid}"),
            json!({"name": "三号楼"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, home) = admin.get(&format!("/api/v1/homes/{}", h["id"])).await;
    assert_eq!(home["label"], "三号楼2单元1202");
    let (_, es) = admin
        .get(&format!("/api/v1/buildings/{bid}/entrances"))
        .await;
    assert_eq!(es.as_array().unwrap().len(), 1);
    // Floors are checked.
    let (s, v) = admin
        .patch(&format!("/api/v1/homes/{}", h["id"]), json!({"floor": 0}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "floor_invalid")
    );
    // Delete in order: home, entrance, building.
    let (s, v) = admin.delete(&format!("/api/v1/entrances/{eid}")).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "in_use"));
    assert_eq!(
        admin.delete(&format!("/api/v1/homes/{}", h["id"])).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin.delete(&format!("/api/v1/entrances/{eid}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin.delete(&format!("/api/v1/buildings/{bid}")).await.0,
        StatusCode::NO_CONTENT
    );
}

async fn homes_are_exact_and_searchable(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let (s, v) = admin
        .patch(
            &format!("/api/v1/homes/{}", t.fx.home_a101.0),
            json!({"area": "-3"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "area_invalid")
    );
    let (s, h) = admin
        .patch(
            &format!("/api/v1/homes/{}", t.fx.home_a101.0),
            json!({"area": "120.05"}),
        )
        .await;
    assert_eq!((s, h["area"].as_str()), (StatusCode::OK, Some("120.05")));
    let (_, page) = admin.get("/api/v1/homes?q=101").await;
    let labels: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels, vec!["1栋1单元101"]);
    // Keyset pages.
    let (_, p1) = admin.get("/api/v1/homes?limit=2").await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let next = p1["next"].as_str().unwrap();
    let (_, p2) = admin
        .get(&format!("/api/v1/homes?limit=2&after={next}"))
        .await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    assert!(p2["next"].is_null());
    let (_, only_b) = admin
        .get(&format!("/api/v1/homes?community_id={}", t.fx.b.0))
        .await;
    assert_eq!(only_b["items"][0]["label"], "2栋201");
}

async fn residents_crud_links_and_scope(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let (s, r) = agent
        .post("/api/v1/residents", json!({"name": "孙丽", "phone": "139 1111 2222", "homes": [{"home_id": t.fx.home_a102.0, "relation": "租户"}]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["phone"], "13911112222");
    assert_eq!(r["homes"][0]["relation"], "tenant");
    let id = r["id"].as_i64().unwrap();
    // A home in another community does not exist for this agent.
    let (s, v) = agent
        .post("/api/v1/residents", json!({"name": "周强", "phone": "13911113333", "homes": [{"home_id": t.fx.home_b201.0, "relation": "owner"}]}))
        .await;
    assert_eq!(
        (s, code(&v), v["error"]["field"].as_str()),
        (StatusCode::NOT_FOUND, "not_found", Some("homes[0].home_id"))
    );
    // Search by name, phone or home label.
    for q in ["孙丽", "1111", "1单元102"] {
        let (_, page) = agent.get(&format!("/api/v1/residents?q={q}")).await;
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == id),
            "search {q}: {page}"
        );
    }
    // The B-community resident is invisible to an A agent.
    let (s, _) = agent
        .get(&format!("/api/v1/residents/{}", t.fx.res_b.0))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, page) = agent.get("/api/v1/residents").await;
    assert!(
        !page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == t.fx.res_b.0)
    );
    // Link and unlink.
    let (s, r) = agent
        .put(
            &format!("/api/v1/residents/{id}/homes/{}", t.fx.home_a101.0),
            json!({"relation": "family"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["homes"].as_array().unwrap().len(), 2);
    let (s, v) = agent
        .put(
            &format!("/api/v1/residents/{id}/homes/{}", t.fx.home_a101.0),
            json!({"relation": "亲戚"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "relation_invalid")
    );
    let (s, r) = agent
        .delete(&format!(
            "/api/v1/residents/{id}/homes/{}",
            t.fx.home_a101.0
        ))
        .await;
    assert_eq!(
        (s, r["homes"].as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let (s, r) = agent
        .patch(
            &format!("/api/v1/residents/{id}"),
            json!({"name": "孙丽丽"}),
        )
        .await;
    assert_eq!((s, r["name"].as_str()), (StatusCode::OK, Some("孙丽丽")));
    // Erasure.
    assert_eq!(
        agent.delete(&format!("/api/v1/residents/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        agent.get(&format!("/api/v1/residents/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    // A resident sees only themselves; an erased resident cannot act.
    let me = t.login("13900000001").await;
    let (_, page) = me.get("/api/v1/residents").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], t.fx.res_a.0);
    let admin = t.login("admin").await;
    assert_eq!(
        admin
            .delete(&format!("/api/v1/residents/{}", t.fx.res_a.0))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(me.get("/api/v1/auth/me").await.0, StatusCode::UNAUTHORIZED);
}

async fn duplicate_phones_are_conflicts(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let (s, v) = admin
        .post(
            "/api/v1/residents",
            json!({"name": "重复", "phone": "13900000001"}),
        )
        .await;
    assert_eq!(
        (s, code(&v), v["error"]["field"].as_str()),
        (StatusCode::CONFLICT, "phone_taken", Some("phone"))
    );
    let (s, v) = admin
        .post("/api/v1/staff", json!({"name": "重复", "phone": "13700000004", "roles": ["agent"], "community_ids": [t.fx.a.0]}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "phone_taken"));
    let (s, v) = admin
        .patch(
            &format!("/api/v1/residents/{}", t.fx.res_a2.0),
            json!({"phone": "13900000001"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "phone_taken"));
}

async fn staff_accounts_and_deactivation(t: Arc<TestApp>) {
    let manager = t.login("manager").await;
    let (s, st) = manager
        .post(
            "/api/v1/staff",
            json!({"name": "吴师傅", "phone": "13622223333", "roles": ["technician"], "community_ids": [t.fx.a.0],
                   "working_hours": {"mon": ["08:00-12:00", "13:00-17:00"]},
                   "account": {"username": "wushifu", "password": "wu-pass-123"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{st}");
    assert_eq!(
        st["working_hours"]["mon"],
        json!(["08:00-12:00", "13:00-17:00"])
    );
    let id = st["id"].as_i64().unwrap();
    let wu = t.login_with("wushifu", "wu-pass-123").await;
    let (_, me) = wu.get("/api/v1/auth/me").await;
    assert_eq!(me["roles"], json!(["technician"]));
    // A technician sees only themselves in the staff list.
    let (_, page) = wu.get("/api/v1/staff").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // Bad working hours and roles.
    let (s, v) = manager
        .patch(
            &format!("/api/v1/staff/{id}"),
            json!({"working_hours": {"mon": ["9-5"]}}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "working_hours_invalid")
    );
    let (s, v) = manager
        .patch(&format!("/api/v1/staff/{id}"), json!({"roles": ["chef"]}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "role_invalid")
    );
    let (s, v) = manager
        .patch(&format!("/api/v1/staff/{id}"), json!({"roles": []}))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "roles_empty")
    );
    // Deactivation ends their sessions and blocks sign-in.
    let (s, st) = manager.delete(&format!("/api/v1/staff/{id}")).await;
    assert_eq!((s, st["active"].as_bool()), (StatusCode::OK, Some(false)));
    let (s, v) = wu.get("/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let (s, v) = t
        .anon()
        .post(
            "/api/v1/auth/login",
            json!({"login": "wushifu", "password": "wu-pass-123"}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "account_inactive"));
    // Nobody deactivates themselves.
    let (s, v) = manager
        .delete(&format!("/api/v1/staff/{}", t.fx.manager.0))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::CONFLICT, "cannot_deactivate_self")
    );
    // Admins reset passwords.
    let admin = t.login("admin").await;
    let (_, agent) = admin.get(&format!("/api/v1/staff/{}", t.fx.agent.0)).await;
    let user = agent["user_id"].as_i64().unwrap();
    let (s, _) = admin
        .post(
            &format!("/api/v1/users/{user}/password"),
            json!({"password": "reset-pass-9"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    t.login_with("agent", "reset-pass-9").await;
    let (s, _) = manager
        .post(
            &format!("/api/v1/users/{user}/password"),
            json!({"password": "reset-pass-9"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn managers_cannot_make_admins(t: Arc<TestApp>) {
    let manager = t.login("manager").await;
    let (s, v) = manager
        .post("/api/v1/staff", json!({"name": "想当管理员", "phone": "13633334444", "roles": ["admin"], "community_ids": [t.fx.a.0]}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, _) = manager
        .patch(
            &format!("/api/v1/staff/{}", t.fx.agent.0),
            json!({"roles": ["manager"]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Nor assign communities they do not serve.
    let (s, v) = manager
        .post("/api/v1/staff", json!({"name": "跨区", "phone": "13633335555", "roles": ["agent"], "community_ids": [t.fx.b.0]}))
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (StatusCode::NOT_FOUND, Some("community_ids[0]"))
    );
}

async fn failed_staff_account_leaves_nothing(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let (_, before) = admin.get("/api/v1/staff?limit=200").await;
    // The username is taken: neither the staff record nor an account remains.
    let (s, v) = admin
        .post(
            "/api/v1/staff",
            json!({"name": "新人", "phone": "13655556666", "roles": ["agent"], "community_ids": [t.fx.a.0],
                   "account": {"username": "agent", "password": "pass-word-1"}}),
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "username_taken"));
    let (_, after) = admin.get("/api/v1/staff?limit=200").await;
    assert_eq!(
        before["items"].as_array().unwrap().len(),
        after["items"].as_array().unwrap().len()
    );
    // A weak password is refused before anything is written.
    let (s, v) = admin
        .post(
            "/api/v1/staff",
            json!({"name": "新人", "phone": "13655556666", "roles": ["agent"], "account": {"username": "xinren", "password": "123"}}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "password_too_short")
    );
    let (_, again) = admin.get("/api/v1/staff?limit=200").await;
    assert_eq!(
        again["items"].as_array().unwrap().len(),
        before["items"].as_array().unwrap().len()
    );
}

async fn teams_and_members(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let (_, teams) = admin.get("/api/v1/teams").await;
    let names: Vec<_> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names.contains(&"工程部·水电班".to_string()) && names.contains(&"电梯维保".to_string()),
        "{names:?}"
    );
    let (s, v) = admin
        .post(
            "/api/v1/teams",
            json!({"code": "pest", "name": "虫害防治", "is_vendor": true}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "vendor_name_required")
    );
    let (s, team) = admin
        .post("/api/v1/teams", json!({"code": "pest", "name": "虫害防治", "is_vendor": true, "vendor_name": "安居除虫", "dispatch_mode": "grab"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{team}");
    let id = team["id"].as_i64().unwrap();
    let (s, v) = admin
        .post("/api/v1/teams", json!({"code": "pest", "name": "别的"}))
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "team_code_taken"));
    let (s, v) = admin
        .patch(
            &format!("/api/v1/teams/{id}"),
            json!({"dispatch_mode": "whenever"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "dispatch_mode_invalid")
    );
    let (s, team) = admin
        .put(
            &format!("/api/v1/teams/{id}/members/{}", t.fx.tech.0),
            json!({"is_lead": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(team["members"][0]["is_lead"], true);
    let (s, v) = admin.delete(&format!("/api/v1/teams/{id}")).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "in_use"));
    let (s, _) = admin
        .delete(&format!("/api/v1/teams/{id}/members/{}", t.fx.tech.0))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        admin.delete(&format!("/api/v1/teams/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    // The vendor sees only its own team.
    let vendor = t.login("vendor").await;
    let (_, mine) = vendor.get("/api/v1/teams").await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["is_vendor"], true);
}

async fn every_change_is_audited(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let (_, c) = admin
        .post("/api/v1/communities", json!({"name": "审计花园"}))
        .await;
    let id = c["id"].as_i64().unwrap();
    admin
        .patch(
            &format!("/api/v1/communities/{id}"),
            json!({"name": "审计苑"}),
        )
        .await;
    let (s, page) = admin
        .get(&format!("/api/v1/audit?entity=community&entity_id={id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    assert_eq!(items[0]["action"], "update");
    assert_eq!(items[0]["actor_name"], "管理员");
    assert_eq!(items[0]["before"]["name"], "审计花园");
    assert_eq!(items[0]["after"]["name"], "审计苑");
    assert_eq!(items[1]["action"], "create");
    assert!(items[1]["before"].is_null());
}
