//! Overbook's domain model: pure logic without I/O, threads or clocks.
//!
//! Everything here is a function of its inputs. The simulator in the `overbook` crate owns
//! time, traces and outputs and calls into this crate once per node, resource and step.
//!
//! - [`resource`]: resources and their kinds;
//! - [`catalog`]: node types and the cheapest combination covering a size;
//! - [`sharing`]: the sharing policies of DESIGN.md section 4 (proportional, weighted max-min
//!   water-filling, cgroup guarantees, OOM eviction order);
//! - [`interference`]: who caused the loss on a contended node-resource (section 4.6);
//! - [`latency`]: the M/M/1 latency factor (section 4.4);
//! - [`cost`]: splitting a node's cost among its tenants (section 5);
//! - [`billing`]: usage charges and SLA credits of a tenant's bill (section 5);
//! - [`expr`]: the `name(arg, key = value)` syntax that names placers and predictors;
//! - [`placer`] and [`predictor`]: the placement and sizing traits and their registries.

#![warn(missing_docs)]

pub mod billing;
pub mod catalog;
pub mod cost;
pub mod expr;
pub mod interference;
pub mod latency;
pub mod placer;
pub mod predictor;
pub mod resource;
pub mod sharing;

/// Relative tolerance used by invariant checks on sums of floating-point shares.
pub const EPS: f64 = 1e-9;
