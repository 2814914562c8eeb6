//! The `wuye` binary as a newcomer uses it: help, serve --demo and sign in,
//! user accounts, imports, backups — on SQLite and PostgreSQL.

#[path = "integration/common/mod.rs"]
mod common;

use common::Backend;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
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
            "wuye_cli_{}_{}",
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
            .env("WUYE_DEMO_ORDERS", "24")
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

/// Starts `wuye serve` on a free port and returns the child and base URL.
/// (The caller stops the child; see `stop`.)
fn spawn_server(env: &Env, extra: &[&str]) -> (Child, String, String) {
    spawn_server_with(env, extra, &[])
}

/// [`spawn_server`] with environment variables of its own.
#[allow(clippy::zombie_processes)]
fn spawn_server_with(env: &Env, extra: &[&str], vars: &[(&str, &str)]) -> (Child, String, String) {
    let mut args = vec!["serve", "--addr", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = env
        .cmd(&args)
        .envs(vars.iter().copied())
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
            // Keep reading, as a terminal would.
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            return (child, format!("http://{addr}"), seen);
        }
    }
}

fn stop(mut child: Child) {
    unsafe_kill_term(child.id());
    let _ = child.wait();
}

/// SIGTERM, so the server shuts down gracefully as under a process manager.
fn unsafe_kill_term(pid: u32) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
}

async fn login(base: &str, login: &str, password: &str) -> String {
    let r: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"]
        .as_str()
        .unwrap_or_else(|| panic!("login {login}: {r}"))
        .to_string()
}

#[test]
fn every_command_explains_itself() {
    let help = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let top = help(&["--help"]);
    for word in [
        "serve", "migrate", "demo", "user", "import", "backup", "物业",
    ] {
        assert!(top.contains(word), "top-level help lacks {word}:\n{top}");
    }
    for sub in [
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["user", "create", "--help"],
        vec!["user", "reset-password", "--help"],
        vec!["import", "homes", "--help"],
        vec!["import", "residents", "--help"],
        vec!["backup", "--help"],
    ] {
        let text = help(&sub);
        assert!(text.contains("Usage"), "{sub:?}");
        assert!(
            text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{sub:?} has no Chinese:\n{text}"
        );
    }
}

async fn demo_serves_and_signs_in(backend: Backend) {
    let Some(env) = Env::new(backend).await else {
        return;
    };
    let (child, base, banner) = spawn_server(&env, &["--demo"]);
    assert!(banner.contains("演示模式"), "{banner}");
    assert!(
        banner.contains("admin") && banner.contains("wuye2026"),
        "{banner}"
    );
    let token = login(&base, "admin", wuye_app::demo::DEMO_PASSWORD).await;
    let communities: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/communities"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(communities.as_array().unwrap().len(), 3, "{communities}");
    // Every demo sign-in works.
    for d in wuye_app::demo::DEMO_LOGINS {
        login(&base, d.login, wuye_app::demo::DEMO_PASSWORD).await;
    }
    let homes: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/homes?limit=200"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(homes["items"].as_array().unwrap().len(), 200);
    stop(child);
    // A second demo load is refused; the data stays.
    let (code, _, err) = env.run(&["demo"]);
    assert_eq!(code, 1);
    assert!(err.contains("database_not_empty"), "{err}");
    env.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serves_and_signs_in_sqlite() {
    demo_serves_and_signs_in(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serves_and_signs_in_postgres() {
    demo_serves_and_signs_in(Backend::Postgres).await;
}

async fn first_admin_import_and_reset(backend: Backend) {
    let Some(env) = Env::new(backend).await else {
        return;
    };
    let (code, out, err) = env.run(&[
        "user",
        "create",
        "--username",
        "boss",
        "--name",
        "老板",
        "--phone",
        "13811112222",
        "--role",
        "admin",
        "--company",
        "安心物业",
        "--password",
        "boss-pass-1",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("安心物业"), "{out}");
    // A weak password is refused with a clear message.
    let (code, _, err) = env.run(&[
        "user",
        "create",
        "--username",
        "weak",
        "--name",
        "弱",
        "--phone",
        "13811113333",
        "--role",
        "agent",
        "--password",
        "1",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("密码至少需要 8 位"), "{err}");
    // Homes need a community first: the import says which line and why.
    let homes = env.dir.join("homes.csv");
    std::fs::write(&homes, "小区,楼栋,单元,房号\n安心家园,1栋,1单元,101\n").unwrap();
    let (code, _, err) = env.run(&["import", "homes", homes.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("第 2 行") && err.contains("安心家园"), "{err}");
    // Create the community over the API, then import GBK homes and residents.
    let (child, base, _) = spawn_server(&env, &[]);
    let token = login(&base, "boss", "boss-pass-1").await;
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/communities"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "安心家园"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    stop(child);
    let (gbk, _, _) = encoding_rs::GBK.encode("小区,楼栋,单元,房号,楼层,面积\n安心家园,1栋,1单元,101,1,88.8\n安心家园,1栋,1单元,102,1,90\n");
    std::fs::write(&homes, gbk.as_ref()).unwrap();
    let (code, out, err) = env.run(&["import", "homes", homes.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("GBK") && out.contains("2 房屋"), "{out}");
    let residents = env.dir.join("residents.csv");
    std::fs::write(
        &residents,
        "姓名,手机号,小区,楼栋,单元,房号,关系\n李四,13566667777,安心家园,1栋,1单元,101,业主\n",
    )
    .unwrap();
    let (code, out, err) = env.run(&["import", "residents", residents.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    // Password reset.
    let (code, out, err) = env.run(&[
        "user",
        "reset-password",
        "--login",
        "boss",
        "--password",
        "new-boss-9",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, _) = env.run(&["migrate"]);
    assert_eq!(code, 0);
    let (child, base, _) = spawn_server(&env, &[]);
    login(&base, "boss", "new-boss-9").await;
    stop(child);
    env.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_admin_import_and_reset_sqlite() {
    first_admin_import_and_reset(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_admin_import_and_reset_postgres() {
    first_admin_import_and_reset(Backend::Postgres).await;
}

fn count_homes(path: &Path) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
            .await
            .unwrap();
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM homes")
            .fetch_one(&mut c)
            .await
            .unwrap()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_while_serving() {
    let env = Env::new(Backend::Sqlite).await.unwrap();
    let (code, _, err) = env.run(&["demo"]);
    assert_eq!(code, 0, "{err}");
    let (child, base, _) = spawn_server(&env, &[]);
    let token = login(&base, "admin", wuye_app::demo::DEMO_PASSWORD).await;
    // Writes keep going while the backup runs.
    let writer = tokio::spawn({
        let base = base.clone();
        async move {
            let c = reqwest::Client::new();
            for i in 0..20 {
                let r = c
                    .post(format!("{base}/api/v1/communities"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"name": format!("备份期间小区{i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 201);
            }
        }
    });
    let out = env.dir.join("backup.db");
    let (code, stdout, err) = env.run(&["backup", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{err}");
    writer.await.unwrap();
    stop(child);
    let path = out.clone();
    let homes = tokio::task::spawn_blocking(move || count_homes(&path))
        .await
        .unwrap();
    assert_eq!(homes, 3048);
    // Never overwrite an existing file.
    let (code, _, err) = env.run(&["backup", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("backup_exists"), "{err}");
    env.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_uses_pg_dump() {
    let Some(env) = Env::new(Backend::Postgres).await else {
        return;
    };
    let have_pg_dump = Command::new("pg_dump").arg("--version").output().is_ok();
    let out = env.dir.join("backup.dump");
    let (code, stdout, err) = env.run(&["backup", "--out", out.to_str().unwrap()]);
    if have_pg_dump {
        assert_eq!(code, 0, "{stdout}{err}");
        assert!(std::fs::metadata(&out).unwrap().len() > 0);
    } else {
        assert_eq!(code, 1);
        assert!(err.contains("pg_dump"), "{err}");
    }
    env.finish().await;
}

/// A client that never finishes its request does not keep a stopping server
/// up: `shutdown_grace_seconds` after SIGTERM it stops without that request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_never_ends_does_not_keep_a_stopping_server_up() {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let Some(env) = Env::new(Backend::Sqlite).await else {
        return;
    };
    let (mut child, base, _) =
        spawn_server_with(&env, &[], &[("WUYE_SHUTDOWN_GRACE_SECONDS", "1")]);
    // A sign-in whose body stops a third of the way: the handler waits for
    // the rest, as behind a client that hangs.
    let mut stuck = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stuck
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: wuye\r\nContent-Type: application/json\r\n\
              Content-Length: 300\r\n\r\n{\"login\":\"admin\",",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    unsafe_kill_term(child.id());
    let asked = Instant::now();
    let stopped = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        // Without a grace period this server stopped after about 30 s.
        if asked.elapsed() > Duration::from_secs(10) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if stopped.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let status = stopped.expect("the server stopped within 10 s of SIGTERM");
    assert!(status.success(), "{status}");
    drop(stuck);
    env.finish().await;
}

/// Settings out of range or of the wrong type are refused before anything
/// starts, in both languages, naming the setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_are_refused_by_name() {
    let Some(env) = Env::new(Backend::Sqlite).await else {
        return;
    };
    for (var, value, expected) in [
        (
            "WUYE_SHUTDOWN_GRACE_SECONDS",
            "5000",
            "shutdown_grace_seconds 应在 0 到 3600 之间",
        ),
        (
            "WUYE_SHUTDOWN_GRACE_SECONDS",
            "soon",
            "配置有误 / invalid configuration",
        ),
        (
            "WUYE_AUTO_ACCEPT_DAYS",
            "0",
            "auto_accept_days 应在 1 到 60 之间",
        ),
    ] {
        let out = env.cmd(&["migrate"]).env(var, value).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{var}={value}: {err}");
        assert!(err.contains(expected), "{var}={value}: {err}");
        let key = var.trim_start_matches("WUYE_").to_lowercase();
        assert!(err.to_lowercase().contains(&key), "{var}={value}: {err}");
    }
    env.finish().await;
}
