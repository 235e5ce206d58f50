//! Where a tenant's partitions' replicas go (DESIGN.md 4.3b): every replica of a partition on a
//! distinct broker, on distinct zones first when rack-aware, no broker past
//! `max_partitions_per_broker` unless none is left; by the model's placer one replica at a
//! time, the partition's preferred leader then the replica whose broker leads the fewest
//! partitions (so leaders spread evenly); or by Kafka's own assignment
//! (`placer = "kafka-rack-aware"`), its first replica the preferred leader.

use overbook_models::placer::kafka;

use super::*;

impl ModelRun {
    /// Places tenant `u` of size `size` as its partitions (its first row's `partitions`, else
    /// the model's), each with RF replicas.
    pub(in crate::engine::model) fn place_partitions(
        &mut self,
        u: usize,
        size: &[f64],
        t: Time,
        tenants: &Tenants,
    ) -> Result<(), LimitError> {
        let r = self.r();
        let spec = self
            .replicas
            .as_ref()
            .expect("a model with replicas")
            .spec
            .clone();
        let roles = tenants.roles.as_ref().expect("rows carry roles");
        let partitions = match roles.partitions(u) {
            0 => spec.partitions,
            p => p,
        };
        if partitions > crate::scenario::MAX_PARTITIONS {
            return Err(LimitError {
                whole: false,
                tenant: Some(u as u32),
                message: format!(
                    "gives {partitions} partitions, more than {}, the most a tenant may have",
                    crate::scenario::MAX_PARTITIONS
                ),
            });
        }
        let rf = spec.replication_factor as usize;
        // every replica is sized as the average replica of the tenant's spec
        let (tspec, role) = (tenants.spec(u), roles.spec(u));
        let all = (partitions as usize * rf) as f64;
        let part: Vec<f64> = (0..r)
            .map(|q| {
                let whole = role.leader[q] + (rf as f64 - 1.0) * (role.out[q] + role.follower[q]);
                if tspec[q] > 0.0 {
                    whole / (all * tspec[q])
                } else {
                    1.0 / all
                }
            })
            .collect();
        let replica: Vec<f64> = size.iter().zip(&part).map(|(&s, &p)| s * p).collect();
        let kafka = self.placer.assigns_partitions();
        let layout = if kafka {
            self.kafka_layout(u, &tenants.ids[u], partitions as usize, rf, t)?
        } else {
            vec![]
        };
        let mut parts = Vec::with_capacity(partitions as usize);
        for p in 0..partitions as usize {
            let mut nodes: Vec<usize> = Vec::with_capacity(rf);
            for k in 0..rf {
                let n = match layout.get(p) {
                    Some(given) => given[k],
                    None => self.choose_replica(u, &replica, &part, &nodes, t)?,
                };
                nodes.push(n);
            }
            if !kafka {
                self.spread_leader(&mut nodes);
            }
            if self.check {
                self.check_apart(u, p, &nodes);
            }
            parts.push(self.add_partition(u, p, &nodes, &replica, &part));
        }
        let rep = self.replicas.as_mut().expect("a model with replicas");
        rep.stats[u].partitions = partitions;
        rep.parts[u] = parts;
        Ok(())
    }

    /// With the invariant checks on: records a partition whose replicas share a broker, or a
    /// zone while a rack-aware model has a zone with a live broker and none of them.
    fn check_apart(&mut self, u: usize, p: usize, nodes: &[usize]) {
        let rack_aware = self
            .replicas
            .as_ref()
            .is_some_and(|rep| rep.spec.rack_aware);
        let zones: Vec<Option<u32>> = nodes.iter().map(|&n| self.nodes.zone(n)).collect();
        let shared = |v: &[usize]| (1..v.len()).any(|i| v[..i].contains(&v[i]));
        let mut used: Vec<u32> = zones.iter().flatten().copied().collect();
        used.sort_unstable();
        used.dedup();
        // a zone left out that has a live broker (a zone that is down takes no replica)
        let zone_left = (0..self.nodes.len())
            .filter(|&n| self.nodes.open[n] && !self.nodes.failed[n])
            .filter_map(|n| self.nodes.zone(n))
            .any(|z| !used.contains(&z));
        let zone_shared = used.len() < zones.iter().flatten().count();
        if (shared(nodes) || (rack_aware && zone_left && zone_shared)) && self.violations.len() < 10
        {
            self.violations.push(format!(
                "tenant {u} partition {p}: replicas on brokers {nodes:?}, zones {zones:?}"
            ));
        }
    }

    /// The replicas node `n` holds: its entries, every one a replica in a model with them.
    fn replicas_on(&self, n: usize) -> u32 {
        self.nodes.entries[n].len() as u32
    }

    /// Puts first the node of `nodes` that leads the fewest partitions (ties to the first).
    fn spread_leader(&self, nodes: &mut [usize]) {
        let rep = self.replicas.as_ref().expect("a model with replicas");
        let best = (0..nodes.len())
            .min_by_key(|&k| (rep.leaders_on(nodes[k]), k))
            .unwrap_or(0);
        nodes[..=best].rotate_right(1);
    }

    /// Partition `p` of tenant `u`, its replicas on `nodes` (the preferred leader first), each
    /// an entry of size `replica` and part `part` of the tenant.
    fn add_partition(
        &mut self,
        u: usize,
        p: usize,
        nodes: &[usize],
        replica: &[f64],
        part: &[f64],
    ) -> Partition {
        let zero = vec![0.0; self.r()];
        let capmul = self.spec.quota_factor;
        let mut partition = Partition {
            lost_on: NONE,
            ..Partition::default()
        };
        for (k, &n) in nodes.iter().enumerate() {
            let entry = NewEntry {
                share: part,
                sold: part,
                capmul,
                request: &zero,
                size: replica,
            };
            let j = self.add_entry(u, n, entry);
            let r = self.r();
            let rep = self.replicas.as_mut().expect("a model with replicas");
            rep.grow_entries(j + 1, r);
            rep.grow_nodes(self.nodes.open.len());
            rep.of_entry[j] = (p as u32, k as u8);
            let live = !self.nodes.failed[n];
            partition.entries.push(j as u32);
            partition.live.push(live);
            partition.insync.push(live);
            partition.missed.push(0.0);
            partition.catching.push(0.0);
            self.set_role_sold(j, k == 0);
        }
        // the preferred leader leads from the start when it is live
        if partition.live[0] {
            partition.leader = Some(0);
            let rep = self.replicas.as_mut().expect("a model with replicas");
            rep.leaders[nodes[0]] += 1;
        }
        partition
    }

    /// A broker for one replica of tenant `u` (size `size`, part `share`) whose partition
    /// already has replicas on `siblings`: the placer's choice among the open brokers that
    /// hold none of them and are under `max_partitions_per_broker`, in the zones with the
    /// fewest of them (rack-aware); else a new broker in one of those zones (a growing
    /// cluster), or the placer's choice in any zone, else the least loaded broker that holds
    /// none of them (a fixed cluster, a forced placement).
    fn choose_replica(
        &mut self,
        u: usize,
        size: &[f64],
        share: &[f64],
        siblings: &[usize],
        t: Time,
    ) -> Result<usize, LimitError> {
        let (rack_aware, most) = {
            let spec = &self.replicas.as_ref().expect("a model with replicas").spec;
            (spec.rack_aware, spec.max_partitions_per_broker)
        };
        let full = |n: usize| most.is_some_and(|m| self.replicas_on(n) >= m);
        let avoid: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| siblings.contains(&n) || full(n))
            .collect();
        let zones = (rack_aware && self.nodes.zones.count() > 0).then(|| {
            let mut count = vec![0u32; self.nodes.zones.count()];
            for &n in siblings {
                if let Some(z) = self.nodes.zone(n) {
                    count[z as usize] += 1;
                }
            }
            let least = count.iter().copied().min().unwrap_or(0);
            count.iter().map(|&c| c == least).collect::<Vec<bool>>()
        });
        let profile = self.entry_profile(share);
        let request = Request {
            size,
            fill_target: self.spec.fill_target,
            avoid: &avoid,
            zones: zones.as_deref(),
            profile: profile.as_deref(),
            who: who(&self.spec, &self.slo, &self.resources, &self.who, u, t),
        };
        let allowed = |n: usize, nodes: &Nodes| nodes.is_open(n) && !avoid.contains(&n);
        let mut decision = self.placer.place(&request, &self.nodes);
        let fixed = self.kind.fixed_cluster(&self.spec).is_some();
        // a fixed cluster takes another zone before a forced broker; a growing one opens a
        // broker in an allowed zone
        if !matches!(decision, Decision::Node(n) if allowed(n, &self.nodes))
            && zones.is_some()
            && fixed
        {
            let anywhere = Request {
                zones: None,
                ..request
            };
            decision = self.placer.place(&anywhere, &self.nodes);
        }
        // (the request no longer borrows the model: a node may open)
        let request = Request {
            size,
            fill_target: self.spec.fill_target,
            avoid: &avoid,
            zones: zones.as_deref(),
            profile: profile.as_deref(),
            who: Default::default(),
        };
        match decision {
            Decision::Node(n) if allowed(n, &self.nodes) => Ok(n),
            _ if !fixed => {
                let zone = match &zones {
                    Some(z) => self.nodes.zones.fewest_open(z),
                    None => self.nodes.zones.in_turn(),
                };
                let ty = self.spec.node_type;
                let n = self.open_node_in(ty, t, zone)?;
                if !request.fits(&self.nodes, n) {
                    self.totals.forced_placements += 1;
                }
                Ok(n)
            }
            _ => {
                self.totals.forced_placements += 1;
                Ok(self.least_loaded_apart(size, siblings, zones.as_deref()))
            }
        }
    }

    /// The least loaded broker holding none of `siblings`: live ones first, then those under
    /// `max_partitions_per_broker`, then in `zones`, then by load and id.
    fn least_loaded_apart(
        &self,
        size: &[f64],
        siblings: &[usize],
        zones: Option<&[bool]>,
    ) -> usize {
        let rep = self.replicas.as_ref().expect("a model with replicas");
        let most = rep.spec.max_partitions_per_broker;
        let load = |n: usize| self.load_with(n, size);
        let key = |n: usize| {
            let out_of_zone = match (zones, self.nodes.zone(n)) {
                (Some(z), Some(zone)) => !z[zone as usize],
                _ => false,
            };
            let full = most.is_some_and(|m| self.replicas_on(n) >= m);
            (self.nodes.failed[n], full, out_of_zone)
        };
        (0..self.nodes.len())
            .filter(|&n| self.nodes.open[n] && !siblings.contains(&n))
            .min_by(|&a, &b| {
                key(a)
                    .cmp(&key(b))
                    .then(load(a).total_cmp(&load(b)))
                    .then(a.cmp(&b))
            })
            .expect("a cluster has at least replication_factor brokers")
    }

    /// Kafka's assignment of tenant `u`'s `partitions` partitions with `rf` replicas over the
    /// open brokers under `max_partitions_per_broker` (racks: their zones), opening brokers
    /// first while a growing cluster has fewer than `rf`; its random start index and shift
    /// drawn from the tenant's own stream.
    fn kafka_layout(
        &mut self,
        u: usize,
        id: &str,
        partitions: usize,
        rf: usize,
        t: Time,
    ) -> Result<Vec<Vec<usize>>, LimitError> {
        let most = self
            .replicas
            .as_ref()
            .expect("a model with replicas")
            .spec
            .max_partitions_per_broker;
        // the live brokers, as Kafka assigns over the registered ones; the failed ones too
        // while fewer than RF are live (their replicas wait for the repair)
        let usable = |run: &ModelRun| -> Vec<usize> {
            let under = |n: usize| run.nodes.open[n] && most.is_none_or(|m| run.replicas_on(n) < m);
            let live: Vec<usize> = (0..run.nodes.len())
                .filter(|&n| under(n) && run.nodes.is_open(n))
                .collect();
            if live.len() >= rf {
                return live;
            }
            (0..run.nodes.len()).filter(|&n| under(n)).collect()
        };
        let mut brokers = usable(self);
        while brokers.len() < rf && self.kind.fixed_cluster(&self.spec).is_none() {
            let zone = self.nodes.zones.in_turn();
            let ty = self.spec.node_type;
            self.open_node_in(ty, t, zone)?;
            brokers = usable(self);
        }
        if brokers.len() < rf {
            return Err(LimitError {
                whole: false,
                tenant: Some(u as u32),
                message: format!(
                    "needs {rf} brokers under max_partitions_per_broker for its replicas; model `{}` has {}",
                    self.spec.name,
                    brokers.len()
                ),
            });
        }
        let view: Vec<kafka::Broker> = brokers
            .iter()
            .map(|&n| kafka::Broker {
                id: n,
                rack: self.nodes.zone(n),
            })
            .collect();
        let rep = self.replicas.as_ref().expect("a model with replicas");
        let mut rng = crate::generate::stream(rep.seed, &format!("kafka/{}/{id}", self.spec.name));
        use rand::Rng;
        let (start, shift) = (
            rng.random_range(0..brokers.len()),
            rng.random_range(0..brokers.len()),
        );
        kafka::assign(&view, partitions, rf, start, shift, 0).map_err(|message| LimitError {
            whole: false,
            tenant: Some(u as u32),
            message,
        })
    }
}
