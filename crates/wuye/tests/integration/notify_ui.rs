//! The notification pages over HTTP, on both backends: the bell and the
//! inbox, the delivery log on the desk's order page — with CSRF and who may
//! see what. The admins' page is tested in `notify_ui/admin.rs`.

use crate::backend_tests;
use crate::common::{TestApp, fixture};
use crate::orders::{create, step};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use std::sync::Arc;

mod admin;

backend_tests!(bell_and_inbox_for_a_resident, staff_see_the_delivery_log,);

/// A browser-like client: the session cookie, no redirects followed, and
/// the CSRF token its pages carry.
pub(crate) struct Web {
    http: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    location: String,
    pub(crate) body: String,
}

fn csrf_in(html: &str) -> String {
    let at = html
        .find("name=\"_csrf\" value=\"")
        .expect("a form with a CSRF token");
    let rest = &html[at + "name=\"_csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

impl Web {
    pub(crate) async fn sign_in(t: &TestApp, login: &str) -> Web {
        let api = t.login_with(login, fixture::PASSWORD).await;
        let mut w = Web {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: t.base.clone(),
            cookie: format!("wuye_session={}", api.token.unwrap()),
            csrf: String::new(),
        };
        let page = w.get("/notifications").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        w.csrf = csrf_in(&page.body);
        w
    }

    async fn reply(r: reqwest::RequestBuilder) -> Reply {
        let resp = r.send().await.expect("request");
        Reply {
            status: resp.status(),
            location: resp
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string())
                .unwrap_or_default(),
            body: resp.text().await.unwrap_or_default(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("accept-language", "zh-CN")
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        Self::reply(self.request(reqwest::Method::GET, path)).await
    }

    /// As htmx asks for a fragment.
    async fn get_htmx(&self, path: &str) -> Reply {
        Self::reply(
            self.request(reqwest::Method::GET, path)
                .header("hx-request", "true"),
        )
        .await
    }

    /// A form post with the page's CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_without_csrf(path, &all).await
    }

    async fn post_without_csrf(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        Self::reply(self.request(reqwest::Method::POST, path).form(fields)).await
    }

    async fn post_htmx(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        Self::reply(
            self.request(reqwest::Method::POST, path)
                .header("hx-request", "true")
                .header("x-csrf-token", &self.csrf)
                .form(fields),
        )
        .await
    }
}

/// HTML-escaped text back as the reader sees it.
fn text_of(html: &str) -> String {
    [
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#x2f;", "/"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(html.to_string(), |s, (from, to)| s.replace(from, to))
}

fn order_id(created: &Value) -> i64 {
    created["order"]["id"].as_i64().unwrap()
}

async fn unread(c: &crate::common::Client) -> i64 {
    let (s, v) = c.get("/api/v1/notifications/unread").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["unread"].as_i64().unwrap()
}

async fn bell_and_inbox_for_a_resident(t: Arc<TestApp>) {
    let resident = t.login("13900000001").await;
    let agent = t.login("agent").await;
    let tech = t.login("tech").await;
    let web = Web::sign_in(&t, "13900000001").await;
    let neighbour = Web::sign_in(&t, "13900000002").await;
    let o = create(
        &resident,
        json!({"kind": "repair", "text": "卫生间地漏返水", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let id = order_id(&o);
    let number = o["order"]["number"].as_str().unwrap().to_string();
    let bell = web.get_htmx("/notifications/bell").await;
    assert_eq!(bell.status, StatusCode::OK);
    assert!(
        bell.body.contains("aria-label=\"通知，没有未读\""),
        "{}",
        bell.body
    );
    assert!(!bell.body.contains("bell-count"), "{}", bell.body);

    step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await;
    // The polled fragment and every page's header show one unread.
    let bell = web.get_htmx("/notifications/bell").await;
    assert!(
        bell.body.contains("aria-label=\"通知，1 条未读\""),
        "{}",
        bell.body
    );
    assert!(bell.body.contains("<span class=\"bell-count\">1</span>"));
    assert!(!bell.body.contains("<html"), "a fragment, not a page");
    let home = web.get("/r").await;
    assert!(home.body.contains("hx-get=\"/notifications/bell\""));
    assert!(home.body.contains("hx-trigger=\"every 30s\""));
    assert!(home.body.contains("aria-label=\"通知，1 条未读\""));

    // The inbox lists it, unread, linked to the resident's view of the order.
    let inbox = web.get("/notifications").await;
    assert_eq!(inbox.status, StatusCode::OK);
    let items = {
        let (_, v) = resident.get("/api/v1/notifications").await;
        v["items"].as_array().unwrap().clone()
    };
    assert_eq!(items.len(), 1);
    let note = items[0]["id"].as_i64().unwrap();
    let title = items[0]["title"].as_str().unwrap();
    assert!(title.contains(&number), "{title}");
    assert!(inbox.body.contains(title), "{}", inbox.body);
    assert!(inbox.body.contains("card note unread"));
    assert!(inbox.body.contains(&format!(
        "href=\"/r/orders/{id}\" data-read=\"/notifications/{note}/read\""
    )));
    assert!(inbox.body.contains("action=\"/notifications/read-all\""));
    let unread_tab = web.get("/notifications?unread=1").await;
    assert!(unread_tab.body.contains(title));

    // Nobody else sees it or can mark it.
    let theirs = neighbour.get("/notifications").await;
    assert!(!theirs.body.contains(title));
    let r = neighbour
        .post(&format!("/notifications/{note}/read"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(unread(&resident).await, 1);

    // Forms without the session's token are refused.
    let r = web.post_without_csrf("/notifications/read-all", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = web
        .post_without_csrf(
            "/notifications/read-all",
            &[("_csrf", neighbour.csrf.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(unread(&resident).await, 1);

    // Mark all read: the bell goes back to none.
    let r = web.post("/notifications/read-all", &[]).await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (StatusCode::SEE_OTHER, "/notifications")
    );
    assert_eq!(unread(&resident).await, 0);
    let bell = web.get_htmx("/notifications/bell").await;
    assert!(bell.body.contains("aria-label=\"通知，没有未读\""));
    let inbox = web.get("/notifications").await;
    assert!(!inbox.body.contains("card note unread"));
    assert!(!inbox.body.contains("action=\"/notifications/read-all\""));
    let empty = web.get("/notifications?unread=1").await;
    assert!(empty.body.contains("没有未读通知"));

    // Opening one marks it read: the inbox's script posts with the header token.
    step(&tech, id, json!({"action": "accept"})).await;
    assert_eq!(unread(&resident).await, 1);
    let (_, v) = resident.get("/api/v1/notifications?unread=1").await;
    let accepted = v["items"][0]["id"].as_i64().unwrap();
    let r = Web::reply(
        web.request(
            reqwest::Method::POST,
            &format!("/notifications/{accepted}/read"),
        )
        .header("x-csrf-token", &web.csrf),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(unread(&resident).await, 0);

    // Staff open orders in their own view: the technician in /t.
    let tech_web = Web::sign_in(&t, "tech").await;
    let inbox = tech_web.get("/notifications").await;
    assert!(inbox.body.contains(&format!("href=\"/t/orders/{id}\"")));
    let agent_web = Web::sign_in(&t, "agent").await;
    assert!(
        agent_web
            .get("/desk")
            .await
            .body
            .contains("aria-label=\"通知")
    );

    // Preferences: checked, saved, and the API reads the same.
    let r = web
        .post(
            "/notifications/preferences",
            &[("email", "not-an-address"), ("lang", "zh-CN")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("role=\"alert\""), "{}", r.body);
    assert!(r.body.contains("value=\"not-an-address\""));
    let r = web
        .post(
            "/notifications/preferences",
            &[("email", "jia@example.com"), ("lang", "en")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (_, p) = resident.get("/api/v1/notify/preferences").await;
    assert_eq!(p, json!({"email": "jia@example.com", "lang": "en"}));
    let inbox = web.get(&r.location).await;
    assert!(inbox.body.contains("value=\"jia@example.com\""));
    assert!(inbox.body.contains("<option value=\"en\" selected>"));

    // Signed out: the page sends to sign-in, the polled bell leaves the header alone.
    let anon = Web {
        cookie: String::new(),
        ..web
    };
    let r = anon.get("/notifications").await;
    assert!(r.location.starts_with("/login"), "{}", r.location);
    let r = anon.get_htmx("/notifications/bell").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

async fn staff_see_the_delivery_log(t: Arc<TestApp>) {
    let resident = t.login("13900000001").await;
    let agent = t.login("agent").await;
    let o = create(
        &resident,
        json!({"kind": "repair", "text": "客厅吊灯不亮", "home_id": t.fx.home_a101.0}),
    )
    .await;
    let id = order_id(&o);
    let desk = Web::sign_in(&t, "agent").await;
    let page = desk.get(&format!("/desk/orders/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("通知记录"));
    assert!(page.body.contains("这张工单还没有发出过通知"));

    step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await;
    let page = desk.get(&format!("/desk/orders/{id}")).await;
    let log = &page.body[page.body.find("id=\"deliveries\"").expect("the log")..];
    for needle in ["刘师傅", "业主甲", "已派单", "站内消息", "已送达"] {
        assert!(log.contains(needle), "{needle} missing from\n{log}");
    }
    // No retry buttons on the order page: those are the admins'.
    assert!(!log.contains("/retry"));

    // A resident opening their own order at the desk's address sees no log.
    let own = Web::sign_in(&t, "13900000001").await;
    let r = own.get(&format!("/desk/orders/{id}")).await;
    assert!(!r.body.contains("id=\"deliveries\""));
    assert!(!r.body.contains("刘师傅</td>"));
}
