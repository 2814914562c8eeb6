//! `process` on real JPEG, PNG and WebP files made in memory.

use super::testdata::*;
use super::*;
use image::metadata::Orientation;
use img_parts::jpeg::{Jpeg, JpegSegment, markers};
use img_parts::png::Png;
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF};
use std::time::{Duration, Instant};
use wuye_domain::error::ErrorKind;

fn refused(raw: &[u8]) -> Error {
    let e = process(raw, &PhotoLimits::default()).expect_err("should be refused");
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(!e.zh.is_empty() && !e.en.is_empty());
    e
}

fn segment(marker: u8, prefix: &[u8], data: &[u8]) -> JpegSegment {
    JpegSegment::new_with_contents(marker, Bytes::from([prefix, data].concat()))
}

/// A JPEG with a location everywhere phones and editors put one: EXIF GPS
/// (APP1), XMP (APP1), IPTC (APP13), MPF (APP2), a comment, and a second
/// image with its own EXIF appended after the end marker.
fn jpeg_with_location(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let mut jpeg = Jpeg::from_bytes(Bytes::from(jpeg(width, height))).unwrap();
    jpeg.set_exif(Some(Bytes::from(gps_exif(orientation))));
    let segments = jpeg.segments_mut();
    let xmp = xmp_packet();
    segments.insert(
        1,
        segment(markers::APP1, b"http://ns.adobe.com/xap/1.0/\0", &xmp),
    );
    segments.insert(1, segment(markers::APP13, b"Photoshop 3.0\0", SECRET));
    segments.insert(1, segment(markers::APP2, b"MPF\0", SECRET));
    segments.insert(1, segment(markers::COM, b"", SECRET));
    let mut out = jpeg.encoder().bytes().to_vec();
    let appended = [b"Exif\0\0".as_slice(), &gps_exif(1)].concat();
    out.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE1]);
    out.extend_from_slice(&(appended.len() as u16 + 2).to_be_bytes());
    out.extend_from_slice(&appended);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

fn assert_no_location(bytes: &[u8]) {
    assert!(!contains(bytes, SECRET), "planted text survived");
    assert!(!contains(bytes, &gps_latitude()), "GPS latitude survived");
    assert!(!contains(bytes, b"GPSLatitude"), "XMP survived");
}

fn assert_thumbnail(photo: &ProcessedPhoto, width: u32, height: u32) {
    let thumb = photo.thumbnail.as_deref().expect("a thumbnail");
    assert!(
        thumb.starts_with(&[0xFF, 0xD8, 0xFF]),
        "thumbnail is a JPEG"
    );
    let (pixels, orientation) = decode(thumb);
    assert_eq!(pixels.dimensions(), (width, height));
    assert_eq!(
        orientation,
        Orientation::NoTransforms,
        "thumbnail is upright"
    );
}

#[test]
fn jpeg_loses_its_location_but_not_a_pixel_nor_its_orientation() {
    let raw = jpeg_with_location(640, 480, 6);
    // The fixture really carries what must go, and really is rotated.
    assert!(contains(&raw, SECRET) && contains(&raw, &gps_latitude()));
    assert_eq!(decode(&raw).1, Orientation::Rotate90);

    let photo = process(&raw, &PhotoLimits::default()).unwrap();
    assert_eq!(photo.format, PhotoFormat::Jpeg);
    assert_no_location(&photo.bytes);
    assert!(!contains(&photo.bytes, b"MPF\0") && !contains(&photo.bytes, b"Photoshop"));
    // The appended image is cut off: the file ends at its end marker.
    assert!(photo.bytes.ends_with(&[0xFF, 0xD9]));
    assert_eq!(
        photo
            .bytes
            .windows(2)
            .filter(|w| w == &[0xFF, 0xD8])
            .count(),
        1
    );
    // Only a fresh EXIF block with the orientation is left.
    let exif = Jpeg::from_bytes(Bytes::from(photo.bytes.clone()))
        .unwrap()
        .exif();
    assert_eq!(
        exif.as_deref(),
        Some(strip::orientation_exif(Orientation::Rotate90).as_slice())
    );
    // Lossless: the same pixels, and still shown rotated.
    let (before, _) = decode(&raw);
    let (after, orientation) = decode(&photo.bytes);
    assert!(before == after, "pixels changed");
    assert_eq!(orientation, Orientation::Rotate90);
    // Sizes as displayed: a quarter turn makes it portrait.
    assert_eq!((photo.width, photo.height), (480, 640));
    assert_thumbnail(&photo, 240, 320);
    assert_eq!(photo.id, photo_id(&photo.bytes));
    assert_eq!(photo.id.len(), 64);
}

#[test]
fn processing_twice_changes_nothing() {
    let first = process(&jpeg_with_location(320, 200, 3), &PhotoLimits::default()).unwrap();
    let second = process(&first.bytes, &PhotoLimits::default()).unwrap();
    assert_eq!(first.bytes, second.bytes);
    assert_eq!(first.id, second.id);
}

#[test]
fn jpeg_without_orientation_keeps_no_exif_at_all() {
    let raw = jpeg_with_location(100, 60, 1);
    let photo = process(&raw, &PhotoLimits::default()).unwrap();
    assert_no_location(&photo.bytes);
    let jpeg = Jpeg::from_bytes(Bytes::from(photo.bytes.clone())).unwrap();
    assert_eq!(jpeg.exif(), None);
    assert!(jpeg.segments().iter().all(|s| s.marker() != markers::APP1));
    assert_eq!((photo.width, photo.height), (100, 60));
    assert_thumbnail(&photo, 100, 60);
}

#[test]
fn jpeg_tail_keeps_scans_and_drops_metadata_and_trailing_data() {
    let app1 = [
        &[0xFF, 0xE1, 0x00, 2 + 6 + SECRET.len() as u8][..],
        b"Exif\0\0",
        SECRET,
    ]
    .concat();
    let com = [&[0xFF, 0xFE, 0x00, 2 + SECRET.len() as u8][..], SECRET].concat();
    let dht = [0xFF, 0xC4, 0x00, 0x04, 0xAA, 0xBB];
    let sos = [0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02];
    let scan1 = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56];
    let scan2 = [0x78, 0xFF, 0xFF, 0xD9];
    let tail = [&scan1[..], &app1, &dht, &com, &sos, &scan2, SECRET].concat();
    let want = [&scan1[..], &dht, &sos, &scan2].concat();
    assert_eq!(strip::clean_jpeg_tail(&tail), Some(want));
    // No end marker (truncated), or a new image before it: refused.
    assert_eq!(
        strip::clean_jpeg_tail(&tail[..tail.len() - SECRET.len() - 2]),
        None
    );
    assert_eq!(
        strip::clean_jpeg_tail(&[0x12, 0xFF, 0xD8, 0xFF, 0xD9]),
        None
    );
}

#[test]
fn truncated_files_are_corrupt() {
    let mut raw = jpeg(640, 480);
    raw.truncate(raw.len() * 6 / 10);
    assert_eq!(refused(&raw).code, "photo_corrupt");
    let mut raw = png_rgba(200, 100);
    raw.truncate(raw.len() - 20);
    assert_eq!(refused(&raw).code, "photo_corrupt");
    let mut raw = webp(200, 100);
    raw.truncate(raw.len() / 2);
    assert_eq!(refused(&raw).code, "photo_corrupt");
    // A JPEG signature followed by noise.
    let noise: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let raw = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &noise].concat();
    assert_eq!(refused(&raw).code, "photo_corrupt");
}

fn png_with(raw: Vec<u8>, extra: Vec<img_parts::png::PngChunk>) -> Vec<u8> {
    let mut png = Png::from_bytes(Bytes::from(raw)).unwrap();
    let at = png
        .chunks()
        .iter()
        .position(|c| &c.kind() == b"IDAT")
        .unwrap();
    for chunk in extra.into_iter().rev() {
        png.chunks_mut().insert(at, chunk);
    }
    png.encoder().bytes().to_vec()
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> img_parts::png::PngChunk {
    img_parts::png::PngChunk::new(*kind, Bytes::copy_from_slice(data))
}

#[test]
fn png_keeps_only_chunks_that_affect_the_picture() {
    let itxt = [b"XML:com.adobe.xmp\0\0\0\0\0".as_slice(), &xmp_packet()].concat();
    let mut raw = png_with(
        png_rgba(300, 200),
        vec![
            chunk(b"eXIf", &gps_exif(1)),
            chunk(b"tEXt", &[b"Comment\0".as_slice(), SECRET].concat()),
            chunk(b"iTXt", &itxt),
            chunk(b"tIME", &[0x07, 0xE9, 1, 2, 3, 4, 5]),
            chunk(b"prVt", SECRET),
        ],
    );
    raw.extend_from_slice(SECRET); // after IEND
    assert!(contains(&raw, SECRET) && contains(&raw, &gps_latitude()));

    let photo = process(&raw, &PhotoLimits::default()).unwrap();
    assert_eq!(photo.format, PhotoFormat::Png);
    assert_no_location(&photo.bytes);
    let png = Png::from_bytes(Bytes::from(photo.bytes.clone())).unwrap();
    let kinds: Vec<[u8; 4]> = png.chunks().iter().map(|c| c.kind()).collect();
    assert!(
        kinds
            .iter()
            .all(|k| [b"IHDR", b"IDAT", b"IEND"].contains(&k))
    );
    assert!(decode(&raw).0 == decode(&photo.bytes).0, "pixels changed");
    assert_eq!((photo.width, photo.height), (300, 200));
    // Not enlarged; the transparent half is white, not black.
    assert_thumbnail(&photo, 300, 200);
    let (thumb, _) = decode(photo.thumbnail.as_deref().unwrap());
    assert!(thumb.get_pixel(20, 100).0[..3].iter().all(|&c| c > 235));
}

#[test]
fn png_orientation_is_kept_alone() {
    let raw = png_with(png_rgba(64, 32), vec![chunk(b"eXIf", &gps_exif(8))]);
    assert_eq!(decode(&raw).1, Orientation::Rotate270);
    let photo = process(&raw, &PhotoLimits::default()).unwrap();
    assert_no_location(&photo.bytes);
    let exif = Png::from_bytes(Bytes::from(photo.bytes.clone()))
        .unwrap()
        .exif();
    assert_eq!(
        exif.as_deref(),
        Some(strip::orientation_exif(Orientation::Rotate270).as_slice())
    );
    assert_eq!(decode(&photo.bytes).1, Orientation::Rotate270);
    assert_eq!((photo.width, photo.height), (32, 64));
    assert_thumbnail(&photo, 32, 64);
}

/// A WebP in the extended format with EXIF (GPS), XMP and an unknown chunk.
fn webp_with_location(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let mut webp = WebP::from_bytes(Bytes::from(webp(width, height))).unwrap();
    let mut vp8x = vec![0b0000_1100, 0, 0, 0];
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    let data = |d: Vec<u8>| RiffContent::Data(Bytes::from(d));
    let chunks = webp.chunks_mut();
    chunks.insert(0, RiffChunk::new(*b"VP8X", data(vp8x)));
    chunks.push(RiffChunk::new(*b"EXIF", data(gps_exif(orientation))));
    chunks.push(RiffChunk::new(*b"XMP ", data(xmp_packet())));
    chunks.push(RiffChunk::new(*b"ZZZZ", data(SECRET.to_vec())));
    webp.encoder().bytes().to_vec()
}

fn vp8x_flags(bytes: &[u8]) -> u8 {
    let webp = WebP::from_bytes(Bytes::copy_from_slice(bytes)).unwrap();
    webp.chunk_by_id(*b"VP8X")
        .unwrap()
        .content()
        .data()
        .unwrap()[0]
}

#[test]
fn webp_loses_exif_xmp_and_unknown_chunks() {
    for (orientation, expected) in [(3, Orientation::Rotate180), (1, Orientation::NoTransforms)] {
        let raw = webp_with_location(120, 80, orientation);
        assert!(contains(&raw, SECRET) && contains(&raw, &gps_latitude()));
        assert_eq!(decode(&raw).1, expected);

        let photo = process(&raw, &PhotoLimits::default()).unwrap();
        assert_eq!(photo.format, PhotoFormat::Webp);
        assert_no_location(&photo.bytes);
        let webp = WebP::from_bytes(Bytes::from(photo.bytes.clone())).unwrap();
        assert!(!webp.has_chunk(*b"XMP ") && !webp.has_chunk(*b"ZZZZ"));
        let flags = vp8x_flags(&photo.bytes);
        assert_eq!(flags & 0b0100, 0, "XMP flag cleared");
        if orientation == 1 {
            assert!(!webp.has_chunk(*b"EXIF"));
            assert_eq!(flags & 0b1000, 0, "EXIF flag cleared");
        } else {
            let exif = webp
                .chunk_by_id(*b"EXIF")
                .unwrap()
                .content()
                .data()
                .unwrap();
            assert_eq!(&exif[..], strip::orientation_exif(expected).as_slice());
        }
        let (after, after_orientation) = decode(&photo.bytes);
        assert!(decode(&raw).0 == after, "pixels changed");
        assert_eq!(after_orientation, expected);
        assert_eq!((photo.width, photo.height), (120, 80));
        assert_thumbnail(&photo, 120, 80);
    }
}

#[test]
fn decompression_bombs_are_refused_from_the_header() {
    // These files hold no image data, so decoding them could only fail as
    // corrupt: a dimensions error proves the header check came first.
    assert_eq!(refused(&png_header_only(100, 100)).code, "photo_corrupt");
    let started = Instant::now();
    let e = refused(&png_header_only(60_000, 60_000));
    assert_eq!(e.code, "photo_dimensions_invalid");
    assert!(e.en.contains("12000") && e.zh.contains("12000"), "{}", e.en);
    let e = refused(&png_header_only(7_000, 7_000)); // 49 MP > 40 MP
    assert_eq!(e.code, "photo_dimensions_invalid");
    assert!(
        e.en.contains("megapixels") && e.en.contains("40.0"),
        "{}",
        e.en
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn dimensions_outside_the_limits_are_refused() {
    let e = refused(&png_rgba(8, 40));
    assert_eq!(e.code, "photo_dimensions_invalid");
    assert!(e.en.contains("at least 16"), "{}", e.en);
    let limits = PhotoLimits {
        max_side: 600,
        ..PhotoLimits::default()
    };
    let e = process(&jpeg(640, 480), &limits).unwrap_err();
    assert_eq!(e.code, "photo_dimensions_invalid");
    // The decoder's own limits are set too (the second line of defence).
    let e = raster::decode_and_thumbnail(PhotoFormat::Jpeg, &jpeg(640, 480), &limits).unwrap_err();
    assert_eq!(e.code, "photo_dimensions_invalid");
}

#[test]
fn only_photo_types_are_accepted_whatever_the_name() {
    // process never sees a file name: a zip or a text file "renamed .jpg"
    // is what it is.
    let zip = [b"PK\x03\x04\x14\0\0\0\x08\0".as_slice(), &[0u8; 100]].concat();
    let text = "这不是照片 / this is not a photo.jpg\n"
        .repeat(20)
        .into_bytes();
    let gif = [b"GIF89a\x10\0\x10\0".as_slice(), &[0u8; 100]].concat();
    let avif = [
        &[0, 0, 0, 28][..],
        b"ftypavif\0\0\0\0avifmif1miaf",
        &[0u8; 100],
    ]
    .concat();
    for raw in [zip, text, gif, avif] {
        let e = refused(&raw);
        assert_eq!(e.code, "photo_type_unsupported");
        for name in ["JPEG", "PNG", "WebP", "HEIC"] {
            assert!(e.en.contains(name) && e.zh.contains(name), "{}", e.en);
        }
    }
}

#[test]
fn size_is_checked_first_and_empty_files_are_named() {
    let mut raw = vec![0u8; 11 * 1024 * 1024];
    raw[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    let e = refused(&raw);
    assert_eq!(e.code, "photo_too_large");
    assert!(e.en.contains("11 MB") && e.en.contains("10 MB"), "{}", e.en);
    // Even before the type is looked at.
    assert_eq!(
        refused(&vec![b'x'; 11 * 1024 * 1024]).code,
        "photo_too_large"
    );
    assert_eq!(refused(&[]).code, "photo_empty");
}

#[test]
fn formats_name_themselves() {
    let cases = [
        (PhotoFormat::Jpeg, "image/jpeg", "jpg"),
        (PhotoFormat::Png, "image/png", "png"),
        (PhotoFormat::Webp, "image/webp", "webp"),
        (PhotoFormat::Heic, "image/heic", "heic"),
    ];
    for (format, content_type, extension) in cases {
        assert_eq!(format.content_type(), content_type);
        assert_eq!(format.extension(), extension);
    }
    assert_eq!(PhotoFormat::sniff(&jpeg(16, 16)), Some(PhotoFormat::Jpeg));
    assert_eq!(
        PhotoFormat::sniff(&png_rgba(16, 16)),
        Some(PhotoFormat::Png)
    );
    assert_eq!(PhotoFormat::sniff(&webp(16, 16)), Some(PhotoFormat::Webp));
    assert_eq!(PhotoFormat::sniff(b"RIFF\0\0\0\0WAVE"), None);
}
