//! An `exec` placer's program: started with its standard input and output piped (its
//! standard error is the simulator's), written to by one thread and read by another, so that
//! a program that stops reading or answering is a timeout, never a hang; killed and reaped
//! when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::protocol::MAX_ANSWER_BYTES;

/// What the reading thread hands over: a line, or why there is none.
enum Incoming {
    Line(String),
    /// The program closed its output (it exited).
    End,
    /// A line past [`MAX_ANSWER_BYTES`], or not UTF-8, or a read error.
    Bad(String),
}

/// A running program.
pub(super) struct Program {
    child: Child,
    /// The program's name, for messages.
    name: String,
    to_writer: Option<Sender<Vec<u8>>>,
    from_reader: Receiver<Incoming>,
    threads: Vec<JoinHandle<()>>,
}

impl Program {
    /// Starts `argv[0]` with the rest as its arguments, in the current directory.
    pub(super) fn start(argv: &[String]) -> Result<Program, String> {
        let name = argv[0].clone();
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("could not start `{name}`: {e}"))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let (to_writer, lines) = mpsc::channel::<Vec<u8>>();
        let (answers, from_reader) = mpsc::channel::<Incoming>();
        let spawn = |what: &str, f: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(format!("exec {what}"))
                .spawn(f)
                .map_err(|e| format!("could not start a thread for `{name}`: {e}"))
        };
        let writer = spawn("writer", Box::new(move || write_lines(stdin, lines)));
        let reader = spawn("reader", Box::new(move || read_lines(stdout, answers)));
        let mut program = Program {
            child,
            name,
            to_writer: Some(to_writer),
            from_reader,
            threads: vec![],
        };
        // (dropped on an error: the child is killed)
        program.threads.push(writer?);
        program.threads.push(reader?);
        Ok(program)
    }

    /// Sends `line` (without its newline) and waits at most `timeout` for the answer line.
    pub(super) fn ask(&mut self, line: &str, timeout: Duration) -> Result<String, String> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        // a writer gone means the program closed its input: its output says why below
        let _ = self.to_writer.as_ref().expect("open").send(bytes);
        match self.from_reader.recv_timeout(timeout) {
            Ok(Incoming::Line(answer)) => Ok(answer),
            Ok(Incoming::Bad(why)) => Err(why),
            Ok(Incoming::End) | Err(RecvTimeoutError::Disconnected) => Err(self.exited()),
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "no answer within {} s (timeout_seconds); `{}` was killed",
                timeout.as_secs_f64(),
                self.name
            )),
        }
    }

    /// What to say of a program whose output ended: its exit status, once it has one.
    fn exited(&mut self) -> String {
        // the output closes as the program exits: give it a moment to be reaped
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return format!("`{}` exited ({status}) without answering", self.name);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        format!("`{}` closed its output without answering", self.name)
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        self.to_writer = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The writing thread: each line to the program's input, until the placer goes or the
/// program stops reading.
fn write_lines(mut stdin: ChildStdin, lines: Receiver<Vec<u8>>) {
    for line in lines {
        if stdin.write_all(&line).and_then(|_| stdin.flush()).is_err() {
            return;
        }
    }
}

/// The reading thread: each line of the program's output, until it ends or breaks a rule.
fn read_lines(stdout: ChildStdout, answers: Sender<Incoming>) {
    let mut input = BufReader::new(stdout);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let limit = MAX_ANSWER_BYTES as u64 + 1;
        let read = (&mut input).take(limit).read_until(b'\n', &mut buf);
        let message = match read {
            Err(e) => Incoming::Bad(format!("could not read the answer: {e}")),
            Ok(0) => Incoming::End,
            Ok(_) if buf.last() != Some(&b'\n') && buf.len() as u64 >= limit => Incoming::Bad(
                format!("answered a line longer than {MAX_ANSWER_BYTES} bytes"),
            ),
            // a last line without its newline, then the end: the line counts
            Ok(_) => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                }
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
                match String::from_utf8(std::mem::take(&mut buf)) {
                    Ok(s) => Incoming::Line(s),
                    Err(_) => Incoming::Bad("answered a line that is not UTF-8".into()),
                }
            }
        };
        let last = !matches!(message, Incoming::Line(_));
        if answers.send(message).is_err() || last {
            return;
        }
    }
}
