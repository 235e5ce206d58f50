//! The binary's own module (not the library's): what each command does, from its parsed
//! arguments to its outputs and what it prints; `run` dispatches a `Command` to its handler.
//! Every output directory is written through `write_dir`. Knows nothing of how the arguments
//! are spelt on the command line (`cli.rs`) or of exit codes (`main.rs`), except `regress`'s.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use overbook::engine::{self, RunResult};
use overbook::files::{self, OutputDir};
use overbook::output::Format;
use overbook::scenario::{Input, Scenario};
use overbook::{
    api, headroom, import, input, output, plan, predict, regress, report, shard, sweep, trace,
};

use crate::cli::Command;

/// Runs `command`, any but `regress` (which has exit codes of its own: [`regress`]).
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Run {
            scenario,
            out,
            format,
            seed,
            threads,
            quiet,
            memory_report,
        } => run_models(&scenario, out, format, seed, threads, quiet, memory_report),
        Command::Validate { scenario } => validate(&scenario),
        Command::Predict {
            scenario,
            out,
            format,
        } => replay_placement(&scenario, out, format),
        Command::Compare {
            scenario,
            out,
            format,
            threads,
        } => compare_variants(&scenario, out, format, threads),
        Command::Sweep {
            scenario,
            set,
            replications,
            confidence,
            out,
            format,
            threads,
            shard,
        } => {
            let out = Out { dir: out, format };
            match shard {
                Some(shard) => {
                    let axes = parse_axes(&set)?;
                    let work = shard::Work::Sweep {
                        axes,
                        replications,
                        confidence,
                    };
                    run_shard(&scenario, &work, &shard, out, threads)
                }
                None => sweep_grid(&scenario, &set, replications, confidence, out, threads),
            }
        }
        Command::Plan {
            scenario,
            out,
            format,
            threads,
            shard,
        } => {
            let out = Out { dir: out, format };
            match shard {
                Some(shard) => run_shard(&scenario, &shard::Work::Plan, &shard, out, threads),
                None => plan_knobs(&scenario, out, threads),
            }
        }
        Command::Merge { parts, out, format } => merge_parts(&parts, Out { dir: out, format }),
        Command::Headroom {
            scenario,
            every,
            for_seconds,
            out,
            format,
            threads,
        } => {
            let settings = headroom::Settings { every, for_seconds };
            fail_nodes(&scenario, settings, Out { dir: out, format }, threads)
        }
        Command::Report { dir } => rebuild_report(&dir),
        Command::Regress { .. } => unreachable!("handled in main"),
        Command::Bench { scenario } => bench(&scenario),
        Command::Import {
            format,
            source,
            out,
            resources,
            cores,
            vm_table,
            cpu_scale,
            memory_scale,
            map,
            step,
        } => {
            let options = import::Options {
                resources,
                cores,
                vm_table,
                cpu_scale,
                memory_scale,
                map,
                step,
            };
            import_trace(format, &source, &out, &options)
        }
        Command::Gen {
            scenario,
            out,
            seed,
        } => generate(&scenario, &out, seed),
    }
}

/// Where a command writes its outputs: `--out` and `--format`.
struct Out {
    /// `--out`, if given.
    dir: Option<PathBuf>,
    /// `--format`.
    format: Format,
}

/// Stages the output directory `dir`, runs `write` on the stage and swaps it into place
/// ([`api::write_dir`]). Every command that writes a directory writes it through here.
fn write_dir(dir: &Path, write: impl FnOnce(&OutputDir) -> Result<()>) -> Result<()> {
    api::write_dir(dir, write)
}

/// Finishes or undoes what a killed command left at the output directory `dir`, before a
/// command that writes there does anything else (see `files::recover`).
fn recover(dir: &Path) -> Result<()> {
    files::recover(dir).with_context(|| format!("cannot write the outputs to {}", dir.display()))
}

/// `overbook regress`'s options beyond the suite and the baseline.
pub struct RegressArgs {
    /// `--tolerance METRIC=X`, as given.
    pub tolerance: Vec<String>,
    /// `--confidence`.
    pub confidence: f64,
    /// `--junit FILE`.
    pub junit: Option<PathBuf>,
    /// `--markdown FILE`.
    pub markdown: Option<PathBuf>,
    /// `--bless`.
    pub bless: bool,
}

/// `overbook regress`: runs the suite into a scorecard, then blesses it as the baseline or
/// compares it with the baseline; exit 0 (no regression) or 1 (regression).
pub fn regress(suite: &Path, baseline: &Path, args: &RegressArgs) -> Result<ExitCode> {
    let gate = regress::gate(&args.tolerance, args.confidence).map_err(anyhow::Error::msg)?;
    let card = regress::run_suite(suite)?;
    if args.bless {
        sayln!("{}", regress::bless(baseline, &card)?);
        return Ok(ExitCode::SUCCESS);
    }
    let files = regress::Files {
        junit: args.junit.as_deref(),
        markdown: args.markdown.as_deref(),
    };
    let (passed, lines, _) = regress::judge(baseline, &card, &gate, &files)?;
    for line in lines {
        sayln!("{line}");
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A pool of `threads` worker threads (default: all cores).
fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    anyhow::ensure!(threads != Some(0), "--threads must be at least 1");
    api::pool(threads)
}

/// Runs the scenario's models on `threads` worker threads (default: all cores), its input
/// read on its own thread while the models step.
fn simulate_on(s: &Scenario, threads: Option<usize>) -> Result<RunResult> {
    simulate_with(s, threads, engine::Options::default())
}

/// [`simulate_on`] with `options`.
fn simulate_with(
    s: &Scenario,
    threads: Option<usize>,
    options: engine::Options,
) -> Result<RunResult> {
    anyhow::ensure!(threads != Some(0), "--threads must be at least 1");
    api::simulate_with(s, threads, options)
}

/// Builds the report and its figures in the staged output directory ([`api::build_report`]).
fn build_report(stage: &OutputDir) -> Result<()> {
    api::build_report(stage)
}

/// `--out`, else the scenario's `output.dir`, else `output/<scenario name>`.
fn output_dir(s: &Scenario, out: Option<PathBuf>) -> PathBuf {
    api::output_dir(s, out)
}

/// Reads the scenario's whole input on one thread and checks it, without simulating
/// (validation is the reading alone).
fn read_checked(scenario: &Scenario) -> Result<RunResult> {
    let mut source = input::open(scenario)?;
    let options = engine::Options {
        validate_only: true,
        ..engine::Options::default()
    };
    Ok(engine::run(scenario, source.as_mut(), options)?)
}

/// `overbook run`: the scenario's models into summary.json, tenants.csv, ... and the report.
fn run_models(
    scenario: &Path,
    out: Option<PathBuf>,
    format: Format,
    seed: Option<u64>,
    threads: Option<usize>,
    quiet: bool,
    memory_report: bool,
) -> Result<()> {
    let mut s = Scenario::load(scenario)?;
    if let Some(seed) = seed {
        s.seed = seed;
    }
    let dir = output_dir(&s, out);
    recover(&dir)?;
    let options = engine::Options {
        footprint: memory_report,
        ..engine::Options::default()
    };
    let mut result = simulate_with(&s, threads, options)?;
    let footprint = result.footprint.take();
    let before = engine::peak_resident_kib();
    let printed = (!quiet).then(|| {
        // events.csv only when the scenario logs events (failures, elastic or rebalancing)
        let f = |stem: &str| format.file(stem);
        let events = if s.keeps_events() {
            format!("{}, ", f("events"))
        } else {
            String::new()
        };
        format!(
            "{}{}{} tenants, {} steps of {} s; wrote summary.json, {}, {}, {}, {}, {}, {events}report.html to {}",
            output::table(&s, &result),
            output::pricing(&s, &result).1,
            result.tenants.len(),
            result.steps,
            s.step,
            f("tenants"),
            f("nodes"),
            f("harm"),
            f("pricing"),
            f("timeseries"),
            dir.display()
        )
    });
    write_dir(&dir, |stage| {
        output::write_all_as(stage.path(), &s, &result, format)?;
        // the report reads the files alone: the run's results need not stay in memory
        drop(result);
        build_report(stage)
    })?;
    if let Some(f) = footprint {
        // to stderr, never into the output directory
        eprint!("{}", f.table(before, engine::peak_resident_kib()));
    }
    if let Some(text) = printed {
        sayln!("{text}");
    }
    Ok(())
}

/// `overbook validate`: the scenario and its whole input checked.
fn validate(scenario: &Path) -> Result<()> {
    let s = Scenario::load(scenario)?;
    let result = read_checked(&s)?;
    let input = match &s.workload.input {
        Input::Trace(path) => format!("trace {}", path.display()),
        Input::Generator(_) => "generator".to_string(),
        Input::Export(e) => format!("{} export {}", e.format.name(), e.path.display()),
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

/// `overbook predict`: the trace's own placement replayed into predictions.csv and summary.json.
fn replay_placement(scenario: &Path, out: Option<PathBuf>, format: Format) -> Result<()> {
    let s = Scenario::load(scenario)?;
    let dir = output_dir(&s, out);
    recover(&dir)?;
    let mut source = input::open(&s)?;
    // the rows are written into the staged directory as they are replayed: a bad row
    // leaves the output directory as it was
    let mut result = None;
    write_dir(&dir, |stage| {
        let r = predict::run(&s, source.as_mut(), &stage.path().join("predictions.csv"))?;
        output::columnar::convert_file(stage.path(), "predictions", format)?;
        output::merge_predictions(stage.path(), &s, output::predictions_json(&s, &r))?;
        result = Some(r);
        Ok(())
    })?;
    let result = result.expect("written");
    say!("{}", output::predictions_table(&result));
    sayln!(
        "{} nodes, {} steps; wrote {} ({} rows) and summary.json to {}",
        result.nodes,
        result.steps,
        format.file("predictions"),
        result.rows,
        dir.display()
    );
    Ok(())
}

/// `overbook compare`: every model under every placer and predictor of `[compare]`.
fn compare_variants(
    scenario: &Path,
    out: Option<PathBuf>,
    format: Format,
    threads: Option<usize>,
) -> Result<()> {
    let mut s = Scenario::load(scenario)?;
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
        output::columnar::write_table(stage.path(), "placers", &csv, format)?;
        Ok(())
    })?;
    say!("{table}");
    sayln!(
        "{} variants; wrote {} to {}",
        s.models.len(),
        format.file("placers"),
        dir.display()
    );
    Ok(())
}

/// `overbook sweep`: the scenario over the grid of `set`, each point replicated.
fn sweep_grid(
    scenario: &Path,
    set: &[String],
    replications: usize,
    confidence: f64,
    out: Out,
    threads: Option<usize>,
) -> Result<()> {
    anyhow::ensure!(
        confidence > 0.0 && confidence < 1.0,
        "--confidence must be in (0, 1)"
    );
    let text = Scenario::read(scenario)?;
    let base = Scenario::parse(scenario, &text)?;
    let dir = output_dir(&base, out.dir);
    recover(&dir)?;
    let axes = parse_axes(set)?;
    sweep::check_size(&axes, replications).map_err(anyhow::Error::msg)?;
    let keys: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
    let pool = pool(threads)?;
    let points = pool.install(|| sweep::sweep(scenario, &text, &axes, replications))?;
    let csv = output::sweep_csv(&base, &keys, &points, confidence);
    write_dir(&dir, |stage| {
        output::columnar::write_table(stage.path(), "sweep", &csv, out.format)?;
        build_report(stage)
    })?;
    sayln!(
        "{} points x {} replications; wrote {} to {}",
        points.len(),
        replications,
        out.format.file("sweep"),
        dir.display()
    );
    Ok(())
}

/// The axes of `--set`.
fn parse_axes(set: &[String]) -> Result<Vec<sweep::Axis>> {
    set.iter()
        .map(|a| sweep::Axis::parse(a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)
}

/// `overbook sweep|plan --shard I/N --out DIR`: shard I's jobs into the part directory DIR.
fn run_shard(
    scenario: &Path,
    work: &shard::Work,
    arg: &str,
    out: Out,
    threads: Option<usize>,
) -> Result<()> {
    let which = shard::Shard::parse(arg).map_err(anyhow::Error::msg)?;
    let text = Scenario::read(scenario)?;
    let dir = out.dir.expect("clap requires --out with --shard");
    recover(&dir)?;
    let part = pool(threads)?.install(|| shard::run_part(scenario, &text, work, which))?;
    shard::write_part(&dir, &part)?;
    sayln!(
        "shard {which} of a {}: {} of {} jobs; wrote {} to {}",
        match part.kind {
            shard::Kind::Sweep => "sweep",
            shard::Kind::Plan => "plan",
        },
        which.job_count(part.jobs),
        part.jobs,
        shard::PART_FILE,
        dir.display()
    );
    Ok(())
}

/// `overbook merge PART_DIR...`: the parts combined into what the single sweep or plan
/// writes and prints.
fn merge_parts(parts: &[PathBuf], out: Out) -> Result<()> {
    use overbook::limits::MAX_SHARDS;
    anyhow::ensure!(
        parts.len() <= MAX_SHARDS,
        "{} part directories; a merge takes at most {MAX_SHARDS}",
        parts.len()
    );
    let mut merger = shard::Merger::new();
    for dir in parts {
        let part = shard::read_part(dir)?;
        merger.add(&dir.display().to_string(), part)?;
    }
    let merged = merger.finish()?;
    let dir = output_dir(&merged.scenario, out.dir);
    recover(&dir)?;
    write_dir(&dir, |stage| {
        output::columnar::write_table(stage.path(), merged.stem(), &merged.csv, out.format)?;
        build_report(stage)
    })?;
    say!("{}", merged.printed);
    sayln!(
        "wrote {} to {}",
        out.format.file(merged.stem()),
        dir.display()
    );
    Ok(())
}

/// `overbook plan`: per model, the knob value of `[planner]` that meets the target.
fn plan_knobs(scenario: &Path, out: Out, threads: Option<usize>) -> Result<()> {
    let text = Scenario::read(scenario)?;
    let s = Scenario::parse(scenario, &text)?;
    let dir = output_dir(&s, out.dir);
    recover(&dir)?;
    let plans = pool(threads)?.install(|| plan::plan(scenario, &text, &s))?;
    let (csv, summary) = output::plan_outputs(&s, &plans);
    write_dir(&dir, |stage| {
        output::columnar::write_table(stage.path(), "plan", &csv, out.format)?;
        build_report(stage)
    })?;
    say!("{summary}");
    sayln!("wrote {} to {}", out.format.file("plan"), dir.display());
    Ok(())
}

/// `overbook headroom`: per model, the worst node and zone failure at its peak, and whether it
/// survives them.
fn fail_nodes(
    scenario: &Path,
    settings: headroom::Settings,
    out: Out,
    threads: Option<usize>,
) -> Result<()> {
    use overbook::limits::MAX_DURATION_SECONDS;
    anyhow::ensure!(
        settings.every.is_none_or(|k| k >= 1),
        "--every must be at least 1"
    );
    anyhow::ensure!(
        settings
            .for_seconds
            .is_none_or(|f| (1..=MAX_DURATION_SECONDS).contains(&f)),
        "--for must be in [1, {MAX_DURATION_SECONDS}] seconds"
    );
    let s = Scenario::load(scenario)?;
    let dir = output_dir(&s, out.dir);
    recover(&dir)?;
    let models = pool(threads)?.install(|| headroom::headroom(&s, settings))?;
    let (csv, table) = output::headroom_outputs(&s, &models);
    write_dir(&dir, |stage| {
        output::columnar::write_table(stage.path(), "headroom", &csv, out.format)?;
        Ok(())
    })?;
    say!("{table}");
    sayln!("wrote {} to {}", out.format.file("headroom"), dir.display());
    Ok(())
}

/// `overbook report`: report.html rebuilt from the outputs in `dir`.
fn rebuild_report(dir: &Path) -> Result<()> {
    files::recover_in_place(dir)
        .with_context(|| format!("cannot write the report in {}", dir.display()))?;
    let path = report::build(dir).map_err(anyhow::Error::msg)?;
    sayln!("wrote {}", path.display());
    Ok(())
}

/// `overbook bench`: the input read into memory (timed), then replayed once per model.
fn bench(scenario: &Path) -> Result<()> {
    let s = Scenario::load(scenario)?;
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

/// `overbook import`: a public trace converted into the trace format at `out`.
fn import_trace(
    format: import::Format,
    source: &Path,
    out: &Path,
    options: &import::Options,
) -> Result<()> {
    options.check().map_err(anyhow::Error::msg)?;
    let s = import::import(format, source, out, options)?;
    if let Some(w) = &s.warning {
        overbook::error::warn(w);
    }
    sayln!(
        "wrote {} rows of {} tenants to {} (columns {}; spec for {}{}); time 0 is {} in the source",
        s.rows,
        s.tenants,
        out.display(),
        s.columns.join(", "),
        if s.spec_columns.is_empty() {
            "none".to_string()
        } else {
            s.spec_columns.join(", ")
        },
        s.step
            .map_or(String::new(), |st| format!("; steps of {st} s")),
        s.origin
    );
    Ok(())
}

/// `overbook gen`: the scenario's generated population written as a trace at `out`.
fn generate(scenario: &Path, out: &Path, seed: Option<u64>) -> Result<()> {
    let mut s = Scenario::load(scenario)?;
    if let Some(seed) = seed {
        s.seed = seed;
    }
    anyhow::ensure!(
        matches!(s.workload.input, Input::Generator(_)),
        "{}: the scenario has no [workload.generator] to generate from",
        scenario.display()
    );
    let mut source = input::open_raw(&s)?;
    let rows = trace::write_csv(out, &s.workload.columns, false, source.as_mut())?;
    sayln!("wrote {rows} rows to {}", out.display());
    Ok(())
}
