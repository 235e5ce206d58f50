//! The file system at a command's edges.
//!
//! Inputs are opened only when they are regular files ([`open_input`]) and read with bounds:
//! a line at most [`MAX_LINE_BYTES`] ([`LineLimit`]), a whole text file at most
//! [`MAX_TEXT_BYTES`] ([`read_text`]). A FIFO, a device or a file without line breaks is
//! refused with a message naming it, instead of blocking or filling memory.
//!
//! Outputs are written whole or not at all: a file under a temporary name, then renamed over
//! its target ([`AtomicFile`], [`write_atomic`]); a directory staged beside its target and
//! swapped into place ([`OutputDir`]), a swap that a killed command left half done being
//! finished by the next command that writes there ([`recover`]). `docs/outputs.md` ("How
//! outputs are written") gives the protocol, its crash points and what follows each.
//!
//! Every temporary name is `.<target name>.<kind>-<pid>-<n>`, beside its target: `kind` is
//! `tmp` (being written), `new` (a directory written whole) or `old` (the directory it
//! replaces); `pid` is the process that made it, `n` a counter of that process. Nothing but a
//! name of that form, for that target, whose process is gone, is ever renamed or removed.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::InputError;

/// Longest line of a trace or of an importer's input, in bytes (1 MiB). A longer line is an
/// error naming its line: no text format Overbook reads has lines of that length, and without
/// a bound a file with no line break (`/dev/zero` behind a symbolic link, a decompressed
/// gzip bomb) would be read into memory whole.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Largest text file read whole (a scenario, a baseline), in bytes (16 MiB).
pub const MAX_TEXT_BYTES: u64 = 16 << 20;

/// What `meta` describes when it is not a regular file.
fn not_regular(meta: &fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Opens `path` for reading when it is a regular file (after symbolic links); a directory,
/// FIFO, device or socket is refused before it is read. Errors read `PATH: ACTION: why`.
///
/// The type is checked before the file is opened and again on the opened file; on Linux the
/// file is opened without blocking, so a FIFO put in its place between the two looks is
/// refused too instead of waiting for a writer.
pub fn open_input(path: &Path, action: &str) -> Result<File, InputError> {
    let fail = |why: String| InputError::file(path, format!("{action}: {why}"));
    let refuse = |what: &str| fail(format!("it is {what}; expected a regular file"));
    let meta = fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if let Some(what) = not_regular(&meta) {
        return Err(refuse(what));
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(all(
        target_os = "linux",
        any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "riscv64"
        )
    ))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK on these architectures; it changes nothing for a regular file
        options.custom_flags(0o4000);
    }
    let file = options.open(path).map_err(|e| fail(e.to_string()))?;
    let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
    if let Some(what) = not_regular(&meta) {
        return Err(refuse(what));
    }
    Ok(file)
}

/// Reads the regular file `path` whole as UTF-8 text; a file larger than `limit` bytes is
/// refused. Errors read `PATH: ACTION: why`.
pub fn read_text(path: &Path, action: &str, limit: u64) -> Result<String, InputError> {
    let file = open_input(path, action)?;
    let too_large = || {
        InputError::file(
            path,
            format!(
                "{action}: larger than {} MiB, the most this file may hold",
                limit >> 20
            ),
        )
    };
    let len = file
        .metadata()
        .map_err(|e| InputError::file(path, format!("{action}: {e}")))?
        .len();
    if len > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::file(path, format!("{action}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = std::str::from_utf8(good).unwrap_or("");
            crate::error::line_column(text, text.len())
        };
        InputError::at(path, line, column, format!("{action}: expected UTF-8 text"))
    })
}

/// The error of a [`LineLimit`] reader.
#[derive(Debug)]
struct LongLine;

impl fmt::Display for LongLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&long_line_message())
    }
}

impl std::error::Error for LongLine {}

/// What a line longer than [`MAX_LINE_BYTES`] is told.
pub fn long_line_message() -> String {
    format!(
        "a line is longer than {} MiB; expected lines of text (is this the right file?)",
        MAX_LINE_BYTES >> 20
    )
}

/// Whether `e` is a [`LineLimit`] reader's error.
pub fn is_long_line(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<LongLine>())
}

/// A reader that fails (see [`is_long_line`]) once a line grows longer than
/// [`MAX_LINE_BYTES`] bytes, so that no reader above it buffers a line without bound.
pub struct LineLimit<R> {
    inner: R,
    /// Bytes since the last line break.
    run: usize,
}

impl<R> LineLimit<R> {
    /// Bounds the lines of `inner`.
    pub fn new(inner: R) -> Self {
        LineLimit { inner, run: 0 }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // a read of at most the limit: a line inside one read is within it
        let cap = buf.len().min(MAX_LINE_BYTES);
        let n = self.inner.read(&mut buf[..cap])?;
        let read = &buf[..n];
        let longest = match read.iter().position(|&b| b == b'\n') {
            Some(first) => {
                let last = read.iter().rposition(|&b| b == b'\n').unwrap_or(first);
                let ended = self.run + first;
                self.run = n - last - 1;
                ended.max(self.run)
            }
            None => {
                self.run += n;
                self.run
            }
        };
        if longest > MAX_LINE_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, LongLine));
        }
        Ok(n)
    }
}

/// An output that could not be written: which file, what was being done, and why.
#[derive(Debug)]
struct Failure {
    path: PathBuf,
    action: &'static str,
    source: io::Error,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.path.display(),
            self.action,
            self.source
        )
    }
}

impl std::error::Error for Failure {}

/// `e` as an error naming `path` and what was done to it (`PATH: ACTION: why`, on one
/// line), of the same kind; an error that names its file already is kept as it is.
pub fn failed(path: &Path, action: &'static str, e: io::Error) -> io::Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Failure>()) {
        return e;
    }
    io::Error::new(
        e.kind(),
        Failure {
            path: path.to_path_buf(),
            action,
            source: e,
        },
    )
}

/// Why `e` happened, without the file a [`failed`] error names (for messages that name it
/// already).
pub fn reason(e: &io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Failure>())
    {
        Some(f) => f.source.to_string(),
        None => e.to_string(),
    }
}

/// The three kinds of temporary names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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
fn temp_name(name: &OsStr, kind: Kind) -> OsString {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut s = OsString::from(".");
    s.push(name);
    s.push(format!(".{}-{}-{n}", kind.word(), std::process::id()));
    s
}

/// The target name, kind and process of a temporary name, or `None` for any other name.
fn parse_temp(entry: &OsStr) -> Option<(&[u8], Kind, u32)> {
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
fn stale(parent: &Path, name: &OsStr) -> io::Result<Vec<(Kind, PathBuf)>> {
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
fn remove(path: &Path) -> io::Result<()> {
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
fn discard(parent: &Path, name: &OsStr, path: &Path) -> io::Result<()> {
    let unmarked = parent.join(temp_name(name, Kind::Tmp));
    match fs::rename(path, &unmarked) {
        Ok(()) => remove(&unmarked),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(failed(path, "cannot remove", e)),
    }
}

/// Makes the entries of directory `dir` durable (errors are ignored: not every file system
/// syncs a directory).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The directory `path` is in (`.` for a bare name) and its name; `None` for a path with no
/// name of its own (`.`, `..`, `/`).
fn split(path: &Path) -> Option<(PathBuf, OsString)> {
    let name = path.file_name()?.to_os_string();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some((parent, name))
}

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

/// `path` with a final symbolic link followed, the directory it is in and its name; refused
/// when it has no name of its own or holds the current directory (swapping it would leave
/// the shell in a removed directory).
fn resolve(path: &Path) -> io::Result<(PathBuf, PathBuf, OsString)> {
    let refuse = |why: &str| {
        failed(
            path,
            "cannot write the outputs here",
            io::Error::new(io::ErrorKind::InvalidInput, why.to_string()),
        )
    };
    let target = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).map_err(|e| failed(path, "cannot follow the link", e))?
        }
        _ => path.to_path_buf(),
    };
    let Some((parent, name)) = split(&target) else {
        return Err(refuse("name a directory of its own (e.g. --out out)"));
    };
    if let (Ok(here), Ok(there)) = (
        std::env::current_dir().and_then(fs::canonicalize),
        fs::canonicalize(&target),
    ) {
        if here.starts_with(&there) {
            return Err(refuse(
                "it holds the current directory; name a directory of its own",
            ));
        }
    }
    Ok((target, parent, name))
}

/// Finishes or undoes what killed commands left beside the output directory `target`: a
/// directory written whole (`new`) is swapped in, a replaced one (`old`) put back when the
/// target is missing and no new one exists, and every other temporary of a process that is
/// gone is removed. Every command that writes `target` calls it first; a missing parent is
/// nothing to recover.
pub fn recover(target: &Path) -> io::Result<()> {
    let (target, parent, name) = resolve(target)?;
    recover_in(&target, &parent, &name)
}

/// [`recover`] for a command that writes into the directory `dir` without replacing it
/// (`overbook report DIR`): a directory that [`OutputDir`] refuses to replace (`.`, one that
/// holds the current directory) is written in place, with nothing to recover.
pub fn recover_in_place(dir: &Path) -> io::Result<()> {
    match resolve(dir) {
        Ok((target, parent, name)) => recover_in(&target, &parent, &name),
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        Err(e) => Err(e),
    }
}

fn recover_in(target: &Path, parent: &Path, name: &OsStr) -> io::Result<()> {
    let found = stale(parent, name)?;
    if found.is_empty() {
        return Ok(());
    }
    let of = |k: Kind| -> Vec<PathBuf> {
        found
            .iter()
            .filter(|(kind, _)| *kind == k)
            .map(|(_, p)| p.clone())
            .collect()
    };
    let (tmp, mut new, mut old) = (of(Kind::Tmp), of(Kind::New), of(Kind::Old));
    for p in &tmp {
        remove(p)?;
    }
    let exists = fs::symlink_metadata(target).is_ok();
    // a complete directory wins: its command got past its commit point. There is at most one
    // unless two commands wrote the same target at once; the last by name is kept.
    if let Some(winner) = new.pop() {
        if exists {
            let aside = parent.join(temp_name(name, Kind::Old));
            fs::rename(target, &aside).map_err(|e| failed(target, "cannot replace", e))?;
            old.push(aside);
        }
        fs::rename(&winner, target).map_err(|e| failed(target, "cannot replace", e))?;
        sync_dir(parent);
    } else if !exists {
        if let Some(back) = old.pop() {
            fs::rename(&back, target).map_err(|e| failed(target, "cannot restore", e))?;
            sync_dir(parent);
        }
    }
    for p in new.iter().chain(&old) {
        discard(parent, name, p)?;
    }
    sync_dir(parent);
    Ok(())
}

/// Syncs every file and directory under `dir` to disk (a full disk often shows here).
fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| failed(dir, "cannot write", e))? {
        let entry = entry.map_err(|e| failed(dir, "cannot write", e))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| failed(&path, "cannot write", e))?;
        if kind.is_dir() {
            sync_tree(&path)?;
        } else if kind.is_file() {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| failed(&path, "cannot write", e))?;
        }
    }
    sync_dir(dir);
    Ok(())
}

/// Fills the new directory `to` with what `from` holds: files as hard links (a copy where
/// the file system refuses links), directories made anew, temporaries left out.
fn carry(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from).map_err(|e| failed(from, "cannot read", e))? {
        let entry = entry.map_err(|e| failed(from, "cannot read", e))?;
        let name = entry.file_name();
        if parse_temp(&name).is_some() {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        let kind = entry
            .file_type()
            .map_err(|e| failed(&src, "cannot read", e))?;
        if kind.is_dir() {
            fs::create_dir(&dst).map_err(|e| failed(&dst, "cannot write", e))?;
            carry(&src, &dst)?;
            if let Ok(meta) = fs::metadata(&src) {
                let _ = fs::set_permissions(&dst, meta.permissions());
            }
        } else if let Err(e) = fs::hard_link(&src, &dst) {
            if !kind.is_file() {
                return Err(failed(&dst, "cannot write", e));
            }
            fs::copy(&src, &dst).map_err(|e| failed(&dst, "cannot write", e))?;
        }
    }
    Ok(())
}

/// An output directory written whole: staged beside its target as
/// `.<name>.tmp-<pid>-<n>`, holding from the start what the target holds (hard links; a
/// command replaces what it writes and keeps the rest), then swapped into place by
/// [`OutputDir::commit`]. Until the commit the target is untouched; dropped without one (an
/// error on the way), the stage is removed, with the directories [`OutputDir::begin`] made.
///
/// Files in the stage must be written under new names (a temporary, then a rename, as
/// [`write_atomic`] does) or after [`OutputDir::fresh`], never in place: a carried file is a
/// link to the target's own.
pub struct OutputDir {
    /// The target, a final symbolic link followed.
    resolved: PathBuf,
    /// The target as the command named it, for messages.
    target: PathBuf,
    parent: PathBuf,
    name: OsString,
    /// The stage's current path (its name changes at the commit).
    stage: PathBuf,
    /// Directories `begin` created for the parent, outermost first.
    created: Vec<PathBuf>,
    done: bool,
}

impl OutputDir {
    /// Recovers `target` (see [`recover`]), then stages a directory beside it holding what it
    /// holds now. The target must be a directory or missing.
    pub fn begin(target: &Path) -> io::Result<OutputDir> {
        let (resolved, parent, name) = resolve(target)?;
        recover_in(&resolved, &parent, &name)?;
        let mut created = vec![];
        for dir in parent.ancestors().collect::<Vec<_>>().into_iter().rev() {
            if dir.as_os_str().is_empty() || fs::symlink_metadata(dir).is_ok() {
                continue;
            }
            match fs::create_dir(dir) {
                Ok(()) => created.push(dir.to_path_buf()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    remove_created(&created);
                    return Err(failed(dir, "cannot create the directory", e));
                }
            }
        }
        let out = OutputDir {
            stage: parent.join(temp_name(&name, Kind::Tmp)),
            resolved,
            target: target.to_path_buf(),
            parent,
            name,
            created,
            done: false,
        };
        let existing = fs::metadata(&out.resolved).ok();
        if existing.as_ref().is_some_and(|m| !m.is_dir()) {
            return Err(failed(
                &out.target,
                "cannot write the outputs",
                io::Error::new(io::ErrorKind::AlreadyExists, "it is not a directory"),
            ));
        }
        fs::create_dir(&out.stage).map_err(|e| failed(&out.target, "cannot write", e))?;
        if let Some(meta) = existing {
            carry(&out.resolved, &out.stage)?;
            let _ = fs::set_permissions(&out.stage, meta.permissions());
        }
        Ok(out)
    }

    /// Where the command writes its files.
    pub fn path(&self) -> &Path {
        &self.stage
    }

    /// The target, as the command named it.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Removes `name` (a file or a directory) from the stage, so that what the target held
    /// under that name is not kept.
    pub fn fresh(&self, name: &str) -> io::Result<()> {
        remove(&self.stage.join(name))
    }

    /// `message` with the stage's path replaced by the target's: errors name the file the
    /// user will look for.
    pub fn explain(&self, message: &dyn fmt::Display) -> String {
        message.to_string().replace(
            &self.stage.display().to_string(),
            &self.target.display().to_string(),
        )
    }

    /// Syncs the stage, marks it complete (renamed `.<name>.new-<pid>-<n>`: the commit
    /// point), moves the target aside (`.old-`), renames the stage into its place and removes
    /// the old directory. On an error before the swap the target is left as it was.
    pub fn commit(mut self) -> io::Result<()> {
        self.mark()?;
        let old = self.set_aside()?;
        self.swap_in(old.as_deref())?;
        if let Some(old) = old {
            // a failure here leaves a stale directory that the next command removes
            let _ = discard(&self.parent, &self.name, &old);
        }
        Ok(())
    }

    /// Syncs the stage and renames it `.<name>.new-<pid>-<n>`: from here on it is the result.
    fn mark(&mut self) -> io::Result<()> {
        sync_tree(&self.stage).map_err(|e| io::Error::new(e.kind(), self.explain(&e)))?;
        let complete = self.parent.join(temp_name(&self.name, Kind::New));
        fs::rename(&self.stage, &complete).map_err(|e| failed(&self.target, "cannot write", e))?;
        self.stage = complete;
        sync_dir(&self.parent);
        Ok(())
    }

    /// Renames the target, when there is one, `.<name>.old-<pid>-<n>`.
    fn set_aside(&mut self) -> io::Result<Option<PathBuf>> {
        if fs::symlink_metadata(&self.resolved).is_err() {
            return Ok(None);
        }
        let aside = self.parent.join(temp_name(&self.name, Kind::Old));
        fs::rename(&self.resolved, &aside)
            .map_err(|e| failed(&self.target, "cannot replace", e))?;
        Ok(Some(aside))
    }

    /// Renames the complete stage into the target's place (on an error, puts `old` back).
    fn swap_in(&mut self, old: Option<&Path>) -> io::Result<()> {
        if let Err(e) = fs::rename(&self.stage, &self.resolved) {
            if let Some(old) = old {
                let _ = fs::rename(old, &self.resolved);
            }
            return Err(failed(&self.target, "cannot replace", e));
        }
        self.done = true;
        sync_dir(&self.parent);
        Ok(())
    }
}

/// Removes the directories in `created` that are still empty, innermost first.
fn remove_created(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        let _ = fs::remove_dir(dir);
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.done {
            // the stage may be marked complete already (an error after the commit point)
            let _ = discard(&self.parent, &self.name, &self.stage);
            remove_created(&self.created);
        }
    }
}

#[cfg(test)]
mod tests;
