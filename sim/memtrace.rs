//! A trace held in memory column by column, for replaying the same rows many times (the
//! `bench` command's replay figures, benches).
//!
//! A row costs 8 bytes of time, 4 of tenant key, 8 per resource of demand and of spec, and 4
//! each for class and node when the trace has them: about a fifth of a [`Row`] with its own
//! heap buffers. Tenant ids, classes and node names are interned. Its source hands the engine
//! each row's tenant key ([`Source::key`]), so a replay never compares or hashes an id.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::InputError;
use crate::trace::{Row, Rows, Source};

/// Interned byte strings, numbered in order of first appearance.
#[derive(Debug, Default, Clone)]
struct Interner {
    names: Vec<Vec<u8>>,
    index: HashMap<Vec<u8>, u32>,
}

impl Interner {
    fn intern(&mut self, name: &[u8]) -> u32 {
        if let Some(&k) = self.index.get(name) {
            return k;
        }
        let k = self.names.len() as u32;
        self.names.push(name.to_vec());
        self.index.insert(name.to_vec(), k);
        k
    }
}

/// A whole trace in memory, in columns.
#[derive(Debug, Clone)]
pub struct MemTrace {
    path: PathBuf,
    has_spec: Vec<bool>,
    resources: usize,
    tenants: Interner,
    classes: Interner,
    nodes: Interner,
    time: Vec<i64>,
    key: Vec<u32>,
    demand: Vec<f64>,
    /// Empty when the trace has no spec column at all.
    spec: Vec<f64>,
    /// The rows that give a spec (some value not NaN), in order.
    spec_rows: Vec<usize>,
    /// Empty when no row names a class; `u32::MAX` for a row without one.
    class: Vec<u32>,
    /// Empty when no row names a node; `u32::MAX` for a row without one.
    node: Vec<u32>,
    line: Vec<u64>,
    /// Billed traffic ([`Row::usage`]), row by row: empty without usage prices.
    usage: Vec<f64>,
    /// Values of billed traffic per row (0 without usage prices).
    usage_width: usize,
    /// The roles' amounts ([`Row::roles`]), row by row: empty without replicas.
    roles: Vec<f64>,
    /// Values of the roles' amounts per row (0 without replicas).
    roles_width: usize,
    /// The source's time origin ([`Source::time_origin`]).
    origin: Option<i64>,
}

impl MemTrace {
    /// Reads every row of `source`.
    pub fn read(source: &mut dyn Source) -> Result<MemTrace, InputError> {
        let has_spec = source.has_spec();
        let mut trace = MemTrace {
            path: source.path().to_path_buf(),
            resources: has_spec.len(),
            has_spec,
            tenants: Interner::default(),
            classes: Interner::default(),
            nodes: Interner::default(),
            time: vec![],
            key: vec![],
            demand: vec![],
            spec: vec![],
            spec_rows: vec![],
            class: vec![],
            node: vec![],
            line: vec![],
            usage: vec![],
            usage_width: 0,
            roles: vec![],
            roles_width: 0,
            origin: None,
        };
        while source.advance()? {
            trace.push(source.row());
        }
        trace.origin = source.time_origin();
        Ok(trace)
    }

    fn push(&mut self, row: &Row) {
        let n = self.time.len();
        self.time.push(row.time);
        self.key.push(self.tenants.intern(&row.tenant));
        self.demand.extend_from_slice(&row.demand);
        if self.has_spec.iter().any(|&s| s) {
            self.spec.extend_from_slice(&row.spec);
            if row.spec.iter().any(|s| !s.is_nan()) {
                self.spec_rows.push(n);
            }
        }
        // class and node columns appear with the first row that names one
        for (column, interner, name) in [
            (&mut self.class, &mut self.classes, &row.class),
            (&mut self.node, &mut self.nodes, &row.node),
        ] {
            if !name.is_empty() {
                column.resize(n, u32::MAX);
                column.push(interner.intern(name));
            } else if !column.is_empty() {
                column.push(u32::MAX);
            }
        }
        self.line.push(row.line);
        self.usage_width = row.usage.len();
        self.usage.extend_from_slice(&row.usage);
        self.roles_width = row.roles.len();
        self.roles.extend_from_slice(&row.roles);
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// True when the trace has no rows.
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Distinct tenants.
    pub fn tenants(&self) -> usize {
        self.tenants.names.len()
    }

    /// A source replaying the rows from the first.
    pub fn source(&self) -> MemSource<'_> {
        MemSource {
            trace: self,
            next: 0,
            row: OnceCell::new(),
            no_spec: vec![f64::NAN; self.resources],
        }
    }

    fn name<'a>(column: &[u32], interner: &'a Interner, i: usize) -> &'a [u8] {
        match column.get(i) {
            Some(&k) if k != u32::MAX => &interner.names[k as usize],
            _ => &[],
        }
    }
}

/// Replays a [`MemTrace`]. The accessors read the columns in place; a whole [`Row`] is built
/// only when asked for (the engine asks for a tenant's first row).
pub struct MemSource<'a> {
    trace: &'a MemTrace,
    next: usize,
    row: OnceCell<Row>,
    no_spec: Vec<f64>,
}

impl MemSource<'_> {
    #[inline]
    fn at(&self) -> usize {
        self.next - 1
    }
}

impl Source for MemSource<'_> {
    fn time_origin(&self) -> Option<i64> {
        self.trace.origin
    }

    #[inline]
    fn advance(&mut self) -> Result<bool, InputError> {
        if self.next >= self.trace.time.len() {
            return Ok(false);
        }
        self.next += 1;
        if self.row.get().is_some() {
            self.row.take(); // built for the previous row
        }
        Ok(true)
    }

    fn row(&self) -> &Row {
        self.row.get_or_init(|| {
            let (t, i) = (self.trace, self.at());
            Row {
                time: t.time[i],
                tenant: t.tenants.names[t.key[i] as usize].clone(),
                demand: self.demand().to_vec(),
                spec: self.spec().to_vec(),
                class: MemTrace::name(&t.class, &t.classes, i).to_vec(),
                node: self.node().to_vec(),
                line: t.line[i],
                usage: self.usage().to_vec(),
                roles: self.roles().to_vec(),
            }
        })
    }

    fn path(&self) -> &Path {
        &self.trace.path
    }

    fn has_spec(&self) -> Vec<bool> {
        self.trace.has_spec.clone()
    }

    #[inline]
    fn key(&self) -> Option<u32> {
        Some(self.trace.key[self.at()])
    }

    #[inline]
    fn time(&self) -> i64 {
        self.trace.time[self.at()]
    }

    #[inline]
    fn tenant(&self) -> &[u8] {
        &self.trace.tenants.names[self.trace.key[self.at()] as usize]
    }

    #[inline]
    fn demand(&self) -> &[f64] {
        let r = self.trace.resources;
        &self.trace.demand[self.at() * r..(self.at() + 1) * r]
    }

    #[inline]
    fn spec(&self) -> &[f64] {
        let r = self.trace.resources;
        if self.trace.spec.is_empty() {
            &self.no_spec
        } else {
            &self.trace.spec[self.at() * r..(self.at() + 1) * r]
        }
    }

    #[inline]
    fn node(&self) -> &[u8] {
        MemTrace::name(&self.trace.node, &self.trace.nodes, self.at())
    }

    #[inline]
    fn usage(&self) -> &[f64] {
        let w = self.trace.usage_width;
        &self.trace.usage[self.at() * w..(self.at() + 1) * w]
    }

    fn roles(&self) -> &[f64] {
        let w = self.trace.roles_width;
        &self.trace.roles[self.at() * w..(self.at() + 1) * w]
    }

    fn rows(&self) -> Option<Rows<'_>> {
        let (t, i, r) = (self.trace, self.at(), self.trace.resources);
        // billed traffic and roles are taken row by row (`Tenants::usage`, `Tenants::roles`)
        if !t.node.is_empty() || !t.usage.is_empty() || !t.roles.is_empty() || i >= t.time.len() {
            return None;
        }
        Some(Rows {
            time: &t.time[i..],
            key: &t.key[i..],
            demand: &t.demand[i * r..],
            spec: if t.spec.is_empty() {
                &[]
            } else {
                &t.spec[i * r..]
            },
            without_spec: match t.spec_rows.partition_point(|&j| j < i) {
                next if next < t.spec_rows.len() => t.spec_rows[next] - i,
                _ => t.time.len() - i,
            },
        })
    }

    fn skip(&mut self, n: usize) -> Result<bool, InputError> {
        let len = self.trace.time.len();
        self.row.take();
        if self.next + n <= len {
            self.next += n;
            Ok(true)
        } else {
            self.next = len;
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::VecSource;

    fn row(time: i64, tenant: &str, d: f64, class: &str, node: &str) -> Row {
        Row {
            time,
            tenant: tenant.as_bytes().to_vec(),
            demand: vec![d, 2.0 * d],
            spec: vec![4.0, f64::NAN],
            class: class.as_bytes().to_vec(),
            node: node.as_bytes().to_vec(),
            line: time as u64 + 2,
            usage: vec![],
            roles: vec![],
        }
    }

    #[test]
    fn replays_the_rows_it_read_with_stable_keys() {
        let rows = vec![
            row(0, "a", 1.0, "", ""),
            row(0, "b", 2.0, "", ""),
            row(300, "a", 3.0, "gold", "n1"),
            row(300, "b", 4.0, "", ""),
        ];
        let mut src = VecSource::new("t.csv", rows.clone(), vec![true, false]);
        let trace = MemTrace::read(&mut src).unwrap();
        assert_eq!((trace.len(), trace.tenants()), (4, 2));
        let mut replay = trace.source();
        let mut keys = vec![];
        for want in &rows {
            assert!(replay.advance().unwrap());
            let got = replay.row();
            assert_eq!(
                (&got.tenant, &got.demand, &got.class, &got.node, got.line),
                (
                    &want.tenant,
                    &want.demand,
                    &want.class,
                    &want.node,
                    want.line
                )
            );
            assert_eq!(got.spec[0], 4.0);
            assert!(got.spec[1].is_nan());
            keys.push(replay.key().unwrap());
        }
        assert!(!replay.advance().unwrap());
        // the accessors agree with the rows
        let mut replay = trace.source();
        for want in &rows {
            replay.advance().unwrap();
            assert_eq!(
                (replay.time(), replay.demand()),
                (want.time, &want.demand[..])
            );
            assert_eq!(replay.node(), &want.node[..]);
        }
        assert_eq!(keys, [0, 1, 0, 1]);
        assert_eq!(replay.path(), Path::new("t.csv"));
    }

    #[test]
    fn billed_traffic_is_kept_and_taken_row_by_row() {
        let rows: Vec<Row> = (0..3)
            .map(|i| Row {
                usage: vec![i as f64, 0.0, 2.0, 1.0],
                ..row(i * 60, "a", 1.0, "", "")
            })
            .collect();
        let trace = MemTrace::read(&mut VecSource::new(
            "t.csv",
            rows.clone(),
            vec![true, false],
        ));
        let trace = trace.unwrap();
        let mut replay = trace.source();
        for want in &rows {
            assert!(replay.advance().unwrap());
            // no rows in place: the driver takes each row's traffic (`Tenants::usage`)
            assert!(replay.rows().is_none());
            assert_eq!(replay.usage(), &want.usage[..]);
            assert_eq!(replay.row().usage, want.usage);
        }
    }

    #[test]
    fn rows_in_place_and_skip_agree_with_advance() {
        let rows: Vec<Row> = (0..5)
            .map(|i| row(i * 60, ["a", "b"][i as usize % 2], i as f64, "", ""))
            .collect();
        let trace = MemTrace::read(&mut VecSource::new("t.csv", rows, vec![true, false])).unwrap();
        let mut src = trace.source();
        assert!(src.advance().unwrap());
        assert!(src.advance().unwrap());
        // from the second row on: times, keys, demand two by two, spec NaN where none is given
        let block = src.rows().unwrap();
        assert_eq!(block.time, [60, 120, 180, 240]);
        assert_eq!(block.key, [1, 0, 1, 0]);
        assert_eq!(&block.demand[..4], [1.0, 2.0, 2.0, 4.0]);
        assert_eq!(block.spec[0], 4.0);
        assert!(block.spec[1].is_nan());
        // skipping 2 rows lands where two advances would: on the fourth row
        assert!(src.skip(2).unwrap());
        assert_eq!((src.time(), src.demand()), (180, &[3.0, 6.0][..]));
        assert_eq!(src.row().time, 180);
        // past the end: false, as advance would say
        assert!(!src.skip(5).unwrap());
        assert!(!src.advance().unwrap());
        // a trace naming production nodes is read row by row
        let named = vec![row(0, "a", 1.0, "", "n1")];
        let trace = MemTrace::read(&mut VecSource::new("t.csv", named, vec![true, false])).unwrap();
        let mut src = trace.source();
        src.advance().unwrap();
        assert!(src.rows().is_none());
    }

    #[test]
    fn rows_say_how_many_give_no_spec() {
        // specs on rows 0 and 3 only (of 6)
        let rows: Vec<Row> = (0..6)
            .map(|i| {
                let mut r = row(i * 60, "a", 1.0, "", "");
                r.spec = if i % 3 == 0 {
                    vec![2.0, f64::NAN]
                } else {
                    vec![f64::NAN; 2]
                };
                r
            })
            .collect();
        let trace = MemTrace::read(&mut VecSource::new("t.csv", rows, vec![true, false])).unwrap();
        let mut src = trace.source();
        let mut without = vec![];
        while src.advance().unwrap() {
            without.push(src.rows().unwrap().without_spec);
        }
        // from row 0: none (it gives one); rows 1 and 2 give none, then row 3 does; from row 4
        // to the end, none does
        assert_eq!(without, [0, 2, 1, 0, 2, 1]);
    }
}
