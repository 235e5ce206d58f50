//! What a tenant's bill holds besides its spec charge (DESIGN.md 5): the SLA of an SLO class
//! (`[slo.NAME] sla`, one tier or a list), the billing period (`[cost] billing_days`), the
//! usage prices on a traffic map's features (`[cost.usage]`) and the currency every amount
//! is labelled with (`[cost] currency`). It knows the traffic map's feature names, nothing of
//! how the engine bills.

use std::fmt;

use overbook_models::billing::{SlaTier, USAGE_FEATURES, USAGE_QUANTITIES};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::check::Checker;
use super::workload::Traffic;
use super::S;
use crate::error::InputError;
use crate::limits::{show, MAX_BILLING_DAYS, MAX_SLA_TIERS};

/// The default billing period, in days (`[cost] billing_days`).
pub const DEFAULT_BILLING_DAYS: f64 = 30.0;

/// The currency amounts are in when the scenario names none (`[cost] currency`): then no
/// output labels them, as before currencies were named.
pub const DEFAULT_CURRENCY: &str = "USD";

/// The longest currency name: 16 characters.
pub const MAX_CURRENCY_CHARS: usize = 16;

/// Whether `c` names a currency: 1 to [`MAX_CURRENCY_CHARS`] ASCII letters, digits or
/// `$ _ - .` (an ISO 4217 code such as `EUR`, or a unit of internal charging), so that it
/// reads the same in a CSV field, a JSON string, a page and a figure's axis.
pub fn is_currency(c: &str) -> bool {
    let fine = |ch: char| ch.is_ascii_alphanumeric() || "$_-.".contains(ch);
    !c.is_empty() && c.len() <= MAX_CURRENCY_CHARS && c.chars().all(fine)
}

/// Usage prices (`[cost.usage]`, DESIGN.md 5), as message-queue services sell: per GB in and
/// out, per GB-month retained and per partition-hour, on the traffic map's features.
#[derive(Debug, Clone, PartialEq)]
pub struct UsagePrices {
    /// Per quantity ([`USAGE_FEATURES`]' order): the price per billed unit (0: not billed).
    pub price: [f64; USAGE_QUANTITIES],
    /// Per quantity, the index of its feature among the traffic map's features (`None`: the
    /// map has no such feature, and the quantity is not billed).
    pub feature: [Option<usize>; USAGE_QUANTITIES],
    /// The price per GB crossing zones (`cross_zone_per_gb`; 0: not billed), on what a
    /// model with replicas in zones counts (DESIGN.md 4.3b).
    pub cross_zone_per_gb: f64,
}

/// The keys of `[cost.usage]`, in [`USAGE_FEATURES`]' order.
pub const USAGE_KEYS: [&str; USAGE_QUANTITIES] = [
    "in_per_gb",
    "out_per_gb",
    "retained_per_gb_month",
    "partition_per_hour",
];

/// An SLO class's `sla`: one tier, or a list of them.
pub(super) enum RawSla {
    One(RawSlaTier),
    Tiers(Vec<S<RawSlaTier>>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSlaTier {
    availability: S<f64>,
    credit_rate: S<f64>,
}

impl<'de> Deserialize<'de> for RawSla {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OneOrMany;
        impl<'de> Visitor<'de> for OneOrMany {
            type Value = RawSla;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table { availability, credit_rate } or a list of such tables")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawSla, A::Error> {
                RawSlaTier::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawSla::One)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawSla, A::Error> {
                let mut tiers = vec![];
                while let Some(t) = seq.next_element()? {
                    tiers.push(t);
                }
                Ok(RawSla::Tiers(tiers))
            }
        }
        d.deserialize_any(OneOrMany)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUsage {
    in_per_gb: Option<S<f64>>,
    out_per_gb: Option<S<f64>>,
    retained_per_gb_month: Option<S<f64>>,
    partition_per_hour: Option<S<f64>>,
    cross_zone_per_gb: Option<S<f64>>,
}

impl Checker<'_> {
    /// A class's `sla`: its tiers ordered by availability, highest first (empty: none). Each
    /// availability in `(0, 1]` and distinct, each credit rate in `[0, 1]`, and a lower
    /// availability credits at least as much as a higher one, so that the tier an outage
    /// crosses last is the one that applies.
    pub(super) fn sla(&self, raw: Option<&S<RawSla>>) -> Result<Vec<SlaTier>, InputError> {
        let Some(raw) = raw else { return Ok(vec![]) };
        let spanned: Vec<(&RawSlaTier, std::ops::Range<usize>)> = match raw.get_ref() {
            RawSla::One(t) => vec![(t, raw.span())],
            RawSla::Tiers(list) => list.iter().map(|t| (t.get_ref(), t.span())).collect(),
        };
        if spanned.is_empty() {
            return Err(self.err(raw.span(), "`sla` must give at least one tier"));
        }
        if spanned.len() > MAX_SLA_TIERS {
            return Err(self.err(
                spanned[MAX_SLA_TIERS].1.clone(),
                format!("`sla` has more than {MAX_SLA_TIERS} tiers"),
            ));
        }
        let mut tiers: Vec<(SlaTier, &RawSlaTier)> = vec![];
        for (t, _) in &spanned {
            let availability = *t.availability.get_ref();
            if !(availability > 0.0 && availability <= 1.0) {
                return Err(self.err(
                    t.availability.span(),
                    format!(
                        "`sla.availability` must be in (0, 1], got {}",
                        show(availability)
                    ),
                ));
            }
            if tiers.iter().any(|(x, _)| x.availability == availability) {
                return Err(self.err(
                    t.availability.span(),
                    format!("`sla` has two tiers at availability {availability}"),
                ));
            }
            let credit_rate = self.within(&t.credit_rate, "sla.credit_rate", 0.0, 1.0)?;
            tiers.push((
                SlaTier {
                    availability,
                    credit_rate,
                },
                t,
            ));
        }
        tiers.sort_by(|a, b| b.0.availability.total_cmp(&a.0.availability));
        for pair in tiers.windows(2) {
            let (higher, lower) = (pair[0].0, pair[1].0);
            if lower.credit_rate < higher.credit_rate {
                return Err(self.err(
                    pair[1].1.credit_rate.span(),
                    format!(
                        "`sla`: the tier at availability {} credits {}, less than the {} of the tier at {}; a lower availability must credit at least as much",
                        lower.availability, lower.credit_rate, higher.credit_rate, higher.availability
                    ),
                ));
            }
        }
        Ok(tiers.into_iter().map(|(t, _)| t).collect())
    }

    /// `[cost] billing_days`, as seconds: a number of days from one step of `step` seconds (a
    /// period closes at most once a step) to [`MAX_BILLING_DAYS`] (30.4375 is a mean month),
    /// rounded to whole seconds; default [`DEFAULT_BILLING_DAYS`] (one step, for steps longer).
    pub(super) fn billing_seconds(
        &self,
        raw: Option<&S<f64>>,
        step: i64,
    ) -> Result<i64, InputError> {
        let Some(v) = raw else {
            return Ok(((DEFAULT_BILLING_DAYS * 86_400.0) as i64).max(step));
        };
        let days = *v.get_ref();
        let seconds = days * 86_400.0;
        // (NaN is refused too)
        if !(seconds.round() >= step as f64 && days <= MAX_BILLING_DAYS) {
            return Err(self.err(
                v.span(),
                format!(
                    "`billing_days` must be a number of days from one step ({step} s, {} days) to {}, got {}",
                    show(step as f64 / 86_400.0),
                    show(MAX_BILLING_DAYS),
                    show(days)
                ),
            ));
        }
        Ok(seconds.round() as i64)
    }

    /// `[cost] currency`: a name [`is_currency`] accepts.
    pub(super) fn currency(&self, raw: Option<&S<String>>) -> Result<Option<String>, InputError> {
        let Some(v) = raw else { return Ok(None) };
        let c = v.get_ref();
        if !is_currency(c) {
            return Err(self.err(
                v.span(),
                format!(
                    "`currency` must be 1 to {MAX_CURRENCY_CHARS} ASCII letters, digits or `$ _ - .` (such as \"EUR\"), got {}",
                    crate::error::shown(c)
                ),
            ));
        }
        Ok(Some(c.clone()))
    }

    /// `[cost.usage]`: a price per billed unit of each quantity (0 or a price), on the traffic
    /// map's features; without a traffic map, or a price on a feature the map does not name,
    /// an error at the key.
    pub(super) fn usage(
        &self,
        raw: Option<&S<RawUsage>>,
        traffic: Option<&Traffic>,
    ) -> Result<Option<UsagePrices>, InputError> {
        let Some(raw) = raw else { return Ok(None) };
        let Some(traffic) = traffic else {
            return Err(self.err(
                raw.span(),
                "`[cost.usage]` prices message-queue traffic, but the workload has no traffic map: add `[workload.traffic]`",
            ));
        };
        let u = raw.get_ref();
        let given = [
            &u.in_per_gb,
            &u.out_per_gb,
            &u.retained_per_gb_month,
            &u.partition_per_hour,
        ];
        let mut out = UsagePrices {
            price: [0.0; USAGE_QUANTITIES],
            feature: [None; USAGE_QUANTITIES],
            cross_zone_per_gb: 0.0,
        };
        if let Some(v) = &u.cross_zone_per_gb {
            out.cross_zone_per_gb = self.price(v, "usage.cross_zone_per_gb")?;
        }
        for q in 0..USAGE_QUANTITIES {
            out.feature[q] = traffic.features.iter().position(|f| f == USAGE_FEATURES[q]);
            let Some(v) = given[q] else { continue };
            let key = format!("usage.{}", USAGE_KEYS[q]);
            out.price[q] = self.price(v, &key)?;
            if out.feature[q].is_none() && out.price[q] > 0.0 {
                return Err(self.err(
                    v.span(),
                    format!(
                        "`{key}` bills the traffic feature `{}`, which the traffic map's `features` do not name ({})",
                        USAGE_FEATURES[q],
                        traffic.features.join(", ")
                    ),
                ));
            }
        }
        Ok(Some(out))
    }
}

impl super::Scenario {
    /// Whether some SLO class has an SLA: the outputs then carry credits and the margin after
    /// them.
    pub fn has_sla(&self) -> bool {
        self.slo.iter().any(|c| !c.sla.is_empty())
    }

    /// The printed tables' label of an amount per tenant: `EUR/tenant` in the scenario's
    /// currency, `$/tenant` when it names none.
    pub fn per_tenant_label(&self) -> String {
        format!("{}/tenant", self.cost.currency.as_deref().unwrap_or("$"))
    }

    /// The label of amounts in the outputs, `" (EUR)"` for the scenario's currency, when it
    /// names one; empty when it does not (amounts are unlabelled, as before currencies).
    pub fn money_label(&self) -> String {
        self.cost
            .currency
            .as_ref()
            .map_or(String::new(), |c| format!(" ({c})"))
    }
}

#[cfg(test)]
#[path = "billing_tests.rs"]
mod tests;
