//! An output's error naming its file: `PATH: ACTION: why` on one line, of the error's own
//! kind ([`failed`]), and why alone for messages that name the file already ([`reason`]).
//! Knows nothing of how outputs are written.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_device_is_one_message_naming_the_file() {
        // the error of a write names the target and says why, on one line
        let e = failed(
            Path::new("out/tenants.csv"),
            "cannot write",
            io::Error::from_raw_os_error(28),
        );
        assert_eq!(
            e.to_string(),
            "out/tenants.csv: cannot write: No space left on device (os error 28)"
        );
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        assert_eq!(reason(&e), "No space left on device (os error 28)");
        // an error naming its file already keeps its name
        let again = failed(Path::new("elsewhere"), "cannot write", e);
        assert!(again.to_string().starts_with("out/tenants.csv: "));
    }
}
