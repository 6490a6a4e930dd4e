//! The inner archive's conformance checker: a state machine fed decompressed
//! chunks, holding them to the manifest (canonical headers, sizes, zero
//! padding, per-blob SHA-256, end blocks, nothing more). It only notes what
//! the writer should do; it never writes.

use std::sync::mpsc::{Receiver, Sender, SyncSender};

use super::{blob_member_name, malformed, BlobList, Chunk, Op, Staged, Stop};
use crate::error::Error;
use crate::format::digest::Hasher;
use crate::format::envelope::{canonical_header, padding, BLOCK};
use crate::format::manifest::Blob;

/// Where the checker is in the inner archive.
enum State {
    /// Collecting the header block of blob `n` (`have` bytes so far).
    Header {
        n: usize,
        have: usize,
    },
    Data {
        n: usize,
        left: u64,
    },
    Padding {
        n: usize,
        left: usize,
    },
    End {
        have: usize,
    },
    Done,
}

struct Checker {
    /// The blobs seen so far, and where more come from.
    blobs: Vec<Blob>,
    more: Option<Receiver<Blob>>,
    writing: bool,
    state: State,
    header: [u8; BLOCK],
    hasher: Hasher,
}

impl Checker {
    fn new(blobs: BlobList<'_>, writing: bool) -> Self {
        let (blobs, more) = match blobs {
            BlobList::Known(b) => (b.to_vec(), None),
            BlobList::Arriving(rx) => (Vec::new(), Some(rx)),
        };
        let mut c = Checker {
            blobs,
            more,
            writing,
            state: State::Done,
            header: [0; BLOCK],
            hasher: Hasher::default(),
        };
        c.state = c.header_or_end(0);
        c
    }

    fn header_or_end(&mut self, n: usize) -> State {
        while n >= self.blobs.len() {
            match self.more.as_ref().map(Receiver::recv) {
                Some(Ok(b)) => self.blobs.push(b),
                _ => {
                    self.more = None;
                    break;
                }
            }
        }
        if n < self.blobs.len() {
            State::Header { n, have: 0 }
        } else {
            State::End { have: 0 }
        }
    }

    fn name(&self, n: usize) -> String {
        blob_member_name(&self.blobs[n].sha256)
    }

    /// Checks one chunk of decompressed bytes, noting in `ops` what to write.
    fn feed(&mut self, data: &[u8], ops: &mut Vec<Op>) -> Result<(), Error> {
        let mut pos = 0;
        while pos < data.len() {
            let rest = &data[pos..];
            match &mut self.state {
                State::Header { n, have } => {
                    let (n, k) = (*n, rest.len().min(BLOCK - *have));
                    self.header[*have..*have + k].copy_from_slice(&rest[..k]);
                    *have += k;
                    pos += k;
                    if *have == BLOCK {
                        let blob = self.blobs[n].clone();
                        if self.header != canonical_header(&self.name(n), blob.size) {
                            return Err(malformed(format!(
                                "expected the canonical header of {} ({} bytes) here",
                                self.name(n),
                                blob.size
                            )));
                        }
                        if self.writing {
                            ops.push(Op::Open(blob.sha256));
                        }
                        self.hasher = Hasher::default();
                        self.state = State::Data { n, left: blob.size };
                        self.end_blob_if_done(ops)?;
                    }
                }
                State::Data { left, .. } => {
                    let k = (*left).min(rest.len() as u64) as usize;
                    *left -= k as u64;
                    self.hasher.update(&rest[..k]);
                    if self.writing {
                        ops.push(Op::Write(pos..pos + k));
                    }
                    pos += k;
                    self.end_blob_if_done(ops)?;
                }
                State::Padding { n, left } => {
                    let (n, k) = (*n, rest.len().min(*left));
                    *left -= k;
                    let done = *left == 0;
                    pos += k;
                    if rest[..k].iter().any(|&b| b != 0) {
                        return Err(malformed(format!(
                            "non-zero padding after {}",
                            self.name(n)
                        )));
                    }
                    if done {
                        self.state = self.header_or_end(n + 1);
                    }
                }
                State::End { have } => {
                    let k = rest.len().min(2 * BLOCK - *have);
                    *have += k;
                    pos += k;
                    if rest[..k].iter().any(|&b| b != 0) {
                        return Err(malformed(
                            "the payload archive holds more than the manifest lists",
                        ));
                    }
                    if *have == 2 * BLOCK {
                        self.state = State::Done;
                    }
                }
                State::Done => {
                    return Err(malformed(
                        "the payload decompresses to more bytes than the manifest signs",
                    ))
                }
            }
        }
        Ok(())
    }

    fn end_blob_if_done(&mut self, ops: &mut Vec<Op>) -> Result<(), Error> {
        let State::Data { n, left: 0 } = self.state else {
            return Ok(());
        };
        let got = std::mem::take(&mut self.hasher).finish();
        if got != self.blobs[n].sha256 {
            return Err(malformed(format!("{} has SHA-256 {got}", self.name(n))));
        }
        if self.writing {
            ops.push(Op::Close);
        }
        self.state = match padding(self.blobs[n].size) {
            0 => self.header_or_end(n + 1),
            left => State::Padding { n, left },
        };
        Ok(())
    }

    /// Called at the end of the decompressed stream.
    fn end(&self) -> Result<(), Error> {
        let what = match &self.state {
            State::Done => return Ok(()),
            State::Header { n, .. } => format!("the header of {}", self.name(*n)),
            State::Data { n, .. } => self.name(*n),
            State::Padding { n, .. } => format!("the padding of {}", self.name(*n)),
            State::End { .. } => "the end-of-archive blocks".into(),
        };
        Err(malformed(format!(
            "decompressed payload ends inside {what}"
        )))
    }
}

pub(super) fn check_stage(
    input: Receiver<Chunk>,
    writer: Option<SyncSender<Chunk>>,
    free: Sender<Chunk>,
    blobs: BlobList<'_>,
    writing: bool,
) -> Staged<()> {
    let mut checker = Checker::new(blobs, writing);
    for mut chunk in input {
        chunk.ops.clear();
        checker.feed(&chunk.data, &mut chunk.ops)?;
        match &writer {
            Some(w) => w.send(chunk).map_err(|_| Stop::Hangup)?,
            None => {
                let _ = free.send(chunk);
            }
        }
    }
    checker.end()?;
    Ok(())
}
