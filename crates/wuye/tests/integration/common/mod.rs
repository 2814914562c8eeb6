//! The test harness: a real server on 127.0.0.1 over a fresh database, on
//! SQLite and (when a server is reachable) PostgreSQL, driven over HTTP.
//!
//! `backend_tests!(a, b, …)` turns each `async fn a(t: TestApp)` into two
//! tests, `a::sqlite` and `a::postgres`. PostgreSQL tests use
//! `WUYE_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! create a throwaway database per test and drop it afterwards. When no
//! server answers they print SKIPPED and pass — unless `WUYE_REQUIRE_PG=1`
//! (CI sets it), which makes them fail.

#![allow(dead_code)]

pub mod fixture;

use futures::FutureExt;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use wuye_app::{App, AppConfig};
use wuye_store::{Db, DbOptions};

pub use fixture::Fixture;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The system clock moved by an adjustable offset, so tests can jump days.
#[derive(Debug, Default)]
pub struct TestClock {
    offset_ms: std::sync::atomic::AtomicI64,
}

impl TestClock {
    pub fn advance_hours(&self, hours: i64) {
        self.advance_minutes(hours * 60);
    }

    pub fn advance_minutes(&self, minutes: i64) {
        self.offset_ms
            .fetch_add(minutes * 60_000, std::sync::atomic::Ordering::SeqCst);
    }
}

impl wuye_domain::time::Clock for TestClock {
    fn now(&self) -> jiff::Timestamp {
        let now = jiff::Timestamp::now().as_millisecond()
            + self.offset_ms.load(std::sync::atomic::Ordering::SeqCst);
        jiff::Timestamp::from_millisecond(now).unwrap()
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub clock: Arc<TestClock>,
    pub app: App,
    pub base: String,
    pub http: reqwest::Client,
    pub url: String,
    pub fx: Fixture,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    dir: std::path::PathBuf,
    pg_db: Option<String>,
}

fn pg_admin_url() -> String {
    std::env::var("WUYE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), rand::random::<u32>())
}

async fn admin_conn() -> Option<sqlx::AnyConnection> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    match sqlx::AnyConnection::connect(&pg_admin_url()).await {
        Ok(c) => Some(c),
        Err(e) => {
            if std::env::var("WUYE_REQUIRE_PG").as_deref() == Ok("1") {
                panic!(
                    "PostgreSQL is required (WUYE_REQUIRE_PG=1) but not reachable at {}: {e}",
                    pg_admin_url()
                );
            }
            eprintln!(
                "SKIPPED: PostgreSQL not reachable at {} ({e}); set WUYE_TEST_PG_URL",
                pg_admin_url()
            );
            None
        }
    }
}

/// The database URL for a fresh database on `backend` (None: skipped), and
/// the PostgreSQL database name to drop afterwards.
pub async fn fresh_database(
    backend: Backend,
    dir: &std::path::Path,
) -> Option<(String, Option<String>)> {
    match backend {
        Backend::Sqlite => Some((
            format!("sqlite://{}?mode=rwc", dir.join("wuye.db").display()),
            None,
        )),
        Backend::Postgres => {
            let mut c = admin_conn().await?;
            let name = unique("wuye_t");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await
                .expect("create test database");
            let base = pg_admin_url();
            let url = match base.rfind('/') {
                Some(i) if base[..i].contains("://") && i > base.find("://").unwrap() + 2 => {
                    format!("{}/{name}", &base[..i])
                }
                _ => format!("{base}/{name}"),
            };
            Some((url, Some(name)))
        }
    }
}

pub async fn drop_pg_database(name: &str) {
    if let Some(mut c) = admin_conn().await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c)
            .await;
    }
}

impl TestApp {
    /// Starts a server over a fresh, migrated database with the test fixture.
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, AppConfig::default()).await
    }

    pub async fn start_with(backend: Backend, config: AppConfig) -> Option<TestApp> {
        let dir = std::env::temp_dir().join(unique("wuye_test"));
        std::fs::create_dir_all(&dir).unwrap();
        let (url, pg_db) = fresh_database(backend, &dir).await?;
        let db = Db::connect(
            &url,
            &DbOptions {
                max_connections: 8,
                ..Default::default()
            },
        )
        .await
        .expect("connect");
        db.migrate().await.expect("migrate");
        // Retraining in tests: two passes are enough to prove the loop.
        let config = AppConfig {
            data_dir: dir.clone(),
            dispatch_train_epochs: 2,
            ..config
        };
        let clock = Arc::new(TestClock::default());
        let app = App::new(db, config).with_clock(clock.clone());
        let fx = fixture::build(&app).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server_app = app.clone();
        let server = tokio::spawn(async move {
            wuye_web::serve(server_app, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Some(TestApp {
            backend,
            clock,
            app,
            base,
            http: reqwest::Client::new(),
            url,
            fx,
            shutdown: Some(tx),
            server: Some(server),
            dir,
            pg_db,
        })
    }

    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
        self.app.db.close().await;
        if let Some(name) = self.pg_db.take() {
            drop_pg_database(&name).await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// A client without a session.
    pub fn anon(&self) -> Client {
        Client {
            http: self.http.clone(),
            base: self.base.clone(),
            token: None,
            lang: None,
        }
    }

    /// Signs in and returns a client carrying the bearer token.
    pub async fn login(&self, login: &str) -> Client {
        self.login_with(login, fixture::PASSWORD).await
    }

    pub async fn login_with(&self, login: &str, password: &str) -> Client {
        let (status, body) = self
            .anon()
            .post(
                "/api/v1/auth/login",
                serde_json::json!({"login": login, "password": password}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {login}: {body}");
        let mut c = self.anon();
        c.token = Some(body["token"].as_str().unwrap().to_string());
        c
    }
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
    pub lang: Option<&'static str>,
}

impl Client {
    pub fn english(mut self) -> Self {
        self.lang = Some("en");
        self
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        if let Some(l) = self.lang {
            r = r.header("accept-language", l);
        }
        r
    }

    pub async fn send(&self, r: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = r.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::DELETE, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::POST, path).json(&body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::PATCH, path).json(&body))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::PUT, path).json(&body)).await
    }

    pub async fn post_bytes(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        self.send(
            self.request(Method::POST, path)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }
}

/// The error code of an error body.
pub fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// Runs one test body on one backend and cleans up, even if it panics.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Arc<TestApp>) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(t) = TestApp::start(backend).await else {
        return;
    };
    let t = Arc::new(t);
    let outcome = AssertUnwindSafe(body(t.clone())).catch_unwind().await;
    match Arc::try_unwrap(t) {
        Ok(t) => t.finish().await,
        Err(_) => panic!("a test kept its TestApp alive"),
    }
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}

#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::run($crate::common::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::run($crate::common::Backend::Postgres, super::$name).await;
            }
        }
    )*};
}
