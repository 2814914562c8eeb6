//! Smart dispatch: a resident's free text → category, urgency and kind, each
//! with a confidence and the next best, plus the words that decided.
//!
//! Pure Rust, in-process, offline: hashed jieba words and character n-grams
//! ([`features`]), one linear model per question ([`LabelModel`], any
//! label set: one-vs-rest SVMs, confidences from a softmax of their
//! margins; the emergency threshold reads the urgency head's), and
//! emergency rules above the urgency model ([`UrgencyRules`], editable
//! data). The model that ships is trained on `data/dispatch/train.csv`
//! and bundled into the binary:
//!
//! ```
//! use wuye_domain::dispatch::Classifier;
//! let p = Classifier::bundled().classify("3栋电梯困人了").unwrap();
//! assert_eq!(p.category.label, "elevator");
//! assert_eq!(p.urgency.label, "emergency");
//! ```
//!
//! The taxonomy and evaluation contract are in `shared/docs/DISPATCH.md`;
//! the corpus in `data/dispatch/README.md`; the figures in `BENCHMARKS.md`.

pub mod assign;
mod codec;
pub mod data;
pub mod eval;
pub mod features;
mod fused;
pub mod model;
mod reasons;
pub mod rules;
pub mod svm;
#[cfg(test)]
mod tests;

pub use data::{Dataset, Example, KINDS, Target, URGENCIES};
pub use eval::{ClassStats, CvProgress, Report, cross_validate, evaluate};
pub use features::FeatureConfig;
pub use model::{EpochProgress, LabelModel, TrainOptions};
pub use rules::{RuleOutcome, UrgencyRules};
pub use svm::{SvmLoss, SvmOptions};

use crate::error::Error;
use codec::Contents;
use features::SparseVec;
use model::{argmax, top_n};
use serde::Serialize;
use std::sync::{Arc, LazyLock};

/// The longest message classified, in characters.
pub const MAX_CHARS: usize = 2000;

/// The model bundled into the binary (`data/dispatch/model.bin`). A static,
/// not a const, so that there is one copy of it, the one whose pages
/// `bundled::release` hands back once parsed.
pub static BUNDLED_MODEL: &[u8] = include_bytes!("../../../../data/dispatch/model.bin");

/// A label and the model's probability for it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Scored {
    /// The label's code (`plumbing`, `emergency`, `repair`, or a custom label).
    pub label: String,
    /// The softmax probability, 0..1 (1.0 for an urgency decided by a rule;
    /// for an SVM head, the softmax of its margins × its temperature).
    pub confidence: f32,
}

/// What the classifier says about one message.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Prediction {
    pub category: Scored,
    /// The three most likely categories, most likely first.
    pub category_top3: Vec<Scored>,
    pub urgency: Scored,
    /// The model's three urgencies by probability (before any rule).
    pub urgency_top3: Vec<Scored>,
    /// The name of the emergency rule that fired, if one did
    /// (see `data/dispatch/urgency_rules.toml`).
    pub urgency_rule: Option<String>,
    pub kind: Scored,
    pub kind_top3: Vec<Scored>,
    /// The words and character sequences that pushed the chosen category most,
    /// strongest first (`#` stands for any number).
    pub reasons: Vec<String>,
}

/// Which head a training epoch belongs to.
#[derive(Debug, Clone, Copy)]
pub struct TrainProgress {
    /// `category` (or the trained column), `urgency`, `kind`.
    pub head: &'static str,
    pub epoch: EpochProgress,
}

/// The three-head dispatch classifier with its emergency rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Classifier {
    category: LabelModel,
    urgency: LabelModel,
    kind: LabelModel,
    /// Emergency when its probability reaches this, even if not the most likely.
    emergency_threshold: f32,
    rules: UrgencyRules,
    /// The heads side by side for fast scoring, when they share features.
    fused: Option<fused::Fused>,
}

/// Behind an `Arc` so that every holder shares the one copy (about 20 MB).
static BUNDLED: LazyLock<Arc<Classifier>> = LazyLock::new(|| {
    let model = Model::from_bytes(BUNDLED_MODEL).expect("the bundled dispatch model is valid");
    crate::bundled::release(BUNDLED_MODEL);
    match model {
        Model::Classifier(c) => Arc::new(*c),
        Model::Head(_) => panic!("the bundled dispatch model has three heads"),
    }
});

/// Checks a message before classification.
pub fn validate(text: &str) -> Result<(), Error> {
    if text.trim().is_empty() {
        return Err(Error::invalid(
            "text_empty",
            "请填写问题描述",
            "Please describe the problem",
        )
        .with_field("text"));
    }
    if text.chars().nth(MAX_CHARS).is_some() {
        return Err(Error::invalid(
            "text_too_long",
            format!("问题描述不能超过 {MAX_CHARS} 个字"),
            format!("The description may not exceed {MAX_CHARS} characters"),
        )
        .with_field("text"));
    }
    if !features::has_words(text) {
        return Err(Error::invalid(
            "text_unclassifiable",
            "问题描述中没有文字，无法判断类别，请用文字描述",
            "The description has no words to classify; please describe the problem in words",
        )
        .with_field("text"));
    }
    Ok(())
}

/// The options of the head for one column: its own SVM options (none:
/// softmax regression).
fn head_options(opts: &TrainOptions, target: Target) -> TrainOptions {
    TrainOptions {
        svm: match target {
            Target::Category => opts.svm,
            Target::Kind => opts.kind_svm,
            Target::Urgency => opts.urgency_svm,
        },
        ..opts.clone()
    }
}

fn scored(model: &LabelModel, p: &[f32], n: usize) -> Vec<Scored> {
    top_n(p, n)
        .into_iter()
        .map(|i| Scored {
            label: model.labels[i].clone(),
            confidence: p[i],
        })
        .collect()
}

impl Classifier {
    fn new(
        category: LabelModel,
        urgency: LabelModel,
        kind: LabelModel,
        emergency_threshold: f32,
    ) -> Classifier {
        let shared = |m: &LabelModel| {
            m.features == category.features
                && match (&m.idf, &category.idf) {
                    (None, None) => true,
                    (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
                    _ => false,
                }
        };
        let fused = (shared(&urgency) && shared(&kind))
            .then(|| fused::Fused::new([&category, &urgency, &kind]));
        Classifier {
            category,
            urgency,
            kind,
            emergency_threshold,
            rules: UrgencyRules::bundled(),
            fused,
        }
    }

    /// The classifier bundled into the binary, deserialised once on first use.
    pub fn bundled() -> &'static Classifier {
        &BUNDLED
    }

    /// The same, for holders that keep classifiers behind an `Arc` (a
    /// server's per-company cache): shared, never copied.
    pub fn bundled_shared() -> Arc<Classifier> {
        Arc::clone(&BUNDLED)
    }

    /// Reads a model file that holds a three-head classifier (bundled rules).
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier, Error> {
        match Model::from_bytes(bytes)? {
            Model::Classifier(c) => Ok(*c),
            Model::Head(h) => Err(Error::invalid(
                "model_not_classifier",
                format!(
                    "该模型只预测 {} 一列，不是完整的派单分类器",
                    h.target.code()
                ),
                format!(
                    "This model predicts only {}, it is not a full dispatch classifier",
                    h.target.code()
                ),
            )),
        }
    }

    /// The model file's bytes (the rules are not part of it).
    pub fn to_bytes(&self) -> Vec<u8> {
        codec::encode(&Contents::Full {
            emergency_threshold: self.emergency_threshold,
            heads: Box::new([
                self.category.clone(),
                self.urgency.clone(),
                self.kind.clone(),
            ]),
        })
    }

    /// The same model with other emergency rules (a company's own file).
    pub fn with_rules(mut self, rules: UrgencyRules) -> Classifier {
        self.rules = rules;
        self
    }

    pub fn rules(&self) -> &UrgencyRules {
        &self.rules
    }

    pub fn category_model(&self) -> &LabelModel {
        &self.category
    }

    pub fn urgency_model(&self) -> &LabelModel {
        &self.urgency
    }

    pub fn kind_model(&self) -> &LabelModel {
        &self.kind
    }

    pub fn emergency_threshold(&self) -> f32 {
        self.emergency_threshold
    }

    /// Classifies a message. Errors: `text_empty`, `text_too_long` (over
    /// [`MAX_CHARS`]), `text_unclassifiable` (only emoji, digits or punctuation).
    pub fn classify(&self, text: &str) -> Result<Prediction, Error> {
        validate(text)?;
        Ok(self.predict(text))
    }

    /// Classification without input checks (for evaluation: every row of a
    /// file gets a prediction). Texts over [`MAX_CHARS`] are cut.
    pub(crate) fn predict(&self, text: &str) -> Prediction {
        let text = match text.char_indices().nth(MAX_CHARS) {
            Some((i, _)) => &text[..i],
            None => text,
        };
        let norm = features::normalise(text);
        let cfg = self.category.features;
        let feats = features::features(&norm, &cfg);
        let x = features::vectorise(&feats, &cfg, self.category.idf.as_deref());
        let [pc, pu, pk] = match &self.fused {
            Some(f) => {
                let mut s = f.scores(&x);
                s.iter_mut().for_each(|p| model::softmax_in_place(p));
                s
            }
            // Heads with features of their own weigh the text their way.
            None => [
                self.category.probabilities(&x),
                self.urgency.probabilities(&self.urgency.vector(text)),
                self.kind.probabilities(&self.kind.vector(text)),
            ],
        };
        let c = argmax(&pc);

        let emergency = self.urgency.label_index("emergency");
        let mut u = argmax(&pu);
        let mut u_conf = pu[u];
        if let Some(e) = emergency {
            if pu[e] >= self.emergency_threshold {
                u = e;
                u_conf = pu[e];
            } else if u == e {
                let mut rest = pu.clone();
                rest[e] = f32::NEG_INFINITY;
                u = argmax(&rest);
                u_conf = pu[u];
            }
        }
        let mut urgency_rule = None;
        if let Some(e) = emergency {
            let squeezed: String = norm.chars().filter(|c| !c.is_whitespace()).collect();
            if let Some(rule) = self.rules.check_normalised(&squeezed).fired() {
                urgency_rule = Some(rule.name.clone());
                u = e;
                u_conf = 1.0;
            }
        }
        let k = argmax(&pk);
        Prediction {
            category: Scored {
                label: self.category.labels[c].clone(),
                confidence: pc[c],
            },
            category_top3: scored(&self.category, &pc, 3),
            urgency: Scored {
                label: self.urgency.labels[u].clone(),
                confidence: u_conf,
            },
            urgency_top3: scored(&self.urgency, &pu, 3),
            urgency_rule,
            kind: Scored {
                label: self.kind.labels[k].clone(),
                confidence: pk[k],
            },
            kind_top3: scored(&self.kind, &pk, 3),
            reasons: match &self.fused {
                Some(f) => self
                    .category
                    .reasons_by(&feats, &x, 5, |b| f.category_gap(b, c)),
                None => self.category.reasons(&feats, &x, c, 5),
            },
        }
    }

    /// Trains the three heads on a file with `category` (or `label`),
    /// `urgency` and `kind` columns.
    pub fn train(
        data: &Dataset,
        opts: &TrainOptions,
        mut progress: impl FnMut(TrainProgress),
    ) -> Result<Classifier, Error> {
        let (Some(cats), Some(urgs), Some(kinds)) = (
            data.labels(Target::Category),
            data.labels(Target::Urgency),
            data.labels(Target::Kind),
        ) else {
            return Err(Dataset::missing(if data.has_urgency {
                Target::Kind
            } else {
                Target::Urgency
            }));
        };
        let raw: Vec<SparseVec> = data
            .examples
            .iter()
            .map(|e| features::extract_raw(&e.text, &opts.features))
            .collect();
        let (idf, xs) = LabelModel::prepare(raw, opts);
        let mut head = |name: &'static str, labels: &[&str], o: &TrainOptions| {
            LabelModel::train_prepared(&xs, labels, idf.clone(), o, |epoch| {
                progress(TrainProgress { head: name, epoch })
            })
        };
        let category = head("category", &cats, &head_options(opts, Target::Category))?;
        let urgency = head("urgency", &urgs, &head_options(opts, Target::Urgency))?;
        let kind = head("kind", &kinds, &head_options(opts, Target::Kind))?;
        Ok(Classifier::new(
            category,
            urgency,
            kind,
            opts.emergency_threshold,
        ))
    }
}

/// A model for one column only (`wuye classify train --labels kind`, or a
/// file with a `label` column and no urgency/kind).
#[derive(Debug, Clone, PartialEq)]
pub struct HeadModel {
    pub target: Target,
    pub model: LabelModel,
}

/// Whatever a model file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    Classifier(Box<Classifier>),
    Head(HeadModel),
}

impl Model {
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, Error> {
        Ok(match codec::decode(bytes)? {
            Contents::Full {
                emergency_threshold,
                heads,
            } => {
                let [category, urgency, kind] = *heads;
                Model::Classifier(Box::new(Classifier::new(
                    category,
                    urgency,
                    kind,
                    emergency_threshold,
                )))
            }
            Contents::Single { target, head } => Model::Head(HeadModel {
                target,
                model: head,
            }),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Model::Classifier(c) => c.to_bytes(),
            Model::Head(h) => codec::encode(&Contents::Single {
                target: h.target,
                head: h.model.clone(),
            }),
        }
    }

    /// Trains what the file and target call for: the three-head classifier
    /// for `category`/`label` when the file also has `urgency` and `kind`,
    /// else one head for the target column.
    pub fn train(
        data: &Dataset,
        target: Target,
        opts: &TrainOptions,
        mut progress: impl FnMut(TrainProgress),
    ) -> Result<Model, Error> {
        if target == Target::Category && data.is_full() {
            return Ok(Model::Classifier(Box::new(Classifier::train(
                data, opts, progress,
            )?)));
        }
        let labels = data
            .labels(target)
            .ok_or_else(|| Dataset::missing(target))?;
        let texts: Vec<&str> = data.examples.iter().map(|e| e.text.as_str()).collect();
        let head = target.code();
        let model = LabelModel::train(&texts, &labels, &head_options(opts, target), |epoch| {
            progress(TrainProgress { head, epoch })
        })?;
        Ok(Model::Head(HeadModel { target, model }))
    }

    /// The column the model's main head predicts.
    pub fn target(&self) -> Target {
        match self {
            Model::Classifier(_) => Target::Category,
            Model::Head(h) => h.target,
        }
    }

    /// The labels of the main head.
    pub fn main_labels(&self) -> &[String] {
        match self {
            Model::Classifier(c) => c.category.labels(),
            Model::Head(h) => h.model.labels(),
        }
    }

    /// The same model with other emergency rules (no effect on a single head).
    pub fn with_rules(self, rules: UrgencyRules) -> Model {
        match self {
            Model::Classifier(c) => Model::Classifier(Box::new(c.with_rules(rules))),
            h => h,
        }
    }

    pub(crate) fn outcome(&self, text: &str) -> eval::Outcome {
        match self {
            Model::Classifier(c) => {
                let p = c.predict(text);
                eval::Outcome {
                    top2: p
                        .category_top3
                        .iter()
                        .take(2)
                        .map(|s| s.label.clone())
                        .collect(),
                    urgency: Some(p.urgency.label),
                    kind: Some(p.kind.label),
                    rule_fired: p.urgency_rule.is_some(),
                }
            }
            Model::Head(h) => {
                let p = h.model.predict_text(text);
                eval::Outcome {
                    top2: top_n(&p, 2)
                        .into_iter()
                        .map(|i| h.model.labels[i].clone())
                        .collect(),
                    urgency: None,
                    kind: None,
                    rule_fired: false,
                }
            }
        }
    }
}
