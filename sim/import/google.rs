//! Google cluster-data 2019 `instance_usage`, exported as CSV (nested fields flattened as
//! `average_usage.cpus` or `average_usage_cpus`).
//!
//! Required columns: `start_time`, `end_time` (microseconds), `collection_id`,
//! `instance_index`, `average_usage.cpus`, `average_usage.memory`. Optional: `machine_id`
//! (written as the trace's `node`), `maximum_usage.cpus`, `maximum_usage.memory`,
//! `resource_request.cpus`, `resource_request.memory`; other columns are ignored.
//!
//! Output: a tenant per instance, `<collection_id>-<instance_index>`; `cpu` and `memory` are
//! the window's average usage in the trace's normalized units times `--cpu-scale` and
//! `--memory-scale`. Spec is the instance's resource request; without request columns, its
//! peak usage over the trace (maximum usage where given).

use std::collections::HashMap;
use std::path::Path;

use super::{amount, number, records, Options, Table};
use crate::error::InputError;

pub(super) fn read(source: &Path, options: &Options) -> Result<Table, InputError> {
    let (mut reader, headers) = super::reader(source, b',', true)?;
    let headers: Vec<String> = headers.iter().map(|h| h.replace('.', "_")).collect();
    let find = |name: &str| headers.iter().position(|h| h == name);
    let required = |name: &str| {
        find(name).ok_or_else(|| {
            InputError::at(
                source,
                1,
                1,
                format!(
                    "missing column `{}`; expected start_time, end_time, collection_id, instance_index, average_usage.cpus, average_usage.memory",
                    name.replacen('_', ".", usize::from(name.starts_with("average_usage")))
                ),
            )
        })
    };
    let start = required("start_time")?;
    required("end_time")?;
    let collection = required("collection_id")?;
    let index = required("instance_index")?;
    let avg = [
        required("average_usage_cpus")?,
        required("average_usage_memory")?,
    ];
    let max = [find("maximum_usage_cpus"), find("maximum_usage_memory")];
    let request = [
        find("resource_request_cpus"),
        find("resource_request_memory"),
    ];
    let machine = find("machine_id");
    let scale = [options.cpu_scale, options.memory_scale];
    let mut table = Table::new(&["cpu", "memory"]);
    // per instance and resource, the peak usage and where it was read
    let mut peaks: HashMap<String, [(f64, u64, usize); 2]> = HashMap::new();
    for item in records(&mut reader) {
        let (line, r) = item?;
        if r.len() != headers.len() {
            return Err(InputError::at(
                source,
                line as usize,
                1,
                format!(
                    "expected {} fields as in the header, found {}",
                    headers.len(),
                    r.len()
                ),
            ));
        }
        let get = |c: usize, what: &str| number(source, line, c + 1, what, r.get(c).unwrap_or(""));
        let time = (get(start, "start_time")? / 1e6).floor() as i64;
        let tenant = format!(
            "{}-{}",
            r.get(collection).unwrap_or(""),
            r.get(index).unwrap_or("")
        );
        let mut demand = [0.0; 2];
        let mut spec = [f64::NAN; 2];
        // a field times its scale, refused above the largest amount
        let scaled = |c: usize, what: &str, k: usize| {
            amount(source, line, c + 1, what, get(c, what)? * scale[k])
        };
        for k in 0..2 {
            demand[k] = scaled(avg[k], "average usage", k)?;
            let (peak, column) = match max[k] {
                Some(c) => (scaled(c, "maximum usage", k)?, c + 1),
                None => (demand[k], avg[k] + 1),
            };
            let p = peaks.entry(tenant.clone()).or_insert([(0.0, line, 1); 2]);
            if peak > p[k].0 {
                p[k] = (peak, line, column);
            }
            if let Some(c) = request[k] {
                let request = scaled(c, "resource request", k)?;
                spec[k] = super::spec(source, line, c + 1, "resource request", request)?;
            }
        }
        let node = machine.map_or("", |c| r.get(c).unwrap_or(""));
        table.push(time, &tenant, node, &demand, &spec);
    }
    // without requests, an instance's spec is its peak usage (checked in input order)
    for rec in &mut table.records {
        let peak = peaks[&table.tenants[rec.tenant as usize]];
        for k in 0..2 {
            if request[k].is_none() {
                let (v, line, column) = peak[k];
                rec.spec[k] = super::spec(source, line, column, "peak usage (the spec)", v)?;
            }
        }
    }
    Ok(table)
}
