//! Zones (DESIGN.md 4.7): nodes opened across a model's zones, a tenant's entries spread over
//! them, the `zone` column of nodes.csv only where some model has zones, and bad `zones`
//! located. The engine's own tests (`engine::model::placement::tests`) run every placer.

use std::path::Path;

use super::*;

/// One resource, one 10-cpu node type, then `models` (TOML).
fn scenario(models: &str) -> String {
    format!(
        r#"[[resources]]
name = "cpu"

[[nodes]]
name = "ten"
price_per_hour = 1.0
capacity = {{ cpu = 10 }}

[workload]
trace = "t.csv"

{models}
"#
    )
}

/// Runs `scenario` over `trace` in a new directory; returns nodes.csv's rows as fields.
fn nodes_csv(scenario: &str, trace: &str) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    std::fs::write(dir.path().join("t.csv"), trace).unwrap();
    let out = overbook(dir.path(), &["run", "s.toml", "--out", "out", "-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    rows(&dir.path().join("out/nodes.csv"))
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

/// The `zone` cells of `model`'s rows, in node order.
fn zones(rows: &[Vec<String>], model: &str) -> Vec<String> {
    let col = rows[0]
        .iter()
        .position(|h| h == "zone")
        .expect("a zone column");
    rows[1..]
        .iter()
        .filter(|r| r[0] == model)
        .map(|r| r[col].clone())
        .collect()
}

#[test]
fn a_growing_cluster_opens_a_tenant_s_shards_one_per_zone() {
    // zones a, b, c and three shards: tenant x (spec 3: shards of 1 cpu) opens nodes 0, 1, 2
    // in a, b, c. Tenant y (spec 30: shards of 10) fits no open node (1 + 10 > 10) and opens
    // three more, each in the zone it lacks with the fewest open nodes (1, 1, 1: a; then b,
    // then c)
    let s = scenario("[models.shared]\nshards = 3\nzones = [\"a\", \"b\", \"c\"]");
    let rows = nodes_csv(&s, "time,tenant,cpu,spec_cpu\n0,x,1,3\n0,y,1,30\n");
    assert_eq!(zones(&rows, "shared"), ["a", "b", "c", "a", "b", "c"]);
    assert_eq!(&rows[0][..4], ["model", "node", "type", "zone"]);
}

#[test]
fn containers_in_two_zones_go_a_b_then_a_on_a_third_host() {
    // a 9-cpu tenant in three containers of 3: hosts in a, b, then a again (it has one
    // container in each zone: both allowed, 1 open node each, the first), each host holding one
    let s = scenario("[models.containerized]\ncontainers = 3\nzones = [\"a\", \"b\"]");
    let rows = nodes_csv(&s, "time,tenant,cpu,spec_cpu\n0,x,1,9\n");
    assert_eq!(zones(&rows, "containerized"), ["a", "b", "a"]);
    let entries = rows[0].iter().position(|h| h == "entries_max").unwrap();
    assert!(rows[1..].iter().all(|r| r[entries] == "1"));
}

#[test]
fn a_fixed_cluster_of_four_brokers_over_three_zones() {
    let s = scenario("[models.shared]\nbrokers = 4\nzones = [\"a\", \"b\", \"c\"]");
    let rows = nodes_csv(&s, "time,tenant,cpu,spec_cpu\n0,x,1,2\n");
    assert_eq!(zones(&rows, "shared"), ["a", "b", "c", "a"]);
}

#[test]
fn a_dedicated_cover_spreads_over_zones_and_a_model_without_zones_has_empty_cells() {
    // big (spec 25) is covered by three 10-cpu nodes: a, b, c; small (spec 5) by one, where
    // every zone has one open node: a. The shared model has no zones: its cells are empty (big
    // in three shards of 25 / 3 cpu, small on a fourth broker: 25 / 3 + 5 > 10)
    let s = scenario("[models.dedicated]\nzones = [\"a\", \"b\", \"c\"]\n\n[models.shared]");
    let rows = nodes_csv(&s, "time,tenant,cpu,spec_cpu\n0,big,1,25\n0,small,1,5\n");
    assert_eq!(zones(&rows, "dedicated"), ["a", "b", "c", "a"]);
    assert_eq!(zones(&rows, "shared"), ["", "", "", ""]);
}

#[test]
fn without_zones_nodes_csv_has_no_zone_column() {
    let s = scenario("[models.shared]\nbrokers = 2\n\n[models.dedicated]");
    let rows = nodes_csv(&s, "time,tenant,cpu,spec_cpu\n0,x,1,2\n");
    assert_eq!(
        rows[0].join(","),
        "model,node,type,opened,closed,hours,cost,overhead,entries_max,contended_steps,\
         oom_kills,capacity_cpu,delivered_cpu,utilization_cpu,peak_utilization_cpu"
    );
    assert!(rows.iter().all(|r| r.len() == rows[0].len()));
}

#[test]
fn zoned_runs_are_deterministic() {
    let s =
        scenario("[models.shared]\nshards = 2\nplacer = \"random\"\nzones = [\"a\", \"b\", \"c\"]");
    let trace = "time,tenant,cpu,spec_cpu\n0,x,1,6\n0,y,2,8\n300,z,1,12\n";
    assert_eq!(nodes_csv(&s, trace), nodes_csv(&s, trace));
}

#[test]
fn bad_zones_are_located_errors() {
    let with = |zones: &str| {
        SCENARIO.replace(
            "placer = \"first-fit\"",
            &format!("placer = \"first-fit\"\nzones = {zones}"),
        )
    };
    // `zones` is on line 14; `zones = [` is 9 characters
    Bad::new(&with("[]"), Some(TRACE))
        .fails_with("s.toml:14:9: `zones` must list at least one zone");
    Bad::new(&with(r#"["a", "a"]"#), Some(TRACE))
        .fails_with("s.toml:14:15: zone `a` is listed twice");
    Bad::new(&with(r#"["a", ""]"#), Some(TRACE)).fails_with("s.toml:14:15: zone name ``");
    Bad::new(&with("\"a\""), Some(TRACE)).fails_with("s.toml:14:9:");
}
