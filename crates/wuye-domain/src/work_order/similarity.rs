//! Chinese-aware text similarity for duplicate detection. Two people rarely
//! describe one problem with the same words ("3栋电梯困人了" / "三栋电梯有人被困"),
//! so the score averages the Dice coefficient over characters with the one
//! over character bigrams, after dropping punctuation, digits (addresses are
//! compared separately) and the commonest function characters.

use std::collections::HashSet;

/// Characters too common to say anything about the problem.
const STOP: &str = "的了我你他她它是在有和就都也还吗呢啊吧呀哦嗯么很太请快家们这那个一";

fn content_chars(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| c.is_alphabetic() && !STOP.contains(*c))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

fn dice<T: std::hash::Hash + Eq>(a: &HashSet<T>, b: &HashSet<T>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * a.intersection(b).count() as f64 / (a.len() + b.len()) as f64
}

/// 0.0 (nothing shared) … 1.0 (the same words).
pub fn similarity(a: &str, b: &str) -> f64 {
    let (ca, cb) = (content_chars(a), content_chars(b));
    let uni = |c: &[char]| c.iter().copied().collect::<HashSet<char>>();
    let bi = |c: &[char]| {
        c.windows(2)
            .map(|w| (w[0], w[1]))
            .collect::<HashSet<(char, char)>>()
    };
    let u = dice(&uni(&ca), &uni(&cb));
    let (ba, bb) = (bi(&ca), bi(&cb));
    if ba.is_empty() || bb.is_empty() {
        return u;
    }
    (u + dice(&ba, &bb)) / 2.0
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
}
