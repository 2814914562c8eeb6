//! Chinese-aware text similarity for duplicate detection. Two people rarely
//! describe one problem with the same words ("3栋电梯困人了" / "三栋电梯有人被困"),
//! so the score averages the Dice coefficient over characters with the one
//! over character bigrams, after dropping punctuation, digits (addresses are
//! compared separately) and the commonest function characters.

/// Characters too common to say anything about the problem.
const STOP: &str = "的了我你他她它是在有和就都也还吗呢啊吧呀哦嗯么很太请快家们这那个一";

fn content_chars(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| c.is_alphabetic() && !STOP.contains(*c))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// A text as the similarity sees it: its distinct content characters and
/// distinct character bigrams, each sorted. A new order is compared with up
/// to 50 others, so its own shingles are made once, and sorted slices are
/// intersected by one merge instead of building and probing hash sets.
#[derive(Debug, Clone)]
pub struct Shingles {
    chars: Vec<char>,
    pairs: Vec<u64>,
}

impl Shingles {
    pub fn of(text: &str) -> Self {
        let mut chars = content_chars(text);
        let mut pairs: Vec<u64> = chars
            .windows(2)
            .map(|w| (u64::from(w[0]) << 32) | u64::from(w[1]))
            .collect();
        chars.sort_unstable();
        chars.dedup();
        pairs.sort_unstable();
        pairs.dedup();
        Shingles { chars, pairs }
    }

    /// 0.0 (nothing shared) … 1.0 (the same words).
    pub fn similarity(&self, other: &Shingles) -> f64 {
        let u = dice(&self.chars, &other.chars);
        if self.pairs.is_empty() || other.pairs.is_empty() {
            return u;
        }
        (u + dice(&self.pairs, &other.pairs)) / 2.0
    }
}

/// The Dice coefficient of two sorted sets without repeats.
fn dice<T: Ord>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * both as f64 / (a.len() + b.len()) as f64
}

/// 0.0 (nothing shared) … 1.0 (the same words).
pub fn similarity(a: &str, b: &str) -> f64 {
    Shingles::of(a).similarity(&Shingles::of(b))
}

/// Texts at or above this similarity are offered as duplicates.
pub const DUPLICATE_THRESHOLD: f64 = 0.3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_problem_different_words() {
        for (a, b) in [
            ("3栋2单元电梯困人了", "三栋电梯有人被困，快来"),
            ("厨房水管漏水", "我家厨房的水管在漏水！！"),
            ("楼道灯不亮", "3单元楼道的灯坏了不亮"),
        ] {
            let s = similarity(a, b);
            assert!(s >= DUPLICATE_THRESHOLD, "{a} / {b}: {s}");
        }
    }

    #[test]
    fn different_problems() {
        for (a, b) in [
            ("厨房水管漏水", "楼上装修太吵"),
            ("电梯困人", "物业费怎么交"),
        ] {
            let s = similarity(a, b);
            assert!(s < DUPLICATE_THRESHOLD, "{a} / {b}: {s}");
        }
        assert_eq!(similarity("", "abc"), 0.0);
        assert_eq!(similarity("电梯坏了", "电梯坏了"), 1.0);
    }

    /// The hash-set definition the merge replaced, kept as the reference.
    fn reference(a: &str, b: &str) -> f64 {
        use std::collections::HashSet;
        fn d<T: std::hash::Hash + Eq>(a: &HashSet<T>, b: &HashSet<T>) -> f64 {
            if a.is_empty() || b.is_empty() {
                return 0.0;
            }
            2.0 * a.intersection(b).count() as f64 / (a.len() + b.len()) as f64
        }
        let (ca, cb) = (content_chars(a), content_chars(b));
        let uni = |c: &[char]| c.iter().copied().collect::<HashSet<char>>();
        let bi = |c: &[char]| {
            c.windows(2)
                .map(|w| (w[0], w[1]))
                .collect::<HashSet<(char, char)>>()
        };
        let u = d(&uni(&ca), &uni(&cb));
        let (ba, bb) = (bi(&ca), bi(&cb));
        if ba.is_empty() || bb.is_empty() {
            return u;
        }
        (u + d(&ba, &bb)) / 2.0
    }

    proptest::proptest! {
        #[test]
        fn merge_equals_the_set_definition(
            a in "[电梯坏了漏水厨房楼道灯不亮的了AbcÉ 3栋！]{0,24}",
            b in "[电梯坏了漏水厨房楼道灯不亮的了aBcé 2单元，]{0,24}",
        ) {
            let (x, y) = (similarity(&a, &b), reference(&a, &b));
            proptest::prop_assert!((x - y).abs() < 1e-12, "{} / {}: {} vs {}", a, b, x, y);
            let sa = Shingles::of(&a);
            proptest::prop_assert!((sa.similarity(&Shingles::of(&b)) - x).abs() < 1e-12);
        }
    }
}
