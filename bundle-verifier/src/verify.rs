//! The read paths: open and authenticate a bundle, verify it, inspect it
//! without trust, and extract one target.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::format::digest::Sha256Digest;
use crate::format::envelope::{EnvelopeReader, Front, MEMBER_SBOM};
use crate::format::manifest::{Manifest, Release, Target};
use crate::format::payload::{read_payload, Sink};
use crate::format::sbom::SbomSummary;
use crate::format::volumes::Volumes;
use crate::platform::Tree;
use crate::trust::{SignatureFile, TrustedKeys, Verified};
use crate::Limits;

#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    pub limits: Limits,
    /// Also decompress the payload and check every file's digest.
    pub deep: bool,
}

/// A bundle whose manifest is authenticated; the payload is still unread.
pub struct Opened<R> {
    pub env: EnvelopeReader<R>,
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    pub manifest_sha256: Sha256Digest,
    pub signatures: SignatureFile,
    pub verified: Verified,
    /// The carried SBOM, its digest checked against the manifest.
    pub sbom: Option<Sbom>,
}

/// An SBOM as carried (exact bytes) and as read.
#[derive(Clone, Debug)]
pub struct Sbom {
    pub bytes: Vec<u8>,
    pub summary: SbomSummary,
}

/// Reads member `sbom.json` when `manifest` has an SBOM entry, and checks
/// its size, digest and kind against that entry.
fn read_sbom<R: std::io::Read>(
    env: &mut EnvelopeReader<R>,
    manifest: &Manifest,
    limits: &Limits,
) -> Result<Option<Sbom>, Error> {
    let Some(want) = &manifest.sbom else {
        return Ok(None);
    };
    // Read up to the general limit, so that a wrong size is reported as such.
    let bytes = env.read_member(MEMBER_SBOM, limits.max_sbom_bytes)?;
    let found = Sha256Digest::of(&bytes);
    if found != want.sha256 || bytes.len() as u64 != want.size {
        return Err(Error::SbomDigest {
            expected: want.sha256,
            found,
            expected_size: want.size,
            found_size: bytes.len() as u64,
        });
    }
    let summary = want.check(&bytes)?;
    Ok(Some(Sbom { bytes, summary }))
}

/// Opens a bundle by its (first) file. Reads are not buffered here: the
/// front is read in a few large pieces, the payload in 1 MiB chunks, and
/// the split reader must know exactly how far each volume was read.
pub fn open_bundle(path: &Path) -> Result<EnvelopeReader<Volumes>, Error> {
    Ok(EnvelopeReader::new(Volumes::open(path)?))
}

/// Reads the front of a bundle and checks its signatures before parsing the
/// manifest: the only untrusted JSON parsed first is the small signature file.
/// A split bundle's later volumes are opened beside `path` as the payload
/// reaches them, each checked against the signed list when it ends.
pub fn open_verified(
    path: &Path,
    trust: &TrustedKeys,
    limits: &Limits,
) -> Result<Opened<Volumes>, Error> {
    let mut o = open_verified_from(open_bundle(path)?, trust, limits)?;
    let front = o.env.offset;
    o.env.inner_mut().expect(&o.manifest, front)?;
    Ok(o)
}

/// [`open_verified`] over any reader (the fuzz targets read from memory).
pub fn open_verified_from<R: std::io::Read>(
    mut env: EnvelopeReader<R>,
    trust: &TrustedKeys,
    limits: &Limits,
) -> Result<Opened<R>, Error> {
    let Front {
        trust_roots,
        manifest: manifest_bytes,
        signatures,
    } = env.read_front(limits)?;
    // Newer trust roots first: they are installed before the bundle is judged.
    let (trust, updates) = trust.advance(&trust_roots)?;
    let signatures = SignatureFile::parse(&signatures, limits)?;
    let candidates = trust
        .check(&manifest_bytes, &signatures)?
        .with_updates(updates);
    let manifest = Manifest::parse(&manifest_bytes, limits)?;
    let verified = trust.judge(candidates, &manifest)?;
    let manifest_sha256 = Sha256Digest::of(&manifest_bytes);
    let sbom = read_sbom(&mut env, &manifest, limits)?;
    Ok(Opened {
        env,
        manifest,
        manifest_bytes,
        manifest_sha256,
        signatures,
        verified,
        sbom,
    })
}

/// [`read_payload`] of a bundle opened by path; when the payload fails a
/// check while a later volume of a split bundle is read, the error names
/// that volume if it is not the signed one (FORMAT.md 1.3).
pub fn read_payload_blamed(
    env: &mut EnvelopeReader<Volumes>,
    manifest: &Manifest,
    sink: Option<&Sink>,
    limits: &Limits,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), Error> {
    read_payload(env, manifest, sink, limits, progress).map_err(|e| env.inner_mut().blame(e))
}

/// What `verify` established, for humans; `--json` prints it as a
/// [`crate::audit::record::VerifyRecord`], whose fields are the stable schema.
#[derive(Clone, Debug)]
pub struct VerifyReport {
    pub bundle: PathBuf,
    /// Bytes read from the bundle file, which is all of it (nothing may follow its end).
    pub bundle_size: u64,
    /// The authenticated manifest: release, targets with every file, payload.
    pub manifest: Manifest,
    pub manifest_sha256: Sha256Digest,
    pub signatures: Verified,
    /// True when every file was decompressed and its digest checked too.
    pub deep: bool,
    /// The signed SBOM's kind, digest and components, when the bundle has one.
    pub sbom: Option<SbomSummary>,
}

impl VerifyReport {
    pub fn release(&self) -> &Release {
        &self.manifest.release
    }

    pub fn targets(&self) -> impl Iterator<Item = TargetSummary> + '_ {
        let m = &self.manifest;
        m.targets.iter().map(|t| TargetSummary::of(m, t))
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetSummary {
    pub model: String,
    pub mode: String,
    pub udi_di: Vec<String>,
    pub catalog: Vec<String>,
    pub requires_version: Option<String>,
    pub files: usize,
    pub bytes: u64,
    /// The signed install actions (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<crate::format::manifest::InstallAction>,
}

impl TargetSummary {
    /// `t` of `m`, its files combined from its sets.
    pub fn of(m: &Manifest, t: &Target) -> Self {
        let files = m.files_of(t);
        TargetSummary {
            model: t.model.clone(),
            mode: t.mode.clone(),
            udi_di: t.udi_di.clone(),
            catalog: t.catalog.clone(),
            requires_version: t.requires_version.clone(),
            files: files.len(),
            bytes: files.iter().map(|f| f.size).sum(),
            actions: t.actions.clone(),
        }
    }
}

/// Checks a whole bundle: structure, signatures, manifest and payload digest
/// (and with `deep`, every file). Reads the file once, front to back.
pub fn verify(
    path: &Path,
    trust: &TrustedKeys,
    opts: &VerifyOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<VerifyReport, Error> {
    let mut o = open_verified(path, trust, &opts.limits)?;
    // Checked and parsed: its bytes (23 MiB for 100,000 files) need not
    // stay while the payload streams.
    drop(std::mem::take(&mut o.manifest_bytes));
    let sink = Sink::default();
    read_payload_blamed(
        &mut o.env,
        &o.manifest,
        opts.deep.then_some(&sink),
        &opts.limits,
        progress,
    )?;
    Ok(VerifyReport {
        bundle: path.to_owned(),
        bundle_size: o.env.offset,
        manifest: o.manifest,
        manifest_sha256: o.manifest_sha256,
        signatures: o.verified,
        deep: opts.deep,
        sbom: o.sbom.map(|s| s.summary),
    })
}

/// What `inspect` shows: the bundle's claims, explicitly unauthenticated.
#[derive(Clone, Debug, Serialize)]
pub struct Inspection {
    pub verified: bool,
    pub warning: &'static str,
    pub manifest_sha256: Sha256Digest,
    pub signed_by: Vec<bundle_keys::KeyId>,
    /// Versions of the trust roots the bundle carries (also unverified here).
    pub trust_roots: Vec<u64>,
    pub manifest: Manifest,
    /// The SBOM the manifest names (also unverified here).
    pub sbom: Option<SbomSummary>,
}

/// Reads the front only; trusts nothing. For a first look at an unknown file.
pub fn inspect(path: &Path, limits: &Limits) -> Result<Inspection, Error> {
    let mut env = open_bundle(path)?;
    let front = env.read_front(limits)?;
    let sigs = SignatureFile::parse(&front.signatures, limits)?;
    let manifest = Manifest::parse(&front.manifest, limits)?;
    let sbom = read_sbom(&mut env, &manifest, limits)?.map(|s| s.summary);
    Ok(Inspection {
        verified: false,
        warning:
            "UNVERIFIED: signatures were not checked; use `verify` with a trust root or trusted key",
        manifest_sha256: Sha256Digest::of(&front.manifest),
        signed_by: sigs.signatures.iter().map(|s| s.key_id.clone()).collect(),
        trust_roots: front.trust_roots.iter().map(|(v, _)| *v).collect(),
        manifest,
        sbom,
    })
}

/// A sink writing `target`'s files under `under` (relative) in `dir`;
/// `target` as [`Manifest::take_target`] gives it, its files combined.
pub fn sink_for<'a>(target: &'a Target, dir: Tree, under: &Path) -> Sink<'a> {
    Sink::new(dir, under, &target.files)
}

/// Result of `extract`.
#[derive(Clone, Debug, Serialize)]
pub struct Extracted {
    pub out: PathBuf,
    pub model: String,
    pub mode: String,
    pub files: usize,
    pub manifest_sha256: Sha256Digest,
    pub signatures: Verified,
}

/// Verifies the bundle and writes one target's files into `out`, which must
/// not exist yet. Files land in a sibling temporary directory first and are
/// renamed into place only when every digest matched.
pub fn extract(
    path: &Path,
    trust: &TrustedKeys,
    model: &str,
    mode: &str,
    out: &Path,
    limits: &Limits,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Extracted, Error> {
    if out.exists() {
        return Err(Error::Config(format!(
            "{} already exists; extract writes a new directory",
            out.display()
        )));
    }
    let mut o = open_verified(path, trust, limits)?;
    let found = o
        .manifest
        .target(model, mode)
        .map(|t| o.manifest.index_of(t));
    let at = found.ok_or_else(|| {
        let have: Vec<String> = o
            .manifest
            .targets
            .iter()
            .map(|t| format!("{}/{}", t.model, t.mode))
            .collect();
        Error::Config(format!(
            "this bundle has no target {model}/{mode}; it has {}",
            have.join(", ")
        ))
    })?;
    // Its files moved out of the sets (a copy was 10 MB at 100,000 files);
    // the manifest's bytes are not needed again.
    drop(std::mem::take(&mut o.manifest_bytes));
    let target = o.manifest.take_target(at);
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".extract-")
        .tempdir_in(&parent)
        .map_err(Error::io("cannot create a directory in", &parent))?;
    let dir = Tree::open_ambient(tmp.path()).map_err(|e| Error::Io {
        what: "cannot open",
        path: tmp.path().to_owned(),
        source: e,
    })?;
    // Refused before a byte is written, as apply does for its staging.
    ensure_free(&dir, &parent, &target)?;
    let sink = sink_for(&target, dir, Path::new(""));
    read_payload_blamed(&mut o.env, &o.manifest, Some(&sink), limits, progress)?;
    // Windows renames no directory that is open, and the sink holds it.
    drop(sink);
    let staged = tmp.keep();
    std::fs::rename(&staged, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        Error::Io {
            what: "cannot move extracted files to",
            path: out.to_owned(),
            source: e,
        }
    })?;
    Ok(Extracted {
        out: out.to_owned(),
        model: target.model,
        mode: target.mode,
        files: target.files.len(),
        manifest_sha256: o.manifest_sha256,
        signatures: o.verified,
    })
}

/// Result of `extract --sbom`.
#[derive(Clone, Debug, Serialize)]
pub struct ExtractedSbom {
    pub out: PathBuf,
    pub manifest_sha256: Sha256Digest,
    pub signatures: Verified,
    pub sbom: SbomSummary,
}

/// Verifies the signatures and writes the bundle's SBOM, whose digest the
/// signed manifest binds, to `out` (a new file). The payload is not read:
/// the SBOM's authenticity does not depend on it.
/// Test hook: free bytes to assume instead of asking the file system
/// (FORMAT.md 8.6).
pub const FREE_SPACE_ENV: &str = "BUNDLE_VERIFIER_FREE_BYTES";

/// Refuses, before anything is written, a directory whose file system has
/// less free space than `target`'s files take: whole blocks per file, and a
/// block for each file's directory entry and inode. `BUNDLE_VERIFIER_FREE_BYTES`
/// stands in for the free space in tests (FORMAT.md 8.6).
pub(crate) fn ensure_free(tree: &Tree, dir: &Path, target: &Target) -> Result<(), Error> {
    const BLOCK: u64 = 4096;
    let needed: u64 = target
        .files
        .iter()
        .map(|f| f.size.div_ceil(BLOCK) * BLOCK + BLOCK)
        .sum();
    let free = match std::env::var(FREE_SPACE_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(test_value) => Some(test_value),
        None => tree
            .free_bytes()
            .map_err(Error::io("cannot read free space of", dir))?,
    };
    match free {
        Some(available) if available < needed => Err(Error::NoSpace {
            dir: dir.to_owned(),
            needed,
            available,
        }),
        _ => Ok(()),
    }
}

pub fn extract_sbom(
    path: &Path,
    trust: &TrustedKeys,
    out: &Path,
    limits: &Limits,
) -> Result<ExtractedSbom, Error> {
    let o = open_verified(path, trust, limits)?;
    let Some(sbom) = o.sbom else {
        return Err(Error::Config(format!(
            "{} carries no SBOM (its manifest has no \"sbom\" entry)",
            path.display()
        )));
    };
    write_new_file(out, &sbom.bytes)?;
    Ok(ExtractedSbom {
        out: out.to_owned(),
        manifest_sha256: o.manifest_sha256,
        signatures: o.verified,
        sbom: sbom.summary,
    })
}

/// Writes `bytes` to `out`, which must not exist, so that `out` appears
/// complete or not at all.
fn write_new_file(out: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    if out.exists() {
        return Err(Error::Config(format!(
            "{} already exists; extract writes a new file",
            out.display()
        )));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".extract-")
        .tempfile_in(&parent)
        .map_err(Error::io("cannot create a file in", &parent))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(Error::io("cannot write", out))?;
    tmp.persist_noclobber(out)
        .map_err(|e| Error::io("cannot create", out)(e.error))?;
    Ok(())
}
