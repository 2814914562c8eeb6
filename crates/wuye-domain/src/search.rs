//! Chinese-aware search terms, shared by the order index and queries.
//!
//! Chinese has no spaces, and people describe one thing in different words,
//! so a document is indexed under its jieba words (search mode, which also
//! yields the shorter words inside long ones), every CJK character bigram, and
//! every single CJK character; latin words and numbers are indexed lower-case.
//! A query word then matches when the document has it as a word, or has all
//! of its bigrams — so `电梯` finds `3栋电梯困人了` and `漏水` finds
//! `厨房水管漏水` whatever jieba made of either text.

use jieba_rs::Jieba;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// jieba's default dictionary without its part-of-speech column, gzip'd
/// (`data/jieba/README.md` says how it was made and why). A static: one
/// copy, whose pages are handed back once read.
static DICTIONARY_GZ: &[u8] = include_bytes!("../../../data/jieba/dict.txt.gz");

/// The segmenter with its bundled dictionary, loaded once per process. The
/// dictionary is read through a streaming decoder, so its text is never in
/// memory whole.
pub static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut text = std::io::BufReader::new(flate2::read::GzDecoder::new(DICTIONARY_GZ));
    let jieba = Jieba::with_dict(&mut text).expect("the bundled jieba dictionary is valid");
    crate::bundled::release(DICTIONARY_GZ);
    jieba
});

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// Runs of CJK characters and runs of latin letters/digits, lower-cased.
fn runs(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for c in text.chars() {
        let kind = if is_cjk(c) {
            Some(true)
        } else if c.is_ascii_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (kind, out.last_mut()) {
            (Some(k), Some((lk, s))) if *lk == k && !s.is_empty() => s.extend(c.to_lowercase()),
            (Some(k), _) => out.push((k, c.to_lowercase().collect())),
            (None, Some((_, s))) if !s.is_empty() => out.push((false, String::new())),
            (None, _) => {}
        }
    }
    out.retain(|(_, s)| !s.is_empty());
    out
}

fn bigrams(s: &str) -> Vec<String> {
    let cs: Vec<char> = s.chars().collect();
    cs.windows(2).map(|w| w.iter().collect()).collect()
}

/// The terms a text is indexed under, space-separated, each a pure CJK or
/// pure latin/digit token (so both databases keep them verbatim).
pub fn index_terms(text: &str) -> String {
    let mut terms = BTreeSet::new();
    for (cjk, run) in runs(text) {
        if !cjk {
            terms.insert(run);
            continue;
        }
        for w in JIEBA.cut_for_search(&run, true) {
            if w.chars().all(is_cjk) {
                terms.insert(w.to_string());
            }
        }
        for c in run.chars() {
            terms.insert(c.to_string());
        }
        terms.extend(bigrams(&run));
    }
    terms.into_iter().collect::<Vec<_>>().join(" ")
}

/// One query word: it matches a document that has `word`, or (for CJK words
/// of 2+ characters) all of `bigrams`; latin words match as prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    pub word: String,
    pub bigrams: Vec<String>,
    pub prefix: bool,
}

/// The words of a query, all of which must match. Empty when the query has
/// nothing searchable (only punctuation or emoji).
pub fn query_terms(q: &str) -> Vec<QueryTerm> {
    let mut out = Vec::new();
    for (cjk, run) in runs(q) {
        if !cjk {
            out.push(QueryTerm {
                word: run,
                bigrams: vec![],
                prefix: true,
            });
            continue;
        }
        for w in JIEBA.cut(&run, true) {
            if !w.chars().all(is_cjk) {
                continue;
            }
            let bg = if w.chars().count() >= 2 {
                bigrams(w)
            } else {
                vec![]
            };
            out.push(QueryTerm {
                word: w.to_string(),
                bigrams: bg,
                prefix: false,
            });
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our dictionary file cuts every text of the dispatch corpus exactly as
    /// jieba-rs's own dictionary does, in both modes the project uses.
    #[test]
    fn the_bundled_dictionary_cuts_as_jiebas_own() {
        let theirs = Jieba::new();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/dispatch/");
        let mut texts = 0;
        for file in ["train.csv", "test.csv", "hard_cases.csv"] {
            let mut rdr = csv::Reader::from_path(format!("{root}{file}")).unwrap();
            for row in rdr.records() {
                let text = row.unwrap()[0].to_string();
                assert_eq!(JIEBA.cut(&text, true), theirs.cut(&text, true), "{text}");
                assert_eq!(
                    JIEBA.cut_for_search(&text, true),
                    theirs.cut_for_search(&text, true),
                    "{text}"
                );
                texts += 1;
            }
        }
        assert!(texts > 4_000, "{texts}");
    }

    fn matches(doc: &str, q: &str) -> bool {
        let terms: BTreeSet<String> = index_terms(doc).split(' ').map(str::to_string).collect();
        let qs = query_terms(q);
        !qs.is_empty()
            && qs.iter().all(|t| {
                if t.prefix {
                    terms.iter().any(|x| x.starts_with(&t.word))
                } else {
                    terms.contains(&t.word)
                        || (!t.bigrams.is_empty() && t.bigrams.iter().all(|b| terms.contains(b)))
                }
            })
    }

    #[test]
    fn two_character_words_match() {
        assert!(matches("3栋电梯困人了", "电梯"));
        assert!(matches("厨房水管漏水", "漏水"));
        assert!(matches("厨房水管漏水", "水管漏水"));
        assert!(matches("厨房水管漏水", "水"));
        assert!(!matches("厨房水管漏水", "电梯"));
        assert!(matches("BX2026112700007 楼道灯坏了", "bx20261127"));
        assert!(matches("WiFi 连不上", "wifi"));
        assert!(!matches("楼道灯坏了", "！！"));
    }

    #[test]
    fn terms_are_pure_tokens() {
        for t in index_terms("3栋2单元1202厨房漏水, call 138-1234").split(' ') {
            assert!(
                t.chars().all(is_cjk) || t.chars().all(|c| c.is_ascii_alphanumeric()),
                "{t}"
            );
        }
    }
}
