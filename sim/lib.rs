//! Overbook: a multi-tenant capacity simulator and oversubscription planner.
//!
//! This crate holds time and I/O: scenario files ([`scenario`]), traces ([`trace`]), generated
//! populations ([`generate`]), the sources a scenario reads ([`input`]), the event loop and the
//! placement models' state ([`engine`]), a model's aggregate figures ([`figures`]), the
//! statistics over replications ([`stats`]), and the output files ([`output`]). The
//! domain formulas live in the `overbook-models` crate, re-exported as [`models`].

#![warn(missing_docs)]

pub mod api;
pub mod engine;
pub mod error;
pub mod exec;
pub mod figures;
pub mod files;
pub mod generate;
pub mod headroom;
pub mod import;
pub mod input;
pub mod limits;
pub mod memtrace;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod predict;
pub mod regress;
pub mod report;
pub mod scenario;
pub mod shard;
pub mod stats;
pub mod sweep;
pub mod trace;

pub use overbook_models as models;
/// The placers: the [`Placer`](placer::Placer) trait, the built-in ones, and
/// [`register`](placer::register) for placers of one's own.
pub use overbook_models::placer;
