//! The model file: compact, versioned, checksummed binary.
//!
//! ```text
//! magic   "WUYEDSPM"                         8 bytes
//! version u16 LE (= 1)
//! kind    u8: 1 = classifier (category, urgency, kind heads), 2 = one head
//! kind 1: emergency threshold f32 LE, then 3 heads
//! kind 2: target u8 (0 category/label, 1 urgency, 2 kind), then 1 head
//! head:   bits u8, max_ngram u8, flags u8 (1 words, 2 hmm, 4 idf, 8 word pairs),
//!         word_weight f32, unigram_weight f32
//!         with idf: default u16, n_seen u32, each: bucket delta (varint), idf u16 (× 1/4096)
//!         n_labels u16, each label: len u16 + UTF-8
//!         bias f32 × n_labels, scale f32, n_rows u32
//!         each row: bucket delta (LEB128 varint), n_labels × i16 LE (w = q × scale)
//! check   FNV-1a 64 of all bytes before it, u64 LE
//! ```
//! Only buckets with a non-zero weight are stored.

use super::data::Target;
use super::features::FeatureConfig;
use super::features::Idf;
use super::model::LabelModel;
use crate::error::Error;
use std::sync::Arc;

const MAGIC: &[u8; 8] = b"WUYEDSPM";
const VERSION: u16 = 1;

pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// What a model file holds, before it becomes a `Model`.
pub(crate) enum Contents {
    Full {
        emergency_threshold: f32,
        heads: Box<[LabelModel; 3]>,
    },
    Single {
        target: Target,
        head: LabelModel,
    },
}

pub(crate) fn encode(contents: &Contents) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    match contents {
        Contents::Full {
            emergency_threshold,
            heads,
        } => {
            out.push(1);
            out.extend_from_slice(&emergency_threshold.to_le_bytes());
            for h in heads.iter() {
                head(&mut out, h);
            }
        }
        Contents::Single { target, head: h } => {
            out.push(2);
            out.push(match target {
                Target::Category => 0,
                Target::Urgency => 1,
                Target::Kind => 2,
            });
            head(&mut out, h);
        }
    }
    let check = fnv(&out);
    out.extend_from_slice(&check.to_le_bytes());
    out
}

fn head(out: &mut Vec<u8>, m: &LabelModel) {
    let f = &m.features;
    out.push(f.bits);
    out.push(f.max_ngram);
    out.push(
        u8::from(f.words)
            | (u8::from(f.hmm) << 1)
            | (u8::from(m.idf.is_some()) << 2)
            | (u8::from(f.word_pairs) << 3),
    );
    out.extend_from_slice(&f.word_weight.to_le_bytes());
    out.extend_from_slice(&f.unigram_weight.to_le_bytes());
    if let Some(idf) = &m.idf {
        out.extend_from_slice(&idf.default_q.to_le_bytes());
        let seen: Vec<(u32, u16)> = idf.seen().collect();
        out.extend_from_slice(&(seen.len() as u32).to_le_bytes());
        let mut prev = 0u32;
        for (b, q) in seen {
            varint(out, b - prev);
            prev = b;
            out.extend_from_slice(&q.to_le_bytes());
        }
    }
    out.extend_from_slice(&(m.labels.len() as u16).to_le_bytes());
    for l in &m.labels {
        out.extend_from_slice(&(l.len() as u16).to_le_bytes());
        out.extend_from_slice(l.as_bytes());
    }
    for b in &m.bias {
        out.extend_from_slice(&b.to_le_bytes());
    }
    out.extend_from_slice(&m.scale.to_le_bytes());
    out.extend_from_slice(&(m.n_weights_rows() as u32).to_le_bytes());
    let mut prev = 0u32;
    for (b, r) in m.weighted_buckets() {
        varint(out, b - prev);
        prev = b;
        for q in m.quantised_row(r) {
            out.extend_from_slice(&q.to_le_bytes());
        }
    }
}

fn varint(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn invalid(why_zh: &str, why_en: &str) -> Error {
    Error::invalid(
        "model_invalid",
        format!("模型文件无效：{why_zh}"),
        format!("The model file is not valid: {why_en}"),
    )
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| invalid("文件被截断", "it is truncated"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }
    fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn f32(&mut self) -> Result<f32, Error> {
        let v = f32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes"));
        if v.is_finite() {
            Ok(v)
        } else {
            Err(invalid("含有非有限数值", "it holds a non-finite number"))
        }
    }
    fn varint(&mut self) -> Result<u32, Error> {
        let mut v: u64 = 0;
        for shift in (0..35).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return u32::try_from(v)
                    .map_err(|_| invalid("数值越界", "a number is out of range"));
            }
        }
        Err(invalid("数值越界", "a number is out of range"))
    }
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Contents, Error> {
    if bytes.len() < MAGIC.len() + 2 + 8 || &bytes[..8] != MAGIC {
        return Err(invalid(
            "不是 wuye 分类模型",
            "it is not a wuye classifier model",
        ));
    }
    let (body, check) = bytes.split_at(bytes.len() - 8);
    if fnv(body) != u64::from_le_bytes(check.try_into().expect("8 bytes")) {
        return Err(invalid(
            "校验和不符（文件已损坏）",
            "its checksum does not match (corrupt file)",
        ));
    }
    let mut r = Reader { bytes: body, at: 8 };
    let version = r.u16()?;
    if version != VERSION {
        return Err(Error::invalid(
            "model_invalid",
            format!(
                "模型文件版本 {version} 不受支持（本程序读取版本 {VERSION}），请用本程序重新训练"
            ),
            format!(
                "Model file version {version} is not supported (this build reads {VERSION}); retrain it with this build"
            ),
        ));
    }
    let contents = match r.u8()? {
        1 => {
            let emergency_threshold = r.f32()?;
            let mut heads = [read_head(&mut r)?, read_head(&mut r)?, read_head(&mut r)?];
            // Heads trained together share one idf table: share it in memory
            // too (the classifier then weighs a message once).
            let first = heads[0].idf.clone();
            for h in &mut heads[1..] {
                if h.idf.is_some() && h.idf == first {
                    h.idf = first.clone();
                }
            }
            Contents::Full {
                emergency_threshold,
                heads: Box::new(heads),
            }
        }
        2 => {
            let target = match r.u8()? {
                0 => Target::Category,
                1 => Target::Urgency,
                2 => Target::Kind,
                _ => return Err(invalid("未知的标签列", "unknown target column")),
            };
            Contents::Single {
                target,
                head: read_head(&mut r)?,
            }
        }
        _ => return Err(invalid("未知的模型类型", "unknown model kind")),
    };
    if r.at != body.len() {
        return Err(invalid("文件末尾有多余数据", "it has trailing bytes"));
    }
    Ok(contents)
}

fn read_head(r: &mut Reader<'_>) -> Result<LabelModel, Error> {
    let bits = r.u8()?;
    let max_ngram = r.u8()?;
    let flags = r.u8()?;
    let word_weight = r.f32()?;
    let unigram_weight = r.f32()?;
    if !(10..=24).contains(&bits) || max_ngram > 4 {
        return Err(invalid(
            "特征设置越界",
            "its feature settings are out of range",
        ));
    }
    let cfg = FeatureConfig {
        bits,
        max_ngram,
        words: flags & 1 != 0,
        hmm: flags & 2 != 0,
        word_weight,
        word_pairs: flags & 8 != 0,
        unigram_weight,
    };
    let n_buckets = 1u64 << bits;
    let idf = if flags & 4 != 0 {
        let default_q = r.u16()?;
        let n_seen = r.u32()? as usize;
        if n_seen as u64 > n_buckets || n_seen.saturating_mul(3) > r.bytes.len() {
            return Err(invalid("idf 表越界", "its idf table is out of range"));
        }
        let mut seen = Vec::with_capacity(n_seen);
        let mut bucket: u64 = 0;
        for i in 0..n_seen {
            let d = u64::from(r.varint()?);
            if i > 0 && d == 0 {
                return Err(invalid("idf 表重复", "its idf table repeats a bucket"));
            }
            bucket += d;
            if bucket >= n_buckets {
                return Err(invalid("idf 表越界", "its idf table is out of range"));
            }
            seen.push((bucket as u32, r.u16()?));
        }
        Some(Arc::new(Idf::from_parts(bits, default_q, &seen)))
    } else {
        None
    };
    let n = usize::from(r.u16()?);
    if n < 2 {
        return Err(invalid("标签少于两个", "it has fewer than two labels"));
    }
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let len = usize::from(r.u16()?);
        let s = std::str::from_utf8(r.take(len)?)
            .map_err(|_| invalid("标签不是 UTF-8", "a label is not UTF-8"))?;
        labels.push(s.to_string());
    }
    let mut bias = Vec::with_capacity(n);
    for _ in 0..n {
        bias.push(r.f32()?);
    }
    let scale = r.f32()?;
    let n_rows = r.u32()? as usize;
    if n_rows as u64 > n_buckets || n_rows.saturating_mul(n * 2) > r.bytes.len() {
        return Err(invalid("权重行数越界", "its row count is out of range"));
    }
    let mut buckets = Vec::with_capacity(n_rows);
    let mut weights = Vec::with_capacity(n_rows * n);
    let mut bucket: u64 = 0;
    for i in 0..n_rows {
        let d = u64::from(r.varint()?);
        if i > 0 && d == 0 {
            return Err(invalid("权重行重复", "a row is repeated"));
        }
        bucket += d;
        if bucket >= n_buckets {
            return Err(invalid("权重行越界", "a row is out of range"));
        }
        let raw = r.take(n * 2)?;
        buckets.push(bucket as u32);
        weights.extend(
            raw.chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]])),
        );
    }
    Ok(LabelModel::from_quantised(
        labels, cfg, idf, bias, scale, &buckets, weights,
    ))
}
