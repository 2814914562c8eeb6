//! What a load phase measured, and how it is shown: latency histograms
//! (HdrHistogram, microseconds), errors by kind, throughput, the ratios to the
//! ceilings, an aligned bilingual table and one JSON object.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The slowest latency a histogram holds exactly (longer ones are clamped).
const MAX_LATENCY_US: u64 = 120_000_000;

/// One phase's raw record: latencies of the successful requests, failures by
/// kind (`http_500`, `timeout`, `connect`, …).
#[derive(Debug, Clone)]
pub struct Stats {
    hist: Histogram<u64>,
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
}

impl Default for Stats {
    fn default() -> Self {
        Self::new()
    }
}

impl Stats {
    pub fn new() -> Stats {
        Stats {
            hist: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("valid bounds"),
            ok: 0,
            errors: BTreeMap::new(),
        }
    }

    pub fn record_ok(&mut self, latency: Duration) {
        let us = (latency.as_micros() as u64).clamp(1, MAX_LATENCY_US);
        self.hist.record(us).expect("clamped into range");
        self.ok += 1;
    }

    pub fn record_error(&mut self, kind: &str) {
        match self.errors.get_mut(kind) {
            Some(n) => *n += 1,
            None => {
                self.errors.insert(kind.to_string(), 1);
            }
        }
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    pub fn merge(&mut self, other: &Stats) {
        self.hist.add(&other.hist).expect("same bounds");
        self.ok += other.ok;
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
    }

    /// The summary of a phase that ran for `elapsed`.
    pub fn summary(&self, code: &str, name: &str, elapsed: Duration) -> Summary {
        let ms = |us: u64| us as f64 / 1000.0;
        let q = |p: f64| {
            if self.ok == 0 {
                0.0
            } else {
                ms(self.hist.value_at_quantile(p))
            }
        };
        let secs = elapsed.as_secs_f64();
        let errors = self.error_count();
        Summary {
            workload: code.to_string(),
            name: name.to_string(),
            requests: self.ok + errors,
            ok: self.ok,
            errors,
            errors_by_kind: self.errors.clone(),
            elapsed_s: round(secs, 3),
            throughput: round(throughput(self.ok, elapsed), 1),
            latency_ms: Latency {
                p50: q(0.50),
                p95: q(0.95),
                p99: q(0.99),
                max: if self.ok == 0 {
                    0.0
                } else {
                    ms(self.hist.max())
                },
                mean: if self.ok == 0 {
                    0.0
                } else {
                    round(self.hist.mean() / 1000.0, 3)
                },
            },
            ratio_http: None,
            ratio_storage: None,
            acked: None,
            notes: vec![],
        }
    }
}

/// Successful requests per second.
pub fn throughput(ok: u64, elapsed: Duration) -> f64 {
    let s = elapsed.as_secs_f64();
    if s <= 0.0 { 0.0 } else { ok as f64 / s }
}

/// `value` as a share of `ceiling` (0.34 = 34%); none without a ceiling.
pub fn ratio(value: f64, ceiling: Option<f64>) -> Option<f64> {
    match ceiling {
        Some(c) if c > 0.0 => Some(round(value / c, 4)),
        _ => None,
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// One phase (a workload or a ceiling) as reported.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// W1 … W5, or http_ceiling / storage_ceiling.
    pub workload: String,
    pub name: String,
    /// Completed requests (successful + failed).
    pub requests: u64,
    pub ok: u64,
    pub errors: u64,
    pub errors_by_kind: BTreeMap<String, u64>,
    pub elapsed_s: f64,
    /// Successful requests (or stored orders) per second.
    pub throughput: f64,
    pub latency_ms: Latency,
    /// Throughput as a share of the HTTP ceiling's.
    pub ratio_http: Option<f64>,
    /// Throughput as a share of the storage ceiling's (write workloads).
    pub ratio_storage: Option<f64>,
    /// Order ids written to the ack log by this workload (warm-up included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acked: Option<u64>,
    pub notes: Vec<String>,
}

/// The whole run, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct Report {
    pub url: String,
    pub connections: usize,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub max_requests: u64,
    pub http_ceiling: Option<Summary>,
    pub storage_ceiling: Option<Summary>,
    pub notes: Vec<String>,
    pub workloads: Vec<Summary>,
    /// CPU seconds this client process used (user + system).
    pub client_cpu_s: Option<f64>,
}

/// Terminal columns a string takes: CJK and full-width characters take two.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = c as u32;
            let wide = (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u);
            if wide { 2 } else { 1 }
        })
        .sum()
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

fn pct(r: Option<f64>) -> String {
    match r {
        Some(r) => format!("{:.1}%", r * 100.0),
        None => "—".into(),
    }
}

fn errors_text(s: &Summary) -> String {
    if s.errors == 0 {
        return "0".into();
    }
    let kinds: Vec<String> = s
        .errors_by_kind
        .iter()
        .map(|(k, v)| format!("{k}×{v}"))
        .collect();
    format!("{} ({})", s.errors, kinds.join(", "))
}

/// The aligned bilingual table of a run.
pub fn table(report: &Report) -> String {
    let header = [
        "负载 workload",
        "请求 requests",
        "吞吐 req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "占HTTP上限 of HTTP",
        "占存储上限 of storage",
        "错误 errors",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    let ceilings = [&report.http_ceiling, &report.storage_ceiling];
    for s in ceilings
        .into_iter()
        .flatten()
        .chain(report.workloads.iter())
    {
        let label = match s.workload.as_str() {
            "http_ceiling" => "HTTP 上限 ceiling".to_string(),
            "storage_ceiling" => "存储上限 storage ceiling".to_string(),
            w => format!("{w} {}", s.name),
        };
        rows.push(vec![
            label,
            s.requests.to_string(),
            format!("{:.0}", s.throughput),
            format!("{:.2}", s.latency_ms.p50),
            format!("{:.2}", s.latency_ms.p95),
            format!("{:.2}", s.latency_ms.p99),
            format!("{:.2}", s.latency_ms.max),
            pct(s.ratio_http),
            pct(s.ratio_storage),
            errors_text(s),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| display_width(&r[i])).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "{} 个连接，每项 {} 秒（预热 {} 秒）/ {} connections, {} s per phase ({} s warm-up), {}\n",
        report.connections,
        report.duration_s,
        report.warmup_s,
        report.connections,
        report.duration_s,
        report.warmup_s,
        report.url
    );
    for (n, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| pad(c, widths[i], i > 0 && i < header.len() - 1))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    let notes = report
        .notes
        .iter()
        .chain(report.workloads.iter().flat_map(|w| w.notes.iter()));
    for n in notes {
        out.push_str("注 note: ");
        out.push_str(n);
        out.push('\n');
    }
    if let Some(cpu) = report.client_cpu_s {
        out.push_str(&format!(
            "压测端 CPU / client CPU: {cpu:.1} s (user + system)\n"
        ));
    }
    out
}

/// CPU seconds (user + system) this process has used so far.
pub fn process_cpu_seconds() -> Option<f64> {
    // /proc/self/stat fields 14 and 15 (utime, stime) in clock ticks; the
    // comm field may hold spaces, so count from the closing parenthesis.
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some((utime + stime) / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats_of(latencies_ms: &[u64]) -> Stats {
        let mut s = Stats::new();
        for ms in latencies_ms {
            s.record_ok(Duration::from_millis(*ms));
        }
        s
    }

    #[test]
    fn percentiles_come_from_the_recorded_latencies() {
        // 1..=100 ms: p50 = 50, p95 = 95, p99 = 99, max = 100 (3 significant digits).
        let s = stats_of(&(1..=100).collect::<Vec<_>>());
        let sum = s.summary("W2", "queue", Duration::from_secs(2));
        let close = |a: f64, b: f64| (a - b).abs() <= b * 0.002;
        assert!(close(sum.latency_ms.p50, 50.0), "{:?}", sum.latency_ms);
        assert!(close(sum.latency_ms.p95, 95.0), "{:?}", sum.latency_ms);
        assert!(close(sum.latency_ms.p99, 99.0), "{:?}", sum.latency_ms);
        assert!(close(sum.latency_ms.max, 100.0), "{:?}", sum.latency_ms);
        assert!(close(sum.latency_ms.mean, 50.5), "{:?}", sum.latency_ms);
        assert_eq!(sum.requests, 100);
        assert_eq!(sum.throughput, 50.0);
    }

    #[test]
    fn one_slow_request_in_a_hundred_is_the_p99_not_the_p95() {
        let mut l = vec![2u64; 98];
        l.extend([500, 900]);
        let sum = stats_of(&l).summary("W3", "detail", Duration::from_secs(1));
        assert!(sum.latency_ms.p95 < 2.1);
        assert!(sum.latency_ms.p99 > 499.0 && sum.latency_ms.p99 < 501.0);
        assert!(sum.latency_ms.max > 899.0);
    }

    #[test]
    fn merging_adds_counts_and_keeps_the_tail() {
        let mut a = stats_of(&[1, 1, 1]);
        a.record_error("http_500");
        let mut b = stats_of(&[300]);
        b.record_error("http_500");
        b.record_error("timeout");
        a.merge(&b);
        let sum = a.summary("W1", "create", Duration::from_millis(500));
        assert_eq!(sum.ok, 4);
        assert_eq!(sum.errors, 3);
        assert_eq!(sum.requests, 7);
        assert_eq!(sum.errors_by_kind["http_500"], 2);
        assert_eq!(sum.errors_by_kind["timeout"], 1);
        assert!(sum.latency_ms.max > 299.0);
        assert_eq!(sum.throughput, 8.0);
    }

    #[test]
    fn no_requests_gives_zeros_not_nonsense() {
        let sum = Stats::new().summary("W4", "search", Duration::ZERO);
        assert_eq!(sum.latency_ms.p99, 0.0);
        assert_eq!(sum.throughput, 0.0);
    }

    #[test]
    fn ratios_need_a_ceiling() {
        assert_eq!(ratio(340.0, Some(1000.0)), Some(0.34));
        assert_eq!(ratio(340.0, None), None);
        assert_eq!(ratio(340.0, Some(0.0)), None);
        assert_eq!(pct(Some(0.3456)), "34.6%");
        assert_eq!(pct(None), "—");
    }

    #[test]
    fn chinese_takes_two_columns() {
        assert_eq!(display_width("W1 create"), 9);
        assert_eq!(display_width("负载 workload"), 13);
        assert_eq!(pad("吞吐", 6, true), "  吞吐");
    }

    #[test]
    fn the_table_lines_up() {
        let mut w = stats_of(&[1, 2, 3]).summary("W1", "create", Duration::from_secs(1));
        w.ratio_storage = Some(0.5);
        let report = Report {
            url: "http://127.0.0.1:8080".into(),
            connections: 4,
            duration_s: 1.0,
            warmup_s: 0.0,
            max_requests: 10,
            http_ceiling: Some(stats_of(&[1]).summary(
                "http_ceiling",
                "healthz",
                Duration::from_secs(1),
            )),
            storage_ceiling: None,
            notes: vec!["存储上限跳过 / storage ceiling skipped".into()],
            workloads: vec![w],
            client_cpu_s: Some(1.0),
        };
        let t = table(&report);
        let lines: Vec<&str> = t.lines().collect();
        // Title, header, rule, the HTTP ceiling, W1: the right-aligned
        // "请求 requests" column ends at the same terminal column.
        let end_of = |l: &str, needle: &str| {
            let i = l.find(needle).unwrap();
            display_width(&l[..i]) + display_width(needle)
        };
        assert!(lines[4].starts_with("W1 create"), "{t}");
        assert_eq!(end_of(lines[1], "请求 requests"), end_of(lines[4], " 3"));
        assert_eq!(display_width(lines[2]), display_width(lines[1]));
        assert!(t.contains("50.0%"));
        assert!(t.contains("存储上限跳过"));
    }
}
