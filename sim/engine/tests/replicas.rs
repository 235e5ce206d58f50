//! Partitions with replicas (DESIGN.md 4.3b): hand-computed loads by role, a broker failure
//! moving leaders, min_insync and offline partitions, catch-up; property tests on random
//! clusters (replicas apart, the invariants); and a failure's reaction (an election's, a
//! failover's) answering only its own failure.

use proptest::prelude::*;

use super::props::invariants;
use super::*;

/// Three brokers in zones a, b, c; traffic features produce, consume and retained through the
/// default map; `extra` more keys of the shared model, then `tail` more sections.
fn brokers(extra: &str, tail: &str) -> String {
    format!(
        r#"
step_seconds = 300
[[resources]]
name = "network_in"
[[resources]]
name = "network_out"
[[resources]]
name = "disk"
[[resources]]
name = "storage"
kind = "incompressible"
[[nodes]]
name = "broker"
price_per_hour = 1.0
capacity = {{ network_in = 1000, network_out = 1000, disk = 1000, storage = 10000 }}
[workload]
trace = "t.csv"
[workload.traffic]
features = ["produce", "consume", "retained"]
[models.shared]
brokers = 3
zones = ["a", "b", "c"]
replication_factor = 3
backlog = false
{extra}
{tail}"#
    )
}

/// One tenant producing 10 MB/s, consuming 20 and retaining 100 GB over `steps` steps of 300
/// s; its spec 5 times that.
fn one_tenant(steps: usize) -> String {
    let mut t = String::from(
        "time,tenant,produce,consume,retained,spec_produce,spec_consume,spec_retained\n",
    );
    for k in 0..steps {
        let spec = if k == 0 { "50,100,500" } else { ",," };
        t.push_str(&format!("{},t,10,20,100,{spec}\n", k * 300));
    }
    t
}

/// Node `n`'s delivered amounts (network_in, network_out, disk, storage) over the run.
fn delivered(m: &ModelResult, n: usize) -> Vec<f64> {
    m.nodes[n].delivered.to_vec()
}

#[test]
fn one_partition_with_rf_3_loads_each_broker_by_role() {
    // the leader (broker 0, the first replica): produce in 10, consume out 20 plus the
    // replication out to two followers 2 x 10 = 40, disk writes 10, storage 100; each follower
    // (brokers 1 and 2, one a zone): replication in 10, nothing out, disk 10, storage 100;
    // over 3 steps of 300 s = 900 s
    let (_, run) = run_text(&brokers("", ""), &one_tenant(3));
    let m = model(&run, "shared");
    assert_eq!(delivered(m, 0), vec![9000.0, 36000.0, 9000.0, 90000.0]);
    for n in [1, 2] {
        assert_eq!(
            delivered(m, n),
            vec![9000.0, 0.0, 9000.0, 90000.0],
            "broker {n}"
        );
    }
    let zones: Vec<Option<u32>> = m.nodes.iter().map(|n| n.zone).collect();
    assert_eq!(zones, vec![Some(0), Some(1), Some(2)]);
    // the tenant's demand is its three replicas': in 30, out 40 MB/s
    let t = &m.tenants[0];
    assert_eq!((t.demand[0], t.demand[1]), (27000.0, 36000.0));
    assert_eq!(t.replicas.unwrap().partitions, 1);
}

#[test]
fn a_broker_failure_moves_its_leader_and_the_replica_catches_up() {
    // broker 0 (the leader) fails at 300 s for 600 s; the election takes 310 s, so at step 1
    // (300-600) the partition has no leader: an outage of its whole share (in 10 + 2 x 10 =
    // 30, out 20 + 2 x 10 = 40 MB/s for 300 s: 9,000 and 12,000); at step 2 replica 1 (broker
    // 1) leads: in 10, out 20 + 10 (one live follower); broker 2 follows: in 10. Broker 0 is
    // back at 900 s: it missed 10 MB/s x 300 s = 3,000 MB = 3 GB (network_scale 1,000),
    // copied at 0.01 GB/s within step 3: 10 MB/s on network_in and network_out of brokers 0
    // and 1; at step 4 broker 0, in sync, leads again (the preferred leader).
    let extra = r#"election_seconds = 310
moves = { rate = 0.01, state = "storage", network = ["network_in", "network_out"], network_scale = 1000 }"#;
    let tail = "[failures]\nschedule = [{ node = 0, start = 300, duration_seconds = 600 }]";
    let (_, run) = run_text(&brokers(extra, tail), &one_tenant(5));
    let m = model(&run, "shared");
    // broker 0: leads at steps 0 and 4 (in 10, out 40); at step 3 it follows (in 10) and
    //   receives the copy (in 10, out 10): in 3,000 + 6,000 + 3,000 = 12,000, out 12,000 +
    //   3,000 + 12,000 = 27,000
    assert_eq!(delivered(m, 0)[..2], [12000.0, 27000.0]);
    // broker 1: follows at 0, leads at 2 (in 10, out 30) and 3 (in 10 + 10, out 40 + 10),
    //   follows at 4: in 3,000 x 3 + 6,000 = 15,000; out 9,000 + 15,000 = 24,000
    assert_eq!(delivered(m, 1)[..2], [15000.0, 24000.0]);
    // broker 2 follows throughout but for the outage: in 4 x 3,000, out 0
    assert_eq!(delivered(m, 2)[..2], [12000.0, 0.0]);
    let t = &m.tenants[0];
    assert_eq!((t.loss[0], t.loss[1]), (9000.0, 12000.0));
    assert_eq!((t.failure_loss[0], t.failure_loss[1]), (9000.0, 12000.0));
    let p = t.replicas.unwrap();
    assert_eq!((p.leader_elections, p.electing_steps), (1, 1));
    assert!(close(p.catch_up_bytes, 3.0), "{}", p.catch_up_bytes);
    assert_eq!((t.moves, m.totals.moves), (1, 1));
    assert!(close(t.moved_bytes, 3.0));
    let kinds: Vec<(i64, &str, Option<u32>)> = m
        .events
        .iter()
        .map(|e| (e.time, e.name.name(), e.node))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (300, "failure", Some(0)),
            (600, "leader-election", Some(1)),
            (900, "repair", Some(0)),
            (900, "catch-up-start", Some(0)),
            (1200, "catch-up-end", Some(0)),
            (1200, "preferred-leader", Some(0)),
        ]
    );
}

#[test]
fn below_min_insync_and_offline_partitions_are_outages_of_their_share() {
    // RF 2 over brokers 0 and 1 (zones a, b), min_insync 2: broker 1 (the follower) fails at
    // 300 s for 300 s: step 1 has a leader but one in-sync replica: no produce, an outage of
    // the share (in 10 + 10, out 20 + 10 for 300 s). Then broker 0 fails at 900 s and broker
    // 1 at 900 s too, for 300 s: step 3 has no live replica, offline.
    let extra = "min_insync = 2\nelection_seconds = 0";
    let tail = "[failures]\nschedule = [{ node = 1, start = 300, duration_seconds = 300 }, { node = 0, start = 900, duration_seconds = 300 }, { node = 1, start = 900, duration_seconds = 300 }]";
    let text = brokers(extra, tail)
        .replace("replication_factor = 3", "replication_factor = 2")
        .replace("brokers = 3", "brokers = 2")
        .replace("zones = [\"a\", \"b\", \"c\"]", "zones = [\"a\", \"b\"]");
    let (_, run) = run_text(&text, &one_tenant(5));
    let m = model(&run, "shared");
    let t = &m.tenants[0];
    let p = t.replicas.unwrap();
    assert_eq!((p.under_min_insync_steps, p.offline_steps), (1, 1));
    // two steps dark: 2 x (20 in, 30 out) x 300 s
    assert_eq!((t.failure_loss[0], t.failure_loss[1]), (12000.0, 18000.0));
    assert_eq!(t.failure_outage_steps, 2);
}

#[test]
fn cross_zone_bytes_of_a_known_layout_cost_and_bill() {
    // leader in zone a, followers in b and c: per step of 300 s the produce, 10 MB/s, goes to
    // two followers in other zones: 2 x 10 x 300 = 6,000 MB; consumers spread over the three
    // zones read from the leader, two thirds of them from elsewhere: 2/3 x 20 x 300 = 4,000
    // MB. Three steps: 30,000 MB = 30 GB, costing the operator 30 x 0.01 = 0.3 and billed to
    // the tenant 30 x 0.02 = 0.6.
    let tail = "[cost]\nzone_transfer_per_gb = 0.01\n[cost.usage]\ncross_zone_per_gb = 0.02";
    let (_, run) = run_text(&brokers("", tail), &one_tenant(3));
    let m = model(&run, "shared");
    let t = &m.tenants[0];
    assert!(close(t.replicas.unwrap().cross_zone_mb, 30000.0));
    assert!(close(m.totals.zone_transfer_cost, 0.3));
    let nodes: f64 = m.nodes.iter().map(|n| n.cost).sum();
    assert!(close(t.cost, nodes + 0.3), "{} vs {nodes}", t.cost);
    assert!(close(t.usage_revenue, 0.6), "{}", t.usage_revenue);
    // consumers all in zone a, the leader's: the replication alone, 18,000 MB
    let text = brokers("consumer_zones = { a = 1 }", "");
    let (_, run) = run_text(&text, &one_tenant(3));
    let p = model(&run, "shared").tenants[0].replicas.unwrap();
    assert!(close(p.cross_zone_mb, 18000.0), "{}", p.cross_zone_mb);
}

#[test]
fn kafka_rack_aware_spreads_leaders_and_replicas_over_zones() {
    // six brokers in zones a, b, c (opened in turn: 0 a, 1 b, 2 c, 3 a, 4 b, 5 c); one tenant
    // of 6 partitions, RF 3, placed by Kafka's assignment: every broker leads one partition
    // and follows two (Kafka's rack-alternated list and shift), so every broker carries the
    // same: per partition produce 10/6, consume 20/6; a broker leads one (in 10/6, out (20 +
    // 2 x 10)/6) and follows two (in 2 x 10/6): in 30/6 = 5, out 40/6 MB/s over 900 s
    let text = brokers("placer = \"kafka-rack-aware\"\npartitions = 6", "")
        .replace("brokers = 3", "brokers = 6");
    let (_, run) = run_text(&text, &one_tenant(3));
    let m = model(&run, "shared");
    for n in 0..6 {
        let d = delivered(m, n);
        assert!(
            close(d[0], 5.0 * 900.0) && close(d[1], 40.0 / 6.0 * 900.0),
            "broker {n}: {d:?}"
        );
    }
    assert_eq!(m.tenants[0].replicas.unwrap().partitions, 6);
}

#[test]
fn the_placers_leaders_spread_over_the_brokers_that_lead_fewest() {
    // first-fit, RF 2, three partitions on brokers 0 (zone a), 1 (b), 2 (c): every partition
    // takes broker 0 then broker 1 (first fit in the zones it lacks). The preferred leader is
    // the replica whose broker leads fewest: partition 0 broker 0 (a tie, the first), 1 broker
    // 1, 2 broker 0 (tied again). Per partition produce 10/3, consume 20/3 MB/s: a leader's
    // out is (20 + 1 x 10)/3 = 10 MB/s; over 900 s broker 0 sends 2 x 10 x 900 = 18,000 and
    // broker 1 9,000; broker 2 holds nothing
    let text =
        brokers("partitions = 3", "").replace("replication_factor = 3", "replication_factor = 2");
    let (_, run) = run_text(&text, &one_tenant(3));
    let m = model(&run, "shared");
    let out: Vec<f64> = (0..3).map(|n| delivered(m, n)[1]).collect();
    assert!(
        close(out[0], 18000.0) && close(out[1], 9000.0) && out[2] == 0.0,
        "{out:?}"
    );
}

#[test]
fn max_partitions_per_broker_bounds_every_broker() {
    // a growing cluster, at most 2 replicas a broker: 4 partitions of RF 2 (8 replicas) take
    // 4 brokers, each holding 2 (the placer would put them all on the first two otherwise)
    let text = brokers("partitions = 4\nmax_partitions_per_broker = 2", "")
        .replace("brokers = 3\n", "")
        .replace("replication_factor = 3", "replication_factor = 2");
    let (_, run) = run_text(&text, &one_tenant(2));
    let m = model(&run, "shared");
    assert_eq!(m.nodes.len(), 4);
    assert!(
        m.nodes.iter().all(|n| n.entries_max == 2),
        "{:?}",
        m.nodes.iter().map(|n| n.entries_max).collect::<Vec<_>>()
    );
}

#[test]
fn without_replication_factor_the_shard_model_is_unchanged() {
    // the same trace on three shards of the shard model: the traffic map at RF 3 gives in 30
    // and out 40, a third on each broker
    let text = brokers("", "")
        .replace("replication_factor = 3\n", "shards = 3\n")
        .replace("backlog = false\n", "");
    let (_, run) = run_text(&text, &one_tenant(3));
    let m = model(&run, "shared");
    for n in 0..3 {
        assert_eq!(delivered(m, n)[..2], [9000.0, 12000.0]);
    }
    assert!(m.tenants[0].replicas.is_none());
}

/// A random cluster: brokers, zones, RF, partitions per tenant, tenants, a placer, failures.
fn replica_case() -> impl Strategy<Value = (String, String)> {
    (
        3usize..7,
        0usize..4,
        1usize..4,
        1usize..5,
        1usize..6,
        0usize..3,
        prop::collection::vec((0usize..7, 0usize..8, 1usize..4), 0..3),
        any::<bool>(),
    )
        .prop_map(|(b, z, rf, parts, tenants, placer, fails, fixed)| {
            let zones: Vec<String> = (0..z).map(|i| format!("\"z{i}\"")).collect();
            let placer = ["first-fit", "worst-fit", "kafka-rack-aware"][placer];
            let mut keys = format!(
                "replication_factor = {rf}\npartitions = {parts}\nplacer = \"{placer}\"\nmoves = {{ rate = 0.05, network = [\"network_in\"], network_scale = 1000 }}\n"
            );
            if fixed {
                keys += &format!("brokers = {b}\n");
            }
            if z > 0 {
                keys += &format!("zones = [{}]\n", zones.join(", "));
            }
            let schedule: Vec<String> = fails
                .iter()
                .map(|&(n, k, d)| format!("{{ node = {}, start = {}, duration_seconds = {} }}", n % b, k * 300, d * 300))
                .collect();
            let text = format!(
                "step_seconds = 300\n[[resources]]\nname = \"network_in\"\n[[resources]]\nname = \"storage\"\nkind = \"incompressible\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1\ncapacity = {{ network_in = 100, storage = 1000 }}\n[workload]\ntrace = \"t.csv\"\n[workload.traffic]\nfeatures = [\"produce\", \"consume\", \"retained\"]\n[models.shared]\n{keys}\n[failures]\nschedule = [{}]\n{}",
                schedule.join(", "),
                // traffic across zones priced when there are zones to cross
                if z > 1 { "[cost]\nzone_transfer_per_gb = 0.02\n" } else { "" }
            );
            let mut t = String::from("time,tenant,produce,consume,retained,spec_produce,spec_consume,spec_retained\n");
            for k in 0..8 {
                for u in 0..tenants {
                    t.push_str(&format!("{},t{u},{},{},{},20,30,60\n", k * 300, 5 + 3 * u + k, 10 + k, 50 + u));
                }
            }
            (text, t)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn replicas_apart_and_the_invariants_hold((text, trace) in replica_case()) {
        // the invariant checks record replicas of a partition sharing a broker (or a zone
        // while a rack-aware model has one without them), and 0 <= a <= s <= d, sum a <= C
        let s = Scenario::parse(Path::new("s.toml"), &text).expect("valid scenario");
        let run = run_mapped(&s, &trace);
        invariants(&run)?;
        let m = &run.models[0];
        for t in &m.tenants {
            // what was demanded was delivered or lost (loss = alone - delivered)
            for q in 0..2 {
                prop_assert!((t.alone[q] - t.delivered[q] - t.loss[q]).abs() <= 1e-6 * (1.0 + t.alone[q]));
            }
        }
    }
}

#[test]
fn a_replica_catching_up_restores_min_insync_while_another_broker_is_down() {
    // RF 3, min_insync 2: broker 1 is down from 0 to 600 s, so its replica misses two steps of
    // replication, 2 x 10 MB/s x 300 s = 6,000 MB = 6 GB (network_scale 1,000); it copies
    // that back at 0.1 GB/s in 60 s of step 2, when broker 2 fails. The copy runs from the
    // leader (broker 0) although the partition, with one in-sync replica at the step's start,
    // takes no produce; it ends within the step, so the replica counts in sync and the
    // partition serves: no outage at all. Broker 2, down from 600 to 1,200 s, then misses as
    // much and copies it back at step 4: 12 GB in all.
    let extra = r#"min_insync = 2
moves = { rate = 0.1, state = "storage", network = ["network_in"], network_scale = 1000 }"#;
    let tail = "[failures]\nschedule = [{ node = 1, start = 0, duration_seconds = 600 }, { node = 2, start = 600, duration_seconds = 600 }]";
    let (_, run) = run_text(&brokers(extra, tail), &one_tenant(5));
    let m = model(&run, "shared");
    let t = &m.tenants[0];
    let p = t.replicas.unwrap();
    assert_eq!(
        (p.under_min_insync_steps, p.offline_steps, p.electing_steps),
        (0, 0, 0)
    );
    assert_eq!(t.failure_loss[0], 0.0);
    assert!(close(p.catch_up_bytes, 12.0), "{}", p.catch_up_bytes);
    assert_eq!(t.moves, 2);
}

/// The events of `m` as (time, kind, node).
fn event_kinds(m: &ModelResult) -> Vec<(i64, &'static str, Option<u32>)> {
    m.events
        .iter()
        .map(|e| (e.time, e.name.name(), e.node))
        .collect()
}

#[test]
fn a_leader_back_before_the_election_leads_again() {
    // broker 0 (the leader) fails at 300 s for 300 s; the election would take 600 s, past
    // its repair at 600 s: step 1 (300-600) has no leader, an outage of the whole share;
    // at step 2 the partition elects its first in-sync replica, broker 0 again, and serves
    // to the end (steps 2 to 4): one step electing, one step of failure outage
    let extra = "election_seconds = 600";
    let tail = "[failures]\nschedule = [{ node = 0, start = 300, duration_seconds = 300 }]";
    let (_, run) = run_text(&brokers(extra, tail), &one_tenant(5));
    let m = model(&run, "shared");
    let t = &m.tenants[0];
    let p = t.replicas.unwrap();
    assert_eq!((p.electing_steps, p.offline_steps), (1, 0));
    assert_eq!(t.failure_outage_steps, 1);
    // one step dark: in 30, out 40 MB/s for 300 s
    assert_eq!((t.failure_loss[0], t.failure_loss[1]), (9000.0, 12000.0));
    assert_eq!(
        event_kinds(m),
        vec![
            (300, "failure", Some(0)),
            (600, "repair", Some(0)),
            (600, "leader-election", Some(0)),
        ]
    );
}

#[test]
fn a_leader_failed_and_back_within_a_step_stays_in_sync() {
    // broker 0 (the leader) fails at 300 s for 100 s; its election (10 s) and its repair
    // both fall in step 1 (300-600), at whose start broker 0 is live again: its replica
    // never left the in-sync set, so the election (at the step) takes it again, the first
    // in-sync replica in preferred order, and broker 0 leads to the end: out 40 MB/s at
    // every step of 5 (12,000 x 5 = 60,000), nothing lost
    let tail = "[failures]\nschedule = [{ node = 0, start = 300, duration_seconds = 100 }]";
    let (_, run) = run_text(&brokers("", tail), &one_tenant(5));
    let m = model(&run, "shared");
    assert_eq!(delivered(m, 0)[1], 60000.0);
    let t = &m.tenants[0];
    assert_eq!(t.failure_outage_steps, 0);
    assert_eq!(
        event_kinds(m),
        vec![
            (300, "failure", Some(0)),
            (400, "repair", Some(0)),
            (300, "leader-election", Some(0)),
        ]
    );
}

#[test]
fn a_follower_catches_up_below_min_insync() {
    // RF 3, min_insync 2: broker 1 (a follower) fails at 300 s until 900 s; broker 2 fails
    // at 600 s to the end. Step 1 serves with two in-sync replicas (broker 1 misses 10 MB/s
    // x 300 s = 3 GB); step 2 has one in-sync replica, below min_insync (no produce, so
    // nothing more is missed). Broker 1 is back at 900 s and copies its 3 GB from the leader
    // at 0.01 GB/s in the 300 s of step 3, as Kafka's followers fetch whatever min_insync;
    // the copy ends within the step, so step 3 has two in-sync replicas and serves
    let extra = r#"min_insync = 2
moves = { rate = 0.01, state = "storage", network = ["network_in", "network_out"], network_scale = 1000 }"#;
    let tail = "[failures]\nschedule = [{ node = 1, start = 300, duration_seconds = 600 }, { node = 2, start = 600, duration_seconds = 3000 }]";
    let (_, run) = run_text(&brokers(extra, tail), &one_tenant(5));
    let m = model(&run, "shared");
    let p = m.tenants[0].replicas.unwrap();
    assert_eq!(p.under_min_insync_steps, 1);
    assert!(close(p.catch_up_bytes, 3.0), "{}", p.catch_up_bytes);
    assert!(event_kinds(m).contains(&(1200, "catch-up-end", Some(1))));
}

#[test]
fn a_backlog_is_served_at_a_step_without_new_demand() {
    // one tenant, RF 3, a backlog: step 0 produces 100 MB/s against a spec of 50, so each
    // replica's network_in (the leader's produce, each follower's replication) is capped at
    // its quota, 50 of 100: 3 x 50 = 150 MB/s carried. Step 1 produces nothing: the 150 are
    // served, spread over the replicas by their roles at the spec (50 each, within their
    // quotas), and nothing is left: delivered in 3 x 50 x 300 x 2 = 90,000 MB
    let text = brokers("", "").replace("backlog = false", "backlog = true");
    let trace = "time,tenant,produce,consume,retained,spec_produce,spec_consume,spec_retained\n\
                 0,t,100,0,100,50,100,500\n300,t,0,0,100,,,\n";
    let (_, run) = run_text(&text, trace);
    let m = model(&run, "shared");
    let t = &m.tenants[0];
    assert_eq!(t.delivered[0], 90000.0);
    assert_eq!(t.lag.as_ref().unwrap().backlog_left[0], 0.0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn departures_and_returns_keep_the_invariants(
        (text, trace) in replica_case(),
        gaps in prop::collection::vec(any::<bool>(), 48),
    ) {
        // the same clusters with a backlog, each tenant missing the rows `gaps` draws: with
        // `hold_seconds = 300` it departs and comes back under the same index, placed again
        let text = text.replace("[workload]\n", "[workload]\nhold_seconds = 300\n")
            .replace("[models.shared]\n", "[models.shared]\nbacklog = true\n");
        let mut rows = trace.lines();
        let mut kept = format!("{}\n", rows.next().unwrap());
        for (i, row) in rows.enumerate() {
            if !gaps[i % gaps.len()] || i < 6 {
                kept.push_str(row);
                kept.push('\n');
            }
        }
        let s = Scenario::parse(Path::new("s.toml"), &text).expect("valid scenario");
        let run = run_mapped(&s, &kept);
        invariants(&run)?;
    }
}

#[test]
fn a_tenant_arriving_while_a_zone_is_down_takes_the_live_zones() {
    // four brokers in zones a, b, c, a; broker 2 (zone c's only one) fails at 300 s for 900
    // s; tenant `t` arrives at 600 s: its three replicas go to the live brokers 0, 1 and 3
    // (zones a, b, a), as Kafka assigns over live brokers, and no invariant is broken (a
    // tenant `e` from 0 s retains nothing, so the storage delivered is `t`'s alone)
    let tail = "[failures]\nschedule = [{ node = 2, start = 300, duration_seconds = 900 }]";
    let text = brokers("", tail).replace("brokers = 3", "brokers = 4");
    let trace = "time,tenant,produce,consume,retained,spec_produce,spec_consume,spec_retained\n\
                 0,e,1,1,0,5,5,5\n300,e,1,1,0,,,\n600,e,1,1,0,,,\n\
                 600,t,10,20,100,50,100,500\n900,e,1,1,0,,,\n900,t,10,20,100,,,\n";
    let (_, run) = run_text(&text, trace);
    let m = model(&run, "shared");
    let used: Vec<usize> = (0..4).filter(|&n| delivered(m, n)[3] > 0.0).collect();
    assert_eq!(used, vec![0, 1, 3]);
}

#[test]
fn a_failures_reaction_does_not_answer_a_later_failure_of_the_same_node() {
    // the shard model, failover after 1,000 s: broker 0 fails at 0 for 300 s (repaired before
    // its reaction at 1,000 s), then again at 600 s for 1,500 s; the first reaction, due at
    // 1,000 s, is not the second failure's: its shard fails over at 1,600 s (600 + 1,000)
    let text = brokers("failover_seconds = 1000", "[failures]\nschedule = [{ node = 0, start = 0, duration_seconds = 300 }, { node = 0, start = 600, duration_seconds = 1500 }]")
        .replace("replication_factor = 3\n", "shards = 3\n")
        .replace("backlog = false\n", "");
    let (_, run) = run_text(&text, &one_tenant(10));
    let m = model(&run, "shared");
    let failovers: Vec<i64> = m
        .events
        .iter()
        .filter(|e| e.name.name() == "failover")
        .map(|e| e.time)
        .collect();
    assert_eq!(failovers, vec![1600]);
}
