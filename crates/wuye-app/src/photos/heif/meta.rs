//! The `meta` box: items (`iinf`), their locations (`iloc`, `idat`), the
//! primary item (`pitm`) and its properties (`iprp`: `ipco`, `ipma`).

use super::{BoxRef, Item, Location, Meta, Reader, children, corrupt, unremovable};
use crate::photos::errors;
use std::collections::HashMap;
use std::ops::Range;
use wuye_domain::Error;

impl Meta {
    pub(super) fn parse(raw: &[u8], b: &BoxRef) -> Result<Self, Error> {
        // QuickTime's `meta` has no version field: `hdlr` follows at once.
        if b.end - b.body >= 8 && &raw[b.body + 4..b.body + 8] == b"hdlr" {
            return Ok(Self {
                quicktime: true,
                ..Self::default()
            });
        }
        let mut r = Reader::new(raw, b.body, b.end);
        r.version_flags()?;
        let mut meta = Self::default();
        let (mut seen_iinf, mut seen_iloc) = (false, false);
        for c in children(raw, r.pos, b.end)? {
            match &c.typ {
                b"iinf" if seen_iinf => return Err(corrupt("two iinf boxes")),
                b"iinf" => {
                    seen_iinf = true;
                    meta.items = parse_iinf(raw, &c)?;
                }
                b"iloc" if seen_iloc => return Err(corrupt("two iloc boxes")),
                b"iloc" => {
                    seen_iloc = true;
                    meta.locations = parse_iloc(raw, &c)?;
                }
                b"idat" if meta.idat.is_some() => return Err(corrupt("two idat boxes")),
                b"idat" => meta.idat = Some(c.body..c.end),
                b"pitm" => {
                    let mut r = Reader::new(raw, c.body, c.end);
                    let (version, _) = r.version_flags()?;
                    let id = if version == 0 {
                        u32::from(r.u16()?)
                    } else {
                        r.u32()?
                    };
                    meta.primary = Some(id);
                }
                b"iprp" => meta.iprp = Some(c),
                _ => {}
            }
        }
        Ok(meta)
    }

    /// Where the payloads of the EXIF and XMP items are, in the file.
    pub(super) fn metadata_ranges(&self, raw: &[u8]) -> Result<Vec<Range<usize>>, Error> {
        let mut out = Vec::new();
        for item in self.items.iter().filter(|i| i.is_metadata()) {
            let loc = self
                .locations
                .get(&item.id)
                .ok_or_else(|| unremovable("metadata item without iloc entry"))?;
            if loc.data_reference_index != 0 {
                return Err(unremovable("metadata item in another file"));
            }
            let area = match loc.construction_method {
                0 => 0..raw.len(),
                1 => self
                    .idat
                    .clone()
                    .ok_or_else(|| unremovable("metadata item in a missing idat"))?,
                _ => return Err(unremovable("metadata item built from other items")),
            };
            for &(offset, length) in &loc.extents {
                let start = (area.start as u64)
                    .checked_add(loc.base_offset)
                    .and_then(|s| s.checked_add(offset))
                    .filter(|&s| s <= area.end as u64)
                    .ok_or_else(|| unremovable("metadata extent out of bounds"))?;
                let end = match length {
                    0 => area.end as u64,
                    n => start.saturating_add(n),
                };
                if end > area.end as u64 {
                    return Err(unremovable("metadata extent out of bounds"));
                }
                out.push(start as usize..end as usize);
            }
        }
        Ok(out)
    }

    /// The primary image's `ispe` size, and whether `irot` turns it a
    /// quarter turn.
    pub(super) fn primary_size(&self, raw: &[u8]) -> Result<(u32, u32, bool), Error> {
        let id = self.primary.ok_or_else(|| corrupt("no primary item"))?;
        let item = self
            .items
            .iter()
            .find(|i| i.id == id)
            .ok_or_else(|| corrupt("primary item not in iinf"))?;
        if &item.typ == b"av01" {
            return Err(errors::heif_unsupported("AVIF 图片", "an AVIF image"));
        }
        let iprp = self.iprp.ok_or_else(|| corrupt("no item properties"))?;
        let boxes = children(raw, iprp.body, iprp.end)?;
        let ipco = boxes
            .iter()
            .find(|b| &b.typ == b"ipco")
            .ok_or_else(|| corrupt("no ipco"))?;
        let properties = children(raw, ipco.body, ipco.end)?;
        let mut size = None;
        let mut quarter_turn = false;
        for ipma in boxes.iter().filter(|b| &b.typ == b"ipma") {
            for index in associations(raw, ipma, id)? {
                let Some(p) = index.checked_sub(1).and_then(|i| properties.get(i)) else {
                    return Err(corrupt("ipma index out of range"));
                };
                let mut r = Reader::new(raw, p.body, p.end);
                match &p.typ {
                    b"ispe" => {
                        r.version_flags()?;
                        size = Some((r.u32()?, r.u32()?));
                    }
                    b"irot" => quarter_turn = r.u8()? & 1 == 1,
                    _ => {}
                }
            }
        }
        let (w, h) = size.ok_or_else(|| corrupt("primary item without ispe"))?;
        Ok((w, h, quarter_turn))
    }
}

/// The (1-based) property indices `ipma` associates with `item`.
fn associations(raw: &[u8], ipma: &BoxRef, item: u32) -> Result<Vec<usize>, Error> {
    let mut r = Reader::new(raw, ipma.body, ipma.end);
    let (version, flags) = r.version_flags()?;
    let count = r.u32()?;
    let mut out = Vec::new();
    for _ in 0..count {
        let id = if version < 1 {
            u32::from(r.u16()?)
        } else {
            r.u32()?
        };
        for _ in 0..r.u8()? {
            let index = if flags & 1 == 1 {
                usize::from(r.u16()? & 0x7FFF)
            } else {
                usize::from(r.u8()? & 0x7F)
            };
            if id == item && index != 0 {
                out.push(index);
            }
        }
    }
    Ok(out)
}

fn parse_iinf(raw: &[u8], b: &BoxRef) -> Result<Vec<Item>, Error> {
    let mut r = Reader::new(raw, b.body, b.end);
    let (version, _) = r.version_flags()?;
    let count = if version == 0 {
        u32::from(r.u16()?)
    } else {
        r.u32()?
    };
    let mut items = Vec::new();
    for c in children(raw, r.pos, b.end)? {
        if &c.typ == b"infe" {
            items.push(parse_infe(raw, &c)?);
        }
    }
    if items.len() as u64 != u64::from(count) {
        return Err(corrupt("iinf count does not match its entries"));
    }
    Ok(items)
}

fn parse_infe(raw: &[u8], b: &BoxRef) -> Result<Item, Error> {
    let mut r = Reader::new(raw, b.body, b.end);
    let (version, _) = r.version_flags()?;
    match version {
        // Versions 0 and 1 have no item type, only a MIME content type.
        0 | 1 => {
            let id = u32::from(r.u16()?);
            r.u16()?; // protection index
            r.cstr(); // name
            Ok(Item {
                id,
                typ: *b"mime",
                content_type: r.cstr().to_vec(),
            })
        }
        2 | 3 => {
            let id = if version == 2 {
                u32::from(r.u16()?)
            } else {
                r.u32()?
            };
            r.u16()?; // protection index
            let typ = r.fourcc()?;
            r.cstr(); // name
            let content_type = if &typ == b"mime" {
                r.cstr().to_vec()
            } else {
                Vec::new()
            };
            Ok(Item {
                id,
                typ,
                content_type,
            })
        }
        // Its type cannot be read, so it might be EXIF.
        _ => Err(corrupt("unknown infe version")),
    }
}

fn parse_iloc(raw: &[u8], b: &BoxRef) -> Result<HashMap<u32, Location>, Error> {
    let mut r = Reader::new(raw, b.body, b.end);
    let (version, _) = r.version_flags()?;
    if version > 2 {
        return Err(corrupt("unknown iloc version"));
    }
    let sizes = r.u8()?;
    let (offset_size, length_size) = (sizes >> 4, sizes & 0x0F);
    let sizes = r.u8()?;
    let base_offset_size = sizes >> 4;
    let index_size = if version == 0 { 0 } else { sizes & 0x0F };
    let count = if version < 2 {
        u32::from(r.u16()?)
    } else {
        r.u32()?
    };
    let mut out = HashMap::new();
    for _ in 0..count {
        let id = if version < 2 {
            u32::from(r.u16()?)
        } else {
            r.u32()?
        };
        let construction_method = if version == 0 { 0 } else { r.u16()? & 0x0F };
        let data_reference_index = r.u16()?;
        let base_offset = r.sized(base_offset_size)?;
        let extent_count = r.u16()?;
        let mut extents = Vec::new();
        for _ in 0..extent_count {
            r.sized(index_size)?; // extent index, for items built from items
            let offset = r.sized(offset_size)?;
            let length = r.sized(length_size)?;
            extents.push((offset, length));
        }
        let location = Location {
            construction_method,
            data_reference_index,
            base_offset,
            extents,
        };
        if out.insert(id, location).is_some() {
            return Err(corrupt("item located twice"));
        }
    }
    Ok(out)
}
