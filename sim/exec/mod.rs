//! `placer = "exec(cmd = '...')"`: a placer in any language, a program that answers one JSON
//! line per request on its standard output (docs/placement.md, "Placers in any language").
//!
//! The program runs only when allowed ([`allow`], `--allow-exec` on the command line): a
//! scenario naming an `exec` placer otherwise fails to load, at its `placer` key
//! ([`check_allowed`]). It is started at the first request, never when a scenario is
//! checked; each placer instance (each model of each run) starts its own and kills it when
//! dropped. A program that does not answer in time, exits, answers something else than
//! `{"node": N}` or `{"node": null}`, or names a node the request does not allow is the
//! placer's [`Placer::failure`]: the run stops with one error naming the placer, the model, the
//! tenant and the time.
//!
//! Architecture invariant: this is the one place the simulator starts a program; `models/`
//! stays without I/O, and the placer is registered through the registry like one of one's
//! own ([`register`], once, from [`crate::scenario::Scenario::parse`]).

mod process;
mod protocol;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::Duration;

use overbook_models::expr::{Arg, Call};
use overbook_models::placer::{self, Decision, NodeView, Placer, Request};

use process::Program;
pub use protocol::{split_command, MAX_ANSWER_BYTES};

/// The placer's name in scenarios.
pub const NAME: &str = "exec";

/// The default `timeout_seconds`: 10.
pub const DEFAULT_TIMEOUT_SECONDS: f64 = 10.0;

/// The longest `timeout_seconds`: an hour.
pub const MAX_TIMEOUT_SECONDS: f64 = 3600.0;

static ALLOWED: AtomicBool = AtomicBool::new(false);

/// Allows (or forbids again) scenarios to run `exec` placers' programs in this process. Off
/// by default; the CLI's `--allow-exec` turns it on. Read when a scenario is loaded: set it
/// before.
pub fn allow(yes: bool) {
    ALLOWED.store(yes, Ordering::SeqCst);
}

/// Whether `exec` placers may run ([`allow`]).
pub fn allowed() -> bool {
    ALLOWED.load(Ordering::SeqCst)
}

/// The refusal of an `exec` placer while running programs is not allowed; `Ok` for every
/// other placer. Scenarios check their placers with it.
pub fn check_allowed(call: &Call) -> Result<(), String> {
    if call.name == NAME && !allowed() {
        return Err(format!(
            "placer `{NAME}` runs a program on this machine; pass --allow-exec to allow it"
        ));
    }
    Ok(())
}

/// Registers the `exec` placer with the placer registry, once a process (later calls do
/// nothing). Loading a scenario calls it, so every caller of the library has it.
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        placer::register(NAME, |call: &Call, _seed| {
            Ok(Box::new(ExecPlacer::new(call)?) as Box<dyn Placer>)
        })
        .expect("`exec` is registered once, before any other placer of that name");
    });
}

/// The `exec` placer: its settings, and its program once started.
pub struct ExecPlacer {
    /// Its expression, as errors name it.
    shown: String,
    /// The program and its arguments.
    argv: Vec<String>,
    timeout: Duration,
    /// The program, once the first request started it.
    program: Option<Program>,
    /// Why it failed, until the engine takes it ([`Placer::failure`]).
    failure: Option<String>,
    /// Whether it failed: every later request opens a node, and sends nothing.
    failed: bool,
    /// Requests answered.
    answered: u64,
    /// The request line, reused.
    line: String,
    /// The nodes the request allows, reused.
    allowed: Vec<usize>,
}

impl ExecPlacer {
    /// The placer of `exec(cmd = '...', timeout_seconds = N)`; nothing is started.
    pub fn new(call: &Call) -> Result<ExecPlacer, String> {
        let usage = || {
            format!(
                "placer `{NAME}` takes cmd = 'program args' and timeout_seconds = N (default 10)"
            )
        };
        for a in &call.args {
            match a {
                Arg::NamedText(k, _) if k == "cmd" => {}
                Arg::Named(k, _) if k == "timeout_seconds" => {}
                _ => return Err(usage()),
            }
        }
        let cmd = call.named_text("cmd").ok_or_else(usage)?;
        let argv = split_command(cmd).map_err(|e| format!("placer `{NAME}`: cmd: {e}"))?;
        if argv.is_empty() {
            return Err(format!("placer `{NAME}`: cmd names no program"));
        }
        let seconds = call
            .named("timeout_seconds")
            .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        if !(seconds > 0.0 && seconds <= MAX_TIMEOUT_SECONDS) {
            return Err(format!(
                "placer `{NAME}`: timeout_seconds must be in (0, {MAX_TIMEOUT_SECONDS}], not {seconds}"
            ));
        }
        Ok(ExecPlacer {
            shown: call.to_string(),
            argv,
            timeout: Duration::from_secs_f64(seconds),
            program: None,
            failure: None,
            failed: false,
            answered: 0,
            line: String::new(),
            allowed: vec![],
        })
    }

    /// How many requests its program answered.
    pub fn answered(&self) -> u64 {
        self.answered
    }

    /// Asks the program; `Err` says what went wrong.
    fn ask(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Result<Decision, String> {
        self.allowed.clear();
        self.allowed
            .extend((0..nodes.len()).filter(|&n| request.allows(nodes, n)));
        self.line.clear();
        protocol::write_request(&mut self.line, request, nodes, &self.allowed);
        if self.program.is_none() {
            self.program = Some(Program::start(&self.argv)?);
        }
        let program = self.program.as_mut().expect("started");
        let answer = program.ask(&self.line, self.timeout)?;
        let decision = protocol::read_answer(&answer)?;
        if let Decision::Node(n) = decision {
            if self.allowed.binary_search(&n).is_err() {
                return Err(format!(
                    "answered node {n}, which the request does not allow (allowed: {})",
                    protocol::list(&self.allowed)
                ));
            }
        }
        self.answered += 1;
        Ok(decision)
    }
}

impl Placer for ExecPlacer {
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        if self.failed {
            return Decision::Open;
        }
        match self.ask(request, nodes) {
            Ok(d) => d,
            Err(what) => {
                let who = &request.who;
                self.failure = Some(format!(
                    "placer `{}` of model `{}`, placing tenant `{}` at time {}: {what}",
                    self.shown, who.model, who.tenant, who.time
                ));
                self.failed = true;
                // the program is of no more use: killed now, not at the end of the run
                self.program = None;
                Decision::Open
            }
        }
    }

    fn wants_profiles(&self) -> bool {
        true
    }

    fn failure(&mut self) -> Option<String> {
        self.failure.take()
    }
}

#[cfg(test)]
mod tests;
