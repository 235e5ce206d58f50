//! Counters made rates and samples aligned to the step grid (DESIGN.md 3.5).
//!
//! Each series is a run of pieces, each a value over an interval of time: a counter's
//! increase between consecutive samples over their interval (a drop is a reset: the increase
//! is then the new value, as Prometheus's `rate()` and `increase()` count it), a Prometheus
//! gauge's value until its next sample, a delta's amount over its interval (the export's
//! least spacing) and zero in a missing interval, a Confluent gauge's value over its interval.
//! Nothing is extrapolated past a series' first or last sample, nor over a silence: samples
//! more than [`SILENCE_SPACINGS`] times the export's spacing apart bound no piece (a broker
//! down, a topic deleted and made again, a principal idle for long). A step's value of a series is
//! the mean of its pieces over the part of the step they cover; a tenant's value is the sum of
//! its series'. The grid starts at the export's first sample (its second), so samples on
//! their own grid fall one to a step. Knows no format.

use std::collections::HashMap;
use std::path::Path;

use super::{Gather, Kind, MetricsFormat, FEATURES};
use crate::error::InputError;
use crate::import::{no_samples, Table};
use crate::limits::{MAX_AMOUNT, MAX_METRIC_ROWS, MAX_STEPS, MAX_STEP_SECONDS};

/// Samples further apart than this many times the export's spacing are a silence: no piece
/// spans it.
pub(super) const SILENCE_SPACINGS: i64 = 10;

/// A series' pieces as `(start_ms, end_ms, value)`, a value per second for counters and
/// deltas; `interval_ms` is the length of a delta's and a Confluent gauge's interval; no
/// piece spans more than `silence_ms`.
fn pieces(
    kind: Kind,
    samples: &[(i64, f64)],
    interval_ms: Option<i64>,
    silence_ms: i64,
    mut piece: impl FnMut(i64, i64, f64),
) {
    for (i, &(t, v)) in samples.iter().enumerate() {
        let next = samples.get(i + 1).map(|s| s.0);
        match (kind, interval_ms) {
            (Kind::Counter, _) | (Kind::Gauge, None) => {
                let Some((t1, v1)) = samples.get(i + 1).copied() else {
                    break;
                };
                if t1 - t > silence_ms {
                    continue;
                }
                let value = match kind {
                    // a drop is a reset: the counter restarted from 0 and reached v1
                    Kind::Counter if v1 < v => v1 * 1000.0 / (t1 - t) as f64,
                    Kind::Counter => (v1 - v) * 1000.0 / (t1 - t) as f64,
                    _ => v,
                };
                piece(t, t1, value);
            }
            (Kind::Delta, _) | (Kind::Gauge, Some(_)) => {
                let g = interval_ms.unwrap_or(1).max(1);
                let end = next.map_or(t + g, |n| n.min(t + g));
                let value = if kind == Kind::Delta {
                    v * 1000.0 / g as f64
                } else {
                    v
                };
                piece(t, end, value);
                // a delta's missing interval is no traffic, unless the series falls silent
                if let Some(n) =
                    next.filter(|&n| kind == Kind::Delta && n > t + g && n - t <= silence_ms)
                {
                    piece(t + g, n, 0.0);
                }
            }
        }
    }
}

/// Spreads pieces over the steps `[origin + k step, origin + (k + 1) step)`: each step's
/// value is the mean of the pieces over the part of it they cover.
struct Spread {
    origin_ms: i64,
    step_ms: i64,
    at: Option<u64>,
    amount: f64,
    covered_ms: i64,
}

impl Spread {
    fn new(origin_ms: i64, step_ms: i64) -> Spread {
        Spread {
            origin_ms,
            step_ms,
            at: None,
            amount: 0.0,
            covered_ms: 0,
        }
    }

    fn add(
        &mut self,
        start: i64,
        end: i64,
        value: f64,
        emit: &mut impl FnMut(u64, f64) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        let mut a = start;
        while a < end {
            let k = ((a - self.origin_ms) / self.step_ms) as u64;
            let b = end.min(self.origin_ms + (k as i64 + 1) * self.step_ms);
            if self.at != Some(k) {
                self.flush(emit)?;
                self.at = Some(k);
            }
            self.amount += value * (b - a) as f64;
            self.covered_ms += b - a;
            a = b;
        }
        Ok(())
    }

    fn flush(
        &mut self,
        emit: &mut impl FnMut(u64, f64) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        if let Some(k) = self.at.take() {
            emit(k, self.amount / self.covered_ms as f64)?;
        }
        self.amount = 0.0;
        self.covered_ms = 0;
        Ok(())
    }
}

/// The least positive spacing of the times of the kept samples (the interval of a delta and of
/// a Confluent gauge); `None` when they are all at one time.
fn least_spacing(g: &Gather) -> Option<i64> {
    let mut times: Vec<i64> = g
        .series
        .iter()
        .flat_map(|s| s.samples.iter().map(|x| x.0))
        .collect();
    times.sort_unstable();
    times.dedup();
    times.windows(2).map(|w| w[1] - w[0]).min()
}

/// The median spacing of consecutive samples of a series, in milliseconds.
fn median_spacing(g: &Gather) -> Option<i64> {
    let mut gaps: Vec<i64> = g
        .series
        .iter()
        .flat_map(|s| s.samples.windows(2).map(|w| w[1].0 - w[0].0))
        .collect();
    if gaps.is_empty() {
        return None;
    }
    let mid = gaps.len() / 2;
    let (_, &mut m, _) = gaps.select_nth_unstable(mid);
    Some(m)
}

/// Milliseconds as whole seconds, rounded, at least 1.
fn seconds(ms: i64) -> i64 {
    ((ms + 500) / 1000).max(1)
}

/// The export's rows: each tenant's features at each step it covers, in a [`Table`] of the
/// features some series gives (times in Unix seconds), and the step in seconds.
pub(super) fn align(
    g: Gather,
    step: Option<i64>,
    source: &Path,
) -> Result<(Table, i64), InputError> {
    let Some(first_ms) = g
        .series
        .iter()
        .filter_map(|s| s.samples.first())
        .map(|x| x.0)
        .min()
    else {
        return Err(match g.warning() {
            Some(w) => InputError::file(source, format!("no series belongs to a tenant: {w}")),
            None => no_samples(source, "no samples found"),
        });
    };
    let origin_ms = first_ms.div_euclid(1000) * 1000;
    let confluent = g.format == MetricsFormat::Confluent;
    let needs_interval = confluent
        || g.series
            .iter()
            .any(|s| g.metric_at(s.metric).kind == Kind::Delta);
    let interval_ms = if needs_interval {
        Some(least_spacing(&g).ok_or_else(|| {
            InputError::file(
                source,
                "every sample of the export is at one time, so the interval of its amounts is unknown: export at least two intervals",
            )
        })?)
    } else {
        None
    };
    // the export's spacing: a Confluent export's interval, else the median spacing of
    // consecutive samples
    let spacing_ms = match (confluent, interval_ms) {
        (true, Some(i)) => i,
        _ => median_spacing(&g).ok_or_else(|| {
            InputError::file(
                source,
                "no series has two samples, and rates and levels hold from one sample to the next: export a longer window",
            )
        })?,
    };
    let silence_ms = spacing_ms.saturating_mul(SILENCE_SPACINGS);
    let step = step
        .unwrap_or(seconds(spacing_ms))
        .clamp(1, MAX_STEP_SECONDS);
    let step_ms = step * 1000;
    let last_ms = g
        .series
        .iter()
        .filter_map(|s| s.samples.last())
        .map(|x| x.0)
        .max()
        .unwrap_or(first_ms)
        + interval_ms.unwrap_or(0);
    let steps = (last_ms - origin_ms) / step_ms;
    if steps > MAX_STEPS as i64 {
        return Err(InputError::file(
            source,
            format!("the export spans {steps} steps of {step} s, more than the {MAX_STEPS} of a run: use a longer step"),
        ));
    }
    let mut index: HashMap<(u64, u32), usize> = HashMap::new();
    let mut cells: Vec<[f64; 5]> = vec![];
    let mut keys: Vec<(u64, u32)> = vec![];
    let mut present = [false; 5];
    for s in &g.series {
        let Some(tenant) = s.tenant else { continue };
        let metric = g.metric_at(s.metric);
        let feature = metric.feature;
        let interval = match metric.kind {
            Kind::Counter => None,
            Kind::Gauge if !confluent => None,
            _ => interval_ms,
        };
        let mut emit = |k: u64, v: f64| -> Result<(), InputError> {
            let next = cells.len();
            let c = *index.entry((k, tenant)).or_insert(next);
            if c == next {
                if next >= MAX_METRIC_ROWS {
                    return Err(InputError::file(
                        source,
                        format!("more than {MAX_METRIC_ROWS} rows (a tenant at a step), the most an export may give: use a longer step"),
                    ));
                }
                cells.push([0.0; 5]);
                keys.push((k, tenant));
            }
            cells[c][feature] += metric.convert(v);
            present[feature] = true;
            Ok(())
        };
        let mut spread = Spread::new(origin_ms, step_ms);
        let mut failed = Ok(());
        pieces(metric.kind, &s.samples, interval, silence_ms, |a, b, v| {
            if failed.is_ok() {
                failed = spread.add(a, b, v, &mut emit);
            }
        });
        failed?;
        spread.flush(&mut emit)?;
    }
    let columns: Vec<usize> = (0..FEATURES.len()).filter(|&f| present[f]).collect();
    let names: Vec<&str> = columns.iter().map(|&f| FEATURES[f]).collect();
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| {
        let (ka, ta) = keys[a];
        let (kb, tb) = keys[b];
        (ka, &g.tenants[ta as usize]).cmp(&(kb, &g.tenants[tb as usize]))
    });
    let mut table = Table::unix_without_spec(&names);
    let mut demand = vec![0.0; columns.len()];
    for c in order {
        let (k, tenant) = keys[c];
        let time = origin_ms / 1000 + k as i64 * step;
        for (d, &f) in demand.iter_mut().zip(&columns) {
            *d = cells[c][f];
            if *d > MAX_AMOUNT {
                return Err(InputError::file(
                    source,
                    format!(
                        "tenant `{}` has {} of {:e} at Unix time {time}, above the largest amount, {MAX_AMOUNT:e}",
                        g.tenants[tenant as usize], FEATURES[f], *d
                    ),
                ));
            }
        }
        table.push(time, &g.tenants[tenant as usize], "", &demand, &[]);
    }
    Ok((table, step))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces of a series and their spread over steps of `step_ms` from 0.
    fn steps(
        kind: Kind,
        samples: &[(i64, f64)],
        interval: Option<i64>,
        step_ms: i64,
    ) -> Vec<(u64, f64)> {
        let mut out = vec![];
        let mut emit = |k, v| {
            out.push((k, v));
            Ok(())
        };
        let mut spread = Spread::new(0, step_ms);
        let mut all = vec![];
        pieces(kind, samples, interval, i64::MAX, |a, b, v| {
            all.push((a, b, v))
        });
        for (a, b, v) in all {
            spread.add(a, b, v, &mut emit).unwrap();
        }
        spread.flush(&mut emit).unwrap();
        out
    }

    #[test]
    fn a_counter_with_a_reset_by_hand() {
        // bytes at 0, 60 and 120 s: 1e6, 61e6, then 30e6 (a drop: the broker restarted)
        let samples = [(0, 1e6), (60_000, 61e6), (120_000, 30e6)];
        // [0, 60): (61e6 - 1e6) / 60 s = 1e6 bytes/s; [60, 120): a reset, so the increase is
        // the new value, 30e6 / 60 s = 5e5 bytes/s; nothing after the last sample
        assert_eq!(
            steps(Kind::Counter, &samples, None, 60_000),
            [(0, 1e6), (1, 5e5)]
        );
        // one step of 120 s covers both intervals: (60e6 + 30e6) / 120 s = 7.5e5 bytes/s
        assert_eq!(steps(Kind::Counter, &samples, None, 120_000), [(0, 7.5e5)]);
        // steps of 40 s: [40, 80) takes 20 s at 1e6 and 20 s at 5e5, a mean of 7.5e5; [80,
        // 120) 5e5; a step is the mean over the part the pieces cover
        assert_eq!(
            steps(Kind::Counter, &samples, None, 40_000),
            [(0, 1e6), (1, 7.5e5), (2, 5e5)]
        );
    }

    #[test]
    fn no_piece_spans_a_silence() {
        // a spacing of 60 s: samples 1000 s apart (more than 10 x 60 s) bound no piece
        let mut all = vec![];
        let samples = [
            (0, 0.0),
            (60_000, 60.0),
            (1_060_000, 1060.0),
            (1_120_000, 1120.0),
        ];
        pieces(Kind::Counter, &samples, None, 600_000, |a, b, v| {
            all.push((a, b, v))
        });
        assert_eq!(all, [(0, 60_000, 1.0), (1_060_000, 1_120_000, 1.0)]);
        // a delta's missing intervals are zero up to the silence, none past it
        let mut all = vec![];
        let deltas = [(0, 60.0), (180_000, 60.0), (1_000_000, 60.0)];
        pieces(Kind::Delta, &deltas, Some(60_000), 600_000, |a, b, v| {
            all.push((a, b, v))
        });
        assert_eq!(
            all,
            [
                (0, 60_000, 1.0),
                (60_000, 180_000, 0.0),
                (180_000, 240_000, 1.0),
                (1_000_000, 1_060_000, 1.0)
            ]
        );
    }

    #[test]
    fn gauges_hold_and_deltas_divide_by_their_interval() {
        // a Prometheus gauge holds until its next sample: 10 over [0, 30), 40 over [30, 60);
        // a step of 60 s is their mean, 25; the last sample covers nothing
        let gauge = [(0, 10.0), (30_000, 40.0), (60_000, 7.0)];
        assert_eq!(steps(Kind::Gauge, &gauge, None, 60_000), [(0, 25.0)]);
        // deltas of 60 s: 600 bytes then, 120 s later, 1200: 10 bytes/s over [0, 60), none
        // over the missing interval [60, 120), 20 bytes/s over [120, 180)
        let delta = [(0, 600.0), (120_000, 1200.0)];
        assert_eq!(
            steps(Kind::Delta, &delta, Some(60_000), 60_000),
            [(0, 10.0), (1, 0.0), (2, 20.0)]
        );
        // a step of 180 s: (600 + 0 + 1200) / 180 s = 10 bytes/s
        assert_eq!(
            steps(Kind::Delta, &delta, Some(60_000), 180_000),
            [(0, 10.0)]
        );
        // a Confluent gauge covers its interval alone: 5 over [0, 60), 9 over [120, 180)
        assert_eq!(
            steps(
                Kind::Gauge,
                &[(0, 5.0), (120_000, 9.0)],
                Some(60_000),
                60_000
            ),
            [(0, 5.0), (2, 9.0)]
        );
    }
}
