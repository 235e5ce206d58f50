//! Opens the demand source of a scenario: a trace file, a generator or a metrics export,
//! mapped through the message-queue traffic model when the scenario has one (DESIGN.md 3.3,
//! 3.5).

use std::path::Path;

use ndarray::linalg::general_mat_vec_mul;
use ndarray::{Array1, Array2};

use overbook_models::resource::Resource;

use crate::error::InputError;
use crate::generate::Generator;
use crate::limits::{MAX_AMOUNT, MIN_DIVISOR};
use crate::scenario::{Input, Scenario, Traffic, UsagePrices};
use crate::trace::{CsvTrace, Row, Source};

mod roles;
use roles::RoleMaps;

/// The scenario's rows, in resource units.
pub fn open(scenario: &Scenario) -> Result<Box<dyn Source + Send>, InputError> {
    Ok(mapped(open_raw(scenario)?, scenario))
}

/// `raw`'s rows (as the input has them) through the scenario's traffic map, if it has one,
/// keeping the traffic its usage prices bill ([`Row::usage`]).
pub fn mapped(raw: Box<dyn Source + Send>, scenario: &Scenario) -> Box<dyn Source + Send> {
    match &scenario.workload.traffic {
        Some(t) => {
            let m = Mapped::new(raw, t, &scenario.resources);
            let m = match &scenario.cost.usage {
                Some(prices) if scenario.cost.bills_usage() => m.billing(prices),
                _ => m,
            };
            Box::new(if scenario.has_replicas() {
                m.with_roles(t)
            } else {
                m
            })
        }
        None => raw,
    }
}

/// The scenario's rows as the input has them (traffic features when there is a traffic map).
pub fn open_raw(scenario: &Scenario) -> Result<Box<dyn Source + Send>, InputError> {
    Ok(match &scenario.workload.input {
        Input::Trace(path) => Box::new(CsvTrace::open(path, &scenario.workload.columns)?),
        Input::Generator(_) => Box::new(Generator::of(scenario).expect("a generator scenario")),
        Input::Export(export) => {
            let (rows, warning) =
                crate::import::metrics::open(export, &scenario.workload.columns, scenario.step)?;
            if let Some(w) = warning {
                warn_once(&export.path, &w);
            }
            rows
        }
    })
}

/// Prints `warning` about the export at `path` once in a process (a sweep opens it for every
/// run).
fn warn_once(path: &Path, warning: &str) {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static WARNED: Mutex<BTreeSet<std::path::PathBuf>> = Mutex::new(BTreeSet::new());
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if warned.insert(path.to_path_buf()) {
        crate::error::warn(&format!("{}: {warning}", path.display()));
    }
}

/// Rows of traffic features turned into resource demand by a linear map.
pub struct Mapped {
    inner: Box<dyn Source + Send>,
    names: Vec<String>,
    matrix: Array2<f64>,
    x: Array1<f64>,
    y: Array1<f64>,
    row: Row,
    /// Per billed usage quantity, the feature it reads ([`UsagePrices::feature`]); empty:
    /// nothing billed, the rows carry no usage.
    billed: Vec<Option<usize>>,
    /// With replicas modelled, the map per role (the rows then carry [`Row::roles`]).
    roles: Option<RoleMaps>,
}

impl Mapped {
    /// Maps `inner`'s feature rows through `traffic` into demand of `resources`.
    pub fn new(inner: Box<dyn Source + Send>, traffic: &Traffic, resources: &[Resource]) -> Mapped {
        let nf = traffic.features.len();
        let names: Vec<String> = resources.iter().map(|r| r.name.clone()).collect();
        let resources = names.len();
        Mapped {
            inner,
            names,
            matrix: Array2::from_shape_vec((resources, nf), traffic.matrix.clone())
                .expect("a resources x features matrix"),
            x: Array1::zeros(nf),
            y: Array1::zeros(resources),
            row: Row {
                demand: vec![0.0; resources],
                spec: vec![f64::NAN; resources],
                ..Row::default()
            },
            billed: vec![],
            roles: None,
        }
    }

    /// The same map, its rows also carrying what the replicas' roles take ([`Row::roles`]).
    pub fn with_roles(mut self, traffic: &Traffic) -> Mapped {
        let r = self.names.len();
        self.roles = Some(RoleMaps::new(traffic, r));
        self.row.roles = vec![0.0; crate::engine::RoleRow { r }.width()];
        self
    }

    /// The same map, its rows also keeping the traffic `prices` bill ([`Row::usage`]: a
    /// feature the map does not name is 0).
    pub fn billing(mut self, prices: &UsagePrices) -> Mapped {
        self.billed = prices.feature.to_vec();
        self.row.usage = vec![0.0; self.billed.len()];
        self
    }
}

/// `out = M features`, through the preallocated `x` and `y` (no allocation per row).
fn apply(
    m: &Array2<f64>,
    x: &mut Array1<f64>,
    y: &mut Array1<f64>,
    features: &[f64],
    out: &mut [f64],
) {
    for (xi, &f) in x.iter_mut().zip(features) {
        *xi = f;
    }
    general_mat_vec_mul(1.0, m, x, 0.0, y);
    for (o, &yi) in out.iter_mut().zip(y.iter()) {
        *o = yi;
    }
}

impl Mapped {
    /// The mapped amounts must stay amounts: a row whose features map to more than
    /// [`MAX_AMOUNT`] of a resource is an error at its line.
    fn check(&self) -> Result<(), InputError> {
        let row = &self.row;
        let spec = |v: f64| v == 0.0 || v.is_nan() || (MIN_DIVISOR..=MAX_AMOUNT).contains(&v);
        let bad = (0..self.names.len()).find_map(|r| {
            // NaN is no amount either
            if row.demand[r].is_nan() || row.demand[r] > MAX_AMOUNT {
                Some((r, "a demand", row.demand[r]))
            } else if !spec(row.spec[r]) {
                Some((r, "a spec", row.spec[r]))
            } else {
                None
            }
        });
        match bad {
            None => Ok(()),
            Some((r, what, v)) => Err(InputError::at(
                self.inner.path(),
                row.line as usize,
                1,
                format!(
                    "the traffic map turns this row into {what} of {v:e} of `{}`; amounts are at most {MAX_AMOUNT:e}, specs 0 or from {MIN_DIVISOR:e}",
                    self.names[r]
                ),
            )),
        }
    }
}

impl Source for Mapped {
    fn time_origin(&self) -> Option<i64> {
        self.inner.time_origin()
    }

    fn advance(&mut self) -> Result<bool, InputError> {
        if !self.inner.advance()? {
            return Ok(false);
        }
        let inner = self.inner.row();
        let row = &mut self.row;
        row.time = inner.time;
        row.line = inner.line;
        row.tenant.clone_from(&inner.tenant);
        row.class.clone_from(&inner.class);
        row.node.clone_from(&inner.node);
        apply(
            &self.matrix,
            &mut self.x,
            &mut self.y,
            &inner.demand,
            &mut row.demand,
        );
        if inner.spec.iter().any(|s| s.is_nan()) {
            row.spec.fill(f64::NAN);
        } else {
            apply(
                &self.matrix,
                &mut self.x,
                &mut self.y,
                &inner.spec,
                &mut row.spec,
            );
        }
        for (u, f) in self.row.usage.iter_mut().zip(&self.billed) {
            *u = f.map_or(0.0, |i| inner.demand[i]);
        }
        if let Some(maps) = &mut self.roles {
            maps.roles(&inner.demand, &inner.spec, &mut self.row.roles);
        }
        self.check()?;
        Ok(true)
    }

    fn row(&self) -> &Row {
        &self.row
    }

    fn path(&self) -> &Path {
        self.inner.path()
    }

    fn has_spec(&self) -> Vec<bool> {
        let all = self.inner.has_spec().iter().all(|&h| h);
        vec![all; self.y.len()]
    }

    fn key(&self) -> Option<u32> {
        self.inner.key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::VecSource;

    #[test]
    fn kafka_default_map_by_hand() {
        let text = r#"
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
[[resources]]
name = "network_in"
[[resources]]
name = "network_out"
[[resources]]
name = "storage"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 16, memory = 64, network_in = 1000, network_out = 1000, storage = 10000 }
[workload]
trace = "t.csv"
[workload.traffic]
replication = 3
[models.shared]
"#;
        let s = Scenario::parse(Path::new("s.toml"), text).unwrap();
        assert_eq!(
            s.workload.columns,
            ["produce", "consume", "messages", "partitions", "retained"]
        );
        let t = s.workload.traffic.as_ref().unwrap();
        // produce 10 MB/s, consume 20 MB/s, 1000 msg/s, 6 partitions, 100 GB retained
        let row = Row {
            time: 0,
            tenant: b"a".to_vec(),
            demand: vec![10.0, 20.0, 1000.0, 6.0, 100.0],
            spec: vec![f64::NAN; 5],
            ..Row::default()
        };
        let inner = VecSource::new("t.csv", vec![row], vec![false; 5]);
        let mut m = Mapped::new(Box::new(inner), t, &s.resources);
        assert!(m.advance().unwrap());
        let d = &m.row().demand;
        // cpu = 0.00002 x 1000 + 0.015 x 10 + 0.008 x 20 + 0.001 x 6 = 0.02 + 0.15 + 0.16 + 0.006
        assert!((d[0] - 0.336).abs() < 1e-12, "{}", d[0]);
        // memory = 0.01 x 6 + 0.05 x 10 = 0.56
        assert!((d[1] - 0.56).abs() < 1e-12);
        // network_in = 3 x 10 = 30; network_out = 20 + 2 x 10 = 40; storage = 3 x 100 = 300
        assert_eq!((d[2], d[3], d[4]), (30.0, 40.0, 300.0));
        assert!(m.row().spec.iter().all(|v| v.is_nan()));
        assert!(!m.advance().unwrap());
    }

    #[test]
    fn a_row_mapped_beyond_the_largest_amount_is_located() {
        let text = "[[resources]]\nname = \"network_in\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1\ncapacity = { network_in = 1000 }\n[workload]\ntrace = \"t.csv\"\n[workload.traffic]\nfeatures = [\"produce\"]\nreplication = 3\n[models.shared]\n";
        let s = Scenario::parse(Path::new("s.toml"), text).unwrap();
        // produce 4e14 MB/s at replication 3 is 1.2e15 MB/s in: above 1e15
        let row = Row {
            time: 0,
            tenant: b"a".to_vec(),
            demand: vec![4e14],
            spec: vec![f64::NAN],
            line: 7,
            ..Row::default()
        };
        let inner = VecSource::new("t.csv", vec![row], vec![false]);
        let mut m = Mapped::new(
            Box::new(inner),
            s.workload.traffic.as_ref().unwrap(),
            &s.resources,
        );
        let e = m.advance().unwrap_err().to_string();
        assert_eq!(e, "t.csv:7:1: the traffic map turns this row into a demand of 1.2e15 of `network_in`; amounts are at most 1e15, specs 0 or from 1e-9");
    }

    #[test]
    fn custom_map_rows_and_unknown_resources() {
        let base = r#"
[[resources]]
name = "cpu"
[[resources]]
name = "gpu"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 16, gpu = 1 }
[workload]
trace = "t.csv"
[workload.traffic]
features = ["produce"]
"#;
        // gpu has no default row: an error naming it and the fix
        let e =
            Scenario::parse(Path::new("s.toml"), &format!("{base}[models.shared]\n")).unwrap_err();
        assert!(
            e.to_string().contains("no traffic map for resource `gpu`"),
            "{e}"
        );
        let s = Scenario::parse(
            Path::new("s.toml"),
            &format!("{base}[workload.traffic.map]\ngpu = {{ produce = 0.5 }}\n[models.shared]\n"),
        )
        .unwrap();
        // cpu keeps the default 0.015 per MB/s produced; gpu uses the given 0.5
        assert_eq!(s.workload.traffic.unwrap().matrix, vec![0.015, 0.5]);
    }
}
