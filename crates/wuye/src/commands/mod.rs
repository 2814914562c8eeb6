//! What each command does.

mod admin;
pub mod bench;
mod classify;
mod serve;

use crate::cli::{Cli, Command};
use crate::config::Config;
use anyhow::Context;
use std::process::ExitCode;
use wuye_app::App;
use wuye_store::db::redact_url;
use wuye_store::{Db, DbOptions};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // The classifier needs no configuration and no database (but retraining
    // learns from the database's corrections).
    if let Command::Classify(args) = cli.command {
        if matches!(args.cmd, Some(crate::cli::ClassifyCommand::Retrain)) {
            let config = Config::load(&cli.global)?;
            init_logging(&config, false);
            return admin::retrain(&config).await;
        }
        return classify::run(args);
    }
    let config = Config::load(&cli.global)?;
    init_logging(&config, matches!(cli.command, Command::Serve(_)));
    match cli.command {
        Command::Serve(args) => serve::run(&config, args).await,
        Command::Migrate => {
            let app = open(&config).await?;
            println!(
                "数据库已是最新结构 / database schema is up to date ({})",
                app.db.backend().name()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => admin::demo(&config).await,
        Command::User(cmd) => admin::user(&config, cmd).await,
        Command::Import(cmd) => admin::import(&config, cmd).await,
        Command::Backup(args) => admin::backup(&config, args).await,
        Command::Bench(cmd) => bench::run(&config, cmd).await,
        Command::Classify(_) => unreachable!("handled above"),
    }
}

fn init_logging(config: &Config, serving: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if serving {
        "info,sqlx=warn,tower_http=warn"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_env("WUYE_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Connects to the configured database and brings its schema up to date.
pub async fn open(config: &Config) -> anyhow::Result<App> {
    let url = config.database_url()?;
    let db = Db::connect(
        &url,
        &DbOptions {
            max_connections: config.max_connections,
            ..Default::default()
        },
    )
    .await
    .with_context(|| {
        format!(
            "无法连接数据库 / cannot connect to the database {}",
            redact_url(&url)
        )
    })?;
    db.migrate()
        .await
        .context("数据库升级失败 / database migration failed")?;
    Ok(App::new(db, config.app_config()))
}

/// An application error as one line for the terminal, in both languages.
pub fn say(e: &wuye_app::AppError) -> anyhow::Error {
    let p = e.public();
    if let wuye_app::AppError::Internal(d) = e {
        tracing::error!(detail = %d, "internal error");
    }
    anyhow::anyhow!("{} / {} [{}]", p.zh, p.en, p.code)
}
