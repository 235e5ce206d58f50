//! Kafka's own test cases for its assignment (`core/src/test/scala/unit/kafka/admin/
//! AdminRackAwareTest.scala` and its `RackAwareTest.scala` checks, Kafka 3.9), then properties.
//! Racks `"rack1"`, `"rack2"`, ... are zones 1, 2, ... (the same order as the names').

use super::*;

/// Brokers from `(id, rack)` pairs.
fn racked(map: &[(usize, u32)]) -> Vec<Broker> {
    map.iter()
        .map(|&(id, rack)| Broker {
            id,
            rack: Some(rack),
        })
        .collect()
}

/// Brokers `ids` without racks.
fn plain(ids: impl IntoIterator<Item = usize>) -> Vec<Broker> {
    ids.into_iter()
        .map(|id| Broker { id, rack: None })
        .collect()
}

/// Which of `RackAwareTest.checkReplicaDistribution`'s checks to make (its distinct-broker
/// check is always made).
#[derive(Clone, Copy)]
struct Verify {
    rack_aware: bool,
    leaders: bool,
    replicas: bool,
}

const ALL: Verify = Verify {
    rack_aware: true,
    leaders: true,
    replicas: true,
};

/// `RackAwareTest.checkReplicaDistribution`: distinct brokers per partition; with
/// `rack_aware`, distinct racks; with `leaders`, each broker leads partitions / brokers; with
/// `replicas`, each holds partitions x RF / brokers replicas.
fn check(assignment: &[Vec<usize>], map: &[(usize, u32)], rf: usize, verify: Verify) {
    let rack = |id: usize| map.iter().find(|b| b.0 == id).unwrap().1;
    for replicas in assignment {
        let mut ids = replicas.clone();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), replicas.len(), "one broker twice: {replicas:?}");
        if verify.rack_aware {
            let mut racks: Vec<u32> = replicas.iter().map(|&b| rack(b)).collect();
            racks.sort_unstable();
            racks.dedup();
            assert_eq!(racks.len(), rf, "one rack twice: {replicas:?}");
        }
    }
    let (partitions, n) = (assignment.len(), map.len());
    for &(id, _) in map {
        let leads = assignment.iter().filter(|r| r[0] == id).count();
        let holds = assignment.iter().filter(|r| r.contains(&id)).count();
        if verify.leaders {
            assert_eq!(
                leads,
                partitions / n,
                "broker {id} leads {leads}: {assignment:?}"
            );
        }
        if verify.replicas {
            assert_eq!(
                holds,
                partitions * rf / n,
                "broker {id} holds {holds}: {assignment:?}"
            );
        }
    }
}

/// Kafka's calls without a fixed start index draw both, so its checks hold for every draw:
/// runs `f` on the assignment of every start index and shift in `0..n`.
fn every_draw(
    brokers: &[Broker],
    partitions: usize,
    rf: usize,
    start: usize,
    f: impl Fn(&[Vec<usize>]),
) {
    for s in 0..brokers.len() {
        for shift in 0..brokers.len() {
            f(&assign(brokers, partitions, rf, s, shift, start).unwrap());
        }
    }
}

/// The six brokers in three racks most of Kafka's cases use.
const SIX: [(usize, u32); 6] = [(0, 1), (1, 2), (2, 2), (3, 3), (4, 3), (5, 1)];

#[test]
fn rack_alternated_list_as_kafka() {
    // testGetRackAlternatedBrokerListAndAssignReplicasToBrokers: rack1 {0, 5}, rack2 {3, 4},
    // rack3 {1, 2}: one of each rack in turn: 0 3 1, then 5 4 2; without 5: 0 3 1, 4 2
    let map = [(0, 1), (1, 3), (2, 3), (3, 2), (4, 2), (5, 1)];
    let ids = |list: Vec<(usize, usize)>| list.into_iter().map(|e| e.0).collect::<Vec<_>>();
    assert_eq!(ids(rack_alternated(&racked(&map)).0), [0, 3, 1, 5, 4, 2]);
    assert_eq!(ids(rack_alternated(&racked(&map[..5])).0), [0, 3, 1, 4, 2]);
    assert_eq!(rack_alternated(&racked(&map)).1, 3);
}

#[test]
fn rack_aware_assignment_as_kafka() {
    // testGetRackAlternatedBrokerListAndAssignReplicasToBrokers, fixed start index 0 (start
    // and shift 0), 7 partitions RF 3 over the list 0 3 1 5 4 2 (n 6, 3 racks): partition p
    // starts at index p and, with shift 0 x 3, takes indices p + 1 + k % 5 for k = 0, 1 (each
    // a new rack). Partition 6 (a multiple of 6) grows the shift to 1, 1 x 3 = 3: index 0
    // (broker 0), then 0 + 1 + 3 = 4 (broker 4), 0 + 1 + 4 = 5 (broker 2).
    let map = [(0, 1), (1, 3), (2, 3), (3, 2), (4, 2), (5, 1)];
    let expected = [
        [0, 3, 1],
        [3, 1, 5],
        [1, 5, 4],
        [5, 4, 2],
        [4, 2, 0],
        [2, 0, 3],
        [0, 4, 2],
    ];
    assert_eq!(assign(&racked(&map), 7, 3, 0, 0, 0).unwrap(), expected);
}

#[test]
fn rack_unaware_assignment_as_kafka() {
    // testReplicaAssignment: brokers 0..4 without racks, 10 partitions RF 3, fixed start 0:
    // partition p leads on p % 5, followers 1 + (shift + j) % 4 further; the shift is 0 for
    // partitions 0..4 (p, p + 1, p + 2), 1 from partition 5 (p, p + 2, p + 3)
    let expected = [
        [0, 1, 2],
        [1, 2, 3],
        [2, 3, 4],
        [3, 4, 0],
        [4, 0, 1],
        [0, 2, 3],
        [1, 3, 4],
        [2, 4, 0],
        [3, 0, 1],
        [4, 1, 2],
    ];
    assert_eq!(assign(&plain(0..5), 10, 3, 0, 0, 0).unwrap(), expected);
}

#[test]
fn start_partition_and_shift_as_kafka() {
    // brokers 30, 10, 20 (sorted: 10 20 30, n 3), partitions 2..4 RF 2, start 1, shift 0:
    // p 2: first (2 + 1) % 3 = 0 (10), follower 0 + 1 + 0 % 2 = 1 (20); p 3, a multiple of 3:
    // shift 1, first 1 (20), follower 1 + 1 + 1 % 2 = 3 % 3 = 0 (10); p 4: first 2 (30),
    // follower 2 + 2 = 4 % 3 = 1 (20). Draws past the list act modulo it (start 4 = 1, shift
    // 2 = 0 modulo n - 1 = 2).
    let brokers = plain([30, 10, 20]);
    let expected = [[10, 20], [20, 10], [30, 20]];
    assert_eq!(assign(&brokers, 3, 2, 1, 0, 2).unwrap(), expected);
    assert_eq!(assign(&brokers, 3, 2, 4, 2, 2).unwrap(), expected);
    assert_eq!(
        assign(&brokers, 1, 1, 0, 0, usize::MAX - 1).unwrap().len(),
        1
    );
}

#[test]
fn bad_parameters_are_refused_as_kafka() {
    // testReplicaAssignment and testAssignReplicasToBrokersWithInvalidParameters: RF 0, RF
    // above the brokers, no partition, some brokers without a rack (broker 4 -> null)
    let five = plain(0..5);
    assert!(assign(&five, 10, 0, 0, 0, 0)
        .unwrap_err()
        .contains("replication factor"));
    assert!(assign(&five, 10, 6, 0, 0, 0)
        .unwrap_err()
        .contains("larger than the 5"));
    assert!(assign(&five, 0, 0, 0, 0, 0)
        .unwrap_err()
        .contains("partitions"));
    let mut mixed = racked(&[(0, 1), (1, 3), (2, 3), (3, 2)]);
    mixed.push(Broker { id: 4, rack: None });
    assert!(assign(&mixed, 10, 5, 0, 0, 0)
        .unwrap_err()
        .contains("not all brokers"));
    assert!(assign(&mixed, 10, 0, 0, 0, 0)
        .unwrap_err()
        .contains("replication factor"));
    assert!(assign(&[], 1, 1, 0, 0, 0)
        .unwrap_err()
        .contains("no broker"));
    let twice = plain([3, 1, 3]);
    assert!(assign(&twice, 1, 1, 0, 0, 0)
        .unwrap_err()
        .contains("broker id 3"));
    let past = assign(&five, 2, 1, 0, 0, usize::MAX);
    assert!(past.unwrap_err().contains("largest id"));
    // 333,334 partitions x 3 = 1,000,002 replicas: past the limit of 1,000,000; 333,333 x 3 =
    // 999,999 within it
    let limit = assign(&five, 333_334, 3, 0, 0, 0).unwrap_err();
    assert!(limit.contains("limit of 1000000"), "{limit}");
    assert!(assign(&five, usize::MAX, 2, 0, 0, 0).is_err());
    assert_eq!(assign(&five, 333_333, 3, 0, 0, 0).unwrap().len(), 333_333);
}

#[test]
fn rack_aware_distributions_as_kafka() {
    // testAssignmentWithRackAware (fixed start 2) and ...WithRandomStartIndex: 6 partitions
    // RF 3 over SIX: distinct racks, one leader and three replicas per broker
    check(&assign(&racked(&SIX), 6, 3, 2, 2, 0).unwrap(), &SIX, 3, ALL);
    every_draw(&racked(&SIX), 6, 3, 0, |a| check(a, &SIX, 3, ALL));
    // testAssignmentWithRackAwareWithUnevenReplicas: 13 partitions, fixed start 0
    let racks_only = Verify {
        leaders: false,
        replicas: false,
        ..ALL
    };
    check(
        &assign(&racked(&SIX), 13, 3, 0, 0, 0).unwrap(),
        &SIX,
        3,
        racks_only,
    );
    // testAssignmentWithRackAwareWithUnevenRacks: rack1 {0, 1, 5}, rack2 {2}, rack3 {3, 4}
    let uneven = [(0, 1), (1, 1), (2, 2), (3, 3), (4, 3), (5, 1)];
    let no_replicas = Verify {
        replicas: false,
        ..ALL
    };
    every_draw(&racked(&uneven), 12, 3, 0, |a| {
        check(a, &uneven, 3, no_replicas)
    });
    // testAssignmentWith2ReplicasRackAware, ...With6Partitions, ...And3Brokers
    every_draw(&racked(&SIX), 12, 2, 0, |a| check(a, &SIX, 2, ALL));
    every_draw(&racked(&SIX), 6, 2, 0, |a| check(a, &SIX, 2, ALL));
    let three = [(0, 1), (1, 2), (4, 3)];
    every_draw(&racked(&three), 3, 2, 0, |a| check(a, &three, 2, ALL));
    // testRackAwareExpansion: brokers 6..11, partitions 12..23 RF 2
    let expansion: Vec<(usize, u32)> = SIX.iter().map(|&(id, r)| (id + 6, r)).collect();
    every_draw(&racked(&expansion), 12, 2, 12, |a| {
        check(a, &expansion, 2, ALL)
    });
    // testLargeNumberPartitionsAssignment: 96 partitions RF 3 over 12 brokers
    let twelve = [
        (0, 1),
        (1, 2),
        (2, 2),
        (3, 3),
        (4, 3),
        (5, 1),
        (6, 1),
        (7, 2),
        (8, 2),
        (9, 3),
        (10, 1),
        (11, 3),
    ];
    every_draw(&racked(&twelve), 96, 3, 0, |a| check(a, &twelve, 3, ALL));
}

/// The number of distinct racks of each partition's replicas.
fn racks_per_partition(assignment: &[Vec<usize>], map: &[(usize, u32)]) -> Vec<usize> {
    let rack = |id: usize| map.iter().find(|b| b.0 == id).unwrap().1;
    assignment
        .iter()
        .map(|r| {
            let mut racks: Vec<u32> = r.iter().map(|&b| rack(b)).collect();
            racks.sort_unstable();
            racks.dedup();
            racks.len()
        })
        .collect()
}

#[test]
fn more_or_fewer_replicas_than_racks_as_kafka() {
    // testMoreReplicasThanRacks (RF 5 over 3 racks: all 3 in every partition),
    // testLessReplicasThanRacks (RF 2: 2 racks), testSingleRack (one rack, one leader each)
    let map = [(0, 1), (1, 2), (2, 2), (3, 3), (4, 3), (5, 2)];
    every_draw(&racked(&map), 6, 5, 0, |a| {
        assert!(a.iter().all(|r| r.len() == 5));
        assert_eq!(racks_per_partition(a, &map), [3; 6]);
    });
    every_draw(&racked(&map), 6, 2, 0, |a| {
        assert_eq!(racks_per_partition(a, &map), [2; 6]);
    });
    let single: Vec<(usize, u32)> = (0..6).map(|id| (id, 1)).collect();
    let leaders_only = Verify {
        rack_aware: false,
        replicas: false,
        ..ALL
    };
    every_draw(&racked(&single), 6, 3, 0, |a| {
        assert_eq!(racks_per_partition(a, &single), [1; 6]);
        check(a, &single, 3, leaders_only);
    });
}

#[test]
fn skips_a_broker_already_holding_a_replica_as_kafka() {
    // testSkipBrokerWithReplicaAlreadyAssigned: racks a {0, 3, 4}, b {1}, c {2}, 6
    // partitions RF 4, fixed start 2: once every rack holds one, the fourth replica must
    // still skip the brokers already holding one
    let map = [(0, 1), (1, 2), (2, 3), (3, 1), (4, 1)];
    let none = Verify {
        rack_aware: false,
        leaders: false,
        replicas: false,
    };
    check(
        &assign(&racked(&map), 6, 4, 2, 2, 0).unwrap(),
        &map,
        4,
        none,
    );
    every_draw(&racked(&map), 6, 4, 0, |a| check(a, &map, 4, none));
}

/// One case of `java-cases.txt`: the brokers, `assign`'s five numbers, Kafka's answer.
type JavaCase = (Vec<Broker>, [usize; 5], Vec<Vec<usize>>);

/// Parses a line of `java-cases.txt` (its header says the format).
fn java_case(line: &str) -> JavaCase {
    let fields: Vec<&str> = line.split(' ').collect();
    let broker = |b: &str| {
        let (id, rack) = b.split_once(':').unwrap();
        Broker {
            id: id.parse().unwrap(),
            rack: (rack != "-").then(|| rack.parse().unwrap()),
        }
    };
    let brokers = fields[0].trim_end_matches(',').split(',').map(broker);
    let numbers: Vec<usize> = fields[1..6].iter().map(|x| x.parse().unwrap()).collect();
    let replicas = |r: &str| r.split(',').map(|x| x.parse().unwrap()).collect();
    let kafka = fields[6].split(';').map(replicas).collect();
    (brokers.collect(), numbers.try_into().unwrap(), kafka)
}

#[test]
fn matches_kafkas_java_on_random_cases() {
    // 150 cases answered by Kafka's AdminUtils.java itself (with and without racks, fixed and
    // drawn start indices, first partition ids past 0); the brokers handed over out of order
    let text = include_str!("java-cases.txt");
    let cases: Vec<JavaCase> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(java_case)
        .collect();
    assert_eq!(cases.len(), 150);
    for (mut brokers, [partitions, rf, start, shift, first], kafka) in cases {
        let half = brokers.len() / 2;
        brokers.rotate_left(half);
        let ours = assign(&brokers, partitions, rf, start, shift, first).unwrap();
        assert_eq!(
            ours, kafka,
            "{brokers:?} {partitions} {rf} {start} {shift} {first}"
        );
    }
}

/// Brokers with distinct ids from a set, each with a rack from `racks` (cycled) or none.
fn brokers_of(ids: &std::collections::BTreeSet<usize>, racks: &[u32], with: bool) -> Vec<Broker> {
    ids.iter()
        .zip(racks.iter().cycle())
        .map(|(&id, &rack)| Broker {
            id,
            rack: with.then_some(rack),
        })
        .collect()
}

proptest::proptest! {
    /// Any input answers, an assignment or an error, without a panic; an assignment has one
    /// entry per partition of RF known brokers.
    #[test]
    fn any_input_answers(
        brokers in proptest::collection::vec((0usize..16, proptest::option::of(0u32..4)), 0..10),
        partitions in proptest::prop_oneof![0usize..30, proptest::num::usize::ANY],
        rf in 0usize..8,
        start in proptest::num::usize::ANY,
        shift in proptest::num::usize::ANY,
        first in proptest::prop_oneof![0usize..100, proptest::num::usize::ANY],
    ) {
        let brokers: Vec<Broker> = brokers.into_iter().map(|(id, rack)| Broker { id, rack }).collect();
        if let Ok(a) = assign(&brokers, partitions, rf, start, shift, first) {
            proptest::prop_assert_eq!(a.len(), partitions);
            for r in &a {
                proptest::prop_assert_eq!(r.len(), rf);
                proptest::prop_assert!(r.iter().all(|id| brokers.iter().any(|b| b.id == *id)));
            }
        }
    }

    /// On valid input: distinct brokers per partition; with racks, distinct racks up to the
    /// number of racks (every rack once RF reaches it); each broker leads within one of
    /// partitions / brokers (exactly that when partitions is a multiple of brokers: leaders
    /// walk the list one index per partition); the same answer for the brokers in any order.
    #[test]
    fn assignments_spread_as_kafka_promises(
        ids in proptest::collection::btree_set(0usize..40, 1..12),
        racks in proptest::collection::vec(0u32..5, 1..12),
        with_racks in proptest::bool::ANY,
        partitions in 1usize..40,
        rf_seed in 0usize..100,
        start in 0usize..12,
        shift in 0usize..12,
        first in 0usize..50,
    ) {
        let brokers = brokers_of(&ids, &racks, with_racks);
        let n = brokers.len();
        let rf = 1 + rf_seed % n;
        let a = assign(&brokers, partitions, rf, start, shift, first).unwrap();
        let mut reversed = brokers.clone();
        reversed.reverse();
        proptest::prop_assert_eq!(&a, &assign(&reversed, partitions, rf, start, shift, first).unwrap());
        let map: Vec<(usize, u32)> = brokers.iter().map(|b| (b.id, b.rack.unwrap_or(0))).collect();
        let mut distinct: Vec<u32> = map.iter().map(|b| b.1).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let per = racks_per_partition(&a, &map);
        for (r, racks) in a.iter().zip(per) {
            let mut sorted = r.clone();
            sorted.sort_unstable();
            sorted.dedup();
            proptest::prop_assert_eq!(sorted.len(), rf);
            if with_racks {
                proptest::prop_assert_eq!(racks, rf.min(distinct.len()));
            }
        }
        for b in &brokers {
            let leads = a.iter().filter(|r| r[0] == b.id).count();
            proptest::prop_assert!(leads == partitions / n || leads == partitions.div_ceil(n));
        }
    }
}
