//! The traffic map per replica role (DESIGN.md 4.3b): with replicas modelled, a row's traffic
//! features become what a partition's leader and followers take ([`crate::engine::RoleRow`]),
//! from the map for one copy of the data ([`Traffic::per_copy`]):
//!
//! - leader: the whole map for one copy (produce in, consume out, disk writes, the messages'
//!   CPU, storage, page cache);
//! - out, per live follower: the produce a follower fetches, costed as the map costs a
//!   consumer's fetch (the `consume` column's coefficients): Kafka's followers are fetchers;
//! - follower: the map's `produce` (replication in, disk writes, CPU of the replicated
//!   bytes), `retained` (storage) and `partitions` (per-partition memory and CPU) columns.
//!
//! Features of other names are the leader's alone. The totals of a partition with all its
//! replicas, `leader + (RF - 1) (out + follower)`, are those of the map at replication RF on
//! the default map's network, disk and storage rows (`roles_by_hand`).

use ndarray::linalg::general_mat_vec_mul;
use ndarray::{Array1, Array2};

use crate::engine::RoleRow;
use crate::scenario::Traffic;

/// The map per role, `resources x features` each.
pub(super) struct RoleMaps {
    leader: Array2<f64>,
    out: Array2<f64>,
    follower: Array2<f64>,
    /// Where the `partitions`, `produce` and `consume` features are, if the map has them.
    partitions: Option<usize>,
    produce: Option<usize>,
    consume: Option<usize>,
    y: Array1<f64>,
    x: Array1<f64>,
}

impl RoleMaps {
    pub(super) fn new(traffic: &Traffic, resources: usize) -> RoleMaps {
        let nf = traffic.features.len();
        let at = |name: &str| traffic.features.iter().position(|f| f == name);
        let (produce, consume) = (at("produce"), at("consume"));
        let replicated = [produce, at("retained"), at("partitions")];
        let copy = |q: usize, f: usize| traffic.per_copy[q * nf + f];
        let build = |rule: &dyn Fn(usize, usize) -> f64| {
            Array2::from_shape_fn((resources, nf), |(q, f)| rule(q, f))
        };
        RoleMaps {
            leader: build(&|q, f| copy(q, f)),
            out: build(&|q, f| match consume {
                Some(c) if Some(f) == produce => copy(q, c),
                _ => 0.0,
            }),
            follower: build(&|q, f| {
                if replicated.contains(&Some(f)) {
                    copy(q, f)
                } else {
                    0.0
                }
            }),
            partitions: at("partitions"),
            produce,
            consume,
            y: Array1::zeros(resources),
            x: Array1::zeros(nf),
        }
    }

    /// `out` (a row of [`RoleRow`]) for a row of `demand` and `spec` features (a spec of NaN
    /// gives NaN roles).
    pub(super) fn roles(&mut self, demand: &[f64], spec: &[f64], out: &mut [f64]) {
        let r = self.y.len();
        let layout = RoleRow { r };
        debug_assert_eq!(out.len(), layout.width());
        let no_spec = spec.iter().any(|s| s.is_nan());
        for (side, features) in [(0, demand), (3 * r, spec)] {
            for (k, m) in [&self.leader, &self.out, &self.follower]
                .into_iter()
                .enumerate()
            {
                let at = side + k * r;
                if side > 0 && no_spec {
                    out[at..at + r].fill(f64::NAN);
                    continue;
                }
                for (x, &f) in self.x.iter_mut().zip(features) {
                    *x = f;
                }
                general_mat_vec_mul(1.0, m, &self.x, 0.0, &mut self.y);
                for (o, &y) in out[at..at + r].iter_mut().zip(self.y.iter()) {
                    *o = y;
                }
            }
        }
        let feature = |i: Option<usize>| i.map_or(0.0, |i| demand[i]);
        out[layout.partitions()] = feature(self.partitions);
        out[layout.produce()] = feature(self.produce);
        out[layout.consume()] = feature(self.consume);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default traffic map over `resources` at replication `rf`.
    fn traffic(resources: &[&str], rf: f64) -> Traffic {
        let mut text = String::new();
        for r in resources {
            text += &format!("[[resources]]\nname = \"{r}\"\n");
        }
        let caps: Vec<String> = resources.iter().map(|r| format!("{r} = 1000")).collect();
        text += &format!(
            "[[nodes]]\nname = \"n\"\nprice_per_hour = 1\ncapacity = {{ {} }}\n[workload]\ntrace = \"t.csv\"\n[workload.traffic]\nreplication = {rf}\n[models.shared]\n",
            caps.join(", ")
        );
        let s = crate::scenario::Scenario::parse(std::path::Path::new("s.toml"), &text).unwrap();
        s.workload.traffic.unwrap()
    }

    #[test]
    fn roles_by_hand() {
        // the default map over network_in, network_out, disk, storage, cpu; RF 3; a row of
        // produce 10, consume 20, messages 1000, partitions 4, retained 100:
        // leader: network_in 10, network_out 20, disk 10, storage 100,
        //   cpu 0.00002 x 1000 + 0.015 x 10 + 0.008 x 20 + 0.001 x 4 = 0.02 + 0.15 + 0.16 + 0.004 = 0.334
        // out per follower: network_out 10 (the consume coefficient 1 on produce), cpu 0.008 x 10 = 0.08
        // follower: network_in 10, disk 10, storage 100, cpu 0.015 x 10 + 0.001 x 4 = 0.154
        let t = traffic(
            &["network_in", "network_out", "disk", "storage", "cpu"],
            3.0,
        );
        let mut maps = RoleMaps::new(&t, 5);
        let row = [10.0, 20.0, 1000.0, 4.0, 100.0];
        let mut out = vec![0.0; RoleRow { r: 5 }.width()];
        maps.roles(&row, &[f64::NAN; 5], &mut out);
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(
            close(&out[0..5], &[10.0, 20.0, 10.0, 100.0, 0.334]),
            "{:?}",
            &out[0..5]
        );
        assert!(
            close(&out[5..10], &[0.0, 10.0, 0.0, 0.0, 0.08]),
            "{:?}",
            &out[5..10]
        );
        assert!(
            close(&out[10..15], &[10.0, 0.0, 10.0, 100.0, 0.154]),
            "{:?}",
            &out[10..15]
        );
        assert!(out[15..30].iter().all(|s| s.is_nan()));
        assert_eq!(&out[30..], &[4.0, 10.0, 20.0]);
        // with all three replicas: leader + 2 (out + follower) is the map at RF 3 on the
        // network, disk and storage rows: network_in 30, network_out 40, disk 30, storage 300
        let total: Vec<f64> = (0..4)
            .map(|q| out[q] + 2.0 * (out[5 + q] + out[10 + q]))
            .collect();
        assert!(close(&total, &[30.0, 40.0, 30.0, 300.0]), "{total:?}");
        for (q, total) in total.iter().enumerate() {
            let at_rf: f64 = (0..5).map(|f| t.matrix[q * 5 + f] * row[f]).sum();
            assert!(
                (total - at_rf).abs() < 1e-9,
                "resource {q}: {total} vs {at_rf}"
            );
        }
    }
}
