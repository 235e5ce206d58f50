//! A file written whole or not at all: under a temporary name beside its target, then
//! renamed over it ([`AtomicFile`], [`write_atomic`]). Knows nothing of output directories.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::failed;
use super::temp::{remove, split, stale, sync_dir, temp_name, Kind};

/// A file written under a temporary name beside its target and renamed over it by
/// [`AtomicFile::commit`]: a reader sees the old file or the new one, never a part. Dropped
/// without a commit (an error on the way), the temporary is removed; one left by a killed
/// process is removed by the next write of the same target. Write errors name the target.
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
    committed: bool,
}

impl AtomicFile {
    /// Starts writing `target` (after removing the stale temporaries of killed writers).
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let (parent, name) = split(target).ok_or_else(|| {
            failed(
                target,
                "cannot write",
                io::Error::new(io::ErrorKind::InvalidInput, "expected a file name"),
            )
        })?;
        // a stale temporary that cannot be listed or removed does not stop the write
        for (kind, path) in stale(&parent, &name).unwrap_or_default() {
            if kind == Kind::Tmp {
                let _ = remove(&path);
            }
        }
        let tmp = parent.join(temp_name(&name, Kind::Tmp));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| failed(target, "cannot write", e))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
            file: Some(BufWriter::with_capacity(1 << 16, file)),
            committed: false,
        })
    }

    /// Flushes and syncs the file, then renames it over the target.
    pub fn commit(mut self) -> io::Result<()> {
        let fail = |e| failed(&self.target, "cannot write", e);
        let file = self.file.take().expect("committed once");
        let file = file.into_inner().map_err(|e| fail(e.into_error()))?;
        file.sync_all().map_err(fail)?;
        drop(file);
        fs::rename(&self.tmp, &self.target).map_err(fail)?;
        self.committed = true;
        if let Some((parent, _)) = split(&self.target) {
            sync_dir(&parent);
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let file = self.file.as_mut().expect("not committed");
        file.write(buf)
            .map_err(|e| failed(&self.target, "cannot write", e))
    }

    fn flush(&mut self) -> io::Result<()> {
        let file = self.file.as_mut().expect("not committed");
        file.flush()
            .map_err(|e| failed(&self.target, "cannot write", e))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` through an [`AtomicFile`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}
