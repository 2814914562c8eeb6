//! The PostgreSQL sink: `COPY … FROM STDIN` (text format) per table, one
//! transaction per batch, on a connection of its own.
//!
//! While loading, commits do not wait for the WAL flush
//! (`synchronous_commit = off`) and, where the role may (superusers),
//! foreign-key triggers are skipped (`session_replication_role = replica`:
//! the rows are consistent by construction). The last transaction commits
//! synchronously, which flushes everything before it.

use super::{Batch, Fields, NUMBERED, Row};
use crate::{Result, StoreError};
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

pub struct PgSink {
    conn: PgConnection,
    /// Whether foreign-key checks were skipped while loading.
    pub skipped_fk_checks: bool,
    buf: Vec<u8>,
}

/// Writes one row as a line of COPY text.
struct Line<'a> {
    buf: &'a mut Vec<u8>,
    first: bool,
}

impl Line<'_> {
    fn sep(&mut self) {
        if !self.first {
            self.buf.push(b'\t');
        }
        self.first = false;
    }
}

fn escape_into(buf: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

impl Fields for Line<'_> {
    fn int(&mut self, v: i64) {
        self.sep();
        self.buf.extend_from_slice(v.to_string().as_bytes());
    }
    fn null(&mut self) {
        self.sep();
        self.buf.extend_from_slice(b"\\N");
    }
    fn text(&mut self, v: &str) {
        self.sep();
        escape_into(self.buf, v);
    }
}

/// A tsvector literal holding each space-separated term verbatim (what
/// `array_to_tsvector(string_to_array(terms, ' '))` makes).
pub fn tsvector_literal(terms: &str) -> String {
    let mut out = String::with_capacity(terms.len() * 2);
    for t in terms.split(' ').filter(|t| !t.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push('\'');
        for c in t.chars() {
            match c {
                '\'' => out.push_str("''"),
                '\\' => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        out.push('\'');
    }
    out
}

fn bulk(e: impl std::fmt::Display) -> StoreError {
    StoreError::Bulk(e.to_string())
}

impl PgSink {
    pub async fn open(url: &str) -> Result<PgSink> {
        let mut conn = PgConnection::connect(url).await?;
        conn.execute("SET synchronous_commit = off").await?;
        let skipped_fk_checks = conn
            .execute("SET session_replication_role = replica")
            .await
            .is_ok();
        Ok(PgSink {
            conn,
            skipped_fk_checks,
            buf: Vec::with_capacity(1 << 24),
        })
    }

    async fn copy<R: Row>(&mut self, rows: &[R]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.buf.clear();
        for r in rows {
            let mut line = Line {
                buf: &mut self.buf,
                first: true,
            };
            r.write(&mut line);
            self.buf.push(b'\n');
        }
        self.send(R::TABLE, R::COLUMNS, &[]).await
    }

    async fn send(&mut self, table: &str, columns: &[&str], extra: &[&str]) -> Result<()> {
        let cols: Vec<&str> = columns.iter().chain(extra).copied().collect();
        let stmt = format!("COPY {table} ({}) FROM STDIN", cols.join(", "));
        let mut copy = self.conn.copy_in_raw(&stmt).await?;
        for chunk in self.buf.chunks(1 << 20) {
            copy.send(chunk).await?;
        }
        copy.finish().await?;
        Ok(())
    }

    /// Orders with their `search` column.
    async fn copy_orders(&mut self, b: &Batch) -> Result<()> {
        if b.orders.is_empty() {
            return Ok(());
        }
        if b.search.len() != b.orders.len()
            || b.search
                .iter()
                .zip(&b.orders)
                .any(|(s, o)| s.order_id != o.id)
        {
            return Err(bulk("search terms do not match the orders of the batch"));
        }
        self.buf.clear();
        for (o, s) in b.orders.iter().zip(&b.search) {
            let mut line = Line {
                buf: &mut self.buf,
                first: true,
            };
            o.write(&mut line);
            line.text(&tsvector_literal(&s.terms));
            self.buf.push(b'\n');
        }
        self.send(
            super::OrderRow::TABLE,
            super::OrderRow::COLUMNS,
            &["search"],
        )
        .await
    }

    /// Writes a batch in one transaction.
    pub async fn write(&mut self, b: &Batch) -> Result<()> {
        self.conn.execute("BEGIN").await?;
        self.copy(&b.homes).await?;
        self.copy(&b.residents).await?;
        self.copy(&b.resident_homes).await?;
        self.copy_orders(b).await?;
        self.copy(&b.events).await?;
        self.copy(&b.handlers).await?;
        self.copy(&b.followers).await?;
        self.copy(&b.clocks).await?;
        self.copy(&b.triggers).await?;
        self.copy(&b.alerts).await?;
        self.copy(&b.contributions).await?;
        self.copy(&b.rollups).await?;
        self.copy(&b.rollups_wide).await?;
        self.copy(&b.counters).await?;
        self.conn.execute("COMMIT").await?;
        Ok(())
    }

    /// Moves the id sequences past the rows loaded, records `marker` under
    /// the `bench_seed` setting in a synchronous commit, and analyses the
    /// tables (as autovacuum would soon).
    pub async fn finish(mut self, marker: &str) -> Result<()> {
        self.conn
            .execute("SET session_replication_role = DEFAULT")
            .await
            .ok();
        self.conn.execute("SET synchronous_commit = on").await?;
        let mut tx = self.conn.begin().await?;
        for t in NUMBERED {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM {t}), 1))"
            ))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('bench_seed', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(marker.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.conn.execute("ANALYZE").await?;
        self.conn.close().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_is_escaped() {
        let mut buf = Vec::new();
        let mut l = Line {
            buf: &mut buf,
            first: true,
        };
        l.int(7);
        l.null();
        l.text("a\tb\\c\nd");
        assert_eq!(String::from_utf8(buf).unwrap(), "7\t\\N\ta\\tb\\\\c\\nd");
    }

    #[test]
    fn tsvector_literals_quote_each_term() {
        assert_eq!(tsvector_literal("电梯 bx2026"), "'电梯' 'bx2026'");
        assert_eq!(tsvector_literal(""), "");
        assert_eq!(tsvector_literal("it's"), "'it''s'");
    }
}
