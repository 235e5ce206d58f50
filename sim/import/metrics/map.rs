//! The map of a metrics export (DESIGN.md 3.5): which series belong to which tenant, and
//! which metric gives which traffic feature in which unit.
//!
//! A map file (`--map tenants.toml`, or a scenario's `tenants`) holds `label` (the label
//! naming a series' topic or principal), `[match]` (pattern = tenant, by glob or, prefixed
//! `re:`, regular expression; the first match in file order wins; without it each topic or
//! principal is its own tenant), `ignore` (metrics to skip) and `[metrics.NAME]` (`feature`,
//! `kind`, `unit`, `scale`), over documented defaults for jmx_exporter's Kafka broker metrics
//! and Confluent Cloud's ([`BUILT_IN`]). Knows no export format.

use std::borrow::Cow;
use std::path::Path;

use indexmap::IndexMap;
use regex::Regex;
use serde::Deserialize;
use toml::Spanned as S;

use crate::error::{shown, InputError};
use crate::limits::{show, MAX_AMOUNT, MIN_DIVISOR};
use crate::scenario::{toml_error, DEFAULT_FEATURES};

/// The traffic features an export gives, in the order of a trace's columns (DESIGN.md 3.3):
/// produce and consume (MB/s), messages (per second), partitions and retained (GB).
pub const FEATURES: [&str; 5] = DEFAULT_FEATURES;

/// Features 0 to `RATES - 1` are rates per second; the others are levels.
const RATES: usize = 3;

/// The feature in GB rather than MB.
const RETAINED: usize = 4;

/// How a metric's samples become a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A counter: the increase between consecutive samples over their interval, a drop a
    /// reset (as Prometheus's `rate()` counts it).
    Counter,
    /// A gauge: taken as it is (a level, or a rate already).
    Gauge,
    /// An amount per interval (Confluent Cloud's metrics): divided by the interval.
    Delta,
}

/// The unit of a metric's values, converted to its feature's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Bytes (bytes/s to MB/s; bytes to GB for `retained`).
    Bytes,
    /// Megabytes (10^6 bytes).
    Megabytes,
    /// Gigabytes (10^9 bytes).
    Gigabytes,
    /// A count (messages, partitions), taken as it is.
    Count,
}

/// The default metrics: name, feature, kind, unit. jmx_exporter's Kafka broker metrics per
/// `topic` (and its quota metrics per `user`, with `lowercaseOutputName`), kafka_exporter's
/// partitions per topic, Confluent Cloud's Metrics API names.
pub const BUILT_IN: [(&str, &str, Kind, Unit); 12] = [
    (
        "kafka_server_brokertopicmetrics_bytesin_total",
        "produce",
        Kind::Counter,
        Unit::Bytes,
    ),
    (
        "kafka_server_brokertopicmetrics_bytesout_total",
        "consume",
        Kind::Counter,
        Unit::Bytes,
    ),
    (
        "kafka_server_brokertopicmetrics_messagesin_total",
        "messages",
        Kind::Counter,
        Unit::Count,
    ),
    ("kafka_log_log_size", "retained", Kind::Gauge, Unit::Bytes),
    (
        "kafka_topic_partitions",
        "partitions",
        Kind::Gauge,
        Unit::Count,
    ),
    (
        "kafka_server_produce_byte_rate",
        "produce",
        Kind::Gauge,
        Unit::Bytes,
    ),
    (
        "kafka_server_fetch_byte_rate",
        "consume",
        Kind::Gauge,
        Unit::Bytes,
    ),
    (
        "io.confluent.kafka.server/received_bytes",
        "produce",
        Kind::Delta,
        Unit::Bytes,
    ),
    (
        "io.confluent.kafka.server/sent_bytes",
        "consume",
        Kind::Delta,
        Unit::Bytes,
    ),
    (
        "io.confluent.kafka.server/received_records",
        "messages",
        Kind::Delta,
        Unit::Count,
    ),
    (
        "io.confluent.kafka.server/retained_bytes",
        "retained",
        Kind::Gauge,
        Unit::Bytes,
    ),
    (
        "io.confluent.kafka.server/partition_count",
        "partitions",
        Kind::Gauge,
        Unit::Count,
    ),
];

/// A metric the map reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Its name (a Prometheus metric, a Confluent metric).
    pub name: String,
    /// The index of its feature in [`FEATURES`].
    pub feature: usize,
    /// How its samples become the feature.
    pub kind: Kind,
    /// The unit of its values.
    pub unit: Unit,
    /// A multiplier of its values, before the unit is converted.
    pub scale: f64,
}

impl Metric {
    /// A value (or, for counters and deltas, a value per second) in its feature's unit: times
    /// `scale`, then bytes/s to MB/s divided by 10^6, bytes to GB by 10^9 (divided, so that
    /// decimal amounts convert exactly).
    pub fn convert(&self, value: f64) -> f64 {
        let retained = self.feature == RETAINED;
        let v = value * self.scale;
        match (self.unit, retained) {
            (Unit::Bytes, false) => v / 1e6,
            (Unit::Bytes, true) => v / 1e9,
            (Unit::Megabytes, true) => v / 1e3,
            (Unit::Gigabytes, false) => v * 1e3,
            (Unit::Megabytes, false) | (Unit::Gigabytes, true) | (Unit::Count, _) => v,
        }
    }
}

/// A pattern of the map: a name, a glob (`*` any characters, `?` one) or a regular expression.
#[derive(Debug, Clone)]
enum Pattern {
    Exact(String),
    Glob(Regex),
    Regex(Regex),
}

impl Pattern {
    /// `re:EXPR` is a regular expression (found anywhere unless anchored); text with `*` or
    /// `?` a glob (the whole name); other text the name itself.
    fn parse(text: &str) -> Result<Pattern, String> {
        if let Some(expr) = text.strip_prefix("re:") {
            return Regex::new(expr).map(Pattern::Regex).map_err(|e| {
                let why = e.to_string();
                let last = why.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
                format!(
                    "`{}` is not a regular expression: {}",
                    shown(expr),
                    last.trim().trim_start_matches("error: ")
                )
            });
        }
        if text.is_empty() {
            return Err("a pattern must not be empty".into());
        }
        if !text.contains(['*', '?']) {
            return Ok(Pattern::Exact(text.to_string()));
        }
        let mut expr = String::from("(?s)^");
        for c in text.chars() {
            match c {
                '*' => expr.push_str(".*"),
                '?' => expr.push('.'),
                c => expr.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
            }
        }
        expr.push('$');
        Regex::new(&expr)
            .map(Pattern::Glob)
            .map_err(|e| format!("`{}` is not a glob: {e}", shown(text)))
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Exact(e) => e == name,
            Pattern::Glob(r) | Pattern::Regex(r) => r.is_match(name),
        }
    }
}

/// One line of `[match]`: a pattern and its tenant (`$1`, `${name}`: a regular expression's
/// groups).
#[derive(Debug, Clone)]
struct Rule {
    pattern: Pattern,
    tenant: String,
}

/// What a metric's name is to the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The metric at this index of [`MetricMap::metrics`].
    Metric(usize),
    /// A metric the map ignores.
    Ignored,
    /// A metric the map does not know.
    Unknown,
}

/// A map of a metrics export, checked.
#[derive(Debug, Clone)]
pub struct MetricMap {
    label: Option<String>,
    rules: Vec<Rule>,
    ignore: Vec<Pattern>,
    metrics: Vec<Metric>,
    /// How messages name the map.
    name: String,
}

/// The raw map, as a file or a scenario's `[workload.tenants]` says it, with spans.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMap {
    label: Option<S<String>>,
    #[serde(rename = "match")]
    rules: Option<IndexMap<String, S<String>>>,
    ignore: Option<Vec<S<String>>>,
    metrics: Option<IndexMap<String, S<RawMetric>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    feature: Option<S<String>>,
    kind: Option<S<String>>,
    unit: Option<S<String>>,
    scale: Option<S<f64>>,
}

/// Checks a tenant id a rule gives: not empty, no surrounding spaces, no control characters
/// (what a trace's tenant column reads back).
pub(super) fn tenant_id(tenant: &str) -> Result<(), String> {
    if tenant.is_empty() || tenant.trim() != tenant || tenant.chars().any(char::is_control) {
        Err(format!(
            "expected a tenant id (not empty, without surrounding spaces or control characters), found `{}`",
            shown(tenant)
        ))
    } else {
        Ok(())
    }
}

impl MetricMap {
    /// The defaults alone: each topic or principal its own tenant, the [`BUILT_IN`] metrics.
    pub fn builtin() -> MetricMap {
        MetricMap {
            label: None,
            rules: vec![],
            ignore: vec![],
            metrics: BUILT_IN
                .iter()
                .map(|&(name, feature, kind, unit)| Metric {
                    name: name.to_string(),
                    feature: FEATURES
                        .iter()
                        .position(|f| *f == feature)
                        .expect("a feature"),
                    kind,
                    unit,
                    scale: 1.0,
                })
                .collect(),
            name: "the default map".into(),
        }
    }

    /// Reads and checks a map file (TOML, at most [`crate::files::MAX_TEXT_BYTES`]).
    pub fn load(path: &Path) -> Result<MetricMap, InputError> {
        let text = crate::files::read_text(
            path,
            "cannot read the tenant map",
            crate::files::MAX_TEXT_BYTES,
        )?;
        let raw: RawMap = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
        MetricMap::check(&raw, path, &text, &path.display().to_string())
    }

    /// Checks `raw`, read from `text` of `path` (spans locate its errors); `name` names the map
    /// in messages.
    pub(crate) fn check(
        raw: &RawMap,
        path: &Path,
        text: &str,
        name: &str,
    ) -> Result<MetricMap, InputError> {
        let err = |span: std::ops::Range<usize>, m: String| {
            InputError::at_offset(path, text, span.start, m)
        };
        let mut map = MetricMap::builtin();
        map.name = name.to_string();
        if let Some(l) = &raw.label {
            if l.get_ref().is_empty() {
                return Err(err(l.span(), "`label` must name a label".into()));
            }
            map.label = Some(l.get_ref().clone());
        }
        for (pattern, tenant) in raw.rules.iter().flatten() {
            let at = |m: String| err(tenant.span(), format!("`match.{}`: {m}", shown(pattern)));
            let pattern = Pattern::parse(pattern).map_err(at)?;
            let literal = !matches!(pattern, Pattern::Regex(_)) || !tenant.get_ref().contains('$');
            if literal {
                tenant_id(tenant.get_ref()).map_err(at)?;
            }
            map.rules.push(Rule {
                pattern,
                tenant: tenant.get_ref().clone(),
            });
        }
        for p in raw.ignore.iter().flatten() {
            let pattern =
                Pattern::parse(p.get_ref()).map_err(|m| err(p.span(), format!("`ignore`: {m}")))?;
            map.ignore.push(pattern);
        }
        for (name, m) in raw.metrics.iter().flatten() {
            let at = |span, what: String| err(span, format!("`metrics.{}`: {what}", shown(name)));
            if name.is_empty() {
                return Err(at(m.span(), "a metric name must not be empty".into()));
            }
            let metric = map.metric_entry(name, m.get_ref(), &|span, what| at(span, what))?;
            let metric = metric.ok_or_else(|| {
                at(
                    m.span(),
                    "a metric the defaults do not know needs `feature`, `kind` and `unit`".into(),
                )
            })?;
            match map.metrics.iter().position(|x| x.name == *name) {
                Some(i) => map.metrics[i] = metric,
                None => map.metrics.push(metric),
            }
        }
        Ok(map)
    }

    /// The metric `name` as `raw` gives it over its default: `None` for a metric without a
    /// default that leaves out a key.
    fn metric_entry(
        &self,
        name: &str,
        raw: &RawMetric,
        at: &dyn Fn(std::ops::Range<usize>, String) -> InputError,
    ) -> Result<Option<Metric>, InputError> {
        let default = self.metrics.iter().find(|x| x.name == name);
        let feature = match &raw.feature {
            Some(f) => FEATURES
                .iter()
                .position(|x| x == f.get_ref())
                .ok_or_else(|| {
                    at(
                        f.span(),
                        format!(
                            "unknown feature `{}`; features: {}",
                            shown(f.get_ref()),
                            FEATURES.join(", ")
                        ),
                    )
                })?,
            None => match default {
                Some(d) => d.feature,
                None => return Ok(None),
            },
        };
        let kind = match &raw.kind {
            Some(k) => match k.get_ref().as_str() {
                "counter" => Kind::Counter,
                "gauge" => Kind::Gauge,
                "delta" => Kind::Delta,
                other => {
                    return Err(at(
                        k.span(),
                        format!(
                            "unknown kind `{}`; kinds: counter, gauge, delta",
                            shown(other)
                        ),
                    ))
                }
            },
            None => match default {
                Some(d) => d.kind,
                None => return Ok(None),
            },
        };
        let unit = match &raw.unit {
            Some(u) => match u.get_ref().as_str() {
                "bytes" => Unit::Bytes,
                "megabytes" => Unit::Megabytes,
                "gigabytes" => Unit::Gigabytes,
                "count" => Unit::Count,
                other => {
                    return Err(at(
                        u.span(),
                        format!(
                            "unknown unit `{}`; units: bytes, megabytes, gigabytes, count",
                            shown(other)
                        ),
                    ))
                }
            },
            None => match default {
                Some(d) => d.unit,
                None => return Ok(None),
            },
        };
        let scale = match &raw.scale {
            Some(s) if (MIN_DIVISOR..=MAX_AMOUNT).contains(s.get_ref()) => *s.get_ref(),
            Some(s) => {
                return Err(at(
                    s.span(),
                    format!(
                        "`scale` must be a number in [{}, {}], got {}",
                        show(MIN_DIVISOR),
                        show(MAX_AMOUNT),
                        show(*s.get_ref())
                    ),
                ))
            }
            None => default.map_or(1.0, |d| d.scale),
        };
        let span = |o: &Option<S<String>>| o.as_ref().map_or(0..0, |s| s.span());
        if feature >= RATES && kind != Kind::Gauge {
            return Err(at(
                span(&raw.kind).start.max(span(&raw.feature).start)..0,
                format!(
                    "`{}` is a level, which only a gauge gives; counters and deltas give rates (produce, consume, messages)",
                    FEATURES[feature]
                ),
            ));
        }
        let bytes = unit != Unit::Count;
        if bytes != (feature < 2 || feature == RETAINED) {
            let what = if bytes {
                "a count, not bytes: give `unit = \"count\"`"
            } else {
                "in bytes: give `unit = \"bytes\"`, `\"megabytes\"` or `\"gigabytes\"`"
            };
            return Err(at(
                span(&raw.unit).start.max(span(&raw.feature).start)..0,
                format!("`{}` is {what}", FEATURES[feature]),
            ));
        }
        Ok(Some(Metric {
            name: name.to_string(),
            feature,
            kind,
            unit,
            scale,
        }))
    }

    /// What the map makes of the metric `name` (or a file named after it: a Confluent
    /// metric's last part, `received_bytes` for `io.confluent.kafka.server/received_bytes`).
    pub fn lookup(&self, name: &str) -> Lookup {
        if self.ignore.iter().any(|p| p.matches(name)) {
            return Lookup::Ignored;
        }
        let short = |m: &Metric| m.name.rsplit('/').next() == Some(name);
        match self.metrics.iter().position(|m| m.name == name) {
            Some(i) => Lookup::Metric(i),
            None => self
                .metrics
                .iter()
                .position(short)
                .map_or(Lookup::Unknown, Lookup::Metric),
        }
    }

    /// The metrics the map reads.
    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    /// The labels that name a series' topic or principal, tried in order: the map's `label`,
    /// else `defaults`.
    pub fn labels<'a>(&'a self, defaults: &'a [&'a str]) -> Vec<&'a str> {
        match &self.label {
            Some(l) => vec![l.as_str()],
            None => defaults.to_vec(),
        }
    }

    /// The tenant of the topic or principal `key`: the first rule that matches (a regular
    /// expression's groups expanded), `key` itself when the map has no rules, `None` when no
    /// rule matches.
    pub fn tenant<'k>(&self, key: &'k str) -> Option<Cow<'k, str>> {
        if self.rules.is_empty() {
            return Some(Cow::Borrowed(key));
        }
        let rule = self.rules.iter().find(|r| r.pattern.matches(key))?;
        match &rule.pattern {
            Pattern::Regex(r) if rule.tenant.contains('$') => {
                let caps = r.captures(key)?;
                let mut out = String::new();
                caps.expand(&rule.tenant, &mut out);
                Some(Cow::Owned(out))
            }
            _ => Some(Cow::Owned(rule.tenant.clone())),
        }
    }

    /// How messages name the map (its file, or the scenario's section).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The names of the metrics it reads, for messages.
    pub fn known(&self) -> String {
        let names: Vec<&str> = self.metrics.iter().map(|m| m.name.as_str()).collect();
        names.join(", ")
    }
}

#[cfg(test)]
mod tests;
