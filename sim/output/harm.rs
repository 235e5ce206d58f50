//! `harm.csv` (DESIGN.md 4.6, 8): who harmed whom, pair by pair. Knows no other output file,
//! and nothing of how the engine attributes harm: it writes each model's
//! [`crate::engine::HarmPair`]s as they are.

use crate::engine::RunResult;
use crate::scenario::Scenario;

use super::csv_text::{into_text, num, writer};

/// `harm.csv`: who harmed whom (DESIGN.md 4.6), one row per model, harmer, victim and
/// resource with some harm, in model order, then harmer and victim in tenant order, then
/// resource order; self-harm rows have the harmer as victim, and a victim's row of harmers
/// not listed (past `[limits] max_harm_pairs`) has harmer `*` and comes last. The amounts are
/// the victim's interference loss attributed to the harmer, in unit-seconds.
pub fn harm_csv(s: &Scenario, run: &RunResult) -> String {
    let mut w = writer(["model", "harmer", "victim", "resource", "amount"]);
    for m in &run.models {
        for p in &m.harm {
            for (res, &amount) in s.resources.iter().zip(&p.amount) {
                if amount > 0.0 {
                    let harmer = match p.harmer {
                        crate::engine::HARM_OTHERS => "*",
                        h => &run.tenants.ids[h as usize],
                    };
                    w.write_record([
                        m.name.as_str(),
                        harmer,
                        &run.tenants.ids[p.victim as usize],
                        res.name.as_str(),
                        &num(amount),
                    ])
                    .expect("in memory");
                }
            }
        }
    }
    into_text(w)
}
