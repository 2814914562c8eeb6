//! Group commit for SQLite's single writer.
//!
//! Every write transaction on SQLite runs on one connection, and with
//! `synchronous=FULL` each COMMIT waits for an fsync. Under load most of a
//! small transaction's time is that wait, while the next writers queue. So
//! writers that arrive while a transaction is open join it instead: each
//! runs inside its own SAVEPOINT of one shared transaction (a failure rolls
//! back only its own savepoint), hands the open transaction to the next
//! writer when one is waiting, and returns only after the shared COMMIT has
//! reached the disk. An acknowledged write is therefore as durable as
//! before; a failed COMMIT fails every member of the batch.
//!
//! PostgreSQL has real concurrent writers and keeps one transaction each.

use crate::{Result, StoreError};
use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// At most this many writers share one COMMIT, so a long queue still
/// reaches the disk regularly.
const MAX_MEMBERS: usize = 64;

/// How long a member that handed the transaction on waits for the batch's
/// COMMIT before it looks whether the batch was left behind (a writer that
/// was waiting gave up) and commits it itself.
const ORPHAN_CHECK: Duration = Duration::from_millis(20);

type Outcome = Option<std::result::Result<(), String>>;

/// The shared state of one SQLite writer.
pub(crate) struct WriteGroup {
    pool: AnyPool,
    /// How long a writer waits for its turn before it gives up, as it would
    /// waiting for the pool's connection.
    acquire_timeout: Duration,
    slot: Arc<Mutex<Option<Batch>>>,
    /// Writers queued for the slot: a member hands on only when one waits.
    waiting: AtomicUsize,
    next_id: AtomicU64,
    /// COMMITs issued and members they carried, for `wuye bench` and tests.
    commits: AtomicU64,
    members: AtomicU64,
}

impl std::fmt::Debug for WriteGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteGroup")
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish()
    }
}

/// One open shared transaction.
struct Batch {
    id: u64,
    tx: Transaction<'static, Any>,
    members: usize,
    /// A member left without committing: its savepoint is rolled back
    /// before anyone uses the transaction again.
    undo: bool,
    done: watch::Sender<Outcome>,
}

impl WriteGroup {
    pub(crate) fn new(pool: AnyPool, acquire_timeout: Duration) -> Self {
        Self {
            pool,
            acquire_timeout,
            slot: Arc::new(Mutex::new(None)),
            waiting: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            commits: AtomicU64::new(0),
            members: AtomicU64::new(0),
        }
    }

    /// (COMMITs, members committed in them) since the start.
    pub(crate) fn stats(&self) -> (u64, u64) {
        (
            self.commits.load(Ordering::Relaxed),
            self.members.load(Ordering::Relaxed),
        )
    }

    /// Joins the open batch, or opens one (`BEGIN IMMEDIATE`).
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<WriteTx> {
        let mut guard = {
            let _queued = Queued::new(&self.waiting);
            tokio::time::timeout(self.acquire_timeout, self.slot.clone().lock_owned())
                .await
                .map_err(|_| {
                    StoreError::Unavailable(format!(
                        "no turn to write within {} s",
                        self.acquire_timeout.as_secs()
                    ))
                })?
        };
        if guard.as_ref().is_some_and(|b| b.undo) {
            undo_member(self, &mut guard).await;
        }
        if guard.is_none() {
            let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
            *guard = Some(Batch {
                id: self.next_id.fetch_add(1, Ordering::Relaxed),
                tx,
                members: 0,
                undo: false,
                done: watch::channel(None).0,
            });
        }
        let batch = guard.as_mut().expect("batch is open");
        if let Err(e) = sqlx::query("SAVEPOINT member")
            .execute(&mut *batch.tx)
            .await
        {
            // The shared transaction is unusable: fail the batch.
            finish(self, &mut guard, Err(e.to_string())).await;
            return Err(e.into());
        }
        Ok(WriteTx::Grouped(Member {
            group: self.clone(),
            guard: Some(guard),
        }))
    }
}

/// Counts a writer as queued while it waits for the slot.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Self(n)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Rolls back the savepoint of a member that left without committing. If
/// even that fails, the shared transaction is gone: the batch fails.
async fn undo_member(group: &WriteGroup, guard: &mut Option<Batch>) {
    let Some(batch) = guard.as_mut() else { return };
    batch.undo = false;
    let r = sqlx::query("ROLLBACK TO member; RELEASE member")
        .execute(&mut *batch.tx)
        .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "a write batch could not undo a failed member; the batch fails");
        finish(group, guard, Err(e.to_string())).await;
    }
}

/// Ends the batch: COMMIT when `result` is Ok, else roll it back; every
/// member waiting on it learns the outcome.
async fn finish(
    group: &WriteGroup,
    guard: &mut Option<Batch>,
    result: std::result::Result<(), String>,
) {
    let Some(mut batch) = guard.take() else {
        return;
    };
    if batch.undo {
        batch.undo = false;
        if let Err(e) = sqlx::query("ROLLBACK TO member; RELEASE member")
            .execute(&mut *batch.tx)
            .await
        {
            let _ = batch.tx.rollback().await;
            let _ = batch.done.send(Some(Err(e.to_string())));
            return;
        }
    }
    let outcome = match result {
        Ok(()) => {
            group.commits.fetch_add(1, Ordering::Relaxed);
            batch.tx.commit().await.map_err(|e| e.to_string())
        }
        Err(e) => {
            let _ = batch.tx.rollback().await;
            Err(e)
        }
    };
    let _ = batch.done.send(Some(outcome));
}

/// A member's part of a shared transaction. Dropping it without `commit`
/// rolls back its savepoint (before the next use of the transaction).
pub struct Member {
    group: Arc<WriteGroup>,
    guard: Option<OwnedMutexGuard<Option<Batch>>>,
}

impl Member {
    fn batch(&self) -> &Batch {
        self.guard
            .as_ref()
            .and_then(|g| g.as_ref())
            .expect("member holds an open batch")
    }

    fn batch_mut(&mut self) -> &mut Batch {
        self.guard
            .as_mut()
            .and_then(|g| g.as_mut())
            .expect("member holds an open batch")
    }

    async fn commit(mut self) -> Result<()> {
        let mut guard = self.guard.take().expect("member holds an open batch");
        let batch = guard.as_mut().expect("member holds an open batch");
        if let Err(e) = sqlx::query("RELEASE member").execute(&mut *batch.tx).await {
            leave(self.group.clone(), guard).await;
            return Err(e.into());
        }
        batch.members += 1;
        self.group.members.fetch_add(1, Ordering::Relaxed);
        let id = batch.id;
        let mut done = batch.done.subscribe();
        if self.group.waiting.load(Ordering::SeqCst) == 0 || batch.members >= MAX_MEMBERS {
            finish(&self.group, &mut guard, Ok(())).await;
            drop(guard);
            return outcome(&mut done).await;
        }
        // Someone is queued: hand them the open transaction and wait for
        // the batch's COMMIT.
        drop(guard);
        loop {
            match tokio::time::timeout(ORPHAN_CHECK, done.changed()).await {
                Ok(_) => return outcome(&mut done).await,
                Err(_) => {
                    let mut g = self.group.slot.clone().lock_owned().await;
                    if g.as_ref().map(|b| b.id) == Some(id)
                        && self.group.waiting.load(Ordering::SeqCst) == 0
                    {
                        // Nobody took it on: commit it for everyone.
                        finish(&self.group, &mut g, Ok(())).await;
                    }
                }
            }
        }
    }

    async fn rollback(mut self) -> Result<()> {
        let guard = self.guard.take().expect("member holds an open batch");
        leave(self.group.clone(), guard).await;
        Ok(())
    }
}

/// A member leaves without committing: its savepoint is rolled back, then
/// the transaction goes to the next writer if one waits, else the batch
/// commits what the earlier members wrote (they are waiting for it).
async fn leave(group: Arc<WriteGroup>, mut guard: OwnedMutexGuard<Option<Batch>>) {
    if let Some(b) = guard.as_mut() {
        b.undo = true;
    }
    undo_member(&group, &mut guard).await;
    if guard.is_some() && group.waiting.load(Ordering::SeqCst) == 0 {
        finish(&group, &mut guard, Ok(())).await;
    }
}

/// The batch's COMMIT outcome, once it is known.
async fn outcome(done: &mut watch::Receiver<Outcome>) -> Result<()> {
    loop {
        if let Some(r) = done.borrow_and_update().clone() {
            return r.map_err(|e| StoreError::Unavailable(format!("group commit failed: {e}")));
        }
        if done.changed().await.is_err() {
            return Err(StoreError::Unavailable(
                "group commit: the batch ended without an outcome".into(),
            ));
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        if let Some(b) = guard.as_mut() {
            b.undo = true;
        }
        // Undoing needs the database, so it runs as a task; without a
        // runtime the next writer undoes it on arrival.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(leave(self.group.clone(), guard));
        }
    }
}

/// A write transaction: one of its own (PostgreSQL, and SQLite work that
/// must not share), or a member of a SQLite group commit.
pub enum WriteTx {
    Single(Transaction<'static, Any>),
    Grouped(Member),
}

impl WriteTx {
    pub async fn commit(self) -> Result<()> {
        match self {
            WriteTx::Single(tx) => Ok(tx.commit().await?),
            WriteTx::Grouped(m) => m.commit().await,
        }
    }

    pub async fn rollback(self) -> Result<()> {
        match self {
            WriteTx::Single(tx) => Ok(tx.rollback().await?),
            WriteTx::Grouped(m) => m.rollback().await,
        }
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            WriteTx::Single(tx) => tx,
            WriteTx::Grouped(m) => &m.batch().tx,
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriteTx::Single(tx) => tx,
            WriteTx::Grouped(m) => &mut m.batch_mut().tx,
        }
    }
}
