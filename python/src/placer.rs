//! Placers written in Python: any object with `place(request, nodes) -> int | None`, given as
//! a factory (a class or a callable) so that every model and every parallel run builds its
//! own instance.
//!
//! A Python factory is registered with the engine's placer registry under its placer name
//! (its `name` attribute, else its `__name__`), once a process; the registry's factory looks
//! the name up here, so that a later call with another factory under the same name (the next
//! version of one's placer, gated by `regress`) replaces it. The first error a placer meets
//! (its factory or `place` raising, or an answer that is not a node the request allows) is
//! kept under its name; the run then stops (`Placer::failure`) and the call raises it.
//!
//! Architecture invariant: Python is entered only here, each time with the GIL taken for that
//! call alone (`Python::attach`), so the engine runs with it released.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use overbook::models::expr::Call;
use overbook::placer::{Decision, NodeView, Placer, Request};
use overbook::scenario::Scenario;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::OverbookError;

/// At most this many distinct Python placer names in a process.
pub const MAX_PYTHON_PLACERS: usize = 64;

/// A Python placer's first error, shared by its instances.
type Failure = Arc<Mutex<Option<String>>>;

/// What a name registered from Python builds.
struct Entry {
    factory: Arc<Py<PyAny>>,
    failure: Failure,
}

/// The Python factories by placer name.
static ENTRIES: Mutex<BTreeMap<String, Entry>> = Mutex::new(BTreeMap::new());

/// A Python placer given to a call: its placer name and the model it is for (`None`: every
/// model that places).
pub struct Named {
    /// The placer name the scenario's models are given.
    pub name: String,
    /// The model, or every model that places.
    pub model: Option<String>,
    failure: Failure,
}

impl Named {
    /// The error the placer met, if any.
    pub fn failure(&self) -> anyhow::Result<()> {
        match lock(&self.failure).clone() {
            Some(message) => Err(anyhow::anyhow!(message)),
            None => Ok(()),
        }
    }
}

/// The first error any of `placers` met.
pub fn failures(placers: &[Named]) -> anyhow::Result<()> {
    placers.iter().try_for_each(Named::failure)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The placers of a call's `placers` dict (model name or `"*"` -> factory), each registered
/// under its placer name and its failure cleared.
pub fn named(py: Python<'_>, placers: Option<Bound<'_, PyDict>>) -> PyResult<Vec<Named>> {
    let Some(placers) = placers else {
        return Ok(vec![]);
    };
    let mut out = vec![];
    for (model, factory) in placers.iter() {
        let model: String = model.extract()?;
        if !factory.is_callable() {
            return Err(OverbookError::new_err(format!(
                "placer for `{model}`: expected a class or a callable that makes a placer, got {}",
                factory.get_type().name()?
            )));
        }
        let name = placer_name(&factory)?;
        let failure = register(py, &name, factory.unbind())?;
        out.push(Named {
            name,
            model: (model != "*").then_some(model),
            failure,
        });
    }
    Ok(out)
}

/// The placer name of a factory: its `name` attribute, else its `__name__`, made a name
/// (letters, digits, `-`, `_`, starting with a letter) and prefixed `py-`.
fn placer_name(factory: &Bound<'_, PyAny>) -> PyResult<String> {
    let given: Option<String> = match factory.getattr("name") {
        Ok(n) => n.extract().ok(),
        Err(_) => None,
    };
    let raw = match given {
        Some(n) => n,
        None => factory
            .getattr("__name__")
            .and_then(|n| n.extract())
            .unwrap_or_else(|_| "placer".to_string()),
    };
    let cleaned: String = raw
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches('-');
    Ok(format!(
        "py-{}",
        if cleaned.is_empty() {
            "placer"
        } else {
            cleaned
        }
    ))
}

/// Makes `name` build `factory`'s placers, registering it with the engine the first time.
fn register(py: Python<'_>, name: &str, factory: Py<PyAny>) -> PyResult<Failure> {
    let mut all = lock(&ENTRIES);
    if let Some(entry) = all.get_mut(name) {
        entry.factory = Arc::new(factory);
        *lock(&entry.failure) = None;
        return Ok(entry.failure.clone());
    }
    if all.len() >= MAX_PYTHON_PLACERS {
        return Err(OverbookError::new_err(format!(
            "more than {MAX_PYTHON_PLACERS} Python placer names in one process, the most allowed"
        )));
    }
    let failure: Failure = Arc::default();
    let key = name.to_string();
    overbook::placer::register(name, move |call: &Call, _seed| {
        if !call.args.is_empty() {
            return Err(format!("placer `{}` takes no arguments", call.name));
        }
        let all = lock(&ENTRIES);
        let entry = all
            .get(&key)
            .ok_or_else(|| format!("placer `{key}` is gone"))?;
        let factory = entry.factory.clone();
        Ok(Box::new(PythonPlacer {
            name: key.clone(),
            factory,
            instance: None,
            failure: entry.failure.clone(),
        }) as Box<dyn Placer>)
    })
    .map_err(OverbookError::new_err)?;
    let _ = py;
    all.insert(
        name.to_string(),
        Entry {
            factory: Arc::new(factory),
            failure: failure.clone(),
        },
    );
    Ok(failure)
}

/// A regression suite's scenario given the Python placer in place of its `[compare]`
/// placers (the gate scores the variants of its models).
pub fn apply_to_variants(s: &mut Scenario, placers: &[Named]) {
    if let Some(p) = placers.iter().find(|p| p.model.is_none()) {
        if let Ok(call) = Call::parse(&p.name) {
            s.compare.0 = vec![call];
        }
    }
}

/// A Python placer instance of one model of one run.
struct PythonPlacer {
    name: String,
    factory: Arc<Py<PyAny>>,
    instance: Option<Py<PyAny>>,
    failure: Failure,
}

impl PythonPlacer {
    /// The answer of the Python object to `request` over `nodes`.
    fn ask(
        &mut self,
        py: Python<'_>,
        request: &Request<'_>,
        nodes: &dyn NodeView,
    ) -> Result<Decision, String> {
        if self.instance.is_none() {
            let made = self
                .factory
                .bind(py)
                .call0()
                .map(Bound::unbind)
                .map_err(|e| format!("making the placer raised {}", shown(py, &e)))?;
            self.instance = Some(made);
        }
        let instance = self.instance.as_ref().expect("made above").bind(py);
        let req = Bound::new(py, PyRequest::of(request)).map_err(|e| shown(py, &e))?;
        let view = PyList::empty(py);
        for n in 0..nodes.len() {
            let node = PyNode::of(request, nodes, n);
            view.append(Bound::new(py, node).map_err(|e| shown(py, &e))?)
                .map_err(|e| shown(py, &e))?;
        }
        let answer = instance
            .call_method1("place", (req, view))
            .map_err(|e| format!("place() raised {}", shown(py, &e)))?;
        if answer.is_none() {
            return Ok(Decision::Open);
        }
        let node: usize = answer.extract().map_err(|_| {
            format!(
                "place() answered {}, expected a node id (an int) or None",
                answer
                    .repr()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|_| "?".into())
            )
        })?;
        if node >= nodes.len() || !request.allows(nodes, node) {
            return Err(format!(
                "place() answered node {node}, which the request does not allow (of {} nodes; a \
                 node must be open, hold no sibling and be in an allowed zone)",
                nodes.len()
            ));
        }
        Ok(Decision::Node(node))
    }
}

/// A Python error as one line: its type and message.
fn shown(py: Python<'_>, e: &PyErr) -> String {
    let kind = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an exception".into());
    format!("{kind}: {}", e.value(py))
}

impl Placer for PythonPlacer {
    fn wants_profiles(&self) -> bool {
        true
    }

    fn failure(&mut self) -> Option<String> {
        lock(&self.failure).clone()
    }

    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        if lock(&self.failure).is_some() {
            return Decision::Open;
        }
        let asked = Python::attach(|py| self.ask(py, request, nodes));
        match asked {
            Ok(d) => d,
            Err(message) => {
                let mut slot = lock(&self.failure);
                if slot.is_none() {
                    let who = &request.who;
                    *slot = Some(format!(
                        "placer `{}` of model `{}`: {message} (placing tenant `{}` at {} s, size {:?})",
                        self.name, who.model, who.tenant, who.time, request.size
                    ));
                }
                Decision::Open
            }
        }
    }
}

impl Drop for PythonPlacer {
    fn drop(&mut self) {
        // the Python objects are released with the GIL held
        let instance = self.instance.take();
        Python::attach(|_| drop(instance));
    }
}

/// What a Python placer reads of a request.
#[pyclass(name = "Request", module = "overbook", frozen, get_all)]
struct PyRequest {
    /// The model placing it.
    model: String,
    /// The tenant's id, as in the trace.
    tenant: String,
    /// The tenant's SLO class.
    class: String,
    /// The time of the placement, in seconds of the trace's clock.
    time: i64,
    /// The model's resources, in the order of every per-resource list.
    resources: Vec<String>,
    /// Its predicted size per resource, in the scenario's resource order.
    size: Vec<f64>,
    /// A node is full when its allocation would pass `fill_target` x its capacity.
    fill_target: f64,
    /// Nodes it must not take (they hold a sibling of the same tenant).
    avoid: Vec<usize>,
    /// The zones it may take, by zone index (None: any zone).
    zones: Option<Vec<bool>>,
    /// Its daily profile (24 hourly bins x resources, bin-major), when the model keeps one.
    profile: Option<Vec<f64>>,
}

impl PyRequest {
    fn of(r: &Request<'_>) -> PyRequest {
        PyRequest {
            model: r.who.model.to_string(),
            tenant: r.who.tenant.to_string(),
            class: r.who.class.to_string(),
            time: r.who.time,
            resources: r.who.resources.iter().map(|x| x.name.clone()).collect(),
            size: r.size.to_vec(),
            fill_target: r.fill_target,
            avoid: r.avoid.to_vec(),
            zones: r.zones.map(|z| z.to_vec()),
            profile: r.profile.map(|p| p.to_vec()),
        }
    }
}

#[pymethods]
impl PyRequest {
    fn __repr__(&self) -> String {
        format!(
            "Request(size={:?}, fill_target={})",
            self.size, self.fill_target
        )
    }
}

/// What a Python placer reads of a node.
#[pyclass(name = "Node", module = "overbook", frozen, get_all)]
struct PyNode {
    /// The node's id (its index in the list).
    id: usize,
    /// Whether it is open (a closed node takes nothing).
    open: bool,
    /// Its zone index, or None when the model has no zones.
    zone: Option<u32>,
    /// Capacity per resource.
    capacity: Vec<f64>,
    /// The predicted sizes placed on it, summed per resource.
    allocated: Vec<f64>,
    /// Its utilization per resource at its last step (delivered / capacity; 0 before its
    /// first step or while it holds nothing).
    utilization: Vec<f64>,
    /// Whether the request may take it (open, no sibling, an allowed zone).
    allowed: bool,
    /// Whether the request fits under the fill target there, and may take it.
    fits: bool,
}

impl PyNode {
    fn of(r: &Request<'_>, nodes: &dyn NodeView, n: usize) -> PyNode {
        PyNode {
            id: n,
            open: nodes.is_open(n),
            zone: nodes.zone(n),
            capacity: nodes.capacity(n).to_vec(),
            allocated: nodes.allocated(n).to_vec(),
            utilization: nodes
                .utilization(n)
                .map_or_else(|| vec![0.0; r.size.len()], <[f64]>::to_vec),
            allowed: r.allows(nodes, n),
            fits: r.fits(nodes, n),
        }
    }
}

#[pymethods]
impl PyNode {
    fn __repr__(&self) -> String {
        format!(
            "Node(id={}, open={}, capacity={:?}, allocated={:?})",
            self.id, self.open, self.capacity, self.allocated
        )
    }
}
