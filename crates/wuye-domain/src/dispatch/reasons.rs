//! The words that decided a prediction: each feature's share of the chosen
//! label's score, credited to the jieba words that contain it.

use super::features::{self, Feature, SparseVec};
use super::model::{LabelModel, NO_ROW};

impl LabelModel {
    /// The words that pushed `label` up most, strongest first. Each feature
    /// contributes `x_f × (w_label − mean_w)`; a jieba word of two or more
    /// characters (or a latin word) is credited with its own contribution
    /// plus those of every n-gram inside it, so the answer reads as words
    /// (`水管`, `漏水`) rather than characters. Without such words, the
    /// strongest n-grams are shown. Numbers alone are never shown.
    pub fn reasons(
        &self,
        feats: &[Feature<'_>],
        x: &SparseVec,
        label: usize,
        max: usize,
    ) -> Vec<String> {
        let n = self.labels.len() as f32;
        self.reasons_by(feats, x, max, |b| {
            let r = self.index[b as usize];
            (r != NO_ROW).then(|| {
                let row = self.quantised_row(r as usize);
                let sum: f32 = row.iter().copied().map(f32::from).sum();
                self.scale * (f32::from(row[label]) - sum / n)
            })
        })
    }

    /// [`LabelModel::reasons`] with `gap(bucket)` = the bucket's weight for
    /// the label minus its mean weight (`None` without weights), so a
    /// caller whose rows are already in cache can supply it.
    pub(crate) fn reasons_by(
        &self,
        feats: &[Feature<'_>],
        x: &SparseVec,
        max: usize,
        gap: impl Fn(u32) -> Option<f32>,
    ) -> Vec<String> {
        // Each (bucket, shown text) once, with its contribution. Sorting by
        // bucket first compares integers, not strings (the strings only
        // break ties within a bucket): this function was a fifth of the
        // time of a classification when it sorted by text.
        let mut pairs: Vec<(u32, &str)> = feats
            .iter()
            .map(|f| {
                (
                    f.bucket,
                    f.text.trim_matches(|c: char| !features::is_content(c)),
                )
            })
            .filter(|(_, t)| {
                t.chars()
                    .any(|c| features::is_cjk(c) || c.is_ascii_alphabetic())
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut contrib: Vec<(&str, f32)> = Vec::with_capacity(pairs.len());
        for (b, text) in pairs {
            let Some(g) = gap(b) else {
                continue;
            };
            let Ok(at) = x.0.binary_search_by_key(&b, |&(xb, _)| xb) else {
                continue;
            };
            contrib.push((text, x.0[at].1 * g));
        }
        let mut words: Vec<&str> = feats
            .iter()
            .filter(|f| f.ns == features::Namespace::Word)
            .map(|f| f.text.trim_matches(|c: char| !features::is_content(c)))
            .filter(|w| {
                w.chars().count() >= 2
                    && w.chars()
                        .any(|c| features::is_cjk(c) || c.is_ascii_alphabetic())
            })
            .collect();
        words.sort_unstable();
        words.dedup();
        // Which bytes (mod 64) each text has: a text whose bytes a word
        // lacks cannot be inside it, and most are rejected by this test
        // alone instead of a scan.
        let masks: Vec<u64> = contrib.iter().map(|(t, _)| byte_mask(t)).collect();
        let mut scored: Vec<(f32, &str)> = words
            .iter()
            .map(|w| {
                let wm = byte_mask(w);
                let total = contrib
                    .iter()
                    .zip(&masks)
                    .filter(|&(&(t, _), &m)| m & !wm == 0 && contains(w, t))
                    .map(|((_, c), _)| c)
                    .sum::<f32>();
                (total, *w)
            })
            .filter(|&(c, _)| c > 0.0)
            .collect();
        if scored.is_empty() {
            // No word to credit: the strongest texts, each summed over its
            // buckets (a stable sort keeps their bucket order).
            contrib.sort_by(|a, b| a.0.cmp(b.0));
            let mut merged: Vec<(&str, f32)> = Vec::with_capacity(contrib.len());
            for (t, c) in contrib {
                match merged.last_mut() {
                    Some((m, sum)) if *m == t => *sum += c,
                    _ => merged.push((t, c)),
                }
            }
            scored = merged
                .into_iter()
                .filter(|&(_, c)| c > 0.0)
                .map(|(t, c)| (c, t))
                .collect();
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut out: Vec<String> = Vec::new();
        for (_, t) in scored {
            if out.len() >= max {
                break;
            }
            if !out.iter().any(|o| o.contains(t) || t.contains(o.as_str())) {
                out.push(t.to_string());
            }
        }
        out
    }
}

/// A bit per byte value (mod 64) that occurs in `s`.
fn byte_mask(s: &str) -> u64 {
    s.bytes().fold(0, |m, b| m | 1 << (b & 63))
}

/// `w.contains(t)` for short strings: a plain scan beats the general
/// searcher's set-up on words of a few characters (UTF-8 matches only at
/// character boundaries, so comparing bytes is exact).
fn contains(w: &str, t: &str) -> bool {
    let (w, t) = (w.as_bytes(), t.as_bytes());
    t.is_empty()
        || (t.len() <= w.len()
            && w.windows(t.len())
                .any(|win| win.iter().zip(t).all(|(a, b)| a == b)))
}
