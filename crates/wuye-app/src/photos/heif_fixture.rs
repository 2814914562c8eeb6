//! Hand-built HEIC (ISOBMFF) files for the tests: `ftyp`, `meta` (hdlr,
//! pitm, iinf, iloc, [idat], iprp), extra boxes, and `mdat` holding the
//! image, loose bytes, the EXIF item and the XMP item.

use super::testdata::{gps_exif, xmp_packet};
use std::ops::Range;

pub(super) fn bx(typ: &[u8; 4], body: &[u8]) -> Vec<u8> {
    [&((8 + body.len()) as u32).to_be_bytes()[..], typ, body].concat()
}

pub(super) fn full(typ: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let head = [
        version,
        (flags >> 16) as u8,
        (flags >> 8) as u8,
        flags as u8,
    ];
    bx(typ, &[&head[..], body].concat())
}

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Range<usize> {
    let at = haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    at..at + needle.len()
}

/// Where the EXIF item is, and how its location is (mis)described.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum ExifAt {
    Nowhere,
    Mdat,
    Idat,
    FromItems,
    NoLocation,
    OtherFile,
    OutOfBounds,
}

/// A HEIC file: `ftyp`, `meta` (hdlr, pitm, iinf, iloc, [idat], iprp),
/// extra boxes, `mdat` (image, loose bytes, EXIF, XMP).
pub(super) struct Heic {
    pub exif: ExifAt,
    pub xmp: bool,
    pub irot: bool,
    pub size: (u32, u32),
    pub primary_type: [u8; 4],
    pub extra: Vec<Vec<u8>>,
    pub loose: Vec<u8>,
    pub large_mdat: bool,
}

impl Default for Heic {
    fn default() -> Self {
        Self {
            exif: ExifAt::Mdat,
            xmp: false,
            irot: false,
            size: (4032, 3024),
            primary_type: *b"hvc1",
            extra: Vec::new(),
            loose: Vec::new(),
            large_mdat: false,
        }
    }
}

/// The EXIF item's payload: offset to the TIFF header, then `Exif\0\0`.
pub(super) fn exif_payload() -> Vec<u8> {
    [&[0, 0, 0, 6][..], b"Exif\0\0", &gps_exif(1)].concat()
}

pub(super) fn fake_hevc() -> Vec<u8> {
    (0..400u32).map(|i| (i * 37 % 253) as u8).collect()
}

impl Heic {
    pub fn build(&self) -> Vec<u8> {
        let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
        let meta_len = self.meta(0).len();
        let extra: Vec<u8> = self.extra.concat();
        let mdat_header = if self.large_mdat { 16 } else { 8 };
        let mdat_start = ftyp.len() + meta_len + extra.len() + mdat_header;
        let meta = self.meta(mdat_start);
        assert_eq!(meta.len(), meta_len);
        let mut mdat = [fake_hevc(), self.loose.clone()].concat();
        if !matches!(self.exif, ExifAt::Nowhere | ExifAt::Idat) {
            mdat.extend_from_slice(&exif_payload());
        }
        if self.xmp {
            mdat.extend_from_slice(&xmp_packet());
        }
        let mdat = if self.large_mdat {
            let size = (16 + mdat.len()) as u64;
            [&1u32.to_be_bytes()[..], b"mdat", &size.to_be_bytes(), &mdat].concat()
        } else {
            bx(b"mdat", &mdat)
        };
        [ftyp, meta, extra, mdat].concat()
    }

    fn meta(&self, mdat: usize) -> Vec<u8> {
        let hdlr = full(b"hdlr", 0, 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
        let pitm = full(b"pitm", 0, 0, &1u16.to_be_bytes());
        let mut infe = vec![full(
            b"infe",
            2,
            0,
            &[&b"\0\x01\0\0"[..], &self.primary_type, b"\0"].concat(),
        )];
        if self.exif != ExifAt::Nowhere {
            infe.push(full(b"infe", 2, 0, b"\0\x02\0\0Exif\0"));
        }
        if self.xmp {
            infe.push(full(
                b"infe",
                2,
                0,
                b"\0\x03\0\0mime\0application/rdf+xml\0",
            ));
        }
        let iinf = full(
            b"iinf",
            0,
            0,
            &[&(infe.len() as u16).to_be_bytes()[..], &infe.concat()].concat(),
        );

        // iloc version 1: 4-byte offsets and lengths, no base offset.
        let entry = |id: u16, method: u16, dref: u16, offset: usize, len: usize| {
            [
                id.to_be_bytes(),
                method.to_be_bytes(),
                dref.to_be_bytes(),
                1u16.to_be_bytes(),
            ]
            .concat()
            .into_iter()
            .chain((offset as u32).to_be_bytes())
            .chain((len as u32).to_be_bytes())
            .collect::<Vec<u8>>()
        };
        let (image, exif, xmp) = (fake_hevc().len(), exif_payload().len(), xmp_packet().len());
        let exif_at = mdat + image + self.loose.len();
        let mut entries = vec![entry(1, 0, 0, mdat, image)];
        match self.exif {
            ExifAt::Nowhere | ExifAt::NoLocation => {}
            ExifAt::Mdat => entries.push(entry(2, 0, 0, exif_at, exif)),
            ExifAt::Idat => entries.push(entry(2, 1, 0, 0, exif)),
            ExifAt::FromItems => entries.push(entry(2, 2, 0, 0, exif)),
            ExifAt::OtherFile => entries.push(entry(2, 0, 1, exif_at, exif)),
            ExifAt::OutOfBounds => entries.push(entry(2, 0, 0, exif_at + 1_000_000, exif)),
        }
        if self.xmp {
            let after_exif = if self.exif == ExifAt::Nowhere || self.exif == ExifAt::Idat {
                0
            } else {
                exif
            };
            entries.push(entry(3, 0, 0, exif_at + after_exif, xmp));
        }
        let count = (entries.len() as u16).to_be_bytes();
        let iloc = full(
            b"iloc",
            1,
            0,
            &[&[0x44, 0x00][..], &count, &entries.concat()].concat(),
        );
        let idat = if self.exif == ExifAt::Idat {
            bx(b"idat", &exif_payload())
        } else {
            Vec::new()
        };

        let (w, h) = self.size;
        let ispe = full(b"ispe", 0, 0, &[w.to_be_bytes(), h.to_be_bytes()].concat());
        let irot = if self.irot {
            bx(b"irot", &[1])
        } else {
            Vec::new()
        };
        let ipco = bx(b"ipco", &[ispe, irot].concat());
        let assoc: &[u8] = if self.irot { &[2, 0x81, 2] } else { &[1, 0x81] };
        let ipma = full(
            b"ipma",
            0,
            0,
            &[&1u32.to_be_bytes()[..], &1u16.to_be_bytes(), assoc].concat(),
        );
        let iprp = bx(b"iprp", &[ipco, ipma].concat());
        full(
            b"meta",
            0,
            0,
            &[hdlr, pitm, iinf, iloc, idat, iprp].concat(),
        )
    }
}
