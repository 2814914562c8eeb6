//! Use cases: each command checks who may do it, parses its input into domain
//! values, runs in one transaction, and writes the audit entry in the same
//! transaction as the change.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod bench_seed;
pub mod callers;
pub mod demo;
pub mod demo_orders;
pub mod directory;
pub mod dispatch;
pub mod error;
pub mod import;
pub mod kpi;
pub mod notify;
pub mod orders;
pub mod page;
pub mod passwords;
pub mod photos;
pub mod sla;

use std::sync::Arc;
use wuye_domain::time::{Clock, SystemClock};
use wuye_store::Db;

pub use error::{AppError, Result};
pub use wuye_domain::access::Actor;

/// Settings the use cases need (the binary reads them from config).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// How long a session stays valid.
    pub session_ttl_hours: i64,
    /// Failed sign-ins per account within the window before it is locked.
    pub login_max_failures_per_account: i64,
    /// Failed sign-ins per client address within the window before it is locked.
    pub login_max_failures_per_ip: i64,
    /// The throttling window, and how long a lock lasts after the last failure.
    pub login_window_minutes: i64,
    /// Whether this server runs on demo data (shown to users).
    pub demo: bool,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub cookie_secure: bool,
    /// Where files (photos) live.
    pub data_dir: std::path::PathBuf,
    /// Days before an order awaiting acceptance is accepted automatically.
    pub auto_accept_days: i64,
    /// Share (%) of well-rated resolved orders sampled for a return visit.
    pub return_visit_sample_percent: u8,
    /// What a photo upload may be.
    pub photo_limits: photos::PhotoLimits,
    /// At most this many passes over the data per head when retraining the
    /// dispatch classifier (fewer in tests: `TrainOptions::with_epochs`).
    pub dispatch_train_epochs: u32,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            session_ttl_hours: 24 * 14,
            login_max_failures_per_account: 5,
            login_max_failures_per_ip: 30,
            login_window_minutes: 15,
            demo: false,
            cookie_secure: false,
            data_dir: std::path::PathBuf::from("./data"),
            auto_accept_days: wuye_domain::work_order::DEFAULT_AUTO_ACCEPT_DAYS,
            return_visit_sample_percent: 20,
            photo_limits: photos::PhotoLimits::default(),
            dispatch_train_epochs: wuye_domain::dispatch::TrainOptions::default().epochs,
        }
    }
}

#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub config: Arc<AppConfig>,
    pub clock: Arc<dyn Clock>,
    pub photos: Arc<dyn photos::PhotoStore>,
    /// Committed order changes, for live updates inside this process.
    pub notices: tokio::sync::broadcast::Sender<orders::OrderNotice>,
    /// Wakes the SLA timer when a change may have scheduled an earlier level.
    pub sla_wakeup: Arc<tokio::sync::Notify>,
    /// The dispatch classifier each company uses, by model version.
    pub models: dispatch::ModelCache,
    /// Signed-in callers recently looked up (see `callers`).
    pub callers: Arc<callers::CallerCache>,
}

impl App {
    pub fn new(db: Db, config: AppConfig) -> Self {
        let photos = Arc::new(photos::FsPhotoStore::new(config.data_dir.join("photos")));
        let (notices, _) = tokio::sync::broadcast::channel(1024);
        Self {
            db,
            config: Arc::new(config),
            clock: Arc::new(SystemClock),
            photos,
            notices,
            sla_wakeup: Arc::new(tokio::sync::Notify::new()),
            models: Default::default(),
            callers: Default::default(),
        }
    }

    /// Tells live listeners about a committed change (none listening is fine).
    pub fn announce(&self, notice: orders::OrderNotice) {
        let _ = self.notices.send(notice);
        self.sla_wakeup.notify_one();
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }
}
