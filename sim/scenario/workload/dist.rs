//! The distributions of a generator's parameters: [`Dist`] and the check of a `{ dist = ...
//! }` table. How one is drawn is the generator's (`generate/`); nothing here draws.

use super::raw::RawDist;
use super::S;
use crate::error::InputError;
use crate::scenario::check::Checker;

/// A probability distribution of a generator parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always `value`.
    Constant(f64),
    /// Uniform on `[low, high)`.
    Uniform(f64, f64),
    /// Lognormal with the given median and log-sd `sigma`.
    LogNormal {
        /// Median, `exp(mu)`.
        median: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// Pareto with minimum `scale` and tail index `shape`.
    Pareto {
        /// Minimum value.
        scale: f64,
        /// Tail index (alpha).
        shape: f64,
    },
    /// Beta(a, b) on [0, 1].
    Beta(f64, f64),
    /// Exponential with the given mean.
    Exponential(f64),
    /// Normal(mean, sd).
    Normal(f64, f64),
}

impl Checker<'_> {
    pub(super) fn dist(&self, d: &RawDist, key: &str) -> Result<Dist, InputError> {
        let kind = d.dist.get_ref().as_str();
        let given: [(&str, &Option<S<f64>>); 11] = [
            ("value", &d.value),
            ("low", &d.low),
            ("high", &d.high),
            ("median", &d.median),
            ("sigma", &d.sigma),
            ("scale", &d.scale),
            ("shape", &d.shape),
            ("a", &d.a),
            ("b", &d.b),
            ("mean", &d.mean),
            ("sd", &d.sd),
        ];
        let wants: &[&str] = match kind {
            "constant" => &["value"],
            "uniform" => &["low", "high"],
            "lognormal" => &["median", "sigma"],
            "pareto" => &["scale", "shape"],
            "beta" => &["a", "b"],
            "exponential" => &["mean"],
            "normal" => &["mean", "sd"],
            other => {
                return Err(self.err(
                    d.dist.span(),
                    format!(
                        "{key}: unknown distribution `{other}`; known: constant, uniform, lognormal, pareto, beta, exponential, normal"
                    ),
                ))
            }
        };
        for (name, v) in given {
            if v.is_some() != wants.contains(&name) {
                return Err(self.err(
                    d.dist.span(),
                    format!("{key}: a {kind} distribution takes {}", wants.join(" and ")),
                ));
            }
        }
        let get = |name: &str| {
            given
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| v.as_ref())
                .expect("checked")
        };
        let pos = |name: &str| self.positive(get(name), &format!("{key}.{name}"));
        let nonneg = |name: &str| self.non_negative(get(name), &format!("{key}.{name}"));
        Ok(match kind {
            "constant" => Dist::Constant(nonneg("value")?),
            "uniform" => {
                let (lo, hi) = (nonneg("low")?, nonneg("high")?);
                if hi < lo {
                    return Err(self.err(
                        get("high").span(),
                        format!("{key}: `high` must be >= `low`"),
                    ));
                }
                Dist::Uniform(lo, hi)
            }
            "lognormal" => Dist::LogNormal {
                median: pos("median")?,
                sigma: nonneg("sigma")?,
            },
            "pareto" => Dist::Pareto {
                scale: pos("scale")?,
                shape: pos("shape")?,
            },
            "beta" => Dist::Beta(pos("a")?, pos("b")?),
            "exponential" => Dist::Exponential(pos("mean")?),
            _ => Dist::Normal(nonneg("mean")?, nonneg("sd")?),
        })
    }
}
