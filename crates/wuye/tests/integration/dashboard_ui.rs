//! Drill-down from the dashboard to the desk, over HTTP on both backends:
//! the desk's queue page honours the dashboard's filters (dates, kind,
//! category, team, community), says which are on, and keeps them (with the
//! search) on the next page; the dashboard links its team rows.

use crate::backend_tests;
use crate::common::TestApp;
use crate::notify_ui::Web;
use crate::orders::create;
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;

backend_tests!(desk_follows_the_dashboards_drill_down);

async fn desk_follows_the_dashboards_drill_down(t: Arc<TestApp>) {
    let agent = t.login("agent").await;
    let water = t.fx.team_water.0;
    create(
        &agent,
        json!({"kind": "repair", "text": "钻取测试：卫生间水管漏水", "home_id": t.fx.home_a101.0,
               "resident_id": t.fx.res_a.0, "team_id": water, "assignee_id": t.fx.tech.0, "channel": "phone"}),
    )
    .await;
    // 51 complaints: more than a page of the desk (50).
    for i in 0..51 {
        create(
            &agent,
            json!({"kind": "complaint", "text": format!("钻取测试：楼道噪音第{i}次"), "building_id": t.fx.building_a.0}),
        )
        .await;
    }
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    let sup = Web::sign_in(&t, "supervisor").await;

    // Kind and dates: only the complaints, and the filter in words.
    let page = sup
        .get(&format!(
            "/desk?queue=all&kind=complaint&from={today}&to={today}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("楼道噪音"), "{}", page.body);
    assert!(!page.body.contains("卫生间水管漏水"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("筛选：受理日期 {today} · 投诉")),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"<input type="hidden" name="kind" value="complaint">"#)
    );
    // The next page keeps the filters.
    let next = next_link(&page.body);
    assert!(
        next.contains("kind=complaint") && next.contains(&format!("from={today}")),
        "{next}"
    );
    let page2 = sup.get(&next).await;
    assert_eq!(page2.status, StatusCode::OK);
    assert!(
        page2.body.contains("楼道噪音第0次"),
        "the oldest is on page 2: {}",
        page2.body
    );
    assert!(!page2.body.contains("卫生间水管漏水"));

    // A search keeps its words on the next page too.
    let page = sup.get("/desk?queue=all&q=噪音").await;
    let next = next_link(&page.body);
    assert!(next.contains("q=%E5%99%AA%E9%9F%B3"), "{next}");

    // Team: the repair only, and the team named.
    let page = sup.get(&format!("/desk?queue=all&team_id={water}")).await;
    assert!(page.body.contains("卫生间水管漏水"), "{}", page.body);
    assert!(!page.body.contains("楼道噪音"));
    assert!(page.body.contains("班组 工程部·水电班"), "{}", page.body);

    // A filter left blank is no filter: the whole queue, no filter named.
    let blank = sup.get("/desk?queue=all&team_id=&kind=&q=").await;
    assert_eq!(blank.status, StatusCode::OK, "{}", blank.body);
    assert!(blank.body.contains("楼道噪音"), "{}", blank.body);
    assert!(!blank.body.contains("清除筛选"), "{}", blank.body);

    // Person: the repair only, the person named; a person-scoped
    // dashboard's tiles keep the person.
    let tech = t.fx.tech.0;
    let page = sup
        .get(&format!("/desk?queue=all&assignee_id={tech}"))
        .await;
    assert!(page.body.contains("卫生间水管漏水"), "{}", page.body);
    assert!(!page.body.contains("楼道噪音"));
    assert!(page.body.contains("处理人 刘师傅"), "{}", page.body);
    let dash = sup.get(&format!("/dashboard?assignee_id={tech}")).await;
    assert!(
        unescape(&dash.body).contains(&format!("&assignee_id={tech}\"")),
        "{}",
        dash.body
    );

    // A bad id gets a clear page in the reader's language.
    let page = sup.get("/desk?queue=all&team_id=abc").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body.contains("查询参数 team_id 的值无法识别"),
        "{}",
        page.body
    );

    // So does a bad id on the dashboard itself (it was axum's English 400).
    let page = sup.get("/dashboard?community_id=abc").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(
        page.body.contains("查询参数 community_id 的值无法识别"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<nav"),
        "the page keeps its frame: {}",
        page.body
    );

    // Another day: nothing.
    let page = sup
        .get(&format!(
            "/desk?queue=all&from={}&to={}",
            today.yesterday().unwrap(),
            today.yesterday().unwrap()
        ))
        .await;
    assert!(!page.body.contains("钻取测试"), "{}", page.body);

    // The dashboard links its team row to that team's orders.
    let dash = sup.get("/dashboard").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(
        unescape(&dash.body).contains(&format!("&team_id={water}\">工程部·水电班</a>")),
        "{}",
        dash.body
    );
}

/// An attribute's text as the browser reads it (askama writes `&` as `&#38;`).
fn unescape(html: &str) -> String {
    html.replace("&#38;", "&").replace("&amp;", "&")
}

/// The page's "next page" link.
fn next_link(html: &str) -> String {
    html.split("href=\"")
        .find(|s| s.contains("after="))
        .map(|s| unescape(&s[..s.find('"').unwrap()]))
        .expect("a next-page link")
}
