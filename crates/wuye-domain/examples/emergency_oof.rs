//! How the emergency operating point was chosen: out-of-fold emergency
//! recall and precision on `data/dispatch/train.csv` at several thresholds,
//! for the rows of `test.csv`'s four authors (the first 3,034 rows, see
//! `data/dispatch/README.md`) and for all rows. `test.csv` is not read.
//!
//! ```sh
//! cargo run --release -p wuye-domain --example emergency_oof
//! URGENCY_SOFTMAX=1 cargo run --release -p wuye-domain --example emergency_oof
//! URGENCY_TEMPERATURE=3 cargo run --release -p wuye-domain --example emergency_oof
//! ```
//!
//! With no variable, the default options (an SVM urgency head, temperature
//! 2); `URGENCY_SOFTMAX=1` trains the softmax urgency head used before
//! 2026-11-28; `URGENCY_TEMPERATURE` changes the SVM head's temperature.
//! `RULES=FILE` puts that rules file above every fold's model instead of the
//! bundled one; `MISSES=1` also prints the held-out emergencies missed at
//! 0.25 and the messages where a rule fired on a lesser urgency (how the
//! rules of 2026-11-28's evening were found).

use wuye_domain::dispatch::{Classifier, Dataset, TrainOptions, UrgencyRules};

const FOLDS: usize = 5;
/// `train.csv` starts with the split's rows of the four authors of `test.csv`.
const FOUR_AUTHORS_ROWS: usize = 3_034;
const THRESHOLDS: [f32; 12] = [
    0.05, 0.08, 0.10, 0.12, 0.15, 0.20, 0.22, 0.24, 0.25, 0.26, 0.28, 0.30,
];

/// One held-out row: whether it is an emergency, the head's emergency
/// probability, whether a rule fired.
struct Held {
    row: usize,
    gold: bool,
    p: f32,
    rule: bool,
}

fn options() -> TrainOptions {
    let mut o = TrainOptions::default();
    if std::env::var_os("URGENCY_SOFTMAX").is_some() {
        o.urgency_svm = None;
    } else if let (Ok(t), Some(s)) = (std::env::var("URGENCY_TEMPERATURE"), &mut o.urgency_svm) {
        s.temperature = t.parse().expect("URGENCY_TEMPERATURE is a number");
    }
    o
}

fn main() {
    let text = std::fs::read_to_string("data/dispatch/train.csv")
        .expect("run from the repository's root: data/dispatch/train.csv");
    let data = Dataset::from_csv(&text).expect("train.csv parses");
    let n = data.len();
    // A seeded shuffle dealt round-robin (an LCG: the folds must not depend
    // on a crate's version).
    let mut order: Vec<usize> = (0..n).collect();
    let mut s: u64 = 0x1234_5678;
    for i in (1..n).rev() {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        order.swap(i, (s >> 33) as usize % (i + 1));
    }
    let mut fold = vec![0; n];
    for (k, &i) in order.iter().enumerate() {
        fold[i] = k % FOLDS;
    }
    let opts = options();
    let mut held = Vec::with_capacity(n);
    for f in 0..FOLDS {
        let train: Vec<usize> = (0..n).filter(|&i| fold[i] != f).collect();
        let mut model = Classifier::train(&data.subset(&train), &opts, |_| {}).expect("training");
        if let Ok(path) = std::env::var("RULES") {
            let text = std::fs::read_to_string(&path).expect("RULES is a readable file");
            model = model.with_rules(UrgencyRules::parse(&text).expect("RULES parses"));
        }
        for i in (0..n).filter(|&i| fold[i] == f) {
            let e = &data.examples[i];
            let Ok(p) = model.classify(&e.text) else {
                continue;
            };
            held.push(Held {
                row: i,
                gold: e.urgency.as_deref() == Some("emergency"),
                p: p.urgency_top3
                    .iter()
                    .find(|s| s.label == "emergency")
                    .map_or(0.0, |s| s.confidence),
                rule: p.urgency_rule.is_some(),
            });
        }
        eprintln!("fold {}/{FOLDS}", f + 1);
    }
    if std::env::var_os("MISSES").is_some() {
        for h in held.iter().filter(|h| h.gold && !h.rule && h.p < 0.25) {
            println!("miss {:.3} {}", h.p, data.examples[h.row].text);
        }
        for h in held.iter().filter(|h| !h.gold && h.rule) {
            println!(
                "false-rule {} {}",
                data.examples[h.row].urgency.as_deref().unwrap_or("-"),
                data.examples[h.row].text
            );
        }
    }
    println!("threshold  four authors: recall @ precision   all rows: recall @ precision");
    for t in THRESHOLDS {
        let four = rates(held.iter().filter(|h| h.row < FOUR_AUTHORS_ROWS), t);
        let all = rates(held.iter(), t);
        println!(
            "{t:>9.2}  {:>13.4} @ {:.4}              {:>6.4} @ {:.4}",
            four.0, four.1, all.0, all.1
        );
    }
}

/// (recall, precision) of "a rule fired or p ≥ t".
fn rates<'a>(rows: impl Iterator<Item = &'a Held>, t: f32) -> (f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for h in rows {
        match (h.gold, h.rule || h.p >= t) {
            (true, true) => tp += 1,
            (true, false) => fn_ += 1,
            (false, true) => fp += 1,
            (false, false) => {}
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    (ratio(tp, tp + fn_), ratio(tp, tp + fp))
}
