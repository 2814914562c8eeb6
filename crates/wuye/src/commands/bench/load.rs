//! Running one phase: C tasks, each doing one operation after another until
//! the duration is over or the request budget is spent, with a progress line
//! on stderr once per second.

use super::report::Stats;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What one task does once: Ok, or the kind of failure (`http_500`,
/// `timeout`, `connect` …).
pub trait Driver: Send + Sync + 'static {
    fn one(&self, task: usize, rng: &mut StdRng)
    -> impl Future<Output = Result<(), String>> + Send;
}

/// Limits of a phase: it ends at whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub duration: Duration,
    pub max_requests: u64,
}

/// The result of a phase: what was recorded and how long it took (from the
/// start to the last answer).
pub struct Outcome {
    pub stats: Stats,
    pub elapsed: Duration,
}

/// After a transport failure (server gone, connection refused) a task waits
/// this long before the next attempt, so a dead server is not spun on.
const BACKOFF_AFTER_TRANSPORT_ERROR: Duration = Duration::from_millis(20);

/// Runs `tasks` copies of the driver. `label` names the progress line (none:
/// silent, as for warm-ups).
pub async fn run<D: Driver>(
    driver: Arc<D>,
    tasks: usize,
    bounds: Bounds,
    label: Option<String>,
) -> Outcome {
    let issued = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + bounds.duration;
    let mut handles = Vec::with_capacity(tasks);
    for task in 0..tasks {
        let driver = driver.clone();
        let (issued, done, failed) = (issued.clone(), done.clone(), failed.clone());
        handles.push(tokio::spawn(async move {
            let mut rng = StdRng::from_rng(&mut rand::rng());
            let mut stats = Stats::new();
            while Instant::now() < deadline
                && issued.fetch_add(1, Ordering::Relaxed) < bounds.max_requests
            {
                let t0 = Instant::now();
                let r = driver.one(task, &mut rng).await;
                let took = t0.elapsed();
                done.fetch_add(1, Ordering::Relaxed);
                match r {
                    Ok(()) => stats.record_ok(took),
                    Err(kind) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        let transport = !kind.starts_with("http_") && kind != "decode";
                        stats.record_error(&kind);
                        if transport {
                            tokio::time::sleep(BACKOFF_AFTER_TRANSPORT_ERROR).await;
                        }
                    }
                }
            }
            stats
        }));
    }
    let progress = label.map(|label| {
        let (done, failed) = (done.clone(), failed.clone());
        let total = bounds.duration.as_secs_f64();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.tick().await;
            let mut last = 0u64;
            loop {
                tick.tick().await;
                let n = done.load(Ordering::Relaxed);
                eprintln!(
                    "  {label}  {:>4.0}/{total:.0} s  {n} 请求 req  {} 次/秒 req/s  错误 errors {}",
                    start.elapsed().as_secs_f64(),
                    n - last,
                    failed.load(Ordering::Relaxed)
                );
                last = n;
            }
        })
    });
    let mut stats = Stats::new();
    for h in handles {
        match h.await {
            Ok(s) => stats.merge(&s),
            Err(e) => stats.record_error(&format!("task_panic: {e}")),
        }
    }
    let elapsed = start.elapsed();
    if let Some(p) = progress {
        p.abort();
    }
    Outcome { stats, elapsed }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sleepy {
        fail_every: u64,
        n: AtomicU64,
    }

    impl Driver for Sleepy {
        async fn one(&self, _task: usize, _rng: &mut StdRng) -> Result<(), String> {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let n = self.n.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(self.fail_every) {
                Err("http_500".into())
            } else {
                Ok(())
            }
        }
    }

    #[tokio::test]
    async fn the_request_budget_stops_a_phase_before_its_time() {
        let d = Arc::new(Sleepy {
            fail_every: 10,
            n: AtomicU64::new(0),
        });
        let out = run(
            d,
            4,
            Bounds {
                duration: Duration::from_secs(30),
                max_requests: 100,
            },
            None,
        )
        .await;
        assert!(out.elapsed < Duration::from_secs(10));
        assert_eq!(out.stats.ok + out.stats.error_count(), 100);
        assert_eq!(out.stats.errors["http_500"], 10);
    }

    #[tokio::test]
    async fn the_duration_stops_a_phase_with_budget_left() {
        let d = Arc::new(Sleepy {
            fail_every: u64::MAX,
            n: AtomicU64::new(0),
        });
        let out = run(
            d,
            2,
            Bounds {
                duration: Duration::from_millis(300),
                max_requests: u64::MAX,
            },
            None,
        )
        .await;
        assert!(out.elapsed >= Duration::from_millis(300));
        assert!(out.elapsed < Duration::from_secs(5));
        assert!(out.stats.ok > 10);
    }
}
