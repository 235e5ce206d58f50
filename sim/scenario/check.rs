//! The checker of a scenario file: a located error at a span (`Checker::err`), a TOML error
//! made one located message (`toml_error`), and the rules of one value (a positive number, a
//! count, a price, a per-resource table, an expression). It knows no section: what a key
//! means, and its default, is the section's module's.

use std::ops::Range;
use std::path::Path;

use indexmap::IndexMap;
use overbook_models::expr::Call;
use overbook_models::resource::Resource;

use super::S;
use crate::error::InputError;
use crate::limits::{
    show, MAX_AMOUNT, MAX_DURATION_SECONDS, MAX_FACTOR, MAX_PRICE, MIN_DIVISOR, MIN_PRICE,
};

/// Turns a TOML error into one located message; names the key when the error is about a value.
pub(crate) fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> InputError {
    let message = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else {
        return InputError::file(path, message);
    };
    let start = span.start.min(text.len());
    // the parser names no reason for some characters (controls in a comment): name the
    // character
    let message = if message.is_empty() {
        let found = text[start..]
            .chars()
            .next()
            .map_or("the end of the file".to_string(), |c| {
                format!("character {:?}", c)
            });
        format!("unexpected {found}; expected TOML")
    } else {
        message
    };
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..start].trim_end();
    let key = before
        .strip_suffix('=')
        .map(|k| k.trim().trim_matches('"'))
        .filter(|k| !k.is_empty() && !message.contains(&format!("`{k}`")));
    let message = match key {
        Some(k) => format!("key `{k}`: {message}"),
        None => message,
    };
    InputError::at_offset(path, text, start, message)
}

/// How a table's values are checked: the value and its dotted key.
type Rule<'a> = &'a dyn Fn(&S<f64>, &str) -> Result<f64, InputError>;

pub(super) struct Checker<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
}

impl Checker<'_> {
    pub(super) fn err(&self, span: Range<usize>, message: impl Into<String>) -> InputError {
        InputError::at_offset(self.path, self.text, span.start, message)
    }

    pub(super) fn positive(&self, v: &S<f64>, key: &str) -> Result<f64, InputError> {
        let x = *v.get_ref();
        if x.is_finite() && x > 0.0 {
            Ok(x)
        } else {
            Err(self.err(
                v.span(),
                format!("`{key}` must be a positive number, got {}", show(x)),
            ))
        }
    }

    pub(super) fn non_negative(&self, v: &S<f64>, key: &str) -> Result<f64, InputError> {
        let x = *v.get_ref();
        if x.is_finite() && x >= 0.0 {
            Ok(x)
        } else {
            Err(self.err(
                v.span(),
                format!("`{key}` must be a number >= 0, got {}", show(x)),
            ))
        }
    }

    /// A number in `[low, high]`.
    pub(super) fn within(
        &self,
        v: &S<f64>,
        key: &str,
        low: f64,
        high: f64,
    ) -> Result<f64, InputError> {
        let x = *v.get_ref();
        if (low..=high).contains(&x) {
            Ok(x)
        } else {
            Err(self.err(
                v.span(),
                format!(
                    "`{key}` must be a number in [{}, {}], got {}",
                    show(low),
                    show(high),
                    show(x)
                ),
            ))
        }
    }

    /// 0, or a number in `[low, high]`: an amount that divides (a capacity, a spec, a
    /// weight), or a price, which must not be subnormal.
    pub(super) fn zero_or(
        &self,
        v: &S<f64>,
        key: &str,
        low: f64,
        high: f64,
    ) -> Result<f64, InputError> {
        let x = *v.get_ref();
        if x == 0.0 || (low..=high).contains(&x) {
            Ok(x.abs())
        } else {
            Err(self.err(
                v.span(),
                format!(
                    "`{key}` must be 0 or a number in [{}, {}], got {}",
                    show(low),
                    show(high),
                    show(x)
                ),
            ))
        }
    }

    /// An amount that divides: 0 or in `[MIN_DIVISOR, MAX_AMOUNT]`.
    pub(super) fn divisor(&self, v: &S<f64>, key: &str) -> Result<f64, InputError> {
        self.zero_or(v, key, MIN_DIVISOR, MAX_AMOUNT)
    }

    /// A price: 0 or in `[MIN_PRICE, MAX_PRICE]`.
    pub(super) fn price(&self, v: &S<f64>, key: &str) -> Result<f64, InputError> {
        self.zero_or(v, key, MIN_PRICE, MAX_PRICE)
    }

    /// A multiplier of amounts (headroom, fill target, quota factor): positive, at most
    /// [`MAX_FACTOR`].
    pub(super) fn factor(&self, v: &S<f64>, key: &str) -> Result<f64, InputError> {
        let x = self.positive(v, key)?;
        if x <= MAX_FACTOR {
            Ok(x)
        } else {
            Err(self.err(
                v.span(),
                format!(
                    "`{key}` must be a number in (0, {}], got {}",
                    show(MAX_FACTOR),
                    show(x)
                ),
            ))
        }
    }

    pub(super) fn count(
        &self,
        v: &S<i64>,
        key: &str,
        min: i64,
        max: i64,
    ) -> Result<i64, InputError> {
        let x = *v.get_ref();
        if (min..=max).contains(&x) {
            Ok(x)
        } else if max == i64::MAX {
            Err(self.err(
                v.span(),
                format!("`{key}` must be an integer >= {min}, got {x}"),
            ))
        } else {
            Err(self.err(
                v.span(),
                format!("`{key}` must be an integer in [{min}, {max}], got {x}"),
            ))
        }
    }

    /// A duration in seconds: in `[min, MAX_DURATION_SECONDS]`.
    pub(super) fn seconds(&self, v: &S<i64>, key: &str, min: i64) -> Result<i64, InputError> {
        self.count(v, key, min, MAX_DURATION_SECONDS)
    }

    /// A per-resource table: keys must be resource names, values pass `rule`.
    pub(super) fn per_resource(
        &self,
        table: &S<IndexMap<String, S<f64>>>,
        resources: &[Resource],
        key: &str,
        rule: Rule<'_>,
    ) -> Result<Vec<Option<f64>>, InputError> {
        let names: Vec<String> = resources.iter().map(|r| r.name.clone()).collect();
        self.per_name(table, &names, key, "resource", rule)
    }

    /// A table keyed by `names` (resources or traffic features), values passing `rule`.
    pub(super) fn per_name(
        &self,
        table: &S<IndexMap<String, S<f64>>>,
        names: &[String],
        key: &str,
        what: &str,
        rule: Rule<'_>,
    ) -> Result<Vec<Option<f64>>, InputError> {
        let mut out = vec![None; names.len()];
        for (name, v) in table.get_ref() {
            let Some(r) = names.iter().position(|r| r == name) else {
                return Err(self.err(
                    v.span(),
                    format!(
                        "`{key}` names unknown {what} `{name}`; {what}s: {}",
                        names.join(", ")
                    ),
                ));
            };
            out[r] = Some(rule(v, &format!("{key}.{name}"))?);
        }
        Ok(out)
    }

    pub(super) fn expression(
        &self,
        v: &S<String>,
        what: &str,
        build: impl Fn(&Call) -> Result<(), String>,
    ) -> Result<Call, InputError> {
        // the span covers the quotes: +1 points at the text itself
        let call = Call::parse(v.get_ref()).map_err(|e| {
            self.err(
                v.span().start + 1 + e.offset..v.span().end,
                format!("{what}: {}", e.message),
            )
        })?;
        build(&call).map_err(|m| self.err(v.span(), m))?;
        Ok(call)
    }

    /// Where a section starts, for errors about a table without a span.
    pub(super) fn section(&self, header: &str) -> std::ops::Range<usize> {
        let at = self.text.find(header).unwrap_or(0);
        at..at
    }
}
