//! The runner: seeded cases on a worker thread, each with a time limit, panics caught.
//!
//! Case `i` of target `name` draws its input from the random stream of `(seed, "fuzz NAME
//! case i")`, so a case is reproduced by its seed and index alone, whatever ran before it.
//! Each case runs on the target's worker thread (8 MiB of stack, as a main thread has) under
//! `catch_unwind`; the runner waits for it at most the case time limit. A panic, a hang (the
//! limit passed) or a failed check (a NaN in an output, an error without a place) fails the
//! test and prints the reproducer: the environment that reruns that case alone, and the input.
//!
//! Environment: `OVERBOOK_FUZZ_CASES` (cases per target, default per target),
//! `OVERBOOK_FUZZ_SECONDS` (run each target this long instead), `OVERBOOK_FUZZ_SEED` (base
//! seed, default 0x0B00C), `OVERBOOK_FUZZ_CASE` (run only this case index),
//! `OVERBOOK_FUZZ_TIMEOUT` (seconds per case, default 10), `OVERBOOK_FUZZ_SHOW` (print every
//! case's input and verdict, to minimize a reproducer).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;

/// What a case made of its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Parsed (and, end to end, run) with every check passing.
    Accepted,
    /// Refused with a located one-line error.
    Rejected,
    /// Valid but larger than the fuzz budget runs (counted, not run).
    Skipped,
}

/// A case's result as the worker reports it.
enum Outcome {
    Done(Verdict),
    Bad(String),
    Panicked(String),
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    let v = std::env::var(name).ok()?;
    Some(
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a valid value")),
    )
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Counts of one target's run, printed at its end.
#[derive(Debug, Default)]
pub struct Tally {
    /// Cases tried.
    pub cases: usize,
    /// Per verdict.
    pub accepted: usize,
    /// Refused with a located error.
    pub rejected: usize,
    /// Over the budget.
    pub skipped: usize,
}

impl Tally {
    /// Counts a case's verdict.
    fn count(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Accepted => self.accepted += 1,
            Verdict::Rejected => self.rejected += 1,
            Verdict::Skipped => self.skipped += 1,
        }
    }
}

/// What the environment sets of a run (see the module's doc), read in this order.
struct Settings {
    seed: u64,
    cases: usize,
    seconds: Option<f64>,
    only: Option<usize>,
    limit: Duration,
    show_all: bool,
}

impl Settings {
    fn from_env(default_cases: usize) -> Settings {
        Settings {
            seed: env("OVERBOOK_FUZZ_SEED").unwrap_or(0x0B00C),
            cases: env("OVERBOOK_FUZZ_CASES").unwrap_or(default_cases),
            seconds: env("OVERBOOK_FUZZ_SECONDS"),
            only: env("OVERBOOK_FUZZ_CASE"),
            limit: Duration::from_secs_f64(env("OVERBOOK_FUZZ_TIMEOUT").unwrap_or(10.0)),
            show_all: std::env::var_os("OVERBOOK_FUZZ_SHOW").is_some(),
        }
    }

    /// Whether case `i` runs, in a run that started at `started`: the one case asked for,
    /// else every case until the seconds pass, else the first `cases`.
    fn runs(&self, i: usize, started: Instant) -> bool {
        match (self.only, self.seconds) {
            (Some(o), _) => i == o,
            (None, Some(s)) => started.elapsed().as_secs_f64() < s,
            (None, None) => i < self.cases,
        }
    }
}

/// Starts target `name`'s worker thread (8 MiB of stack): it checks each input it receives
/// with `check` under `catch_unwind` and sends back the outcome, until either side is gone.
fn spawn_worker<T: Send + 'static>(
    name: &str,
    check: fn(&T) -> Result<Verdict, String>,
) -> (mpsc::Sender<T>, mpsc::Receiver<Outcome>) {
    let (to_worker, inbox) = mpsc::channel::<T>();
    let (to_runner, results) = mpsc::channel::<Outcome>();
    std::thread::Builder::new()
        .name(format!("fuzz-{name}"))
        .stack_size(8 << 20)
        .spawn(move || {
            for input in inbox {
                let outcome = match catch_unwind(AssertUnwindSafe(|| check(&input))) {
                    Ok(Ok(v)) => Outcome::Done(v),
                    Ok(Err(m)) => Outcome::Bad(m),
                    Err(p) => Outcome::Panicked(panic_message(p.as_ref())),
                };
                if to_runner.send(outcome).is_err() {
                    return;
                }
            }
        })
        .expect("the worker starts");
    (to_worker, results)
}

/// Prints case `i` of target `name`: how long it took (`ms`), its verdict and its input.
fn print_case(
    name: &str,
    i: usize,
    answer: &Result<Outcome, mpsc::RecvTimeoutError>,
    ms: f64,
    input: &str,
) {
    let verdict = match answer {
        Ok(Outcome::Done(v)) => format!("{v:?}"),
        Ok(Outcome::Bad(m)) => format!("failed: {m}"),
        Ok(Outcome::Panicked(m)) => format!("panicked: {m}"),
        Err(_) => "hung".into(),
    };
    println!("fuzz {name}: case {i} ({ms:.1} ms): {verdict}\ninput: {input}");
}

/// Runs target `name`: `default_cases` cases (or as the environment says), each input drawn
/// by `generate` from its case's stream and checked by `check` on the worker thread; `show`
/// prints an input for a reproducer. Panics (fails the test) on any panic, hang or failed
/// check, after printing every reproducer (at most five).
pub fn run<T: Clone + Send + 'static>(
    name: &str,
    default_cases: usize,
    mut generate: impl FnMut(&mut ChaCha8Rng) -> T,
    check: fn(&T) -> Result<Verdict, String>,
    show: fn(&T) -> String,
) -> Tally {
    let settings = Settings::from_env(default_cases);
    let (seed, limit) = (settings.seed, settings.limit);
    let (to_worker, results) = spawn_worker(name, check);
    // the test's own thread is named after it: the reproducer reruns that test alone
    let test = std::thread::current().name().unwrap_or("fuzz").to_string();
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut failures: Vec<String> = vec![];
    let (mut panics, mut hangs, mut bad) = (0, 0, 0);
    let mut i = settings.only.unwrap_or(0);
    loop {
        if !settings.runs(i, started) || failures.len() >= 5 {
            break;
        }
        let mut rng = overbook::generate::stream(seed, &format!("fuzz {name} case {i}"));
        let input = generate(&mut rng);
        let sent = Instant::now();
        to_worker.send(input.clone()).expect("the worker is alive");
        tally.cases += 1;
        let reproduce = || {
            format!(
                "reproduce: OVERBOOK_FUZZ_SEED={seed} OVERBOOK_FUZZ_CASE={i} cargo test --test integration {test} -- --exact --nocapture\ninput: {}",
                show(&input)
            )
        };
        let answer = results.recv_timeout(limit);
        if settings.show_all {
            let ms = sent.elapsed().as_secs_f64() * 1e3;
            print_case(name, i, &answer, ms, &show(&input));
        }
        match answer {
            Ok(Outcome::Done(verdict)) => tally.count(verdict),
            Ok(Outcome::Bad(m)) => {
                bad += 1;
                failures.push(format!("fuzz {name}: case {i}: {m}\n{}", reproduce()));
            }
            Ok(Outcome::Panicked(m)) => {
                panics += 1;
                failures.push(format!(
                    "fuzz {name}: case {i} panicked: {m}\n{}",
                    reproduce()
                ));
            }
            Err(_) => {
                // the worker is stuck in the case: nothing more can run on it
                hangs += 1;
                failures.push(format!(
                    "fuzz {name}: case {i} hung (no answer in {limit:?})\n{}",
                    reproduce()
                ));
                break;
            }
        }
        i += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "fuzz {name}: {} cases (seed {seed:#x}) in {seconds:.1} s: {} accepted, {} rejected, {} skipped; {panics} panics, {hangs} hangs, {bad} failed checks",
        tally.cases, tally.accepted, tally.rejected, tally.skipped,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    tally
}
