//! The payload tar, fed to the encoder: canonical headers, file bytes and
//! padding, each distinct content once, in the order the digests arrive.
//! Reads payload files; writes only into the encoder.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::mpsc;

use bundle_verifier::format::digest::{Hasher, Sha256Digest};
use bundle_verifier::format::envelope::{canonical_header, padding, BLOCK};
use bundle_verifier::format::manifest::Blob;
use bundle_verifier::format::payload::blob_member_name;

use super::encoder::{zstd_workers, ChunkEncoder};
use super::{Hashed, CHUNK};
use crate::collect::{each, Collected, Listing};
use crate::BuildError;

fn changed(source: &Path) -> BuildError {
    BuildError::Payload {
        path: source.to_owned(),
        msg: "changed while the bundle was being built; build again".into(),
    }
}

pub(super) fn hash_file(
    (dir, c): (&Path, &Collected),
    buf: &mut [u8],
) -> Result<Sha256Digest, BuildError> {
    let source = c.source(dir);
    let read_err = |e: io::Error| BuildError::Payload {
        path: source.clone(),
        msg: format!("cannot read: {e}"),
    };
    let mut f = File::open(&source).map_err(read_err)?;
    let mut h = Hasher::default();
    loop {
        match f.read(buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_err(e)),
        }
    }
    if h.len() != c.size {
        return Err(changed(&source));
    }
    Ok(h.finish())
}

/// Feeds headers, file bytes and padding to the encoder in payload order,
/// each distinct content once. Runs on the calling thread.
pub(super) fn compress(
    files: &Listing,
    hashes: mpsc::Receiver<Result<Hashed, BuildError>>,
    blob_tx: mpsc::Sender<Blob>,
    out: mpsc::SyncSender<Vec<u8>>,
    free: mpsc::Receiver<Vec<u8>>,
    level: i32,
) -> Result<(Vec<Sha256Digest>, Vec<Blob>), Halt> {
    let count = each(files).count();
    let mut enc = ChunkEncoder::new(level, zstd_workers(count), out, free)?;
    let mut digests = Vec::with_capacity(count);
    let mut blobs = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    let mut hashed = Vec::new().into_iter();
    for (dir, c) in each(files) {
        let (digest, first) = match hashed.next() {
            Some(h) => h,
            None => {
                hashed = hashes.recv().map_err(|_| Halt::Stopped)??.into_iter();
                hashed.next().ok_or(Halt::Stopped)?
            }
        };
        digests.push(digest);
        if !first {
            continue;
        }
        let blob = Blob {
            sha256: digest,
            size: c.size,
        };
        // The checker learns of the blob before its bytes reach it.
        let _ = blob_tx.send(blob.clone());
        blobs.push(blob);
        let source = c.source(dir);
        let werr = |e: io::Error| match e.kind() {
            io::ErrorKind::BrokenPipe => Halt::Stopped,
            _ => BuildError::io("cannot compress", &source)(e).into(),
        };
        enc.write_all(&canonical_header(&blob_member_name(&digest), c.size))
            .map_err(werr)?;
        let mut f = File::open(&source).map_err(BuildError::io("cannot read", &source))?;
        let mut left = c.size;
        loop {
            let n = match f.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(BuildError::io("cannot read", &source)(e).into()),
            };
            if n == 0 {
                break;
            }
            if n as u64 > left {
                return Err(changed(&source).into());
            }
            left -= n as u64;
            enc.write_all(&buf[..n]).map_err(werr)?;
        }
        if left != 0 {
            return Err(changed(&source).into());
        }
        enc.write_all(&ZEROS[..padding(c.size)]).map_err(werr)?;
    }
    drop(blob_tx);
    enc.write_all(&ZEROS[..2 * BLOCK])
        .and_then(|_| enc.finish())
        .map_err(|e| match e.kind() {
            io::ErrorKind::BrokenPipe => Halt::Stopped,
            _ => BuildError::io("cannot compress", "payload")(e).into(),
        })?;
    // Grown by doubling; the manifest keeps it to the end of the build.
    blobs.shrink_to_fit();
    Ok((digests, blobs))
}

/// Why the compressor stopped early.
pub(super) enum Halt {
    Failed(BuildError),
    /// A later stage hung up; it reports why.
    Stopped,
}

impl From<BuildError> for Halt {
    fn from(e: BuildError) -> Self {
        Halt::Failed(e)
    }
}

const ZEROS: [u8; 2 * BLOCK] = [0; 2 * BLOCK];
