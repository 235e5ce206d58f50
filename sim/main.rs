//! The `overbook` command line: `main` parses the arguments (`cli.rs`), runs the command
//! (`commands.rs`) and turns its result into an exit code, printing an error as one line.

use std::process::ExitCode;

use clap::Parser;

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

mod cli;
mod commands;

use cli::{Cli, Command};

fn main() -> ExitCode {
    alloc::fix_mmap_threshold();
    let cli = Cli::parse();
    overbook::exec::allow(cli.allow_exec);
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
            confidence,
            junit,
            markdown,
            bless,
        } => commands::regress(
            &suite,
            &baseline,
            &commands::RegressArgs {
                tolerance,
                confidence,
                junit,
                markdown,
                bless,
            },
        ),
        command => commands::run(command).map(|()| ExitCode::SUCCESS),
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
