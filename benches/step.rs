//! Criterion benches for the hot paths: each sharing policy on one node-resource, and the
//! whole step loop of each placement model on a trace held in memory (columnar, as
//! `overbook bench` holds it), the CSV reader, and the generator.
//!
//! `cargo bench --bench step`

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use overbook::engine::{self, Options};
use overbook::memtrace::MemTrace;
use overbook::models::sharing;
use overbook::scenario::Scenario;
use overbook::trace::{Row, VecSource};

fn policies(c: &mut Criterion) {
    let mut g = c.benchmark_group("sharing");
    for n in [4usize, 32] {
        let x: Vec<f64> = (0..n).map(|i| 1.0 + (i * 7 % 11) as f64).collect();
        let q: Vec<f64> = (0..n).map(|i| 1.0 + (i % 3) as f64).collect();
        let cap = x.iter().sum::<f64>() * 0.7;
        let (mut a, mut room, mut order) = (vec![0.0; n], vec![], vec![]);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("proportional", n), &n, |b, _| {
            b.iter(|| sharing::proportional(black_box(&x), cap, &mut a))
        });
        g.bench_with_input(BenchmarkId::new("fair", n), &n, |b, _| {
            b.iter(|| sharing::fair(black_box(&x), &q, cap, &mut a, &mut order))
        });
        g.bench_with_input(BenchmarkId::new("cgroup", n), &n, |b, _| {
            b.iter(|| sharing::cgroup(black_box(&x), &q, cap, &mut a, &mut room, &mut order))
        });
        let mut killed = vec![false; n];
        g.bench_with_input(BenchmarkId::new("oom_evict", n), &n, |b, _| {
            b.iter(|| {
                killed.fill(false);
                sharing::oom_evict(black_box(&x), &q, cap, &mut killed, &mut order)
            })
        });
    }
    g.finish();
}

/// A deterministic population: `tenants` tenants with daily cycles over `steps` steps.
fn population(tenants: usize, steps: usize) -> Vec<Row> {
    let mut rows = Vec::with_capacity(tenants * steps);
    for s in 0..steps {
        for u in 0..tenants {
            let spec = 1.0 + (u % 8) as f64;
            let phase = (u % 3) as f64 * 2.1;
            let day = (s as f64 / 288.0 * std::f64::consts::TAU + phase).cos();
            let use_ = spec * (0.4 + 0.3 * day + 0.05 * ((u * 31 + s * 17) % 13) as f64 / 13.0);
            rows.push(Row {
                time: s as i64 * 300,
                tenant: format!("t{u}").into_bytes(),
                demand: vec![use_, 4.0 * spec * 0.6, 25.0 * use_],
                spec: vec![spec, 4.0 * spec, 25.0 * spec],
                ..Row::default()
            });
        }
    }
    rows
}

fn step_loop(c: &mut Criterion) {
    let text = std::fs::read_to_string("scenarios/quickstart.toml").unwrap();
    // 1000 tenants over one day of 5-minute steps
    let (tenants, steps) = (1000, 288);
    let rows = population(tenants, steps);
    let trace = MemTrace::read(&mut VecSource::new("bench", rows, vec![true; 3])).unwrap();
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.throughput(Throughput::Elements((tenants * steps) as u64));
    for model in ["shared", "containerized", "dedicated"] {
        // keep only this model
        let mut s = Scenario::parse(Path::new("scenarios/quickstart.toml"), &text).unwrap();
        s.models.retain(|m| m.name == model);
        g.bench_function(BenchmarkId::new("tenant-samples", model), |b| {
            b.iter(|| engine::run(&s, &mut trace.source(), Options::default()).unwrap())
        });
    }
    g.finish();
}

fn generator(c: &mut Criterion) {
    use overbook::generate::Generator;
    use overbook::trace::Source;
    // the saas-mq example's populations, 1000 tail tenants over one day
    let text = std::fs::read_to_string("scenarios/examples/saas-mq.toml")
        .unwrap()
        .replace("count = 80", "count = 1000")
        .replace("days = 7", "days = 1");
    let s = Scenario::parse(Path::new("scenarios/examples/saas-mq.toml"), &text).unwrap();
    let mut rows = 0u64;
    let mut g = Generator::of(&s).unwrap();
    while g.advance().unwrap() {
        rows += 1;
    }
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows));
    group.bench_function("samples", |b| {
        b.iter(|| {
            let mut g = Generator::of(&s).unwrap();
            let mut n = 0u64;
            while g.advance().unwrap() {
                n += 1;
            }
            n
        })
    });
    group.finish();
}

/// The CSV reader on 100,000 rows held in memory, alone and on its own thread.
fn csv_parse(c: &mut Criterion) {
    use overbook::pipeline::Pipelined;
    use overbook::trace::{CsvTrace, Source};
    let rows = population(1000, 100);
    let mut text =
        String::from("time,tenant,cpu,memory,network,spec_cpu,spec_memory,spec_network\n");
    for r in &rows {
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            r.time,
            String::from_utf8_lossy(&r.tenant),
            r.demand[0],
            r.demand[1],
            r.demand[2],
            r.spec[0],
            r.spec[1],
            r.spec[2]
        ));
    }
    let text: &'static [u8] = Box::leak(text.into_bytes().into_boxed_slice());
    let columns: Vec<String> = ["cpu", "memory", "network"].map(String::from).to_vec();
    let open = || CsvTrace::new(Path::new("bench.csv"), text, &columns).unwrap();
    let mut g = c.benchmark_group("csv");
    g.sample_size(10);
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.bench_function("rows", |b| {
        b.iter(|| {
            let mut t = open();
            let mut n = 0u64;
            while t.advance().unwrap() {
                n += 1;
            }
            n
        })
    });
    g.bench_function("rows-pipelined", |b| {
        b.iter(|| {
            let mut t = Pipelined::new(Box::new(open()));
            let mut n = 0u64;
            while t.advance().unwrap() {
                n += 1;
            }
            n
        })
    });
    g.finish();
}

/// First-fit's scan on `n` nodes packed nearly full (each with under 1 core and 4 GiB of room
/// but the last, empty): a 1-core, 4-GiB request fits only the last node. A full scan visits
/// every node; the room tree's visits grow with the tree's depth.
fn placement_scan(c: &mut Criterion) {
    use overbook::models::placer::{FlatNodes, Request, RoomTree, Who};
    let mut g = c.benchmark_group("first-fit scan");
    for n in [1_000usize, 10_000, 100_000] {
        let capacity: Vec<f64> = (0..n).flat_map(|_| [32.0, 128.0]).collect();
        let allocated: Vec<f64> = (0..n)
            .flat_map(|i| match i + 1 == n {
                true => [0.0, 0.0],
                // under 1 core and 3.5 GiB of room
                false => [32.0 - 0.09 * (i * 7 % 10) as f64, 124.5],
            })
            .collect();
        let open = vec![true; n];
        let mut tree = RoomTree::new(2);
        for i in 0..n {
            tree.set(
                i,
                true,
                &capacity[2 * i..2 * i + 2],
                &allocated[2 * i..2 * i + 2],
            );
        }
        let flat = FlatNodes {
            resources: 2,
            open: &open,
            capacity: &capacity,
            allocated: &allocated,
            zone: &[],
            utilization: &[],
            room: None,
        };
        let request = Request {
            size: &[1.0, 4.0],
            fill_target: 1.0,
            avoid: &[],
            zones: None,
            profile: None,
            who: Who::default(),
        };
        assert_eq!(request.candidates(&flat).next(), Some(n - 1));
        g.bench_with_input(BenchmarkId::new("full scan", n), &n, |b, _| {
            b.iter(|| request.candidates(black_box(&flat)).next())
        });
        let pruned = FlatNodes {
            room: Some(&tree),
            ..flat
        };
        assert_eq!(request.candidates(&pruned).next(), Some(n - 1));
        g.bench_with_input(BenchmarkId::new("room tree", n), &n, |b, _| {
            b.iter(|| request.candidates(black_box(&pruned)).next())
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    policies,
    step_loop,
    csv_parse,
    generator,
    placement_scan
);
criterion_main!(benches);
