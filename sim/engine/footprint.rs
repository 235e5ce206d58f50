//! What a run's structures hold in memory at the end of the simulation (`overbook run
//! --memory-report`): per model and group of structures, and the driver's tenant table, in
//! bytes computed from the vectors' capacities (exact for what they hold, and deterministic:
//! the allocator's own overhead and the process's other memory are not counted), and the
//! process's peak resident memory ([`peak_resident_kib`]).

use std::collections::{HashMap, VecDeque};
use std::mem::size_of;

/// The bytes a vector of plain values holds (its capacity).
pub(crate) fn flat<T>(v: &Vec<T>) -> usize {
    v.capacity() * size_of::<T>()
}

/// The bytes a vector of small vectors holds: its own, and every one's that outgrew its inline
/// room.
pub(crate) fn smalls<A: smallvec::Array>(v: &Vec<smallvec::SmallVec<A>>) -> usize {
    flat(v) + v.iter().map(small).sum::<usize>()
}

/// The bytes a small vector holds apart from itself: none inline, its capacity once it
/// outgrew its inline room.
pub(crate) fn small<A: smallvec::Array>(v: &smallvec::SmallVec<A>) -> usize {
    if v.spilled() {
        v.capacity() * size_of::<A::Item>()
    } else {
        0
    }
}

/// The bytes a vector of rings of plain values holds.
pub(crate) fn rings<T>(v: &Vec<VecDeque<T>>) -> usize {
    flat(v)
        + v.iter()
            .map(|r| r.capacity() * size_of::<T>())
            .sum::<usize>()
}

/// The bytes a vector of strings holds.
pub(crate) fn strings(v: &Vec<String>) -> usize {
    flat(v) + v.iter().map(String::capacity).sum::<usize>()
}

/// The bytes a hash map's table of plain keys and values holds, from its capacity: a
/// power-of-two number of buckets, at most 7/8 of them full, each a key and value and one
/// control byte (hashbrown's layout), not what the keys hold elsewhere.
pub(crate) fn table<K, V>(m: &HashMap<K, V>) -> usize {
    hash_table(m.capacity(), size_of::<(K, V)>())
}

/// The bytes of a hashbrown table of `capacity` entries of `entry` bytes: a power-of-two
/// number of buckets, at most 7/8 of them full, each an entry and one control byte, and a
/// group of control bytes.
pub(crate) fn hash_table(capacity: usize, entry: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity < 8 {
        (capacity + 1).next_power_of_two()
    } else {
        (capacity * 8 / 7).next_power_of_two()
    };
    buckets * (entry + 1) + 16
}

/// One group of structures and the bytes it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Its name (one word, hyphenated: `tenant-series`).
    pub name: &'static str,
    /// The bytes it holds.
    pub bytes: usize,
}

/// What a run holds at the end of its simulation, before its results are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    /// The run's tenants.
    pub tenants: usize,
    /// Per model, in scenario order, its name and groups.
    pub models: Vec<(String, Vec<Group>)>,
    /// The driver's tenant table ([`super::Tenants`]).
    pub driver: usize,
}

impl Footprint {
    /// The bytes of every group counted.
    pub fn total(&self) -> usize {
        self.driver
            + self
                .models
                .iter()
                .flat_map(|(_, g)| g.iter().map(|g| g.bytes))
                .sum::<usize>()
    }

    /// The table `--memory-report` prints: a line per model and group (its bytes and bytes
    /// per tenant), the driver's tenants, the total, then the process's peak resident memory
    /// before and after building the outputs (`before`, `after`: KiB, none where unknown).
    pub fn table(&self, before: Option<u64>, after: Option<u64>) -> String {
        let per = |b: usize| {
            if self.tenants == 0 {
                "-".to_string()
            } else {
                format!("{:.1}", b as f64 / self.tenants as f64)
            }
        };
        let mut out = format!(
            "memory: {} tenants; bytes held at the end of the simulation, from capacities\n\
             memory: {:<16} {:<20} {:>14} {:>12}\n",
            self.tenants, "model", "group", "bytes", "per_tenant"
        );
        let mut line = |model: &str, group: &str, bytes: usize| {
            out += &format!(
                "memory: {model:<16} {group:<20} {bytes:>14} {:>12}\n",
                per(bytes)
            );
        };
        for (model, groups) in &self.models {
            for g in groups {
                line(model, g.name, g.bytes);
            }
        }
        line("driver", "tenants", self.driver);
        line("all", "total", self.total());
        let kib = |k: Option<u64>| k.map_or("unknown".to_string(), |k| format!("{k} KiB"));
        out += &format!(
            "memory: peak resident before outputs: {}\nmemory: peak resident after outputs: {}\n",
            kib(before),
            kib(after)
        );
        out
    }
}

/// The process's peak resident memory so far (`VmHWM` of `/proc/self/status`, KiB), where the
/// system tells it (Linux).
pub fn peak_resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_count_bytes() {
        let mut v: Vec<u32> = Vec::with_capacity(10);
        v.push(1);
        assert_eq!(flat(&v), 40);
        let n: Vec<smallvec::SmallVec<[u32; 4]>> =
            vec![smallvec::SmallVec::with_capacity(3), (0..5).collect()];
        // inline up to four; five spilled to the heap (a capacity of at least five)
        assert!(!n[0].spilled() && n[1].spilled());
        assert_eq!(smalls(&n), 2 * 24 + n[1].capacity() * 4);
        assert_eq!(small(&n[0]), 0);
        let s = vec![String::with_capacity(5)];
        assert_eq!(strings(&s), 24 + 5);
        let mut m: HashMap<u32, u32> = HashMap::new();
        assert_eq!(table(&m), 0);
        m.insert(1, 2);
        // a capacity of 3: 4 buckets of 8 + 1 bytes, and a group of control bytes
        assert_eq!(m.capacity(), 3);
        assert_eq!(table(&m), 4 * 9 + 16);
    }

    #[test]
    fn the_table_adds_up_its_groups() {
        let f = Footprint {
            tenants: 4,
            models: vec![(
                "a".into(),
                vec![
                    Group {
                        name: "x",
                        bytes: 10,
                    },
                    Group {
                        name: "y",
                        bytes: 6,
                    },
                ],
            )],
            driver: 2,
        };
        assert_eq!(f.total(), 18);
        let t = f.table(Some(100), None);
        assert!(
            t.contains("a                x                                10          2.5"),
            "{t}"
        );
        assert!(
            t.contains("all              total                            18          4.5"),
            "{t}"
        );
        assert!(t.contains("before outputs: 100 KiB"), "{t}");
        assert!(t.contains("after outputs: unknown"), "{t}");
    }
}
