//! KPIs through the API: known answers on hand-built orders, rollups equal
//! to a rebuild from scratch, threshold alerts raised and cleared, exports.

use crate::backend_tests;
use crate::common::{TestApp, code};
use crate::orders::{create, step};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(
    kpis_on_known_orders,
    rollups_of_orders_made_at_once_equal_a_rebuild,
    alerts_raise_and_clear,
    exports_and_scope
);

/// A custom dashboard range from yesterday to `ahead` days after today.
fn custom_range(ahead: i64) -> String {
    use jiff::ToSpan;
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    format!(
        "period=custom&date={}&to={}",
        today.yesterday().unwrap(),
        today.checked_add(ahead.days()).unwrap()
    )
}

fn tile<'a>(d: &'a Value, code: &str) -> &'a Value {
    d["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap()
}

async fn kpis_on_known_orders(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let tech = t.login("tech").await;
    let resident = t.login("13900000001").await;
    let repair = |text: &str| {
        json!({"kind": "repair", "text": text, "home_id": t.fx.home_a101.0, "resident_id": t.fx.res_a.0,
        "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0, "channel": "app"})
    };
    // When each counted order was made, for the busy hours and the months.
    let mut made: Vec<jiff::Zoned> = Vec::new();
    let mut made_at = |order: &Value| {
        let at: jiff::Timestamp = order["created_at"].as_str().unwrap().parse().unwrap();
        made.push(at.to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap()));
        order["id"].as_i64().unwrap()
    };
    // A: finished in 1 h, accepted first time, rated 5.
    let a = made_at(&create(&agent, repair("水龙头漏水")).await["order"]);
    // B: finished after 30 h (of which 10 h on hold → 20 h counted), reworked once, rated 3.
    let b = made_at(&create(&agent, repair("马桶堵了")).await["order"]);
    // C: still open.
    made_at(&create(&agent, repair("阳台门关不上")).await["order"]);
    // D: cancelled (excluded everywhere).
    let d = create(&agent, repair("不用修了")).await["order"]["id"]
        .as_i64()
        .unwrap();
    step(&agent, d, json!({"action": "cancel", "reason": "业主取消"})).await;
    for id in [a, b] {
        step(&tech, id, json!({"action": "accept"})).await;
        step(&tech, id, json!({"action": "start"})).await;
    }
    t.clock.advance_hours(1);
    step(&tech, a, json!({"action": "finish", "note": "换了垫圈"})).await;
    step(&resident, a, json!({"action": "confirm"})).await;
    resident
        .post(&format!("/api/v1/orders/{a}/rating"), json!({"stars": 5}))
        .await;
    step(&tech, b, json!({"action": "hold", "reason": "等配件"})).await;
    t.clock.advance_hours(10);
    step(&tech, b, json!({"action": "resume"})).await;
    t.clock.advance_hours(19);
    step(&tech, b, json!({"action": "finish", "note": "疏通了"})).await;
    step(
        &resident,
        b,
        json!({"action": "reject", "reason": "还是慢"}),
    )
    .await;
    step(&tech, b, json!({"action": "finish", "note": "再疏通"})).await;
    step(&resident, b, json!({"action": "confirm"})).await;
    resident
        .post(&format!("/api/v1/orders/{b}/rating"), json!({"stars": 3}))
        .await;
    // A complaint answered after 30 minutes.
    let cpl = made_at(&create(&agent, json!({"kind": "complaint", "text": "楼道太脏", "building_id": t.fx.building_a.0, "grade": "a"})).await["order"]);
    t.clock.advance_minutes(30);
    step(
        &agent,
        cpl,
        json!({"action": "answer", "note": "已安排保洁"}),
    )
    .await;

    let sup = t.login("supervisor").await;
    // Use a custom range covering the test's (moved) clock.
    let range = custom_range(2);
    let (s, dash) = sup.get(&format!("/api/v1/kpi/dashboard?{range}")).await;
    assert_eq!(s, StatusCode::OK, "{dash}");
    assert_eq!(tile(&dash, "repair_24h")["numerator"], 2, "{dash}");
    assert_eq!(
        tile(&dash, "repair_24h")["denominator"],
        3,
        "A and B in 24 h counting held time out; C open; D excluded"
    );
    assert_eq!(tile(&dash, "repair_24h")["value"], 66.7);
    assert_eq!(tile(&dash, "one_time_fix")["value"], 50.0);
    assert_eq!(tile(&dash, "satisfaction")["value"], 4.0);
    assert_eq!(tile(&dash, "complaint_response_minutes")["value"], 30.0);
    assert_eq!(tile(&dash, "major_complaint_resolved")["value"], 100.0);
    assert_eq!(tile(&dash, "self_service")["value"], 100.0);
    assert!(tile(&dash, "fee_collection")["value"].is_null());
    let per_day: i64 = dash["orders_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap() as i64)
        .sum();
    assert_eq!(
        per_day, 4,
        "3 repairs and 1 complaint (the cancelled one left out)"
    );
    // The busy hours count the same four orders, each at the weekday and
    // hour it was made; the complaint counts in its month.
    let mut expected = std::collections::BTreeMap::new();
    for z in &made {
        let key = format!("{}:{:02}", z.weekday().to_monday_one_offset(), z.hour());
        *expected.entry(key).or_insert(0.0) += 1.0;
    }
    let hours: std::collections::BTreeMap<String, f64> = dash["busy_hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["key"].as_str().unwrap().to_string(),
                p["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(hours, expected, "{}", dash["busy_hours"]);
    let months = dash["complaint_types"].as_array().unwrap();
    assert_eq!(months.len(), 1, "{months:?}");
    assert_eq!(months[0]["value"], 1.0);
    let month = &made[3];
    assert_eq!(
        months[0]["key"].as_str().unwrap(),
        format!("{:04}-{:02}", month.year(), month.month()),
        "{months:?}"
    );
    assert!(
        dash["teams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["team"] == "工程部·水电班")
    );
    // The rollups equal a rebuild from scratch.
    let before = dash["tiles"].clone();
    assert!(t.app.kpi_rebuild(t.fx.company).await.unwrap() >= 5);
    let (_, again) = sup.get(&format!("/api/v1/kpi/dashboard?{range}")).await;
    assert_eq!(before, again["tiles"]);
    // The company-wide and per-community cells the dashboard read are the
    // sums of the per-team and per-person cells.
    let drift = {
        let mut c = t.app.db.read().await.unwrap();
        wuye_store::kpi::wide_drift(&mut c, t.fx.company)
            .await
            .unwrap()
    };
    assert!(drift.is_empty(), "wide rollups drifted: {drift:?}");
    // Every scope reads the same amounts, whichever level answers it:
    // community A (where every order is) with the team and its one
    // technician reads the full cells; the others read the wide ones.
    let scoped = |q: String| {
        let (sup, range) = (&sup, &range);
        async move {
            let (s, d) = sup.get(&format!("/api/v1/kpi/dashboard?{range}{q}")).await;
            assert_eq!(s, StatusCode::OK, "{q}: {d}");
            d
        }
    };
    let (water, tech_id) = (t.fx.team_water.0, t.fx.tech.0);
    let a = t.fx.a.0;
    let full = scoped(format!(
        "&community_id={a}&team_id={water}&assignee_id={tech_id}"
    ))
    .await;
    assert_eq!(tile(&full, "repair_24h")["denominator"], 3, "{full}");
    let team_person = scoped(format!("&team_id={water}&assignee_id={tech_id}")).await;
    assert_eq!(team_person["tiles"], full["tiles"]);
    let community_team = scoped(format!("&community_id={a}&team_id={water}")).await;
    assert_eq!(community_team["tiles"], full["tiles"]);
    let community_person = scoped(format!("&community_id={a}&assignee_id={tech_id}")).await;
    assert_eq!(community_person["tiles"], full["tiles"]);
    assert_eq!(community_person["teams"], full["teams"]);
    let team = scoped(format!("&team_id={water}")).await;
    assert_eq!(team["tiles"], full["tiles"]);
    let person = scoped(format!("&assignee_id={tech_id}")).await;
    assert_eq!(person["tiles"], full["tiles"]);
    let community = scoped(format!("&community_id={a}")).await;
    assert_eq!(community["tiles"], before);
    assert_eq!(community["teams"], dash["teams"]);
    let water_row = dash["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["team_id"] == water)
        .unwrap();
    assert_eq!(water_row["repair_24h"], 66.7, "{water_row}");
    assert_eq!(
        water_row["created"], 3,
        "A, B and C; the cancelled D counts nowhere: {water_row}"
    );
    // Agents do not read the dashboard.
    let (s, _) = agent.get("/api/v1/kpi/dashboard").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = sup.get("/api/v1/kpi/dashboard?period=fortnight").await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "period_invalid")
    );
}

/// Orders made at the same moment share SQLite's group commits, where
/// their rollup amounts are summed per cell and written at the batch's end:
/// the result must be the rollups a rebuild from the orders computes.
async fn rollups_of_orders_made_at_once_equal_a_rebuild(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let homes = [(t.fx.home_a101, t.fx.res_a), (t.fx.home_a102, t.fx.res_a2)];
    let texts = [
        "厨房水龙头漏水",
        "卫生间灯不亮了",
        "楼道里有垃圾没人清",
        "马桶堵了",
    ];
    let made = futures::future::join_all((0..48).map(|i| {
        let (home, resident) = homes[i % homes.len()];
        let mut body = json!({"kind": "repair", "text": texts[i % texts.len()],
            "home_id": home.0, "resident_id": resident.0, "channel": "app"});
        if i % 2 == 0 {
            // Half go straight to a person, half to the automatic dispatch.
            body["team_id"] = json!(t.fx.team_water.0);
            body["assignee_id"] = json!(t.fx.tech.0);
        }
        let agent = &agent;
        async move { create(agent, body).await["order"]["id"].as_i64().unwrap() }
    }))
    .await;
    assert_eq!(made.len(), 48);
    if let Some((commits, members)) = t.app.db.group_commit_stats() {
        assert!(
            members > commits,
            "some creates shared a COMMIT ({members} in {commits})"
        );
    }
    let sup = t.login("supervisor").await;
    let range = custom_range(1);
    let dashboard = || async {
        let (s, d) = sup.get(&format!("/api/v1/kpi/dashboard?{range}")).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        d
    };
    let before = dashboard().await;
    let per_day: f64 = before["orders_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .sum();
    assert_eq!(per_day, 48.0, "{}", before["orders_per_day"]);
    assert!(t.app.kpi_rebuild(t.fx.company).await.unwrap() >= 48);
    let after = dashboard().await;
    for part in ["tiles", "orders_per_day", "busy_hours", "teams"] {
        assert_eq!(before[part], after[part], "{part}");
    }
    // The rollups hold every order's contributions, once.
    let mut c = t.app.db.read().await.unwrap();
    let scope = wuye_store::kpi::Scope::default();
    let mut rolled = wuye_store::kpi::totals(&mut c, t.fx.company, &scope, 0, 99_999_999)
        .await
        .unwrap();
    rolled.retain(|(_, n, d)| *n != 0 || *d != 0);
    rolled.sort();
    let mut summed: Vec<(String, i64, i64)> = wuye_store::exec::query(
        "SELECT k.metric, CAST(SUM(k.num) AS BIGINT), CAST(SUM(k.den) AS BIGINT) \
         FROM kpi_order_contrib k JOIN work_orders o ON o.id = k.order_id \
         WHERE o.company_id = $1 GROUP BY k.metric",
    )
    .bind(t.fx.company.0)
    .fetch_all(&mut c)
    .await
    .unwrap();
    summed.retain(|(_, n, d)| *n != 0 || *d != 0);
    summed.sort();
    assert_eq!(rolled, summed);
    let drift = wuye_store::kpi::wide_drift(&mut c, t.fx.company)
        .await
        .unwrap();
    assert!(drift.is_empty(), "wide rollups drifted: {drift:?}");
}

async fn alerts_raise_and_clear(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let (s, rule) = admin.post("/api/v1/kpi/rules", json!({"kpi": "complaint_escalation", "op": "above", "threshold": 50.0, "period": "month"})).await;
    assert_eq!(s, StatusCode::CREATED, "{rule}");
    let (s, v) = admin
        .post(
            "/api/v1/kpi/rules",
            json!({"kpi": "speed", "op": "above", "threshold": 1.0, "period": "month"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "kpi_invalid")
    );
    // Below 24-hour completion: one open repair means 0%.
    admin
        .post(
            "/api/v1/kpi/rules",
            json!({"kpi": "repair_24h", "op": "below", "threshold": 90.0, "period": "month"}),
        )
        .await;
    let id = create(&agent, json!({"kind": "repair", "text": "灯坏了", "home_id": t.fx.home_a101.0, "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0})).await["order"]["id"].as_i64().unwrap();
    assert_eq!(t.app.evaluate_kpi_rules().await.unwrap(), (1, 0));
    let (_, open) = admin.get("/api/v1/kpi/alerts?open=1").await;
    assert_eq!(open[0]["kpi"], "repair_24h", "{open}");
    assert_eq!(open[0]["value"], 0.0);
    assert_eq!(
        t.app.evaluate_kpi_rules().await.unwrap(),
        (0, 0),
        "raised once"
    );
    // The company's supervisors hear of it, once, through notifications.
    let sup = t.login("supervisor").await;
    let (s, inbox) = sup.get("/api/v1/notifications").await;
    assert_eq!(s, StatusCode::OK, "{inbox}");
    let kpi: Vec<&Value> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["event"] == "kpi_alert")
        .collect();
    assert_eq!(kpi.len(), 1, "{inbox}");
    assert_eq!(kpi[0]["title"], "指标预警：维修24小时完结率", "{inbox}");
    assert_eq!(
        kpi[0]["body"], "全公司本月的维修24小时完结率为 0%，低于 90%，请在数据看板查看明细。",
        "{inbox}"
    );
    assert!(kpi[0]["order_id"].is_null(), "{inbox}");
    let (_, inbox) = agent.get("/api/v1/notifications").await;
    assert!(
        !inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["event"] == "kpi_alert"),
        "agents are not told: {inbox}"
    );
    let tech = t.login("tech").await;
    for s in ["accept", "start"] {
        step(&tech, id, json!({"action": s})).await;
    }
    step(&tech, id, json!({"action": "finish", "note": "好了"})).await;
    assert_eq!(
        t.app.evaluate_kpi_rules().await.unwrap(),
        (0, 1),
        "back in range: cleared"
    );
    let (_, open) = admin.get("/api/v1/kpi/alerts?open=1").await;
    assert!(open.as_array().unwrap().is_empty());
}

async fn exports_and_scope(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    create(
        &agent,
        json!({"kind": "repair", "text": "导出测试：门禁坏了", "building_id": t.fx.building_a.0}),
    )
    .await;
    let admin = t.login("admin").await;
    let csv = admin
        .request(Method::GET, "/api/v1/orders/export?format=csv")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("wuye-orders.csv")
    );
    let body = csv.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("导出测试：门禁坏了") && text.contains("137****0004"),
        "{text}"
    );
    let xlsx = admin
        .request(Method::GET, "/api/v1/kpi/export?format=xlsx")
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(
        xlsx.bytes().await.unwrap().starts_with(b"PK"),
        "an Excel workbook is a zip"
    );
    let (s, v) = admin.get("/api/v1/kpi/export?format=pdf").await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "format_invalid")
    );
    // A manager of community A cannot read community B's numbers.
    let manager = t.login("manager").await;
    let (s, _) = manager
        .get(&format!("/api/v1/kpi/dashboard?community_id={}", t.fx.b.0))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
