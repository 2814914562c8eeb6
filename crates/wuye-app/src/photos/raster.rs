//! Decoding JPEG/PNG/WebP (to prove the file is sound) and the thumbnail.

use super::{PhotoFormat, PhotoLimits, THUMBNAIL_MAX_SIDE, errors};
use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage};
use std::io::Cursor;
use wuye_domain::Error;

/// JPEG quality of thumbnails.
const THUMBNAIL_QUALITY: u8 = 80;

/// What decoding found.
#[derive(Debug)]
pub(super) struct Decoded {
    /// As stored in the file.
    pub coded_width: u32,
    pub coded_height: u32,
    /// As displayed (orientation applied).
    pub width: u32,
    pub height: u32,
    /// JPEG, upright, longest side at most [`THUMBNAIL_MAX_SIDE`].
    pub thumbnail: Vec<u8>,
}

/// The decoder's limits: the same sides as the header check, and memory for
/// the largest image allowed at 8 bytes a pixel (16-bit RGBA) plus slack.
pub(super) fn decoder_limits(limits: &PhotoLimits) -> image::Limits {
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(
        limits
            .max_pixels
            .saturating_mul(8)
            .saturating_add(64 * 1024 * 1024),
    );
    l
}

/// Fully decodes `bytes` and makes the thumbnail.
pub(super) fn decode_and_thumbnail(
    format: PhotoFormat,
    bytes: &[u8],
    limits: &PhotoLimits,
) -> Result<Decoded, Error> {
    let image_format = match format {
        PhotoFormat::Jpeg => ImageFormat::Jpeg,
        PhotoFormat::Png => ImageFormat::Png,
        PhotoFormat::Webp => ImageFormat::WebP,
        PhotoFormat::Heic => return Err(errors::unsupported()),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    reader.limits(decoder_limits(limits));
    let fail = |e: ImageError| decode_error(e, format, limits);
    let mut decoder = reader.into_decoder().map_err(fail)?;
    let (coded_width, coded_height) = decoder.dimensions();
    let orientation = decoder.orientation().map_err(fail)?;
    let image = DynamicImage::from_decoder(decoder).map_err(fail)?;

    let mut small = if coded_width.max(coded_height) > THUMBNAIL_MAX_SIDE {
        image.thumbnail(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE)
    } else {
        image
    };
    small.apply_orientation(orientation);
    let mut thumbnail = Vec::new();
    JpegEncoder::new_with_quality(&mut thumbnail, THUMBNAIL_QUALITY)
        .encode_image(&flatten(small))
        .map_err(|e| {
            tracing::error!(error = %e, "thumbnail encoding failed");
            Error::internal()
        })?;

    let (width, height) = if swaps_sides(orientation) {
        (coded_height, coded_width)
    } else {
        (coded_width, coded_height)
    };
    Ok(Decoded {
        coded_width,
        coded_height,
        width,
        height,
        thumbnail,
    })
}

fn decode_error(e: ImageError, format: PhotoFormat, limits: &PhotoLimits) -> Error {
    tracing::debug!(error = %e, %format, "photo does not decode");
    match e {
        // The header check passed, so the decoder needs more memory than
        // an image within the pixel limit should.
        ImageError::Limits(_) => Error::invalid(
            "photo_dimensions_invalid",
            format!(
                "照片解码所需内存超出限制，请上传不超过 {} 百万像素的普通照片",
                limits.max_pixels / 1_000_000
            ),
            format!(
                "Decoding the photo needs more memory than allowed; please upload an ordinary photo of at most {} megapixels",
                limits.max_pixels / 1_000_000
            ),
        ),
        _ => errors::corrupt(),
    }
}

/// Whether the orientation turns the image a quarter turn.
fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// 8-bit RGB for JPEG; transparent areas become white (not black).
fn flatten(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: u8| -> u8 {
            let (c, a) = (u16::from(c), u16::from(a));
            // c·a + 255·(255 − a), divided by 255, rounded: at most 255.
            ((c * a + 255 * (255 - a) + 127) / 255) as u8
        };
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    })
}
