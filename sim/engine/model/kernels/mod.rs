//! The fast kernels: steps that give the reference step's results with less work, for the steps
//! they accept, and the contract they keep.
//!
//! **The contract.** A kernel accepts a step only when the reference step
//! (`ModelRun::reference_node_step`, `engine/model/reference.rs`) would deliver every entry it covers its
//! admitted demand `min(d * share, cap)`: nothing down, nothing over capacity, caps and cost
//! splits current for the tenants' specs. For those steps it computes the reference step's
//! results operation for operation (the same IEEE operations in the same order, sums in the
//! same order), so outputs are the same bits whichever path ran; every other step takes the
//! reference step, which is the only place a semantic lives (`step.rs` makes the choice for a
//! node of the node-major step; the tenant-major step sends a contended node there). `Options::reference` turns every
//! kernel off (the reference step everywhere, caps recomputed each step), and the property tests
//! (`engine::tests::props`) require identical results with and without the kernels, and with
//! the vector accounting on AVX2, on AVX-512's registers and off.
//!
//! | kernel | accepts | where |
//! | --- | --- | --- |
//! | uncontended node (`deliver_admitted`) | a node with nothing down and every resource within capacity | `node.rs` |
//! | lone-entry run (`step_alone_run`) | runs of nodes each closed, empty or holding one entry within capacity, its cap and cost split current | `node.rs` |
//! | tenant-major step (`by_tenant`) | a dense step (every tenant present, in order) with no event, nothing down, no split by use, at most 4 resources; a contended node inside it takes the reference step | `by_tenant/mod.rs`, `by_tenant/plan.rs` |
//! | held accounting (`ByTenant::held`) | up to 8 tenant-major steps where every entry got its admitted demand, accounted together | `by_tenant/held.rs` |
//! | lone plan (`ByTenant::lone`) | every tenant one entry, alone on its node, within its capacity (dedicated tenants that fit one node), 32 steps held | `by_tenant/held.rs` |
//! | vector accounting | the held steps of whole groups of four tenants with the same entry count, on AVX2 (or AVX-512's registers) | `by_tenant/avx2.rs`, the only `unsafe` of the engine |
//!
//! Architecture invariant: a kernel holds no semantic of its own: a rule of DESIGN.md section
//! 4 (sharing, blame, OOM kills, outages, latency, SLO) is written in the reference step and the
//! accounting (`accounting.rs`), and a kernel either repeats its arithmetic for the steps it
//! accepts or declines the step.

pub(super) mod by_tenant;
mod node;
