//! Temporary names beside a target, `.<target name>.<kind>-<pid>-<n>`: made
//! ([`temp_name`]), recognised exactly ([`parse_temp`]) and, once their process is gone,
//! found ([`stale`]) and removed ([`remove`], [`discard`]); and the two path helpers every
//! writer shares ([`split`], [`sync_dir`]). Knows nothing of what a temporary holds or of the
//! order in which a writer renames them.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::failed;

/// The three kinds of temporary names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Being written.
    Tmp,
    /// A directory written whole, to be swapped in.
    New,
    /// The directory a swap replaced, to be removed.
    Old,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Tmp => "tmp",
            Kind::New => "new",
            Kind::Old => "old",
        }
    }
}

/// This process's counter of temporary names.
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// `.<name>.<kind>-<pid>-<n>` for a fresh `n`.
pub(super) fn temp_name(name: &OsStr, kind: Kind) -> OsString {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut s = OsString::from(".");
    s.push(name);
    s.push(format!(".{}-{}-{n}", kind.word(), std::process::id()));
    s
}

/// The target name, kind and process of a temporary name, or `None` for any other name.
pub(super) fn parse_temp(entry: &OsStr) -> Option<(&[u8], Kind, u32)> {
    let bytes = entry.as_encoded_bytes();
    let dot = bytes.iter().rposition(|&b| b == b'.')?;
    let (head, tail) = (&bytes[..dot], &bytes[dot + 1..]);
    let target = head.strip_prefix(b".").filter(|t| !t.is_empty())?;
    let (kind, rest) = [Kind::Tmp, Kind::New, Kind::Old]
        .into_iter()
        .find_map(|k| {
            tail.strip_prefix(k.word().as_bytes())
                .and_then(|r| r.strip_prefix(b"-"))
                .map(|r| (k, r))
        })?;
    let dash = rest.iter().position(|&b| b == b'-')?;
    let (pid, n) = (&rest[..dash], &rest[dash + 1..]);
    let digits = |d: &[u8]| !d.is_empty() && d.len() <= 20 && d.iter().all(u8::is_ascii_digit);
    if !digits(pid) || !digits(n) {
        return None;
    }
    let pid = std::str::from_utf8(pid).ok()?.parse().ok()?;
    Some((target, kind, pid))
}

/// Whether process `pid` may still be writing: not this process (a name with its pid is
/// from an earlier process that had the same id; a process writes a target once at a time),
/// and, on Linux, listed in `/proc`. Elsewhere, or without `/proc`, every other process
/// counts as gone.
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let proc = Path::new("/proc");
    cfg!(target_os = "linux") && proc.join("self").exists() && proc.join(pid.to_string()).exists()
}

/// The temporaries of target `name` in `parent` whose process is gone, by kind, in name
/// order (a missing or unlistable parent has none).
pub(super) fn stale(parent: &Path, name: &OsStr) -> io::Result<Vec<(Kind, PathBuf)>> {
    let entries = match fs::read_dir(parent) {
        Ok(entries) => entries,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(vec![])
        }
        Err(e) => return Err(failed(parent, "cannot list", e)),
    };
    let mut found = vec![];
    for entry in entries {
        let entry = entry.map_err(|e| failed(parent, "cannot list", e))?;
        let file_name = entry.file_name();
        if let Some((target, kind, pid)) = parse_temp(&file_name) {
            if target == name.as_encoded_bytes() && !alive(pid) {
                found.push((kind, entry.path()));
            }
        }
    }
    found.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(found)
}

/// Removes `path`, a directory with what it holds or anything else (symbolic links are
/// removed, never followed).
pub(super) fn remove(path: &Path) -> io::Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(failed(path, "cannot remove", e)),
    };
    if meta.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
    .map_err(|e| failed(path, "cannot remove", e))
}

/// Removes the marked (`new` or `old`) directory `path`, a temporary of target `name` in
/// `parent`: renamed a `tmp` first, so that a removal cut short leaves a name the next
/// recovery removes, never a part of a directory taken for a whole one.
pub(super) fn discard(parent: &Path, name: &OsStr, path: &Path) -> io::Result<()> {
    let unmarked = parent.join(temp_name(name, Kind::Tmp));
    match fs::rename(path, &unmarked) {
        Ok(()) => remove(&unmarked),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(failed(path, "cannot remove", e)),
    }
}

/// Makes the entries of directory `dir` durable (errors are ignored: not every file system
/// syncs a directory).
pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The directory `path` is in (`.` for a bare name) and its name; `None` for a path with no
/// name of its own (`.`, `..`, `/`).
pub(super) fn split(path: &Path) -> Option<(PathBuf, OsString)> {
    let name = path.file_name()?.to_os_string();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some((parent, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_recognised_exactly() {
        let n = |s: &str| parse_temp(OsStr::new(s)).map(|(t, k, p)| (t.to_vec(), k, p));
        assert_eq!(n(".out.tmp-12-3"), Some((b"out".to_vec(), Kind::Tmp, 12)));
        assert_eq!(n(".a.b.new-1-0"), Some((b"a.b".to_vec(), Kind::New, 1)));
        assert_eq!(
            n(".x.tmp-1-2.old-5-0"),
            Some((b"x.tmp-1-2".to_vec(), Kind::Old, 5))
        );
        for other in [
            "out.tmp-1-0",
            "..tmp-1-0",
            ".out.tmp-1",
            ".out.tmp--0",
            ".out.tmp-a-0",
            ".out.tmp-1-0x",
            ".out.bak-1-0",
            ".out.tmp-99999999999-0",
            ".summary.json.123.tmp",
        ] {
            assert_eq!(n(other), None, "{other}");
        }
        let made = temp_name(OsStr::new("out"), Kind::Old);
        let (t, k, p) = parse_temp(&made).unwrap();
        assert_eq!((t, k, p), (&b"out"[..], Kind::Old, std::process::id()));
    }
}
