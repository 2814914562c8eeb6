//! Configuration: defaults → `wuye.toml` → `WUYE_*` environment variables →
//! command-line flags. The database URL may hold a password, so it is only
//! ever printed redacted.

use crate::cli::GlobalArgs;
use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the server listens.
    pub addr: String,
    /// SQLite database and photos live here.
    pub data_dir: PathBuf,
    /// sqlite:… or postgres://…; empty = SQLite in the data dir.
    pub database_url: String,
    pub max_connections: u32,
    pub session_ttl_hours: i64,
    pub login_max_failures_per_account: i64,
    pub login_max_failures_per_ip: i64,
    pub login_window_minutes: i64,
    /// Set when served over HTTPS (behind a TLS proxy).
    pub cookie_secure: bool,
    /// "text" or "json".
    pub log_format: String,
    /// Days before an order awaiting acceptance is accepted automatically.
    pub auto_accept_days: i64,
    /// Share (%) of well-rated orders sampled for a return visit.
    pub return_visit_sample_percent: u8,
    /// On SIGTERM or Ctrl-C, how long requests in flight may take before the
    /// server stops without them (nothing they had not committed is kept).
    pub shutdown_grace_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        let app = wuye_app::AppConfig::default();
        Self {
            addr: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            max_connections: 16,
            session_ttl_hours: app.session_ttl_hours,
            login_max_failures_per_account: app.login_max_failures_per_account,
            login_max_failures_per_ip: app.login_max_failures_per_ip,
            login_window_minutes: app.login_window_minutes,
            cookie_secure: false,
            log_format: "text".into(),
            auto_accept_days: app.auto_accept_days,
            return_visit_sample_percent: app.return_visit_sample_percent,
            shutdown_grace_seconds: 30,
        }
    }
}

impl Config {
    pub fn load(global: &GlobalArgs) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        let file = global
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from("wuye.toml"));
        if file.exists() {
            fig = fig.merge(Toml::file(&file));
        } else if global.config.is_some() {
            anyhow::bail!("找不到配置文件 / config file not found: {}", file.display());
        }
        // Only the keys above: other WUYE_* variables (WUYE_LOG, test settings)
        // are not configuration.
        fig = fig.merge(Env::prefixed("WUYE_").only(&[
            "addr",
            "data_dir",
            "database_url",
            "max_connections",
            "session_ttl_hours",
            "login_max_failures_per_account",
            "login_max_failures_per_ip",
            "login_window_minutes",
            "cookie_secure",
            "log_format",
            "auto_accept_days",
            "return_visit_sample_percent",
            "shutdown_grace_seconds",
        ]));
        let mut cfg: Config = fig
            .extract()
            .with_context(|| format!("配置有误 / invalid configuration ({})", file.display()))?;
        if cfg.auto_accept_days < 1 || cfg.auto_accept_days > 60 {
            anyhow::bail!(
                "auto_accept_days 应在 1 到 60 之间 / auto_accept_days must be between 1 and 60"
            );
        }
        if cfg.return_visit_sample_percent > 100 {
            anyhow::bail!(
                "return_visit_sample_percent 应在 0 到 100 之间 / must be between 0 and 100"
            );
        }
        if cfg.shutdown_grace_seconds > 3600 {
            anyhow::bail!(
                "shutdown_grace_seconds 应在 0 到 3600 之间 / shutdown_grace_seconds must be between 0 and 3600"
            );
        }
        if let Some(d) = &global.data_dir {
            cfg.data_dir = d.clone();
        }
        if let Some(u) = &global.database_url
            && !u.is_empty()
        {
            cfg.database_url = u.clone();
        }
        Ok(cfg)
    }

    /// The database URL: the configured one, or SQLite in the data dir.
    pub fn database_url(&self) -> anyhow::Result<String> {
        if !self.database_url.is_empty() {
            return Ok(self.database_url.clone());
        }
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "无法创建数据目录 / cannot create the data directory {}",
                self.data_dir.display()
            )
        })?;
        let path = self.data_dir.join("wuye.db");
        Ok(format!("sqlite://{}?mode=rwc", path.display()))
    }

    pub fn app_config(&self) -> wuye_app::AppConfig {
        wuye_app::AppConfig {
            data_dir: self.data_dir.clone(),
            auto_accept_days: self.auto_accept_days,
            return_visit_sample_percent: self.return_visit_sample_percent,
            photo_limits: Default::default(),
            dispatch_train_epochs: wuye_domain::dispatch::TrainOptions::default().epochs,
            session_ttl_hours: self.session_ttl_hours,
            login_max_failures_per_account: self.login_max_failures_per_account,
            login_max_failures_per_ip: self.login_max_failures_per_ip,
            login_window_minutes: self.login_window_minutes,
            demo: false,
            cookie_secure: self.cookie_secure,
        }
    }
}
