//! Connecting: the backend comes from the URL scheme; SQLite gets a
//! single-connection writer pool (so writers queue in-process instead of
//! fighting over the file lock) and a reader pool; PostgreSQL one pool.

use crate::direct_write::DirectTx;
use crate::group_commit::{Kind, WriteGroup, WriteTx};
use crate::reader::{LitePool, Reader, SideReads};
use crate::{Result, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// At most this many of sqlx's SQLite reader connections. The hot reads go
/// through the direct path (`reader.rs`); what stays on the pool is long and
/// CPU-bound (search, reports, background jobs), so more connections than
/// cores only hold page caches: at 1,000,000 orders, under every workload,
/// 4 instead of 16 took the server's peak memory from 315 to 272 MB with no
/// workload slower.
const SQLITE_POOLED_READERS: u32 = 4;

/// The page cache of every SQLite connection but the pooled readers (sqlx's
/// writer, and the direct readers and writer of `reader.rs`), in KiB.
pub(crate) const CACHE_KIB: u32 = 4000;

/// The page cache of each pooled reader, in KiB. A twelve-month dashboard
/// sweeps many pages once, and left each of the four connections holding
/// 4 MB in turn; at 1 MB a page read again comes from the operating
/// system's file cache. BENCHMARKS.md ("Build of the afternoon of
/// 2026-11-28") has the A/B: 18–20 MB less at peak; searches alone (W4 at
/// 1,000,000 orders, the evening's A/B) were neither slower nor longer in
/// the tail than with 4 MB.
const POOLED_READER_CACHE_KIB: u32 = 1000;

#[derive(Debug, Clone)]
pub struct DbOptions {
    /// All connections (PostgreSQL), or sqlx's reader connections on SQLite
    /// (at most `SQLITE_POOLED_READERS`).
    pub max_connections: u32,
    /// How long to wait for a connection or a SQLite lock before giving up.
    pub busy_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    /// SQLite's writers share commits (see `group_commit`); None on PostgreSQL.
    group: Option<Arc<WriteGroup>>,
    read: AnyPool,
    write: AnyPool,
    /// SQLite's direct read path (see `reader`); None on PostgreSQL and for
    /// an in-memory database, which other connections cannot see.
    lite: Option<Arc<LitePool>>,
}

/// SQLite settings, applied to every connection:
/// - WAL: readers never block the writer and vice versa.
/// - synchronous=FULL: a transaction that returned COMMIT is on disk before we
///   acknowledge it, even across power loss (NORMAL could lose the last
///   commits on power loss; we promise that nothing acknowledged is lost).
/// - foreign_keys=ON: SQLite leaves them off by default.
/// - busy_timeout: wait for a lock rather than fail at once.
/// - cache_size = 4 MB for the writer, 1 MB for each pooled reader: every
///   connection keeps its own page cache, so 17 connections at the old
///   32 MB each held over 1 GB of resident memory under `wuye bench run`;
///   the operating system's file cache, shared by all of them, keeps the hot
///   pages anyway.
fn sqlite_pragmas(busy_ms: u128, cache_kib: u32) -> String {
    format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
         PRAGMA busy_timeout = {busy_ms}; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{cache_kib};"
    )
}

/// Turns off SQLite's memory statistics, once per process, before the first
/// connection opens (`sqlite3_config` is refused after that). With them on,
/// every allocation SQLite makes takes one process-wide mutex: every column
/// of every row read through sqlx is copied with `sqlite3_value_dup`, so 16
/// reading connections queued on that mutex (futex waits and wake-ups were
/// a tenth of the server's time under W2). SQLite recommends this setting
/// (SQLITE_DEFAULT_MEMSTATUS=0) for speed; wuye reads no memory statistics.
fn tune_sqlite_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config with SQLITE_CONFIG_MEMSTATUS takes one int.
        // Before sqlite3_initialize it only sets a flag; after, it returns
        // SQLITE_MISUSE and changes nothing (then the statistics stay on).
        let rc = unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::os::raw::c_int,
            )
        };
        if rc != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(
                rc,
                "SQLite was initialised already; memory statistics stay on"
            );
        }
    });
}

impl Db {
    pub async fn connect(url: &str, opts: &DbOptions) -> Result<Db> {
        sqlx::any::install_default_drivers();
        tune_sqlite_library();
        let backend = Backend::from_url(url).ok_or_else(|| {
            StoreError::Unavailable(format!(
                "unsupported database URL (use sqlite:PATH or postgres://…): {}",
                redact_url(url)
            ))
        })?;
        let connect_opts = AnyConnectOptions::from_str(url)?;
        match backend {
            Backend::Sqlite => {
                let busy_ms = opts.busy_timeout.as_millis();
                let make = |n: u32, cache_kib: u32| {
                    let pragmas = sqlite_pragmas(busy_ms, cache_kib);
                    AnyPoolOptions::new()
                        .max_connections(n)
                        .min_connections(1)
                        .acquire_timeout(opts.busy_timeout * 2)
                        .after_connect(move |conn, _| {
                            let pragmas = pragmas.clone();
                            Box::pin(async move {
                                conn.execute(pragmas.as_str()).await?;
                                Ok(())
                            })
                        })
                };
                let write = make(1, CACHE_KIB)
                    .connect_with(connect_opts.clone())
                    .await?;
                let read = make(
                    opts.max_connections.clamp(1, SQLITE_POOLED_READERS),
                    POOLED_READER_CACHE_KIB,
                )
                .connect_with(connect_opts)
                .await?;
                let lite = crate::bulk::sqlite_path(url)
                    .map(|p| Arc::new(LitePool::new(p, opts.busy_timeout)));
                Ok(Db {
                    backend,
                    group: Some(Arc::new(WriteGroup::new(
                        write.clone(),
                        lite.clone(),
                        opts.busy_timeout * 2,
                    ))),
                    read,
                    write,
                    lite,
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(opts.max_connections.max(2))
                    .acquire_timeout(opts.busy_timeout * 2)
                    .connect_with(connect_opts)
                    .await?;
                Ok(Db {
                    backend,
                    group: None,
                    read: pool.clone(),
                    write: pool,
                    lite: None,
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> Result<()> {
        let m = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.run(&self.write).await?;
        Ok(())
    }

    /// The migration files, by version and description, of both backends
    /// (a test holds them equal).
    pub fn migration_lists() -> (Vec<String>, Vec<String>) {
        let list = |m: &Migrator| {
            m.iter()
                .map(|x| format!("{}_{}", x.version, x.description))
                .collect::<Vec<_>>()
        };
        (list(&SQLITE_MIGRATIONS), list(&POSTGRES_MIGRATIONS))
    }

    /// Begins a write transaction. On SQLite it joins the writer's open
    /// group commit, or opens one with `BEGIN IMMEDIATE` on the single
    /// writer connection, so it holds the write lock from the start and can
    /// never fail half-way with a busy snapshot. `commit` returns once the
    /// transaction is on disk either way.
    pub async fn begin(&self) -> Result<WriteTx> {
        match &self.group {
            Some(g) => g.begin().await,
            None => Ok(WriteTx::Single(self.write.begin().await?)),
        }
    }

    /// Begins a write transaction whose statements run on the calling
    /// thread on a SQLite file ([`DirectTx`]); elsewhere, as [`Db::begin`].
    pub async fn begin_direct(&self) -> Result<DirectTx> {
        match &self.group {
            Some(g) if g.has_direct() => Ok(DirectTx::Direct(g.join(Kind::Direct).await?)),
            _ => Ok(DirectTx::Sqlx(self.begin().await?)),
        }
    }

    /// SQLite's group commit so far: (COMMITs, write transactions they
    /// carried); None on PostgreSQL.
    pub fn group_commit_stats(&self) -> Option<(u64, u64)> {
        self.group.as_ref().map(|g| g.stats())
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.read.acquire().await?)
    }

    /// A connection for the hot reads (the session, an order's page, the
    /// queue): SQLite's direct path, or the read pool.
    pub async fn reader(&self) -> Result<Reader> {
        match &self.lite {
            Some(l) => Ok(Reader::Direct(l.take()?)),
            None => self.pooled_reader().await,
        }
    }

    /// Reads of settings and people inside a write transaction: direct on
    /// SQLite, else through the transaction ([`SideReads`]).
    pub fn side_reads(&self) -> Result<SideReads> {
        Ok(SideReads::new(match &self.lite {
            Some(l) => Some(Reader::Direct(l.take()?)),
            None => None,
        }))
    }

    /// A [`Reader`] on the read pool, for reads too long to run on the
    /// calling thread (searches).
    pub async fn pooled_reader(&self) -> Result<Reader> {
        Ok(Reader::Pooled(self.read.acquire().await?))
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// A consistent copy of a SQLite database, taken while it serves:
    /// `VACUUM INTO` reads one snapshot in a read transaction and writes a
    /// compact, complete database file.
    pub async fn sqlite_backup(&self, out: &str) -> Result<()> {
        let mut c = self.read().await?;
        sqlx::query("VACUUM INTO $1")
            .bind(out.to_string())
            .execute(&mut *c)
            .await?;
        Ok(())
    }

    /// Closes every connection of both pools, and returns only when they are
    /// closed: on SQLite the last close checkpoints the WAL and lets another
    /// process (the bulk loader, a backup) take the file for itself.
    pub async fn close(&self) {
        if let Some(l) = &self.lite {
            l.close();
        }
        if let Some(g) = &self.group {
            g.close();
        }
        close_pool(&self.write).await;
        close_pool(&self.read).await;
    }
}

/// How long closing waits for a pool's connections before it lets them go.
/// Every transaction that returned from COMMIT is on disk by then
/// (synchronous = FULL; PostgreSQL's commit), so what is left open holds
/// nothing acknowledged; SQLite replays its WAL at the next open.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// `Pool::close` of sqlx 0.8 can return with a connection still open
/// (sqlx#3217, fixed after 0.8.6): a connection being handed back checks
/// `is_closed` before its ping and lands in the idle queue after `close`
/// drained it, and it then lives as long as the pool. About one bench seed
/// in ten met it as "database is locked". Closing again closes such
/// stragglers. `Pool::close` itself waits for every connection still
/// checked out, however long: a server stopped after a load run once hung
/// there for good, so every wait here is bounded by
/// [`CLOSE_WAIT`].
async fn close_pool(pool: &AnyPool) {
    let deadline = std::time::Instant::now() + CLOSE_WAIT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let closed = tokio::time::timeout(left, pool.close()).await.is_ok();
        if closed && pool.size() == 0 {
            return;
        }
        if !closed || std::time::Instant::now() > deadline {
            tracing::warn!(
                open = pool.size(),
                "database pool closed with connections still open"
            );
            return;
        }
        tracing::debug!(
            open = pool.size(),
            "pool closed with a connection open; closing again"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// A database URL fit to print: the password, if any, is hidden.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        assert_eq!(
            redact_url("postgres://wuye:s3cret@db:5432/wuye"),
            "postgres://wuye:***@db:5432/wuye"
        );
        assert_eq!(redact_url("sqlite:./data/wuye.db"), "sqlite:./data/wuye.db");
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let (sqlite, postgres) = Db::migration_lists();
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
    }
}
