//! The binary's own module (not the library's): the command line as clap reads it, `Cli` and
//! its `Command`s with their arguments and help. Knows nothing of what a command does
//! (`commands.rs`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use overbook::import;
use overbook::output::Format;

/// Multi-tenant capacity simulator and oversubscription planner.
#[derive(Parser)]
#[command(name = "overbook", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Let the scenario's `exec` placers run their programs (docs/placement.md): a scenario
    /// naming one is refused without it. Given before or after the command.
    #[arg(long, global = true)]
    pub allow_exec: bool,
}

#[derive(Subcommand)]
pub enum Command {
    /// Replay a scenario on its placement models and write summary.json, tenants.csv, nodes.csv.
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output directory [default: the scenario's `output.dir`, else output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// How the tables are written: csv (X.csv) or parquet (X.parquet, with each column's
        /// type and unit in its schema).
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Print to stderr the bytes each group of structures holds at the end of the
        /// simulation, per model and per tenant, and the process's peak resident memory before
        /// and after building the outputs (docs/performance.md, "Memory").
        #[arg(long)]
        memory_report: bool,
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
        /// How the tables are written: csv (X.csv) or parquet (X.parquet, with each column's
        /// type and unit in its schema).
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
    },
    /// Run every model under every placer and predictor of the scenario's `[compare]`
    /// section; prints one table and writes placers.csv.
    Compare {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output directory [default: the scenario's `output.dir`, else output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// How the tables are written: csv (X.csv) or parquet (X.parquet, with each column's
        /// type and unit in its schema).
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
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
        /// How the tables are written: csv (X.csv) or parquet (X.parquet, with each column's
        /// type and unit in its schema); a shard's part is JSON, its format the merge's.
        #[arg(long, value_enum, default_value_t = Format::Csv, conflicts_with = "shard")]
        format: Format,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run only shard I of N (0-based: I from 0 to N - 1) of the sweep's jobs (point x
        /// replication), into a part directory (`--out`, holding part.json) that `overbook
        /// merge` combines; shard I runs the jobs k with k mod N = I. Slurm: `$SLURM_ARRAY_TASK_ID/N` with `--array=0-N-1`;
        /// Kubernetes Indexed Jobs: `$JOB_COMPLETION_INDEX/N`.
        #[arg(long, value_name = "I/N", requires = "out")]
        shard: Option<String>,
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
        /// How the tables are written: csv (X.csv) or parquet (X.parquet, with each column's
        /// type and unit in its schema); a shard's part is JSON, its format the merge's.
        #[arg(long, value_enum, default_value_t = Format::Csv, conflicts_with = "shard")]
        format: Format,
        /// Worker threads [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run only shard I of N (0-based: I from 0 to N - 1) of the plan's jobs (model x
        /// value x replication, over the whole grid), into a part directory (`--out`, holding
        /// part.json) that `overbook merge` combines; shard I runs the jobs k with k mod N = I. Slurm: `$SLURM_ARRAY_TASK_ID/N` with `--array=0-N-1`;
        /// Kubernetes Indexed Jobs: `$JOB_COMPLETION_INDEX/N`.
        #[arg(long, value_name = "I/N", requires = "out")]
        shard: Option<String>,
    },
    /// Combine the parts of a sharded sweep or plan (`--shard I/N`, every shard from 0 to
    /// N - 1 exactly once, in any order) into what the single run writes: sweep.csv, or
    /// plan.csv and its printed answer (the plan's search made on the merged values).
    Merge {
        /// The part directories (each holding part.json).
        #[arg(required = true, value_name = "PART_DIR")]
        parts: Vec<PathBuf>,
        /// Output directory [default: the scenario's `output.dir`, else output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// How the tables are written: csv (X.csv) or parquet (X.parquet, with each column's
        /// type and unit in its schema).
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
    },
    /// Fail, per model, each node open at its peak step (and each zone) for a while, and report
    /// the worst case and whether the model survives (N+1, N+zone); writes headroom.csv.
    Headroom {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Also fail from every K-th step of the run (the worst case over the starts counts).
        #[arg(long, value_name = "K")]
        every: Option<u64>,
        /// How long each failure lasts [default: the node type's mttr_hours when the scenario
        /// has random failures for it, else one hour].
        #[arg(long = "for", value_name = "SECONDS")]
        for_seconds: Option<i64>,
        /// Output directory [default: the scenario's `output.dir`, else output/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// How the tables are written: csv (X.csv) or parquet (X.parquet, with each column's
        /// type and unit in its schema).
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
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
        /// Confidence of the paired intervals of a scenario run with several seeds
        /// (`[regress] seeds`), in (0, 1).
        #[arg(long, default_value_t = 0.95)]
        confidence: f64,
        /// Also write JUnit XML here.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Also write a Markdown summary here, for a pull-request comment.
        #[arg(long)]
        markdown: Option<PathBuf>,
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
    /// Convert a public utilization trace (Bitbrains, PlanetLab, Google 2019, Azure V2) or a
    /// metrics export (Prometheus, Confluent Cloud) into Overbook's trace format.
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
        /// Prometheus, Confluent: the map of tenants and metrics (TOML) [default: each topic
        /// or principal its own tenant, the default metrics].
        #[arg(long)]
        map: Option<PathBuf>,
        /// Prometheus, Confluent: the step of the rows, in seconds [default: the samples' own
        /// spacing].
        #[arg(long)]
        step: Option<i64>,
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
