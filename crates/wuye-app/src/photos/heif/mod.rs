//! HEIC/HEIF: reading the ISOBMFF box structure and neutralising metadata
//! in place.
//!
//! There is no HEVC decoder here, so a HEIC photo is not decoded: its box
//! tree is parsed strictly instead (every box must fit its parent exactly),
//! and its dimensions come from the primary item's `ispe` property (`irot`
//! applied for the displayed size).
//!
//! Location metadata is neutralised **without changing the file's size or
//! structure**, so every offset in it stays valid:
//! - each `Exif` item, and each XMP item (`mime`, `application/rdf+xml`), is
//!   found through `iinf` and located through `iloc` (in the file, or in
//!   `idat`); its payload is overwritten with zeros. This is done for the
//!   top-level `meta` and for any `meta` inside `moov`/`trak`/`meco`/`moof`.
//! - `udta` and `uuid` boxes, and QuickTime-style `meta` boxes (keys/ilst,
//!   where Apple puts locations in movies) are renamed `free` and zeroed.
//!
//! If a metadata item cannot be located reliably (no `iloc` entry, data in
//! another file, built from other items, out of bounds), the photo is
//! refused; a file with no such item passes. As a last check, the result is
//! parsed again and searched for an EXIF header or an XMP packet that the
//! walk missed (say, inside a codec's own stream); finding one refuses it.

use super::errors;
use std::collections::HashMap;
use std::ops::Range;
use wuye_domain::Error;

/// `ftyp` brands accepted as HEIC/HEIF.
const HEIC_BRANDS: [&[u8; 4]; 7] = [
    b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1",
];
/// Brands that say the codec is HEVC.
const HEVC_BRANDS: [&[u8; 4]; 8] = [
    b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevx", b"hevm", b"hevs",
];
const AVIF_BRANDS: [&[u8; 4]; 3] = [b"avif", b"avis", b"avio"];
/// Boxes made only of boxes, walked to find nested metadata.
const CONTAINERS: [&[u8; 4]; 7] = [
    b"moov", b"trak", b"mdia", b"minf", b"meco", b"moof", b"traf",
];
const MAX_DEPTH: usize = 8;

/// Whether `raw` starts with an `ftyp` box naming a HEIC/HEIF brand (AVIF,
/// which shares `mif1`, is not HEIC unless an HEVC brand is present too).
pub(super) fn is_heic_ftyp(raw: &[u8]) -> bool {
    if raw.len() < 16 || &raw[4..8] != b"ftyp" {
        return false;
    }
    let size = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
    if !(16..=4096).contains(&size) || size > raw.len() {
        return false;
    }
    let brands: Vec<&[u8]> = std::iter::once(&raw[8..12])
        .chain(raw[16..size].chunks_exact(4))
        .collect();
    let any = |set: &[&[u8; 4]]| brands.iter().any(|b| set.iter().any(|s| &s[..] == *b));
    any(&HEIC_BRANDS) && (any(&HEVC_BRANDS) || !any(&AVIF_BRANDS))
}

/// A box: its type and where its header, body and end are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BoxRef {
    pub typ: [u8; 4],
    pub start: usize,
    /// Whether the size is in a 64-bit `largesize` field.
    pub large: bool,
    /// Where the body starts (after size, type, largesize, uuid).
    pub body: usize,
    pub end: usize,
}

/// What [`parse`] found.
#[derive(Debug, Clone)]
pub(super) struct Parsed {
    /// The primary image's `ispe`.
    pub coded_width: u32,
    pub coded_height: u32,
    /// As displayed (`irot` applied).
    pub width: u32,
    pub height: u32,
    /// Metadata item payloads to overwrite with zeros.
    pub zero: Vec<Range<usize>>,
    /// Boxes to turn into zeroed `free` boxes.
    pub scrub: Vec<BoxRef>,
}

fn corrupt(what: &'static str) -> Error {
    tracing::debug!(what, "HEIF structure invalid");
    errors::corrupt()
}

fn unremovable(what: &'static str) -> Error {
    tracing::info!(what, "HEIF metadata cannot be neutralised reliably");
    errors::heif_metadata_unremovable()
}

/// A bounds-checked big-endian reader over `data[pos..end]`.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], pos: usize, end: usize) -> Self {
        Self { data, pos, end }
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.end - self.pos < n {
            return Err(corrupt("box shorter than its fields"));
        }
        self.pos += n;
        Ok(&self.data[self.pos - n..self.pos])
    }

    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.bytes(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_be_bytes(
            self.bytes(2)?.try_into().unwrap_or_default(),
        ))
    }

    fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_be_bytes(
            self.bytes(4)?.try_into().unwrap_or_default(),
        ))
    }

    /// An unsigned field of 0, 4 or 8 bytes (as `iloc` declares them).
    fn sized(&mut self, n: u8) -> Result<u64, Error> {
        match n {
            0 => Ok(0),
            4 => Ok(u64::from(self.u32()?)),
            8 => Ok(u64::from_be_bytes(
                self.bytes(8)?.try_into().unwrap_or_default(),
            )),
            _ => Err(corrupt("iloc field size")),
        }
    }

    fn fourcc(&mut self) -> Result<[u8; 4], Error> {
        Ok(self.bytes(4)?.try_into().unwrap_or_default())
    }

    /// A NUL-terminated string (or the rest of the box, when a writer left
    /// the NUL out).
    fn cstr(&mut self) -> &'a [u8] {
        let rest = &self.data[self.pos..self.end];
        let len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        self.pos = (self.pos + len + 1).min(self.end);
        &rest[..len]
    }

    /// A full box's version (the flags are returned too).
    fn version_flags(&mut self) -> Result<(u8, u32), Error> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0x00FF_FFFF))
    }
}

/// The boxes in `data[from..to]`, which must fill it exactly.
pub(super) fn children(data: &[u8], from: usize, to: usize) -> Result<Vec<BoxRef>, Error> {
    let mut out = Vec::new();
    let mut pos = from;
    while pos < to {
        let mut r = Reader::new(data, pos, to);
        let size32 = r
            .u32()
            .map_err(|_| corrupt("bytes left after the last box"))?;
        let typ = r.fourcc()?;
        let (size, large) = match size32 {
            0 => ((to - pos) as u64, false),
            1 => (r.sized(8)?, true),
            n => (u64::from(n), false),
        };
        if &typ == b"uuid" {
            r.bytes(16)?;
        }
        let header = (r.pos - pos) as u64;
        if size < header || size > (to - pos) as u64 {
            return Err(corrupt("box size out of bounds"));
        }
        let end = pos + size as usize;
        out.push(BoxRef {
            typ,
            start: pos,
            large,
            body: r.pos,
            end,
        });
        pos = end;
    }
    Ok(out)
}

/// Parses a HEIC/HEIF file: the primary image's size and where its
/// metadata is. Does not touch pixel data.
pub(super) fn parse(raw: &[u8]) -> Result<Parsed, Error> {
    let top = children(raw, 0, raw.len())?;
    if top.first().is_none_or(|b| &b.typ != b"ftyp") {
        return Err(corrupt("first box is not ftyp"));
    }
    let mut zero = Vec::new();
    let mut scrub = Vec::new();
    let mut primary = None;
    for b in &top {
        match &b.typ {
            b"meta" if primary.is_some() => return Err(corrupt("two top-level meta boxes")),
            b"meta" => {
                let meta = Meta::parse(raw, b)?;
                if meta.quicktime {
                    return Err(corrupt("top-level QuickTime meta"));
                }
                zero.extend(meta.metadata_ranges(raw)?);
                primary = Some(meta);
            }
            t if CONTAINERS.contains(&t) => walk(raw, b, 1, &mut zero, &mut scrub)?,
            b"udta" | b"uuid" => scrub.push(*b),
            _ => {}
        }
    }
    let Some(meta) = primary else {
        return Err(errors::heif_unsupported(
            "没有静态图片的图像序列",
            "an image sequence without a still image",
        ));
    };
    let (coded_width, coded_height, quarter_turn) = meta.primary_size(raw)?;
    let (width, height) = if quarter_turn {
        (coded_height, coded_width)
    } else {
        (coded_width, coded_height)
    };
    Ok(Parsed {
        coded_width,
        coded_height,
        width,
        height,
        zero,
        scrub,
    })
}

/// Looks for metadata inside a container box.
fn walk(
    raw: &[u8],
    container: &BoxRef,
    depth: usize,
    zero: &mut Vec<Range<usize>>,
    scrub: &mut Vec<BoxRef>,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(corrupt("boxes nested too deep"));
    }
    for b in children(raw, container.body, container.end)? {
        match &b.typ {
            t if CONTAINERS.contains(&t) => walk(raw, &b, depth + 1, zero, scrub)?,
            b"meta" => {
                let meta = Meta::parse(raw, &b)?;
                if meta.quicktime {
                    scrub.push(b);
                } else {
                    zero.extend(meta.metadata_ranges(raw)?);
                }
            }
            b"udta" | b"uuid" => scrub.push(b),
            _ => {}
        }
    }
    Ok(())
}

/// Overwrites the metadata found by [`parse`] with zeros, keeping the size
/// and every box in place, then checks the result.
pub(super) fn sanitize(raw: &[u8], parsed: &Parsed) -> Result<Vec<u8>, Error> {
    let mut out = raw.to_vec();
    for range in &parsed.zero {
        out[range.clone()].fill(0);
    }
    for b in &parsed.scrub {
        out[b.start + 4..b.start + 8].copy_from_slice(b"free");
        let from = b.start + if b.large { 16 } else { 8 };
        out[from..b.end].fill(0);
    }
    // A payload that overlapped a box header would have broken the file.
    let again = parse(&out).map_err(|_| unremovable("zeroing broke the structure"))?;
    if (again.width, again.height) != (parsed.width, parsed.height) {
        return Err(unremovable("zeroing changed the image"));
    }
    if has_residual_metadata(&out) {
        return Err(unremovable("EXIF or XMP outside the items found"));
    }
    Ok(out)
}

/// Whether an EXIF header or an XMP packet is still somewhere in `data`.
pub(super) fn has_residual_metadata(data: &[u8]) -> bool {
    const NEEDLES: [&[u8]; 3] = [b"Exif\0\0MM\0\x2a", b"Exif\0\0II\x2a\0", b"<x:xmpmeta"];
    data.iter()
        .enumerate()
        .any(|(i, &b)| (b == b'E' || b == b'<') && NEEDLES.iter().any(|n| data[i..].starts_with(n)))
}

/// An item from `iinf`.
#[derive(Debug)]
struct Item {
    id: u32,
    typ: [u8; 4],
    content_type: Vec<u8>,
}

impl Item {
    /// EXIF, or XMP (a MIME item of type `application/rdf+xml`).
    fn is_metadata(&self) -> bool {
        &self.typ == b"Exif"
            || (&self.typ == b"mime"
                && self
                    .content_type
                    .trim_ascii()
                    .eq_ignore_ascii_case(b"application/rdf+xml"))
    }
}

/// An item's location from `iloc`.
#[derive(Debug)]
struct Location {
    construction_method: u16,
    data_reference_index: u16,
    base_offset: u64,
    /// (offset, length); a length of 0 means "to the end".
    extents: Vec<(u64, u64)>,
}

/// What a `meta` box holds.
#[derive(Debug, Default)]
struct Meta {
    /// A QuickTime-style `meta` (no version field: keys/ilst).
    quicktime: bool,
    items: Vec<Item>,
    locations: HashMap<u32, Location>,
    idat: Option<Range<usize>>,
    primary: Option<u32>,
    iprp: Option<BoxRef>,
}

mod meta;
