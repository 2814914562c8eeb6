//! Where photos are kept: a trait, so that S3-compatible storage can follow,
//! and a content-addressed store on the local filesystem.

use super::{ProcessedPhoto, photo_id};
use std::fs::{self, OpenOptions};
use std::future::Future;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;

/// The future a [`PhotoStore`] method returns (boxed, so that the trait
/// can be used as `Arc<dyn PhotoStore>`).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// Photo storage, addressed by [`ProcessedPhoto::id`].
///
/// Ids that are not 64 lowercase hex characters are refused with
/// `ErrorKind::InvalidInput` before any storage is touched.
pub trait PhotoStore: Send + Sync + 'static {
    /// Stores the photo and its thumbnail. Idempotent: storing the same
    /// photo again changes nothing. Refuses a photo whose id is not the
    /// SHA-256 of its bytes.
    fn put<'a>(&'a self, photo: &'a ProcessedPhoto) -> StoreFuture<'a, ()>;

    /// The photo's file, or its thumbnail; `None` when there is none.
    fn get<'a>(&'a self, id: &'a str, thumbnail: bool) -> StoreFuture<'a, Option<Vec<u8>>>;

    /// Removes the photo and its thumbnail. Removing a missing photo is fine.
    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()>;
}

/// Whether `id` looks like a photo id: 64 lowercase hex characters. Nothing
/// else can name a file, so no id can walk out of the store's directory.
pub fn is_valid_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn check_id(id: &str) -> io::Result<()> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a photo id is 64 lowercase hexadecimal characters",
        ))
    }
}

/// Photos as files: `<root>/ab/cd/<id>` and thumbnails as
/// `<root>/thumbs/ab/cd/<id>.jpg`, where `ab` and `cd` are the first two
/// pairs of hex digits of the id (so no directory grows too large).
///
/// Writes are crash-safe: a temporary file in the same directory is written,
/// flushed to disk and renamed into place, and the directory is flushed, so
/// a final name never holds a half-written file. The thumbnail is written
/// before the photo and removed after it, so a stored photo always has its
/// thumbnail. Temporaries left by a crash are named `.<name>.<random>.tmp`.
#[derive(Debug, Clone)]
pub struct FsPhotoStore {
    root: PathBuf,
}

impl FsPhotoStore {
    /// A store under `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory parts and file name of a photo or its thumbnail.
    /// `id` must have been checked.
    fn location(id: &str, thumbnail: bool) -> (Vec<&str>, String) {
        let (a, b) = (&id[0..2], &id[2..4]);
        if thumbnail {
            (vec!["thumbs", a, b], format!("{id}.jpg"))
        } else {
            (vec![a, b], id.to_owned())
        }
    }

    fn path(&self, id: &str, thumbnail: bool) -> PathBuf {
        let (dirs, name) = Self::location(id, thumbnail);
        let mut path = self.root.clone();
        path.extend(dirs);
        path.join(name)
    }
}

impl PhotoStore for FsPhotoStore {
    fn put<'a>(&'a self, photo: &'a ProcessedPhoto) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            check_id(&photo.id)?;
            let root = self.root.clone();
            let id = photo.id.clone();
            let bytes = photo.bytes.clone();
            let thumbnail = photo.thumbnail.clone();
            tokio::task::spawn_blocking(move || {
                if photo_id(&bytes) != id {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "the photo id is not the SHA-256 of its bytes",
                    ));
                }
                if let Some(thumbnail) = thumbnail {
                    let (dirs, name) = Self::location(&id, true);
                    write_atomic(&root, &dirs, &name, &thumbnail)?;
                }
                let (dirs, name) = Self::location(&id, false);
                write_atomic(&root, &dirs, &name, &bytes)
            })
            .await
            .map_err(io::Error::other)?
        })
    }

    fn get<'a>(&'a self, id: &'a str, thumbnail: bool) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            check_id(id)?;
            match tokio::fs::read(self.path(id, thumbnail)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            check_id(id)?;
            for thumbnail in [false, true] {
                match tokio::fs::remove_file(self.path(id, thumbnail)).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
    }
}

/// Writes `<root>/<dirs…>/<name>` through a flushed temporary file and a
/// rename. Content-addressed, so an existing file of the right length is
/// already the right file (a rename never leaves a partial one).
fn write_atomic(root: &Path, dirs: &[&str], name: &str, data: &[u8]) -> io::Result<()> {
    let dir = create_dirs(root, dirs)?;
    let target = dir.join(name);
    if let Ok(meta) = fs::metadata(&target)
        && meta.is_file()
        && meta.len() == data.len() as u64
    {
        return Ok(());
    }
    let tmp = dir.join(format!(".{name}.{:016x}.tmp", rand::random::<u64>()));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(data)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &target)?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates `<root>/<dirs…>` level by level, flushing each new directory's
/// parent so the new entry survives a crash.
fn create_dirs(root: &Path, dirs: &[&str]) -> io::Result<PathBuf> {
    fs::create_dir_all(root)?;
    let mut dir = root.to_path_buf();
    for part in dirs {
        let next = dir.join(part);
        match fs::create_dir(&next) {
            Ok(()) => sync_dir(&dir)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        dir = next;
    }
    Ok(dir)
}

/// Flushes a directory's entries (a rename or a new file) to disk.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Directories cannot be opened for flushing here; renames are still atomic.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A fresh directory under the system's temporary directory, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(format!(
                "wuye-photos-{}-{:016x}",
                std::process::id(),
                rand::random::<u64>()
            ));
            fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn photo(bytes: &[u8], thumbnail: Option<&[u8]>) -> ProcessedPhoto {
        ProcessedPhoto {
            id: photo_id(bytes),
            format: super::super::PhotoFormat::Jpeg,
            width: 16,
            height: 16,
            bytes: bytes.to_vec(),
            thumbnail: thumbnail.map(<[u8]>::to_vec),
        }
    }

    /// Every file under `dir`, relative to it.
    fn files(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for entry in fs::read_dir(d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    todo.push(path);
                } else {
                    let rel = path.strip_prefix(dir).unwrap();
                    out.push(rel.to_string_lossy().into_owned());
                }
            }
        }
        out.sort();
        out
    }

    #[tokio::test]
    async fn round_trip_through_a_shared_store() {
        let tmp = TempDir::new();
        let store: Arc<dyn PhotoStore> = Arc::new(FsPhotoStore::new(tmp.0.join("photos")));
        let p = photo(b"the photo", Some(b"the thumbnail"));
        let id = p.id.as_str();
        assert_eq!(store.get(id, false).await.unwrap(), None);

        store.put(&p).await.unwrap();
        store.put(&p).await.unwrap(); // idempotent
        assert_eq!(
            store.get(id, false).await.unwrap().as_deref(),
            Some(&b"the photo"[..])
        );
        assert_eq!(
            store.get(id, true).await.unwrap().as_deref(),
            Some(&b"the thumbnail"[..])
        );
        // Content-addressed layout, and no temporary file left behind.
        let (a, b) = (&id[..2], &id[2..4]);
        assert_eq!(
            files(&tmp.0.join("photos")),
            vec![format!("{a}/{b}/{id}"), format!("thumbs/{a}/{b}/{id}.jpg")]
        );

        store.delete(id).await.unwrap();
        store.delete(id).await.unwrap(); // deleting twice is fine
        assert_eq!(store.get(id, false).await.unwrap(), None);
        assert_eq!(store.get(id, true).await.unwrap(), None);

        // A photo without a thumbnail (HEIC) has none to get.
        let heic = photo(b"a heic photo", None);
        store.put(&heic).await.unwrap();
        assert_eq!(store.get(&heic.id, true).await.unwrap(), None);
        assert!(store.get(&heic.id, false).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn ids_that_are_not_hashes_never_touch_the_filesystem() {
        let tmp = TempDir::new();
        let root = tmp.0.join("photos");
        let store = FsPhotoStore::new(&root);
        // A file outside the store that a traversal would reach.
        fs::write(tmp.0.join("secret"), b"outside").unwrap();
        let hex = "ab".repeat(32);
        let bad = [
            "../secret".to_owned(),
            "../../../../etc/passwd".to_owned(),
            format!("../{}", &hex[3..]),
            format!("ab/../../{}", &hex[9..]),
            hex.to_uppercase(),
            hex[..63].to_owned(),
            format!("{hex}0"),
            format!("/{}", &hex[1..]),
            format!("{}\0", &hex[1..]),
            String::new(),
        ];
        for id in &bad {
            assert!(!is_valid_id(id), "{id:?}");
            let invalid = io::ErrorKind::InvalidInput;
            assert_eq!(store.get(id, false).await.unwrap_err().kind(), invalid);
            assert_eq!(store.get(id, true).await.unwrap_err().kind(), invalid);
            assert_eq!(store.delete(id).await.unwrap_err().kind(), invalid);
            let mut p = photo(b"x", None);
            p.id = id.clone();
            assert_eq!(store.put(&p).await.unwrap_err().kind(), invalid);
        }
        // A well-formed id that is not the photo's hash is refused too.
        let mut p = photo(b"x", None);
        p.id = hex;
        let e = store.put(&p).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(!root.exists(), "nothing was written");
        assert_eq!(fs::read(tmp.0.join("secret")).unwrap(), b"outside");
    }

    #[test]
    fn a_failed_write_leaves_no_file_under_the_final_name() {
        let tmp = TempDir::new();
        // The directory for the photo is a file, so nothing can be written.
        let id = photo_id(b"y");
        fs::write(tmp.0.join(&id[..2]), b"in the way").unwrap();
        let (dirs, name) = FsPhotoStore::location(&id, false);
        assert!(write_atomic(&tmp.0, &dirs, &name, b"y").is_err());
        assert_eq!(files(&tmp.0), vec![id[..2].to_owned()]);
    }
}
