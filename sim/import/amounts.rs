//! The importers' checks of the numbers they read and the amounts they convert them to:
//! each a located error naming the field, within the limits the trace reader holds a trace
//! to ([`crate::limits`]), so that an import writes only what a run reads back. Knows no
//! format's columns or units.

use std::path::Path;

use crate::error::{shown, InputError};
use crate::limits::{MAX_AMOUNT, MIN_DIVISOR};

/// A located number parser for importers.
pub(crate) fn number(
    path: &Path,
    line: u64,
    column: usize,
    what: &str,
    text: &str,
) -> Result<f64, InputError> {
    let v: f64 = text.trim().parse().map_err(|_| {
        InputError::at(
            path,
            line as usize,
            column,
            format!("{what}: expected a number, found `{}`", shown(text)),
        )
    })?;
    if !v.is_finite() || v < 0.0 {
        return Err(InputError::at(
            path,
            line as usize,
            column,
            format!(
                "{what}: expected a finite number >= 0, found `{}`",
                shown(text)
            ),
        ));
    }
    if v > MAX_AMOUNT {
        return Err(InputError::at(
            path,
            line as usize,
            column,
            format!("{what}: expected a number at most {MAX_AMOUNT:e}, found `{text}`"),
        ));
    }
    Ok(v)
}

/// A spec read or computed from the field at `line:column`: an [`amount`], and 0 or at least
/// [`MIN_DIVISOR`], as the trace reader requires.
pub(crate) fn spec(
    path: &Path,
    line: u64,
    column: usize,
    what: &str,
    v: f64,
) -> Result<f64, InputError> {
    let v = amount(path, line, column, what, v)?;
    if v > 0.0 && v < MIN_DIVISOR {
        return Err(InputError::at(
            path,
            line as usize,
            column,
            format!("{what}: this spec converts to {v:e}; a spec is 0 or from {MIN_DIVISOR:e}"),
        ));
    }
    Ok(v)
}

/// An amount computed from the field at `line:column` (a demand or spec in the trace's units):
/// refused when above [`MAX_AMOUNT`], as the trace reader would refuse it.
pub(crate) fn amount(
    path: &Path,
    line: u64,
    column: usize,
    what: &str,
    v: f64,
) -> Result<f64, InputError> {
    if v <= MAX_AMOUNT {
        Ok(v)
    } else {
        Err(InputError::at(
            path,
            line as usize,
            column,
            format!(
                "{what}: this sample converts to {v:e}, above the largest amount, {MAX_AMOUNT:e}"
            ),
        ))
    }
}
