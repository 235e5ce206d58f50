//! The small call syntax that names placers and predictors in scenarios:
//! `first-fit`, `percentile(95)`, `random(seed = 7)`, `max(peak, n_sigma(3))`,
//! `exec(cmd = 'python3 placer.py', timeout_seconds = 5)`.
//!
//! A string is quoted with `'` or `"`; inside it a backslash escapes either quote or a
//! backslash (`'it\'s'`), and nothing else. A string holds at most [`MAX_TEXT`] bytes.

use std::fmt;

/// The deepest nesting of calls an expression may have (`max(max(peak))` has depth 3): 32.
/// The parser recurses once per level, so a limit keeps a hostile expression from
/// overflowing the stack.
pub const MAX_DEPTH: usize = 32;

/// The longest string argument, in bytes: 4096.
pub const MAX_TEXT: usize = 4096;

/// One argument of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A positional number.
    Number(f64),
    /// A nested call (or a bare name).
    Call(Call),
    /// `key = number`.
    Named(String, f64),
    /// A positional string, `'text'` or `"text"`.
    Text(String),
    /// `key = 'text'`.
    NamedText(String, String),
}

/// A parsed `name(args)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The name, e.g. `first-fit`.
    pub name: String,
    /// Its arguments, in order.
    pub args: Vec<Arg>,
}

/// A syntax error, with the 0-based character offset where it was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} at character {}", offset + 1)]
pub struct ParseError {
    /// What was expected.
    pub message: String,
    /// 0-based offset into the text.
    pub offset: usize,
}

impl Call {
    /// Parses a call from text.
    pub fn parse(text: &str) -> Result<Call, ParseError> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
            depth: 0,
        };
        let call = p.call()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(p.err("expected the end of the expression"));
        }
        Ok(call)
    }

    /// The value of the named argument `key`, if given.
    pub fn named(&self, key: &str) -> Option<f64> {
        self.args.iter().find_map(|a| match a {
            Arg::Named(k, v) if k == key => Some(*v),
            _ => None,
        })
    }

    /// The value of the named string argument `key`, if given.
    pub fn named_text(&self, key: &str) -> Option<&str> {
        self.args.iter().find_map(|a| match a {
            Arg::NamedText(k, v) if k == key => Some(v.as_str()),
            _ => None,
        })
    }

    /// The positional strings, in order.
    pub fn texts(&self) -> impl Iterator<Item = &str> + '_ {
        self.args.iter().filter_map(|a| match a {
            Arg::Text(v) => Some(v.as_str()),
            _ => None,
        })
    }

    /// An error when this call or a call nested in it has a string argument, for the
    /// placers and predictors that take none: ``placer `random` takes no string; got 'x'``.
    /// `what` is `placer` or `predictor`.
    pub fn refuse_text(&self, what: &str) -> Result<(), String> {
        for a in &self.args {
            match a {
                Arg::Text(t) | Arg::NamedText(_, t) => {
                    return Err(format!(
                        "{what} `{}` takes no string; got {}",
                        self.name,
                        quoted(t)
                    ))
                }
                Arg::Call(c) => c.refuse_text(what)?,
                Arg::Number(_) | Arg::Named(..) => {}
            }
        }
        Ok(())
    }

    /// The positional numbers, in order.
    pub fn numbers(&self) -> impl Iterator<Item = f64> + '_ {
        self.args.iter().filter_map(|a| match a {
            Arg::Number(v) => Some(*v),
            _ => None,
        })
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if self.args.is_empty() {
            return Ok(());
        }
        f.write_str("(")?;
        for (k, a) in self.args.iter().enumerate() {
            if k > 0 {
                f.write_str(", ")?;
            }
            match a {
                Arg::Number(v) => write!(f, "{v}")?,
                Arg::Call(c) => write!(f, "{c}")?,
                Arg::Named(key, v) => write!(f, "{key} = {v}")?,
                Arg::Text(t) => f.write_str(&quoted(t))?,
                Arg::NamedText(key, t) => write!(f, "{key} = {}", quoted(t))?,
            }
        }
        f.write_str(")")
    }
}

/// `text` in single quotes, its quotes and backslashes escaped: what [`Call::parse`] reads
/// back as `text`.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if matches!(c, '\'' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// Calls open around the current position.
    depth: usize,
}

impl Parser<'_> {
    fn err(&self, message: &str) -> ParseError {
        ParseError {
            message: message.to_string(),
            offset: self.i,
        }
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn name(&mut self) -> Result<String, ParseError> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || matches!(self.s[self.i], b'_' | b'-'))
        {
            self.i += 1;
        }
        if start == self.i || !self.s[start].is_ascii_alphabetic() {
            self.i = start;
            return Err(self.err("expected a name"));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn number(&mut self) -> Result<f64, ParseError> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_digit()
                || matches!(self.s[self.i], b'.' | b'-' | b'+' | b'e' | b'E'))
        {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                self.i = start;
                self.err("expected a number")
            })
    }

    /// A quoted string at the current position (its opening quote).
    fn text(&mut self) -> Result<String, ParseError> {
        let start = self.i;
        let quote = self.s[self.i];
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.s.get(self.i) {
                None => {
                    self.i = start;
                    return Err(self.err("unterminated string"));
                }
                Some(&c) if c == quote => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => match self.s.get(self.i + 1) {
                    Some(&c) if matches!(c, b'\\' | b'\'' | b'"') => {
                        out.push(c);
                        self.i += 2;
                    }
                    _ => {
                        return Err(
                            self.err(r#"expected \\, \' or \" after a backslash in a string"#)
                        )
                    }
                },
                Some(&c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
            if out.len() > MAX_TEXT {
                self.i = start;
                return Err(self.err(&format!("expected a string of at most {MAX_TEXT} bytes")));
            }
        }
        // the text is UTF-8 and the quotes and escapes are ASCII, so what is between is too
        Ok(String::from_utf8(out).expect("UTF-8 between ASCII quotes"))
    }

    fn call(&mut self) -> Result<Call, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(&format!("expected at most {MAX_DEPTH} nested calls")));
        }
        let call = self.call_inner()?;
        self.depth -= 1;
        Ok(call)
    }

    fn call_inner(&mut self) -> Result<Call, ParseError> {
        let name = self.name()?;
        let mut args = vec![];
        self.ws();
        if self.i < self.s.len() && self.s[self.i] == b'(' {
            self.i += 1;
            self.ws();
            if self.s.get(self.i) == Some(&b')') {
                self.i += 1;
                return Ok(Call { name, args });
            }
            loop {
                args.push(self.arg()?);
                self.ws();
                match self.s.get(self.i) {
                    Some(b',') => self.i += 1,
                    Some(b')') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.err("expected ',' or ')'")),
                }
            }
        }
        Ok(Call { name, args })
    }

    fn arg(&mut self) -> Result<Arg, ParseError> {
        self.ws();
        match self.s.get(self.i) {
            Some(c) if c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+') => {
                Ok(Arg::Number(self.number()?))
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let save = self.i;
                let name = self.name()?;
                self.ws();
                if self.s.get(self.i) == Some(&b'=') {
                    self.i += 1;
                    self.ws();
                    if matches!(self.s.get(self.i), Some(b'\'' | b'"')) {
                        return Ok(Arg::NamedText(name, self.text()?));
                    }
                    return Ok(Arg::Named(name, self.number()?));
                }
                self.i = save;
                Ok(Arg::Call(self.call()?))
            }
            Some(b'\'' | b'"') => Ok(Arg::Text(self.text()?)),
            _ => Err(self.err("expected a number, a string, a name or key = value")),
        }
    }
}

/// An error for a name that is not among `known`, listing them.
pub fn unknown(what: &str, name: &str, known: &[&str]) -> String {
    format!(
        "unknown {what} `{name}`; known {what}s: {}",
        known.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_calls_and_named_args() {
        let c = Call::parse("first-fit").unwrap();
        assert_eq!((c.name.as_str(), c.args.len()), ("first-fit", 0));
        let c = Call::parse(" percentile( 95 ) ").unwrap();
        assert_eq!(c.numbers().collect::<Vec<_>>(), vec![95.0]);
        let c = Call::parse("random(seed = 7)").unwrap();
        assert_eq!(c.named("seed"), Some(7.0));
        let c = Call::parse("max(peak, n_sigma(3), rc_like(99.5))").unwrap();
        assert_eq!(c.to_string(), "max(peak, n_sigma(3), rc_like(99.5))");
    }

    #[test]
    fn nesting_is_limited_not_a_stack_overflow() {
        // depth 32 (31 `max(` around `peak`) parses; 33 is refused at the 33rd name, offset
        // 4 x 32 = 128; 100,000 levels (which overflowed the stack) are refused the same way
        let nest = |n: usize| format!("{}peak{}", "max(".repeat(n - 1), ")".repeat(n - 1));
        assert!(Call::parse(&nest(MAX_DEPTH)).is_ok());
        let e = Call::parse(&nest(MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(e.offset, 128);
        assert_eq!(e.message, "expected at most 32 nested calls");
        assert_eq!(Call::parse(&nest(100_000)).unwrap_err().offset, 128);
    }

    #[test]
    fn parses_quoted_strings_and_round_trips_them() {
        let c = Call::parse("exec(cmd = 'python3 my_placer.py', timeout_seconds = 5)").unwrap();
        assert_eq!(c.named_text("cmd"), Some("python3 my_placer.py"));
        assert_eq!(c.named("timeout_seconds"), Some(5.0));
        assert_eq!(c.named("cmd"), None);
        assert_eq!(
            c.to_string(),
            "exec(cmd = 'python3 my_placer.py', timeout_seconds = 5)"
        );
        // double quotes, escapes of both quotes and the backslash, a positional string
        let c = Call::parse(r#"f("it's", 'say \'hi\' \\ \"x\"', k = "")"#).unwrap();
        assert_eq!(
            c.texts().collect::<Vec<_>>(),
            vec!["it's", r#"say 'hi' \ "x""#]
        );
        assert_eq!(c.named_text("k"), Some(""));
        let shown = c.to_string();
        assert_eq!(shown, r#"f('it\'s', 'say \'hi\' \\ "x"', k = '')"#);
        assert_eq!(Call::parse(&shown).unwrap(), c, "Display round-trips");
        // non-ASCII text is kept whole
        let c = Call::parse("f('d\u{e9}j\u{e0} vu')").unwrap();
        assert_eq!(c.texts().next(), Some("d\u{e9}j\u{e0} vu"));
        assert_eq!(Call::parse(&c.to_string()).unwrap(), c);
    }

    #[test]
    fn bad_strings_are_located() {
        // unterminated: at its opening quote (offset 11)
        let e = Call::parse("exec(cmd = 'python3").unwrap_err();
        assert_eq!((e.message.as_str(), e.offset), ("unterminated string", 11));
        assert_eq!(Call::parse("f(\"abc)").unwrap_err().offset, 2);
        // an escape of anything else: at the backslash
        let e = Call::parse(r"f('a\n')").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("after a backslash"), "{}", e.message);
        // 4096 bytes parse, 4097 do not (at the opening quote)
        let long = |n: usize| format!("f('{}')", "x".repeat(n));
        assert!(Call::parse(&long(MAX_TEXT)).is_ok());
        let e = Call::parse(&long(MAX_TEXT + 1)).unwrap_err();
        assert_eq!(e.offset, 2);
        assert_eq!(e.message, "expected a string of at most 4096 bytes");
    }

    #[test]
    fn strings_where_numbers_belong_are_refused() {
        let c = Call::parse("max(peak, percentile('95'))").unwrap();
        assert_eq!(
            c.refuse_text("predictor").unwrap_err(),
            "predictor `percentile` takes no string; got '95'"
        );
        assert!(Call::parse("max(peak, n_sigma(3))")
            .unwrap()
            .refuse_text("predictor")
            .is_ok());
    }

    #[test]
    fn reports_where_it_broke() {
        assert_eq!(Call::parse("max(peak,").unwrap_err().offset, 9);
        assert_eq!(Call::parse("percentile(x=)").unwrap_err().offset, 13);
        assert!(Call::parse("9lives").is_err());
        assert!(Call::parse("a b").is_err());
    }
}
