//! Inputs at a command's edge: a file opened only when it is a regular file ([`open_input`]),
//! a text file read whole within a limit ([`read_text`]), lines bounded ([`LineLimit`]). A
//! FIFO, a device or a file without line breaks is refused with a message naming it, instead
//! of blocking or filling memory. Knows nothing of outputs or of what the files hold.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_that_are_not_regular_files_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let e = open_input(tmp.path(), "cannot open the trace").unwrap_err();
        assert!(
            e.to_string()
                .ends_with("cannot open the trace: it is a directory; expected a regular file"),
            "{e}"
        );
        #[cfg(unix)]
        {
            let e = open_input(Path::new("/dev/zero"), "cannot open the trace").unwrap_err();
            assert_eq!(
                e.to_string(),
                "/dev/zero: cannot open the trace: it is a character device; expected a regular file"
            );
            let fifo = tmp.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                // refused at once, without waiting for a writer
                let e = open_input(&fifo, "cannot read the scenario").unwrap_err();
                assert!(e.to_string().contains("it is a FIFO (named pipe)"), "{e}");
            }
            // a link to a regular file is followed
            fs::write(tmp.path().join("real.csv"), "x").unwrap();
            std::os::unix::fs::symlink(tmp.path().join("real.csv"), tmp.path().join("l.csv"))
                .unwrap();
            assert!(open_input(&tmp.path().join("l.csv"), "x").is_ok());
        }
    }

    #[test]
    fn text_files_are_read_within_their_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("s.toml");
        fs::write(&p, "a = 1\n").unwrap();
        assert_eq!(
            read_text(&p, "cannot read the scenario", 6).unwrap(),
            "a = 1\n"
        );
        let e = read_text(&p, "cannot read the scenario", 5).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
        // invalid UTF-8 is located: line 2, column 3
        fs::write(&p, b"a = 1\nb \xff= 2\n").unwrap();
        let e = read_text(&p, "cannot read the scenario", 100).unwrap_err();
        assert!(
            e.to_string()
                .ends_with(":2:3: cannot read the scenario: expected UTF-8 text"),
            "{e}"
        );
    }

    #[test]
    fn lines_longer_than_the_limit_are_refused() {
        let read = |bytes: Vec<u8>, chunk: usize| -> io::Result<usize> {
            // reads in chunks of `chunk` bytes, as a buffered reader above would
            let mut r = LineLimit::new(io::Cursor::new(bytes));
            let mut buf = vec![0u8; chunk];
            let mut total = 0;
            loop {
                match r.read(&mut buf)? {
                    0 => return Ok(total),
                    n => total += n,
                }
            }
        };
        let line = |len: usize| {
            let mut v = vec![b'x'; len];
            v.push(b'\n');
            v
        };
        // a line of exactly the limit passes, one byte more does not, whatever the chunks
        for chunk in [4096, 1 << 16, 3 << 20] {
            assert_eq!(
                read(line(MAX_LINE_BYTES), chunk).unwrap(),
                MAX_LINE_BYTES + 1
            );
            let e = read(line(MAX_LINE_BYTES + 1), chunk).unwrap_err();
            assert!(is_long_line(&e), "{chunk}: {e}");
            // a long line ended by a break within a later chunk, between short lines
            let mut v = line(10);
            v.extend(line(MAX_LINE_BYTES + 5));
            v.extend(line(10));
            assert!(read(v, chunk).is_err_and(|e| is_long_line(&e)), "{chunk}");
            // and with no break at all (/dev/zero)
            assert!(read(vec![0; 2 * MAX_LINE_BYTES], chunk).is_err_and(|e| is_long_line(&e)));
        }
        // many short lines are fine
        let many: Vec<u8> = (0..200_000).flat_map(|_| line(20)).collect();
        assert_eq!(read(many, 1 << 16).unwrap(), 200_000 * 21);
    }
}
