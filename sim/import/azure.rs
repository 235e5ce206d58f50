//! Azure public dataset V2: `vm_cpu_readings-file-*-of-195.csv.gz` (no header:
//! `timestamp,vmid,min cpu,max cpu,avg cpu`, percent, 5-minute readings; a file or a directory
//! of them, read in natural name order) with the VM table `vmtable.csv` (no header:
//! `vmid,subscriptionid,deploymentid,vmcreated,vmdeleted,maxcpu,avgcpu,p95maxcpu,vmcategory,
//! vmcorecountbucket,vmmemorybucket`).
//!
//! Output: `cpu` (cores) = avg percent / 100 x the VM's cores, spec = cores; `memory` (GB) =
//! the VM's memory bucket, as demand and spec (the dataset publishes no memory use, and Azure
//! does not oversubscribe VM memory). Buckets `>24` cores and `>64` GB count as 30 and 70.

use std::collections::HashMap;
use std::path::Path;

use super::{amount, files_in, number, records, spec, Table};
use crate::error::InputError;

fn bucket(path: &Path, line: u64, column: usize, text: &str) -> Result<f64, InputError> {
    match text.trim() {
        ">24" => Ok(30.0),
        ">64" => Ok(70.0),
        t => number(path, line, column, "bucket", t),
    }
}

pub(super) fn read(source: &Path, vm_table: &Path) -> Result<Table, InputError> {
    let mut vms: HashMap<String, (f64, f64)> = HashMap::new();
    let (mut reader, _) = super::reader(vm_table, b',', false)?;
    for item in records(&mut reader) {
        let (line, r) = item?;
        if r.len() != 11 {
            return Err(InputError::at(
                vm_table,
                line as usize,
                1,
                format!(
                    "expected 11 fields (vmid, ..., vmcorecountbucket, vmmemorybucket), found {}",
                    r.len()
                ),
            ));
        }
        if line == 1 && r.get(0) == Some("vmid") {
            continue;
        }
        let cores = bucket(vm_table, line, 10, r.get(9).unwrap_or(""))?;
        let memory = bucket(vm_table, line, 11, r.get(10).unwrap_or(""))?;
        // both are specs
        spec(vm_table, line, 10, "cores", cores)?;
        spec(vm_table, line, 11, "memory", memory)?;
        vms.insert(r.get(0).unwrap_or("").to_string(), (cores, memory));
    }
    let files = if source.is_dir() {
        files_in(source)?
    } else {
        vec![source.to_path_buf()]
    };
    let mut table = Table::new(&["cpu", "memory"]);
    for file in files {
        let (mut reader, _) = super::reader(&file, b',', false)?;
        for item in records(&mut reader) {
            let (line, r) = item?;
            if r.len() != 5 {
                return Err(InputError::at(
                    &file,
                    line as usize,
                    1,
                    format!(
                        "expected 5 fields (timestamp, vmid, min, max, avg cpu), found {}",
                        r.len()
                    ),
                ));
            }
            if line == 1 && r.get(0) == Some("timestamp") {
                continue;
            }
            let time = number(&file, line, 1, "timestamp", r.get(0).unwrap_or(""))? as i64;
            let vm = r.get(1).unwrap_or("");
            let &(cores, memory) = vms.get(vm).ok_or_else(|| {
                InputError::at(
                    &file,
                    line as usize,
                    2,
                    format!("vmid `{vm}` is not in the VM table {}", vm_table.display()),
                )
            })?;
            let avg = number(&file, line, 5, "avg cpu", r.get(4).unwrap_or(""))?;
            let cpu = amount(&file, line, 5, "avg cpu", avg / 100.0 * cores)?;
            table.push(time, vm, "", &[cpu, memory], &[cores, memory]);
        }
    }
    Ok(table)
}
