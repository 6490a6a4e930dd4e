//! Writing bundles: the payload stream, the manifest, the container, and
//! the self-check with the verifier library.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use bundle_keys::signing::Signer;
use bundle_keys::PublicKey;
use bundle_verifier::digest::{Hasher, Sha256Digest};
use bundle_verifier::envelope::{
    canonical_header, padding, trust_root_member, EnvelopeReader, BLOCK, FORMAT_MARKER,
    MEMBER_FORMAT, MEMBER_MANIFEST, MEMBER_PAYLOAD, MEMBER_SBOM, MEMBER_SIGNATURES,
};
use bundle_verifier::manifest::{
    Blob, Confirm, Manifest, Payload, Release, Target, MANIFEST_FORMAT,
};
use bundle_verifier::payload::{
    blob_member_name, start_writeback, unpack_chunks, BlobList, Tuning,
};
use bundle_verifier::sbom::{SbomRef, SbomSummary};
use bundle_verifier::trust::SignatureFile;
use bundle_verifier::{Limits, TrustedKeys, VerifyOptions};
use serde::Serialize;

use crate::collect::{collect, Collected};
use crate::place::{member_len, Plan};
use crate::{BuildError, Spec};

#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// zstd level, 1 to 19 (higher levels need windows the verifier refuses).
    pub level: i32,
    pub limits: Limits,
    /// Trust root documents to carry, as (version, exact bytes), consecutive
    /// (see [`crate::trust::load_chain`]).
    pub trust_roots: Vec<(u64, Vec<u8>)>,
    /// SBOM file to carry; overrides the spec's `release.sbom`.
    pub sbom: Option<PathBuf>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            level: 3,
            limits: Limits::default(),
            trust_roots: Vec::new(),
            sbom: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct BuildReport {
    pub bundle: PathBuf,
    pub bundle_size: u64,
    pub manifest_sha256: Sha256Digest,
    pub payload_sha256: Sha256Digest,
    pub payload_size: u64,
    pub release: Release,
    pub signed_by: Vec<bundle_keys::KeyId>,
    /// More distinct release-key signatures (`cosign`) the newest carried
    /// trust root demands before instruments accept the bundle.
    pub signatures_needed: usize,
    /// Versions of the trust roots the bundle carries.
    pub trust_roots: Vec<u64>,
    /// The SBOM the bundle carries, and how many components it lists.
    pub sbom: Option<SbomRef>,
    pub sbom_components: usize,
    pub targets: Vec<String>,
    pub files: usize,
    pub blobs: usize,
    pub uncompressed_bytes: u64,
}

/// Builds, signs, writes and self-checks a bundle; `out` appears only when all succeeded.
pub fn build(
    spec: &Spec,
    signer: &dyn Signer,
    out: &Path,
    opts: &BuildOptions,
) -> Result<BuildReport, BuildError> {
    build_placed(spec, signer, out, opts, Placement::Predict).map(|(report, _)| report)
}

/// How the payload reaches its place in the bundle file (tests force each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    /// Straight into the bundle file once its offset is certain (`place`).
    Predict,
    /// Into a spool file, copied in after the members before it.
    Spool,
    /// As `Predict`, but at a wrong offset, which the builder must notice.
    #[cfg(test)]
    WrongOffset,
}

fn build_placed(
    spec: &Spec,
    signer: &dyn Signer,
    out: &Path,
    opts: &BuildOptions,
    placement: Placement,
) -> Result<(BuildReport, bool), BuildError> {
    if !(1..=19).contains(&opts.level) {
        return Err(BuildError::Spec {
            path: out.to_owned(),
            msg: format!("zstd level {} is outside 1..=19", opts.level),
        });
    }
    // The SBOM first: a wrong file should not cost a whole compression.
    let sbom = match opts.sbom.clone().or_else(|| spec.sbom_path()) {
        Some(path) => Some(read_sbom(&path, &opts.limits)?),
        None => None,
    };
    // List every target's files; they are read and hashed while compressing.
    let mut lists = Vec::new();
    for t in &spec.targets {
        lists.push(collect(&spec.files_dir(t), &opts.limits)?);
    }
    let all: Vec<&Collected> = lists.iter().flatten().collect();
    let draft = Draft {
        spec,
        lists: &lists,
        trust_roots: &opts.trust_roots,
        sbom: sbom
            .as_ref()
            .map(|(bytes, s)| (bytes.as_slice(), s.to_ref())),
        key: signer.key_id(),
    };

    let dir = out_dir(out);
    let mut spool =
        tempfile::tempfile_in(&dir).map_err(BuildError::io("cannot create a file in", &dir))?;
    let bundle = new_temp(out)?;
    let place = (placement != Placement::Spool).then(|| Place {
        draft: &draft,
        file: bundle.as_file(),
        #[cfg(test)]
        skew: if placement == Placement::WrongOffset {
            BLOCK as u64
        } else {
            0
        },
    });
    let streamed = write_payload(&all, &spool, place, opts)?;
    let (payload_sha256, payload_size) = (streamed.sha256, streamed.size);
    let manifest = draft.manifest(
        &streamed.digests,
        streamed.blobs,
        Payload {
            compression: "zstd".into(),
            sha256: payload_sha256,
            size: payload_size,
        },
    );
    manifest
        .validate(&opts.limits)
        .map_err(|e| BuildError::Spec {
            path: spec.base.clone(),
            msg: e.to_string(),
        })?;
    let manifest_bytes = manifest.to_canonical_bytes();
    let mut sigs = SignatureFile::default();
    sigs.insert(signer.key_id().clone(), signer.sign(&manifest_bytes)?);
    let signatures_needed = standing_under_newest_root(
        &opts.trust_roots,
        &manifest_bytes,
        &sigs,
        &manifest,
        signer.key_id(),
    )?;

    // The report needs little of the manifest; free it, and the file
    // lists, before the self-check parses the manifest again (peak memory
    // grows with the number of files).
    let report = BuildReport {
        bundle: out.to_owned(),
        bundle_size: 0,
        manifest_sha256: Sha256Digest::of(&manifest_bytes),
        payload_sha256,
        payload_size,
        release: manifest.release.clone(),
        signed_by: vec![signer.key_id().clone()],
        trust_roots: opts.trust_roots.iter().map(|(v, _)| *v).collect(),
        signatures_needed,
        sbom: manifest.sbom.clone(),
        sbom_components: sbom.as_ref().map_or(0, |(_, s)| s.components.len()),
        targets: manifest
            .targets
            .iter()
            .map(|t| format!("{}/{}", t.model, t.mode))
            .collect(),
        files: manifest.targets.iter().map(|t| t.files.len()).sum(),
        blobs: manifest.blobs.len(),
        uncompressed_bytes: manifest.blobs.iter().map(|b| b.size).sum(),
    };
    drop(manifest);
    drop(all);
    drop(draft);
    drop(lists);
    let sigs = sigs.to_canonical_bytes();
    let front = Front {
        trust_roots: &opts.trust_roots,
        manifest: &manifest_bytes,
        sigs: &sigs,
        sbom: sbom.as_ref().map(|(b, _)| b.as_slice()),
    };
    let werr = |e: io::Error| BuildError::io("cannot write", out)(e);
    let offset = front.payload_offset();
    let in_place = streamed.placed == Some(offset);
    let tmp = match streamed.placed {
        // The payload is where it belongs: write what goes around it.
        Some(at) if at == offset => {
            let mut f = bundle.as_file();
            f.rewind().map_err(werr)?;
            let mut w = BufWriter::with_capacity(1 << 20, f);
            write_front(&mut w, &front, payload_size).map_err(werr)?;
            w.flush().map_err(werr)?;
            drop(w);
            f.seek(io::SeekFrom::Start(at + payload_size))
                .map_err(werr)?;
            write_tail(&mut f, payload_size).map_err(werr)?;
            bundle
        }
        // Not where it belongs (cannot happen unless `place` is wrong):
        // copy it from there into a new file.
        Some(at) => {
            let mut src = bundle.as_file();
            src.seek(io::SeekFrom::Start(at)).map_err(werr)?;
            let tmp = new_temp(out)?;
            write_container_to(&tmp, &front, &mut src, payload_size, out)?;
            tmp
        }
        None => {
            spool
                .rewind()
                .map_err(BuildError::io("cannot read back", &dir))?;
            write_container_to(&bundle, &front, &mut spool, payload_size, out)?;
            bundle
        }
    };
    drop(spool);
    let bundle_size = check_and_persist(
        tmp,
        out,
        (signer.public_key(), &opts.limits, SelfCheck::Shallow),
    )?;
    Ok((
        BuildReport {
            bundle_size,
            ..report
        },
        in_place,
    ))
}

/// Everything the manifest and the members before the payload hold, but
/// the file digests and the payload's digest and size.
struct Draft<'a> {
    spec: &'a Spec,
    lists: &'a [Vec<Collected>],
    trust_roots: &'a [(u64, Vec<u8>)],
    sbom: Option<(&'a [u8], SbomRef)>,
    key: &'a bundle_keys::KeyId,
}

impl Draft<'_> {
    /// The manifest, given every file's digest in listing order and the
    /// blobs in payload order.
    fn manifest(&self, digests: &[Sha256Digest], blobs: Vec<Blob>, payload: Payload) -> Manifest {
        let (spec, lists) = (self.spec, self.lists);
        let mut digests = digests.iter();
        let mut targets = Vec::new();
        for (t, files) in spec.targets.iter().zip(lists) {
            let entries: Vec<_> = files
                .iter()
                .map(|c| c.entry(*digests.next().expect("one digest per file")))
                .collect();
            for mode in &t.modes {
                targets.push(Target {
                    catalog: t.catalog.clone(),
                    files: entries.clone(),
                    mode: mode.clone(),
                    model: t.model.clone(),
                    requires_version: t.requires_version.clone(),
                    udi_di: t.udi_di.clone(),
                });
            }
        }
        Manifest {
            blobs,
            format: MANIFEST_FORMAT.to_owned(),
            payload,
            release: Release {
                confirm: spec
                    .confirm
                    .iter()
                    .map(|c| Confirm {
                        id: c.id.clone(),
                        text: c.text.0.clone(),
                    })
                    .collect(),
                id: spec.release.id.clone(),
                notes: spec.release.notes.0.clone(),
                sequence: spec.release.sequence,
                title: spec.release.title.0.clone(),
                version: spec.release.version.clone(),
            },
            sbom: self.sbom.as_ref().map(|(_, r)| r.clone()),
            targets,
        }
    }

    /// Where the payload will start, for each digit count of its size.
    fn plan(&self, digests: &[Sha256Digest]) -> Plan {
        // One blob per distinct content; their order, which the compressor
        // decides, does not change the manifest's length.
        let mut seen = HashSet::new();
        let blobs = self
            .lists
            .iter()
            .flatten()
            .zip(digests)
            .filter(|(_, d)| seen.insert(**d))
            .map(|(c, d)| Blob {
                sha256: *d,
                size: c.size,
            })
            .collect();
        let m = self.manifest(
            digests,
            blobs,
            Payload {
                compression: "zstd".into(),
                sha256: Sha256Digest([0; 32]),
                size: 0,
            },
        );
        let mut sigs = SignatureFile::default();
        // Every Ed25519 signature has 64 bytes, so its encoding one length.
        sigs.insert(self.key.clone(), bundle_keys::SignatureBytes([0; 64]));
        let sigs = sigs.to_canonical_bytes();
        let without_manifest = Front {
            trust_roots: self.trust_roots,
            manifest: &[],
            sigs: &sigs,
            sbom: self.sbom.as_ref().map(|(b, _)| *b),
        }
        .payload_offset()
            - member_len(0);
        Plan::new(without_manifest, canonical_len(&m), m.payload_tar_size())
    }
}

/// The length of `m.to_canonical_bytes()`, counted without keeping the
/// bytes (several MiB for a large release, while zstd holds its buffers).
fn canonical_len(m: &Manifest) -> u64 {
    let mut c = Count(0);
    serde_json::to_writer(&mut c, m).expect("manifest serialises");
    c.0
}

/// A writer that only counts what it is given.
struct Count(u64);

impl Write for Count {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// With carried trust roots, checks the way instruments will that the
/// signer's key counts under the newest one (a release key, not revoked,
/// not expired, scope covering every model), and returns how many more
/// signatures its threshold needs. Without, there is nothing to check.
fn standing_under_newest_root(
    roots: &[(u64, Vec<u8>)],
    manifest_bytes: &[u8],
    sigs: &SignatureFile,
    manifest: &Manifest,
    key: &bundle_keys::KeyId,
) -> Result<usize, BuildError> {
    let Some((version, bytes)) = roots.last() else {
        return Ok(0);
    };
    let doc = bundle_keys::root::RootDocument::parse(bytes)
        .map_err(|e| BuildError::TrustRoot(e.to_string()))?;
    let trust = TrustedKeys::from_root(doc).map_err(|e| BuildError::TrustRoot(e.to_string()))?;
    let (verdict, threshold) = trust
        .counts_alone(manifest_bytes, sigs, manifest, key)
        .map_err(BuildError::SelfCheck)?;
    verdict.map_err(|why| {
        BuildError::TrustRoot(format!(
            "the signing key {key} would not count on instruments under trust root version {version}: {why}. Sign with a release key of that trust root, or add the key to it (`bundle-builder trust edit`)"
        ))
    })?;
    Ok(threshold.saturating_sub(1))
}

/// Reads and checks the SBOM file: a regular file, within the size limit,
/// CycloneDX or SPDX 2 JSON. Its bytes are carried as they are.
fn read_sbom(path: &Path, limits: &Limits) -> Result<(Vec<u8>, SbomSummary), BuildError> {
    let err = |msg: String| BuildError::Sbom {
        path: path.to_owned(),
        msg,
    };
    let f = File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
    let meta = f.metadata().map_err(|e| err(format!("cannot stat: {e}")))?;
    if !meta.is_file() {
        return Err(err("is not a regular file".into()));
    }
    let mut bytes = Vec::new();
    f.take(limits.max_sbom_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > limits.max_sbom_bytes {
        return Err(err(format!(
            "is larger than {} bytes, the most a bundle carries",
            limits.max_sbom_bytes
        )));
    }
    let summary = bundle_verifier::sbom::parse(&bytes).map_err(|e| err(e.to_string()))?;
    Ok((bytes, summary))
}

fn out_dir(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// What writing the payload established.
struct Streamed {
    /// The digest of every listed file, in listing order.
    digests: Vec<Sha256Digest>,
    /// One blob per distinct content, in order of first use.
    blobs: Vec<Blob>,
    sha256: Sha256Digest,
    size: u64,
    /// Where in the bundle file the stream went, when it went there
    /// rather than into the spool file.
    placed: Option<u64>,
}

/// Where the payload goes once its offset is certain.
struct Place<'a> {
    draft: &'a Draft<'a>,
    file: &'a File,
    /// Added to the predicted offset (tests: a wrong prediction).
    #[cfg(test)]
    skew: u64,
}

const CHUNK: usize = 1 << 20;
const CHUNKS: usize = 4;

/// The payload: a tar of `blobs/<sha256>` members under canonical headers,
/// zstd-compressed with fixed parameters so output is reproducible. Four
/// threads, so that compression (the bottleneck) has a core to itself:
/// a hasher reads every file once ahead of the compressor (a blob's name is
/// its digest, so it must be known before its bytes are compressed); the
/// compressor re-reads it (from the page cache) into the encoder; an output
/// thread hashes and writes the compressed stream; and the verifier
/// library decompresses that same stream and checks every header, padding
/// and blob digest, which also catches a file changed between the two reads.
fn write_payload(
    files: &[&Collected],
    spool: &File,
    place: Option<Place<'_>>,
    opts: &BuildOptions,
) -> Result<Streamed, BuildError> {
    std::thread::scope(|s| {
        // Unbounded: the hasher runs ahead, so that every digest, and with
        // them where the payload starts in the bundle, is known early.
        let (hash_tx, hash_rx) = mpsc::channel::<Result<Sha256Digest, BuildError>>();
        let (plan_tx, plan_rx) = mpsc::sync_channel::<Plan>(1);
        let draft = place.as_ref().map(|p| p.draft);
        let hasher = s.spawn(move || {
            let mut buf = vec![0u8; CHUNK];
            let mut digests = Vec::with_capacity(files.len());
            for c in files {
                let r = hash_file(c, &mut buf);
                let Ok(d) = &r else {
                    let _ = hash_tx.send(r);
                    return;
                };
                digests.push(*d);
                if hash_tx.send(r).is_err() {
                    return;
                }
            }
            if let Some(draft) = draft {
                let _ = plan_tx.send(draft.plan(&digests));
            }
        });
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
        let output = s.spawn(move || -> io::Result<(Sha256Digest, u64, Option<u64>)> {
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
        });
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

fn changed(c: &Collected) -> BuildError {
    BuildError::Payload {
        path: c.source.clone(),
        msg: "changed while the bundle was being built; build again".into(),
    }
}

fn hash_file(c: &Collected, buf: &mut [u8]) -> Result<Sha256Digest, BuildError> {
    let read_err = |e: io::Error| BuildError::Payload {
        path: c.source.clone(),
        msg: format!("cannot read: {e}"),
    };
    let mut f = File::open(&c.source).map_err(read_err)?;
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
        return Err(changed(c));
    }
    Ok(h.finish())
}

/// Feeds headers, file bytes and padding to the encoder in payload order,
/// each distinct content once. Runs on the calling thread.
fn compress(
    files: &[&Collected],
    hashes: mpsc::Receiver<Result<Sha256Digest, BuildError>>,
    blob_tx: mpsc::Sender<Blob>,
    out: mpsc::SyncSender<Vec<u8>>,
    free: mpsc::Receiver<Vec<u8>>,
    level: i32,
) -> Result<(Vec<Sha256Digest>, Vec<Blob>), Halt> {
    let mut enc = ChunkEncoder::new(level, zstd_workers(), out, free)?;
    let mut seen = HashSet::new();
    let mut digests = Vec::with_capacity(files.len());
    let mut blobs = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    for c in files {
        let digest = hashes.recv().map_err(|_| Halt::Stopped)??;
        digests.push(digest);
        if !seen.insert(digest) {
            continue;
        }
        let blob = Blob {
            sha256: digest,
            size: c.size,
        };
        // The checker learns of the blob before its bytes reach it.
        let _ = blob_tx.send(blob.clone());
        blobs.push(blob);
        let werr = |e: io::Error| match e.kind() {
            io::ErrorKind::BrokenPipe => Halt::Stopped,
            _ => BuildError::io("cannot compress", &c.source)(e).into(),
        };
        enc.write_all(&canonical_header(&blob_member_name(&digest), c.size))
            .map_err(werr)?;
        let mut f = File::open(&c.source).map_err(BuildError::io("cannot read", &c.source))?;
        let mut left = c.size;
        loop {
            let n = match f.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(BuildError::io("cannot read", &c.source)(e).into()),
            };
            if n == 0 {
                break;
            }
            if n as u64 > left {
                return Err(changed(c).into());
            }
            left -= n as u64;
            enc.write_all(&buf[..n]).map_err(werr)?;
        }
        if left != 0 {
            return Err(changed(c).into());
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
    Ok((digests, blobs))
}

/// Why the compressor stopped early.
enum Halt {
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

/// A zstd stream encoder writing into recycled chunks that go to `out`.
/// Input is always given with "continue" and the frame ended with an empty
/// "end", as `zstd::stream::write::Encoder` does, so the bytes are the same
/// whatever the chunk sizes.
struct ChunkEncoder {
    enc: zstd::stream::raw::Encoder<'static>,
    chunk: Vec<u8>,
    filled: usize,
    out: mpsc::SyncSender<Vec<u8>>,
    free: mpsc::Receiver<Vec<u8>>,
}

impl ChunkEncoder {
    fn new(
        level: i32,
        workers: u32,
        out: mpsc::SyncSender<Vec<u8>>,
        free: mpsc::Receiver<Vec<u8>>,
    ) -> Result<Self, BuildError> {
        use zstd::stream::raw::CParameter;
        let zerr = |e| BuildError::io("zstd", "encoder")(e);
        let mut enc = zstd::stream::raw::Encoder::new(level).map_err(zerr)?;
        for p in [
            CParameter::NbWorkers(workers),
            CParameter::JobSize(JOB_SIZE),
        ] {
            enc.set_parameter(p).map_err(zerr)?;
        }
        Ok(ChunkEncoder {
            enc,
            chunk: vec![0u8; CHUNK],
            filled: 0,
            out,
            free,
        })
    }

    fn emit(&mut self) -> io::Result<()> {
        let hung_up = || io::Error::from(io::ErrorKind::BrokenPipe);
        let mut next = self.free.recv().map_err(|_| hung_up())?;
        next.resize(CHUNK, 0);
        let mut done = std::mem::replace(&mut self.chunk, next);
        done.truncate(self.filled);
        self.filled = 0;
        self.out.send(done).map_err(|_| hung_up())
    }

    fn finish(&mut self) -> io::Result<()> {
        use zstd::stream::raw::{Operation, OutBuffer};
        loop {
            let mut dst = OutBuffer::around_pos(&mut self.chunk[..], self.filled);
            let left = self.enc.finish(&mut dst, false)?;
            self.filled = dst.pos();
            if left == 0 {
                break;
            }
            self.emit()?;
        }
        if self.filled > 0 {
            self.emit()?;
        }
        Ok(())
    }
}

impl Write for ChunkEncoder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use zstd::stream::raw::{InBuffer, Operation, OutBuffer};
        let mut src = InBuffer::around(buf);
        while src.pos < buf.len() {
            let mut dst = OutBuffer::around_pos(&mut self.chunk[..], self.filled);
            self.enc.run(&mut src, &mut dst)?;
            self.filled = dst.pos();
            if self.filled == self.chunk.len() {
                self.emit()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How the builder re-reads what it wrote.
#[derive(Clone, Copy)]
enum SelfCheck {
    /// Container, signatures, manifest and payload digest. Enough after
    /// `build`, whose compressed stream was checked blob by blob as it was
    /// produced; the payload digest binds the file to that stream.
    Shallow,
    /// Everything, decompressing again: `cosign` copies a payload it did
    /// not produce.
    Deep,
}

/// An empty temporary file beside `out`, to become it.
fn new_temp(out: &Path) -> Result<tempfile::NamedTempFile, BuildError> {
    let dir = out_dir(out);
    tempfile::Builder::new()
        .prefix(".bundle-")
        .tempfile_in(&dir)
        .map_err(BuildError::io("cannot create a file in", &dir))
}

/// Writes the whole container into `tmp`, the payload from `payload`.
fn write_container_to(
    tmp: &tempfile::NamedTempFile,
    front: &Front,
    payload: &mut impl Read,
    payload_size: u64,
    out: &Path,
) -> Result<(), BuildError> {
    let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
    write_container(&mut w, front, payload, payload_size)
        .and_then(|()| w.flush())
        .map_err(BuildError::io("cannot write", out))
}

/// Writes the container to a temporary file beside `out`, checks it with
/// the verifier library, and only then renames it to `out`.
#[allow(clippy::too_many_arguments)]
fn write_and_check(
    out: &Path,
    trust_roots: &[(u64, Vec<u8>)],
    sbom: Option<&[u8]>,
    manifest: &[u8],
    sigs: &SignatureFile,
    payload: &mut impl Read,
    payload_size: u64,
    check: (&PublicKey, &Limits, SelfCheck),
) -> Result<u64, BuildError> {
    let tmp = new_temp(out)?;
    let sigs = sigs.to_canonical_bytes();
    let front = Front {
        trust_roots,
        manifest,
        sigs: &sigs,
        sbom,
    };
    write_container_to(&tmp, &front, payload, payload_size, out)?;
    check_and_persist(tmp, out, check)
}

/// Re-reads the finished container in `tmp` with the verifier library
/// while another thread waits for the disk, and only when both are done
/// renames it to `out`. Returns its size.
fn check_and_persist(
    tmp: tempfile::NamedTempFile,
    out: &Path,
    check: (&PublicKey, &Limits, SelfCheck),
) -> Result<u64, BuildError> {
    let (check_key, limits, check) = check;
    // A bundle is public; temporary files start owner-only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(BuildError::io("cannot set permissions on", out))?;
    }
    let trust = TrustedKeys::new(vec![check_key.clone()], 1).map_err(BuildError::SelfCheck)?;
    let opts = VerifyOptions {
        limits: limits.clone(),
        deep: matches!(check, SelfCheck::Deep),
    };
    let (checked, synced) = std::thread::scope(|s| {
        let file = tmp.as_file();
        let sync = s.spawn(move || file.sync_all());
        let checked = bundle_verifier::verify(tmp.path(), &trust, &opts, &|_| {});
        (checked, sync.join().expect("sync thread does not panic"))
    });
    checked.map_err(BuildError::SelfCheck)?;
    synced.map_err(BuildError::io("cannot sync", out))?;
    let total = tmp
        .as_file()
        .metadata()
        .map_err(BuildError::io("cannot stat", out))?
        .len();
    tmp.persist(out)
        .map_err(|e| BuildError::io("cannot create", out)(e.error))?;
    Ok(total)
}

fn write_member(w: &mut impl Write, name: &str, data: &[u8]) -> io::Result<()> {
    w.write_all(&canonical_header(name, data.len() as u64))?;
    w.write_all(data)?;
    w.write_all(&vec![0u8; padding(data.len() as u64)])
}

/// The members before the payload, as bytes.
struct Front<'a> {
    trust_roots: &'a [(u64, Vec<u8>)],
    manifest: &'a [u8],
    sigs: &'a [u8],
    sbom: Option<&'a [u8]>,
}

impl Front<'_> {
    /// Where the payload's data starts: what `write_front` writes.
    fn payload_offset(&self) -> u64 {
        let mut c = Count(0);
        write_front(&mut c, self, 0).expect("counting does not fail");
        c.0
    }
}

/// The container, member by member (FORMAT.md, "Container").
fn write_container(
    w: &mut impl Write,
    front: &Front,
    payload: &mut impl Read,
    payload_size: u64,
) -> io::Result<()> {
    write_front(w, front, payload_size)?;
    let copied = io::copy(&mut payload.take(payload_size), w)?;
    if copied != payload_size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "payload shorter than its size",
        ));
    }
    write_tail(w, payload_size)
}

/// Every member before the payload, and the payload's header.
fn write_front(w: &mut impl Write, front: &Front, payload_size: u64) -> io::Result<()> {
    write_member(w, MEMBER_FORMAT, FORMAT_MARKER)?;
    for (version, bytes) in front.trust_roots {
        write_member(w, &trust_root_member(*version), bytes)?;
    }
    write_member(w, MEMBER_MANIFEST, front.manifest)?;
    write_member(w, MEMBER_SIGNATURES, front.sigs)?;
    if let Some(sbom) = front.sbom {
        write_member(w, MEMBER_SBOM, sbom)?;
    }
    w.write_all(&canonical_header(MEMBER_PAYLOAD, payload_size))
}

/// The payload's padding and the end of the archive.
fn write_tail(w: &mut impl Write, payload_size: u64) -> io::Result<()> {
    w.write_all(&vec![0u8; padding(payload_size)])?;
    w.write_all(&[0u8; 2 * BLOCK])
}

/// Adds one more signature to a bundle; the manifest bytes stay the same.
/// The bundle is rewritten beside itself and renamed over the original.
pub fn cosign(
    bundle: &Path,
    signer: &dyn Signer,
    limits: &Limits,
) -> Result<SignatureFile, BuildError> {
    let f = File::open(bundle).map_err(BuildError::io("cannot open", bundle))?;
    let mut env = EnvelopeReader::new(BufReader::with_capacity(1 << 20, f));
    let front = env.read_front(limits).map_err(BuildError::Bundle)?;
    let mut sigs = SignatureFile::parse(&front.signatures, limits).map_err(BuildError::Bundle)?;
    let manifest =
        Manifest::parse(&front.manifest, limits).map_err(|e| BuildError::Bundle(e.into()))?;
    sigs.insert(signer.key_id().clone(), signer.sign(&front.manifest)?);
    let sbom = match &manifest.sbom {
        Some(s) => Some(
            env.read_member(MEMBER_SBOM, s.size.min(limits.max_sbom_bytes))
                .map_err(BuildError::Bundle)?,
        ),
        None => None,
    };
    let size = env
        .read_header(MEMBER_PAYLOAD, manifest.payload.size)
        .map_err(BuildError::Bundle)?;
    write_and_check(
        bundle,
        &front.trust_roots,
        sbom.as_deref(),
        &front.manifest,
        &sigs,
        env.inner_mut(),
        size,
        (signer.public_key(), limits, SelfCheck::Deep),
    )?;
    Ok(sigs)
}

/// Bytes of input per zstd job. 3 MiB keeps the output within 0.7 % of
/// `tar | zstd -3` and the builder's peak memory at 46 MiB for a 1 GiB
/// release with two workers, 61 MiB for a 4 GiB one of 25 000 files; zstd's
/// default at level 3 (8 MiB) needs 82 MiB at 1 GiB, for 0.8 % less output.
const JOB_SIZE: u32 = 3 << 20;

/// zstd worker threads. Multithreaded zstd writes the same bytes for any
/// number of workers from one up (not the same as single-threaded mode), so
/// the bundle does not depend on the machine that built it; a unit test
/// holds that. Jobs are compressed in contiguous buffers, which at level 3
/// is about a fifth less work than single-threaded streaming.
fn zstd_workers() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `ChunkEncoder` over `input` written in pieces of `piece` bytes.
    fn chunked(input: &[u8], piece: usize, level: i32, workers: u32) -> Vec<u8> {
        let (out_tx, out_rx) = mpsc::sync_channel::<Vec<u8>>(CHUNKS);
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        for _ in 0..CHUNKS {
            free_tx.send(Vec::new()).unwrap();
        }
        let collector = std::thread::spawn(move || {
            let mut all = Vec::new();
            for c in out_rx {
                all.extend_from_slice(&c);
                let _ = free_tx.send(c);
            }
            all
        });
        let mut enc = ChunkEncoder::new(level, workers, out_tx, free_rx).unwrap();
        for p in input.chunks(piece) {
            enc.write_all(p).unwrap();
        }
        enc.finish().unwrap();
        drop(enc);
        collector.join().unwrap()
    }

    /// zstd's own stream encoder with the builder's parameters.
    fn reference(input: &[u8], level: i32) -> Vec<u8> {
        let mut enc = zstd::stream::write::Encoder::new(Vec::new(), level).unwrap();
        enc.multithread(1).unwrap();
        enc.set_parameter(zstd::stream::raw::CParameter::JobSize(JOB_SIZE))
            .unwrap();
        enc.write_all(input).unwrap();
        enc.finish().unwrap()
    }

    fn test_key() -> bundle_keys::signing::FileKey {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        bundle_keys::signing::FileKey::read_pem_file(
            &root.join("tests/vectors/v1-minimal/test-key.key"),
        )
        .unwrap()
    }

    /// Builds `spec` into `dir` with the payload placed the given way;
    /// the bundle's bytes, and whether the payload was written in place.
    fn built(spec: &Path, placement: Placement, dir: &Path) -> (Vec<u8>, bool) {
        let spec = Spec::load(spec).unwrap();
        let out = dir.join(format!("{placement:?}.bundle"));
        let (_, in_place) = build_placed(
            &spec,
            &test_key(),
            &out,
            &BuildOptions::default(),
            placement,
        )
        .unwrap();
        (std::fs::read(out).unwrap(), in_place)
    }

    fn example_spec() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/fsn2022-1230/release.toml")
    }

    /// A release of 40 MiB that compresses badly, so the stream spans many
    /// output chunks and the payload's offset is known long before its end.
    fn large_spec(dir: &Path) -> PathBuf {
        let files = dir.join("payload");
        std::fs::create_dir_all(files.join("data")).unwrap();
        let mut x = 7u64;
        for i in 0..5 {
            let mut bytes = vec![0u8; 8 << 20];
            for b in bytes.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            std::fs::write(files.join(format!("data/part{i}.bin")), bytes).unwrap();
        }
        std::fs::write(files.join("readme.txt"), "forty MiB of noise\n").unwrap();
        let spec = dir.join("release.toml");
        std::fs::write(
            &spec,
            "[release]\nid = \"LARGE-1\"\nversion = \"1.0.0\"\nsequence = 1\ntitle = \"Large\"\n\
             notes = \"\"\n\n[[target]]\nmodel = \"Bench 1000\"\nudi_di = [\"00000000000001\"]\n\
             catalog = [\"BENCH\"]\nmodes = [\"Dx\", \"RUO\"]\nfiles = \"payload\"\n",
        )
        .unwrap();
        spec
    }

    #[test]
    fn a_payload_written_in_place_gives_the_bytes_of_a_spooled_one() {
        let dir = tempfile::tempdir().unwrap();
        let spec = large_spec(dir.path());
        let out = tempfile::tempdir().unwrap();
        let (spooled, in_place) = built(&spec, Placement::Spool, out.path());
        assert!(!in_place);
        let (placed, in_place) = built(&spec, Placement::Predict, out.path());
        assert!(in_place, "a 40 MiB payload's offset is known early");
        assert!(placed == spooled);
        // A wrong prediction is noticed and the payload copied into place.
        let (copied, in_place) = built(&spec, Placement::WrongOffset, out.path());
        assert!(!in_place);
        assert!(copied == spooled);
        // No temporary file is left behind.
        let mut names: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["Predict.bundle", "Spool.bundle", "WrongOffset.bundle"]
        );
        // The example release, whatever way its small payload goes.
        let (small, _) = built(&example_spec(), Placement::Predict, dir.path());
        let (small_spooled, _) = built(&example_spec(), Placement::Spool, dir.path());
        assert!(small == small_spooled);
    }

    #[test]
    fn the_predicted_offset_is_where_the_payload_starts() {
        let dir = tempfile::tempdir().unwrap();
        let spec_path = example_spec();
        let (bundle, _) = built(&spec_path, Placement::Spool, dir.path());
        let limits = Limits::default();
        let mut env = EnvelopeReader::new(&bundle[..]);
        let front = env.read_front(&limits).unwrap();
        let manifest = Manifest::parse(&front.manifest, &limits).unwrap();
        let sbom_ref = manifest.sbom.as_ref().expect("the example carries an SBOM");
        env.read_member(MEMBER_SBOM, sbom_ref.size).unwrap();
        let size = env
            .read_header(MEMBER_PAYLOAD, manifest.payload.size)
            .unwrap();
        let start = env.offset;
        // The plan as the builder makes it, from the file digests alone.
        let spec = Spec::load(&spec_path).unwrap();
        let lists: Vec<_> = spec
            .targets
            .iter()
            .map(|t| collect(&spec.files_dir(t), &limits).unwrap())
            .collect();
        let sbom = spec.sbom_path().map(|p| read_sbom(&p, &limits).unwrap());
        let key = test_key();
        let draft = Draft {
            spec: &spec,
            lists: &lists,
            trust_roots: &[],
            sbom: sbom.as_ref().map(|(b, s)| (b.as_slice(), s.to_ref())),
            key: key.key_id(),
        };
        // Every listed file's digest: each target spec's files once.
        let digests: Vec<_> = spec
            .targets
            .iter()
            .map(|t| manifest.target(&t.model, &t.modes[0]).unwrap())
            .flat_map(|t| t.files.iter().map(|f| f.sha256))
            .collect();
        assert_eq!(draft.plan(&digests).offset(size), Some(start));
    }

    #[test]
    fn payload_bytes_depend_on_neither_chunk_sizes_nor_worker_count() {
        // Several jobs and many output chunks; half compressible.
        let mut input = Vec::new();
        let mut x = 1u32;
        while input.len() < 13 << 20 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            if (input.len() >> 16) % 2 == 0 {
                input.extend_from_slice(&x.to_le_bytes());
            } else {
                input.extend_from_slice(format!("line {} of text\n", x % 97).as_bytes());
            }
        }
        for level in [1, 3] {
            let want = reference(&input, level);
            assert_eq!(zstd::decode_all(&want[..]).unwrap(), input);
            for (piece, workers) in [(512, 1), (100_003, 2), (1 << 20, 4), (1 << 20, 3)] {
                assert!(
                    chunked(&input, piece, level, workers) == want,
                    "level {level}, piece {piece}, {workers} workers"
                );
            }
        }
        // A payload smaller than one zstd block, as a tiny bundle has.
        assert_eq!(chunked(b"tiny", 1, 3, 2), reference(b"tiny", 3));
    }
}
