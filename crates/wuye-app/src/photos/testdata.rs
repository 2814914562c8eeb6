//! Real images made in memory for the tests, and metadata carrying a
//! (made-up) location.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ImageEncoder, RgbImage, RgbaImage};

/// Text planted in metadata; it must never survive processing.
pub const SECRET: &[u8] = b"WUYE-SECRET-LOCATION 31.2304N 121.4737E";

/// An XMP packet with GPS fields and [`SECRET`].
pub fn xmp_packet() -> Vec<u8> {
    let mut xmp = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><rdf:Description \
        exif:GPSLatitude='31,13.824N' exif:GPSLongitude='121,28.422E' dc:title='"
        .to_vec();
    xmp.extend_from_slice(SECRET);
    xmp.extend_from_slice(b"'/></rdf:RDF></x:xmpmeta>");
    xmp
}

/// The GPS latitude rationals of [`gps_exif`]: 31/1, 13/1, 4321/100.
pub fn gps_latitude() -> Vec<u8> {
    [31u32, 1, 13, 1, 4321, 100]
        .iter()
        .flat_map(|n| n.to_be_bytes())
        .collect()
}

/// A big-endian TIFF (EXIF) block: IFD0 with Orientation and a GPS IFD
/// pointer; the GPS IFD with latitude and longitude (Shanghai).
pub fn gps_exif(orientation: u16) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: [u8; 4]) {
        out.extend_from_slice(&tag.to_be_bytes());
        out.extend_from_slice(&typ.to_be_bytes());
        out.extend_from_slice(&count.to_be_bytes());
        out.extend_from_slice(&value);
    }
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    let mut t = b"MM\0\x2a".to_vec();
    t.extend_from_slice(&8u32.to_be_bytes());
    // IFD0 at 8: 2 entries, ends at 8 + 2 + 24 + 4 = 38.
    t.extend_from_slice(&2u16.to_be_bytes());
    let [o1, o2] = orientation.to_be_bytes();
    entry(&mut t, 0x0112, SHORT, 1, [o1, o2, 0, 0]);
    entry(&mut t, 0x8825, LONG, 1, 38u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD at 38: 4 entries, ends at 38 + 2 + 48 + 4 = 92.
    t.extend_from_slice(&4u16.to_be_bytes());
    entry(&mut t, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, RATIONAL, 3, 92u32.to_be_bytes());
    entry(&mut t, 0x0003, ASCII, 2, *b"E\0\0\0");
    entry(&mut t, 0x0004, RATIONAL, 3, 116u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(t.len(), 92);
    t.extend_from_slice(&gps_latitude());
    for n in [121u32, 1, 28, 1, 2532, 100] {
        t.extend_from_slice(&n.to_be_bytes());
    }
    t
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A colourful test picture (so that decoding errors would show).
pub fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x ^ y) & 0xFF) as u8,
        ])
    })
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&picture(width, height))
        .unwrap();
    out
}

/// A PNG with a transparent left half.
pub fn png_rgba(width: u32, height: u32) -> Vec<u8> {
    let rgb = picture(width, height);
    let rgba = RgbaImage::from_fn(width, height, |x, y| {
        let [r, g, b] = rgb.get_pixel(x, y).0;
        image::Rgba([r, g, b, if x < width / 2 { 0 } else { 255 }])
    });
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(&rgba, width, height, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

/// A lossless WebP (the only kind the `image` crate writes).
pub fn webp(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .encode(
            &picture(width, height),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// A PNG chunk with its length and CRC.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    img_parts::png::PngChunk::new(*kind, img_parts::Bytes::copy_from_slice(data))
        .encoder()
        .bytes()
        .to_vec()
}

/// Only a PNG signature and an `IHDR` declaring `width`×`height` (8-bit
/// RGBA): no image data at all, so decoding it could only fail.
pub fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&png_chunk(b"IHDR", &ihdr));
    out
}

/// Decodes with the `image` crate: pixels (RGBA) and the orientation.
pub fn decode(bytes: &[u8]) -> (RgbaImage, image::metadata::Orientation) {
    use image::ImageDecoder;
    let mut decoder = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .unwrap()
        .into_decoder()
        .unwrap();
    let orientation = decoder.orientation().unwrap();
    let image = image::DynamicImage::from_decoder(decoder).unwrap();
    (image.into_rgba8(), orientation)
}
