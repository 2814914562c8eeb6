//! The bulk path: many rows at once, for `wuye bench seed`.
//!
//! The normal queries write one row per statement through sqlx's `Any`
//! driver, which is right for requests and far too slow for millions of
//! rows. Here the rows of each table are described once ([`Row`]: table,
//! columns, values in column order) and written by one of two sinks:
//! - SQLite ([`sqlite::SqliteSink`]): multi-row `INSERT … VALUES (…), (…)`
//!   statements with bound parameters, prepared once per shape, in large
//!   transactions, on a connection of its own (rusqlite over the same
//!   libsqlite3 that sqlx links) that holds the database exclusively while
//!   it loads;
//! - PostgreSQL ([`postgres::PgSink`]): `COPY … FROM STDIN` in text format,
//!   one transaction per batch.
//!
//! Rows carry their ids (the caller numbers them after the current maximum),
//! so rows that refer to each other can be made before any is stored; the
//! sinks bring the id sequences up to date when they finish.

pub mod postgres;
pub mod rows;
pub mod sqlite;

pub use rows::*;

use crate::{Backend, Conn, Result};
use std::sync::Arc;

/// Shared text (names and labels repeated over many rows).
pub type Str = Arc<str>;

/// Receives the values of one row in column order.
pub trait Fields {
    fn int(&mut self, v: i64);
    fn null(&mut self);
    fn text(&mut self, v: &str);
}

/// A value of a column.
pub trait Value {
    fn put<F: Fields>(&self, f: &mut F);
}

impl Value for i64 {
    fn put<F: Fields>(&self, f: &mut F) {
        f.int(*self)
    }
}

impl Value for &'static str {
    fn put<F: Fields>(&self, f: &mut F) {
        f.text(self)
    }
}

impl Value for String {
    fn put<F: Fields>(&self, f: &mut F) {
        f.text(self)
    }
}

impl Value for Str {
    fn put<F: Fields>(&self, f: &mut F) {
        f.text(self)
    }
}

impl<T: Value> Value for Option<T> {
    fn put<F: Fields>(&self, f: &mut F) {
        match self {
            Some(v) => v.put(f),
            None => f.null(),
        }
    }
}

/// A row of a table, described once for both sinks.
pub trait Row {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    fn write<F: Fields>(&self, f: &mut F);
}

/// Declares a row type whose fields are the table's columns, in order.
macro_rules! bulk_row {
    ($(#[$m:meta])* $name:ident => $table:literal { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name { $(pub $field: $ty),* }

        impl $crate::bulk::Row for $name {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];
            fn write<F: $crate::bulk::Fields>(&self, f: &mut F) {
                $( $crate::bulk::Value::put(&self.$field, f); )*
            }
        }
    };
}
pub(crate) use bulk_row;

/// Everything a batch of the seed adds, table by table (written in this
/// order, so rows come after the rows they refer to).
#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub homes: Vec<HomeRow>,
    pub residents: Vec<ResidentRow>,
    pub resident_homes: Vec<ResidentHomeRow>,
    pub orders: Vec<OrderRow>,
    /// The search terms of `orders` (same order, same ids).
    pub search: Vec<SearchRow>,
    pub events: Vec<EventRow>,
    pub handlers: Vec<HandlerRow>,
    pub followers: Vec<FollowerRow>,
    pub clocks: Vec<ClockRow>,
    pub triggers: Vec<TriggerRow>,
    pub alerts: Vec<AlertRow>,
    pub contributions: Vec<ContribRow>,
    pub rollups: Vec<RollupRow>,
    /// The sums of `rollups` per community and company-wide (community 0).
    pub rollups_wide: Vec<WideRollupRow>,
    pub counters: Vec<CounterRow>,
}

impl Batch {
    /// Rows in the batch, all tables together.
    pub fn rows(&self) -> usize {
        self.homes.len()
            + self.residents.len()
            + self.resident_homes.len()
            + self.orders.len()
            + self.search.len()
            + self.events.len()
            + self.handlers.len()
            + self.followers.len()
            + self.clocks.len()
            + self.triggers.len()
            + self.alerts.len()
            + self.contributions.len()
            + self.rollups.len()
            + self.rollups_wide.len()
            + self.counters.len()
    }
}

/// The tables the seed numbers itself, with their id columns.
pub const NUMBERED: &[&str] = &[
    "homes",
    "residents",
    "work_orders",
    "work_order_events",
    "work_order_handlers",
    "work_order_followers",
    "sla_triggers",
    "sla_alerts",
];

/// The largest id of each numbered table (0 when empty), in [`NUMBERED`] order.
pub async fn max_ids(c: &mut Conn) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    for t in NUMBERED {
        let v: i64 = sqlx::query_scalar(&format!(
            "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {t}"
        ))
        .fetch_one(&mut *c)
        .await?;
        out.push(v);
    }
    Ok(out)
}

/// The size of the database in bytes (SQLite: the main file and its WAL).
pub async fn database_size(
    c: &mut Conn,
    backend: Backend,
    sqlite_path: Option<&str>,
) -> Result<i64> {
    match backend {
        Backend::Postgres => Ok(sqlx::query_scalar(
            "SELECT CAST(pg_database_size(current_database()) AS BIGINT)",
        )
        .fetch_one(c)
        .await?),
        Backend::Sqlite => {
            let Some(p) = sqlite_path else { return Ok(0) };
            let size = |p: &str| std::fs::metadata(p).map(|m| m.len() as i64).unwrap_or(0);
            Ok(size(p) + size(&format!("{p}-wal")))
        }
    }
}

/// The file of a `sqlite:` URL (`sqlite://path?mode=rwc`, `sqlite:path`).
pub fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite:///tmp/x/wuye.db?mode=rwc").as_deref(),
            Some("/tmp/x/wuye.db")
        );
        assert_eq!(
            sqlite_path("sqlite:./data/wuye.db").as_deref(),
            Some("./data/wuye.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }

    #[test]
    fn rows_list_their_columns_in_order() {
        let e = CounterRow {
            company_id: 1,
            prefix: "BX",
            day: 20261127,
            value: 7,
        };
        struct Collect(Vec<String>);
        impl Fields for Collect {
            fn int(&mut self, v: i64) {
                self.0.push(v.to_string())
            }
            fn null(&mut self) {
                self.0.push("NULL".into())
            }
            fn text(&mut self, v: &str) {
                self.0.push(format!("'{v}'"))
            }
        }
        let mut c = Collect(vec![]);
        e.write(&mut c);
        assert_eq!(
            CounterRow::COLUMNS,
            &["company_id", "prefix", "day", "value"]
        );
        assert_eq!(c.0, vec!["1", "'BX'", "20261127", "7"]);
    }
}
