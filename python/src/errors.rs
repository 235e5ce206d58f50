//! Errors raised in Python: `overbook.OverbookError`, its message the command line's one line
//! (`file:line:column: what was expected`), with the place as attributes when there is one.

use overbook::error::InputError;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

pyo3::create_exception!(
    overbook,
    OverbookError,
    PyException,
    "An error of Overbook's: its message is the command line's one line, \
     `file:line:column: what was expected`; `file`, `line` and `column` are set when the \
     error has a place (else None)."
);

/// `e` raised as an [`OverbookError`], its message the whole chain as the CLI prints it and,
/// when an input error in the chain has a place, its `file`, `line` and `column` set.
pub fn located(e: anyhow::Error) -> PyErr {
    let message = format!("{e:#}");
    let place = e
        .chain()
        .find_map(|c| match c.downcast_ref::<InputError>() {
            Some(InputError::At {
                file, line, column, ..
            }) => Some((file.clone(), Some(*line), Some(*column))),
            Some(InputError::File { file, .. }) => Some((file.clone(), None, None)),
            None => None,
        });
    with_place(message, place)
}

/// An [`OverbookError`] of `message` with its place's attributes.
fn with_place(message: String, place: Option<(String, Option<usize>, Option<usize>)>) -> PyErr {
    Python::attach(|py| {
        let err = OverbookError::new_err(message);
        let value = err.value(py);
        let (file, line, column) = match place {
            Some((f, l, c)) => (Some(f), l, c),
            None => (None, None, None),
        };
        // setting an attribute on a fresh exception cannot fail but for memory
        let _ = value.setattr("file", file);
        let _ = value.setattr("line", line);
        let _ = value.setattr("column", column);
        err
    })
}

/// An input error raised as an [`OverbookError`].
pub fn input(e: InputError) -> PyErr {
    located(anyhow::Error::new(e))
}
