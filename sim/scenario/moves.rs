//! A model's moves (DESIGN.md 4.8): what every copy of an entry's state costs (`moves`), and
//! the threshold rebalancer (`rebalance`). It knows the resources, never how the engine
//! moves an entry (`engine/model/moves.rs`).

use overbook_models::expr;
use overbook_models::resource::Resource;
use serde::Deserialize;

use super::check::Checker;
use super::S;
use crate::error::InputError;

/// At most this many moves a step (`max_moves_per_step`).
pub const MAX_MOVES_PER_STEP: i64 = 10_000;

/// What every copy of an entry's state costs (DESIGN.md 4.8): a rebalancing move, a
/// reassignment after a failure.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveCost {
    /// Copy rate, in the state resource's unit per second.
    pub rate_per_second: f64,
    /// The resource whose amount is the state copied (index into the resources): `storage`
    /// by default, else `memory`.
    pub state: usize,
    /// The resources a copy loads, on the source (out) and the destination (in), by
    /// `rate_per_second * network_scale` each (default: none).
    pub network: Vec<usize>,
    /// Network units per state unit (default 1: the state's unit per second is the network
    /// resource's unit; 1024 for a state in GiB and a network in MiB/s).
    pub network_scale: f64,
}

/// The threshold rebalancer (DESIGN.md 4.8, Cruise Control's threshold goal in a step
/// model).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rebalance {
    /// A node whose busiest resource's measured utilization stays above this fraction ...
    pub high: f64,
    /// ... for this many steps in a row moves an entry off.
    pub hold_steps: u32,
    /// A destination's utilization of every resource must stay at most this with the entry.
    pub target: f64,
    /// At most this many moves begin per step.
    pub max_moves_per_step: u32,
}

impl Default for Rebalance {
    fn default() -> Self {
        Rebalance {
            high: 0.8,
            hold_steps: 3,
            target: 0.7,
            max_moves_per_step: 1,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMoves {
    rate: Option<S<f64>>,
    state: Option<S<String>>,
    network: Option<S<Vec<S<String>>>>,
    network_scale: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRebalance {
    high: Option<S<f64>>,
    hold_steps: Option<S<i64>>,
    target: Option<S<f64>>,
    max_moves_per_step: Option<S<i64>>,
}

impl Checker<'_> {
    /// The model's `moves`, each key checked where it is written.
    pub(super) fn moves(
        &self,
        raw: Option<&S<RawMoves>>,
        resources: &[Resource],
    ) -> Result<Option<MoveCost>, InputError> {
        let Some(m) = raw else {
            return Ok(None);
        };
        let rate =
            m.get_ref().rate.as_ref().ok_or_else(|| {
                self.err(m.span(), "`moves` needs a `rate` (state units per second)")
            })?;
        let rate_per_second = self.factor(rate, "rate")?;
        let names: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
        let named = |v: &S<String>| {
            names
                .iter()
                .position(|n| n == v.get_ref())
                .ok_or_else(|| self.err(v.span(), expr::unknown("resource", v.get_ref(), &names)))
        };
        let state = match &m.get_ref().state {
            Some(v) => named(v)?,
            None => ["storage", "memory"]
                .iter()
                .find_map(|d| names.iter().position(|n| n == d))
                .ok_or_else(|| {
                    self.err(
                        m.span(),
                        format!(
                            "`moves` needs a `state` resource (no `storage` or `memory`); known resources: {}",
                            names.join(", ")
                        ),
                    )
                })?,
        };
        let mut network = vec![];
        for v in m.get_ref().network.iter().flat_map(|l| l.get_ref()) {
            let q = named(v)?;
            if network.contains(&q) {
                return Err(self.err(v.span(), format!("resource `{}` listed twice", v.get_ref())));
            }
            network.push(q);
        }
        let network_scale = match &m.get_ref().network_scale {
            Some(v) => self.factor(v, "network_scale")?,
            None => 1.0,
        };
        Ok(Some(MoveCost {
            rate_per_second,
            state,
            network,
            network_scale,
        }))
    }

    /// The model's `rebalance`: `target` below `high`; it needs `moves`.
    pub(super) fn rebalance(
        &self,
        raw: Option<&S<RawRebalance>>,
        moves: Option<&MoveCost>,
    ) -> Result<Option<Rebalance>, InputError> {
        let Some(b) = raw else {
            return Ok(None);
        };
        if moves.is_none() {
            return Err(self.err(
                b.span(),
                "`rebalance` needs the model's `moves = { rate = ... }`: every move copies state",
            ));
        }
        let d = Rebalance::default();
        let raw = b.get_ref();
        let fraction = |v: &S<f64>, key: &str| {
            self.positive(v, key)?;
            self.within(v, key, 0.0, 1.0)
        };
        let high = raw
            .high
            .as_ref()
            .map_or(Ok(d.high), |v| fraction(v, "high"))?;
        let target = match &raw.target {
            Some(v) => fraction(v, "target")?,
            None => d.target.min(high * 0.875),
        };
        if let Some(v) = raw.target.as_ref().filter(|_| target >= high) {
            return Err(self.err(
                v.span(),
                format!("`target` must be below `high` ({high}), got {target}"),
            ));
        }
        let count = |v: &Option<S<i64>>, key: &str, default: u32, max: i64| {
            v.as_ref()
                .map_or(Ok(i64::from(default)), |v| self.count(v, key, 1, max))
                .map(|x| x as u32)
        };
        Ok(Some(Rebalance {
            high,
            target,
            hold_steps: count(&raw.hold_steps, "hold_steps", d.hold_steps, 1_000_000)?,
            max_moves_per_step: count(
                &raw.max_moves_per_step,
                "max_moves_per_step",
                d.max_moves_per_step,
                MAX_MOVES_PER_STEP,
            )?,
        }))
    }
}
