//! HEIC: hand-built ISOBMFF files with EXIF and XMP items.

use super::heif_fixture::*;
use super::testdata::*;
use super::*;
use std::ops::Range;
fn ok(raw: &[u8]) -> ProcessedPhoto {
    let photo = process(raw, &PhotoLimits::default()).unwrap();
    assert_eq!(photo.format, PhotoFormat::Heic);
    assert_eq!(photo.bytes.len(), raw.len(), "size kept");
    assert_eq!(photo.thumbnail, None);
    assert_eq!(photo.id, photo_id(&photo.bytes));
    photo
}

fn refused(raw: &[u8]) -> wuye_domain::Error {
    process(raw, &PhotoLimits::default()).expect_err("should be refused")
}

/// Only `range` changed, and it is all zeros now.
fn assert_zeroed_only(raw: &[u8], out: &[u8], range: Range<usize>) {
    assert!(out[range.clone()].iter().all(|&b| b == 0));
    assert_eq!(raw[..range.start], out[..range.start]);
    assert_eq!(raw[range.end..], out[range.end..]);
}

#[test]
fn exif_item_in_mdat_is_zeroed_in_place() {
    for large_mdat in [false, true] {
        let raw = Heic {
            large_mdat,
            ..Heic::default()
        }
        .build();
        assert_eq!(PhotoFormat::sniff(&raw), Some(PhotoFormat::Heic));
        assert!(contains(&raw, &gps_latitude()));
        let photo = ok(&raw);
        assert!(!contains(&photo.bytes, &gps_latitude()), "GPS survived");
        assert_zeroed_only(&raw, &photo.bytes, find(&raw, &exif_payload()));
        assert_eq!((photo.width, photo.height), (4032, 3024));
    }
}

#[test]
fn irot_gives_the_displayed_size() {
    let photo = ok(&Heic {
        irot: true,
        ..Heic::default()
    }
    .build());
    assert_eq!((photo.width, photo.height), (3024, 4032));
}

#[test]
fn exif_item_in_idat_is_zeroed_in_place() {
    let raw = Heic {
        exif: ExifAt::Idat,
        ..Heic::default()
    }
    .build();
    let photo = ok(&raw);
    assert!(!contains(&photo.bytes, &gps_latitude()));
    assert_zeroed_only(&raw, &photo.bytes, find(&raw, &exif_payload()));
}

#[test]
fn xmp_item_is_zeroed_too() {
    let raw = Heic {
        xmp: true,
        ..Heic::default()
    }
    .build();
    let photo = ok(&raw);
    assert!(!contains(&photo.bytes, SECRET) && !contains(&photo.bytes, &gps_latitude()));
    let exif = find(&raw, &exif_payload());
    let xmp = find(&raw, &xmp_packet());
    assert_eq!(exif.end, xmp.start);
    assert_zeroed_only(&raw, &photo.bytes, exif.start..xmp.end);
}

#[test]
fn a_file_without_metadata_is_kept_as_it_is() {
    let raw = Heic {
        exif: ExifAt::Nowhere,
        ..Heic::default()
    }
    .build();
    assert_eq!(ok(&raw).bytes, raw);
}

#[test]
fn exif_that_cannot_be_located_reliably_is_refused() {
    for exif in [
        ExifAt::FromItems,
        ExifAt::NoLocation,
        ExifAt::OtherFile,
        ExifAt::OutOfBounds,
    ] {
        let e = refused(
            &Heic {
                exif,
                ..Heic::default()
            }
            .build(),
        );
        assert_eq!(e.code, "photo_type_unsupported", "{exif:?}");
        assert!(
            e.en.contains("HEIC") && e.en.contains("location"),
            "{}",
            e.en
        );
        assert!(e.zh.contains("HEIC") && e.zh.contains("位置"), "{}", e.zh);
    }
}

#[test]
fn exif_outside_any_item_is_refused() {
    let loose = [b"Exif\0\0".as_slice(), &gps_exif(1)].concat();
    let raw = Heic {
        exif: ExifAt::Nowhere,
        loose,
        ..Heic::default()
    }
    .build();
    assert_eq!(refused(&raw).code, "photo_type_unsupported");
}

#[test]
fn user_data_and_quicktime_metadata_become_free_space() {
    let usertype = [0xBE; 16];
    let uuid = bx(b"uuid", &[&usertype[..], SECRET].concat());
    let udta = bx(b"udta", &bx(b"\xA9xyz", SECRET));
    let qt_meta = bx(
        b"meta",
        &[bx(b"hdlr", b"\0\0\0\0\0\0\0\0mdta"), bx(b"keys", SECRET)].concat(),
    );
    let trak = bx(b"trak", &[bx(b"tkhd", &[0; 84]), udta.clone()].concat());
    let moov = bx(b"moov", &[bx(b"mvhd", &[0; 100]), trak, qt_meta].concat());
    let raw = Heic {
        extra: vec![uuid, udta, moov],
        ..Heic::default()
    }
    .build();
    assert!(contains(&raw, SECRET));
    let photo = ok(&raw);
    assert!(!contains(&photo.bytes, SECRET));
    assert!(!contains(&photo.bytes, b"uuid") && !contains(&photo.bytes, b"udta"));
    assert!(!contains(&photo.bytes, b"mdta"));
    assert_eq!((photo.width, photo.height), (4032, 3024));
}

#[test]
fn sizes_are_checked_against_the_limits() {
    let e = refused(
        &Heic {
            size: (20_000, 15_000),
            ..Heic::default()
        }
        .build(),
    );
    assert_eq!(e.code, "photo_dimensions_invalid");
    let e = refused(
        &Heic {
            size: (8_000, 6_000),
            ..Heic::default()
        }
        .build(),
    );
    assert_eq!(e.code, "photo_dimensions_invalid");
    let e = refused(
        &Heic {
            size: (10, 10),
            ..Heic::default()
        }
        .build(),
    );
    assert_eq!(e.code, "photo_dimensions_invalid");
}

#[test]
fn avif_sequences_and_broken_files_are_refused() {
    let e = refused(
        &Heic {
            primary_type: *b"av01",
            ..Heic::default()
        }
        .build(),
    );
    assert_eq!(e.code, "photo_type_unsupported");
    assert!(e.en.contains("AVIF"));

    let sequence = [
        bx(b"ftyp", b"msf1\0\0\0\0msf1hevc"),
        bx(b"moov", &bx(b"mvhd", &[0; 100])),
    ]
    .concat();
    assert_eq!(refused(&sequence).code, "photo_type_unsupported");

    let raw = Heic::default().build();
    assert_eq!(refused(&raw[..raw.len() - 10]).code, "photo_corrupt");
    let mut garbage_after = raw.clone();
    garbage_after.extend_from_slice(b"xyz");
    assert_eq!(refused(&garbage_after).code, "photo_corrupt");
    let mut no_meta = raw;
    let meta_at = find(&no_meta, b"meta").start;
    no_meta[meta_at..meta_at + 4].copy_from_slice(b"junk");
    assert_eq!(refused(&no_meta).code, "photo_type_unsupported");
}

#[test]
fn residual_scan_finds_exif_and_xmp() {
    assert!(heif::has_residual_metadata(
        &[b"..".as_slice(), b"Exif\0\0II\x2a\0"].concat()
    ));
    assert!(heif::has_residual_metadata(&xmp_packet()));
    assert!(!heif::has_residual_metadata(&fake_hevc()));
    assert!(!heif::has_residual_metadata(b"Exif\0\0"));
}
