//! The three heads' weights side by side for prediction: one index and one
//! row per bucket holding the category, urgency and kind weights as the
//! model file's i16 steps, each row on its own 64-byte cache lines.
//!
//! Scoring a message was mostly waiting for memory: every feature looked
//! up three indexes and three rows of f32 (six cache misses); here it is one
//! index entry and, for up to 32 labels in all, one cache line. The sums are
//! taken over the integer steps and scaled once per head at the end.

use super::features::SparseVec;
use super::model::LabelModel;

/// Marks a bucket none of the heads has weights for.
const NO_ROW: u32 = u32::MAX;

/// Weights per cache line.
const LANES: usize = 32;

/// 32 i16 weights on one 64-byte cache line.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
struct Line([i16; LANES]);

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fused {
    /// Per bucket: the first line of its row, or `NO_ROW`.
    index: Vec<u32>,
    lines: Vec<Line>,
    /// Lines per row.
    per_row: usize,
    /// Each head's first column and number of labels.
    heads: [(usize, usize); 3],
    scales: [f32; 3],
    biases: [Vec<f32>; 3],
}

impl Fused {
    /// Lays out three heads that share their features (the caller checks).
    pub(crate) fn new(heads: [&LabelModel; 3]) -> Fused {
        let mut cols = [(0, 0); 3];
        let mut total = 0;
        for (c, h) in cols.iter_mut().zip(heads) {
            *c = (total, h.labels.len());
            total += h.labels.len();
        }
        let per_row = total.div_ceil(LANES).max(1);
        let mut index = vec![NO_ROW; heads[0].index.len()];
        let mut lines: Vec<Line> = Vec::with_capacity(heads[0].n_weights_rows() * per_row);
        let mut row = vec![0i16; per_row * LANES];
        for (b, slot) in index.iter_mut().enumerate() {
            if heads.iter().all(|h| h.index[b] == u32::MAX) {
                continue;
            }
            *slot = lines.len() as u32;
            row.fill(0);
            for (h, &(at, k)) in heads.iter().zip(&cols) {
                let r = h.index[b];
                if r != u32::MAX {
                    row[at..at + k].copy_from_slice(h.quantised_row(r as usize));
                }
            }
            for chunk in row.chunks_exact(LANES) {
                lines.push(Line(chunk.try_into().expect("LANES values")));
            }
        }
        Fused {
            index,
            lines,
            per_row,
            heads: cols,
            scales: [heads[0].scale, heads[1].scale, heads[2].scale],
            biases: [
                heads[0].bias.clone(),
                heads[1].bias.clone(),
                heads[2].bias.clone(),
            ],
        }
    }

    /// The scores (logits) of the three heads.
    pub(crate) fn scores(&self, x: &SparseVec) -> [Vec<f32>; 3] {
        // First every row's place, touching the row's first line, then the
        // arithmetic: the loads of the first loop do not wait for each other
        // nor for any arithmetic, so their cache misses overlap instead of
        // coming one after the other.
        let mut touch = 0i16;
        let found: Vec<(usize, f32)> =
            x.0.iter()
                .filter_map(|&(b, v)| {
                    let r = self.index[b as usize];
                    (r != NO_ROW).then(|| {
                        touch = touch.wrapping_add(self.lines[r as usize].0[0]);
                        (r as usize, v)
                    })
                })
                .collect();
        std::hint::black_box(touch);
        let mut acc = vec![[0.0f32; LANES]; self.per_row];
        for (r, v) in found {
            for (a, line) in acc.iter_mut().zip(&self.lines[r..r + self.per_row]) {
                for (ai, &q) in a.iter_mut().zip(&line.0) {
                    *ai += v * f32::from(q);
                }
            }
        }
        let acc: Vec<f32> = acc.into_iter().flatten().collect();
        let head = |h: usize| {
            let (at, k) = self.heads[h];
            acc[at..at + k]
                .iter()
                .zip(&self.biases[h])
                .map(|(&a, &b)| b + a * self.scales[h])
                .collect()
        };
        [head(0), head(1), head(2)]
    }

    /// A bucket's category weight for `label` minus its mean category
    /// weight (for the reasons), `None` when no head has the bucket.
    pub(crate) fn category_gap(&self, b: u32, label: usize) -> Option<f32> {
        let r = self.index[b as usize];
        if r == NO_ROW {
            return None;
        }
        let (at, k) = self.heads[0];
        let q = self.lines[r as usize..r as usize + self.per_row]
            .iter()
            .flat_map(|l| l.0)
            .skip(at)
            .take(k);
        let sum: f32 = q.map(f32::from).sum();
        let line = &self.lines[r as usize + (at + label) / LANES].0;
        let mine = f32::from(line[(at + label) % LANES]);
        Some(self.scales[0] * (mine - sum / k as f32))
    }
}
