//! What the segmenter and the bundled dispatch model cost when they load:
//! time, and the process's resident memory before and after each (from
//! `/proc/self/status`, so Linux only). BENCHMARKS.md ("Peak RSS") quotes it.
//!
//! `cargo run --release -p wuye-domain --example memory_at_rest`

use std::time::Instant;
use wuye_domain::dispatch::Classifier;
use wuye_domain::search::JIEBA;

/// Resident memory in kB: anonymous (the heap) and file-backed.
fn resident() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("RssAnon:"), field("RssFile:"))
}

fn step(name: &str, f: impl FnOnce()) {
    let (anon0, file0) = resident();
    let t = Instant::now();
    f();
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let (anon1, file1) = resident();
    println!(
        "{name}: {ms:.1} ms, heap +{:.1} MB, file-backed +{:.1} MB",
        (anon1 as f64 - anon0 as f64) / 1024.0,
        (file1 as f64 - file0 as f64) / 1024.0
    );
}

fn main() {
    let (anon, file) = resident();
    println!(
        "start: heap {:.1} MB, file-backed {:.1} MB",
        anon as f64 / 1024.0,
        file as f64 / 1024.0
    );
    step("jieba dictionary", || {
        std::hint::black_box(JIEBA.cut("测试一下", true));
    });
    step("dispatch model (bundled)", || {
        std::hint::black_box(Classifier::bundled());
    });
}
