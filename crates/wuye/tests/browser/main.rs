//! End-to-end in headless Chromium against a server on 127.0.0.1 with a
//! fresh database (SQLite and PostgreSQL), as residents, agents and
//! technicians use it; accessibility checked with axe-core on the main pages.

#[path = "../integration/common/mod.rs"]
mod common;
mod driver;

use common::{Backend, TestApp};
use driver::{Browser, DESKTOP, PHONE};
use std::sync::Arc;

const PASSWORD: &str = common::fixture::PASSWORD;

fn png_file(dir: &std::path::Path, name: &str, w: u32, h: u32) -> String {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 255) as u8, (y % 255) as u8, 90])
    });
    let path = dir.join(name);
    img.save(&path).unwrap();
    path.to_string_lossy().into_owned()
}

async fn with_browser<F, Fut>(backend: Backend, f: F)
where
    F: FnOnce(Arc<TestApp>, Browser) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    common::run(backend, |t| async move {
        let Some(b) = Browser::start(&t.base).await else {
            return;
        };
        f(t, b).await;
    })
    .await;
}

/// The whole loop in the browser: a resident reports a leak with a photo on
/// a phone → the agent dispatches → the technician accepts and finishes with
/// a photo → the resident accepts and rates 5 stars → the agent records the
/// return visit → closed. Output is escaped everywhere.
async fn the_whole_loop(t: Arc<TestApp>, b: Browser) {
    let tmp = std::env::temp_dir().join(format!("wuye_browser_{}", rand::random::<u32>()));
    std::fs::create_dir_all(&tmp).unwrap();
    let leak_photo = png_file(&tmp, "leak.png", 640, 480);
    let done_photo = png_file(&tmp, "done.png", 480, 640);

    // The resident, on a phone.
    b.size(PHONE).await;
    b.login("13900000001", PASSWORD).await;
    assert_eq!(b.path().await, "/r");
    b.screenshot("resident-home-phone").await;
    b.click("a[href='/r/report']").await;
    b.fill(
        "#text",
        "厨房水管漏水，地上全是水 <script>window.__xss = 1</script>",
    )
    .await;
    b.wait_text("给排水").await; // the live suggestion
    b.wait_for("#photos")
        .await
        .send_keys(&leak_photo)
        .await
        .unwrap();
    b.screenshot("resident-report-phone").await;
    b.click("#report-form button[type=submit]").await;
    b.wait_text("已受理").await;
    let order_path = b.path().await;
    let id: i64 = order_path.rsplit('/').next().unwrap().parse().unwrap();
    assert!(
        b.text(".text-block")
            .await
            .contains("<script>window.__xss = 1</script>"),
        "shown as text"
    );
    let xss = b
        .client
        .execute("return window.__xss === undefined;", vec![])
        .await
        .unwrap();
    assert_eq!(xss, serde_json::json!(true), "the script must not run");
    assert!(
        b.wait_for(".timeline img")
            .await
            .attr("src")
            .await
            .unwrap()
            .unwrap()
            .contains("thumb=1")
    );
    b.screenshot("resident-order-phone").await;
    b.logout().await;

    // The agent, at a desk: dispatch to the plumbers, to 刘师傅.
    b.size(DESKTOP).await;
    b.login("agent", PASSWORD).await;
    assert_eq!(b.path().await, "/desk");
    b.wait_text("厨房水管漏水").await;
    b.screenshot("desk-queues").await;
    b.goto(&format!("/desk/orders/{id}")).await;
    b.select("#team", &t.fx.team_water.0.to_string()).await;
    b.click("button[value=dispatch]").await;
    b.wait_text("已派单").await;
    b.select("#person", &t.fx.tech.0.to_string()).await;
    b.click("button[value=dispatch]").await;
    b.wait_text("刘师傅").await;
    b.screenshot("desk-order").await;
    b.logout().await;

    // The resident's bell counts the news (sent to the team, then to 刘师傅);
    // opening one from the inbox marks it read.
    b.size(PHONE).await;
    b.login("13900000001", PASSWORD).await;
    let resident = t.login("13900000001").await;
    let (_, unread) = resident.get("/api/v1/notifications/unread").await;
    let unread = unread["unread"].as_i64().unwrap();
    assert!(unread >= 1, "the dispatch was notified");
    assert_eq!(b.text("a.bell .bell-count").await, unread.to_string());
    let label = b.wait_for("a.bell").await.attr("aria-label").await.unwrap();
    assert_eq!(
        label.as_deref(),
        Some(format!("通知，{unread} 条未读").as_str())
    );
    b.click("a.bell").await;
    b.wait_for(".inbox .note.unread").await;
    assert_eq!(b.path().await, "/notifications");
    b.screenshot("resident-inbox-phone").await;
    b.click(&format!(".inbox .note.unread a[href='/r/orders/{id}']"))
        .await;
    b.wait_text("处理进度").await;
    assert_eq!(b.path().await, order_path);
    let mut left = unread;
    for _ in 0..50 {
        let (_, v) = resident.get("/api/v1/notifications/unread").await;
        left = v["unread"].as_i64().unwrap();
        if left == unread - 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(left, unread - 1, "opening a notification marks it read");
    b.goto("/notifications").await;
    b.click("form[action='/notifications/read-all'] button")
        .await;
    b.wait_for("a.bell[aria-label='通知，没有未读']").await;
    b.wait_text("未读 0").await;
    b.logout().await;

    // The technician, on a phone: accept, start, finish with a photo.
    b.size(PHONE).await;
    b.login("tech", PASSWORD).await;
    assert_eq!(b.path().await, "/t");
    b.screenshot("tech-tasks-phone").await;
    b.click(&format!("a[href='/t/orders/{id}']")).await;
    b.click("button[value=accept]").await;
    b.wait_text("已接单").await;
    b.click("button[value=start]").await;
    b.wait_text("处理中").await;
    b.fill("#finish-note", "更换了三角阀，已试水").await;
    b.wait_for("#finish-photos")
        .await
        .send_keys(&done_photo)
        .await
        .unwrap();
    b.click("form[action$='/finish'] button[type=submit]").await;
    b.wait_text("待验收").await;
    b.logout().await;

    // The resident accepts and gives five stars.
    b.login("13900000001", PASSWORD).await;
    b.goto(&order_path).await;
    b.click(&format!("form[action='/r/orders/{id}/confirm'] button"))
        .await;
    b.wait_text("已完成").await;
    b.click("input[name=stars][value='5']").await;
    b.fill("#rate-text", "师傅很专业").await;
    b.click(&format!("form[action='/r/orders/{id}/rate'] button"))
        .await;
    b.wait_text("5 星").await;
    b.logout().await;

    // The agent records the return visit: closed.
    b.size(DESKTOP).await;
    b.login("agent", PASSWORD).await;
    b.goto(&format!("/desk/orders/{id}")).await;
    b.fill("#visit-note", "业主表示满意").await;
    b.click("form input[value=return_visit] ~ button, form:has(input[value=return_visit]) button[type=submit]").await;
    b.wait_text("已回访").await;
    let (_, d) = t
        .login("agent")
        .await
        .get(&format!("/api/v1/orders/{id}"))
        .await;
    assert_eq!(d["order"]["state"], "closed");
    assert_eq!(d["order"]["rating"], 5);
    b.close().await;
    let _ = std::fs::remove_dir_all(&tmp);
}

/// An agent creates an order for a caller and sees the duplicate warning.
async fn agent_sees_duplicates(t: Arc<TestApp>, b: Browser) {
    let res = t.login("13900000001").await;
    let (s, _) = res
        .post("/api/v1/orders", serde_json::json!({"kind": "repair", "text": "卫生间的水管在漏水", "home_id": t.fx.home_a101.0}))
        .await;
    assert_eq!(s.as_u16(), 201);
    b.size(DESKTOP).await;
    b.login("agent", PASSWORD).await;
    b.goto("/desk/new").await;
    b.fill("#lookup", "0001").await;
    b.click(&format!(
        "input[name=target][value='{}:{}']",
        t.fx.res_a.0, t.fx.home_a101.0
    ))
    .await;
    b.fill("#text", "业主来电：卫生间水管漏水").await;
    b.wait_text("可能重复的工单").await;
    b.screenshot("desk-new-order-duplicates").await;
    b.click("#new-order button[type=submit]").await;
    b.wait_text("已受理").await;
    assert!(b.path().await.starts_with("/desk/orders/"));
    b.close().await;
}

/// A resident cannot open another resident's order by its URL.
async fn residents_see_only_their_own(t: Arc<TestApp>, b: Browser) {
    let res = t.login("13900000001").await;
    let (_, v) = res
        .post("/api/v1/orders", serde_json::json!({"kind": "complaint", "text": "楼上装修太吵", "home_id": t.fx.home_a101.0}))
        .await;
    let id = v["order"]["id"].as_i64().unwrap();
    b.size(PHONE).await;
    b.login("13900000002", PASSWORD).await;
    b.goto(&format!("/r/orders/{id}")).await;
    b.wait_text("找不到该工单").await;
    assert!(!b.body().await.contains("楼上装修太吵"));
    b.goto(&format!("/desk/orders/{id}")).await;
    assert!(!b.body().await.contains("楼上装修太吵"));
    b.close().await;
}

/// No serious or critical axe-core violations on the main pages, in normal
/// and in large-text mode.
async fn pages_are_accessible(t: Arc<TestApp>, b: Browser) {
    let res = t.login("13900000001").await;
    let (_, v) = res
        .post("/api/v1/orders", serde_json::json!({"kind": "repair", "text": "阳台灯不亮", "home_id": t.fx.home_a101.0}))
        .await;
    let id = v["order"]["id"].as_i64().unwrap();
    // Dispatched: the resident has news in the inbox, the desk a delivery log.
    let (s, _) = t
        .login("agent")
        .await
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            serde_json::json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
        )
        .await;
    assert_eq!(s.as_u16(), 200);
    let mut problems = Vec::new();
    let mut check = async |b: &Browser, label: &str| {
        for p in b.axe().await {
            problems.push(format!("{label}: {p}"));
        }
    };
    b.size(PHONE).await;
    b.goto("/login").await;
    check(&b, "login").await;
    for large in [false, true] {
        b.login("13900000001", PASSWORD).await;
        if large {
            b.click("form[action='/prefs'] button[aria-pressed]").await;
            b.wait_for("html.large").await;
            b.screenshot("resident-home-large-text").await;
        }
        for page in [
            "/r",
            "/r/report",
            &format!("/r/orders/{id}"),
            "/notifications",
        ] {
            b.goto(page).await;
            check(&b, &format!("{page} large={large}")).await;
        }
        b.logout().await;
        b.size(DESKTOP).await;
        b.login("agent", PASSWORD).await;
        if large {
            b.click("form[action='/prefs'] button[aria-pressed]").await;
            b.wait_for("html.large").await;
        }
        for page in [
            "/desk",
            "/desk/new",
            &format!("/desk/orders/{id}"),
            "/alerts",
            "/notifications",
        ] {
            b.goto(page).await;
            check(&b, &format!("{page} large={large}")).await;
        }
        b.logout().await;
        b.login("admin", PASSWORD).await;
        if large {
            b.click("form[action='/prefs'] button[aria-pressed]").await;
            b.wait_for("html.large").await;
        }
        for page in [
            "/admin",
            "/admin/staff",
            "/admin/sla",
            "/admin/notify?status=delivered&open=dispatched",
        ] {
            b.goto(page).await;
            check(&b, &format!("{page} large={large}")).await;
        }
        if !large {
            b.screenshot("admin-setup").await;
            // The template preview, swapped in by htmx, shows markup as text.
            b.fill(
                "#t-dispatched-zh-CN",
                "<script>window.__xss = 1</script>新派单 {number}",
            )
            .await;
            b.click("#ev-dispatched form[action$='/zh-CN'] button[formaction]")
                .await;
            b.wait_for("#pv-dispatched-zh-CN .preview-box").await;
            assert_eq!(
                b.path().await,
                "/admin/notify?status=delivered&open=dispatched"
            );
            assert!(
                b.text("#pv-dispatched-zh-CN .preview-title")
                    .await
                    .starts_with("<script>window.__xss = 1</script>新派单 BX")
            );
            let xss = b
                .client
                .execute("return window.__xss === undefined;", vec![])
                .await
                .unwrap();
            assert_eq!(xss, serde_json::json!(true), "the script must not run");
            check(&b, "/admin/notify with a preview").await;
            b.screenshot("admin-notify").await;
        }
        b.logout().await;
        b.size(PHONE).await;
    }
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
    b.close().await;
}

macro_rules! browser_tests {
    ($($name:ident),*) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::with_browser(super::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::with_browser(super::Backend::Postgres, super::$name).await;
            }
        }
    )*};
}

browser_tests!(
    the_whole_loop,
    agent_sees_duplicates,
    residents_see_only_their_own,
    pages_are_accessible
);
