//! What the importers' formats share to read their files: a file opened through gzip when
//! it is one, with its lines bounded ([`open`]); a line reader that keeps every record's line
//! ([`Lines`], [`reader`], [`records`]); the files of a directory in natural order
//! ([`files_in`]); a file read whole within a limit, through gzip when it is one
//! ([`read_whole`], for the JSON of metrics exports, which has no line breaks to bound); and the
//! located error of an input without samples ([`no_samples`]). Knows no format's columns or
//! units.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::InputError;
use crate::files::{self, LineLimit};

/// Opens a regular file, through gzip when its name ends in `.gz`, with its lines bounded
/// ([`files::MAX_LINE_BYTES`]).
pub(crate) fn open(path: &Path) -> Result<Box<dyn Read>, InputError> {
    let file = files::open_input(path, "cannot open")?;
    Ok(if path.extension().is_some_and(|e| e == "gz") {
        Box::new(BufReader::with_capacity(
            1 << 16,
            LineLimit::new(flate2::read::MultiGzDecoder::new(file)),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, LineLimit::new(file)))
    })
}

/// Reads the regular file `path` whole as UTF-8 text, through gzip when its name ends in `.gz`;
/// more than `limit` bytes (after decompression) is an error naming the file.
pub(crate) fn read_whole(path: &Path, limit: u64) -> Result<String, InputError> {
    let file = files::open_input(path, "cannot open")?;
    let input: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut bytes = vec![];
    input
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(InputError::file(
            path,
            format!(
                "larger than {} MiB, the most a file of an export may hold; split the export",
                limit >> 20
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let text = std::str::from_utf8(good).unwrap_or("");
        InputError::at_offset(path, text, text.len(), "expected UTF-8 text")
    })
}

/// That `source` holds no sample: located after its last line when it is one file (a
/// directory has no line to name).
pub(crate) fn no_samples(source: &Path, what: &str) -> InputError {
    if source.is_file() {
        if let Ok((mut lines, _)) = reader(source, b'\n', false) {
            let last = records(&mut lines)
                .map_while(Result::ok)
                .last()
                .map_or(0, |(line, _)| line);
            return InputError::at(
                source,
                last as usize + 1,
                1,
                format!("{what}: expected a sample row, found the end of the file"),
            );
        }
    }
    InputError::file(source, what)
}

/// The files of a directory, in natural order (`file-2` before `file-10`).
pub(crate) fn files_in(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError::file(dir, format!("cannot list: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort_by_key(|p| natural_key(&p.file_name().unwrap_or_default().to_string_lossy()));
    Ok(files)
}

/// Sort key comparing runs of digits as numbers.
pub(crate) fn natural_key(name: &str) -> Vec<(u8, u64, String)> {
    let mut key = vec![];
    let mut chars = name.chars().peekable();
    while let Some(&c) = chars.peek() {
        let mut run = String::new();
        let digit = c.is_ascii_digit();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() != digit {
                break;
            }
            run.push(c);
            chars.next();
        }
        if digit {
            key.push((0, run.parse().unwrap_or(u64::MAX), String::new()));
        } else {
            key.push((1, 0, run));
        }
    }
    key
}

/// A line reader for the importers' delimited formats (none of them quotes a delimiter or a
/// line break inside a field), so every record's line number is exact.
pub(crate) struct Lines {
    input: BufReader<Box<dyn Read>>,
    delimiter: u8,
    line: u64,
    buf: String,
    path: PathBuf,
}

/// Opens `path` for line reading; with `headers`, returns the first line's fields too.
pub(crate) fn reader(
    path: &Path,
    delimiter: u8,
    headers: bool,
) -> Result<(Lines, csv::StringRecord), InputError> {
    let mut lines = Lines {
        input: BufReader::new(open(path)?),
        delimiter,
        line: 0,
        buf: String::new(),
        path: path.to_path_buf(),
    };
    let header = if headers {
        match lines.next_record()? {
            Some((_, h)) => h,
            None => {
                return Err(InputError::at(
                    path,
                    1,
                    1,
                    "the file is empty; expected a header row",
                ))
            }
        }
    } else {
        csv::StringRecord::new()
    };
    Ok((lines, header))
}

impl Lines {
    /// The next line as it is (without its line break, empty lines included) and its line.
    pub(crate) fn next_line(&mut self) -> Result<Option<(u64, &str)>, InputError> {
        if !self.fill()? {
            return Ok(None);
        }
        Ok(Some((self.line, self.buf.trim_end_matches(['\n', '\r']))))
    }

    /// Reads the next line into the buffer; `false` at the end of the file.
    fn fill(&mut self) -> Result<bool, InputError> {
        use std::io::BufRead;
        self.buf.clear();
        let n = self.input.read_line(&mut self.buf).map_err(|e| {
            let what = if files::is_long_line(&e) {
                files::long_line_message()
            } else if e.kind() == std::io::ErrorKind::InvalidData {
                "expected UTF-8 text".to_string()
            } else {
                e.to_string()
            };
            InputError::at(&self.path, self.line as usize + 1, 1, what)
        })?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        Ok(true)
    }

    /// The next non-empty line's fields (trimmed, surrounding quotes removed) and its line.
    fn next_record(&mut self) -> Result<Option<(u64, csv::StringRecord)>, InputError> {
        loop {
            if !self.fill()? {
                return Ok(None);
            }
            let text = self.buf.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                continue;
            }
            let record: csv::StringRecord = text
                .split(self.delimiter as char)
                .map(|f| {
                    let f = f.trim();
                    f.strip_prefix('"')
                        .and_then(|f| f.strip_suffix('"'))
                        .unwrap_or(f)
                })
                .collect();
            return Ok(Some((self.line, record)));
        }
    }
}

/// The remaining records, each with its 1-based line.
pub(crate) fn records(
    lines: &mut Lines,
) -> impl Iterator<Item = Result<(u64, csv::StringRecord), InputError>> + '_ {
    std::iter::from_fn(move || lines.next_record().transpose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec![
            "file-10-of-195.csv",
            "file-2-of-195.csv",
            "file-1-of-195.csv",
        ];
        v.sort_by_key(|s| natural_key(s));
        assert_eq!(
            v,
            vec![
                "file-1-of-195.csv",
                "file-2-of-195.csv",
                "file-10-of-195.csv"
            ]
        );
    }
}
