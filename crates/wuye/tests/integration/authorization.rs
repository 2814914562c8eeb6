//! The role × resource authorization matrix, through HTTP. Every resource
//! family, every role, allowed and denied. Roles sit in community A; "other"
//! means community B, which only the admin reaches.
//!
//! Expected outcomes: `Y` allowed (2xx), `F` forbidden (403), `N` not found
//! (404: outside the caller's scope, indistinguishable from non-existent).

use crate::backend_tests;
use crate::common::TestApp;
use crate::common::fixture::LOGINS;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(authorization_matrix);

struct Case {
    what: &'static str,
    method: Method,
    path: String,
    /// Body for role number `i` (unique values so creations do not clash).
    body: Box<dyn Fn(usize) -> Option<Value>>,
    /// Expected per role, in LOGINS order:
    /// admin, manager, supervisor, agent, technician, vendor, resident.
    expect: &'static str,
}

fn case(what: &'static str, method: Method, path: String, expect: &'static str) -> Case {
    Case {
        what,
        method,
        path,
        body: Box::new(|_| None),
        expect,
    }
}

fn with_body(mut c: Case, f: impl Fn(usize) -> Value + 'static) -> Case {
    c.body = Box::new(move |i| Some(f(i)));
    c
}

async fn authorization_matrix(t: Arc<TestApp>) {
    let fx = &t.fx;
    let (a, b) = (fx.a.0, fx.b.0);
    let building_a = fx.building_a.0;
    let home_a101 = fx.home_a101.0;
    // An order the resident reported, still undispatched.
    let (_, created) = t
        .login("13900000001")
        .await
        .post(
            "/api/v1/orders",
            json!({"kind": "repair", "text": "厨房水管漏水", "home_id": home_a101}),
        )
        .await;
    let order = created["order"]["id"].as_i64().unwrap();
    let cases = vec![
        case(
            "list communities",
            Method::GET,
            "/api/v1/communities".into(),
            "YYYYYYY",
        ),
        with_body(
            case(
                "create community",
                Method::POST,
                "/api/v1/communities".into(),
                "YFFFFFF",
            ),
            |i| json!({"name": format!("新小区{i}")}),
        ),
        case(
            "read own community",
            Method::GET,
            format!("/api/v1/communities/{a}"),
            "YYYYYYY",
        ),
        case(
            "read other community",
            Method::GET,
            format!("/api/v1/communities/{b}"),
            "YNNNNNN",
        ),
        with_body(
            case(
                "update community",
                Method::PATCH,
                format!("/api/v1/communities/{a}"),
                "YFFFFFF",
            ),
            |_| json!({"address": "新地址"}),
        ),
        case(
            "list buildings",
            Method::GET,
            format!("/api/v1/communities/{a}/buildings"),
            "YYYYYFY",
        ),
        case(
            "list other buildings",
            Method::GET,
            format!("/api/v1/communities/{b}/buildings"),
            "YNNNNFN",
        ),
        with_body(
            case(
                "create building",
                Method::POST,
                format!("/api/v1/communities/{a}/buildings"),
                "YYFFFFF",
            ),
            |i| json!({"name": format!("{}栋", 50 + i)}),
        ),
        with_body(
            case(
                "create entrance",
                Method::POST,
                format!("/api/v1/buildings/{building_a}/entrances"),
                "YYFFFFF",
            ),
            |i| json!({"name": format!("{}单元", 50 + i)}),
        ),
        case("list homes", Method::GET, "/api/v1/homes".into(), "YYYYYFY"),
        case(
            "read own home",
            Method::GET,
            format!("/api/v1/homes/{}", fx.home_a101.0),
            "YYYYYFY",
        ),
        case(
            "read neighbour's home",
            Method::GET,
            format!("/api/v1/homes/{}", fx.home_a102.0),
            "YYYYYFN",
        ),
        case(
            "read other community's home",
            Method::GET,
            format!("/api/v1/homes/{}", fx.home_b201.0),
            "YNNNNFN",
        ),
        with_body(
            case(
                "create home",
                Method::POST,
                "/api/v1/homes".into(),
                "YYFFFFF",
            ),
            move |i| json!({"building_id": building_a, "number": format!("9{i:02}")}),
        ),
        with_body(
            case(
                "update home",
                Method::PATCH,
                format!("/api/v1/homes/{}", fx.home_a101.0),
                "YYFFFFF",
            ),
            |_| json!({"area": "90"}),
        ),
        case(
            "list residents",
            Method::GET,
            "/api/v1/residents".into(),
            "YYYYFFY",
        ),
        case(
            "read self (resident)",
            Method::GET,
            format!("/api/v1/residents/{}", fx.res_a.0),
            "YYYYFFY",
        ),
        case(
            "read another resident",
            Method::GET,
            format!("/api/v1/residents/{}", fx.res_a2.0),
            "YYYYFFN",
        ),
        case(
            "read other community's resident",
            Method::GET,
            format!("/api/v1/residents/{}", fx.res_b.0),
            "YNNNFFN",
        ),
        with_body(
            case(
                "create resident",
                Method::POST,
                "/api/v1/residents".into(),
                "YYYYFFF",
            ),
            |i| json!({"name": "新住户", "phone": format!("1580000{i:04}")}),
        ),
        with_body(
            case(
                "update resident",
                Method::PATCH,
                format!("/api/v1/residents/{}", fx.res_a2.0),
                "YYYYFFF",
            ),
            |_| json!({"name": "业主乙"}),
        ),
        case("list staff", Method::GET, "/api/v1/staff".into(), "YYYYYYF"),
        case(
            "read a colleague",
            Method::GET,
            format!("/api/v1/staff/{}", fx.agent.0),
            "YYYYNNF",
        ),
        case(
            "read other community's staff",
            Method::GET,
            format!("/api/v1/staff/{}", fx.agent_b.0),
            "YNNNNNF",
        ),
        with_body(
            case(
                "create staff",
                Method::POST,
                "/api/v1/staff".into(),
                "YYFFFFF",
            ),
            move |i| json!({"name": "新员工", "phone": format!("1590000{i:04}"), "roles": ["agent"], "community_ids": [a]}),
        ),
        with_body(
            case(
                "update staff",
                Method::PATCH,
                format!("/api/v1/staff/{}", fx.agent.0),
                "YYFFFFF",
            ),
            |_| json!({"name": "张客服"}),
        ),
        case("list teams", Method::GET, "/api/v1/teams".into(), "YYYYYYF"),
        case(
            "read a team",
            Method::GET,
            format!("/api/v1/teams/{}", fx.team_water.0),
            "YYYYYNF",
        ),
        with_body(
            case(
                "create team",
                Method::POST,
                "/api/v1/teams".into(),
                "YYFFFFF",
            ),
            |i| json!({"code": format!("team_{i}"), "name": format!("新班组{i}")}),
        ),
        case(
            "read audit log",
            Method::GET,
            "/api/v1/audit".into(),
            "YFFFFFF",
        ),
        case(
            "list orders",
            Method::GET,
            "/api/v1/orders".into(),
            "YYYYYYY",
        ),
        case(
            "read a resident's order",
            Method::GET,
            format!("/api/v1/orders/{order}"),
            "YYYYNNY",
        ),
        with_body(
            case(
                "comment on it",
                Method::POST,
                format!("/api/v1/orders/{order}/comments"),
                "YYYYNNY",
            ),
            |_| json!({"text": "补充说明"}),
        ),
        with_body(
            case(
                "report for home A101",
                Method::POST,
                "/api/v1/orders".into(),
                "YYYYYFY",
            ),
            move |_| json!({"kind": "repair", "text": "阳台灯不亮", "home_id": home_a101}),
        ),
        case(
            "list other community's orders",
            Method::GET,
            format!("/api/v1/orders?community_id={b}"),
            "YYYYYYY",
        ),
    ];
    let mut failures = Vec::new();
    for (i, (role, login)) in LOGINS.iter().enumerate() {
        let client = t.login(login).await;
        for c in &cases {
            let expected = c.expect.as_bytes()[i] as char;
            let mut req = client.request(c.method.clone(), &c.path);
            if let Some(b) = (c.body)(i) {
                req = req.json(&b);
            }
            let (status, body) = client.send(req).await;
            let got = match status.as_u16() {
                200..=299 => 'Y',
                403 => 'F',
                404 => 'N',
                _ => '?',
            };
            if got != expected {
                failures.push(format!(
                    "{role:<10} {:<32} expected {expected}, got {status} {body}",
                    c.what
                ));
            }
        }
        // Imports: admins and managers only (an empty file: refused as such, but allowed).
        let (status, _) = client
            .post_bytes(
                "/api/v1/import/homes",
                "text/csv",
                "小区,楼栋,房号\n".into(),
            )
            .await;
        let allowed = matches!(*role, "admin" | "manager");
        if (status.as_u16() == 403) == allowed {
            failures.push(format!("{role:<10} import homes: got {status}"));
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix mismatches:\n{}",
        failures.join("\n")
    );
}
