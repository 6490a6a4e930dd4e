//! The payload stream: a tar of `blobs/<sha256>` members under canonical
//! headers, zstd-compressed with fixed parameters so output is
//! reproducible, written into a spool file or straight into the bundle
//! file once its offset there is certain. Never writes the container.

mod compress;
mod encoder;

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::sync::mpsc;

use bundle_verifier::format::digest::{Hasher, Sha256Digest};
use bundle_verifier::format::manifest::Blob;
use bundle_verifier::format::payload::{unpack_chunks, BlobList, Tuning};
use bundle_verifier::platform::start_writeback;

use super::draft::{BlobTally, Draft};
use super::BuildOptions;
use crate::collect::{each, Listing};
use crate::place::Plan;
use crate::BuildError;
use compress::{compress, hash_file, Halt};

/// What writing the payload established.
pub(super) struct Streamed {
    /// The digest of every listed file, in listing order.
    pub(super) digests: Vec<Sha256Digest>,
    /// One blob per distinct content, in order of first use.
    pub(super) blobs: Vec<Blob>,
    pub(super) sha256: Sha256Digest,
    pub(super) size: u64,
    /// Where in the bundle file the stream went, when it went there
    /// rather than into the spool file.
    pub(super) placed: Option<u64>,
}

/// Where the payload goes once its offset is certain.
pub(super) struct Place<'a> {
    pub(super) draft: &'a Draft<'a>,
    pub(super) file: &'a File,
    /// Added to the predicted offset (tests: a wrong prediction).
    #[cfg(test)]
    pub(super) skew: u64,
}

const CHUNK: usize = 1 << 20;
const CHUNKS: usize = 4;

/// The payload, on four threads, so that compression (the bottleneck) has
/// a core to itself: a hasher reads every file once ahead of the compressor
/// (a blob's name is its digest, so it must be known before its bytes are
/// compressed); the compressor re-reads it (from the page cache) into the
/// encoder; an output thread hashes and writes the compressed stream; and
/// the verifier library decompresses that same stream and checks every
/// header, padding and blob digest, which also catches a file changed
/// between the two reads.
pub(super) fn write_payload(
    files: &Listing,
    spool: &File,
    place: Option<Place<'_>>,
    opts: &BuildOptions,
) -> Result<Streamed, BuildError> {
    std::thread::scope(|s| {
        // Unbounded: the hasher runs ahead, so that every digest, and with
        // them where the payload starts in the bundle, is known early.
        let (hash_tx, hash_rx) = mpsc::channel::<Result<Hashed, BuildError>>();
        let (plan_tx, plan_rx) = mpsc::sync_channel::<Plan>(1);
        let draft = place.as_ref().map(|p| p.draft);
        let hasher = s.spawn(move || hash_ahead(files, hash_tx, plan_tx, draft));
        let (out_tx, out_rx) = mpsc::sync_channel::<Vec<u8>>(CHUNKS);
        let (check_tx, check_rx) = mpsc::sync_channel::<Vec<u8>>(CHUNKS);
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        for _ in 0..CHUNKS {
            let _ = free_tx.send(Vec::with_capacity(CHUNK));
        }
        let (blob_tx, blob_rx) = mpsc::channel::<Blob>();
        let limits = &opts.limits;
        let checker = s.spawn(move || {
            unpack_chunks(
                check_rx,
                Some(free_tx),
                BlobList::Arriving(blob_rx),
                None,
                limits,
                // Decompressing keeps up with the compressor with few
                // buffers; zstd's own buffers are most of the memory here.
                Tuning {
                    out_buffers: 3,
                    ..Tuning::default()
                },
            )
        });
        let output = s.spawn(move || write_out(out_rx, spool, place, plan_rx, check_tx));
        let compressed = compress(files, hash_rx, blob_tx, out_tx, free_rx, opts.level);
        let _ = hasher.join();
        let output = output.join().expect("output thread does not panic");
        let checked = checker.join().expect("checker does not panic");
        // The compressor's own error (a file unreadable, changed size)
        // first; if it stopped because a later stage did, that stage's.
        let compressed = match compressed {
            Err(Halt::Failed(e)) => return Err(e),
            Err(Halt::Stopped) => None,
            Ok(c) => Some(c),
        };
        let (sha256, size, placed) =
            output.map_err(BuildError::io("cannot write payload in", "temporary file"))?;
        checked.map_err(BuildError::PayloadCheck)?;
        let (digests, blobs) = compressed.ok_or_else(|| {
            BuildError::io("cannot write", "payload")(io::Error::other("payload writer stopped"))
        })?;
        Ok(Streamed {
            digests,
            blobs,
            sha256,
            size,
            placed,
        })
    })
}

/// Digests found by the hasher, in listing order, each with whether it is
/// the first file of its content (a blob of the payload).
type Hashed = Vec<(Sha256Digest, bool)>;

/// Files per message from the hasher, at most; fewer when their bytes fill
/// a chunk, so that compressing large files need not wait for many.
const BATCH: usize = 1024;

/// The hasher: every file's digest in listing order, in batches, then,
/// when the payload may go into the bundle file, the plan of where it
/// starts there. It alone tells first contents from repeats; it keeps no
/// digest once sent, so that 100,000 files cost the compressor's list only.
fn hash_ahead(
    files: &Listing,
    hash_tx: mpsc::Sender<Result<Hashed, BuildError>>,
    plan_tx: mpsc::SyncSender<Plan>,
    draft: Option<&Draft>,
) {
    let mut buf = vec![0u8; CHUNK];
    let mut seen = HashSet::new();
    let mut tally = BlobTally::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut bytes = 0;
    for f in each(files) {
        let d = match hash_file(f, &mut buf) {
            Ok(d) => d,
            Err(e) => {
                // The files before it first, as the compressor expects
                // (never an empty batch: it reads one as a hang-up).
                if !batch.is_empty() {
                    let _ = hash_tx.send(Ok(batch));
                }
                let _ = hash_tx.send(Err(e));
                return;
            }
        };
        let first = seen.insert(d);
        if first {
            tally.add(&Blob {
                sha256: d,
                size: f.1.size,
            });
        }
        batch.push((d, first));
        bytes += f.1.size;
        if batch.len() == BATCH || bytes >= CHUNK as u64 {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if hash_tx.send(Ok(full)).is_err() {
                return;
            }
            bytes = 0;
        }
    }
    if !batch.is_empty() && hash_tx.send(Ok(batch)).is_err() {
        return;
    }
    drop(seen);
    if let Some(draft) = draft {
        let _ = plan_tx.send(draft.plan(&tally));
    }
}

/// The output stage: hashes and writes each compressed chunk, moves the
/// stream into the bundle file once the plan knows its offset, and passes
/// the chunk on to the checker. The digest, size and where it went.
fn write_out(
    out_rx: mpsc::Receiver<Vec<u8>>,
    spool: &File,
    place: Option<Place<'_>>,
    plan_rx: mpsc::Receiver<Plan>,
    check_tx: mpsc::SyncSender<Vec<u8>>,
) -> io::Result<(Sha256Digest, u64, Option<u64>)> {
    let mut h = Hasher::default();
    let mut w = spool;
    let mut plan = None;
    let mut placed = None;
    let mut hinted = 0;
    for chunk in out_rx {
        h.update(&chunk);
        w.write_all(&chunk)?;
        let written = h.len();
        match (&place, placed) {
            (Some(p), None) => {
                plan = plan.or_else(|| plan_rx.try_recv().ok());
                if let Some(at) = plan.as_ref().and_then(|pl| pl.offset(written)) {
                    #[cfg(test)]
                    let at = at + p.skew;
                    move_spooled(spool, p.file, at, written)?;
                    w = p.file;
                    placed = Some(at);
                }
            }
            // Let the disk work while compression goes on, so the
            // final sync finds little left to write.
            (Some(p), Some(_)) if written - hinted >= WRITEBACK_EVERY => {
                start_writeback(p.file);
                hinted = written;
            }
            _ => {}
        }
        if check_tx.send(chunk).is_err() {
            break; // the checker stopped; it says why
        }
    }
    let len = h.len();
    Ok((h.finish(), len, placed))
}

/// How often the placed payload is handed to the disk.
const WRITEBACK_EVERY: u64 = 16 << 20;

/// Copies the `len` bytes spooled so far to `at` in `dest`, and leaves
/// `dest` positioned after them.
fn move_spooled(spool: &File, mut dest: &File, at: u64, len: u64) -> io::Result<()> {
    let mut src = spool;
    src.rewind()?;
    dest.seek(io::SeekFrom::Start(at))?;
    let copied = io::copy(&mut src.take(len), &mut dest)?;
    if copied != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "spooled payload shorter than written",
        ));
    }
    start_writeback(dest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use bundle_verifier::format::safepath::SafePath;
    use bundle_verifier::Limits;

    use super::*;
    use crate::collect::Collected;
    use crate::write::BuildOptions;

    fn listed(dir: &Path, name: &str, body: &str, size: u64) -> Collected {
        std::fs::write(dir.join(name), body).unwrap();
        Collected {
            path: SafePath::parse(name, &Limits::default()).unwrap(),
            size,
            executable: false,
        }
    }

    /// A file whose size is not the listed one is refused by name, whether
    /// files before it were hashed (a batch goes first) or none was.
    #[test]
    fn a_file_changed_after_listing_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let ok = listed(dir.path(), "a.txt", "a\n", 2);
        let bad = listed(dir.path(), "b.txt", "now longer\n", 2);
        for files in [vec![ok.clone(), bad.clone()], vec![bad]] {
            let listing = [(dir.path(), files.as_slice())];
            let spool = tempfile::tempfile().unwrap();
            match write_payload(&listing, &spool, None, &BuildOptions::default()) {
                Err(BuildError::Payload { path, msg }) => {
                    assert_eq!(path, dir.path().join("b.txt"));
                    assert!(msg.contains("changed while the bundle was being built"));
                }
                Err(e) => panic!("{e}"),
                Ok(_) => panic!("a changed file was accepted"),
            }
        }
    }

    #[test]
    fn repeated_contents_are_one_blob_and_every_file_has_its_digest() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<Collected> = (0..2500)
            .map(|i| listed(dir.path(), &format!("f{i}.txt"), &format!("{}\n", i % 3), 2))
            .collect();
        let listing = [(dir.path(), files.as_slice())];
        let spool = tempfile::tempfile().unwrap();
        let s = write_payload(&listing, &spool, None, &BuildOptions::default()).unwrap();
        assert_eq!(s.digests.len(), 2500);
        assert_eq!(s.blobs.len(), 3);
        for (i, d) in s.digests.iter().enumerate() {
            assert_eq!(*d, Sha256Digest::of(format!("{}\n", i % 3).as_bytes()));
        }
    }
}
