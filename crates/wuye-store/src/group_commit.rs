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
//! before; a failed COMMIT fails every member of the batch. A member may
//! leave writes that nothing after them reads for the end of the batch
//! (`Exec::execute_last`): they run after every member's turn, just before
//! the COMMIT, and only for members that committed.
//!
//! A batch runs either on sqlx's writer connection, or on the direct
//! writer connection (`rusqlite`, see `direct_write`) for the transactions
//! that run their statements on the calling thread; a writer of the other
//! kind commits the open batch before it opens its own, so the two never
//! hold SQLite's write lock at once.
//!
//! PostgreSQL has real concurrent writers and keeps one transaction each.

use crate::reader::{LitePool, lite_error, run_execute};
use crate::sql::Sql;
use crate::{Result, StoreError};
use rusqlite::Connection;
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
    /// The direct writer's file (None for an in-memory database) and its
    /// connection while no batch uses it.
    lite: Option<Arc<LitePool>>,
    direct_idle: std::sync::Mutex<Option<Connection>>,
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

/// Which connection a batch runs on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Sqlx,
    Direct,
}

/// The shared transaction of a batch.
enum BatchTx {
    Sqlx(Transaction<'static, Any>),
    /// In `BEGIN IMMEDIATE`.
    Direct(Connection),
}

impl BatchTx {
    fn kind(&self) -> Kind {
        match self {
            BatchTx::Sqlx(_) => Kind::Sqlx,
            BatchTx::Direct(_) => Kind::Direct,
        }
    }

    /// Runs a fixed statement (savepoints) on either connection.
    async fn run(&mut self, sql: &str) -> std::result::Result<(), String> {
        match self {
            BatchTx::Sqlx(tx) => sqlx::query(sql)
                .execute(&mut **tx)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            BatchTx::Direct(c) => c.execute_batch(sql).map_err(|e| e.to_string()),
        }
    }
}

/// One open shared transaction.
struct Batch {
    id: u64,
    tx: BatchTx,
    members: usize,
    /// A member left without committing: its savepoint is rolled back
    /// before anyone uses the transaction again.
    undo: bool,
    done: watch::Sender<Outcome>,
    /// When the batch began, and the time its members spent in their
    /// turns: the rest of its life is hand-overs between members (logged
    /// at debug level, to tell the writer's work from its waits).
    opened: std::time::Instant,
    busy: Duration,
    /// Statements the committed members left for the end of the batch
    /// (`Exec::execute_last`), run in order just before COMMIT.
    last: Vec<Sql>,
}

impl WriteGroup {
    pub(crate) fn new(
        pool: AnyPool,
        lite: Option<Arc<LitePool>>,
        acquire_timeout: Duration,
    ) -> Self {
        Self {
            pool,
            lite,
            direct_idle: std::sync::Mutex::new(None),
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

    /// Whether direct write transactions are possible (a SQLite file).
    pub(crate) fn has_direct(&self) -> bool {
        self.lite.is_some()
    }

    /// Joins the open batch, or opens one (`BEGIN IMMEDIATE`).
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<WriteTx> {
        Ok(WriteTx::Grouped(self.join(Kind::Sqlx).await?))
    }

    /// Joins the open batch of `kind`; one of the other kind is committed
    /// first.
    pub(crate) async fn join(self: &Arc<Self>, kind: Kind) -> Result<Member> {
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
        if guard.as_ref().is_some_and(|b| b.tx.kind() != kind) {
            finish(self, &mut guard, Ok(())).await;
        }
        if guard.is_none() {
            let tx = match kind {
                Kind::Sqlx => BatchTx::Sqlx(self.pool.begin_with("BEGIN IMMEDIATE").await?),
                Kind::Direct => BatchTx::Direct(self.direct_begin().await?),
            };
            *guard = Some(Batch {
                id: self.next_id.fetch_add(1, Ordering::Relaxed),
                tx,
                members: 0,
                undo: false,
                done: watch::channel(None).0,
                opened: std::time::Instant::now(),
                busy: Duration::ZERO,
                last: Vec::new(),
            });
        }
        let batch = guard.as_mut().expect("batch is open");
        if let Err(e) = batch.tx.run("SAVEPOINT member").await {
            // The shared transaction is unusable: fail the batch.
            finish(self, &mut guard, Err(e.clone())).await;
            return Err(StoreError::Unavailable(format!(
                "cannot start a write: {e}"
            )));
        }
        Ok(Member {
            group: self.clone(),
            guard: Some(guard),
            since: std::time::Instant::now(),
            last: Vec::new(),
        })
    }

    /// The direct writer connection in `BEGIN IMMEDIATE`. Taking the lock
    /// can wait in SQLite's busy handler (another process, or another `Db`,
    /// holds it), so it waits on a blocking thread, not the runtime's: a
    /// holder on the same runtime thread could not otherwise finish.
    async fn direct_begin(&self) -> Result<Connection> {
        let lite = self
            .lite
            .as_ref()
            .ok_or_else(|| StoreError::Direct("no direct writer for this database".into()))?;
        let idle = self
            .direct_idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let c = match idle {
            Some(c) => c,
            None => lite.open_writer()?,
        };
        tokio::task::spawn_blocking(move || c.execute_batch("BEGIN IMMEDIATE").map(|_| c))
            .await
            .map_err(|e| StoreError::Unavailable(format!("could not begin a write: {e}")))?
            .map_err(lite_error)
    }

    /// Keeps the direct writer for the next batch, unless the database was
    /// closed meanwhile (then the file is left to whoever takes it next).
    fn direct_return(&self, c: Connection) {
        if self.lite.as_ref().is_some_and(|l| !l.is_closed()) {
            *self.direct_idle.lock().unwrap_or_else(|e| e.into_inner()) = Some(c);
        }
    }

    /// Drops the idle direct writer (the database is being closed).
    pub(crate) fn close(&self) {
        self.direct_idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
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
    let r = batch.tx.run("ROLLBACK TO member; RELEASE member").await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "a write batch could not undo a failed member; the batch fails");
        finish(group, guard, Err(e)).await;
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
    let mut result = result;
    if batch.undo {
        batch.undo = false;
        if let Err(e) = batch.tx.run("ROLLBACK TO member; RELEASE member").await {
            result = Err(e);
        }
    }
    if result.is_ok()
        && let BatchTx::Direct(c) = &batch.tx
    {
        for q in batch.last.drain(..) {
            if let Err(e) = run_execute(c, &q) {
                result = Err(e.to_string());
                break;
            }
        }
    }
    if result.is_ok() {
        group.commits.fetch_add(1, Ordering::Relaxed);
    }
    let (members, open, busy) = (batch.members, batch.opened.elapsed(), batch.busy);
    let ending = std::time::Instant::now();
    let outcome = match (batch.tx, result) {
        (BatchTx::Sqlx(tx), Ok(())) => tx.commit().await.map_err(|e| e.to_string()),
        (BatchTx::Sqlx(tx), Err(e)) => {
            let _ = tx.rollback().await;
            Err(e)
        }
        (BatchTx::Direct(c), result) => end_direct(group, c, result).await,
    };
    tracing::debug!(
        members,
        open_us = open.as_micros() as u64,
        turns_us = busy.as_micros() as u64,
        commit_us = ending.elapsed().as_micros() as u64,
        ok = outcome.is_ok(),
        "write batch ended"
    );
    let _ = batch.done.send(Some(outcome));
}

/// COMMITs (or rolls back) the direct writer's batch. The COMMIT waits for
/// the disk, so it runs on a blocking thread rather than the runtime's. A
/// connection whose transaction did not end cleanly is closed, not reused.
async fn end_direct(
    group: &WriteGroup,
    c: Connection,
    result: std::result::Result<(), String>,
) -> std::result::Result<(), String> {
    let ok = result.is_ok();
    let ended = tokio::task::spawn_blocking(move || {
        let r = c.execute_batch(if ok { "COMMIT" } else { "ROLLBACK" });
        (c, r)
    })
    .await;
    match ended {
        Ok((c, Ok(()))) => {
            group.direct_return(c);
            result
        }
        Ok((c, Err(e))) => {
            // A failed COMMIT leaves the transaction open: roll it back so
            // the file's lock is released when the connection closes.
            let _ = c.execute_batch("ROLLBACK");
            Err(result.err().unwrap_or_else(|| e.to_string()))
        }
        Err(e) => Err(format!("the commit did not finish: {e}")),
    }
}

/// A member's part of a shared transaction. Dropping it without `commit`
/// rolls back its savepoint (before the next use of the transaction).
pub struct Member {
    group: Arc<WriteGroup>,
    guard: Option<OwnedMutexGuard<Option<Batch>>>,
    /// When this member's turn began.
    since: std::time::Instant,
    /// Its statements for the end of the batch; they join the batch's only
    /// when the member commits, so a member that rolls back leaves none.
    last: Vec<Sql>,
}

impl Member {
    fn batch(&self) -> &Batch {
        self.guard
            .as_ref()
            .and_then(|g| g.as_ref())
            .expect("member holds an open batch")
    }

    /// The direct writer's connection of this member's batch.
    pub(crate) fn direct(&self) -> Result<&Connection> {
        match &self.batch().tx {
            BatchTx::Direct(c) => Ok(c),
            BatchTx::Sqlx(_) => Err(StoreError::Direct("not a direct write batch".into())),
        }
    }

    /// Keeps a statement for the end of the batch (`Exec::execute_last`).
    /// Why it pays: SQLite's full-text index writes its pending terms to
    /// disk at every SAVEPOINT of a transaction that has touched it, so a
    /// search-term insert in each member wrote one tiny index segment per
    /// order (and FTS5 then merged them), all inside the writer's turn.
    /// Inserted after the last member, a batch's terms make one segment.
    pub(crate) fn defer(&mut self, q: Sql) {
        self.last.push(q);
    }

    fn batch_mut(&mut self) -> &mut Batch {
        self.guard
            .as_mut()
            .and_then(|g| g.as_mut())
            .expect("member holds an open batch")
    }

    pub(crate) async fn commit(mut self) -> Result<()> {
        let mut guard = self.guard.take().expect("member holds an open batch");
        let batch = guard.as_mut().expect("member holds an open batch");
        if let Err(e) = batch.tx.run("RELEASE member").await {
            leave(self.group.clone(), guard).await;
            return Err(StoreError::Unavailable(format!("cannot end a write: {e}")));
        }
        batch.members += 1;
        batch.busy += self.since.elapsed();
        batch.last.append(&mut self.last);
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

    pub(crate) async fn rollback(mut self) -> Result<()> {
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
        let done = match self {
            WriteTx::Single(tx) => tx.commit().await.map_err(Into::into),
            WriteTx::Grouped(m) => m.commit().await,
        };
        crate::note_write();
        done
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
            WriteTx::Grouped(m) => match &m.batch().tx {
                BatchTx::Sqlx(tx) => tx,
                // `WriteGroup::begin` hands out sqlx batches only, and a
                // member's batch never changes kind.
                BatchTx::Direct(_) => unreachable!("a WriteTx is never in a direct batch"),
            },
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriteTx::Single(tx) => tx,
            WriteTx::Grouped(m) => match &mut m.batch_mut().tx {
                BatchTx::Sqlx(tx) => tx,
                BatchTx::Direct(_) => unreachable!("a WriteTx is never in a direct batch"),
            },
        }
    }
}
