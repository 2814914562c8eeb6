//! Measuring a model: accuracy, top-2, macro-F1, per-label precision and
//! recall, emergency recall and precision, kind accuracy, throughput; on a
//! labelled file or by k-fold cross-validation.

use super::data::{Dataset, Target};
use super::model::{SplitMix, TrainOptions};
use super::{Model, TrainProgress};
use crate::error::Error;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Precision and recall of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassStats {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Examples with this label.
    pub support: usize,
    /// Examples predicted as this label.
    pub predicted: usize,
}

/// The evaluation report (`wuye classify eval --json` prints it as is).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub n: usize,
    /// The column the main metrics are about: `category` (or `label`), `urgency` or `kind`.
    pub target: String,
    pub accuracy: f64,
    pub top2_accuracy: f64,
    pub macro_f1: f64,
    /// Per label of the main column (for the default taxonomy: per category).
    pub per_category: Vec<ClassStats>,
    /// Share of the file's emergencies flagged as emergency (null without urgency).
    pub emergency_recall: Option<f64>,
    /// Share of flagged emergencies that are emergencies (null without urgency).
    pub emergency_precision: Option<f64>,
    /// Emergencies in the file.
    pub emergency_n: Option<usize>,
    /// Messages where an emergency rule fired.
    pub rules_fired: Option<usize>,
    pub urgency_accuracy: Option<f64>,
    pub kind_accuracy: Option<f64>,
    pub texts_per_second: f64,
    /// Folds, for cross-validation (null for a plain evaluation).
    pub folds: Option<usize>,
}

/// What a model said about one example, as far as evaluation cares.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// The main head's two best labels.
    pub top2: Vec<String>,
    pub urgency: Option<String>,
    pub kind: Option<String>,
    pub rule_fired: bool,
}

/// Progress of a cross-validation: which fold, and its training epochs.
#[derive(Debug, Clone, Copy)]
pub struct CvProgress {
    pub fold: usize,
    pub folds: usize,
    pub training: TrainProgress,
}

fn predict_all(model: &Model, data: &Dataset) -> (Vec<Outcome>, Duration) {
    // The segmenter's dictionary loads on first use: not part of throughput.
    let _ = model.outcome("预热 warm-up");
    let start = Instant::now();
    let out = data
        .examples
        .iter()
        .map(|e| model.outcome(&e.text))
        .collect();
    (out, start.elapsed())
}

/// Evaluates a model on a labelled file.
pub fn evaluate(model: &Model, data: &Dataset) -> Result<Report, Error> {
    let target = model.target();
    let gold = data
        .labels(target)
        .ok_or_else(|| Dataset::missing(target))?;
    let known: BTreeSet<&str> = model.main_labels().iter().map(String::as_str).collect();
    let unknown: Vec<String> = data
        .examples
        .iter()
        .zip(&gold)
        .filter(|(_, g)| !known.contains(**g))
        .take(10)
        .map(|(e, g)| format!("{} “{g}”", e.line))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::invalid(
            "label_unknown_to_model",
            format!(
                "以下行的标签模型不认识（模型的标签：{}）：第 {} 行",
                known.iter().copied().collect::<Vec<_>>().join(", "),
                unknown.join("，")
            ),
            format!(
                "The model does not know the label on line {} (its labels: {})",
                unknown.join(", "),
                known.iter().copied().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let (outcomes, took) = predict_all(model, data);
    Ok(report(data, target, &outcomes, took, None))
}

/// Stratified k-fold cross-validation: trains on k−1 folds, predicts the
/// held-out one, and scores all held-out predictions together.
pub fn cross_validate(
    data: &Dataset,
    target: Target,
    folds: usize,
    opts: &TrainOptions,
    rules: &super::UrgencyRules,
    mut progress: impl FnMut(CvProgress),
) -> Result<Report, Error> {
    let gold = data
        .labels(target)
        .ok_or_else(|| Dataset::missing(target))?;
    if folds < 2 || folds > data.len() {
        return Err(Error::invalid(
            "cv_folds_invalid",
            format!("折数须在 2 到样本数（{}）之间", data.len()),
            format!(
                "The number of folds must be between 2 and the number of examples ({})",
                data.len()
            ),
        ));
    }
    let assignment = fold_assignment(&gold, folds, opts.seed);
    let mut outcomes: Vec<Option<Outcome>> = vec![None; data.len()];
    let mut took = Duration::ZERO;
    for fold in 0..folds {
        let train_idx: Vec<usize> = (0..data.len()).filter(|&i| assignment[i] != fold).collect();
        let test_idx: Vec<usize> = (0..data.len()).filter(|&i| assignment[i] == fold).collect();
        let train = data.subset(&train_idx);
        let model = Model::train(&train, target, opts, |p| {
            progress(CvProgress {
                fold: fold + 1,
                folds,
                training: p,
            })
        })?
        .with_rules(rules.clone());
        let test = data.subset(&test_idx);
        let (out, t) = predict_all(&model, &test);
        took += t;
        for (i, o) in test_idx.into_iter().zip(out) {
            outcomes[i] = Some(o);
        }
    }
    let outcomes: Vec<Outcome> = outcomes
        .into_iter()
        .map(|o| o.expect("every example is in one fold"))
        .collect();
    Ok(report(data, target, &outcomes, took, Some(folds)))
}

/// Each example's fold: within each label, a seeded shuffle dealt round-robin.
fn fold_assignment(gold: &[&str], folds: usize, seed: u64) -> Vec<usize> {
    let mut by_label: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in gold.iter().enumerate() {
        by_label.entry(g).or_default().push(i);
    }
    let mut rng = SplitMix(seed ^ 0x5eed_f01d);
    let mut out = vec![0; gold.len()];
    let mut next = 0;
    for idx in by_label.values_mut() {
        rng.shuffle(idx);
        for &i in idx.iter() {
            out[i] = next % folds;
            next += 1;
        }
    }
    out
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

pub(crate) fn report(
    data: &Dataset,
    target: Target,
    outcomes: &[Outcome],
    took: Duration,
    folds: Option<usize>,
) -> Report {
    let gold = data.labels(target).expect("checked by the caller");
    let n = outcomes.len();
    let mut right = 0;
    let mut right2 = 0;
    let mut labels: BTreeSet<&str> = BTreeSet::new();
    let mut tp: BTreeMap<&str, usize> = BTreeMap::new();
    let mut support: BTreeMap<&str, usize> = BTreeMap::new();
    let mut predicted: BTreeMap<&str, usize> = BTreeMap::new();
    for (g, o) in gold.iter().zip(outcomes) {
        let p = o.top2.first().map_or("", String::as_str);
        labels.insert(g);
        labels.insert(p);
        *support.entry(g).or_default() += 1;
        *predicted.entry(p).or_default() += 1;
        if p == *g {
            right += 1;
            *tp.entry(g).or_default() += 1;
        }
        if o.top2.iter().any(|l| l == g) {
            right2 += 1;
        }
    }
    let mut per = Vec::new();
    for l in labels {
        let t = tp.get(l).copied().unwrap_or(0);
        let s = support.get(l).copied().unwrap_or(0);
        let p = predicted.get(l).copied().unwrap_or(0);
        let precision = ratio(t, p).unwrap_or(0.0);
        let recall = ratio(t, s).unwrap_or(0.0);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        per.push(ClassStats {
            label: l.to_string(),
            precision,
            recall,
            f1,
            support: s,
            predicted: p,
        });
    }
    let macro_f1 = if per.is_empty() {
        0.0
    } else {
        per.iter().map(|c| c.f1).sum::<f64>() / per.len() as f64
    };

    // Urgency: from the classifier's urgency head, or from a model that
    // predicts urgency as its main column.
    let urgency_pred: Option<Vec<&str>> = match target {
        Target::Urgency => Some(outcomes.iter().map(|o| o.top2[0].as_str()).collect()),
        _ => outcomes
            .iter()
            .map(|o| o.urgency.as_deref())
            .collect::<Option<Vec<_>>>(),
    };
    let (mut emergency_recall, mut emergency_precision, mut emergency_n, mut urgency_accuracy) =
        (None, None, None, None);
    if let (Some(pred), Some(gold_u)) = (&urgency_pred, data.labels(Target::Urgency)) {
        let is_e = |s: &str| s == "emergency";
        let gold_e = gold_u.iter().filter(|g| is_e(g)).count();
        let pred_e = pred.iter().filter(|p| is_e(p)).count();
        let both = gold_u
            .iter()
            .zip(pred)
            .filter(|(g, p)| is_e(g) && is_e(p))
            .count();
        emergency_recall = ratio(both, gold_e);
        emergency_precision = ratio(both, pred_e);
        emergency_n = Some(gold_e);
        urgency_accuracy = ratio(gold_u.iter().zip(pred).filter(|(g, p)| g == p).count(), n);
    }
    let kind_pred: Option<Vec<&str>> = match target {
        Target::Kind => Some(outcomes.iter().map(|o| o.top2[0].as_str()).collect()),
        _ => outcomes
            .iter()
            .map(|o| o.kind.as_deref())
            .collect::<Option<Vec<_>>>(),
    };
    let kind_accuracy = match (&kind_pred, data.labels(Target::Kind)) {
        (Some(pred), Some(gold_k)) => {
            ratio(gold_k.iter().zip(pred).filter(|(g, p)| g == p).count(), n)
        }
        _ => None,
    };
    let rules_fired = urgency_pred
        .is_some()
        .then(|| outcomes.iter().filter(|o| o.rule_fired).count());
    let secs = took.as_secs_f64();
    Report {
        n,
        target: if target == Target::Category {
            data.label_column.clone()
        } else {
            target.code().to_string()
        },
        accuracy: ratio(right, n).unwrap_or(0.0),
        top2_accuracy: ratio(right2, n).unwrap_or(0.0),
        macro_f1,
        per_category: per,
        emergency_recall,
        emergency_precision,
        emergency_n,
        rules_fired,
        urgency_accuracy,
        kind_accuracy,
        texts_per_second: if secs > 0.0 { n as f64 / secs } else { 0.0 },
        folds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_and_fixed() {
        let gold: Vec<&str> = (0..30)
            .map(|i| if i % 3 == 0 { "a" } else { "b" })
            .collect();
        let f = fold_assignment(&gold, 5, 7);
        assert_eq!(f, fold_assignment(&gold, 5, 7));
        for k in 0..5 {
            let a = (0..30).filter(|&i| f[i] == k && gold[i] == "a").count();
            assert_eq!(a, 2);
        }
    }
}
