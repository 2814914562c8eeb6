//! The delivery workers, one per remote channel.
//!
//! A pass claims due rows in a short transaction (marking them `sending`
//! with a fencing token and a lease), sends them outside any transaction
//! with bounded concurrency, and records each outcome, fenced by the token,
//! as results come in. So:
//! - a row is handed to one worker at a time (PostgreSQL `FOR UPDATE SKIP
//!   LOCKED` between nodes; SQLite's single writer within one);
//! - a worker that dies after sending but before recording leaves the row
//!   `sending`; when its lease runs out another pass takes it again and
//!   sends again: at-least-once towards the provider, with the same
//!   idempotency key, never a second row on our side;
//! - failures wait with exponential backoff and jitter, up to the
//!   company's attempt limit, then the row is dead-lettered for an admin;
//! - rate limits and quiet hours put rows off without spending an attempt.

use super::channels::{self, Outcome};
use super::setup::{self, Outlets};
use crate::App;
use crate::error::Result;
use futures::StreamExt;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wuye_domain::ids::CompanyId;
use wuye_domain::notify::Channel;
use wuye_domain::notify::delivery::rate_limited_until;
use wuye_store::notify::{self as store, DeliveryRow};

/// Rows claimed per pass.
const BATCH: i64 = 200;
/// Sends in flight per channel worker.
const CONCURRENCY: usize = 32;
/// How long a worker sleeps at most (other nodes' changes cannot wake it).
const MAX_SLEEP_MS: i64 = 5_000;

/// What a pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub delivered: usize,
    /// Failed attempts that will be tried again.
    pub retried: usize,
    pub dead: usize,
    /// Put off by a rate limit or quiet hours, no attempt spent.
    pub deferred: usize,
    /// Outcomes that could not be recorded: the claim had been taken over.
    pub superseded: usize,
}

impl std::ops::AddAssign for DeliveryReport {
    fn add_assign(&mut self, o: Self) {
        self.delivered += o.delivered;
        self.retried += o.retried;
        self.dead += o.dead;
        self.deferred += o.deferred;
        self.superseded += o.superseded;
    }
}

type Claimed = (DeliveryRow, Arc<Outlets>);

impl App {
    /// Delivers everything due now on every remote channel.
    pub async fn deliver_notifications(&self) -> Result<DeliveryReport> {
        let mut total = DeliveryReport::default();
        for channel in Channel::REMOTE {
            total += self.deliver_channel(channel).await?;
        }
        Ok(total)
    }

    /// Delivers everything due now on one channel, pass after pass.
    pub async fn deliver_channel(&self, channel: Channel) -> Result<DeliveryReport> {
        let mut total = DeliveryReport::default();
        loop {
            let (report, claimed) = self.delivery_pass(channel).await?;
            total += report;
            if claimed < BATCH as usize {
                return Ok(total);
            }
        }
    }

    /// Claims the due rows of a channel (putting off those a limit holds back).
    async fn claim(
        &self,
        channel: Channel,
        report: &mut DeliveryReport,
    ) -> Result<(Vec<Claimed>, usize, String)> {
        let now = self.now_ms();
        let token = format!("{:032x}", rand::random::<u128>());
        let mut tx = self.db.begin().await?;
        let rows = store::claim_due(&mut tx, self.db.backend(), channel.code(), now, BATCH).await?;
        let n = rows.len();
        let mut outlets: HashMap<i64, Arc<Outlets>> = HashMap::new();
        let mut claimed = Vec::with_capacity(n);
        for row in rows {
            let o = match outlets.get(&row.company_id) {
                Some(o) => o.clone(),
                None => {
                    let o = Arc::new(setup::outlets(&mut tx, CompanyId(row.company_id)).await?);
                    outlets.insert(row.company_id, o.clone());
                    o
                }
            };
            if row.status == "sending" && row.attempts >= row.attempt_limit {
                store::mark_dead(
                    &mut tx,
                    row.id,
                    "interrupted mid-delivery with no attempts left",
                    now,
                )
                .await?;
                report.dead += 1;
                continue;
            }
            let urgent = row.urgent != 0;
            let quiet_until = o.settings.not_before(channel, urgent, now);
            if quiet_until > now {
                store::defer(&mut tx, row.id, quiet_until, "quiet hours", now).await?;
                report.deferred += 1;
                continue;
            }
            if let Some(limit) = o.settings.limit(channel).filter(|_| !urgent) {
                let since = now - limit.per_minutes as i64 * 60_000;
                let sent =
                    store::sent_since(&mut tx, &row.recipient_key, channel.code(), since).await?;
                if let Some(until) = rate_limited_until(limit, &sent, now) {
                    store::defer(&mut tx, row.id, until, "rate limited", now).await?;
                    report.deferred += 1;
                    continue;
                }
            }
            store::mark_sending(&mut tx, row.id, &token, now, now + o.settings.lease_ms()).await?;
            claimed.push((row, o));
        }
        tx.commit().await?;
        Ok((claimed, n, token))
    }

    /// One pass: claim, send, record. Returns how many rows it looked at.
    async fn delivery_pass(&self, channel: Channel) -> Result<(DeliveryReport, usize)> {
        let mut report = DeliveryReport::default();
        let (claimed, n, token) = self.claim(channel, &mut report).await?;
        let mut results = futures::stream::iter(claimed)
            .map(|(row, o)| async move {
                let outcome = channels::send(&o, &row).await;
                (row, o, outcome)
            })
            .buffer_unordered(CONCURRENCY)
            .ready_chunks(CONCURRENCY);
        while let Some(chunk) = results.next().await {
            self.record(channel, &token, chunk, &mut report).await?;
        }
        Ok((report, n))
    }

    async fn record(
        &self,
        channel: Channel,
        token: &str,
        chunk: Vec<(DeliveryRow, Arc<Outlets>, Outcome)>,
        report: &mut DeliveryReport,
    ) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        for (row, o, outcome) in chunk {
            let attempts = row.attempts + 1;
            let (result, counter) = match &outcome {
                Outcome::Delivered(r) => (Ok(r.as_deref()), &mut report.delivered),
                Outcome::Retry(e) if attempts < row.attempt_limit => {
                    let wait = o
                        .settings
                        .backoff_ms(attempts as u32, rand::random::<f64>());
                    let at = o.settings.not_before(channel, row.urgent != 0, now + wait);
                    (Err((e.as_str(), Some(at))), &mut report.retried)
                }
                Outcome::Retry(e) | Outcome::Permanent(e) => {
                    tracing::warn!(
                        delivery = row.id,
                        channel = channel.code(),
                        attempts,
                        error = %e,
                        "notification dead-lettered"
                    );
                    (Err((e.as_str(), None)), &mut report.dead)
                }
            };
            if store::finish_attempt(&mut tx, row.id, token, now, result).await? {
                *counter += 1;
            } else {
                report.superseded += 1;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Runs the workers for the life of the server: one task per channel,
    /// each sleeping until its next row falls due, woken early by order
    /// changes in this process. Dropping the future stops them all.
    pub async fn notify_loop(self) {
        let mut set = tokio::task::JoinSet::new();
        for channel in Channel::REMOTE {
            set.spawn(self.clone().channel_loop(channel));
        }
        while set.join_next().await.is_some() {}
    }

    /// When the channel's next delivery falls due (None: nothing queued),
    /// read without taking the writer; Err when the database cannot say.
    async fn next_due(&self, channel: Channel) -> std::result::Result<Option<i64>, ()> {
        let mut c = self.db.reader().await.map_err(|_| ())?;
        store::next_due(&mut c, channel.code())
            .await
            .map_err(|_| ())
    }

    async fn channel_loop(self, channel: Channel) {
        let mut wake = self.notices.subscribe();
        let mut next = Some(i64::MIN); // look once at start-up
        loop {
            // Claiming takes the single writer, which every order change
            // waits for: a wake-up claims only when a read shows this channel
            // has something due (most changes notify one or two channels).
            if next.is_some_and(|t| t <= self.now_ms()) {
                if let Err(e) = self.deliver_channel(channel).await {
                    tracing::warn!(channel = channel.code(), error = %e, "notification worker failed; retrying shortly");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                next = self.next_due(channel).await.unwrap_or(None);
            }
            let wait = next
                .map(|t| (t - self.now_ms()).clamp(50, MAX_SLEEP_MS))
                .unwrap_or(MAX_SLEEP_MS);
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
                _ = wake.recv() => {
                    // Let the burst of a change settle (several rows, one pass),
                    // and take every notice that came meanwhile with it: one
                    // read per burst, not one per order change.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    drain(&mut wake);
                    // Cannot tell (database unavailable): try to claim.
                    next = self.next_due(channel).await.unwrap_or(Some(i64::MIN));
                    continue;
                }
            }
            next = Some(i64::MIN); // slept until the due time
        }
    }
}

/// Empties the wake-up queue (notices missed by lagging count as taken).
fn drain(wake: &mut tokio::sync::broadcast::Receiver<crate::orders::OrderNotice>) {
    use tokio::sync::broadcast::error::TryRecvError;
    loop {
        match wake.try_recv() {
            Ok(_) | Err(TryRecvError::Lagged(_)) => continue,
            Err(TryRecvError::Empty | TryRecvError::Closed) => return,
        }
    }
}
