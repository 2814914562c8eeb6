//! From a resident's message to a sparse, hashed feature vector.
//!
//! 1. **Normalise**: full-width ASCII → half-width, white space collapsed, a table of common
//!    traditional characters → simplified, ASCII lower-case, and every run of
//!    digits → `#` (so `3栋2单元1202` and `3-2-1202` become `#栋#单元#` and
//!    `#-#-#`: the shape of an address is a feature, a particular home is not).
//! 2. **Features**: jieba words (namespace `w`) and character 1- to 3-grams
//!    (namespace `c`, robust to typos and words jieba does not know), the
//!    latter over the whole text: punctuation and emoji carry tone (`!!`, `😭`).
//! 3. **Hash** each (namespace, string) with FNV-1a 64 plus a final mix into
//!    `2^bits` buckets: stable across runs, platforms and Rust versions.
//! 4. **Weight**: sublinear term frequency `1 + ln(tf)` × idf (learnt from the
//!    training texts), words × `word_weight`, single characters ×
//!    `unigram_weight`, then L2-normalised.
//!
//! The feature strings are slices of the normalised text, so the same pass
//! that hashes them can say which words decided (no vocabulary is kept).

use crate::search::JIEBA;
use std::collections::HashMap;
use std::sync::LazyLock;

/// How text becomes features. Stored with every model: a model only makes
/// sense with the features it was trained on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureConfig {
    /// The feature space has `2^bits` buckets (10..=24).
    pub bits: u8,
    /// Character n-grams of length 1..=`max_ngram` (0 = none, at most 4).
    pub max_ngram: u8,
    /// jieba words.
    pub words: bool,
    /// jieba's HMM for words missing from its dictionary.
    pub hmm: bool,
    /// The weight of a word feature relative to a character n-gram.
    pub word_weight: f32,
    /// Pairs of adjacent jieba words (`电梯困人` from `电梯` + `困人`).
    pub word_pairs: bool,
    /// The weight of a single character relative to longer n-grams: single
    /// characters generalise best to wordings the corpus does not have.
    pub unigram_weight: f32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            bits: 18,
            max_ngram: 3,
            words: true,
            hmm: false,
            word_weight: 2.0,
            word_pairs: false,
            unigram_weight: 2.0,
        }
    }
}

/// Which kind of feature a string is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Namespace {
    /// A jieba word.
    Word,
    /// A character n-gram.
    Chars,
    /// Two adjacent words.
    WordPair,
}

impl Namespace {
    fn byte(self) -> u8 {
        match self {
            Namespace::Word => b'w',
            Namespace::Chars => b'c',
            Namespace::WordPair => b'p',
        }
    }
}

/// A sparse, L2-normalised feature vector: (bucket, value), buckets ascending
/// and distinct.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SparseVec(pub Vec<(u32, f32)>);

/// One feature occurrence with its text (a slice of the normalised message).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Feature<'a> {
    pub ns: Namespace,
    pub text: &'a str,
    pub bucket: u32,
}

/// Traditional → simplified for characters residents actually use in these
/// messages (pairs: traditional, simplified). Not a full converter: character
/// n-grams carry the rest.
const T2S: &str = "樓楼電电煙烟門门車车請请馬马關关龍龙頭头氣气燈灯熱热報报響响壞坏滅灭號号單单層层\
廁厕廳厅竊窃鎖锁鑰钥臺台風风戶户鄰邻裝装費费繳缴發发錢钱綠绿樹树葉叶蟲虫掃扫處处廚厨衛卫\
濕湿牆墙滲渗積积開开業业線线閘闸燒烧爐炉問问題题謝谢師师態态務务區区園园遊游戲戏設设備备\
異异聲声間间貓猫時时點点鐘钟盜盗進进來来過过還还這这個个們们嗎吗麼么為为會会說说話话讓让\
經经從从後后幾几煩烦緊紧應应該该給给對对確确實实現现東东壓压閥阀錶表運运轉转動动機机樂乐\
嚴严損损淨净潔洁髒脏狀状檢检測测護护欄栏階阶級级磚砖塊块頂顶陽阳雜杂廢废舊旧網网絡络訊讯\
視视監监攝摄識识別别臉脸碼码鐵铁鋼钢鏽锈斷断傷伤亂乱糾纠紛纷擾扰鬧闹講讲聽听見见覺觉專专\
員员產产權权議议讚赞揚扬優优歡欢隊队維维滿满擋挡灑洒澆浇噴喷漿浆淚泪濺溅災灾險险洩泄漏漏\
瓦瓦罐罐體体樣样長长溫温暖暖氣气熄熄滴滴結结構构蓋盖靜静吵吵鬥斗毆殴偷偷搶抢丟丢貨货遞递\
櫃柜寵宠糞粪衝冲塞塞圾圾垃垃蟑蟑螂螂鼠鼠蚊蚊齊齐剪剪雜杂亮亮暗暗滅灭壞坏鬆松脫脱掛挂罰罚\
繳缴賬账單单價价據据據据熱热氣气壓压燙烫寫写隻只條条嗎吗喂喂讀读買买賣卖錯错誤误較较總总\
計计劃划節节約约購购辦办續续領领導导鐘钟療疗醫医藥药護护負负庫库\
車车輛辆鏈链灣湾邊边廣广場场館馆樑梁淋淋漲涨歲岁孫孙媽妈爺爷奶奶";

static T2S_MAP: LazyLock<HashMap<char, char>> = LazyLock::new(|| {
    let cs: Vec<char> = T2S.chars().filter(|c| !c.is_whitespace()).collect();
    cs.chunks(2)
        .filter(|p| p.len() == 2 && p[0] != p[1])
        .map(|p| (p[0], p[1]))
        .collect()
});

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// A character that can be part of a word or n-gram (after normalisation).
pub(crate) fn is_content(c: char) -> bool {
    is_cjk(c) || c.is_ascii_alphanumeric() || c == '#'
}

/// Whether a text has anything to classify: a CJK character or a letter.
pub fn has_words(text: &str) -> bool {
    text.chars().any(|c| is_cjk(c) || c.is_alphabetic())
}

/// The normalised form features and rules are computed on: full-width ASCII
/// → half-width, runs of white space → one space (none at the ends),
/// traditional → simplified (common characters), ASCII lower-case, runs of
/// digits (ASCII, full-width) → `#`.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_digits = false;
    for c in text.trim().chars() {
        let c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            c if c.is_whitespace() => ' ',
            _ => c,
        };
        if c == ' ' && out.ends_with(' ') {
            in_digits = false;
            continue;
        }
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
            continue;
        }
        in_digits = false;
        if c.is_ascii_uppercase() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(&s) = T2S_MAP.get(&c) {
            out.push(s);
        } else {
            out.push(c);
        }
    }
    out
}

/// FNV-1a 64 over the namespace byte and the string, then a splitmix64
/// finaliser so the low bits are well mixed.
pub fn hash_feature(ns: Namespace, s: &str, bits: u8) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in std::iter::once(ns.byte()).chain(s.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h & ((1u64 << bits) - 1)) as u32
}

/// Calls `f` for every feature occurrence of an already normalised text.
pub fn visit<'a>(norm: &'a str, cfg: &FeatureConfig, mut f: impl FnMut(Namespace, &'a str)) {
    if cfg.words || cfg.word_pairs {
        let base = norm.as_ptr() as usize;
        let mut prev: Option<&'a str> = None;
        for w in JIEBA.cut(norm, cfg.hmm) {
            if !w.chars().any(|c| is_content(c) && c != '#') {
                if !w.trim().is_empty() {
                    prev = None; // punctuation ends a phrase
                }
                continue;
            }
            if cfg.words {
                f(Namespace::Word, w);
            }
            if cfg.word_pairs {
                if let Some(p) = prev {
                    let from = p.as_ptr() as usize - base;
                    let to = w.as_ptr() as usize - base + w.len();
                    f(Namespace::WordPair, &norm[from..to]);
                }
                prev = Some(w);
            }
        }
    }
    // Character n-grams over the whole text, punctuation and emoji included
    // (`漏水!` and `了😭` carry tone); byte offsets of the characters let
    // every n-gram be a slice of `norm`.
    let starts: Vec<usize> = norm.char_indices().map(|(i, _)| i).collect();
    let n_chars = starts.len();
    for n in 1..=usize::from(cfg.max_ngram) {
        if n > n_chars {
            break;
        }
        for i in 0..=n_chars - n {
            let from = starts[i];
            let to = starts.get(i + n).copied().unwrap_or(norm.len());
            let g = &norm[from..to];
            if g.chars().all(|c| c == ' ' || c == '#') {
                continue;
            }
            f(Namespace::Chars, g);
        }
    }
}

/// All feature occurrences of a normalised text, with their buckets.
pub fn features<'a>(norm: &'a str, cfg: &FeatureConfig) -> Vec<Feature<'a>> {
    let mut out = Vec::with_capacity(norm.len() * 2);
    visit(norm, cfg, |ns, text| {
        out.push(Feature {
            ns,
            text,
            bucket: hash_feature(ns, text, cfg.bits),
        })
    });
    out
}

/// Inverse document frequencies per bucket, learnt from a training set:
/// `idf = ln((1 + n) / (1 + df)) + 1`, quantised to steps of 1/4096 so a
/// saved model computes exactly what the trained one did.
#[derive(Debug, Clone, PartialEq)]
pub struct Idf {
    /// The idf of a bucket no training text had (the largest).
    pub(crate) default_q: u16,
    /// Dense, one per bucket, quantised.
    pub(crate) q: Vec<u16>,
}

/// The quantisation step of idf values.
const IDF_STEP: f32 = 4096.0;

impl Idf {
    /// From the unweighted vectors of the training texts.
    pub fn fit(raw: &[SparseVec], bits: u8) -> Idf {
        let mut df = vec![0u32; 1usize << bits];
        for x in raw {
            for &(b, _) in &x.0 {
                df[b as usize] += 1;
            }
        }
        let n = raw.len() as f32;
        let quant = |d: u32| -> u16 {
            let v = ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0;
            (v * IDF_STEP).round().clamp(0.0, f32::from(u16::MAX)) as u16
        };
        let default_q = quant(0);
        Idf {
            default_q,
            q: df.into_iter().map(quant).collect(),
        }
    }

    pub(crate) fn from_parts(bits: u8, default_q: u16, seen: &[(u32, u16)]) -> Idf {
        let mut q = vec![default_q; 1usize << bits];
        for &(b, v) in seen {
            q[b as usize] = v;
        }
        Idf { default_q, q }
    }

    /// The buckets whose idf differs from the default, ascending.
    pub(crate) fn seen(&self) -> impl Iterator<Item = (u32, u16)> + '_ {
        self.q
            .iter()
            .enumerate()
            .filter(|&(_, &v)| v != self.default_q)
            .map(|(b, &v)| (b as u32, v))
    }

    pub fn get(&self, bucket: u32) -> f32 {
        f32::from(self.q[bucket as usize]) / IDF_STEP
    }
}

/// Sublinear term frequencies (`(1 + ln tf)`, words × `word_weight`, single
/// characters × `unigram_weight`) per bucket, not normalised.
pub fn term_weights(feats: &[Feature<'_>], cfg: &FeatureConfig) -> SparseVec {
    let mut items: Vec<(u32, f32)> = feats
        .iter()
        .map(|f| {
            let w = match f.ns {
                Namespace::Word => cfg.word_weight,
                Namespace::Chars if f.text.chars().nth(1).is_none() => cfg.unigram_weight,
                _ => 1.0,
            };
            (f.bucket, w)
        })
        .collect();
    items.sort_by_key(|&(b, _)| b);
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(items.len());
    let mut i = 0;
    while i < items.len() {
        let b = items[i].0;
        let (mut tf, mut w) = (0.0f32, 0.0f32);
        while i < items.len() && items[i].0 == b {
            tf += 1.0;
            w = w.max(items[i].1);
            i += 1;
        }
        out.push((b, w * (1.0 + tf.ln())));
    }
    SparseVec(out)
}

/// Applies idf (when given) and L2-normalises.
pub fn finish(mut x: SparseVec, idf: Option<&Idf>) -> SparseVec {
    if let Some(idf) = idf {
        for (b, v) in &mut x.0 {
            *v *= idf.get(*b);
        }
    }
    let norm = x.0.iter().map(|&(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, v) in &mut x.0 {
            *v /= norm;
        }
    }
    x
}

/// The weighted, normalised vector of a list of feature occurrences.
pub fn vectorise(feats: &[Feature<'_>], cfg: &FeatureConfig, idf: Option<&Idf>) -> SparseVec {
    finish(term_weights(feats, cfg), idf)
}

/// Text → vector in one call.
pub fn extract(text: &str, cfg: &FeatureConfig, idf: Option<&Idf>) -> SparseVec {
    let norm = normalise(text);
    vectorise(&features(&norm, cfg), cfg, idf)
}

/// Text → unweighted term frequencies (for fitting idf).
pub fn extract_raw(text: &str, cfg: &FeatureConfig) -> SparseVec {
    let norm = normalise(text);
    term_weights(&features(&norm, cfg), cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_and_width_are_normalised() {
        assert_eq!(normalise("3栋2单元1202"), "#栋#单元#");
        assert_eq!(normalise("3-2-1202 厨房漏水"), "#-#-# 厨房漏水");
        assert_eq!(normalise("１２栋ＡＢＣ！"), "#栋abc!");
        assert_eq!(normalise("負一樓車庫有煙"), "负一楼车库有烟");
        // Two homes differ only in numbers: identical features.
        let cfg = FeatureConfig::default();
        assert_eq!(
            extract("3栋2单元1202厨房漏水", &cfg, None),
            extract("12栋1单元301厨房漏水", &cfg, None)
        );
    }

    #[test]
    fn no_feature_memorises_a_number() {
        let norm = normalise("5-1-601 马桶堵了 电话13812345678");
        for f in features(&norm, &FeatureConfig::default()) {
            assert!(!f.text.chars().any(|c| c.is_ascii_digit()), "{f:?}");
        }
    }

    #[test]
    fn hashes_are_stable() {
        // Pinned values: a change here silently invalidates every saved model.
        // (Also computed independently by a 10-line Python port of the hash.)
        assert_eq!(hash_feature(Namespace::Word, "漏水", 18), 0x1_5a22);
        assert_eq!(hash_feature(Namespace::Chars, "漏", 18), 0x3_e727);
        assert_eq!(hash_feature(Namespace::Chars, "电梯", 18), 0x1_72e8);
        assert!(hash_feature(Namespace::Word, "电梯", 10) < 1024);
    }

    #[test]
    fn features_are_words_and_ngrams() {
        let cfg = FeatureConfig::default();
        let norm = normalise("厨房水管漏水！！😭");
        let fs = features(&norm, &cfg);
        let has = |ns: Namespace, t: &str| fs.iter().any(|f| f.ns == ns && f.text == t);
        assert!(has(Namespace::Word, "厨房"));
        assert!(has(Namespace::Word, "漏水"));
        assert!(has(Namespace::Chars, "漏"));
        assert!(has(Namespace::Chars, "管漏"));
        assert!(has(Namespace::Chars, "水管漏"));
        assert!(!has(Namespace::Chars, "水管漏水"));
        assert!(has(Namespace::Chars, "!"));
        assert!(has(Namespace::Chars, "水!!"));
        assert!(has(Namespace::Chars, "!😭"));
        let v = vectorise(&fs, &cfg, None);
        let n: f32 = v.0.iter().map(|(_, x)| x * x).sum();
        assert!((n - 1.0).abs() < 1e-5);
        assert!(v.0.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(extract("厨房水管漏水！！😭", &cfg, None), v);
    }

    #[test]
    fn has_words_needs_letters_or_hanzi() {
        assert!(has_words("漏水"));
        assert!(has_words("leak"));
        assert!(!has_words("😭😭！！？"));
        assert!(!has_words("1202"));
        assert!(!has_words("  "));
    }
}
