//! Reads on the hot paths (the caller's session, an order's page, the
//! queue) without a thread hand-off per statement on SQLite.
//!
//! sqlx runs every SQLite connection on a thread of its own: each statement
//! is a message to that thread and each row a message back, and on this
//! two-core machine those hand-offs were about half of the server's CPU
//! under the read workloads of `wuye bench` (`perf`: the kernel's task
//! switches), while SQLite itself was a few percent. On SQLite a [`Reader`]
//! therefore runs the statement on the calling thread, on a connection of
//! its own small pool ([`LitePool`]). These are short indexed reads of a
//! database whose pages the operating system caches; anything long (search,
//! reports) still goes through sqlx's pool. PostgreSQL keeps sqlx's pool.
//!
//! A query is written once, as a [`Sql`] (one text, one list of values), and
//! its rows are read by column name on both paths: through sqlx's `FromRow`,
//! or through serde on the direct path.

use crate::sql::Sql;
use crate::{Conn, Result, StoreError};
use rusqlite::{Connection, OpenFlags};
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A row type readable on both paths.
pub trait ReadRow: for<'r> sqlx::FromRow<'r, AnyRow> + DeserializeOwned + Send + Unpin {}
impl<T> ReadRow for T where T: for<'r> sqlx::FromRow<'r, AnyRow> + DeserializeOwned + Send + Unpin {}

/// Runs read queries: a sqlx connection (both backends), or a [`Reader`].
pub trait Read: Send {
    fn all<O: ReadRow>(&mut self, q: Sql) -> impl Future<Output = Result<Vec<O>>> + Send;
    fn optional<O: ReadRow>(&mut self, q: Sql) -> impl Future<Output = Result<Option<O>>> + Send;
}

impl Read for Conn {
    async fn all<O: ReadRow>(&mut self, q: Sql) -> Result<Vec<O>> {
        Ok(q.fetch_all(self).await?)
    }

    async fn optional<O: ReadRow>(&mut self, q: Sql) -> Result<Option<O>> {
        Ok(q.fetch_optional(self).await?)
    }
}

/// A connection for the hot reads: direct on SQLite, pooled sqlx otherwise.
pub enum Reader {
    Direct(LiteConn),
    Pooled(sqlx::pool::PoolConnection<sqlx::Any>),
}

impl Read for Reader {
    async fn all<O: ReadRow>(&mut self, q: Sql) -> Result<Vec<O>> {
        match self {
            Reader::Direct(c) => c.all(&q),
            Reader::Pooled(c) => (**c).all(q).await,
        }
    }

    async fn optional<O: ReadRow>(&mut self, q: Sql) -> Result<Option<O>> {
        match self {
            Reader::Direct(c) => Ok(c.all(&q)?.into_iter().next()),
            Reader::Pooled(c) => (**c).optional(q).await,
        }
    }
}

impl Reader {
    /// From now until it is dropped, the reader's reads see one snapshot of
    /// the database (an order's page: the order, its timeline and its clocks
    /// agree). On SQLite this is one read transaction instead of one per
    /// statement, each of which takes the file's locks. Only for a run of
    /// reads with nothing written in between by the same request: a write
    /// through another connection is not seen until the reader is dropped.
    /// The pool's connections (PostgreSQL) read statement by statement, as
    /// before.
    pub fn snapshot(&mut self) -> Result<()> {
        if let Reader::Direct(c) = self
            && !c.in_snapshot
            && let Some(conn) = c.conn.as_ref()
        {
            conn.execute_batch("BEGIN").map_err(lite_error)?;
            c.in_snapshot = true;
        }
        Ok(())
    }
}

/// Reads of a company's settings and people made inside a write
/// transaction (notification rules and templates, SLA policies, whom to
/// tell): on SQLite through a direct connection, so the single writer does
/// not wait for a hand-off per statement while it holds the write lock;
/// elsewhere through the transaction itself (PostgreSQL: a second pooled
/// connection per transaction could exhaust the pool).
///
/// The direct connection sees what is committed, not what the transaction
/// wrote: only for rows an order's transaction does not write. A setting
/// changed by a writer whose batch has not committed yet is read as it was,
/// as if that change came a moment later.
pub struct SideReads {
    direct: Option<Reader>,
}

impl SideReads {
    pub(crate) fn new(direct: Option<Reader>) -> Self {
        Self { direct }
    }

    /// Every read through the transaction: for a transaction that writes
    /// the setup it then reads.
    pub fn none() -> Self {
        Self { direct: None }
    }

    /// A reader for the next reads: the direct connection, or `tx`.
    pub fn on<'a, C: Read>(&'a mut self, tx: &'a mut C) -> Side<'a, C> {
        match &mut self.direct {
            Some(r) => Side::Direct(r),
            None => Side::Tx(tx),
        }
    }
}

/// See [`SideReads::on`].
pub enum Side<'a, C: Read> {
    Direct(&'a mut Reader),
    Tx(&'a mut C),
}

impl<C: Read> Read for Side<'_, C> {
    async fn all<O: ReadRow>(&mut self, q: Sql) -> Result<Vec<O>> {
        match self {
            Side::Direct(r) => r.all(q).await,
            Side::Tx(c) => c.all(q).await,
        }
    }

    async fn optional<O: ReadRow>(&mut self, q: Sql) -> Result<Option<O>> {
        match self {
            Side::Direct(r) => r.optional(q).await,
            Side::Tx(c) => c.optional(q).await,
        }
    }
}

/// Idle direct connections kept open. Statements run on the runtime's own
/// threads (two here), so more than a few are never busy at once.
const MAX_IDLE: usize = 8;

/// SQLite connections for the direct path, opened on demand.
pub(crate) struct LitePool {
    path: String,
    busy: Duration,
    idle: Mutex<Vec<Connection>>,
    /// Set by `close`: connections in use are closed when returned, so the
    /// file is left to whoever takes it next (the bench seed's bulk loader).
    closed: AtomicBool,
}

impl std::fmt::Debug for LitePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LitePool")
            .field("path", &self.path)
            .finish()
    }
}

impl LitePool {
    pub(crate) fn new(path: String, busy: Duration) -> Self {
        Self {
            path,
            busy,
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }
    }

    pub(crate) fn take(self: &Arc<Self>) -> Result<LiteConn> {
        if self.is_closed() {
            return Err(StoreError::Unavailable("the database is closed".into()));
        }
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => self.open().map_err(lite_error)?,
        };
        Ok(LiteConn {
            conn: Some(conn),
            pool: Arc::clone(self),
            in_snapshot: false,
        })
    }

    /// The same settings as sqlx's readers (see `db::sqlite_pragmas`), and
    /// `query_only`: this path never writes.
    fn open(&self) -> rusqlite::Result<Connection> {
        self.connect("PRAGMA query_only = ON;", 64)
    }

    /// The connection of SQLite's direct write transactions (see
    /// `direct_write`): the same settings as sqlx's writer, including
    /// `synchronous = FULL`, so a COMMIT is on disk when it returns.
    pub(crate) fn open_writer(&self) -> Result<Connection> {
        if self.is_closed() {
            return Err(StoreError::Unavailable("the database is closed".into()));
        }
        self.connect("PRAGMA synchronous = FULL;", 128)
            .map_err(lite_error)
    }

    /// A connection to the file with the settings both kinds share, then
    /// `role`'s own pragmas; `statements`: prepared statements kept.
    fn connect(&self, role: &str, statements: usize) -> rusqlite::Result<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(self.busy)?;
        c.execute_batch(&format!(
            "{role} PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{};",
            crate::db::CACHE_KIB
        ))?;
        c.set_prepared_statement_cache_capacity(statements);
        Ok(c)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Drops every idle connection (the database is being closed).
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// One direct connection, back to its pool when dropped.
pub struct LiteConn {
    conn: Option<Connection>,
    pool: Arc<LitePool>,
    /// A read transaction is open (`Reader::snapshot`).
    in_snapshot: bool,
}

impl Drop for LiteConn {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            // A connection that cannot end its snapshot is not reused: it
            // would keep reading the past.
            if self.in_snapshot && c.execute_batch("COMMIT").is_err() {
                return;
            }
            let mut idle = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < MAX_IDLE && !self.pool.closed.load(Ordering::Acquire) {
                idle.push(c);
            }
        }
    }
}

impl LiteConn {
    fn all<O: DeserializeOwned>(&mut self, q: &Sql) -> Result<Vec<O>> {
        let Some(conn) = self.conn.as_ref() else {
            // Only Drop takes the connection out.
            return Err(StoreError::Direct("connection already returned".into()));
        };
        run_all(conn, q)
    }
}

/// Runs `q` on `conn` and reads its rows by column name.
pub(crate) fn run_all<O: DeserializeOwned>(conn: &Connection, q: &Sql) -> Result<Vec<O>> {
    let started = std::time::Instant::now();
    let mut st = prepare(conn, q)?;
    let rows = st.raw_query();
    let out = serde_rusqlite::from_rows::<O>(rows)
        .collect::<std::result::Result<Vec<O>, _>>()
        .map_err(|e| match e {
            serde_rusqlite::Error::Rusqlite(e) => lite_error(e),
            e => StoreError::Direct(e.to_string()),
        });
    // As sqlx logs its statements (WUYE_LOG=wuye_store::reader=debug).
    tracing::debug!(
        statement = q.text(),
        rows = out.as_ref().map_or(0, Vec::len),
        elapsed_us = started.elapsed().as_micros() as u64,
        "direct read"
    );
    out
}

/// Runs a statement that returns no rows on `conn`; how many rows it changed.
pub(crate) fn run_execute(conn: &Connection, q: &Sql) -> Result<u64> {
    let started = std::time::Instant::now();
    let mut st = prepare(conn, q)?;
    let n = st.raw_execute().map_err(lite_error)? as u64;
    tracing::debug!(
        statement = q.text(),
        changed = n,
        elapsed_us = started.elapsed().as_micros() as u64,
        "direct write"
    );
    Ok(n)
}

fn prepare<'c>(conn: &'c Connection, q: &Sql) -> Result<rusqlite::CachedStatement<'c>> {
    if q.lite_unfit {
        return Err(StoreError::Direct(
            "a query value has no SQLite form".into(),
        ));
    }
    let mut st = conn
        .prepare_cached(&numbered(q.text()))
        .map_err(lite_error)?;
    // `?N` is parameter N: the N-th value, as `$N` is for sqlx.
    for (i, v) in q.lite.iter().enumerate().take(st.parameter_count()) {
        st.raw_bind_parameter(i + 1, v).map_err(lite_error)?;
    }
    Ok(st)
}

/// The text with every `$N` written `?N`. Both name the N-th value, but
/// SQLite numbers `$N` parameters in order of first appearance (so `$2`
/// before `$1` would take the first value) and can only map them back by
/// name, one linear search per parameter (5% of the server's CPU under W1,
/// whose inserts bind over twenty values). `?N` is parameter N itself.
/// A `$` followed by a digit appears in wuye's SQL only as a placeholder.
pub(crate) fn numbered(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    if !bytes
        .windows(2)
        .any(|w| w[0] == b'$' && w[1].is_ascii_digit())
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(k) = rest.find('$') {
        out.push_str(&rest[..k]);
        let digit_follows = rest[k + 1..].starts_with(|c: char| c.is_ascii_digit());
        out.push(if digit_follows { '?' } else { '$' });
        rest = &rest[k + 1..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// SQLite's own errors on the direct path, as sqlx's are mapped: a unique
/// key or foreign key refusal by name, busy is worth a retry; anything else
/// is a database error.
pub(crate) fn lite_error(e: rusqlite::Error) -> StoreError {
    use rusqlite::ffi::{
        SQLITE_CONSTRAINT_FOREIGNKEY, SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE,
    };
    match &e {
        rusqlite::Error::SqliteFailure(f, msg)
            if f.extended_code == SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            StoreError::Unique(crate::error::unique_key_name(
                None,
                msg.as_deref().unwrap_or_default(),
            ))
        }
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == SQLITE_CONSTRAINT_FOREIGNKEY => {
            StoreError::ForeignKey
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Direct(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn dollar_placeholders_become_numbered_question_marks() {
        assert_eq!(numbered("SELECT 1"), "SELECT 1");
        assert_eq!(
            numbered("UPDATE t SET a = $2 WHERE id = $1 AND b = $10"),
            "UPDATE t SET a = ?2 WHERE id = ?1 AND b = ?10"
        );
        // A `$` not followed by a digit is left alone.
        assert_eq!(
            numbered("SELECT json_extract(x, '$.a') FROM t WHERE id = $1"),
            "SELECT json_extract(x, '$.a') FROM t WHERE id = ?1"
        );
        assert_eq!(numbered("SELECT '$'"), "SELECT '$'");
    }
}
