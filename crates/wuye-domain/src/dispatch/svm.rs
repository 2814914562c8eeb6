//! One-vs-rest linear SVMs for a head, fitted by dual coordinate descent
//! (Hsieh et al. 2008, liblinear's solver: the loss and solver of the
//! scikit-learn `LinearSVC` baseline). Each class gets a binary SVM
//! (`min ½‖w‖² + C Σ loss(yᵢ w·xᵢ)`, the bias a regularised feature of
//! value 1 as in liblinear); the margins become probabilities through a
//! softmax with a fixed temperature, folded into the weights, so a trained
//! head is an ordinary [`super::LabelModel`].
//!
//! The dual is solved in a fixed number of passes over a seeded shuffle,
//! in a fixed order of floating-point operations: the same data and
//! options give bit-identical weights.

use super::features::SparseVec;
use super::model::{EpochProgress, SplitMix, argmax};

/// The binary loss of each one-vs-rest SVM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SvmLoss {
    /// `max(0, 1 − m)²`: LinearSVC's default; smooth, so every margin
    /// error counts in proportion.
    SquaredHinge,
    /// `max(0, 1 − m)`.
    Hinge,
}

/// Options of an SVM head.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvmOptions {
    pub loss: SvmLoss,
    /// The cost of a margin error (LinearSVC's `C`).
    pub c: f32,
    /// Passes of coordinate descent over the examples.
    pub passes: u32,
    /// Margins are multiplied by this before the softmax that gives the
    /// confidences (chosen by cross-validation for calibration; it changes
    /// no ranking).
    pub temperature: f32,
}

/// Fits `k` one-vs-rest SVMs. Returns the bias per class and the weights,
/// bucket-major (`w[b × k + j]`), both multiplied by the temperature.
/// `weights[j]` multiplies the cost of the examples of class `j`.
pub(crate) fn train_ovr(
    examples: &[(SparseVec, usize)],
    k: usize,
    n_buckets: usize,
    opts: &SvmOptions,
    weights: &[f32],
    seed: u64,
    mut progress: impl FnMut(EpochProgress),
) -> (Vec<f32>, Vec<f32>) {
    let n = examples.len();
    // Per example: the diagonal term of the dual and the upper bound of
    // alpha for its own cost.
    let (diag, upper): (Vec<f32>, Vec<f32>) = examples
        .iter()
        .map(|(_, y)| {
            let c = opts.c * weights[*y];
            match opts.loss {
                SvmLoss::SquaredHinge => (0.5 / c, f32::INFINITY),
                SvmLoss::Hinge => (0.0, c),
            }
        })
        .unzip();
    // ‖x‖² + 1 (the bias feature).
    let sq: Vec<f32> = examples
        .iter()
        .map(|(x, _)| x.0.iter().map(|&(_, v)| v * v).sum::<f32>() + 1.0)
        .collect();
    // Class-major while training: each class's coordinate steps touch only
    // its own weights.
    let mut w = vec![0.0f32; k * n_buckets];
    let mut bias = vec![0.0f32; k];
    let mut alpha = vec![0.0f32; n * k];
    let mut scores = vec![0.0f32; n * k];
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix(seed);
    for pass in 1..=opts.passes {
        rng.shuffle(&mut order);
        for j in 0..k {
            let wj = &mut w[j * n_buckets..(j + 1) * n_buckets];
            let bj = &mut bias[j];
            for &i in &order {
                let (x, y) = &examples[i];
                let yi = if *y == j { 1.0f32 } else { -1.0 };
                let mut s = *bj;
                for &(b, v) in &x.0 {
                    s += wj[b as usize] * v;
                }
                scores[i * k + j] = s;
                let a = &mut alpha[i * k + j];
                let g = yi * s - 1.0 + diag[i] * *a;
                // The projected gradient: zero when alpha sits at a bound
                // the gradient pushes it against.
                let pg = if *a == 0.0 {
                    g.min(0.0)
                } else if *a >= upper[i] {
                    g.max(0.0)
                } else {
                    g
                };
                if pg == 0.0 {
                    continue;
                }
                let old = *a;
                *a = (old - g / (sq[i] + diag[i])).clamp(0.0, upper[i]);
                let d = (*a - old) * yi;
                if d != 0.0 {
                    for &(b, v) in &x.0 {
                        wj[b as usize] += d * v;
                    }
                    *bj += d;
                }
            }
        }
        let (mut loss, mut right) = (0.0f64, 0usize);
        for (i, (_, y)) in examples.iter().enumerate() {
            let s = &scores[i * k..(i + 1) * k];
            if argmax(s) == *y {
                right += 1;
            }
            for (j, &sj) in s.iter().enumerate() {
                let m = if j == *y { sj } else { -sj };
                let h = f64::from((1.0 - m).max(0.0));
                loss += match opts.loss {
                    SvmLoss::SquaredHinge => h * h,
                    SvmLoss::Hinge => h,
                };
            }
        }
        progress(EpochProgress {
            epoch: pass,
            epochs: opts.passes,
            loss: (loss / n as f64) as f32,
            accuracy: right as f32 / n as f32,
        });
    }
    let t = opts.temperature;
    let mut out = vec![0.0f32; n_buckets * k];
    for j in 0..k {
        for b in 0..n_buckets {
            out[b * k + j] = t * w[j * n_buckets + b];
        }
    }
    bias.iter_mut().for_each(|b| *b *= t);
    (bias, out)
}
