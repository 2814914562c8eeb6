//! The SQLite sink: multi-row INSERTs with bound parameters, each shape
//! prepared once, in large transactions, on a connection that holds the
//! database exclusively while it loads.
//!
//! Durability is relaxed only while loading (`synchronous = OFF`, the
//! rollback journal in memory): a crash half-way leaves a database to throw
//! away, which is why the seed refuses databases that hold a company. When
//! done, the database goes back to WAL, the last transaction commits with
//! `synchronous = FULL` and a checkpoint writes and syncs the whole file.

use super::{Batch, Fields, Row};
use crate::{Result, StoreError};
use rusqlite::Connection;
use std::collections::HashMap;

/// Bound variables per statement: SQLite allows 32,766.
const MAX_VARS: usize = 32_766;
/// Rows per statement at most (beyond this, longer statements gain nothing).
const MAX_ROWS: usize = 256;
/// Rows per transaction before a commit.
const COMMIT_ROWS: usize = 4_000_000;

pub struct SqliteSink {
    conn: Connection,
    sql: HashMap<(&'static str, usize), String>,
    in_tx: bool,
    pending: usize,
}

struct Binder<'a, 'c> {
    stmt: &'a mut rusqlite::Statement<'c>,
    i: usize,
    err: Option<rusqlite::Error>,
}

impl Binder<'_, '_> {
    fn bind<T: rusqlite::ToSql>(&mut self, v: T) {
        self.i += 1;
        if let Err(e) = self.stmt.raw_bind_parameter(self.i, v) {
            self.err.get_or_insert(e);
        }
    }
}

impl Fields for Binder<'_, '_> {
    fn int(&mut self, v: i64) {
        self.bind(v)
    }
    fn null(&mut self) {
        self.bind(rusqlite::types::Null)
    }
    fn text(&mut self, v: &str) {
        self.bind(v)
    }
}

fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns.len()].join(","));
    let mut s = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    s.reserve(rows * (one.len() + 1));
    for i in 0..rows {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&one);
    }
    s
}

impl SqliteSink {
    /// Opens the database file for loading. Every other connection must be
    /// closed: the sink takes the database exclusively.
    pub fn open(path: &str) -> Result<SqliteSink> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; \
             PRAGMA cache_size = -262144; PRAGMA foreign_keys = OFF;",
        )?;
        // Leaving WAL needs the database to itself, and the busy handler does
        // not wait for that: the pool that made the company may still be
        // finishing its last close (checkpoint, WAL removal) on its worker
        // thread, so retry for a while instead of failing at once.
        let mut tries = 0;
        let mode: String = loop {
            match conn.query_row("PRAGMA journal_mode = MEMORY", [], |r| r.get(0)) {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if matches!(
                        e.code,
                        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                    ) && tries < 100 =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => break other?,
            }
        };
        if !mode.eq_ignore_ascii_case("memory") {
            return Err(StoreError::Bulk(format!(
                "the database is in use by another connection (journal mode stayed {mode})"
            )));
        }
        conn.set_prepared_statement_cache_capacity(64);
        Ok(SqliteSink {
            conn,
            sql: HashMap::new(),
            in_tx: false,
            pending: 0,
        })
    }

    fn insert<R: Row>(&mut self, rows: &[R]) -> Result<()> {
        let per = (MAX_VARS / R::COLUMNS.len()).min(MAX_ROWS);
        for chunk in rows.chunks(per) {
            let sql = self
                .sql
                .entry((R::TABLE, chunk.len()))
                .or_insert_with(|| insert_sql(R::TABLE, R::COLUMNS, chunk.len()));
            let mut stmt = self.conn.prepare_cached(sql)?;
            let mut b = Binder {
                stmt: &mut stmt,
                i: 0,
                err: None,
            };
            for r in chunk {
                r.write(&mut b);
            }
            if let Some(e) = b.err {
                return Err(e.into());
            }
            stmt.raw_execute()?;
        }
        Ok(())
    }

    /// Writes a batch (inside the current transaction, committing now and
    /// then).
    pub fn write(&mut self, b: &Batch) -> Result<()> {
        if !self.in_tx {
            self.conn.execute_batch("BEGIN")?;
            self.in_tx = true;
        }
        self.insert(&b.homes)?;
        self.insert(&b.residents)?;
        self.insert(&b.resident_homes)?;
        self.insert(&b.orders)?;
        self.insert(&b.search)?;
        self.insert(&b.events)?;
        self.insert(&b.handlers)?;
        self.insert(&b.followers)?;
        self.insert(&b.clocks)?;
        self.insert(&b.triggers)?;
        self.insert(&b.alerts)?;
        self.insert(&b.contributions)?;
        self.insert(&b.rollups)?;
        self.insert(&b.rollups_wide)?;
        self.insert(&b.counters)?;
        self.pending += b.rows();
        if self.pending >= COMMIT_ROWS {
            self.commit()?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        if self.in_tx {
            self.conn.execute_batch("COMMIT")?;
            self.in_tx = false;
            self.pending = 0;
        }
        Ok(())
    }

    /// Commits, returns the database to WAL with full durability, records
    /// `marker` under the `bench_seed` setting in a durable transaction, and
    /// checkpoints (which writes and syncs the whole file).
    pub fn finish(mut self, marker: &str) -> Result<()> {
        self.commit()?;
        self.conn.execute_batch("PRAGMA synchronous = FULL;")?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Bulk(format!(
                "could not return to WAL (journal mode {mode})"
            )));
        }
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES ('bench_seed', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [marker],
        )?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        self.conn
            .close()
            .map_err(|(_, e)| StoreError::Bulk(e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_have_one_placeholder_per_value() {
        let s = insert_sql("t", &["a", "b"], 3);
        assert_eq!(s, "INSERT INTO t (a, b) VALUES (?,?),(?,?),(?,?)");
    }
}
