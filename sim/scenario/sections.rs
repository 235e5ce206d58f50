//! The sections of a scenario that set how a run is judged and bounded: the SLO classes
//! (`[slo.NAME]`), the latency cap (`[latency]`), cost and price (`[cost]`), the pricing
//! margin (`[pricing]`) and the limits on what a run may open (`[limits]`). They know the
//! resources (and, for usage prices, the traffic map's features); nothing here knows models.
//! A class's `sla` and the keys of a bill beyond the spec charge are checked in `billing.rs`.

use indexmap::IndexMap;
use overbook_models::billing::SlaTier;
use overbook_models::cost::Allocation;
use overbook_models::expr;
use overbook_models::latency::DEFAULT_RHO_MAX;
use overbook_models::resource::Resource;

use super::billing::UsagePrices;
use super::check::Checker;
use super::raw::{RawCost, RawLatency, RawLimits, RawPricing, RawSlo};
use super::workload::Traffic;
use crate::error::InputError;
use crate::limits::MAX_DURATION_SECONDS;

/// Bounds on what a run may open (`[limits]`): passing one is an error naming the tenant and
/// its size, never a loop that runs out of time or memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most nodes, containers or shards one tenant may take in one model (default 10,000).
    pub max_nodes_per_tenant: u64,
    /// Most nodes one model may open over a run (default 10,000,000).
    pub max_nodes_per_model: u64,
    /// Most (harmer, victim) pairs of different tenants harm.csv lists per model (default
    /// 1,000,000); past it, each victim's harm from the harmers not listed is one row.
    pub max_harm_pairs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nodes_per_tenant: overbook_models::catalog::MAX_COVER_NODES as u64,
            max_nodes_per_model: 10_000_000,
            max_harm_pairs: 1_000_000,
        }
    }
}

/// An SLO class (DESIGN.md 4.5).
#[derive(Debug, Clone, PartialEq)]
pub struct SloClass {
    /// Name, as in the trace's `class` column.
    pub name: String,
    /// A step violates when interference loss exceeds this fraction of the alone allotment.
    pub max_loss: f64,
    /// ... or latency inflation exceeds this.
    pub max_latency_inflation: f64,
    /// ... or, in a model with a backlog, its consumer lag exceeds this many seconds (DESIGN.md
    /// 4.3b; `None`: lag breaks no SLO).
    pub max_lag_seconds: Option<f64>,
    /// Its SLA's tiers (DESIGN.md 5), ordered by availability, highest first, their credit
    /// rates not falling with it; empty: no SLA, no credits.
    pub sla: Vec<SlaTier>,
}

/// Cost and price settings (DESIGN.md 5).
#[derive(Debug, Clone)]
pub struct CostSettings {
    /// How node cost is split among tenants.
    pub allocation: Allocation,
    /// Per-resource weights of the split.
    pub weights: Vec<f64>,
    /// Price per unit of spec per hour, per resource.
    pub price: Vec<f64>,
    /// The currency amounts are in (`currency`), when the scenario names one: then every
    /// output labels its amounts with it; `None`: unlabelled ([`super::DEFAULT_CURRENCY`]).
    pub currency: Option<String>,
    /// The billing period of SLA credits in seconds (`billing_days`, counted from the run's
    /// start).
    pub billing_seconds: i64,
    /// Usage prices on the traffic map's features (`[cost.usage]`), if any.
    pub usage: Option<UsagePrices>,
    /// What the operator pays per GB crossing zones (`zone_transfer_per_gb`, DESIGN.md 5):
    /// a model with replicas in zones adds it to the tenants' costs (0: nothing).
    pub zone_transfer_per_gb: f64,
}

impl CostSettings {
    /// Whether some usage price is set (not 0).
    pub fn bills_usage(&self) -> bool {
        self.usage
            .as_ref()
            .is_some_and(|u| u.price.iter().any(|&p| p > 0.0) || u.cross_zone_per_gb > 0.0)
    }
}

/// Default SLO limits.
pub const DEFAULT_MAX_LOSS: f64 = 0.01;
/// Default latency-inflation limit.
pub const DEFAULT_MAX_LATENCY_INFLATION: f64 = 2.0;

impl Checker<'_> {
    pub(super) fn limits(&self, raw: Option<&RawLimits>) -> Result<Limits, InputError> {
        let mut limits = Limits::default();
        let Some(raw) = raw else {
            return Ok(limits);
        };
        if let Some(v) = &raw.max_nodes_per_tenant {
            limits.max_nodes_per_tenant =
                self.count(v, "max_nodes_per_tenant", 1, 1_000_000)? as u64;
        }
        if let Some(v) = &raw.max_nodes_per_model {
            limits.max_nodes_per_model =
                self.count(v, "max_nodes_per_model", 1, 1_000_000_000)? as u64;
        }
        if let Some(v) = &raw.max_harm_pairs {
            limits.max_harm_pairs = self.count(v, "max_harm_pairs", 0, 1_000_000_000)? as u64;
        }
        Ok(limits)
    }

    pub(super) fn slo(
        &self,
        raw: Option<&IndexMap<String, RawSlo>>,
    ) -> Result<Vec<SloClass>, InputError> {
        let mut out = vec![];
        if let Some(raw) = raw {
            for (name, c) in raw {
                let max_loss = match &c.max_loss {
                    Some(v) => self.non_negative(v, "max_loss")?,
                    None => DEFAULT_MAX_LOSS,
                };
                let max_latency_inflation = match &c.max_latency_inflation {
                    Some(v) => {
                        let x = self.positive(v, "max_latency_inflation")?;
                        if x < 1.0 {
                            return Err(self.err(
                                v.span(),
                                format!("`max_latency_inflation` must be >= 1, got {x}"),
                            ));
                        }
                        x
                    }
                    None => DEFAULT_MAX_LATENCY_INFLATION,
                };
                let max_lag_seconds = match &c.max_lag_seconds {
                    Some(v) => {
                        Some(self.within(v, "max_lag_seconds", 0.0, MAX_DURATION_SECONDS as f64)?)
                    }
                    None => None,
                };
                out.push(SloClass {
                    name: name.clone(),
                    max_loss,
                    max_latency_inflation,
                    max_lag_seconds,
                    sla: self.sla(c.sla.as_ref())?,
                });
            }
        }
        if out.is_empty() {
            out.push(SloClass {
                name: "default".into(),
                max_loss: DEFAULT_MAX_LOSS,
                max_latency_inflation: DEFAULT_MAX_LATENCY_INFLATION,
                max_lag_seconds: None,
                sla: vec![],
            });
        }
        Ok(out)
    }

    /// `[cost]`, its usage prices on the features of `traffic` (the workload's map, if any),
    /// its billing period at least a step of `step` seconds.
    pub(super) fn cost(
        &self,
        raw: Option<&RawCost>,
        resources: &[Resource],
        (traffic, step): (Option<&Traffic>, i64),
    ) -> Result<CostSettings, InputError> {
        let n = resources.len();
        let mut out = CostSettings {
            allocation: Allocation::Spec,
            weights: vec![1.0; n],
            price: vec![0.0; n],
            currency: None,
            billing_seconds: (super::billing::DEFAULT_BILLING_DAYS * 86_400.0) as i64,
            usage: None,
            zone_transfer_per_gb: 0.0,
        };
        out.billing_seconds =
            self.billing_seconds(raw.and_then(|r| r.billing_days.as_ref()), step)?;
        let Some(raw) = raw else { return Ok(out) };
        out.currency = self.currency(raw.currency.as_ref())?;
        out.usage = self.usage(raw.usage.as_ref(), traffic)?;
        if let Some(v) = &raw.zone_transfer_per_gb {
            out.zone_transfer_per_gb = self.price(v, "zone_transfer_per_gb")?;
        }
        if let Some(a) = &raw.allocation {
            out.allocation = Allocation::by_name(a.get_ref()).ok_or_else(|| {
                self.err(
                    a.span(),
                    expr::unknown("cost allocation", a.get_ref(), &Allocation::NAMES),
                )
            })?;
        }
        if let Some(w) = &raw.weights {
            let given = self.per_resource(w, resources, "weights", &|v, k| self.divisor(v, k))?;
            out.weights = given.iter().map(|g| g.unwrap_or(0.0)).collect();
            if out.weights.iter().all(|&x| x == 0.0) {
                return Err(self.err(w.span(), "cost `weights` must not all be zero"));
            }
        }
        if let Some(p) = &raw.price {
            let given = self.per_resource(p, resources, "price", &|v, k| self.price(v, k))?;
            out.price = given.iter().map(|g| g.unwrap_or(0.0)).collect();
        }
        Ok(out)
    }

    /// The latency cap on utilization (`[latency] rho_max`): in (0, 1), default
    /// [`DEFAULT_RHO_MAX`].
    pub(super) fn rho_max(&self, raw: Option<&RawLatency>) -> Result<f64, InputError> {
        Ok(match raw.and_then(|l| l.rho_max.as_ref()) {
            Some(v) => {
                let x = self.positive(v, "latency.rho_max")?;
                if x >= 1.0 {
                    return Err(self.err(v.span(), format!("`rho_max` must be below 1, got {x}")));
                }
                x
            }
            None => DEFAULT_RHO_MAX,
        })
    }

    /// The margin the pricing analysis prices for (`[pricing] target_margin`): in [0, 1),
    /// default 0.3.
    pub(super) fn target_margin(&self, raw: Option<&RawPricing>) -> Result<f64, InputError> {
        Ok(match raw.and_then(|p| p.target_margin.as_ref()) {
            Some(v) => {
                let m = *v.get_ref();
                if !(0.0..1.0).contains(&m) {
                    return Err(self.err(
                        v.span(),
                        format!("`target_margin` must be in [0, 1), got {m}"),
                    ));
                }
                m
            }
            None => 0.3,
        })
    }
}
