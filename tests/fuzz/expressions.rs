//! The expression target: placer and predictor expressions mutated, parsed, printed back and
//! built, each predictor asked for a prediction.

use overbook::models::expr::Call;
use overbook::models::{placer, predictor};
use rand::seq::IndexedRandom;
use rand::Rng;

use super::harness::{run, Verdict};
use super::{mutate, show_bytes};

const EXPRESSIONS: &[&str] = &[
    "first-fit",
    "best-fit",
    "worst-fit",
    "first-fit-decreasing",
    "dot-product",
    "complementary-peaks",
    "random",
    "random(seed = 7)",
    "limit",
    "spec",
    "peak",
    "percentile(99)",
    "rc_like(99.5)",
    "n_sigma(3)",
    "per_node_percentile(95)",
    "max(rc_like(99), n_sigma(3))",
    "max(peak, max(percentile(50), limit))",
    "oracle(3600)",
];

fn check_expression(bytes: &[u8]) -> Result<Verdict, String> {
    use overbook::models::predictor::{NodeSample, Sample, TenantHistory};
    let text = String::from_utf8_lossy(bytes);
    let call = match Call::parse(&text) {
        Ok(c) => c,
        Err(e) => {
            return if e.offset <= text.len() {
                Ok(Verdict::Rejected)
            } else {
                Err(format!("error offset {} beyond the text", e.offset))
            }
        }
    };
    let again =
        Call::parse(&call.to_string()).map_err(|e| format!("`{call}` does not parse back: {e}"))?;
    if again != call {
        return Err(format!("`{call}` parses back as `{again}`"));
    }
    let _ = placer::build(&call, 1);
    if let Ok(p) = predictor::build(&call) {
        let sample = |used: f64, limit: f64| Sample { used, limit };
        let samples = [
            sample(0.5, 1e15),
            sample(2.0, 4.0),
            sample(1e15, 1e15),
            sample(0.0, 0.0),
        ];
        let warm = [
            TenantHistory {
                samples: &samples,
                peak_used: 1e15,
                limit: 1e15,
            },
            TenantHistory {
                samples: &samples[..1],
                peak_used: 0.5,
                limit: 4.0,
            },
        ];
        let sample = NodeSample {
            warm: &warm,
            cold_limits: 8.0,
            future_totals: &[1.0, 3.0],
        };
        let v = p.predict(&sample);
        if !v.is_finite() || !p.horizon_seconds().is_finite() {
            return Err(format!(
                "`{call}` predicts {v}, horizon {}",
                p.horizon_seconds()
            ));
        }
    }
    Ok(Verdict::Accepted)
}

#[test]
fn fuzz_expressions() {
    let seeds: Vec<Vec<u8>> = EXPRESSIONS.iter().map(|e| e.as_bytes().to_vec()).collect();
    run(
        "expression",
        5000,
        |rng| {
            let mut v = seeds.choose(rng).expect("seeds").clone();
            mutate::several(rng, 3, |rng| match rng.random_range(0..4) {
                0 => mutate::number(rng, &mut v),
                _ => mutate::bytes(rng, &mut v, &seeds),
            });
            v
        },
        |v| check_expression(v),
        |v| show_bytes(v),
    );
}
