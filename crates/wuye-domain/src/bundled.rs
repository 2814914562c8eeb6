//! Data compiled into the binary and read once: the dispatch model and
//! jieba's dictionary. Once parsed, their bytes are never read again, but the
//! pages the parse touched would stay in the server's resident memory (about
//! 10 MB: `model.bin` is 8 MB, the gzip'd dictionary 1.7 MB).

/// Hands back the pages of `bytes`, a part of the binary's read-only data,
/// once it has been parsed. The whole pages inside it leave the resident set;
/// they are clean copies of the executable file, so should they ever be read
/// again (a test comparing the model with its file), the kernel reads them
/// from the file once more, unchanged.
pub(crate) fn release(bytes: &'static [u8]) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf only reads a system setting.
        let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
            n if n > 0 => n as usize,
            _ => return,
        };
        let start = bytes.as_ptr() as usize;
        let first = start.next_multiple_of(page);
        let last = (start + bytes.len()) / page * page;
        if last > first {
            // SAFETY: [first, last) lies inside `bytes`, read-only data of a
            // private file mapping that is never written: MADV_DONTNEED only
            // drops its pages from this process, and a later read faults the
            // same bytes back in from the file. A failure changes nothing.
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    last - first,
                    libc::MADV_DONTNEED,
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = bytes;
}

#[cfg(test)]
mod tests {
    /// Bytes of the binary's read-only data, several pages of them, none
    /// alike, so a page read back from the wrong place or zeroed shows.
    static DATA: [u8; 5 * 65_536 + 123] = {
        let mut d = [0u8; 5 * 65_536 + 123];
        let mut i = 0;
        while i < d.len() {
            d[i] = (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ (i >> 12) as u8;
            i += 1;
        }
        d
    };

    #[test]
    fn released_bytes_read_back_unchanged() {
        let before = DATA.to_vec();
        super::release(&DATA);
        assert_eq!(DATA.as_slice(), before.as_slice());
        // Twice is harmless too (the second time the pages are not there).
        super::release(&DATA);
        assert_eq!(DATA.as_slice(), before.as_slice());
    }

    #[test]
    fn an_empty_or_short_slice_is_left_alone() {
        static SHORT: [u8; 10] = *b"0123456789";
        super::release(&SHORT);
        super::release(&SHORT[..0]);
        assert_eq!(&SHORT, b"0123456789");
    }
}
