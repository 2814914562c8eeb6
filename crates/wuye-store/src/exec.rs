//! Statements that write, on both ways of running them: a sqlx connection
//! (both backends), or SQLite's direct write transaction ([`DirectTx`],
//! `direct_write`), which runs each statement on the calling thread instead
//! of handing it to sqlx's connection thread.
//!
//! [`query`] builds a statement with the same calls as `sqlx::query`
//! (`bind`, then `execute` / `fetch_*`), so a store function moves to
//! [`Exec`] by changing its receiver, not its SQL.
//!
//! [`DirectTx`]: crate::direct_write::DirectTx

use crate::reader::{Read, ReadRow};
use crate::sql::Sql;
use crate::{Conn, Result, StoreError};
use rusqlite::types::ToSql;
use sqlx::{Any, Encode, Type};
use std::future::Future;

/// Runs statements: reads ([`Read`]) and writes.
pub trait Exec: Read {
    /// Runs a statement; how many rows it changed.
    fn execute(&mut self, q: Sql) -> impl Future<Output = Result<u64>> + Send;

    /// Runs a write that nothing later in the transaction reads, as late as
    /// the transaction allows: in a SQLite group commit, just before the
    /// batch's COMMIT, after every member's statements (an error there
    /// fails the whole batch); elsewhere, now (this default).
    fn execute_last(&mut self, q: Sql) -> impl Future<Output = Result<()>> + Send {
        async move { self.execute(q).await.map(drop) }
    }
}

impl Exec for Conn {
    async fn execute(&mut self, q: Sql) -> Result<u64> {
        Ok(q.execute(self).await?)
    }
}

/// The wrappers that lend a sqlx connection read and write through it, so
/// callers pass `&mut tx` or `&mut c` as they always did.
macro_rules! through_deref {
    ($($t:ty),*) => {$(
        impl Read for $t {
            async fn all<O: ReadRow>(&mut self, q: Sql) -> Result<Vec<O>> {
                (**self).all(q).await
            }

            async fn optional<O: ReadRow>(&mut self, q: Sql) -> Result<Option<O>> {
                (**self).optional(q).await
            }
        }

        impl Exec for $t {
            async fn execute(&mut self, q: Sql) -> Result<u64> {
                (**self).execute(q).await
            }
        }
    )*};
}

through_deref!(
    sqlx::pool::PoolConnection<sqlx::Any>,
    sqlx::Transaction<'_, sqlx::Any>,
    crate::WriteTx
);

/// A fixed statement (`$1`, `$2` … in its text) and its values.
pub struct Query(Sql);

/// Starts a statement, as `sqlx::query` does.
pub fn query(text: &str) -> Query {
    Query(Sql::new(text))
}

impl Query {
    /// Binds the next placeholder.
    pub fn bind<T>(mut self, v: T) -> Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any> + ToSql,
    {
        self.0.arg(v);
        self
    }

    pub async fn execute(self, c: &mut impl Exec) -> Result<u64> {
        c.execute(self.0).await
    }

    /// See [`Exec::execute_last`].
    pub async fn execute_last(self, c: &mut impl Exec) -> Result<()> {
        c.execute_last(self.0).await
    }

    pub async fn fetch_all<O: ReadRow>(self, c: &mut impl Read) -> Result<Vec<O>> {
        c.all(self.0).await
    }

    pub async fn fetch_optional<O: ReadRow>(self, c: &mut impl Read) -> Result<Option<O>> {
        c.optional(self.0).await
    }

    pub async fn fetch_one<O: ReadRow>(self, c: &mut impl Read) -> Result<O> {
        c.optional(self.0).await?.ok_or(StoreError::NotFound)
    }

    /// The first column of every row.
    pub async fn fetch_all_scalar<T>(self, c: &mut impl Read) -> Result<Vec<T>>
    where
        (T,): ReadRow,
    {
        Ok(c.all::<(T,)>(self.0)
            .await?
            .into_iter()
            .map(|(v,)| v)
            .collect())
    }

    /// The first column of the first row, if there is one.
    pub async fn fetch_optional_scalar<T>(self, c: &mut impl Read) -> Result<Option<T>>
    where
        (T,): ReadRow,
    {
        Ok(c.optional::<(T,)>(self.0).await?.map(|(v,)| v))
    }

    /// The first column of the first row; `NotFound` without one.
    pub async fn fetch_one_scalar<T>(self, c: &mut impl Read) -> Result<T>
    where
        (T,): ReadRow,
    {
        self.fetch_optional_scalar(c)
            .await?
            .ok_or(StoreError::NotFound)
    }
}
