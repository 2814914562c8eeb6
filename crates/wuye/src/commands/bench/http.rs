//! The HTTP side of the load generator: one keep-alive client per
//! connection, signed-in sessions, and the requests of each workload.

use super::load::Driver;
use super::text;
use anyhow::Context;
use rand::Rng;
use rand::rngs::StdRng;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Client, Url};
use serde::Deserialize;
use std::collections::HashSet;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How long one request may take before it counts as a timeout (the server
/// answers 408 after 30 s itself).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(35);
/// The most order ids kept for the detail and comment requests.
const MAX_IDS: usize = 200_000;

/// One client per connection: HTTP/1.1, keep-alive, a single idle socket.
pub fn client() -> anyhow::Result<Client> {
    Client::builder()
        .http1_only()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(Duration::from_secs(300))
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("wuye-bench/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("HTTP 客户端无法创建 / cannot build the HTTP client")
}

/// A signed-in bench user.
#[derive(Debug)]
pub struct Session {
    pub login: String,
    pub auth: HeaderValue,
    pub homes: Vec<i64>,
    pub teams: Vec<i64>,
}

#[derive(Deserialize)]
struct LoginOut {
    token: String,
    user: LoginUser,
}

#[derive(Deserialize)]
struct LoginUser {
    #[serde(default)]
    homes: Vec<i64>,
    #[serde(default)]
    teams: Vec<i64>,
}

/// Signs in (argon2 on the server: slow on purpose, so never timed).
pub async fn sign_in(
    client: &Client,
    base: &str,
    login: &str,
    password: &str,
) -> anyhow::Result<Session> {
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": login, "password": password }))
        .send()
        .await
        .with_context(|| format!("无法连接服务 / cannot reach the server at {base}"))?;
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    if !status.is_success() {
        anyhow::bail!(
            "{login} 登录失败（{status}）：请先运行 wuye bench seed / sign-in of {login} failed ({status}): \
             run `wuye bench seed` on the server's database first. {body}"
        );
    }
    let out: LoginOut = serde_json::from_str(&body)
        .with_context(|| format!("登录应答无法读取 / unexpected sign-in answer: {body}"))?;
    Ok(Session {
        login: login.to_string(),
        auth: HeaderValue::from_str(&format!("Bearer {}", out.token))?,
        homes: out.user.homes,
        teams: out.user.teams,
    })
}

/// Appends the id and number of every order answered 2xx, one line each,
/// written straight to the file (no user-space buffer), so a crash of the
/// server loses none of the client's record.
pub struct AckLog {
    file: Mutex<std::fs::File>,
    pub lines: AtomicU64,
}

impl AckLog {
    pub fn open(path: &std::path::Path) -> anyhow::Result<AckLog> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| {
                format!(
                    "无法打开确认日志 / cannot open the ack log {}",
                    path.display()
                )
            })?;
        Ok(AckLog {
            file: Mutex::new(file),
            lines: AtomicU64::new(0),
        })
    }

    fn record(&self, id: i64, number: &str) -> std::io::Result<()> {
        let line = format!("{id}\t{number}\n");
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        f.write_all(line.as_bytes())?;
        self.lines.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// What a connection asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Healthz,
    Create,
    Queue,
    Detail,
    Search,
    Comment,
}

/// Which operations a phase does, by share.
#[derive(Debug, Clone, Copy)]
pub enum Mix {
    Only(Op),
    /// 70% reads (queue, detail, search in equal parts), 30% writes
    /// (two thirds creates, one third comments by the desk).
    Mixed,
}

impl Mix {
    fn pick(self, rng: &mut StdRng) -> Op {
        match self {
            Mix::Only(op) => op,
            Mix::Mixed => {
                let r: u32 = rng.random_range(0..300);
                match r {
                    0..70 => Op::Queue,
                    70..140 => Op::Detail,
                    140..210 => Op::Search,
                    210..270 => Op::Create,
                    _ => Op::Comment,
                }
            }
        }
    }
}

/// A connection: its client and the sessions it uses.
pub struct Conn {
    pub client: Client,
    pub agent: Option<Arc<Session>>,
    pub resident: Option<Arc<Session>>,
}

/// What all connections of a run share.
pub struct Shared {
    pub healthz: Url,
    pub orders: Url,
    /// The first page of an agent's queue, by whether the agent has teams.
    pub team_queue: Url,
    pub open_queue: Url,
    pub search: Vec<Url>,
    /// Orders to read and comment on (gathered before the run, grown by creates).
    pub ids: RwLock<Vec<i64>>,
    pub ack: Option<AckLog>,
    /// Error kinds already explained on stderr (the first body of each).
    seen_errors: Mutex<HashSet<String>>,
}

impl Shared {
    pub fn new(base: &str, ack: Option<AckLog>) -> anyhow::Result<Shared> {
        let url = |p: &str| Url::parse(&format!("{base}{p}")).context("URL");
        let open: Vec<&str> = wuye_domain::work_order::State::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.code())
            .collect();
        Ok(Shared {
            healthz: url("/healthz")?,
            orders: url("/api/v1/orders")?,
            team_queue: url("/api/v1/orders?queue=team&sort=deadline&limit=50")?,
            open_queue: url(&format!(
                "/api/v1/orders?queue=all&state={}&sort=deadline&limit=50",
                open.join(",")
            ))?,
            search: vec![],
            ids: RwLock::new(vec![]),
            ack,
            seen_errors: Mutex::new(HashSet::new()),
        })
    }

    pub fn search_url(&self, word: &str) -> anyhow::Result<Url> {
        let mut u = self.orders.clone();
        u.query_pairs_mut()
            .append_pair("queue", "all")
            .append_pair("q", word)
            .append_pair("limit", "50");
        Ok(u)
    }

    fn random_id(&self, rng: &mut StdRng) -> Option<i64> {
        let ids = self.ids.read().unwrap_or_else(|e| e.into_inner());
        if ids.is_empty() {
            None
        } else {
            Some(ids[rng.random_range(0..ids.len())])
        }
    }

    fn remember(&self, id: i64, rng: &mut StdRng) {
        let mut ids = self.ids.write().unwrap_or_else(|e| e.into_inner());
        if ids.len() < MAX_IDS {
            ids.push(id);
        } else {
            let i = rng.random_range(0..ids.len());
            ids[i] = id;
        }
    }

    /// Prints the first failure of each kind with its body, once.
    fn explain(&self, kind: &str, body: &str) {
        let mut seen = self.seen_errors.lock().unwrap_or_else(|e| e.into_inner());
        if seen.insert(kind.to_string()) {
            let snippet: String = body.chars().take(300).collect();
            eprintln!("  首个 {kind} 错误 / first {kind}: {snippet}");
        }
    }
}

#[derive(Deserialize)]
struct Created {
    order: CreatedOrder,
}

#[derive(Deserialize)]
struct CreatedOrder {
    id: i64,
    number: String,
}

/// The kind of a transport failure.
fn transport_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else if e.is_body() || e.is_decode() {
        "body".into()
    } else {
        "io".into()
    }
}

/// The connections of a phase, doing `mix`.
pub struct HttpDriver {
    pub conns: Vec<Conn>,
    pub shared: Arc<Shared>,
    pub mix: Mix,
}

impl HttpDriver {
    async fn request(&self, conn: &Conn, op: Op, rng: &mut StdRng) -> Result<(), String> {
        let s = &self.shared;
        let c = &conn.client;
        let agent = || conn.agent.as_ref().ok_or("no_agent_session".to_string());
        let resident = || {
            conn.resident
                .as_ref()
                .ok_or("no_resident_session".to_string())
        };
        let req = match op {
            Op::Healthz => c.get(s.healthz.clone()),
            Op::Queue => {
                let a = agent()?;
                let url = if a.teams.is_empty() {
                    &s.open_queue
                } else {
                    &s.team_queue
                };
                c.get(url.clone()).header(AUTHORIZATION, a.auth.clone())
            }
            Op::Detail => {
                let a = agent()?;
                let id = s.random_id(rng).ok_or("no_order_ids".to_string())?;
                c.get(format!("{}/{id}", s.orders))
                    .header(AUTHORIZATION, a.auth.clone())
            }
            Op::Search => {
                let a = agent()?;
                if s.search.is_empty() {
                    return Err("no_search_words".into());
                }
                let u = &s.search[rng.random_range(0..s.search.len())];
                c.get(u.clone()).header(AUTHORIZATION, a.auth.clone())
            }
            Op::Create => {
                let r = resident()?;
                if r.homes.is_empty() {
                    return Err("resident_without_home".into());
                }
                let home = r.homes[rng.random_range(0..r.homes.len())];
                let body = serde_json::json!({
                    "kind": "repair",
                    "text": text::repair_text(rng),
                    "home_id": home,
                })
                .to_string();
                c.post(s.orders.clone())
                    .header(AUTHORIZATION, r.auth.clone())
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(body)
            }
            Op::Comment => {
                let a = agent()?;
                let id = s.random_id(rng).ok_or("no_order_ids".to_string())?;
                let body = serde_json::json!({ "text": text::comment_text(rng) }).to_string();
                c.post(format!("{}/{id}/comments", s.orders))
                    .header(AUTHORIZATION, a.auth.clone())
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(body)
            }
        };
        let resp = req.send().await.map_err(|e| transport_kind(&e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| transport_kind(&e))?;
        if !status.is_success() {
            let kind = format!("http_{}", status.as_u16());
            s.explain(&kind, &String::from_utf8_lossy(&body));
            return Err(kind);
        }
        if op == Op::Create {
            let created: Created = serde_json::from_slice(&body).map_err(|_| {
                s.explain("decode", &String::from_utf8_lossy(&body));
                "decode".to_string()
            })?;
            if let Some(log) = &s.ack {
                log.record(created.order.id, &created.order.number)
                    .map_err(|_| "ack_log_write".to_string())?;
            }
            s.remember(created.order.id, rng);
        }
        Ok(())
    }
}

impl Driver for HttpDriver {
    async fn one(&self, task: usize, rng: &mut StdRng) -> Result<(), String> {
        let conn = &self.conns[task % self.conns.len()];
        let op = self.mix.pick(rng);
        self.request(conn, op, rng).await
    }
}

#[derive(Deserialize)]
struct PageOf {
    items: Vec<IdOnly>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: i64,
}

/// Order ids spread over the database's history for the detail workload:
/// the newest page, then pages of orders created before random days of the
/// last year.
pub async fn gather_ids(
    client: &Client,
    shared: &Shared,
    agent: &Session,
    rng: &mut StdRng,
    pages: usize,
) -> anyhow::Result<Vec<i64>> {
    let today = jiff::Zoned::now().date();
    let mut out = Vec::new();
    for p in 0..pages {
        let mut u = shared.orders.clone();
        u.query_pairs_mut().append_pair("limit", "200");
        if p > 0 {
            let back = rng.random_range(1..366);
            let day = today
                .checked_sub(jiff::Span::new().days(back))
                .unwrap_or(today);
            u.query_pairs_mut().append_pair("to", &day.to_string());
        }
        let r = client
            .get(u)
            .header(AUTHORIZATION, agent.auth.clone())
            .send()
            .await?;
        let status = r.status();
        let body = r.text().await?;
        if !status.is_success() {
            anyhow::bail!("工单列表失败 / listing orders failed ({status}): {body}");
        }
        let page: PageOf = serde_json::from_str(&body)?;
        out.extend(page.items.into_iter().map(|i| i.id));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// How many orders a search finds on its first page (0: the word is not there).
pub async fn search_hits(client: &Client, url: &Url, agent: &Session) -> anyhow::Result<usize> {
    let r = client
        .get(url.clone())
        .header(AUTHORIZATION, agent.auth.clone())
        .send()
        .await?;
    let status = r.status();
    let body = r.text().await?;
    if !status.is_success() {
        anyhow::bail!("搜索失败 / search failed ({status}): {body}");
    }
    Ok(serde_json::from_str::<PageOf>(&body)?.items.len())
}
