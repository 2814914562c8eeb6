//! Storage: one set of portable SQL over SQLite (embedded default) and
//! PostgreSQL, chosen by the database URL's scheme.
//!
//! Queries go through sqlx's `Any` driver so there is one copy of each query;
//! where the dialects differ, a small named function in [`dialect`] says how.
//! This crate holds no business rules: it stores and loads what the domain
//! decided.

pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod db;
pub mod dialect;
pub mod direct_write;
pub mod directory;
pub mod dispatch;
pub mod error;
pub mod exec;
pub mod group_commit;
pub mod kpi;
pub mod notify;
pub mod order_log;
pub mod orders;
pub mod people;
pub mod reader;
pub mod sla;
pub mod sql;

pub use db::{Backend, Db, DbOptions};

use std::sync::atomic::{AtomicU64, Ordering};

/// Write transactions this process has finished committing (or tried to).
static WRITES: AtomicU64 = AtomicU64::new(0);

/// Changes whenever a write transaction of this process commits, so a cache
/// of what was read can tell that it may be stale: read the generation
/// first, then the rows, and keep them only while the generation holds.
/// Process-wide (not per database): a write to any database moves it, which
/// only costs a cache some misses.
pub fn write_generation() -> u64 {
    WRITES.load(Ordering::Acquire)
}

/// Called after every COMMIT attempt: an attempt that failed may still have
/// changed the database (an error after the commit reached the disk).
pub(crate) fn note_write() {
    WRITES.fetch_add(1, Ordering::AcqRel);
}
pub use direct_write::DirectTx;
pub use error::StoreError;
pub use exec::Exec;
pub use group_commit::WriteTx;
pub use reader::{Read, Reader, Side, SideReads};

pub type Conn = sqlx::AnyConnection;
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
