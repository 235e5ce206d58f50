//! A scenario as Python names it: its file, and keys set on it (`Scenario.set`), applied to
//! the file's TOML before it is checked, so that every command (a sweep and a plan patch the
//! text further) sees the same scenario.

use std::path::Path;

use overbook::error::InputError;
use overbook::scenario::Scenario;
use pyo3::prelude::*;

use crate::errors::{input, OverbookError};
use crate::placer::Named;

/// Most keys one scenario may have set from Python.
pub const MAX_SETS: usize = 1000;

/// A value set from Python: a bool, a whole number, a number, a string or a list of them.
#[derive(Debug, Clone)]
pub struct Value(toml::Value);

impl<'a, 'py> FromPyObject<'a, 'py> for Value {
    type Error = PyErr;

    fn extract(ob: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        value(&ob).map(Value)
    }
}

/// `ob` as a TOML value, or why not.
fn value(ob: &Bound<'_, PyAny>) -> PyResult<toml::Value> {
    use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyTuple};
    if ob.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(ob.extract()?));
    }
    if ob.is_instance_of::<PyInt>() {
        let v: i64 = ob
            .extract()
            .map_err(|_| OverbookError::new_err("a whole number beyond 64 bits"))?;
        return Ok(toml::Value::Integer(v));
    }
    if ob.is_instance_of::<PyFloat>() {
        let v: f64 = ob.extract()?;
        if !v.is_finite() {
            return Err(OverbookError::new_err(format!(
                "{v} is not a finite number"
            )));
        }
        return Ok(toml::Value::Float(v));
    }
    if ob.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(ob.extract()?));
    }
    if ob.is_instance_of::<PyList>() || ob.is_instance_of::<PyTuple>() {
        let items = ob
            .try_iter()?
            .map(|item| value(&item?))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(toml::Value::Array(items));
    }
    Err(OverbookError::new_err(format!(
        "cannot set a {}: expected a bool, a number, a string or a list of them",
        ob.get_type().name()?
    )))
}

/// The keys set on a scenario, in order: (dotted key, value).
pub type Sets = Vec<(String, Value)>;

/// The scenario at `path` with `sets` and `placers` applied, checked, and its TOML text (what
/// a sweep or a plan patches further).
pub fn load(path: &Path, sets: &Sets, placers: &[Named]) -> PyResult<(Scenario, String)> {
    if sets.len() > MAX_SETS {
        return Err(OverbookError::new_err(format!(
            "{} keys set on the scenario, more than the {MAX_SETS} allowed",
            sets.len()
        )));
    }
    let mut text = Scenario::read(path).map_err(input)?;
    let mut placed = sets.clone();
    for p in placers {
        let models = match &p.model {
            Some(m) => vec![m.clone()],
            None => vec![],
        };
        for m in models {
            placed.push((
                format!("models.{m}.placer"),
                Value(toml::Value::String(p.name.clone())),
            ));
        }
    }
    if !placed.is_empty() {
        text = patched(path, &text, &placed)?;
    }
    let mut s = parse(path, &text, &placed)?;
    // a placer for every model that places is given to each of them by name
    let every: Vec<&Named> = placers.iter().filter(|p| p.model.is_none()).collect();
    if !every.is_empty() {
        let mut extra = vec![];
        for m in s.models.iter().filter(|m| !m.owns_nodes()) {
            for p in &every {
                extra.push((
                    format!("models.{}.placer", m.name),
                    Value(toml::Value::String(p.name.clone())),
                ));
            }
        }
        if extra.is_empty() {
            return Err(OverbookError::new_err(
                "placer: the scenario has no model that places",
            ));
        }
        text = patched(path, &text, &extra)?;
        s = parse(path, &text, &extra)?;
    }
    Ok((s, text))
}

/// The scenario `text` read from `path`; when keys were set (`sets`), the text is not the
/// file's, so an error names the file and the keys set rather than a place in the text.
fn parse(path: &Path, text: &str, sets: &Sets) -> PyResult<Scenario> {
    Scenario::parse(path, text).map_err(|e| {
        if sets.is_empty() {
            return input(e);
        }
        let message = match &e {
            InputError::At { message, .. } | InputError::File { message, .. } => message.clone(),
        };
        let keys: Vec<String> = sets
            .iter()
            .map(|(k, Value(v))| format!("{k} = {v}"))
            .collect();
        input(InputError::file(
            path,
            format!("with {}: {message}", keys.join(", ")),
        ))
    })
}

/// `text` with every key of `sets` set; a key through something that is not a table is an
/// error naming it.
fn patched(path: &Path, text: &str, sets: &Sets) -> PyResult<String> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| {
        OverbookError::new_err(format!(
            "{}: cannot read the scenario: {}",
            path.display(),
            e.message()
        ))
    })?;
    for (key, Value(v)) in sets {
        set(&mut table, key, v.clone())
            .map_err(|m| OverbookError::new_err(format!("{}: set {key}: {m}", path.display())))?;
    }
    Ok(toml::to_string(&table).expect("a TOML table serializes"))
}

/// Sets the dotted `key` in `table`, making the tables on the way.
fn set(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let (t, leaf) = overbook::sweep::leaf_of(table, key)?;
    // a whole number where the file has a float stays a float
    let value = match (t.get(leaf), value) {
        (Some(toml::Value::Float(_)), toml::Value::Integer(i)) => toml::Value::Float(i as f64),
        (_, v) => v,
    };
    t.insert(leaf.to_string(), value);
    Ok(())
}
