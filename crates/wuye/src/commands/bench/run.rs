//! `wuye bench run`: an HTTP load generator for the standard workloads, with
//! the HTTP and storage ceilings measured in the same run so the figures read
//! as ratios on any machine.
//!
//! Each connection is one keep-alive HTTP/1.1 client; it signs in before the
//! clock starts (argon2 is slow on purpose) as a bench user made by
//! `wuye bench seed` (password `bench2026`): residents `bench-r1`… for W1,
//! agents `bench-a1`… for W2–W4, one of each for W5.

use super::ceiling;
use super::http::{self, AckLog, Conn, HttpDriver, Mix, Op, Session, Shared};
use super::load::{self, Bounds, Outcome};
use super::report::{self, Report, Summary};
use super::text::SEARCH_WORDS;
use crate::config::Config;
use anyhow::Context;
use clap::Args;
use futures::StreamExt;
use rand::SeedableRng;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Bench accounts made by `wuye bench seed`.
const RESIDENTS: usize = 200;
const AGENTS: usize = 20;

#[derive(Args, Debug)]
#[command(after_help = "负载 / workloads:\n  \
    W1 create  业主通过 API 报修 / residents create repair orders\n  \
    W2 queue   客服查看班组待办首页（按时限）/ an agent's first page of the team's open orders by deadline\n  \
    W3 detail  工单详情与时间线 / one order with its timeline\n  \
    W4 search  中文全文搜索 / a Chinese word across all orders\n  \
    W5 mixed   70% 读 30% 写 / 70% reads, 30% writes\n  \
    all        依次运行全部 / each in turn\n\n\
    上限 / ceilings: /healthz 的吞吐（HTTP 上限）与同一数据库中裸写工单行加事件行（存储上限，需与服务相同的 \
    --data-dir 或 DATABASE_URL）/ the throughput of /healthz (HTTP ceiling) and of raw inserts of an order row \
    plus its event row into the server's database (storage ceiling; pass the server's --data-dir or DATABASE_URL).\n\n\
    例 / example:\n  wuye bench run --url http://127.0.0.1:8080 --workload all --connections 32 --duration 20")]
pub struct RunArgs {
    /// 服务地址（仅限本机）/ server URL (loopback only)
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// 负载：W1…W5 或 all / workload: W1…W5 (or create, queue, detail, search, mixed) or all
    #[arg(long, default_value = "all")]
    pub workload: String,
    /// 并发连接数 / concurrent connections
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// 每项负载的秒数 / seconds per workload
    #[arg(long, default_value_t = 20.0)]
    pub duration: f64,
    /// 每项负载最多请求数 / at most this many requests per workload
    #[arg(long, default_value_t = 5_000_000)]
    pub requests: u64,
    /// 每项负载正式计时前的预热秒数 / warm-up seconds before each workload is measured
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// 输出一个 JSON 对象 / print one JSON object
    #[arg(long)]
    pub json: bool,
    /// 把每个成功创建的工单（id 与编号）逐行追加到此文件 / append each order answered 2xx (id, number) to this file, one per line
    #[arg(long, value_name = "FILE")]
    pub ack_log: Option<PathBuf>,
    /// 不测上限 / skip the HTTP and storage ceilings
    #[arg(long)]
    pub no_ceilings: bool,
    /// 压测账号的密码 / password of the bench accounts
    #[arg(long, default_value = "bench2026")]
    pub password: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Create,
    Queue,
    Detail,
    Search,
    Mixed,
}

impl Workload {
    pub const ALL: [Workload; 5] = [
        Workload::Create,
        Workload::Queue,
        Workload::Detail,
        Workload::Search,
        Workload::Mixed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Workload::Create => "W1",
            Workload::Queue => "W2",
            Workload::Detail => "W3",
            Workload::Search => "W4",
            Workload::Mixed => "W5",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Workload::Create => "create",
            Workload::Queue => "queue",
            Workload::Detail => "detail",
            Workload::Search => "search",
            Workload::Mixed => "mixed",
        }
    }

    fn mix(self) -> Mix {
        match self {
            Workload::Create => Mix::Only(Op::Create),
            Workload::Queue => Mix::Only(Op::Queue),
            Workload::Detail => Mix::Only(Op::Detail),
            Workload::Search => Mix::Only(Op::Search),
            Workload::Mixed => Mix::Mixed,
        }
    }

    fn needs_agent(self) -> bool {
        self != Workload::Create
    }

    fn needs_resident(self) -> bool {
        matches!(self, Workload::Create | Workload::Mixed)
    }
}

/// `W1`, `w1`, `create` … or `all`.
pub fn parse_workloads(s: &str) -> anyhow::Result<Vec<Workload>> {
    let s = s.trim().to_ascii_lowercase();
    if s == "all" {
        return Ok(Workload::ALL.to_vec());
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let w = Workload::ALL
            .into_iter()
            .find(|w| w.code().eq_ignore_ascii_case(part.trim()) || w.name() == part.trim())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "未知负载“{part}”：W1…W5 或 all / unknown workload “{part}”: W1…W5 or all"
                )
            })?;
        out.push(w);
    }
    Ok(out)
}

/// The base URL without a trailing slash, if its host is this machine.
pub fn loopback_base(url: &str) -> anyhow::Result<String> {
    let u = reqwest::Url::parse(url)
        .map_err(|e| anyhow::anyhow!("地址无效 / invalid URL “{url}”: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        anyhow::bail!("只支持 http:// 或 https:// / only http:// or https:// URLs: {url}");
    }
    let host = u.host_str().unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        anyhow::bail!(
            "压测只能针对本机（127.0.0.1、::1、localhost），拒绝对 {host} 施压 / \
             load tests run against this machine only (127.0.0.1, ::1, localhost); refusing {host}"
        );
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn check_args(args: &RunArgs) -> anyhow::Result<()> {
    if !(1..=1024).contains(&args.connections) {
        anyhow::bail!("连接数应在 1 到 1024 之间 / --connections must be 1–1024");
    }
    if !(args.duration > 0.0 && args.duration <= 3600.0) {
        anyhow::bail!(
            "时长应在 0 到 3600 秒之间 / --duration must be more than 0 and at most 3600 s"
        );
    }
    if !(0.0..=600.0).contains(&args.warmup) {
        anyhow::bail!("预热应在 0 到 600 秒之间 / --warmup must be 0–600 s");
    }
    if args.requests == 0 {
        anyhow::bail!("--requests 至少为 1 / --requests must be at least 1");
    }
    Ok(())
}

/// Signed-in sessions, one per login, made on first use.
struct Sessions {
    base: String,
    password: String,
    client: reqwest::Client,
    by_login: HashMap<String, Arc<Session>>,
}

impl Sessions {
    async fn get(&mut self, logins: &[String]) -> anyhow::Result<Vec<Arc<Session>>> {
        let mut missing: Vec<&String> = logins
            .iter()
            .filter(|l| !self.by_login.contains_key(*l))
            .collect();
        missing.sort();
        missing.dedup();
        // Eight at a time: the server spreads argon2 over its cores.
        let signed: Vec<anyhow::Result<Session>> = futures::stream::iter(missing)
            .map(|l| {
                let (client, base, pw) = (&self.client, &self.base, &self.password);
                async move { http::sign_in(client, base, l, pw).await }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        for s in signed {
            let s = s?;
            self.by_login.insert(s.login.clone(), Arc::new(s));
        }
        Ok(logins.iter().map(|l| self.by_login[l].clone()).collect())
    }
}

fn login_of(prefix: &str, i: usize, count: usize) -> String {
    format!("bench-{prefix}{}", i % count + 1)
}

pub async fn run(config: &Config, args: RunArgs) -> anyhow::Result<ExitCode> {
    check_args(&args)?;
    let base = loopback_base(&args.url)?;
    let workloads = parse_workloads(&args.workload)?;
    let ack = args.ack_log.as_deref().map(AckLog::open).transpose()?;
    let mut shared = Shared::new(&base, ack)?;
    let c = args.connections;
    let bounds = Bounds {
        duration: Duration::from_secs_f64(args.duration),
        max_requests: args.requests,
    };
    let warmup = Bounds {
        duration: Duration::from_secs_f64(args.warmup),
        max_requests: args.requests,
    };
    let mut sessions = Sessions {
        base: base.clone(),
        password: args.password.clone(),
        client: http::client()?,
        by_login: HashMap::new(),
    };
    let mut notes = vec![];

    // What the read workloads need: order ids and words that occur.
    if workloads.iter().any(|w| w.needs_agent()) {
        eprintln!("准备：登录、收集工单号与搜索词 / preparing: sign-in, order ids, search words");
        let agent = sessions.get(&[login_of("a", 0, AGENTS)]).await?.remove(0);
        let mut rng = rand::rngs::StdRng::from_rng(&mut rand::rng());
        let ids = http::gather_ids(&sessions.client, &shared, &agent, &mut rng, 10).await?;
        *shared.ids.write().unwrap_or_else(|e| e.into_inner()) = ids;
        for w in SEARCH_WORDS {
            let url = shared.search_url(w)?;
            if http::search_hits(&sessions.client, &url, &agent).await? > 0 {
                shared.search.push(url);
            }
        }
        notes.push(format!(
            "W3 从 {} 个工单中随机读取，W4 搜索 {} 个确实出现的词 / W3 reads random orders of {} gathered, W4 searches {} words that occur",
            shared.ids.read().map(|v| v.len()).unwrap_or(0),
            shared.search.len(),
            shared.ids.read().map(|v| v.len()).unwrap_or(0),
            shared.search.len()
        ));
    }
    let shared = Arc::new(shared);

    let mut report = Report {
        url: base.clone(),
        connections: c,
        duration_s: args.duration,
        warmup_s: args.warmup,
        max_requests: args.requests,
        http_ceiling: None,
        storage_ceiling: None,
        notes,
        workloads: vec![],
        client_cpu_s: None,
    };

    if !args.no_ceilings {
        report.http_ceiling = Some(http_ceiling(&shared, c, bounds, warmup).await?);
        match ceiling::prepare(config).await {
            Ok(driver) => {
                let backend = driver.backend().name();
                let driver = Arc::new(driver);
                let label = format!("存储上限 storage ceiling ({backend})");
                let out = load::run(driver.clone(), c, bounds, Some(label)).await;
                let mut s = out.stats.summary("storage_ceiling", "insert", out.elapsed);
                s.notes.push(format!(
                    "存储上限：{backend}，每单一个事务写工单行与事件行 / storage ceiling: {backend}, one transaction per order row + event row"
                ));
                report.notes.append(&mut s.notes);
                report.storage_ceiling = Some(s);
                match Arc::try_unwrap(driver) {
                    Ok(d) => d.finish().await.context(
                        "无法删除临时表 / cannot drop the scratch tables bench_ceiling_*",
                    )?,
                    Err(_) => anyhow::bail!("storage ceiling driver still in use"),
                }
            }
            Err(note) => report.notes.push(note),
        }
    }

    for w in &workloads {
        let summary = run_workload(*w, &shared, &mut sessions, c, bounds, warmup).await?;
        report.workloads.push(summary);
    }

    let http_tp = report.http_ceiling.as_ref().map(|s| s.throughput);
    let storage_tp = report.storage_ceiling.as_ref().map(|s| s.throughput);
    for s in &mut report.workloads {
        s.ratio_http = report::ratio(s.throughput, http_tp);
        s.ratio_storage = report::ratio(s.throughput, storage_tp);
    }
    report.client_cpu_s = report::process_cpu_seconds();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report::table(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn plain_conns(c: usize) -> anyhow::Result<Vec<Conn>> {
    (0..c)
        .map(|_| {
            Ok(Conn {
                client: http::client()?,
                agent: None,
                resident: None,
            })
        })
        .collect()
}

async fn http_ceiling(
    shared: &Arc<Shared>,
    c: usize,
    bounds: Bounds,
    warmup: Bounds,
) -> anyhow::Result<Summary> {
    let driver = Arc::new(HttpDriver {
        conns: plain_conns(c)?,
        shared: shared.clone(),
        mix: Mix::Only(Op::Healthz),
    });
    if !warmup.duration.is_zero() {
        load::run(driver.clone(), c, warmup, None).await;
    }
    let out = load::run(driver, c, bounds, Some("HTTP 上限 ceiling".into())).await;
    Ok(out.stats.summary("http_ceiling", "healthz", out.elapsed))
}

async fn run_workload(
    w: Workload,
    shared: &Arc<Shared>,
    sessions: &mut Sessions,
    c: usize,
    bounds: Bounds,
    warmup: Bounds,
) -> anyhow::Result<Summary> {
    let label = format!("{} {}", w.code(), w.name());
    eprintln!("{label}: 登录 {c} 个连接 / signing in {c} connections");
    let agents = if w.needs_agent() {
        let logins: Vec<String> = (0..c).map(|i| login_of("a", i, AGENTS)).collect();
        Some(sessions.get(&logins).await?)
    } else {
        None
    };
    let residents = if w.needs_resident() {
        let logins: Vec<String> = (0..c).map(|i| login_of("r", i, RESIDENTS)).collect();
        Some(sessions.get(&logins).await?)
    } else {
        None
    };
    let mut conns = plain_conns(c)?;
    for (i, conn) in conns.iter_mut().enumerate() {
        conn.agent = agents.as_ref().map(|a| a[i].clone());
        conn.resident = residents.as_ref().map(|r| r[i].clone());
    }
    let mut notes = vec![];
    if let Some(a) = &agents
        && matches!(w, Workload::Queue | Workload::Mixed)
        && a.iter().any(|s| s.teams.is_empty())
    {
        notes.push(format!(
            "{}：部分客服不属于任何班组，其队列为所服务小区的全部未结工单（按时限）/ some agents belong to no team: \
             their queue is all open orders of their communities by deadline",
            w.code()
        ));
    }
    let driver = Arc::new(HttpDriver {
        conns,
        shared: shared.clone(),
        mix: w.mix(),
    });
    let acked_before = shared
        .ack
        .as_ref()
        .map(|a| a.lines.load(std::sync::atomic::Ordering::Relaxed));
    if !warmup.duration.is_zero() {
        eprintln!("{label}: 预热 / warming up");
        load::run(driver.clone(), c, warmup, None).await;
    }
    let Outcome { stats, elapsed } = load::run(driver, c, bounds, Some(label)).await;
    let mut s = stats.summary(w.code(), w.name(), elapsed);
    if w.needs_resident()
        && let (Some(log), Some(before)) = (&shared.ack, acked_before)
    {
        s.acked = Some(log.lines.load(std::sync::atomic::Ordering::Relaxed) - before);
    }
    s.notes = notes;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_may_be_loaded() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://localhost:3000",
            "http://[::1]:8080",
            "http://127.0.0.2:8080",
        ] {
            assert!(loopback_base(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            loopback_base("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "http://10.0.0.5:8080",
            "http://example.com",
            "http://0.0.0.0:8080",
            "http://localhost.example.com",
            "http://[::2]:80",
        ] {
            let e = loopback_base(bad).unwrap_err().to_string();
            assert!(e.starts_with("压测只能针对本机"), "{e}");
            assert!(e.contains("refusing"), "{e}");
        }
        assert!(loopback_base("ftp://127.0.0.1").is_err());
        assert!(loopback_base("not a url").is_err());
    }

    #[test]
    fn workloads_by_code_name_or_all() {
        assert_eq!(parse_workloads("all").unwrap().len(), 5);
        assert_eq!(parse_workloads("W1").unwrap(), vec![Workload::Create]);
        assert_eq!(
            parse_workloads("w3,search").unwrap(),
            vec![Workload::Detail, Workload::Search]
        );
        assert!(parse_workloads("W9").is_err());
    }

    #[test]
    fn connections_take_turns_among_the_bench_accounts() {
        assert_eq!(login_of("r", 0, RESIDENTS), "bench-r1");
        assert_eq!(login_of("r", 200, RESIDENTS), "bench-r1");
        assert_eq!(login_of("a", 19, AGENTS), "bench-a20");
    }
}
