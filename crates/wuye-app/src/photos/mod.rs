//! Photos on work orders: checking an upload, removing the metadata that can
//! reveal where it was taken, a thumbnail, and content-addressed storage.
//!
//! [`process`] is synchronous and CPU-bound (a 40-megapixel JPEG takes a
//! noticeable fraction of a second to decode): call it in
//! `tokio::task::spawn_blocking`. Its steps, in order:
//!
//! 1. empty or larger than [`PhotoLimits::max_bytes`]: refused before anything else;
//! 2. the type is sniffed from the bytes (magic numbers), never from a name;
//! 3. the dimensions are read from the header, before any decoding, so a
//!    decompression bomb (a small file declaring 100000×100000) is refused
//!    without allocating its pixels;
//! 4. metadata that can reveal a location is removed (`strip.rs` for
//!    JPEG/PNG/WebP, losslessly; `heif/` for HEIC, in place);
//! 5. JPEG/PNG/WebP: the *sanitized* file is fully decoded (with
//!    `image::Limits`), which proves that what is stored is readable, and a
//!    JPEG thumbnail is made. HEIC cannot be decoded here (no HEVC decoder);
//!    its box structure is validated instead and it gets no thumbnail.
//!
//! The photo's id is the SHA-256 of the sanitized bytes, so storing the same
//! upload twice stores one file.

mod errors;
mod heif;
mod raster;
mod store;
mod strip;

#[cfg(test)]
mod heif_fixture;
#[cfg(test)]
mod heif_tests;
#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;

pub use store::{FsPhotoStore, PhotoStore, StoreFuture, is_valid_id};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use wuye_domain::Error;

/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_MAX_SIDE: u32 = 320;

/// The photo formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoFormat {
    Jpeg,
    Png,
    Webp,
    /// HEIC/HEIF (ISOBMFF with an HEVC or generic HEIF brand).
    Heic,
}

impl PhotoFormat {
    /// The MIME type to serve the file with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Heic => "image/heic",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Heic => "heic",
        }
    }

    /// Sniffs the format from the first bytes of a file (magic numbers).
    /// `None` for anything not accepted, AVIF included (it is HEIF-based and
    /// may carry the `mif1` brand, but is not HEIC).
    pub fn sniff(raw: &[u8]) -> Option<Self> {
        if raw.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if raw.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if raw.len() >= 12 && &raw[..4] == b"RIFF" && &raw[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else if heif::is_heic_ftyp(raw) {
            Some(Self::Heic)
        } else {
            None
        }
    }
}

impl fmt::Display for PhotoFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Webp => "WebP",
            Self::Heic => "HEIC",
        })
    }
}

/// What an upload may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoLimits {
    /// The largest file accepted, in bytes.
    pub max_bytes: usize,
    /// The most pixels (width × height) accepted.
    pub max_pixels: u64,
    /// The longest side accepted, in pixels.
    pub max_side: u32,
    /// The shortest side accepted, in pixels.
    pub min_side: u32,
}

impl Default for PhotoLimits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_side: 12_000,
            min_side: 16,
        }
    }
}

/// A checked photo, ready to store.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// Lowercase hex SHA-256 of `bytes`.
    pub id: String,
    pub format: PhotoFormat,
    /// Width as displayed: EXIF orientation (JPEG/PNG/WebP) or HEIF `irot`
    /// (HEIC) applied, so a portrait phone photo is narrower than it is tall.
    pub width: u32,
    /// Height as displayed (see `width`).
    pub height: u32,
    /// The sanitized file, in its original format.
    pub bytes: Vec<u8>,
    /// A JPEG whose longest side is at most [`THUMBNAIL_MAX_SIDE`] pixels,
    /// upright; `None` for HEIC, which cannot be decoded here.
    pub thumbnail: Option<Vec<u8>>,
}

impl fmt::Debug for ProcessedPhoto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedPhoto")
            .field("id", &self.id)
            .field("format", &self.format)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.bytes.len())
            .field("thumbnail", &self.thumbnail.as_ref().map(Vec::len))
            .finish()
    }
}

/// The lowercase hex SHA-256 of `bytes`: a photo's id.
pub fn photo_id(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks an upload, removes location metadata and makes the thumbnail.
/// Synchronous and CPU-bound: run it in `spawn_blocking`.
///
/// Errors (all `invalid`): `photo_empty`, `photo_too_large`,
/// `photo_type_unsupported`, `photo_dimensions_invalid`, `photo_corrupt`.
pub fn process(raw: &[u8], limits: &PhotoLimits) -> Result<ProcessedPhoto, Error> {
    if raw.is_empty() {
        return Err(errors::empty());
    }
    if raw.len() > limits.max_bytes {
        return Err(errors::too_large(raw.len(), limits.max_bytes));
    }
    let format = PhotoFormat::sniff(raw).ok_or_else(errors::unsupported)?;
    match format {
        PhotoFormat::Heic => {
            let parsed = heif::parse(raw)?;
            check_dimensions(parsed.coded_width, parsed.coded_height, limits)?;
            let bytes = heif::sanitize(raw, &parsed)?;
            Ok(ProcessedPhoto {
                id: photo_id(&bytes),
                format,
                width: parsed.width,
                height: parsed.height,
                bytes,
                thumbnail: None,
            })
        }
        PhotoFormat::Jpeg | PhotoFormat::Png | PhotoFormat::Webp => {
            let size = imagesize::blob_size(raw).map_err(|e| {
                tracing::debug!(error = %e, %format, "photo header unreadable");
                errors::corrupt()
            })?;
            let (width, height) = (clamp_u32(size.width), clamp_u32(size.height));
            check_dimensions(width, height, limits)?;
            let stripped = strip::strip(format, raw)?;
            let decoded = raster::decode_and_thumbnail(format, &stripped, limits)?;
            if (decoded.coded_width, decoded.coded_height) != (width, height) {
                tracing::debug!(%format, "photo header and decoder disagree on dimensions");
                return Err(errors::corrupt());
            }
            Ok(ProcessedPhoto {
                id: photo_id(&stripped),
                format,
                width: decoded.width,
                height: decoded.height,
                bytes: stripped,
                thumbnail: Some(decoded.thumbnail),
            })
        }
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Refuses dimensions outside the limits. Runs on header values only.
fn check_dimensions(width: u32, height: u32, limits: &PhotoLimits) -> Result<(), Error> {
    if width.max(height) > limits.max_side {
        return Err(errors::side_too_long(width, height, limits.max_side));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(errors::too_many_pixels(width, height, limits.max_pixels));
    }
    if width.min(height) < limits.min_side {
        return Err(errors::too_small(width, height, limits.min_side));
    }
    Ok(())
}
