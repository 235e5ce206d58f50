//! Errors that point at the input that caused them.

use std::path::Path;

/// An input error: a file, a place in it (when known) and what was expected.
///
/// Displayed as `file:line:column: message`, the form editors and CI logs link to.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// An error at a place in a file.
    #[error("{file}:{line}:{column}: {message}")]
    At {
        /// The file, as the user named it.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// An error about a whole file (missing, unreadable).
    #[error("{file}: {message}")]
    File {
        /// The file, as the user named it.
        file: String,
        /// What is wrong.
        message: String,
    },
}

impl InputError {
    /// An error at `line:column` of `file`.
    pub fn at(file: &Path, line: usize, column: usize, message: impl Into<String>) -> Self {
        InputError::At {
            file: one_line(&file.display().to_string()),
            line,
            column,
            message: one_line(&message.into()),
        }
    }

    /// An error at byte `offset` of `text`, the contents of `file`.
    pub fn at_offset(file: &Path, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_column(text, offset);
        Self::at(file, line, column, message)
    }

    /// An error about the whole of `file`.
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        InputError::File {
            file: one_line(&file.display().to_string()),
            message: one_line(&message.into()),
        }
    }
}

/// `text` on one line: control characters (a newline in a quoted CSV field or a TOML string,
/// a carriage return, an escape sequence) written as escapes, so that an error quoting the
/// input stays one line.
pub fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// At most the first 60 characters of `text`, with `...` and the full length after a cut:
/// enough of a field to recognize it in an error.
pub fn excerpt(text: &str) -> String {
    const MOST: usize = 60;
    match text.char_indices().nth(MOST) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}... ({} bytes)", &text[..cut], text.len()),
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_one_line_and_quote_an_excerpt() {
        // found by the fuzzer: a quoted CSV field holding newlines made a message of many lines
        let e = InputError::at(Path::new("t.csv"), 1, 5, "unknown column `a\nb\r\u{1b}`");
        assert_eq!(e.to_string(), "t.csv:1:5: unknown column `a\\nb\\r\\u{1b}`");
        let e = InputError::file(Path::new("a\nb.csv"), "x\ty");
        assert_eq!(e.to_string(), "a\\nb.csv: x\\ty");
        assert_eq!(excerpt("short"), "short");
        assert_eq!(
            excerpt(&"x".repeat(5000)),
            format!("{}... (5000 bytes)", "x".repeat(60))
        );
        assert_eq!(
            excerpt(&"é".repeat(61)),
            format!("{}... (122 bytes)", "é".repeat(60))
        );
    }

    #[test]
    fn lines_and_columns_are_one_based() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 11), (2, 6));
        let e = InputError::at_offset(Path::new("s.toml"), text, 11, "expected a number");
        assert_eq!(e.to_string(), "s.toml:2:6: expected a number");
    }
}
