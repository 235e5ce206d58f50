//! Reading a trace on its own thread while the engine replays it.
//!
//! [`Pipelined`] moves a source to a reader thread, which parses rows into blocks of
//! [`BLOCK_ROWS`] rows (column by column, one byte buffer for the ids) and sends them over a
//! bounded channel; the engine's thread reads the blocks in order and sends each one back to
//! be refilled. There are [`IN_FLIGHT`] + 2 blocks, made up front and passed around: how much
//! memory the pipeline holds depends neither on the trace's length nor on which thread is
//! ahead. Rows,
//! their order and the errors are those of the source: an error is delivered after every row
//! before it, exactly where reading the source directly would have met it.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::error::InputError;
use crate::trace::{Row, Source};

/// Rows per block.
pub const BLOCK_ROWS: usize = 4096;
/// Blocks that may wait for the engine: the reader may run this many blocks ahead (it uses a
/// core the models leave idle at the end of a step).
pub const IN_FLIGHT: usize = 16;

/// Rows of a source, column by column.
#[derive(Default)]
struct Block {
    resources: usize,
    /// The source's time origin once this block was read ([`Source::time_origin`]).
    origin: Option<i64>,
    time: Vec<i64>,
    line: Vec<u64>,
    demand: Vec<f64>,
    spec: Vec<f64>,
    /// Billed traffic ([`Row::usage`]), row by row: empty without usage prices.
    usage: Vec<f64>,
    /// Values of billed traffic per row (0 without usage prices).
    usage_width: usize,
    /// The roles' amounts ([`Row::roles`]), row by row: empty without replicas.
    roles: Vec<f64>,
    /// Values of the roles' amounts per row (0 without replicas).
    roles_width: usize,
    /// Tenant, class and node of every row, one after the other.
    bytes: Vec<u8>,
    /// Per row, where its tenant, class and node end in `bytes`.
    ends: Vec<[usize; 3]>,
}

impl Block {
    fn clear(&mut self) {
        self.time.clear();
        self.line.clear();
        self.demand.clear();
        self.spec.clear();
        self.usage.clear();
        self.roles.clear();
        self.bytes.clear();
        self.ends.clear();
    }

    fn len(&self) -> usize {
        self.time.len()
    }

    fn push(&mut self, row: &Row) {
        self.time.push(row.time);
        self.line.push(row.line);
        self.demand.extend_from_slice(&row.demand);
        self.spec.extend_from_slice(&row.spec);
        self.usage_width = row.usage.len();
        self.usage.extend_from_slice(&row.usage);
        self.roles_width = row.roles.len();
        self.roles.extend_from_slice(&row.roles);
        let mut ends = [0; 3];
        for (end, field) in ends.iter_mut().zip([&row.tenant, &row.class, &row.node]) {
            self.bytes.extend_from_slice(field);
            *end = self.bytes.len();
        }
        self.ends.push(ends);
    }

    /// Field `f` (0 tenant, 1 class, 2 node) of row `i`.
    fn field(&self, i: usize, f: usize) -> &[u8] {
        let start = match (i, f) {
            (0, 0) => 0,
            (_, 0) => self.ends[i - 1][2],
            _ => self.ends[i][f - 1],
        };
        &self.bytes[start..self.ends[i][f]]
    }
}

/// What the reader thread sends: a block of rows, or the error that stopped it.
type Message = Result<Block, InputError>;

/// A source read on its own thread (see the module documentation).
pub struct Pipelined {
    path: PathBuf,
    has_spec: Vec<bool>,
    blocks: Receiver<Message>,
    recycle: SyncSender<Block>,
    reader: Option<JoinHandle<()>>,
    block: Block,
    /// Index of the current row in `block` plus one (0 before the first row of a block).
    next: usize,
    row: OnceCell<Row>,
}

impl Pipelined {
    /// Starts reading `source` on a new thread.
    pub fn new(mut source: Box<dyn Source + Send>) -> Pipelined {
        let path = source.path().to_path_buf();
        let has_spec = source.has_spec();
        let resources = has_spec.len();
        let (send, blocks) = mpsc::sync_channel::<Message>(IN_FLIGHT);
        // every block but the engine's first starts in the recycling channel, which can hold
        // them all, so returning a block never waits
        let (recycle, recycled) = mpsc::sync_channel::<Block>(IN_FLIGHT + 2);
        for _ in 0..IN_FLIGHT + 1 {
            recycle
                .send(Block::default())
                .expect("room for every block");
        }
        let reader = std::thread::Builder::new()
            .name("overbook-reader".into())
            .spawn(move || loop {
                let Ok(mut block) = recycled.recv() else {
                    return; // the engine stopped reading
                };
                block.clear();
                block.resources = resources;
                let mut failed = None;
                while block.len() < BLOCK_ROWS {
                    match source.advance() {
                        Ok(true) => block.push(source.row()),
                        Ok(false) => break,
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                block.origin = source.time_origin();
                let last = failed.is_some() || block.len() < BLOCK_ROWS;
                if send.send(Ok(block)).is_err() {
                    return; // the engine stopped reading
                }
                if let Some(e) = failed {
                    let _ = send.send(Err(e));
                }
                if last {
                    return;
                }
            })
            .expect("a reader thread");
        Pipelined {
            path,
            has_spec,
            blocks,
            recycle,
            reader: Some(reader),
            block: Block::default(),
            next: 0,
            row: OnceCell::new(),
        }
    }

    #[inline]
    fn at(&self) -> usize {
        self.next - 1
    }

    /// The next block, or `None` at the end of the source.
    fn receive(&mut self) -> Result<Option<Block>, InputError> {
        match self.blocks.recv() {
            Ok(Ok(block)) => Ok(Some(block)),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                // the reader is done; if it panicked, so do we, rather than end the trace early
                if let Some(reader) = self.reader.take() {
                    if let Err(panic) = reader.join() {
                        std::panic::resume_unwind(panic);
                    }
                }
                Ok(None)
            }
        }
    }
}

impl Source for Pipelined {
    fn time_origin(&self) -> Option<i64> {
        self.block.origin
    }

    #[inline]
    fn advance(&mut self) -> Result<bool, InputError> {
        if self.row.get().is_some() {
            self.row.take(); // built for the previous row
        }
        loop {
            if self.next < self.block.len() {
                self.next += 1;
                return Ok(true);
            }
            let Some(block) = self.receive()? else {
                return Ok(false);
            };
            let done = std::mem::replace(&mut self.block, block);
            let _ = self.recycle.try_send(done);
            self.next = 0;
        }
    }

    fn row(&self) -> &Row {
        self.row.get_or_init(|| {
            let (b, i) = (&self.block, self.at());
            Row {
                time: b.time[i],
                tenant: b.field(i, 0).to_vec(),
                demand: self.demand().to_vec(),
                spec: self.spec().to_vec(),
                class: b.field(i, 1).to_vec(),
                node: b.field(i, 2).to_vec(),
                line: b.line[i],
                usage: self.usage().to_vec(),
                roles: self.roles().to_vec(),
            }
        })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn has_spec(&self) -> Vec<bool> {
        self.has_spec.clone()
    }

    #[inline]
    fn time(&self) -> i64 {
        self.block.time[self.at()]
    }

    #[inline]
    fn tenant(&self) -> &[u8] {
        self.block.field(self.at(), 0)
    }

    #[inline]
    fn demand(&self) -> &[f64] {
        let r = self.block.resources;
        &self.block.demand[self.at() * r..(self.at() + 1) * r]
    }

    #[inline]
    fn spec(&self) -> &[f64] {
        let r = self.block.resources;
        &self.block.spec[self.at() * r..(self.at() + 1) * r]
    }

    #[inline]
    fn node(&self) -> &[u8] {
        self.block.field(self.at(), 2)
    }

    #[inline]
    fn usage(&self) -> &[f64] {
        let w = self.block.usage_width;
        &self.block.usage[self.at() * w..(self.at() + 1) * w]
    }

    fn roles(&self) -> &[f64] {
        let w = self.block.roles_width;
        &self.block.roles[self.at() * w..(self.at() + 1) * w]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::VecSource;

    fn rows(n: usize) -> Vec<Row> {
        (0..n)
            .map(|i| Row {
                time: (i / 3) as i64 * 60,
                tenant: format!("t{}", i % 3).into_bytes(),
                demand: vec![i as f64, 0.5],
                spec: vec![8.0, f64::NAN],
                class: if i % 5 == 0 { b"gold".to_vec() } else { vec![] },
                node: if i % 7 == 0 { b"n1".to_vec() } else { vec![] },
                line: i as u64 + 2,
                usage: vec![i as f64, 1.0, 0.0, 3.0],
                roles: vec![2.0 * i as f64; 3],
            })
            .collect()
    }

    #[test]
    fn delivers_every_row_in_order_across_blocks() {
        let want = rows(2 * BLOCK_ROWS + 17);
        let inner = VecSource::new("t.csv", want.clone(), vec![true, false]);
        let mut p = Pipelined::new(Box::new(inner));
        assert_eq!(p.has_spec(), [true, false]);
        for w in &want {
            assert!(p.advance().unwrap());
            assert_eq!(
                (p.time(), p.tenant(), p.node()),
                (w.time, &w.tenant[..], &w.node[..])
            );
            assert_eq!(p.demand(), &w.demand[..]);
            assert_eq!(p.usage(), &w.usage[..]);
            assert_eq!(p.roles(), &w.roles[..]);
            let row = p.row();
            assert_eq!(row.usage, w.usage);
            assert_eq!((&row.class, row.line, row.spec[0]), (&w.class, w.line, 8.0));
            assert!(row.spec[1].is_nan());
        }
        assert!(!p.advance().unwrap());
        assert!(!p.advance().unwrap());
    }

    /// A source over `inner` that fails after `ok` rows, if given, and says when it is
    /// dropped (which happens when the reader thread ends).
    struct Probe {
        inner: VecSource,
        ok: Option<usize>,
        read: usize,
        dropped: std::sync::Arc<std::sync::atomic::AtomicBool>,
    }

    impl Probe {
        fn new(inner: VecSource, ok: Option<usize>) -> Self {
            let dropped = Default::default();
            Probe {
                inner,
                ok,
                read: 0,
                dropped,
            }
        }
    }

    impl Drop for Probe {
        fn drop(&mut self) {
            self.dropped
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    impl Source for Probe {
        fn advance(&mut self) -> Result<bool, InputError> {
            if Some(self.read) == self.ok {
                return Err(InputError::at(Path::new("t.csv"), self.read + 2, 3, "bad"));
            }
            self.read += 1;
            self.inner.advance()
        }
        fn row(&self) -> &Row {
            self.inner.row()
        }
        fn path(&self) -> &Path {
            self.inner.path()
        }
        fn has_spec(&self) -> Vec<bool> {
            self.inner.has_spec()
        }
    }

    #[test]
    fn an_error_comes_after_the_rows_before_it() {
        let ok = BLOCK_ROWS + 5;
        let inner = VecSource::new("t.csv", rows(ok + 10), vec![true, false]);
        let mut p = Pipelined::new(Box::new(Probe::new(inner, Some(ok))));
        for _ in 0..ok {
            assert!(p.advance().unwrap());
        }
        let e = p.advance().unwrap_err();
        assert!(
            e.to_string().contains(&format!("t.csv:{}:3", ok + 2)),
            "{e}"
        );
    }

    #[test]
    fn an_engine_that_stops_early_stops_the_reader() {
        // far more rows than the blocks in flight can hold: the reader waits on the engine
        let inner = VecSource::new("t.csv", rows(4 * IN_FLIGHT * BLOCK_ROWS), vec![true, false]);
        let probe = Probe::new(inner, None);
        let dropped = probe.dropped.clone();
        let mut p = Pipelined::new(Box::new(probe));
        assert!(p.advance().unwrap());
        drop(p);
        // the reader's next send or wait fails, it returns and drops its source
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !dropped.load(std::sync::atomic::Ordering::SeqCst) {
            assert!(
                std::time::Instant::now() < deadline,
                "the reader thread did not stop"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
