//! The `overbook` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use overbook::engine::{self, RunResult};
use overbook::files::{self, OutputDir};
use overbook::scenario::{Input, Scenario};
use overbook::{import, input, output, plan, predict, regress, report, sweep, trace};

mod alloc;

/// Prints to stdout. A closed pipe (`overbook run ... | head`) ends the program quietly
/// with success instead of a panic: everything was written before anything is printed.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

/// [`say!`] with a newline.
macro_rules! sayln {
    ($($arg:tt)*) => {{
        say!($($arg)*);
        say!("\n");
    }};
}

/// Multi-tenant capacity simulator and oversubscription planner.
#[derive(Parser)]
#[command(name = "overbook", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a scenario on its placement models and write summary.json, tenants.csv, nodes.csv.
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output directory [default: the scenario's `output.dir`, else output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario and its whole trace without simulating.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Replay the trace's own placement (its `node` column) and score every peak predictor:
    /// writes predictions.csv and a `predictions` section in summary.json.
    Predict {
        /// The scenario file (TOML); its `[predict]` section sets the predictors.
        scenario: PathBuf,
        /// Output directory [default: the scenario's `output.dir`, else output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run every model under every placer and predictor of the scenario's `[compare]`
    /// section; prints one table and writes placers.csv.
    Compare {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output directory [default: the scenario's `output.dir`, else output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Run the scenario over a grid of values of one or more keys, each point replicated with
    /// its own seed, all in parallel; writes sweep.csv.
    Sweep {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// A key and its values: KEY=A:B:STEP (inclusive) or KEY=v1,v2,...; repeat for a grid.
        #[arg(long = "set", required = true)]
        set: Vec<String>,
        /// Replications per point (new generator seeds, or day bootstraps of a trace).
        #[arg(long, default_value_t = 1)]
        replications: usize,
        /// Confidence of the violation-rate interval.
        #[arg(long, default_value_t = 0.95)]
        confidence: f64,
        /// Output directory [default: the scenario's `output.dir`, else output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Find, per model, the knob value of [planner] with the highest oversubscription (or
    /// lowest cost) whose violation rate meets the target with the configured confidence;
    /// writes plan.csv.
    Plan {
        /// The scenario file (TOML) with a [planner] section.
        scenario: PathBuf,
        /// Output directory [default: the scenario's `output.dir`, else output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Rebuild report.html from the outputs already in a directory (replacing that file alone).
    Report {
        /// An output directory written by run, plan or sweep.
        dir: PathBuf,
    },
    /// Run a suite of scenarios into a scorecard and compare it with a baseline: exit 0 (no
    /// regression), 1 (regression) or 2 (error).
    Regress {
        /// A directory of scenarios (*.toml), e.g. scenarios/regression.
        suite: PathBuf,
        /// The baseline scorecard (JSON).
        #[arg(long)]
        baseline: PathBuf,
        /// Allowed worsening of a metric: METRIC=X, relative for nodes and cost_per_tenant,
        /// absolute for utilization, violation_rate and interference_loss. Repeatable.
        #[arg(long)]
        tolerance: Vec<String>,
        /// Also write JUnit XML here.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Rewrite the baseline with this run's scorecard instead of comparing.
        #[arg(long)]
        bless: bool,
    },
    /// Benchmark: read the scenario's input into memory (timed), then replay it from memory
    /// column by column, once per model (the best of three runs); prints one JSON object.
    /// Used by benches/bench.sh.
    Bench {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Convert a public utilization trace (Bitbrains, PlanetLab, Google 2019, Azure V2) into
    /// Overbook's trace format.
    Import {
        /// The source format.
        #[arg(value_enum)]
        format: import::Format,
        /// The file or directory to read (`.gz` files are read directly).
        source: PathBuf,
        /// The trace file to write.
        #[arg(long)]
        out: PathBuf,
        /// Keep only these demand columns, comma-separated (default: all the format has).
        #[arg(long, value_delimiter = ',')]
        resources: Option<Vec<String>>,
        /// PlanetLab: cores of the machine the percentages refer to.
        #[arg(long, default_value_t = 1.0)]
        cores: f64,
        /// Azure: the VM table (vmtable.csv), for core counts and memory.
        #[arg(long)]
        vm_table: Option<PathBuf>,
        /// Google: multiplier from normalized CPU units to cores.
        #[arg(long, default_value_t = 1.0)]
        cpu_scale: f64,
        /// Google: multiplier from normalized memory units to GiB.
        #[arg(long, default_value_t = 1.0)]
        memory_scale: f64,
    },
    /// Write a scenario's generated population as a trace CSV (replaying it gives the same
    /// results as running the scenario).
    Gen {
        /// A scenario with a `[workload.generator]`.
        scenario: PathBuf,
        /// The trace file to write.
        #[arg(long)]
        out: PathBuf,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
    },
}

fn main() -> ExitCode {
    alloc::fix_mmap_threshold();
    let cli = Cli::parse();
    // `regress` keeps 1 for "regression found", so its errors exit 2
    let error_code = if matches!(cli.command, Command::Regress { .. }) {
        2
    } else {
        1
    };
    let result = match cli.command {
        Command::Regress {
            suite,
            baseline,
            tolerance,
            junit,
            bless,
        } => regress(&suite, &baseline, &tolerance, junit.as_deref(), bless),
        command => run(Cli { command }).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            ExitCode::from(error_code)
        }
    }
}

/// Prints `e` and its causes as one line on stderr (control characters escaped, echoed input
/// cut short: `error::one_line`). A stderr that cannot be written (closed, a pipe nobody
/// reads, a full device) is ignored: the exit code still tells.
fn report_error(e: &anyhow::Error) {
    use std::io::Write as _;
    let mut line = format!("error: {e}");
    for cause in e.chain().skip(1) {
        line.push_str(": ");
        line.push_str(&cause.to_string());
    }
    let line = overbook::error::one_line(&line);
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Stages the output directory `dir` (recovering what a killed command left there), runs
/// `write` on the stage and swaps it into place; errors name the files as they will be in
/// `dir`. Every command that writes a directory writes it through here.
fn write_dir(dir: &Path, write: impl FnOnce(&OutputDir) -> Result<()>) -> Result<()> {
    let context = || format!("cannot write the outputs to {}", dir.display());
    let stage = OutputDir::begin(dir).with_context(context)?;
    let named = |e: anyhow::Error| anyhow::anyhow!(stage.explain(&format!("{e:#}")));
    // what the command writes names its files, and its input errors name theirs
    write(&stage).map_err(named)?;
    stage.commit().with_context(context)
}

/// Finishes or undoes what a killed command left at the output directory `dir`, before a
/// command that writes there does anything else (see `files::recover`).
fn recover(dir: &Path) -> Result<()> {
    files::recover(dir).with_context(|| format!("cannot write the outputs to {}", dir.display()))
}

fn regress(
    suite: &Path,
    baseline: &Path,
    tolerance: &[String],
    junit: Option<&Path>,
    bless: bool,
) -> Result<ExitCode> {
    let tolerance: std::collections::BTreeMap<String, f64> = tolerance
        .iter()
        .map(|t| regress::parse_tolerance(t))
        .collect::<Result<_, _>>()
        .map_err(anyhow::Error::msg)?;
    let card = regress::run_suite(suite)?;
    let entries: usize = card.values().map(|v| v.len()).sum();
    if bless {
        output::write_atomic(baseline, regress::to_json(&card).as_bytes())
            .with_context(|| format!("cannot write {}", baseline.display()))?;
        sayln!(
            "blessed {}: {} scenarios, {entries} entries",
            baseline.display(),
            card.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let base = regress::read_baseline(baseline)?;
    let cmp = regress::compare(&base, &card, &tolerance);
    if let Some(path) = junit {
        output::write_atomic(path, regress::junit(&card, &cmp).as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    for f in &cmp.regressions {
        sayln!("{}", regress::describe(f));
    }
    for m in &cmp.missing {
        sayln!("MISSING {m}: in the baseline but not in this run");
    }
    for n in &cmp.new {
        sayln!("new {n}: not in the baseline (bless to add it)");
    }
    if cmp.regressions.is_empty() && cmp.missing.is_empty() {
        sayln!(
            "no regression: {} entries within tolerance of {}",
            cmp.compared,
            baseline.display()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        sayln!(
            "{} regressions, {} missing, of {} entries compared",
            cmp.regressions.len(),
            cmp.missing.len(),
            cmp.compared
        );
        Ok(ExitCode::from(1))
    }
}

/// A pool of `threads` worker threads (default: all cores).
fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        anyhow::ensure!(n >= 1, "--threads must be at least 1");
        pool = pool.num_threads(n);
    }
    pool.build().context("cannot start the worker threads")
}

/// Runs the scenario's models on `threads` worker threads (default: all cores).
fn simulate_on(s: &Scenario, threads: Option<usize>) -> Result<RunResult> {
    pool(threads)?.install(|| simulate(s, false))
}

/// Builds the report and its figures (`plots/`, made anew) in the staged output directory.
fn build_report(stage: &OutputDir) -> Result<()> {
    stage.fresh("plots")?;
    report::build_with_plots(stage.path(), stage.target()).map_err(anyhow::Error::msg)?;
    Ok(())
}

/// `--out`, else the scenario's `output.dir`, else `output/<scenario name>`.
fn output_dir(s: &Scenario, out: Option<PathBuf>) -> PathBuf {
    out.or_else(|| s.output_dir.clone())
        .unwrap_or_else(|| Path::new("output").join(&s.name))
}

fn simulate(scenario: &Scenario, validate_only: bool) -> Result<RunResult> {
    let mut source = input::open(scenario)?;
    let options = engine::Options {
        validate_only,
        ..engine::Options::default()
    };
    // a run reads its input on its own thread while the models step (and the engine reads
    // the blocks without a virtual call per field); validation is the reading alone
    Ok(if validate_only {
        engine::run(scenario, source.as_mut(), options)?
    } else {
        engine::run(
            scenario,
            &mut overbook::pipeline::Pipelined::new(source),
            options,
        )?
    })
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run {
            scenario,
            out,
            seed,
            threads,
            quiet,
        } => {
            let mut s = Scenario::load(&scenario)?;
            if let Some(seed) = seed {
                s.seed = seed;
            }
            let dir = output_dir(&s, out);
            recover(&dir)?;
            let result = simulate_on(&s, threads)?;
            let printed = (!quiet).then(|| {
                format!(
                    "{}{}{} tenants, {} steps of {} s; wrote summary.json, tenants.csv, nodes.csv, harm.csv, pricing.csv, timeseries.csv, report.html to {}",
                    output::table(&s, &result),
                    output::pricing(&s, &result).1,
                    result.tenants.len(),
                    result.steps,
                    s.step,
                    dir.display()
                )
            });
            write_dir(&dir, |stage| {
                output::write_all(stage.path(), &s, &result)?;
                // the report reads the files alone: the run's results need not stay in memory
                drop(result);
                build_report(stage)
            })?;
            if let Some(text) = printed {
                sayln!("{text}");
            }
            Ok(())
        }
        Command::Validate { scenario } => {
            let s = Scenario::load(&scenario)?;
            let result = simulate(&s, true)?;
            let input = match &s.workload.input {
                Input::Trace(path) => format!("trace {}", path.display()),
                Input::Generator(_) => "generator".to_string(),
            };
            sayln!(
                "{}: ok: {} resources, {} node types, {} models; {input}: {} rows, {} tenants, {} steps of {} s",
                scenario.display(),
                s.resources.len(),
                s.catalog.len(),
                s.models.len(),
                result.rows,
                result.tenants.len(),
                result.steps,
                s.step
            );
            Ok(())
        }
        Command::Predict { scenario, out } => {
            let s = Scenario::load(&scenario)?;
            let dir = output_dir(&s, out);
            recover(&dir)?;
            let mut source = input::open(&s)?;
            // the rows are written into the staged directory as they are replayed: a bad row
            // leaves the output directory as it was
            let mut result = None;
            write_dir(&dir, |stage| {
                let r = predict::run(&s, source.as_mut(), &stage.path().join("predictions.csv"))?;
                output::merge_predictions(stage.path(), &s, output::predictions_json(&s, &r))?;
                result = Some(r);
                Ok(())
            })?;
            let result = result.expect("written");
            say!("{}", output::predictions_table(&result));
            sayln!(
                "{} nodes, {} steps; wrote predictions.csv ({} rows) and summary.json to {}",
                result.nodes,
                result.steps,
                result.rows,
                dir.display()
            );
            Ok(())
        }
        Command::Compare {
            scenario,
            out,
            threads,
        } => {
            let mut s = Scenario::load(&scenario)?;
            for warning in output::compare_warnings(&s) {
                eprintln!("warning: {warning}");
            }
            let variants = s.compare_variants();
            s.models = variants;
            let dir = output_dir(&s, out);
            recover(&dir)?;
            let result = simulate_on(&s, threads)?;
            let (csv, table) = output::compare_outputs(&s, &result);
            write_dir(&dir, |stage| {
                Ok(output::write_atomic(
                    &stage.path().join("placers.csv"),
                    csv.as_bytes(),
                )?)
            })?;
            say!("{table}");
            sayln!(
                "{} variants; wrote placers.csv to {}",
                s.models.len(),
                dir.display()
            );
            Ok(())
        }
        Command::Sweep {
            scenario,
            set,
            replications,
            confidence,
            out,
            threads,
        } => {
            anyhow::ensure!(
                confidence > 0.0 && confidence < 1.0,
                "--confidence must be in (0, 1)"
            );
            let text = Scenario::read(&scenario)?;
            let base = Scenario::parse(&scenario, &text)?;
            let dir = output_dir(&base, out);
            recover(&dir)?;
            let axes = set
                .iter()
                .map(|a| sweep::Axis::parse(a))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            sweep::check_size(&axes, replications).map_err(anyhow::Error::msg)?;
            let keys: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
            let pool = pool(threads)?;
            let points = pool.install(|| sweep::sweep(&scenario, &text, &axes, replications))?;
            let csv = output::sweep_csv(&base, &keys, &points, confidence);
            write_dir(&dir, |stage| {
                output::write_atomic(&stage.path().join("sweep.csv"), csv.as_bytes())?;
                build_report(stage)
            })?;
            sayln!(
                "{} points x {} replications; wrote sweep.csv to {}",
                points.len(),
                replications,
                dir.display()
            );
            Ok(())
        }
        Command::Plan {
            scenario,
            out,
            threads,
        } => {
            let text = Scenario::read(&scenario)?;
            let s = Scenario::parse(&scenario, &text)?;
            let dir = output_dir(&s, out);
            recover(&dir)?;
            let plans = pool(threads)?.install(|| plan::plan(&scenario, &text, &s))?;
            let (csv, summary) = output::plan_outputs(&s, &plans);
            write_dir(&dir, |stage| {
                output::write_atomic(&stage.path().join("plan.csv"), csv.as_bytes())?;
                build_report(stage)
            })?;
            say!("{summary}");
            sayln!("wrote plan.csv to {}", dir.display());
            Ok(())
        }
        Command::Report { dir } => {
            files::recover_in_place(&dir)
                .with_context(|| format!("cannot write the report in {}", dir.display()))?;
            let path = report::build(&dir).map_err(anyhow::Error::msg)?;
            sayln!("wrote {}", path.display());
            Ok(())
        }
        Command::Regress { .. } => unreachable!("handled in main"),
        Command::Bench { scenario } => {
            let s = Scenario::load(&scenario)?;
            let started = std::time::Instant::now();
            let trace = overbook::memtrace::MemTrace::read(input::open(&s)?.as_mut())?;
            let ingest = started.elapsed().as_secs_f64();
            let rows = trace.len() as f64;
            // rows per second of the best of three replays from the first row (results are
            // dropped inside the timing, as a run would)
            let rate = |s: &Scenario, options: engine::Options| -> Result<f64> {
                let mut best = f64::INFINITY;
                for _ in 0..3 {
                    let t = std::time::Instant::now();
                    drop(engine::run(s, &mut trace.source(), options)?);
                    best = best.min(t.elapsed().as_secs_f64());
                }
                Ok((rows / best).round())
            };
            // the event loop alone: rows to tenants, arrivals and departures, no model
            let driver = rate(
                &s,
                engine::Options {
                    validate_only: true,
                    ..engine::Options::default()
                },
            )?;
            let mut replay = serde_json::Map::new();
            for m in &s.models {
                let mut one = s.clone();
                one.models.retain(|x| x.name == m.name);
                let r = rate(&one, engine::Options::default())?;
                replay.insert(m.name.clone(), serde_json::json!(r));
            }
            let out = serde_json::json!({
                "rows": trace.len(),
                "tenants": trace.tenants(),
                "read_into_memory_rows_per_second": (rows / ingest).round(),
                "event_loop_alone_rows_per_second": driver,
                "replay_from_memory_tenant_samples_per_second": replay,
            });
            sayln!("{out}");
            Ok(())
        }
        Command::Import {
            format,
            source,
            out,
            resources,
            cores,
            vm_table,
            cpu_scale,
            memory_scale,
        } => {
            let options = import::Options {
                resources,
                cores,
                vm_table,
                cpu_scale,
                memory_scale,
            };
            options.check().map_err(anyhow::Error::msg)?;
            let s = import::import(format, &source, &out, &options)?;
            sayln!(
                "wrote {} rows of {} tenants to {} (columns {}; spec for {}); time 0 is {} in the source",
                s.rows,
                s.tenants,
                out.display(),
                s.columns.join(", "),
                if s.spec_columns.is_empty() { "none".to_string() } else { s.spec_columns.join(", ") },
                s.origin
            );
            Ok(())
        }
        Command::Gen {
            scenario,
            out,
            seed,
        } => {
            let mut s = Scenario::load(&scenario)?;
            if let Some(seed) = seed {
                s.seed = seed;
            }
            anyhow::ensure!(
                matches!(s.workload.input, Input::Generator(_)),
                "{}: the scenario has no [workload.generator] to generate from",
                scenario.display()
            );
            let mut source = input::open_raw(&s)?;
            let rows = trace::write_csv(&out, &s.workload.columns, false, source.as_mut())?;
            sayln!("wrote {rows} rows to {}", out.display());
            Ok(())
        }
    }
}
