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
    /// An error at `line:column` of `file`. The file name and the message are kept on one
    /// line and short (see [`one_line`]).
    pub fn at(file: &Path, line: usize, column: usize, message: impl Into<String>) -> Self {
        InputError::At {
            file: escape(&file.display().to_string()),
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

    /// An error about the whole of `file`, kept on one line and short as [`InputError::at`].
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        InputError::File {
            file: escape(&file.display().to_string()),
            message: one_line(&message.into()),
        }
    }
}

/// Most characters of input a message echoes (a field, a name, a value); longer input is cut
/// and ends with an ellipsis.
pub const ECHO_CHARS: usize = 200;

/// Most characters of a whole message; longer ones are cut and end with an ellipsis.
pub const MESSAGE_CHARS: usize = 1000;

/// `text` as a message echoes it: control characters escaped (see [`escape`]) and cut to
/// [`ECHO_CHARS`] characters, the last of them an ellipsis.
pub fn shown(text: &str) -> String {
    cut(&escape(text), ECHO_CHARS)
}

/// [`shown`] for raw bytes (invalid UTF-8 shows as U+FFFD).
pub fn shown_bytes(bytes: &[u8]) -> String {
    shown(&String::from_utf8_lossy(bytes))
}

/// Whether `c` is escaped in messages: control characters, the Unicode line and paragraph
/// separators, and the bidirectional controls that reorder how a line reads.
fn escaped(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with its control characters written out: `\n`, `\r`, `\t`, and `\u{..}` for the
/// others (also the Unicode line and paragraph separators and the bidirectional controls), so
/// that it prints on one line as it reads.
pub fn escape(text: &str) -> String {
    if !text.chars().any(escaped) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if escaped(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to at most `max` characters, the last an ellipsis when anything was cut; an
/// escape sequence of [`escape`] is never cut in two.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut end = 0;
    let mut kept = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // an escape is `\n`, `\r`, `\t` or `\u{...}`: kept whole or not at all
        let len = if c == '\\' && text[i + 1..].starts_with("u{") {
            // `\u{10ffff}` is the longest: 10 characters
            text[i..]
                .find('}')
                .filter(|&j| j < 10)
                .map_or(1, |j| text[i..=i + j].chars().count())
        } else if c == '\\' && text[i + 1..].starts_with(['n', 'r', 't']) {
            2
        } else {
            1
        };
        if kept + len > max - 1 {
            break;
        }
        kept += len;
        for _ in 1..len {
            chars.next();
        }
        end = chars.peek().map_or(text.len(), |&(j, _)| j);
    }
    format!("{}…", &text[..end])
}

/// A message as it is printed: on one line (control characters escaped), each span of it
/// quoted in backticks (echoed input, by the convention of every message here) cut to
/// [`ECHO_CHARS`], and the whole cut to [`MESSAGE_CHARS`].
pub fn one_line(message: &str) -> String {
    let escaped = escape(message);
    let mut out = String::with_capacity(escaped.len());
    for (i, part) in escaped.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(&cut(part, ECHO_CHARS));
        } else {
            out.push_str(part);
        }
    }
    cut(&out, MESSAGE_CHARS)
}

/// Prints `warning: MESSAGE` on stderr, on one line as [`one_line`] makes it; a stderr that
/// cannot be written is ignored (the command goes on).
pub fn warn(message: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "warning: {}", one_line(message));
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
        // a long field is cut to 200 characters, the last an ellipsis
        assert_eq!(shown("short"), "short");
        assert_eq!(shown(&"x".repeat(5000)), format!("{}…", "x".repeat(199)));
        assert_eq!(shown(&"é".repeat(201)), format!("{}…", "é".repeat(199)));
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

    #[test]
    fn echoed_input_is_escaped_and_cut() {
        assert_eq!(shown("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(shown("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(shown("x\u{2028}y\u{202e}z"), "x\\u{2028}y\\u{202e}z");
        assert_eq!(shown_bytes(b"ok\xff"), "ok\u{fffd}");
        // 300 characters: 199 kept, then the ellipsis, 200 in all
        let long = shown(&"x".repeat(300));
        assert_eq!(long.chars().count(), ECHO_CHARS);
        assert_eq!(long, format!("{}…", "x".repeat(199)));
        // an escape is not cut in two: 198 x, then `\u{1b}` (6 characters) does not fit in the
        // 199 before the ellipsis
        let near = shown(&format!("{}\u{1b}tail", "x".repeat(198)));
        assert_eq!(near, format!("{}…", "x".repeat(198)));
        // exactly 200 characters are kept as they are
        assert_eq!(shown(&"y".repeat(200)), "y".repeat(200));
    }

    #[test]
    fn messages_are_one_line_and_short() {
        // a quoted span of 300 characters is cut to 200; the rest of the message is kept
        let message = format!("unknown column `{}`; expected time", "c".repeat(300));
        let e = InputError::at(Path::new("t\n.csv"), 1, 2, message);
        let text = e.to_string();
        assert_eq!(
            text,
            format!(
                "t\\n.csv:1:2: unknown column `{}…`; expected time",
                "c".repeat(199)
            )
        );
        assert_eq!(text.lines().count(), 1);
        // cut again, nothing changes
        assert_eq!(one_line(&one_line("a `b\nc` d")), "a `b\\nc` d");
        // a whole message is cut at 1000 characters
        let e = InputError::file(Path::new("f"), "w ".repeat(800));
        assert_eq!(e.to_string().chars().count(), "f: ".len() + MESSAGE_CHARS);
    }
}
