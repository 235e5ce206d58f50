//! Bitbrains GWA-T-12 (Grid Workloads Archive): per-VM files of 5-minute samples.
//!
//! Per-VM files are `;`-separated with a header (`Timestamp [ms];CPU cores;CPU capacity
//! provisioned [MHZ];CPU usage [MHZ];CPU usage [%];Memory capacity provisioned [KB];Memory
//! usage [KB];Disk read throughput [KB/s];Disk write throughput [KB/s];Network received
//! throughput [KB/s];Network transmitted throughput [KB/s]`); the timestamps are in seconds
//! despite the header. The concatenated form is one CSV with a leading `vm_id` column and the
//! header `vm_id,timestamp_s,cpu_cores,cpu_capacity_mhz,cpu_usage_mhz,cpu_usage_pct,
//! mem_capacity_kb,mem_usage_kb,disk_read_kbps,disk_write_kbps,net_rx_kbps,net_tx_kbps`.
//!
//! Output: `cpu` (cores) = usage MHz / (capacity MHz / cores), spec = cores; `memory` (GiB)
//! = usage KB / 2^20, spec = provisioned KB / 2^20; `disk` (MB/s) = (read + write) / 1024;
//! `network` (MB/s) = (received + transmitted) / 1024. Disk and network have no provisioned
//! capacity: give them `workload.default_spec` in the scenario.

use std::path::Path;

use super::{amount, files_in, number, records, spec, Table};
use crate::error::InputError;

const COLUMNS: [&str; 4] = ["cpu", "memory", "disk", "network"];

/// The 10 numeric fields after the VM id, in the order of both forms.
const FIELDS: [&str; 11] = [
    "timestamp_s",
    "cpu_cores",
    "cpu_capacity_mhz",
    "cpu_usage_mhz",
    "cpu_usage_pct",
    "mem_capacity_kb",
    "mem_usage_kb",
    "disk_read_kbps",
    "disk_write_kbps",
    "net_rx_kbps",
    "net_tx_kbps",
];

/// Reads a per-VM directory or the concatenated file.
pub(super) fn read(source: &Path) -> Result<Table, InputError> {
    let mut table = Table::new(&COLUMNS);
    if source.is_dir() {
        for file in files_in(source)? {
            let name = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let vm = name
                .trim_end_matches(".gz")
                .trim_end_matches(".csv")
                .to_string();
            read_file(&file, b';', Some(&vm), &mut table)?;
        }
    } else {
        read_file(source, b',', None, &mut table)?;
    }
    Ok(table)
}

fn read_file(
    path: &Path,
    delimiter: u8,
    vm: Option<&str>,
    table: &mut Table,
) -> Result<(), InputError> {
    let (mut reader, headers) = super::reader(path, delimiter, true)?;
    let offset = usize::from(vm.is_none());
    let expected = FIELDS.len() + offset;
    let first = headers.get(0).unwrap_or("");
    let ok = match vm {
        Some(_) => first.starts_with("Timestamp") && headers.len() == expected,
        None => first == "vm_id" && headers.iter().skip(1).eq(FIELDS.iter().copied()),
    };
    if !ok {
        let want = match vm {
            Some(_) => {
                "the Bitbrains per-VM header `Timestamp [ms];CPU cores;...` (11 fields)".to_string()
            }
            None => format!("the header vm_id,{}", FIELDS.join(",")),
        };
        return Err(InputError::at(path, 1, 1, format!("expected {want}")));
    }
    for item in records(&mut reader) {
        let (line, r) = item?;
        if r.len() != expected {
            return Err(InputError::at(
                path,
                line as usize,
                1,
                format!(
                    "expected {expected} fields as in the header, found {}",
                    r.len()
                ),
            ));
        }
        let field = |i: usize| -> Result<f64, InputError> {
            let text = r.get(i + offset).unwrap_or("");
            number(path, line, i + offset + 1, FIELDS[i], text)
        };
        let time = field(0)? as i64;
        let cores = field(1)?;
        let capacity = field(2)?;
        let usage = field(3)?;
        let cpu = if capacity > 0.0 && cores > 0.0 {
            amount(
                path,
                line,
                3 + offset + 1,
                FIELDS[3],
                usage / (capacity / cores),
            )?
        } else {
            0.0
        };
        const KB_PER_GIB: f64 = 1024.0 * 1024.0;
        let demand = [
            cpu,
            field(6)? / KB_PER_GIB,
            (field(7)? + field(8)?) / 1024.0,
            (field(9)? + field(10)?) / 1024.0,
        ];
        let spec = [
            spec(path, line, 1 + offset + 1, FIELDS[1], cores)?,
            spec(
                path,
                line,
                5 + offset + 1,
                FIELDS[5],
                field(5)? / KB_PER_GIB,
            )?,
            f64::NAN,
            f64::NAN,
        ];
        let tenant = match vm {
            Some(v) => v.to_string(),
            None => {
                let id = r.get(0).unwrap_or("");
                if id.is_empty() {
                    return Err(InputError::at(
                        path,
                        line as usize,
                        1,
                        "vm_id: expected a VM id, found an empty field",
                    ));
                }
                id.to_string()
            }
        };
        table.push(time, &tenant, "", &demand, &spec);
    }
    Ok(())
}
