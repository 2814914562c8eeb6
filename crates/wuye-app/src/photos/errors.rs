//! The photo errors, each with a stable code and a message in Chinese and
//! English.

use wuye_domain::Error;

const ACCEPTED_ZH: &str = "JPEG、PNG、WebP 或 HEIC";
const ACCEPTED_EN: &str = "JPEG, PNG, WebP or HEIC";

pub(super) fn empty() -> Error {
    Error::invalid(
        "photo_empty",
        "照片文件是空的，请重新选择照片后再上传",
        "The photo file is empty; please choose the photo again and upload it",
    )
}

pub(super) fn too_large(len: usize, max: usize) -> Error {
    Error::invalid(
        "photo_too_large",
        format!(
            "照片太大（{}），每张照片不能超过 {}，请压缩后再上传",
            megabytes(len),
            megabytes(max)
        ),
        format!(
            "The photo is too large ({}); each photo may be at most {}, please reduce it and try again",
            megabytes(len),
            megabytes(max)
        ),
    )
}

pub(super) fn unsupported() -> Error {
    Error::invalid(
        "photo_type_unsupported",
        format!("不支持这种文件类型，请上传 {ACCEPTED_ZH} 格式的照片"),
        format!("This file type is not supported; please upload a {ACCEPTED_EN} photo"),
    )
}

/// A HEIF file whose variant this module cannot handle safely.
pub(super) fn heif_unsupported(what_zh: &str, what_en: &str) -> Error {
    Error::invalid(
        "photo_type_unsupported",
        format!("不支持这种 HEIF 文件（{what_zh}），请上传 {ACCEPTED_ZH} 格式的照片"),
        format!(
            "This kind of HEIF file is not supported ({what_en}); please upload a {ACCEPTED_EN} photo"
        ),
    )
}

/// A HEIC file with location metadata that cannot be removed reliably.
pub(super) fn heif_metadata_unremovable() -> Error {
    Error::invalid(
        "photo_type_unsupported",
        "无法可靠地清除这张 HEIC 照片中的拍摄信息（可能包含拍摄位置），为保护隐私不予接收。请在手机上将照片导出为 JPEG 后再上传",
        "The capture metadata (which may include the location) in this HEIC photo cannot be removed reliably, so it is refused to protect privacy; please export the photo as JPEG and upload that",
    )
}

pub(super) fn corrupt() -> Error {
    Error::invalid(
        "photo_corrupt",
        "照片文件已损坏或不完整，无法读取，请重新拍摄或重新上传",
        "The photo file is damaged or incomplete and cannot be read; please take or upload it again",
    )
}

pub(super) fn side_too_long(width: u32, height: u32, max_side: u32) -> Error {
    Error::invalid(
        "photo_dimensions_invalid",
        format!("照片尺寸过大（{width}×{height} 像素），长边不能超过 {max_side} 像素"),
        format!(
            "The photo is too big ({width}×{height} pixels); its longer side may be at most {max_side} pixels"
        ),
    )
}

pub(super) fn too_many_pixels(width: u32, height: u32, max_pixels: u64) -> Error {
    let mp = |n: u64| format!("{:.1}", n as f64 / 1_000_000.0);
    let total = u64::from(width) * u64::from(height);
    Error::invalid(
        "photo_dimensions_invalid",
        format!(
            "照片像素过多（{width}×{height}，约 {} 百万像素），不能超过 {} 百万像素",
            mp(total),
            mp(max_pixels)
        ),
        format!(
            "The photo has too many pixels ({width}×{height}, about {} megapixels); at most {} megapixels are allowed",
            mp(total),
            mp(max_pixels)
        ),
    )
}

pub(super) fn too_small(width: u32, height: u32, min_side: u32) -> Error {
    Error::invalid(
        "photo_dimensions_invalid",
        format!("照片太小（{width}×{height} 像素），每边至少需要 {min_side} 像素"),
        format!(
            "The photo is too small ({width}×{height} pixels); each side must be at least {min_side} pixels"
        ),
    )
}

/// `10 MB`, `10.5 MB` (MiB, as upload limits are usually thought of).
fn megabytes(n: usize) -> String {
    let mib = 1024 * 1024;
    if n.is_multiple_of(mib) {
        format!("{} MB", n / mib)
    } else {
        // Rounded up, so a file just over the limit never reads as the limit.
        format!("{:.1} MB", (n as f64 * 10.0 / mib as f64).ceil() / 10.0)
    }
}
