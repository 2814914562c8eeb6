//! `wuye serve`.

use super::{open, say};
use crate::cli::ServeArgs;
use crate::config::Config;
use anyhow::Context;
use std::process::ExitCode;
use std::time::Duration;
use wuye_app::demo::{DEMO_LOGINS, DEMO_PASSWORD};

/// Prints to stdout, ignoring a closed pipe: a server must not die because
/// whoever started it stopped reading its output.
macro_rules! out {
    () => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

macro_rules! eout {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub async fn run(config: &Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let addr = args.addr.clone().unwrap_or_else(|| config.addr.clone());
    let mut app = open(config).await?;
    if args.demo {
        let mut c = app.db.read().await.map_err(|e| anyhow::anyhow!(e))?;
        let empty = wuye_store::directory::first_company(&mut c)
            .await?
            .is_none();
        drop(c);
        if empty {
            eout!("正在载入演示数据 / loading the demo property …");
            let s = app
                .load_demo(&|step| eout!("  {step}"))
                .await
                .map_err(|e| say(&e))?;
            eout!(
                "演示数据已载入 / demo loaded: {} 个小区, {} 户房屋, {} 位住户, {} 名员工, {} 个班组, {} 张历史工单",
                s.communities,
                s.homes,
                s.residents,
                s.staff,
                s.teams,
                s.orders
            );
        }
    }
    let demo = app.is_demo().await.map_err(|e| say(&e))?;
    if args.demo && !demo {
        eout!(
            "注意：数据库里已有非演示数据，--demo 未载入任何内容 / note: the database holds real data; --demo loaded nothing"
        );
    }
    let mut cfg = (*app.config).clone();
    cfg.demo = demo;
    app.config = std::sync::Arc::new(cfg);

    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("无法监听 / cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    if demo {
        print_demo_banner(local);
    } else {
        let mut c = app.db.read().await.map_err(|e| anyhow::anyhow!(e))?;
        if wuye_store::accounts::count_users(&mut c).await? == 0 {
            eout!(
                "数据库里还没有任何账号。创建管理员 / no accounts yet; create an admin with:\n  \
                 wuye user create --username admin --name 管理员 --phone 13800000000 --role admin"
            );
        }
    }
    out!(
        "wuye 已启动 / listening on http://{local}  ({})",
        app.db.backend().name()
    );
    out!("API 文档 / API docs: http://{local}/api/docs");

    let janitor = tokio::spawn(housekeeping(app.clone()));
    let auto_accept = tokio::spawn(app.clone().auto_accept_loop());
    let sla_timer = tokio::spawn(app.clone().sla_timer_loop());
    let kpi_alerts = tokio::spawn(app.clone().kpi_alert_loop());
    let retrain = tokio::spawn(app.clone().retrain_loop());
    let notify = tokio::spawn(app.clone().notify_loop());
    // Requests in flight get `shutdown_grace_seconds` after the signal; a
    // client that never finishes its request must not keep the server up.
    let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
    let signal = {
        let stopping = stopping.clone();
        async move {
            shutdown_signal().await;
            stopping.notify_one();
        }
    };
    let grace = config.shutdown_grace_seconds;
    let grace_over = async {
        stopping.notified().await;
        tokio::time::sleep(Duration::from_secs(grace)).await;
    };
    tokio::select! {
        served = wuye_web::serve(app.clone(), listener, signal) => {
            served.context("服务异常退出 / the server stopped with an error")?;
        }
        () = grace_over => {
            eout!(
                "{grace} 秒后仍有请求未完成，不再等待（未提交的改动不会保存）/ requests still in flight after {grace} s; stopping without them (nothing uncommitted is kept)"
            );
        }
    }
    janitor.abort();
    auto_accept.abort();
    sla_timer.abort();
    kpi_alerts.abort();
    retrain.abort();
    notify.abort();
    app.db.close().await;
    eout!("wuye 已停止 / stopped");
    Ok(ExitCode::SUCCESS)
}

fn print_demo_banner(addr: std::net::SocketAddr) {
    out!();
    out!("==================== 演示模式 DEMO MODE ====================");
    out!("这是演示数据，请勿用于真实业务 / demo data: not for real use");
    out!("{:<12} {:<14} 密码 password", "角色 role", "账号 login");
    for d in DEMO_LOGINS {
        out!("{:<12} {:<14} {}", d.role.code(), d.login, DEMO_PASSWORD);
    }
    out!("试一下 / try:");
    out!(
        "  curl -s -X POST http://{addr}/api/v1/auth/login -H 'content-type: application/json' \\\n    -d '{{\"login\":\"admin\",\"password\":\"{DEMO_PASSWORD}\"}}'"
    );
    out!("=============================================================");
    out!();
}

/// Hourly: drop expired sessions and old failed-login records.
async fn housekeeping(app: wuye_app::App) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = app.now_ms();
        let Ok(mut tx) = app.db.begin().await else {
            continue;
        };
        let a = wuye_store::accounts::delete_expired_sessions(&mut tx, now).await;
        let b = wuye_store::accounts::prune_failures(&mut tx, now - 24 * 3_600_000).await;
        if a.is_ok() && b.is_ok() {
            let _ = tx.commit().await;
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eout!("正在停止，处理完进行中的请求 / stopping after the requests in flight …");
}
