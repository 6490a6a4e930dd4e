//! Streaming the payload in one forward pass, as a pipeline of threads that
//! hand a fixed set of buffers along and back (nothing is allocated per
//! chunk, memory does not grow with the bundle):
//!
//! reader → hasher → decoder → checker → writer
//!
//! The reader reads the compressed bytes exactly once; the hasher computes
//! their SHA-256 for the signed payload digest; the decoder decompresses
//! (window bounded by `Limits`); the checker holds the inner archive to the
//! manifest (canonical headers, sizes, zero padding, per-blob SHA-256, end
//! blocks, nothing more); the writer puts the wanted blobs into private
//! staging. Nothing here touches the instrument root. Idle threads block, so
//! on two cores the work spreads over both.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

use crate::error::Error;
use crate::format::digest::{Hasher, Sha256Digest};
use crate::format::envelope::{canonical_header, padding, EnvelopeReader, BLOCK, MEMBER_PAYLOAD};
use crate::format::manifest::{Blob, Manifest};
use crate::Limits;

/// Sizes of the pipeline's buffers. Large chunks keep per-chunk overhead
/// (channel hand-offs, syscalls) negligible; a few of each keep every thread busy.
#[derive(Clone, Copy, Debug)]
pub struct Tuning {
    /// Bytes of compressed input per read.
    pub in_chunk: usize,
    pub in_buffers: usize,
    /// Bytes of decompressed output per buffer.
    pub out_chunk: usize,
    pub out_buffers: usize,
}

/// Bytes per read when only hashing (a shallow read).
const SHALLOW_CHUNK: usize = 128 << 10;

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            in_chunk: 1 << 20,
            in_buffers: 4,
            out_chunk: 1 << 20,
            out_buffers: 6,
        }
    }
}

/// Where each blob goes: staging paths (each gets the same bytes) and the executable bit.
#[derive(Default, Debug)]
pub struct Sink {
    pub dests: HashMap<Sha256Digest, Vec<(PathBuf, bool)>>,
}

/// The name of a blob inside the payload archive.
pub fn blob_member_name(d: &Sha256Digest) -> String {
    format!("blobs/{}", d.to_hex())
}

/// Why a pipeline stage stopped early.
enum Stop {
    /// This stage found the problem.
    Failed(Error),
    /// A neighbour hung up; that neighbour reports why.
    Hangup,
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Failed(e)
    }
}

type Staged<T> = Result<T, Stop>;

fn joined<T>(r: std::thread::Result<Staged<T>>) -> Staged<T> {
    r.unwrap_or_else(|_| Err(Stop::Failed(malformed("a payload thread panicked"))))
}

/// The first real failure among stages given in pipeline order.
fn first_failure(stages: impl IntoIterator<Item = Staged<()>>) -> Result<(), Error> {
    for s in stages {
        if let Err(Stop::Failed(e)) = s {
            return Err(e);
        }
    }
    Ok(())
}

/// Reads the payload member and the end of the container. With a `sink`,
/// also decompresses and checks every blob (a "deep" read); without one,
/// checks only the compressed stream's size and digest.
pub fn read_payload<R: Read>(
    env: &mut EnvelopeReader<R>,
    manifest: &Manifest,
    sink: Option<&Sink>,
    limits: &Limits,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), Error> {
    read_payload_tuned(env, manifest, sink, limits, progress, Tuning::default())
}

/// [`read_payload`] with explicit buffer sizes (tests use tiny ones so that
/// every header and blob straddles buffers).
pub fn read_payload_tuned<R: Read>(
    env: &mut EnvelopeReader<R>,
    manifest: &Manifest,
    sink: Option<&Sink>,
    limits: &Limits,
    progress: &(dyn Fn(u64) + Sync),
    tuning: Tuning,
) -> Result<(), Error> {
    let expected = manifest.payload.size;
    // No limit here: any size but the signed one is refused just below, with both sizes named.
    let size = env.read_header(MEMBER_PAYLOAD, u64::MAX)?;
    if size != expected {
        return Err(malformed(format!(
            "the payload member is {size} bytes but the signed manifest says {expected}"
        )));
    }
    let Some(sink) = sink else {
        // Shallow: reading and hashing in one thread, like `openssl dgst`;
        // a hand-off per chunk would cost more than the copy it overlaps.
        // Chunks that stay in the core's cache between the copy from the
        // page cache and the hash: about 5 % faster here than 1 MiB ones.
        let chunk = tuning.in_chunk.min(SHALLOW_CHUNK);
        let buf = Vec::with_capacity(chunk);
        return match read_stage(env, size, buf, chunk, progress, Ok) {
            Ok(digest) => finish(env, manifest, size, digest),
            Err(Stop::Failed(e)) => Err(e),
            Err(Stop::Hangup) => unreachable!("nothing downstream to hang up"),
        };
    };
    let (read, unpacked) = std::thread::scope(|s| {
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(tuning.in_buffers);
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        for _ in 1..tuning.in_buffers {
            let _ = free_tx.send(Vec::with_capacity(tuning.in_chunk));
        }
        let first = Vec::with_capacity(tuning.in_chunk);
        let blobs = &manifest.blobs;
        let unpacker = s.spawn(move || {
            unpack_chunks(
                full_rx,
                Some(free_tx),
                BlobList::Known(blobs),
                Some(sink),
                limits,
                tuning,
            )
        });
        let read = read_stage(env, size, first, tuning.in_chunk, progress, move |buf| {
            full_tx.send(buf).map_err(|_| Stop::Hangup)?;
            free_rx.recv().map_err(|_| Stop::Hangup)
        });
        let unpacked = unpacker
            .join()
            .unwrap_or_else(|_| Err(malformed("a payload thread panicked")));
        (read, unpacked)
    });
    match read {
        // The reader's verdict on the signed digest outranks a decoding error.
        Ok(digest) => {
            finish(env, manifest, size, digest)?;
            unpacked
        }
        Err(Stop::Failed(e)) => Err(e),
        Err(Stop::Hangup) => match unpacked {
            Err(e) => Err(e),
            Ok(()) => Err(malformed("the payload pipeline stopped early")),
        },
    }
}

fn finish<R: Read>(
    env: &mut EnvelopeReader<R>,
    manifest: &Manifest,
    size: u64,
    digest: Sha256Digest,
) -> Result<(), Error> {
    if digest != manifest.payload.sha256 {
        return Err(Error::PayloadDigest {
            expected: manifest.payload.sha256,
            found: digest,
            expected_size: manifest.payload.size,
            found_size: size,
        });
    }
    env.read_padding(size, MEMBER_PAYLOAD)?;
    env.read_end()
}

/// Reads exactly `size` bytes once and hashes them, a chunk at a time;
/// `next` takes each filled buffer and gives back an empty one (the same,
/// or a recycled one once the decoder is done with it).
fn read_stage<R: Read>(
    env: &mut EnvelopeReader<R>,
    size: u64,
    mut buf: Vec<u8>,
    chunk: usize,
    progress: &(dyn Fn(u64) + Sync),
    mut next: impl FnMut(Vec<u8>) -> Staged<Vec<u8>>,
) -> Staged<Sha256Digest> {
    let mut hasher = Hasher::default();
    let mut left = size;
    while left > 0 {
        let want = left.min(chunk as u64) as usize;
        buf.resize(want, 0);
        let mut filled = 0;
        while filled < want {
            match env.inner_mut().read(&mut buf[filled..]) {
                Ok(0) => {
                    return Err(Stop::Failed(Error::Truncated {
                        offset: env.offset + filled as u64,
                        what: "payload".into(),
                    }))
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Stop::Failed(Error::ReadBundle(e))),
            }
        }
        env.offset += want as u64;
        left -= want as u64;
        hasher.update(&buf);
        progress(want as u64);
        buf = next(buf)?;
    }
    Ok(hasher.finish())
}

fn malformed(m: impl Into<String>) -> Error {
    Error::PayloadMalformed(m.into())
}

/// The blobs the inner archive must hold, in order.
pub enum BlobList<'a> {
    /// From a manifest.
    Known(&'a [Blob]),
    /// Arriving while the stream is checked: the builder's self-check, whose
    /// list grows as files are hashed. A blob is sent before its bytes are
    /// compressed; the sender is dropped after the last one.
    Arriving(Receiver<Blob>),
}

/// Decompresses compressed chunks arriving on `input` and checks the inner
/// archive against `blobs`, writing wanted blobs through `sink`. Used
/// buffers go to `recycle` when given (the builder's self-check feeds its
/// own output here). Returns when the input ends or on the first problem.
pub fn unpack_chunks(
    input: Receiver<Vec<u8>>,
    recycle: Option<Sender<Vec<u8>>>,
    blobs: BlobList<'_>,
    sink: Option<&Sink>,
    limits: &Limits,
    tuning: Tuning,
) -> Result<(), Error> {
    // A sink with nothing to write needs no writer thread.
    let sink = sink.filter(|s| !s.dests.is_empty());
    let (decoded, checked, written) = std::thread::scope(|s| {
        let (out_tx, out_rx) = mpsc::sync_channel::<Chunk>(tuning.out_buffers);
        let (free_tx, free_rx) = mpsc::channel::<Chunk>();
        for _ in 0..tuning.out_buffers {
            let _ = free_tx.send(Chunk::with_capacity(tuning.out_chunk));
        }
        let (write_tx, write_rx) = mpsc::sync_channel::<Chunk>(tuning.out_buffers);
        let writer = sink.map(|sink| {
            let free = free_tx.clone();
            s.spawn(move || write_stage(write_rx, free, sink))
        });
        let checker = s.spawn(move || {
            check_stage(
                out_rx,
                sink.map(|_| write_tx),
                free_tx,
                blobs,
                sink.is_some(),
            )
        });
        let decoded = decode_stage(input, recycle, out_tx, free_rx, limits, tuning.out_chunk);
        let checked = joined(checker.join());
        let written = writer.map(|w| joined(w.join())).unwrap_or(Ok(Vec::new()));
        (decoded, checked, written)
    });
    let (written, files) = match written {
        Ok(files) => (Ok(()), files),
        Err(e) => (Err(e), Vec::new()),
    };
    first_failure([decoded, checked, written])?;
    // Only a stream that passed every check is worth waiting on the disk for.
    let paths: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    crate::platform::sync_files(&paths).map_err(Error::io(
        "cannot sync staged files on the file system of",
        paths.first().copied().unwrap_or(Path::new("")),
    ))
}

/// A buffer of decompressed bytes and, for the writer, what to do with them.
struct Chunk {
    data: Vec<u8>,
    ops: Vec<Op>,
}

impl Chunk {
    fn with_capacity(n: usize) -> Self {
        Chunk {
            data: Vec::with_capacity(n),
            ops: Vec::new(),
        }
    }
}

enum Op {
    /// The blob with this digest starts: create its staged files.
    Open(Sha256Digest),
    /// These bytes of the chunk belong to the open blob.
    Write(Range<usize>),
    /// The open blob is complete and its digest matched.
    Close,
}

fn decode_stage(
    input: Receiver<Vec<u8>>,
    recycle: Option<Sender<Vec<u8>>>,
    out: SyncSender<Chunk>,
    free: Receiver<Chunk>,
    limits: &Limits,
    out_chunk: usize,
) -> Staged<()> {
    use zstd::stream::raw::{DParameter, Decoder, InBuffer, Operation, OutBuffer};
    let zerr = |e: io::Error| Stop::Failed(malformed(format!("zstd: {e}")));
    let mut dec = Decoder::new().map_err(zerr)?;
    dec.set_parameter(DParameter::WindowLogMax(limits.zstd_window_log_max))
        .map_err(zerr)?;
    let mut chunk = free.recv().map_err(|_| Stop::Hangup)?;
    chunk.data.resize(out_chunk, 0);
    let mut filled = 0;
    // The hint of the last call: 0 when a frame was completely decoded and flushed.
    let mut hint = 0;
    let emit = |chunk: &mut Chunk, filled: &mut usize| -> Staged<()> {
        let mut next = free.recv().map_err(|_| Stop::Hangup)?;
        next.data.resize(out_chunk, 0);
        let mut done = std::mem::replace(chunk, next);
        done.data.truncate(*filled);
        *filled = 0;
        out.send(done).map_err(|_| Stop::Hangup)
    };
    for buf in input {
        let mut src = InBuffer::around(&buf);
        while src.pos < buf.len() {
            let mut dst = OutBuffer::around_pos(&mut chunk.data[..], filled);
            hint = dec.run(&mut src, &mut dst).map_err(zerr)?;
            filled = dst.pos();
            if filled == out_chunk {
                emit(&mut chunk, &mut filled)?;
            }
        }
        if let Some(r) = &recycle {
            let _ = r.send(buf);
        }
        // All input consumed; drain output the decoder still holds.
        while hint != 0 {
            let mut dst = OutBuffer::around_pos(&mut chunk.data[..], filled);
            let before = filled;
            hint = dec
                .run(&mut InBuffer::around(&[]), &mut dst)
                .map_err(zerr)?;
            filled = dst.pos();
            if filled == out_chunk {
                emit(&mut chunk, &mut filled)?;
            } else if filled == before {
                break; // needs more input
            }
        }
    }
    if filled > 0 {
        emit(&mut chunk, &mut filled)?;
    }
    if hint != 0 {
        return Err(Stop::Failed(malformed(
            "the compressed payload ends inside a zstd frame",
        )));
    }
    Ok(())
}

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

fn check_stage(
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

/// Writes the checked bytes; returns every file written, for the final sync.
fn write_stage(input: Receiver<Chunk>, free: Sender<Chunk>, sink: &Sink) -> Staged<Vec<&PathBuf>> {
    let mut open: Vec<(File, &PathBuf)> = Vec::new();
    let mut written: Vec<&PathBuf> = Vec::new();
    // Directories already made: one `mkdir` per directory, not per file.
    let mut made: HashSet<&Path> = HashSet::new();
    for chunk in input {
        for op in &chunk.ops {
            match op {
                Op::Open(digest) => {
                    open.clear();
                    for (path, exec) in sink.dests.get(digest).into_iter().flatten() {
                        if let Some(parent) = path.parent() {
                            if made.insert(parent) {
                                std::fs::create_dir_all(parent).map_err(Error::io(
                                    "cannot create staging directory",
                                    parent,
                                ))?;
                            }
                        }
                        open.push((create_staged(path, *exec)?, path));
                    }
                }
                Op::Write(r) => {
                    for (f, path) in &mut open {
                        f.write_all(&chunk.data[r.clone()])
                            .map_err(Error::io("cannot write staged file", path.as_path()))?;
                    }
                }
                Op::Close => {
                    for (f, path) in open.drain(..) {
                        crate::platform::start_writeback(&f);
                        written.push(path);
                    }
                }
            }
        }
        let _ = free.send(chunk);
    }
    Ok(written)
}

/// Creates a new staged file; its directory exists.
fn create_staged(path: &Path, exec: bool) -> Result<File, Error> {
    crate::platform::create_new(path, exec).map_err(Error::io("cannot create staged file", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tiny buffers: every header, blob and padding straddles several chunks.
    const TINY: Tuning = Tuning {
        in_chunk: 5,
        in_buffers: 2,
        out_chunk: 7,
        out_buffers: 2,
    };

    fn blob(data: &[u8]) -> Blob {
        Blob {
            sha256: Sha256Digest::of(data),
            size: data.len() as u64,
        }
    }

    /// The uncompressed inner archive for `files`, as a conforming builder writes it.
    fn archive(files: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for f in files {
            out.extend_from_slice(&canonical_header(
                &blob_member_name(&Sha256Digest::of(f)),
                f.len() as u64,
            ));
            out.extend_from_slice(f);
            out.resize(out.len() + padding(f.len() as u64), 0);
        }
        out.resize(out.len() + 2 * BLOCK, 0);
        out
    }

    fn files() -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = [0usize, 1, 511, 512, 513, 70_000]
            .iter()
            .map(|&n| (0..n).map(|i| (i * 31 % 251) as u8).collect())
            .collect();
        v.push(b"#!/bin/sh\necho hi\n".to_vec());
        v
    }

    fn run(compressed: &[u8], blobs: &[Blob], sink: Option<&Sink>, t: Tuning) -> Result<(), Error> {
        let (tx, rx) = mpsc::sync_channel(2);
        let chunks: Vec<Vec<u8>> = compressed.chunks(t.in_chunk).map(<[u8]>::to_vec).collect();
        let feeder = std::thread::spawn(move || {
            for c in chunks {
                if tx.send(c).is_err() {
                    break;
                }
            }
        });
        let r = unpack_chunks(
            rx,
            None,
            BlobList::Known(blobs),
            sink,
            &Limits::default(),
            t,
        );
        feeder.join().unwrap();
        r
    }

    fn check(raw: &[u8], blobs: &[Blob]) -> Vec<Result<(), String>> {
        let z = zstd::encode_all(raw, 3).unwrap();
        [TINY, Tuning::default()]
            .iter()
            .map(|t| run(&z, blobs, None, *t).map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn a_conforming_stream_passes_whatever_the_buffer_sizes() {
        let files = files();
        let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        let blobs: Vec<Blob> = files.iter().map(|f| blob(f)).collect();
        for r in check(&archive(&refs), &blobs) {
            assert_eq!(r, Ok(()));
        }
    }

    #[test]
    fn concatenated_zstd_frames_decode_as_one_stream() {
        let files = files();
        let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        let blobs: Vec<Blob> = files.iter().map(|f| blob(f)).collect();
        let raw = archive(&refs);
        let (a, b) = raw.split_at(1000);
        let mut z = zstd::encode_all(a, 3).unwrap();
        z.extend(zstd::encode_all(b, 19).unwrap());
        for t in [TINY, Tuning::default()] {
            run(&z, &blobs, None, t).unwrap();
        }
    }

    #[test]
    fn staged_files_get_the_blob_bytes_at_every_destination_with_their_mode() {
        let files = files();
        let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        let blobs: Vec<Blob> = files.iter().map(|f| blob(f)).collect();
        let z = zstd::encode_all(&archive(&refs)[..], 3).unwrap();
        for t in [TINY, Tuning::default()] {
            let dir = tempfile::tempdir().unwrap();
            let mut sink = Sink::default();
            for (i, f) in files.iter().enumerate() {
                let exec = f.starts_with(b"#!");
                let d = sink.dests.entry(Sha256Digest::of(f)).or_default();
                d.push((dir.path().join(format!("sub/{i}")), exec));
                d.push((dir.path().join(format!("copy/{i}")), exec));
            }
            run(&z, &blobs, Some(&sink), t).unwrap();
            for (i, f) in files.iter().enumerate() {
                for sub in ["sub", "copy"] {
                    let p = dir.path().join(format!("{sub}/{i}"));
                    assert_eq!(&std::fs::read(&p).unwrap(), f, "{}", p.display());
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::PermissionsExt;
                        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
                        let want = if f.starts_with(b"#!") { 0o755 } else { 0o644 };
                        assert_eq!(mode & 0o777, want & !umask(), "{}", p.display());
                    }
                }
            }
        }
    }

    #[cfg(unix)]
    fn umask() -> u32 {
        // The process umask, read back from a file created with 0o777.
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m");
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o777)
            .open(&p)
            .unwrap();
        0o777 & !std::fs::metadata(&p).unwrap().permissions().mode()
    }

    fn all_refused(results: Vec<Result<(), String>>, needle: &str) {
        for r in results {
            let e = r.expect_err("refused");
            assert!(e.contains(needle), "{e:?} should mention {needle:?}");
        }
    }

    #[test]
    fn a_blob_whose_bytes_do_not_match_its_digest_is_refused() {
        let good = b"hello world".to_vec();
        let mut raw = archive(&[&good]);
        raw[BLOCK + 3] ^= 1;
        all_refused(check(&raw, &[blob(&good)]), "has SHA-256");
    }

    #[test]
    fn a_header_that_is_not_canonical_is_refused() {
        let good = b"hello world".to_vec();
        let mut raw = archive(&[&good]);
        raw[100] ^= 1; // mode field
        all_refused(check(&raw, &[blob(&good)]), "canonical header");
    }

    #[test]
    fn non_zero_padding_is_refused() {
        let good = b"hello world".to_vec();
        let mut raw = archive(&[&good]);
        raw[BLOCK + good.len() + 2] = 1;
        all_refused(check(&raw, &[blob(&good)]), "non-zero padding");
    }

    #[test]
    fn bytes_after_the_end_blocks_are_refused() {
        let good = b"hello world".to_vec();
        let mut raw = archive(&[&good]);
        raw.push(0);
        all_refused(
            check(&raw, &[blob(&good)]),
            "more bytes than the manifest signs",
        );
    }

    #[test]
    fn an_extra_member_is_refused() {
        let (a, b) = (b"one".to_vec(), b"two".to_vec());
        let raw = archive(&[&a, &b]);
        all_refused(
            check(&raw, &[blob(&a)]),
            "holds more than the manifest lists",
        );
    }

    #[test]
    fn a_stream_that_ends_early_is_refused_with_where_it_ended() {
        let good = vec![7u8; 3000];
        let raw = archive(&[&good]);
        all_refused(
            check(&raw[..raw.len() - 1], &[blob(&good)]),
            "end-of-archive",
        );
        all_refused(
            check(&raw[..BLOCK + 10], &[blob(&good)]),
            "ends inside blobs/",
        );
        all_refused(check(&raw[..100], &[blob(&good)]), "the header of");
    }

    #[test]
    fn a_truncated_zstd_frame_is_refused() {
        let good = vec![7u8; 3000];
        let z = zstd::encode_all(&archive(&[&good])[..], 3).unwrap();
        for t in [TINY, Tuning::default()] {
            let e = run(&z[..z.len() - 2], &[blob(&good)], None, t).unwrap_err();
            assert!(matches!(e, Error::PayloadMalformed(_)), "{e}");
        }
    }

    #[test]
    fn garbage_instead_of_zstd_is_refused() {
        let good = b"x".to_vec();
        let e = run(b"not zstd at all", &[blob(&good)], None, TINY).unwrap_err();
        assert!(e.to_string().contains("zstd"), "{e}");
    }

    #[test]
    fn an_arriving_blob_list_checks_like_a_known_one() {
        let files = files();
        let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        let blobs: Vec<Blob> = files.iter().map(|f| blob(f)).collect();
        let z = zstd::encode_all(&archive(&refs)[..], 3).unwrap();
        let arriving = |list: &[Blob]| {
            let (tx, rx) = mpsc::channel();
            for b in list {
                tx.send(b.clone()).unwrap();
            }
            BlobList::Arriving(rx)
        };
        let feed = |z: &[u8]| {
            let (tx, rx) = mpsc::sync_channel(z.len());
            for c in z.chunks(TINY.in_chunk) {
                tx.send(c.to_vec()).unwrap();
            }
            rx
        };
        let lim = Limits::default();
        unpack_chunks(feed(&z), None, arriving(&blobs), None, &lim, TINY).unwrap();
        let short = unpack_chunks(feed(&z), None, arriving(&blobs[..2]), None, &lim, TINY);
        let e = short.unwrap_err().to_string();
        assert!(e.contains("holds more than the manifest lists"), "{e}");
    }
}
