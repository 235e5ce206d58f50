//! Kafka's own replica assignment (DESIGN.md 4.3b, `placer = "kafka-rack-aware"`), ported line
//! for line from `org.apache.kafka.admin.AdminUtils` (`server-common`, Kafka 3.9; before 3.7 the
//! same code in `core/src/main/scala/kafka/admin/AdminUtils.scala`): the assignment a
//! ZooKeeper-mode cluster makes when a topic is created or grows, and that
//! `kafka-reassign-partitions --generate` proposes. (A KRaft controller places new topics with
//! its own `StripedReplicaPlacer`, a different algorithm, not ported here.)
//!
//! Without racks (`assignReplicasToBrokersRackUnaware`): over the brokers sorted by id, partition
//! `p`'s first replica is broker `(p + start_index) % n`; its `j`-th further replica is
//! `replica_index(first, shift, j)`, where the shift starts at `replica_shift` and grows by
//! one at every partition id that is a positive multiple of `n`.
//!
//! With racks (`assignReplicasToBrokersRackAware`): the same walk over the rack-alternated list
//! (`rack_alternated`) instead of the sorted one, with the shift multiplied by the number of
//! racks, and the further replicas taken by a counter `k` that runs on until a broker fits: a
//! broker is skipped when its rack already holds a replica of the partition while some rack
//! holds none, or when it already holds one while some broker holds none.
//!
//! Kafka draws `start_index` and then `replica_shift` with `Random.nextInt(n)` each, unless the
//! caller fixes a start index, which then serves as both (its tests and `addPartitions` do so):
//! pass the same value twice to reproduce a fixed call. Kafka's callers hand it the brokers
//! sorted by id (`AdminZkClient.getBrokerMetadatas`); [`assign`] sorts them itself.

use std::collections::BTreeMap;

use super::{Decision, NodeView, Placer, Request, WorstFit};

/// `placer = "kafka-rack-aware"`: a tenant's partitions are placed by [`assign`] (the engine
/// asks [`Placer::assigns_partitions`]); asked for one request, not a partition set, it
/// spreads like worst-fit.
#[derive(Debug, Clone, Copy, Default)]
pub struct KafkaRackAware;

impl Placer for KafkaRackAware {
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        WorstFit.place(request, nodes)
    }

    fn assigns_partitions(&self) -> bool {
        true
    }
}

/// The most replicas (partitions x replication factor) one call assigns: a tenant's, far above
/// Kafka's guidance of a few thousand partitions per broker, so that no input can grow the
/// answer without bound.
pub const MAX_ASSIGNED_REPLICAS: usize = 1_000_000;

/// One broker as the assignment sees it: its node id and its rack (a zone index), if any.
///
/// Kafka orders racks by their names, as strings; here racks are ordered by this number. To
/// reproduce a cluster whose names sort otherwise, number its racks in their names' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broker {
    /// The broker's node id.
    pub id: usize,
    /// Its rack, or `None` for a broker without one.
    pub rack: Option<u32>,
}

/// Kafka's assignment of `partitions` partitions with `replication_factor` replicas over
/// `brokers` (any order; sorted by id inside as Kafka does), rack-aware when every broker
/// has a rack, rack-unaware when none has; mixed is an error, as in Kafka. `start_index`
/// and `replica_shift` are Kafka's random draws (the caller draws them from its seeded
/// stream, each in 0..brokers.len()); `start_partition` is Kafka's startPartitionId.
/// Returns, per partition, its replicas' node ids, the preferred leader first.
///
/// Entry `i` is partition `start_partition + i`. Errors, in Kafka's order: no partition
/// (`InvalidPartitionsException`), a replication factor of 0 or above the broker count
/// (`InvalidReplicationFactorException`), no broker, some brokers with a rack and some
/// without (`AdminOperationException`); and more than [`MAX_ASSIGNED_REPLICAS`] replicas, two
/// brokers with one id, or partition ids past `usize::MAX`, which Kafka cannot be given. Draws at or above the broker count act as
/// Kafka's do, modulo the list (a shift modulo `n - 1`, as only that is ever used).
pub fn assign(
    brokers: &[Broker],
    partitions: usize,
    replication_factor: usize,
    start_index: usize,
    replica_shift: usize,
    start_partition: usize,
) -> Result<Vec<Vec<usize>>, String> {
    let n = brokers.len();
    if partitions == 0 {
        return Err("the number of partitions must be larger than 0".into());
    }
    if replication_factor == 0 {
        return Err("the replication factor must be larger than 0".into());
    }
    if n == 0 {
        return Err("no broker to assign replicas to".into());
    }
    if replication_factor > n {
        return Err(format!(
            "replication factor {replication_factor} is larger than the {n} available brokers"
        ));
    }
    let racked = brokers.iter().filter(|b| b.rack.is_some()).count();
    if racked != 0 && racked != n {
        return Err(format!(
            "not all brokers have a rack ({racked} of {n}) for a rack-aware assignment"
        ));
    }
    if partitions
        .checked_mul(replication_factor)
        .is_none_or(|r| r > MAX_ASSIGNED_REPLICAS)
    {
        return Err(format!(
            "{partitions} partitions x {replication_factor} replicas pass the limit of \
             {MAX_ASSIGNED_REPLICAS} replicas"
        ));
    }
    if start_partition.checked_add(partitions).is_none() {
        return Err(format!(
            "partition ids from {start_partition} for {partitions} partitions pass the largest id"
        ));
    }
    let mut sorted = brokers.to_vec();
    sorted.sort_by_key(|b| b.id);
    if let Some(w) = sorted.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(format!("broker id {} is given twice", w[0].id));
    }
    let walk = Walk {
        brokers: n,
        start_index,
        replica_shift,
        start_partition,
    };
    Ok(if racked == 0 {
        let ids: Vec<usize> = sorted.iter().map(|b| b.id).collect();
        rack_unaware(&ids, partitions, replication_factor, &walk)
    } else {
        rack_aware(&sorted, partitions, replication_factor, &walk)
    })
}

/// The walk both variants make over the partitions: Kafka's `startIndex`,
/// `nextReplicaShift` and `currentPartitionId` over a broker list of `brokers` entries.
#[derive(Debug, Clone, Copy)]
struct Walk {
    brokers: usize,
    start_index: usize,
    replica_shift: usize,
    start_partition: usize,
}

impl Walk {
    /// Per partition, in id order: the index of its first replica in the broker list, and the
    /// replica shift at that partition (reduced modulo `n - 1`, all [`replica_index`] uses).
    fn steps(&self, partitions: usize) -> impl Iterator<Item = (usize, usize)> {
        let n = self.brokers;
        // With one broker no further replica is placed and the shift is never read.
        let m = (n - 1).max(1);
        // int startIndex = fixedStartIndex >= 0 ? fixedStartIndex : RAND.nextInt(n)
        let start = self.start_index % n;
        // int nextReplicaShift = fixedStartIndex >= 0 ? fixedStartIndex : RAND.nextInt(n)
        let mut shift = self.replica_shift % m;
        // int currentPartitionId = Math.max(0, startPartitionId), then += 1 per partition
        (self.start_partition..self.start_partition + partitions).map(move |p| {
            // if (currentPartitionId > 0 && (currentPartitionId % n == 0)) nextReplicaShift += 1
            if p > 0 && p % n == 0 {
                shift = (shift + 1) % m;
            }
            // int firstReplicaIndex = (currentPartitionId + startIndex) % n
            ((p % n + start) % n, shift)
        })
    }
}

/// Kafka's `replicaIndex`: the broker-list index of a further replica, `1 + (shift + j) %
/// (n - 1)` places after the first (so never the first itself). `n` is at least 2.
fn replica_index(first: usize, shift: usize, j: usize, n: usize) -> usize {
    let m = n - 1;
    let step = 1 + (shift % m + j % m) % m;
    (first + step) % n
}

/// `assignReplicasToBrokersRackUnaware` over `ids`, sorted by id.
fn rack_unaware(ids: &[usize], partitions: usize, rf: usize, walk: &Walk) -> Vec<Vec<usize>> {
    let n = ids.len();
    walk.steps(partitions)
        .map(|(first, shift)| {
            let mut replicas = Vec::with_capacity(rf);
            replicas.push(ids[first]);
            // for (int j = 0; j < replicationFactor - 1; j++)
            replicas.extend((0..rf - 1).map(|j| ids[replica_index(first, shift, j, n)]));
            replicas
        })
        .collect()
}

/// Kafka's `getRackAlternatedBrokerList`: racks in sorted order, each rack's brokers by id,
/// one broker of each rack in turn (a rack that has run out is passed over). Returns each
/// entry's id and its rack's rank in the sorted racks, and the number of racks.
fn rack_alternated(brokers: &[Broker]) -> (Vec<(usize, usize)>, usize) {
    let mut by_rack: BTreeMap<Option<u32>, Vec<usize>> = BTreeMap::new();
    for b in brokers {
        by_rack.entry(b.rack).or_default().push(b.id);
    }
    let mut racks: Vec<Vec<usize>> = by_rack.into_values().collect();
    for ids in &mut racks {
        ids.sort_unstable();
    }
    let rounds = racks.iter().map(Vec::len).max().unwrap_or(0);
    let mut list = Vec::with_capacity(brokers.len());
    // while (result.size() < n) { take the rack's next broker if any; rackIndex += 1 mod racks }
    for round in 0..rounds {
        for (rank, ids) in racks.iter().enumerate() {
            if let Some(&id) = ids.get(round) {
                list.push((id, rank));
            }
        }
    }
    (list, racks.len())
}

/// `assignReplicasToBrokersRackAware` over `brokers`, each with a rack.
fn rack_aware(brokers: &[Broker], partitions: usize, rf: usize, walk: &Walk) -> Vec<Vec<usize>> {
    let (arranged, racks) = rack_alternated(brokers);
    let n = arranged.len();
    let mut marks = Marks::new(racks, n);
    let mut out = Vec::with_capacity(partitions);
    for (first, shift) in walk.steps(partitions) {
        // replicaIndex(firstReplicaIndex, nextReplicaShift * numRacks, k, n): only the shift
        // modulo n - 1 matters, so the product is taken modulo it.
        let shift = if n > 1 {
            shift * (racks % (n - 1)) % (n - 1)
        } else {
            0
        };
        let mut replicas = Vec::with_capacity(rf);
        marks.take(first, arranged[first].1);
        replicas.push(arranged[first].0);
        let mut k = 0;
        for _ in 0..rf - 1 {
            // Ends within n - 1 turns: those cover every index but the first, fewer than n
            // brokers hold a replica (rf <= n), and while a rack holds none, its brokers fit.
            loop {
                let index = replica_index(first, shift, k, n);
                k += 1;
                let (id, rack) = arranged[index];
                if marks.fits(index, rack) {
                    marks.take(index, rack);
                    replicas.push(id);
                    break;
                }
            }
        }
        marks.clear();
        out.push(replicas);
    }
    out
}

/// The racks and brokers (by index in the arranged list) holding a replica of the partition
/// being assigned: Kafka's `racksWithReplicas` and `brokersWithReplicas`.
struct Marks {
    rack: Vec<bool>,
    broker: Vec<bool>,
    /// The (broker index, rack) pairs marked, to clear them.
    taken: Vec<(usize, usize)>,
    racks: usize,
}

impl Marks {
    fn new(racks: usize, brokers: usize) -> Marks {
        Marks {
            rack: vec![false; racks],
            broker: vec![false; brokers],
            taken: vec![],
            racks: 0,
        }
    }

    /// Kafka's test: `(!racksWithReplicas.contains(rack) || racksWithReplicas.size() ==
    /// numRacks) && (!brokersWithReplicas.contains(broker) || brokersWithReplicas.size() ==
    /// numBrokers)`.
    fn fits(&self, index: usize, rack: usize) -> bool {
        (!self.rack[rack] || self.racks == self.rack.len())
            && (!self.broker[index] || self.taken.len() == self.broker.len())
    }

    /// Marks a replica on the broker at `index` (never one already marked: [`Self::fits`]
    /// refuses it while a broker holds none, and fewer than all brokers hold one).
    fn take(&mut self, index: usize, rack: usize) {
        self.racks += usize::from(!self.rack[rack]);
        self.rack[rack] = true;
        self.broker[index] = true;
        self.taken.push((index, rack));
    }

    /// Clears the marks for the next partition.
    fn clear(&mut self) {
        for &(index, rack) in &self.taken {
            self.broker[index] = false;
            self.rack[rack] = false;
        }
        self.taken.clear();
        self.racks = 0;
    }
}

#[cfg(test)]
mod tests;
