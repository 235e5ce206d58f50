//! Zones in placement (DESIGN.md 4.7), on a model's own state: nodes loaded by hand, tenants
//! placed by their model's `Kind::place`, and where their entries went read back. Every
//! placer of the registry spreads a tenant over zones, then over nodes, through the one
//! mechanism of `choose` and `Request`.

use std::path::Path;

use overbook_models::placer::KNOWN;

use super::super::*;

/// One resource, nodes of 10 cpu.
const CPU: &str = r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "ten"
price_per_hour = 1.0
capacity = { cpu = 10 }
[workload]
trace = "t.csv"
"#;

/// A model `[models.m]` of `keys`, its fixed cluster (if any) opened at time 0.
fn model(keys: &str) -> ModelRun {
    let text = format!("{CPU}\n[models.m]\n{keys}\n");
    let s = Scenario::parse(Path::new("s.toml"), &text).expect("valid scenario");
    let how = ModelOptions {
        check_invariants: false,
        kernels: true,
        peak: false,
        window: None,
    };
    let mut run = ModelRun::new(&s, &s.models[0], how);
    // as the first step does, before the fixed cluster opens
    if run.placer.wants_profiles() {
        run.nodes.profiles = Some(vec![]);
    }
    run.open_fixed_cluster(0).unwrap();
    run
}

/// Node `n` holds `cpu` (allocation, and a flat daily profile of it).
fn load(run: &mut ModelRun, n: usize, cpu: f64) {
    run.nodes.alloc[n] = cpu;
    if let Some(p) = &mut run.nodes.profiles {
        p[n * PROFILE_BINS..(n + 1) * PROFILE_BINS].fill(cpu);
    }
}

/// Places tenant `u` of size `cpu` (a flat daily profile) at `t`; returns its entries' nodes
/// in the order they were placed.
fn place(run: &mut ModelRun, u: usize, cpu: f64, t: Time) -> Vec<usize> {
    if run.tenant_entries.len() <= u {
        run.tenant_entries.resize(u + 1, Default::default());
        run.solo.resize(u + 1, false);
    }
    run.sc.profile.fill(cpu);
    let before = run.ents.tenant.len();
    let kind = run.kind;
    kind.place(run, u, &[cpu], t).unwrap();
    // entries take new slots in placement order while no slot is free
    (before..run.ents.tenant.len())
        .map(|j| run.ents.node[j] as usize)
        .collect()
}

/// The zone names of `nodes`.
fn zones_of(run: &ModelRun, nodes: &[usize]) -> Vec<String> {
    nodes
        .iter()
        .map(|&n| run.zone_names()[run.nodes.zone(n).unwrap() as usize].clone())
        .collect()
}

/// Every placer of the registry that places shards and containers, by a name it builds from
/// (`random` with several seeds, so that its draws cannot spread the tenant by chance);
/// `kafka-rack-aware` places partitions' replicas only (`replicas/place.rs`'s tests).
fn placers() -> Vec<String> {
    let mut out = vec![];
    for name in KNOWN {
        match name.split('(').next().unwrap() {
            "random" => out.extend((1..=4).map(|s| format!("random(seed = {s})"))),
            "kafka-rack-aware" => {}
            plain => out.push(plain.to_string()),
        }
    }
    out
}

/// How many of `zones` are each zone's, in name order.
fn counts(zones: &[String]) -> Vec<usize> {
    let mut names = zones.to_vec();
    names.sort();
    names.dedup();
    names
        .iter()
        .map(|z| zones.iter().filter(|x| *x == z).count())
        .collect()
}

#[test]
fn a_fixed_cluster_s_brokers_go_over_the_zones_in_turn() {
    // 4 brokers over 3 zones: a, b, c, then a again
    let run = model("kind = \"shared\"\nbrokers = 4\nzones = [\"a\", \"b\", \"c\"]");
    assert_eq!(zones_of(&run, &[0, 1, 2, 3]), ["a", "b", "c", "a"]);
    assert_eq!(run.nodes.zones.fewest_open(&[true; 3]), Some(1));
    // without zones, no node has one
    let run = model("kind = \"shared\"\nbrokers = 4");
    assert_eq!((run.nodes.zone(0), run.nodes.zones.count()), (None, 0));
    assert!(run.nodes.flat().unwrap().zone.is_empty());
}

#[test]
fn every_placer_spreads_a_tenant_over_zones_where_a_zone_blind_choice_would_not() {
    // six 10-cpu brokers over zones a, b, c, a, b, c; a tenant of 4 cpu in two shards of 2.
    // Loads E = [0, 9, 9, 0, 5, 9]: the shards fit nodes 0 (a), 3 (a) and 4 (b) only (9 + 2
    // > 10). First-fit, worst-fit, dot-product and complementary-peaks would take 0 and 3,
    // both in zone a. Loads T = [6, 9, 9, 6, 0, 9]: best-fit would take the tightest, 0 and
    // 3 again (6 + 2 leaves 2 free, against 8 on node 4). Random draws two of the three: in
    // zone a once in three. Spread, every placer puts one shard in zone a and one in b.
    for placer in placers() {
        for loads in [
            [0.0, 9.0, 9.0, 0.0, 5.0, 9.0],
            [6.0, 9.0, 9.0, 6.0, 0.0, 9.0],
        ] {
            let keys = format!(
                "kind = \"shared\"\nbrokers = 6\nshards = 2\nplacer = \"{placer}\"\nzones = [\"a\", \"b\", \"c\"]"
            );
            let mut run = model(&keys);
            for (n, &cpu) in loads.iter().enumerate() {
                load(&mut run, n, cpu);
            }
            let nodes = place(&mut run, 0, 4.0, 0);
            let mut zones = zones_of(&run, &nodes);
            zones.sort();
            assert_eq!(zones, ["a", "b"], "{placer} on {loads:?}: nodes {nodes:?}");
            assert_eq!(run.totals.forced_placements, 0, "{placer}");
        }
    }
}

#[test]
fn with_fewer_zones_than_shards_every_placer_balances_the_zones_on_distinct_nodes() {
    // six brokers over zones a, b, a, b, a, b; a tenant of 6 cpu in three shards of 2. Loads
    // [0, 9, 0, 9, 0, 5]: the shards fit nodes 0, 2, 4 (all a) and 5 (b); loads
    // [6, 9, 6, 9, 6, 0] the same nodes, zone a's now the tightest. A zone-blind placer would
    // put all three in zone a (first-fit, worst-fit, dot-product, complementary-peaks on the
    // first, best-fit on the second). Spread: two in one zone, one in the other (a, b, then a
    // again, or b, a, a), on three distinct nodes.
    for placer in placers() {
        for loads in [
            [0.0, 9.0, 0.0, 9.0, 0.0, 5.0],
            [6.0, 9.0, 6.0, 9.0, 6.0, 0.0],
        ] {
            let keys = format!(
                "kind = \"shared\"\nbrokers = 6\nshards = 3\nplacer = \"{placer}\"\nzones = [\"a\", \"b\"]"
            );
            let mut run = model(&keys);
            for (n, &cpu) in loads.iter().enumerate() {
                load(&mut run, n, cpu);
            }
            let nodes = place(&mut run, 0, 6.0, 0);
            let zones = zones_of(&run, &nodes);
            assert_eq!(counts(&zones), [2, 1], "{placer} on {loads:?}: {zones:?}");
            let mut distinct = nodes.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), 3, "{placer}: nodes {nodes:?}");
            assert_eq!(run.totals.forced_placements, 0, "{placer}");
        }
    }
}

#[test]
fn a_fixed_cluster_full_in_the_other_zones_takes_a_distinct_broker_in_the_same_zone() {
    // brokers a, b, c, a, b, c; b's and c's are full (9 of 10), a's empty: a tenant of two
    // 2-cpu shards cannot spread over zones, so its second shard goes to the other broker
    // of zone a (node 3) rather than forced onto a full one
    for placer in placers() {
        let keys = format!(
            "kind = \"shared\"\nbrokers = 6\nshards = 2\nplacer = \"{placer}\"\nzones = [\"a\", \"b\", \"c\"]"
        );
        let mut run = model(&keys);
        for (n, cpu) in [0.0, 9.0, 9.0, 0.0, 9.0, 9.0].into_iter().enumerate() {
            load(&mut run, n, cpu);
        }
        let mut nodes = place(&mut run, 0, 4.0, 0);
        nodes.sort();
        assert_eq!(nodes, [0, 3], "{placer}");
        assert_eq!(run.totals.forced_placements, 0, "{placer}");
    }
}

#[test]
fn a_forced_shard_goes_to_the_least_loaded_broker_of_a_zone_the_tenant_lacks() {
    // brokers a, b, c, a with loads 9, 9.5, 9.8, 8 and one 4-cpu tenant in two 2-cpu shards:
    // nothing fits (8 + 2 = 10 fits node 3 only). Shard 1 takes node 3 (a). Shard 2 fits
    // nowhere: forced onto the least loaded broker of zones b and c, node 1 (9.5 + 2 = 11.5,
    // against 9.8 + 2 on node 2), not node 0 of zone a, which would load 11 but doubles zone a
    let mut run =
        model("kind = \"shared\"\nbrokers = 4\nshards = 2\nzones = [\"a\", \"b\", \"c\"]");
    for (n, cpu) in [9.0, 9.5, 9.8, 8.0].into_iter().enumerate() {
        load(&mut run, n, cpu);
    }
    assert_eq!(place(&mut run, 0, 4.0, 0), [3, 1]);
    assert_eq!(run.totals.forced_placements, 1);
}

#[test]
fn a_growing_cluster_opens_each_tenant_s_node_in_the_zone_with_fewest_open_nodes_it_lacks() {
    // zones a, b, c, three shards: the first tenant (3 x 1 cpu) opens nodes 0, 1, 2 in a, b,
    // c. Then tenants of one 10-cpu shard each fill a node alone, and every open node is
    // taken: each lacks every zone, so its node goes to the zone with fewest open nodes,
    // ties to the first: a (1 open against 1, 1: a), then b, then c, then a again
    let mut run = model("kind = \"shared\"\nshards = 3\nzones = [\"a\", \"b\", \"c\"]");
    let first = place(&mut run, 0, 3.0, 0);
    assert_eq!(zones_of(&run, &first), ["a", "b", "c"]);
    run.spec.shards = 1;
    let mut zones = vec![];
    for u in 1..=4 {
        let nodes = place(&mut run, u, 10.0, 0);
        assert_eq!(nodes, [u + 2], "a new node for tenant {u}");
        zones.extend(zones_of(&run, &nodes));
    }
    assert_eq!(zones, ["a", "b", "c", "a"]);
}

#[test]
fn containers_go_over_two_zones_then_a_distinct_host_and_released_hosts_free_their_zone() {
    // containerized, zones a and b, three containers of 3 cpu per 9-cpu tenant: the first
    // tenant opens hosts a, b, then a again (its zones hold one each: every zone allowed,
    // fewest open nodes a 1, b 1: a), on a third host (it avoids its own)
    let mut run = model("kind = \"containerized\"\ncontainers = 3\nzones = [\"a\", \"b\"]");
    let nodes = place(&mut run, 0, 9.0, 0);
    assert_eq!(nodes, [0, 1, 2]);
    assert_eq!(zones_of(&run, &nodes), ["a", "b", "a"]);
    // it leaves: its hosts are released, and every zone has no open node again
    run.remove(0, 300);
    assert_eq!(run.nodes.zones.fewest_open(&[true, true]), Some(0));
    assert_eq!(run.nodes.open_count, 0);
    // a second tenant of one 10-cpu container (with release_empty) opens host 3 in zone a
    run.spec.containers = 1;
    place(&mut run, 1, 10.0, 600);
    // (its entry reuses a freed slot)
    let nodes: Vec<usize> = run.tenant_entries[1]
        .iter()
        .map(|&j| run.ents.node[j as usize] as usize)
        .collect();
    assert_eq!(
        (nodes.clone(), zones_of(&run, &nodes)),
        (vec![3], vec!["a".to_string()])
    );
}

#[test]
fn a_dedicated_cover_spreads_over_zones() {
    // a 25-cpu tenant's cheapest cover is three 10-cpu nodes: zones a, b, c. A 5-cpu tenant
    // then takes one node: every zone has one open, so a; a 15-cpu tenant two: zones b and c
    // (a has 2 open, b 1, c 1: b; then c, which its cover lacks and has fewer than a)
    let mut run = model("kind = \"dedicated\"\nzones = [\"a\", \"b\", \"c\"]");
    let nodes = place(&mut run, 0, 25.0, 0);
    assert_eq!(zones_of(&run, &nodes), ["a", "b", "c"]);
    let nodes = place(&mut run, 1, 5.0, 0);
    assert_eq!(zones_of(&run, &nodes), ["a"]);
    let nodes = place(&mut run, 2, 15.0, 0);
    assert_eq!(zones_of(&run, &nodes), ["b", "c"]);
}
