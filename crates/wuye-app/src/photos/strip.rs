//! Removing metadata that can reveal where a JPEG, PNG or WebP photo was
//! taken — **losslessly**, with the `img-parts` crate: the compressed image
//! data is copied byte for byte (no re-encoding, no quality loss); only
//! metadata containers are dropped.
//!
//! An allow-list decides what stays, so metadata kinds nobody thought of go
//! too:
//! - JPEG: every APPn segment except APP0 (JFIF), APP2 `ICC_PROFILE` and
//!   APP14 (Adobe colour transform) is dropped, so EXIF and XMP (APP1),
//!   MPF (APP2), IPTC/Photoshop (APP13) and the rest go, and so do comments;
//!   segments between progressive scans are filtered the same way, and
//!   anything after the end-of-image marker (the extra images and videos
//!   phones append, each with its own EXIF) is cut off.
//! - PNG: only the chunks that affect how the image looks are kept; `eXIf`,
//!   the text chunks (`tEXt`, `zTXt`, `iTXt`, which carry XMP and
//!   "Raw profile type exif"), `tIME` and private chunks are dropped, and so
//!   is anything after `IEND`.
//! - WebP: only image, animation, alpha and ICC chunks are kept (`EXIF`,
//!   `XMP ` and unknown chunks go) and the `VP8X` flags are updated.
//!
//! The EXIF orientation, the one EXIF field that changes how a photo is
//! shown, is kept: a fresh EXIF block holding only that tag replaces the
//! original one when the orientation is not the default.

use super::errors;
use image::metadata::Orientation;
use img_parts::jpeg::{Jpeg, JpegSegment, markers};
use img_parts::png::{Png, PngChunk};
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF};
use wuye_domain::Error;

use super::PhotoFormat;

/// Removes location-revealing metadata from a JPEG, PNG or WebP file.
/// Fails with `photo_corrupt` when the container cannot be parsed, and with
/// `photo_type_unsupported` for HEIC (see [`super::heif`]).
pub(super) fn strip(format: PhotoFormat, raw: &[u8]) -> Result<Vec<u8>, Error> {
    match format {
        PhotoFormat::Jpeg => strip_jpeg(raw),
        PhotoFormat::Png => strip_png(raw),
        PhotoFormat::Webp => strip_webp(raw),
        PhotoFormat::Heic => Err(errors::unsupported()),
    }
}

fn corrupt(what: &str) -> Error {
    tracing::debug!(what, "photo container unreadable");
    errors::corrupt()
}

/// A TIFF (EXIF) block holding only the Orientation tag (big-endian).
pub(super) fn orientation_exif(orientation: Orientation) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2a");
    tiff.extend_from_slice(&8u32.to_be_bytes()); // IFD0 right after the header
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry:
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation,
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT,
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value,
    tiff.extend_from_slice(&u16::from(orientation.to_exif()).to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // (padding of the value field)
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no IFD1
    tiff
}

fn orientation_of(exif: Option<&[u8]>) -> Orientation {
    let Some(mut exif) = exif else {
        return Orientation::NoTransforms;
    };
    // WebP writers disagree on whether the `Exif\0\0` prefix belongs in the chunk.
    if let Some(tiff) = exif.strip_prefix(b"Exif\0\0") {
        exif = tiff;
    }
    Orientation::from_exif_chunk(exif).unwrap_or(Orientation::NoTransforms)
}

/// Whether a JPEG marker segment stays (see the module documentation).
fn keep_jpeg_segment(marker: u8, contents: &[u8]) -> bool {
    match marker {
        markers::APP0 | markers::APP14 => true,
        markers::APP2 => contents.starts_with(b"ICC_PROFILE\0"),
        markers::APP1..=markers::APP15 | markers::COM => false,
        _ => true,
    }
}

fn strip_jpeg(raw: &[u8]) -> Result<Vec<u8>, Error> {
    let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(raw)).map_err(|_| corrupt("jpeg"))?;
    let orientation = orientation_of(jpeg.exif().as_deref());

    // img-parts stops at the first start-of-scan and keeps the rest of the
    // file (scans, later segments, the end marker, trailing data) as that
    // segment's "entropy".
    let segments = jpeg.segments();
    let sos_at = segments
        .iter()
        .position(|s| s.marker() == markers::SOS)
        .ok_or_else(|| corrupt("jpeg without scan"))?;
    let sos = &segments[sos_at];
    let tail_len = sos.len_with_entropy() - sos.len();
    let tail = clean_jpeg_tail(&raw[raw.len() - tail_len..])
        .ok_or_else(|| corrupt("jpeg without end marker"))?;

    let mut kept: Vec<JpegSegment> = segments[..sos_at]
        .iter()
        .filter(|s| keep_jpeg_segment(s.marker(), s.contents()))
        .cloned()
        .collect();
    if orientation != Orientation::NoTransforms {
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&orientation_exif(orientation));
        // After JFIF's APP0, which must come first when present.
        let at = usize::from(kept.first().is_some_and(|s| s.marker() == markers::APP0));
        kept.insert(
            at,
            JpegSegment::new_with_contents(markers::APP1, Bytes::from(app1)),
        );
    }
    kept.push(JpegSegment::new_with_entropy(
        markers::SOS,
        sos.contents().clone(),
        Bytes::from(tail),
    ));
    *jpeg.segments_mut() = kept;
    Ok(jpeg.encoder().bytes().to_vec())
}

/// Copies the entropy-coded data and the segments after the first scan,
/// dropping metadata segments, up to and including the end-of-image marker.
/// `None` when there is no end marker (a truncated file).
pub(super) fn clean_jpeg_tail(tail: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(tail.len());
    let mut copied = 0; // tail[..copied] has been dealt with
    let mut at = 0;
    while at + 1 < tail.len() {
        if tail[at] != 0xFF {
            at += 1;
            continue;
        }
        match tail[at + 1] {
            // Fill byte: the marker comes after it.
            0xFF => at += 1,
            // Stuffed 0xFF in entropy data, restart markers, TEM: no length.
            0x00 | 0x01 | markers::RST0..=markers::RST7 => at += 2,
            markers::EOI => {
                out.extend_from_slice(&tail[copied..at + 2]);
                return Some(out);
            }
            markers::SOI => return None,
            marker => {
                let len = usize::from(u16::from_be_bytes([*tail.get(at + 2)?, *tail.get(at + 3)?]));
                let end = at + 2 + len;
                if len < 2 || end > tail.len() {
                    return None;
                }
                out.extend_from_slice(&tail[copied..at]);
                if keep_jpeg_segment(marker, &tail[at + 4..end]) {
                    out.extend_from_slice(&tail[at..end]);
                }
                copied = end;
                at = end;
            }
        }
    }
    None
}

/// PNG chunks that affect how the image looks (all others are dropped).
const PNG_KEEP: [&[u8; 4]; 20] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"mDCv", b"cLLI", b"cLLi", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
];

fn strip_png(raw: &[u8]) -> Result<Vec<u8>, Error> {
    let mut png = Png::from_bytes(Bytes::copy_from_slice(raw)).map_err(|_| corrupt("png"))?;
    let chunks = png.chunks();
    if chunks.first().is_none_or(|c| &c.kind() != b"IHDR")
        || chunks.last().is_none_or(|c| &c.kind() != b"IEND")
    {
        return Err(corrupt("png without IHDR or IEND"));
    }
    let orientation = orientation_of(png.exif().as_deref());
    let chunks = png.chunks_mut();
    chunks.retain(|c| PNG_KEEP.contains(&&c.kind()));
    if orientation != Orientation::NoTransforms {
        // Before the image data, where decoders look for it.
        let at = chunks
            .iter()
            .position(|c| &c.kind() == b"IDAT")
            .unwrap_or(1);
        let exif = Bytes::from(orientation_exif(orientation));
        chunks.insert(at, PngChunk::new(*b"eXIf", exif));
    }
    Ok(png.encoder().bytes().to_vec())
}

/// WebP chunks kept (all others are dropped).
const WEBP_KEEP: [&[u8; 4]; 7] = [
    b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];
/// `VP8X` flag bits for the metadata chunks.
const VP8X_EXIF: u8 = 0b0000_1000;
const VP8X_XMP: u8 = 0b0000_0100;

fn strip_webp(raw: &[u8]) -> Result<Vec<u8>, Error> {
    let mut webp = WebP::from_bytes(Bytes::copy_from_slice(raw)).map_err(|_| corrupt("webp"))?;
    let exif = webp
        .chunk_by_id(*b"EXIF")
        .and_then(|c| c.content().data().cloned());
    let orientation = orientation_of(exif.as_deref());
    // Not `set_exif`: img-parts then rebuilds `VP8X` from ICC and EXIF
    // alone, which loses the alpha and animation flags.
    let chunks = webp.chunks_mut();
    chunks.retain(|c| WEBP_KEEP.contains(&&c.id()));
    let mut keep_exif = false;
    if let Some(vp8x) = chunks.iter_mut().find(|c| &c.id() == b"VP8X") {
        let mut data = vp8x
            .content()
            .data()
            .filter(|d| d.len() >= 10)
            .ok_or_else(|| corrupt("webp VP8X"))?
            .to_vec();
        keep_exif = orientation != Orientation::NoTransforms;
        data[0] &= !(VP8X_EXIF | VP8X_XMP);
        if keep_exif {
            data[0] |= VP8X_EXIF;
        }
        *vp8x = RiffChunk::new(*b"VP8X", RiffContent::Data(Bytes::from(data)));
    }
    if keep_exif {
        let exif = Bytes::from(orientation_exif(orientation));
        chunks.push(RiffChunk::new(*b"EXIF", RiffContent::Data(exif)));
    }
    Ok(webp.encoder().bytes().to_vec())
}
