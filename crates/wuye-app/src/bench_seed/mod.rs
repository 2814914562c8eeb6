//! The standard benchmark workload (`wuye bench seed`): a realistic company
//! and N orders over the 12 months before now, in every state, with the
//! timelines, handler logs, ratings, SLA clocks and triggers, alerts, KPI
//! rollups and search terms the application would have written had the
//! orders come in through the API — at bulk speed.
//!
//! The company (communities, teams, staff, accounts, SLA policies) is made
//! through the normal store functions; homes, residents and orders through
//! the storage layer's bulk path (`wuye_store::bulk`). One thread generates
//! batches of rows (replaying each order's story through the domain's state
//! machine) while the sink writes the previous batch.

mod alerts;
mod company;
mod derive;
mod generate;
mod plan;
mod replay;
mod story;
#[cfg(test)]
mod tests;
mod texts;

use crate::error::{AppError, Result};
use crate::{AppConfig, accounts::system_actor};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use wuye_domain::Error;
use wuye_domain::ids::StaffId;
use wuye_store::bulk::{self, Batch, RollupRow, Text, WideRollupRow};
use wuye_store::{Backend, Db, DbOptions, StoreError};

/// The password of every bench account.
pub const BENCH_PASSWORD: &str = "bench2026";
/// bench-a1 … bench-a20 (agents), bench-t1 … bench-t40 (technicians),
/// bench-r1 … bench-r200 (residents); and bench-admin.
pub const BENCH_AGENTS: usize = 20;
pub const BENCH_TECHS: usize = 40;
pub const BENCH_RESIDENTS: usize = 200;
/// Homes owned by each bench resident (2,000 in all): W1 creates its orders
/// at random ones of them. A landlord's handful, not hundreds: every request
/// of a resident reads the resident's homes.
pub const BENCH_HOMES_EACH: usize = 10;

/// Orders per batch handed from the generator to the sink.
const BATCH_ORDERS: usize = 10_000;

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub orders: u64,
    pub communities: u32,
    /// The random seed: the same seed and `now` make the same data.
    pub seed: u64,
}

#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub backend: &'static str,
    pub orders: u64,
    pub events: u64,
    /// Rows written, all tables.
    pub rows: u64,
    pub communities: usize,
    pub homes: usize,
    pub residents: usize,
    pub staff: usize,
    /// Orders per final state, most first.
    pub by_state: Vec<(&'static str, u64)>,
    /// The whole seed, and the bulk part of it.
    pub seconds: f64,
    pub load_seconds: f64,
    pub database_bytes: i64,
    /// How durability was relaxed while loading (for the summary).
    pub relaxed: String,
}

/// What the command shows while the seed runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Orders written so far.
    pub written: AtomicU64,
}

fn not_empty() -> AppError {
    Error::conflict(
        "database_not_empty",
        "数据库里已有物业公司，基准数据只能写入空数据库（请换一个 --data-dir 或新建一个 PostgreSQL 数据库）",
        "The database already holds a company; bench data goes only into an empty database (use another --data-dir or a new PostgreSQL database)",
    )
    .into()
}

fn store(e: StoreError) -> AppError {
    AppError::from(e)
}

/// Seeds the database at `url` as of `now` (ms).
pub async fn seed(
    url: &str,
    config: AppConfig,
    opts: SeedOptions,
    now: i64,
    progress: Arc<Progress>,
) -> Result<SeedReport> {
    let started = Instant::now();
    let db = Db::connect(url, &DbOptions::default()).await?;
    db.migrate().await?;
    let backend = db.backend();
    let next = {
        let mut c = db.read().await?;
        if wuye_store::directory::first_company(&mut c)
            .await?
            .is_some()
        {
            // Closing waits for every borrowed connection to come back.
            drop(c);
            db.close().await;
            return Err(not_empty());
        }
        bulk::max_ids(&mut c).await?
    };
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed);
    let mut tx = db.begin().await?;
    let co = company::build(&mut tx, &opts, &mut rng, now, &next).await?;
    crate::audit::record(
        &mut tx,
        &system_actor(co.id),
        now,
        "bench",
        0,
        "bench_seed",
        None,
        Some(serde_json::json!({"orders": opts.orders, "communities": opts.communities, "seed": opts.seed})),
    )
    .await?;
    tx.commit().await?;
    // The sink takes the database for itself: every pooled connection must
    // be closed first (`Db::close` waits for that).
    db.close().await;

    let co = Arc::new(co);
    let mut report = SeedReport {
        backend: backend.name(),
        communities: co.communities.len(),
        homes: co.homes.len(),
        residents: co.residents.len(),
        staff: co.staff.len(),
        ..Default::default()
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Batch>(2);
    let ids = generate::Ids {
        order: next[2],
        event: next[3],
        handler: next[4],
        follower: next[5],
        trigger: next[6],
        alert: next[7],
    };
    let load_started = Instant::now();
    let producer = {
        let co = co.clone();
        let config = config.clone();
        let opts = opts.clone();
        std::thread::spawn(move || produce(&co, &opts, &config, now, ids, tx))
    };
    let marker = serde_json::json!({
        "orders": opts.orders, "communities": opts.communities, "seed": opts.seed, "now": now,
    })
    .to_string();
    let sunk = sink(backend, url, rx, progress, &marker).await;
    let produced = producer
        .join()
        .map_err(|_| AppError::internal("the generator panicked"))?;
    // A failed sink only shows as a closed channel to the generator.
    let (rows, relaxed) = sunk?;
    let (stats, assigned) = produced?;
    report.load_seconds = load_started.elapsed().as_secs_f64();
    report.orders = stats.orders;
    report.events = stats.events;
    report.rows = rows;
    report.relaxed = relaxed;
    let mut by_state: Vec<_> = stats.by_state.into_iter().collect();
    by_state.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    report.by_state = by_state;

    // Who was assigned last when, as dispatch keeps it.
    let db = Db::connect(url, &DbOptions::default()).await?;
    let mut tx = db.begin().await?;
    for (staff, at) in assigned {
        wuye_store::dispatch::touch_assigned(&mut tx, StaffId(staff), at).await?;
    }
    tx.commit().await?;
    let path = bulk::sqlite_path(url);
    let mut c = db.read().await?;
    report.database_bytes = bulk::database_size(&mut c, backend, path.as_deref())
        .await
        .map_err(store)?;
    drop(c);
    db.close().await;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

type Produced = Result<(generate::Stats, Vec<(i64, i64)>)>;

/// The generator thread: the directory first, then the orders in batches,
/// then the rollups and number counters.
fn produce(
    co: &company::Company,
    opts: &SeedOptions,
    config: &AppConfig,
    now: i64,
    ids: generate::Ids,
    tx: tokio::sync::mpsc::Sender<Batch>,
) -> Produced {
    let send = |b: Batch| {
        tx.blocking_send(b)
            .map_err(|_| AppError::internal("the database sink stopped"))
    };
    send(Batch {
        homes: co.home_rows.clone(),
        residents: co.resident_rows.clone(),
        resident_homes: co.link_rows.clone(),
        ..Default::default()
    })?;
    let mut g = generate::Generator::new(co, opts.seed ^ 0x5eed, now, config, ids);
    let slots = plan::plan(opts.orders, now, &mut g.rng);
    for s in &slots {
        g.slot(s)?;
        if g.batch.orders.len() >= BATCH_ORDERS {
            send(std::mem::take(&mut g.batch))?;
        }
    }
    let mut last = std::mem::take(&mut g.batch);
    last.counters = g.counter_rows();
    let mut cells: Vec<_> = g.rollups.iter().collect();
    cells.sort_by_key(|(k, _)| **k);
    last.rollups = cells
        .into_iter()
        .map(
            |((community, team, assignee, m, day), (num, den))| RollupRow {
                company_id: co.id.0,
                community_id: *community,
                team_id: *team,
                assignee_id: *assignee,
                metric: Text::Owned(g.metrics[*m as usize].clone()),
                day: *day,
                num: *num,
                den: *den,
            },
        )
        .collect();
    last.rollups_wide = wide_rollups(co.id.0, &last.rollups);
    send(last)?;
    let mut assigned: Vec<_> = g.assigned.iter().map(|(s, t)| (*s, *t)).collect();
    assigned.sort();
    Ok((g.stats.clone(), assigned))
}

/// The wide cells the application keeps beside the full ones: per
/// community and company-wide (community 0), as `add_to_rollups` writes them.
fn wide_rollups(company: i64, cells: &[RollupRow]) -> Vec<WideRollupRow> {
    let cells = cells.iter().map(|r| {
        (
            r.community_id,
            r.team_id,
            r.assignee_id,
            r.day,
            &*r.metric,
            r.num,
            r.den,
        )
    });
    wuye_store::kpi::wide_cells(cells)
        .into_iter()
        .map(|(k, (num, den))| WideRollupRow {
            company_id: company,
            community_id: k.community,
            team_id: k.team,
            assignee_id: k.assignee,
            day: k.day,
            metric: Text::Owned(k.metric.to_string()),
            num,
            den,
        })
        .collect()
}

/// Writes the batches; returns the rows written and how durability was
/// relaxed while loading.
async fn sink(
    backend: Backend,
    url: &str,
    mut rx: tokio::sync::mpsc::Receiver<Batch>,
    progress: Arc<Progress>,
    marker: &str,
) -> Result<(u64, String)> {
    match backend {
        Backend::Sqlite => {
            let path = bulk::sqlite_path(url)
                .ok_or_else(|| AppError::internal("bench seed needs a SQLite file"))?;
            let marker = marker.to_string();
            tokio::task::spawn_blocking(move || -> Result<(u64, String)> {
                let mut s = bulk::sqlite::SqliteSink::open(&path).map_err(store)?;
                let mut rows = 0u64;
                while let Some(b) = rx.blocking_recv() {
                    s.write(&b).map_err(store)?;
                    rows += b.rows() as u64;
                    progress.written.fetch_add(b.orders.len() as u64, Ordering::Relaxed);
                }
                s.finish(&marker).map_err(store)?;
                Ok((
                    rows,
                    "SQLite: synchronous=OFF 与内存回滚日志仅用于写入期间，完成后已恢复 WAL 并检查点落盘 / \
                     synchronous=OFF and an in-memory rollback journal while loading only; back to WAL, checkpointed and synced"
                        .into(),
                ))
            })
            .await
            .map_err(AppError::internal)?
        }
        Backend::Postgres => {
            let mut s = bulk::postgres::PgSink::open(url).await.map_err(store)?;
            let mut rows = 0u64;
            while let Some(b) = rx.recv().await {
                s.write(&b).await.map_err(store)?;
                rows += b.rows() as u64;
                progress
                    .written
                    .fetch_add(b.orders.len() as u64, Ordering::Relaxed);
            }
            let fk = s.skipped_fk_checks;
            s.finish(marker).await.map_err(store)?;
            let mut note = String::from(
                "PostgreSQL: 写入期间 synchronous_commit=off，最后一次提交同步落盘 / synchronous_commit=off while loading; the last commit is synchronous",
            );
            if fk {
                note.push_str(
                    "；写入期间跳过外键触发器（数据按构造一致）/ foreign-key triggers skipped while loading (rows consistent by construction)",
                );
            }
            Ok((rows, note))
        }
    }
}
