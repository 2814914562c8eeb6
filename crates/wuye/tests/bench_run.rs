//! `wuye bench run` as an operator uses it: seed a database with
//! `wuye bench seed`, start `wuye serve`, load it with each workload for a
//! couple of seconds and read the JSON report — on SQLite and PostgreSQL.

#[path = "integration/common/mod.rs"]
mod common;

use common::Backend;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_wuye");

struct Env {
    dir: PathBuf,
    url: String,
    pg_db: Option<String>,
}

impl Env {
    async fn new(backend: Backend) -> Option<Env> {
        let dir = std::env::temp_dir().join(format!(
            "wuye_bench_{}_{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let (url, pg_db) = common::fresh_database(backend, &dir).await?;
        Some(Env { dir, url, pg_db })
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.current_dir(&self.dir)
            .env("DATABASE_URL", &self.url)
            .env_remove("WUYE_LOG")
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd(args).output().expect("run wuye");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    async fn finish(self) {
        if let Some(db) = &self.pg_db {
            common::drop_pg_database(db).await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts `wuye serve` on a free port; returns the child and its base URL.
#[allow(clippy::zombie_processes)]
fn spawn_server(env: &Env) -> (Child, String) {
    let mut child = env
        .cmd(&["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            let _ = child.wait();
            panic!("server exited before listening:\n{seen}");
        }
        seen.push_str(&line);
        if let Some(rest) = line
            .split("http://")
            .nth(1)
            .filter(|_| line.contains("listening on"))
        {
            let addr = rest.split_whitespace().next().unwrap().to_string();
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            return (child, format!("http://{addr}"));
        }
    }
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
}

fn check_phase(s: &Value) {
    let name = s["workload"].as_str().unwrap();
    assert!(s["requests"].as_u64().unwrap() > 0, "{name}: {s}");
    assert_eq!(s["errors"].as_u64(), Some(0), "{name}: {s}");
    assert_eq!(s["ok"], s["requests"], "{name}: {s}");
    let l = &s["latency_ms"];
    let (p50, p95, p99, max) = (
        l["p50"].as_f64().unwrap(),
        l["p95"].as_f64().unwrap(),
        l["p99"].as_f64().unwrap(),
        l["max"].as_f64().unwrap(),
    );
    assert!(p50 > 0.0, "{name}: {s}");
    assert!(p50 <= p95 && p95 <= p99 && p99 <= max, "{name}: {s}");
    let tp = s["throughput"].as_f64().unwrap();
    let secs = s["elapsed_s"].as_f64().unwrap();
    let ok = s["ok"].as_f64().unwrap();
    assert!((tp - ok / secs).abs() <= 0.1 + tp * 0.01, "{name}: {s}");
}

async fn bench_run_on(backend: Backend) {
    let Some(env) = Env::new(backend).await else {
        return;
    };
    let (code, out, err) = env.run(&["bench", "seed", "--orders", "2000"]);
    assert_eq!(code, 0, "bench seed failed:\n{out}\n{err}");
    let (server, base) = spawn_server(&env);
    let acks = env.dir.join("acks.txt");
    let acks_arg = acks.display().to_string();

    // W1 with the ceilings; the storage ceiling uses the same DATABASE_URL.
    let mut creates = 0u64;
    let mut w1_acked = 0u64;
    for (w, ceilings) in [
        ("W1", true),
        ("W2", false),
        ("W3", false),
        ("W4", false),
        ("W5", false),
    ] {
        let mut args = vec![
            "bench",
            "run",
            "--url",
            &base,
            "--workload",
            w,
            "--connections",
            "4",
            "--duration",
            "2",
            "--warmup",
            "0.5",
            "--json",
            "--ack-log",
            &acks_arg,
        ];
        if !ceilings {
            args.push("--no-ceilings");
        }
        let (code, out, err) = env.run(&args);
        assert_eq!(code, 0, "{w}:\n{out}\n{err}");
        let report: Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{w}: {e}\n{out}\n{err}"));
        let phases = report["workloads"].as_array().unwrap();
        assert_eq!(phases.len(), 1, "{report}");
        let s = &phases[0];
        assert_eq!(s["workload"], w);
        check_phase(s);
        // Progress went to stderr once per second, the report to stdout.
        assert!(err.contains("req/s"), "{w}: {err}");
        if ceilings {
            let http = &report["http_ceiling"];
            check_phase(http);
            let storage = &report["storage_ceiling"];
            assert!(storage.is_object(), "no storage ceiling: {report}");
            check_phase(storage);
            let r = s["ratio_storage"].as_f64().unwrap();
            let expect =
                s["throughput"].as_f64().unwrap() / storage["throughput"].as_f64().unwrap();
            assert!((r - expect).abs() < 0.001, "{report}");
            assert!(s["ratio_http"].as_f64().unwrap() > 0.0, "{report}");
        } else {
            assert!(report["http_ceiling"].is_null());
            assert!(s["ratio_http"].is_null());
        }
        if w == "W1" {
            w1_acked = s["acked"].as_u64().unwrap();
            // Every measured create was acknowledged (plus the warm-up's).
            assert!(w1_acked >= s["ok"].as_u64().unwrap(), "{report}");
        }
        if let Some(a) = s["acked"].as_u64() {
            creates += a;
        }
    }
    assert!(w1_acked > 0);

    // The ack log has one line per 2xx create, and each of those orders exists.
    let text = std::fs::read_to_string(&acks).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as u64, creates, "ack log vs reported creates");
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"login": "bench-admin", "password": "bench2026"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().expect("bench-admin signs in");
    let mut seen = std::collections::HashSet::new();
    for line in &lines {
        let (id, number) = line.split_once('\t').expect("id<TAB>number");
        assert!(seen.insert(id.to_string()), "order {id} acknowledged twice");
        let r = http
            .get(format!("{base}/api/v1/orders/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged order {id} is missing");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["order"]["number"], number, "{v}");
    }

    // Only this machine may be loaded; the refusal is bilingual, Chinese first.
    for url in ["http://10.1.2.3:8080", "http://example.com"] {
        let (code, out, err) = env.run(&[
            "bench",
            "run",
            "--url",
            url,
            "--workload",
            "W1",
            "--duration",
            "1",
        ]);
        assert_ne!(code, 0, "{url}: {out}");
        let zh = err
            .find("压测只能针对本机")
            .unwrap_or_else(|| panic!("{err}"));
        let en = err
            .find("this machine only")
            .unwrap_or_else(|| panic!("{err}"));
        assert!(zh < en, "{err}");
    }
    stop(server);
    env.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_run_sqlite() {
    bench_run_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_run_postgres() {
    bench_run_on(Backend::Postgres).await;
}
