//! The file system at a command's edges.
//!
//! Inputs are opened only when they are regular files ([`open_input`]) and read with bounds:
//! a line at most [`MAX_LINE_BYTES`] ([`LineLimit`]), a whole text file at most
//! [`MAX_TEXT_BYTES`] ([`read_text`]). A FIFO, a device or a file without line breaks is
//! refused with a message naming it, instead of blocking or filling memory.
//!
//! Outputs are written whole or not at all: a file under a temporary name, then renamed over
//! its target ([`AtomicFile`], [`write_atomic`]); a directory staged beside its target and
//! swapped into place ([`OutputDir`]), a swap that a killed command left half done being
//! finished by the next command that writes there ([`recover`]). `docs/outputs.md` ("How
//! outputs are written") gives the protocol, its crash points and what follows each.
//!
//! Every temporary name is `.<target name>.<kind>-<pid>-<n>`, beside its target: `kind` is
//! `tmp` (being written), `new` (a directory written whole) or `old` (the directory it
//! replaces); `pid` is the process that made it, `n` a counter of that process. Nothing but a
//! name of that form, for that target, whose process is gone, is ever renamed or removed.
//!
//! The modules: `input.rs` (inputs), `failure.rs` (an output's error naming its file),
//! `temp.rs` (temporary names and their removal), `atomic.rs` (a file written whole),
//! `dir.rs` (a directory written whole, and the recovery); every public item is reachable
//! here, as `files::<item>`.

mod atomic;
mod dir;
mod failure;
mod input;
mod temp;

pub use atomic::{write_atomic, AtomicFile};
pub use dir::{recover, recover_in_place, OutputDir};
pub use failure::{failed, reason};
pub use input::{
    is_long_line, long_line_message, open_input, read_text, LineLimit, MAX_LINE_BYTES,
    MAX_TEXT_BYTES,
};

#[cfg(test)]
mod tests;
