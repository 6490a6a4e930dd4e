//! Streaming the payload: one thread reads and hashes the compressed bytes
//! exactly once, another decompresses them, checks the inner archive against
//! the manifest block by block, hashes every blob and writes the wanted ones
//! into staging. Nothing here touches the instrument root.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::mpsc;

use crate::digest::{Hasher, Sha256Digest};
use crate::envelope::{canonical_header, padding, EnvelopeReader, BLOCK, MEMBER_PAYLOAD};
use crate::error::Error;
use crate::manifest::Manifest;
use crate::Limits;

const CHUNK: usize = 1 << 20;
const CHANNEL_DEPTH: usize = 8;

/// Where each blob goes: staging paths (first is written, the rest copied) and the executable bit.
#[derive(Default, Debug)]
pub struct Sink {
    pub dests: HashMap<Sha256Digest, Vec<(PathBuf, bool)>>,
}

/// The name of a blob inside the payload archive.
pub fn blob_member_name(d: &Sha256Digest) -> String {
    format!("blobs/{}", d.to_hex())
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
    let expected = manifest.payload.size;
    // No limit here: any size but the signed one is refused just below, with both sizes named.
    let size = env.read_header(MEMBER_PAYLOAD, u64::MAX)?;
    if size != expected {
        return Err(malformed(format!(
            "the payload member is {size} bytes but the signed manifest says {expected}"
        )));
    }
    let Some(sink) = sink else {
        let digest = pump(env, size, None, progress)?;
        return finish(env, manifest, size, digest);
    };
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(CHANNEL_DEPTH);
        let decoder = s.spawn(move || unpack(ChannelReader::new(rx), manifest, sink, limits));
        let pumped = pump(env, size, Some(tx), progress);
        let unpacked = decoder.join().unwrap_or_else(|_| {
            Err(Error::PayloadMalformed(
                "the decompressing thread panicked".into(),
            ))
        });
        match pumped {
            // The reader's verdict on the signed digest outranks a decoding error.
            Ok(digest) => {
                finish(env, manifest, size, digest)?;
                unpacked
            }
            Err(Error::PayloadMalformed(_)) if unpacked.is_err() => unpacked,
            Err(e) => Err(e),
        }
    })
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

/// Reads exactly `size` bytes once, hashing them and handing them on.
fn pump<R: Read>(
    env: &mut EnvelopeReader<R>,
    size: u64,
    tx: Option<mpsc::SyncSender<Vec<u8>>>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Sha256Digest, Error> {
    let mut hasher = Hasher::default();
    let mut left = size;
    let mut buf = vec![0u8; CHUNK];
    while left > 0 {
        let want = left.min(CHUNK as u64) as usize;
        let n = match env.inner_mut().read(&mut buf[..want]) {
            Ok(0) => {
                return Err(Error::Truncated {
                    offset: env.offset,
                    what: "payload".into(),
                })
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::ReadBundle(e)),
        };
        env.offset += n as u64;
        left -= n as u64;
        hasher.update(&buf[..n]);
        progress(n as u64);
        if let Some(tx) = &tx {
            if tx.send(buf[..n].to_vec()).is_err() {
                // The decoder stopped on an error of its own; it reports it.
                return Err(Error::PayloadMalformed("decoder stopped".into()));
            }
        }
    }
    Ok(hasher.finish())
}

struct ChannelReader {
    rx: mpsc::Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl ChannelReader {
    fn new(rx: mpsc::Receiver<Vec<u8>>) -> Self {
        ChannelReader {
            rx,
            chunk: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.rx.recv() {
                Ok(c) => {
                    self.chunk = c;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len() - self.pos);
        out[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn malformed(m: impl Into<String>) -> Error {
    Error::PayloadMalformed(m.into())
}

/// Reads exactly `buf.len()` decompressed bytes.
fn fill(r: &mut impl Read, buf: &mut [u8], what: &str) -> Result<(), Error> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            malformed(format!("decompressed payload ends inside {what}"))
        }
        _ => malformed(format!("decompression failed in {what}: {e}")),
    })
}

/// Decompresses and checks the inner archive: exactly the manifest's blobs,
/// in order, each under its canonical header, each matching its digest.
fn unpack(
    input: impl Read,
    manifest: &Manifest,
    sink: &Sink,
    limits: &Limits,
) -> Result<(), Error> {
    let mut dec =
        zstd::stream::read::Decoder::new(input).map_err(|e| malformed(format!("zstd: {e}")))?;
    dec.window_log_max(limits.zstd_window_log_max)
        .map_err(|e| malformed(format!("zstd: {e}")))?;
    let mut buf = vec![0u8; 256 * 1024];
    for blob in &manifest.blobs {
        let name = blob_member_name(&blob.sha256);
        let mut header = [0u8; BLOCK];
        fill(&mut dec, &mut header, &format!("the header of {name}"))?;
        if header != canonical_header(&name, blob.size) {
            return Err(malformed(format!(
                "expected the canonical header of {name} ({} bytes) here",
                blob.size
            )));
        }
        let dests = sink.dests.get(&blob.sha256);
        let mut out = match dests.and_then(|d| d.first()) {
            Some((path, exec)) => Some((create_staged(path, *exec)?, path)),
            None => None,
        };
        let mut hasher = Hasher::default();
        let mut left = blob.size;
        while left > 0 {
            let n = left.min(buf.len() as u64) as usize;
            fill(&mut dec, &mut buf[..n], &name)?;
            hasher.update(&buf[..n]);
            if let Some((f, path)) = &mut out {
                f.write_all(&buf[..n])
                    .map_err(Error::io("cannot write staged file", path.as_path()))?;
            }
            left -= n as u64;
        }
        let got = hasher.finish();
        if got != blob.sha256 {
            return Err(malformed(format!("{name} has SHA-256 {got}")));
        }
        let mut pad = vec![0u8; padding(blob.size)];
        fill(&mut dec, &mut pad, &format!("the padding of {name}"))?;
        if pad.iter().any(|&b| b != 0) {
            return Err(malformed(format!("non-zero padding after {name}")));
        }
        if let Some((f, path)) = out {
            f.sync_all()
                .map_err(Error::io("cannot sync staged file", path.as_path()))?;
            for (copy, exec) in &dests.expect("out implies dests")[1..] {
                let mut dst = create_staged(copy, *exec)?;
                let mut src = File::open(path)
                    .map_err(Error::io("cannot read staged file", path.as_path()))?;
                io::copy(&mut src, &mut dst)
                    .map_err(Error::io("cannot write staged file", copy.as_path()))?;
                dst.sync_all()
                    .map_err(Error::io("cannot sync staged file", copy.as_path()))?;
            }
        }
    }
    let mut end = [0u8; 2 * BLOCK];
    fill(&mut dec, &mut end, "the end-of-archive blocks")?;
    if end.iter().any(|&b| b != 0) {
        return Err(malformed(
            "the payload archive holds more than the manifest lists",
        ));
    }
    let mut one = [0u8; 1];
    match dec.read(&mut one) {
        Ok(0) => Ok(()),
        Ok(_) => Err(malformed(
            "the payload decompresses to more bytes than the manifest signs",
        )),
        Err(e) => Err(malformed(format!("zstd: {e}"))),
    }
}

fn create_staged(path: &PathBuf, exec: bool) -> Result<File, Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(Error::io("cannot create staging directory", parent))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if exec { 0o755 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = exec;
    opts.open(path)
        .map_err(Error::io("cannot create staged file", path.as_path()))
}
