//! PlanetLab CoMon CPU utilization, as shipped with the CloudSim examples: per day, one file
//! per VM with 288 integer CPU percentages (5-minute samples), one per line. The wide form has
//! one row per VM-day: `day,vm,t000..t287`.
//!
//! VM names differ from day to day, so each day is its own set of tenants: days are laid end
//! to end in date order (day `i` covers `[i x 86400, (i+1) x 86400)`) and a tenant is
//! `<day>-<vm>`. Output: `cpu` (cores) = percent / 100 x `--cores`, spec = `--cores`.

use std::path::{Path, PathBuf};

use super::{amount, files_in, number, records};
use crate::error::InputError;
use crate::trace::{Row, Source};

/// Samples per VM-day.
pub const SAMPLES: usize = 288;

/// One VM-day.
pub(super) struct Day {
    day: String,
    vm: String,
    values: Vec<f32>,
}

/// Reads the wide CSV, or a directory of day subdirectories (or of VM files for one day), for
/// machines of `cores` cores.
pub(super) fn read(source: &Path, cores: f64) -> Result<Vec<Day>, InputError> {
    let mut days = vec![];
    if source.is_dir() {
        let subdirs: Vec<PathBuf> = {
            let mut d: Vec<PathBuf> = std::fs::read_dir(source)
                .map_err(|e| InputError::file(source, format!("cannot list: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect();
            d.sort();
            d
        };
        let dirs = if subdirs.is_empty() {
            vec![source.to_path_buf()]
        } else {
            subdirs
        };
        for dir in dirs {
            let day = dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            for file in files_in(&dir)? {
                let vm = file
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .trim_end_matches(".gz")
                    .to_string();
                days.push(Day {
                    day: day.clone(),
                    vm,
                    values: read_column(&file, cores)?,
                });
            }
        }
    } else {
        let (mut reader, headers) = super::reader(source, b',', true)?;
        let ok = headers.len() == SAMPLES + 2
            && headers.get(0) == Some("day")
            && headers.get(1) == Some("vm")
            && headers.get(2) == Some("t000");
        if !ok {
            return Err(InputError::at(
                source,
                1,
                1,
                "expected the header day,vm,t000,...,t287",
            ));
        }
        for item in records(&mut reader) {
            let (line, r) = item?;
            if r.len() != SAMPLES + 2 {
                return Err(InputError::at(
                    source,
                    line as usize,
                    1,
                    format!(
                        "expected {} fields as in the header, found {}",
                        SAMPLES + 2,
                        r.len()
                    ),
                ));
            }
            let mut values = Vec::with_capacity(SAMPLES);
            for i in 0..SAMPLES {
                let text = r.get(i + 2).unwrap_or("");
                values.push(percent(source, line, i + 3, text, cores)?);
            }
            days.push(Day {
                day: r.get(0).unwrap_or("").to_string(),
                vm: r.get(1).unwrap_or("").to_string(),
                values,
            });
        }
    }
    if days.is_empty() {
        return Err(super::no_samples(source, "no VM-days found"));
    }
    // date order; within a day, input order
    days.sort_by(|a, b| a.day.cmp(&b.day));
    Ok(days)
}

/// A CPU percentage at `line:column`, kept as `f32`; its demand in cores (as [`Expand`]
/// computes it) must be an amount.
fn percent(
    path: &Path,
    line: u64,
    column: usize,
    text: &str,
    cores: f64,
) -> Result<f32, InputError> {
    let v = number(path, line, column, "cpu percent", text)? as f32;
    amount(path, line, column, "cpu percent", cpu(v, cores))?;
    Ok(v)
}

/// Cores used at `percent` of `cores`.
fn cpu(percent: f32, cores: f64) -> f64 {
    percent as f64 / 100.0 * cores
}

/// One VM file: 288 lines of one number each. Too few is an error at the line after the
/// last; too many, at the first one over.
fn read_column(path: &Path, cores: f64) -> Result<Vec<f32>, InputError> {
    // no field delimiter: a line is one field
    let (mut lines, _) = super::reader(path, b'\n', false)?;
    let mut values = Vec::with_capacity(SAMPLES);
    let mut last = 0;
    for item in records(&mut lines) {
        let (line, r) = item?;
        if values.len() == SAMPLES {
            return Err(InputError::at(
                path,
                line as usize,
                1,
                format!(
                    "expected {SAMPLES} samples, found more: this is sample {}",
                    SAMPLES + 1
                ),
            ));
        }
        values.push(percent(path, line, 1, r.get(0).unwrap_or(""), cores)?);
        last = line;
    }
    if values.len() != SAMPLES {
        return Err(InputError::at(
            path,
            last as usize + 1,
            1,
            format!(
                "expected {SAMPLES} samples, found {} before the end of the file",
                values.len()
            ),
        ));
    }
    Ok(values)
}

/// VM-days expanded into rows in time order: day by day, step by step, VM by VM.
pub(super) struct Expand {
    days: Vec<Day>,
    /// Start index in `days` of each distinct day, plus the end.
    bounds: Vec<usize>,
    cores: f64,
    day: usize,
    step: usize,
    vm: usize,
    row: Row,
    path: PathBuf,
}

impl Expand {
    pub(super) fn new(days: Vec<Day>, cores: f64, path: &Path) -> Expand {
        let mut bounds = vec![0];
        for i in 1..days.len() {
            if days[i].day != days[i - 1].day {
                bounds.push(i);
            }
        }
        bounds.push(days.len());
        Expand {
            days,
            bounds,
            cores,
            day: 0,
            step: 0,
            vm: 0,
            row: Row {
                demand: vec![0.0],
                spec: vec![f64::NAN],
                ..Row::default()
            },
            path: path.to_path_buf(),
        }
    }

    /// Distinct tenants (VM-days).
    pub(super) fn tenants(&self) -> usize {
        self.days.len()
    }
}

impl Source for Expand {
    fn advance(&mut self) -> Result<bool, InputError> {
        loop {
            if self.day + 1 >= self.bounds.len() {
                return Ok(false);
            }
            let (lo, hi) = (self.bounds[self.day], self.bounds[self.day + 1]);
            if lo + self.vm >= hi {
                self.vm = 0;
                self.step += 1;
                if self.step == SAMPLES {
                    self.step = 0;
                    self.day += 1;
                }
                continue;
            }
            let d = &self.days[lo + self.vm];
            self.vm += 1;
            let row = &mut self.row;
            row.time = (self.day * 86400 + self.step * 300) as i64;
            row.tenant.clear();
            row.tenant.extend_from_slice(d.day.as_bytes());
            row.tenant.push(b'-');
            row.tenant.extend_from_slice(d.vm.as_bytes());
            row.demand[0] = cpu(d.values[self.step], self.cores);
            row.spec[0] = if self.step == 0 { self.cores } else { f64::NAN };
            return Ok(true);
        }
    }

    fn row(&self) -> &Row {
        &self.row
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn has_spec(&self) -> Vec<bool> {
        vec![true]
    }
}
