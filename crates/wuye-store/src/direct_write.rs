//! Write transactions whose statements run on the calling thread.
//!
//! Through sqlx, every SQLite statement is a message to the connection's own
//! thread and a message back. A new order's transaction is about thirty
//! statements, all of them inside SQLite's single writer, so under load
//! the writer spent most of its turn in those hand-offs while every other
//! writer waited (`wuye bench`, W1). A [`DirectTx`] on a SQLite file runs
//! its statements on a `rusqlite` connection instead, as a member of the
//! same group commit (`group_commit`): the same savepoints, the same shared
//! COMMIT on disk before anyone is answered. On PostgreSQL and in-memory
//! databases it is an ordinary [`WriteTx`].
//!
//! It offers [`Read`] and [`Exec`] only (no sqlx connection), so the
//! compiler holds every statement of such a transaction to the store
//! functions written for both paths.

use crate::exec::Exec;
use crate::group_commit::Member;
use crate::reader::{Read, ReadRow, run_all, run_execute};
use crate::sql::Sql;
use crate::{Result, WriteTx};

/// See the module documentation.
pub enum DirectTx {
    Direct(Member),
    Sqlx(WriteTx),
}

impl DirectTx {
    /// Returns once the transaction is on disk (with its batch on SQLite).
    pub async fn commit(self) -> Result<()> {
        match self {
            DirectTx::Direct(m) => {
                let done = m.commit().await;
                crate::note_write();
                done
            }
            DirectTx::Sqlx(tx) => tx.commit().await,
        }
    }

    pub async fn rollback(self) -> Result<()> {
        match self {
            DirectTx::Direct(m) => m.rollback().await,
            DirectTx::Sqlx(tx) => tx.rollback().await,
        }
    }
}

impl Read for DirectTx {
    async fn all<O: ReadRow>(&mut self, q: Sql) -> Result<Vec<O>> {
        match self {
            DirectTx::Direct(m) => run_all(m.direct()?, &q),
            DirectTx::Sqlx(tx) => tx.all(q).await,
        }
    }

    async fn optional<O: ReadRow>(&mut self, q: Sql) -> Result<Option<O>> {
        match self {
            DirectTx::Direct(m) => Ok(run_all(m.direct()?, &q)?.into_iter().next()),
            DirectTx::Sqlx(tx) => tx.optional(q).await,
        }
    }
}

impl Exec for DirectTx {
    async fn execute(&mut self, q: Sql) -> Result<u64> {
        match self {
            DirectTx::Direct(m) => run_execute(m.direct()?, &q),
            DirectTx::Sqlx(tx) => tx.execute(q).await,
        }
    }

    async fn execute_last(&mut self, q: Sql) -> Result<()> {
        match self {
            DirectTx::Direct(m) => {
                m.defer(q);
                Ok(())
            }
            DirectTx::Sqlx(tx) => tx.execute(q).await.map(drop),
        }
    }
}
