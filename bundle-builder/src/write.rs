//! Writing bundles: the payload stream, the manifest, the container, and
//! the self-check with the verifier library.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use bundle_keys::signing::Signer;
use bundle_keys::PublicKey;
use bundle_verifier::digest::{Hasher, HashingWriter, Sha256Digest};
use bundle_verifier::envelope::{
    canonical_header, padding, trust_root_member, EnvelopeReader, BLOCK, FORMAT_MARKER,
    MEMBER_FORMAT, MEMBER_MANIFEST, MEMBER_PAYLOAD, MEMBER_SIGNATURES,
};
use bundle_verifier::manifest::{
    Blob, Confirm, Manifest, Payload, Release, Target, MANIFEST_FORMAT,
};
use bundle_verifier::payload::blob_member_name;
use bundle_verifier::trust::SignatureFile;
use bundle_verifier::{Limits, TrustedKeys, VerifyOptions};
use serde::Serialize;

use crate::collect::{collect, Collected};
use crate::{BuildError, Spec};

#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// zstd level, 1 to 19 (higher levels need windows the verifier refuses).
    pub level: i32,
    pub limits: Limits,
    /// Trust root documents to carry, as (version, exact bytes), consecutive
    /// (see [`crate::trust::load_chain`]).
    pub trust_roots: Vec<(u64, Vec<u8>)>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            level: 3,
            limits: Limits::default(),
            trust_roots: Vec::new(),
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
    /// Versions of the trust roots the bundle carries.
    pub trust_roots: Vec<u64>,
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
    if !(1..=19).contains(&opts.level) {
        return Err(BuildError::Spec {
            path: out.to_owned(),
            msg: format!("zstd level {} is outside 1..=19", opts.level),
        });
    }
    let mut targets = Vec::new();
    let mut sources: Vec<Collected> = Vec::new();
    for t in &spec.targets {
        let files = collect(&spec.files_dir(t), &opts.limits)?;
        for mode in &t.modes {
            targets.push(Target {
                catalog: t.catalog.clone(),
                files: files.iter().map(|c| c.entry.clone()).collect(),
                mode: mode.clone(),
                model: t.model.clone(),
                requires_version: t.requires_version.clone(),
                udi_di: t.udi_di.clone(),
            });
        }
        sources.extend(files);
    }
    // One blob per distinct content, in order of first use.
    let mut seen = HashSet::new();
    let unique: Vec<Collected> = sources
        .into_iter()
        .filter(|c| seen.insert(c.entry.sha256))
        .collect();
    let blobs: Vec<Blob> = unique
        .iter()
        .map(|c| Blob {
            sha256: c.entry.sha256,
            size: c.entry.size,
        })
        .collect();

    let dir = out_dir(out);
    let mut payload =
        tempfile::tempfile_in(&dir).map_err(BuildError::io("cannot create a file in", &dir))?;
    let (payload_sha256, payload_size) = write_payload(&unique, &mut payload, opts.level)?;

    let manifest = Manifest {
        blobs,
        format: MANIFEST_FORMAT.to_owned(),
        payload: Payload {
            compression: "zstd".into(),
            sha256: payload_sha256,
            size: payload_size,
        },
        release: Release {
            confirm: spec
                .confirm
                .iter()
                .map(|c| Confirm {
                    id: c.id.clone(),
                    text: c.text.clone(),
                    text_de: c.text_de.clone(),
                })
                .collect(),
            id: spec.release.id.clone(),
            notes: spec.release.notes.clone(),
            sequence: spec.release.sequence,
            title: spec.release.title.clone(),
            version: spec.release.version.clone(),
        },
        targets,
    };
    manifest
        .validate(&opts.limits)
        .map_err(|e| BuildError::Spec {
            path: spec.base.clone(),
            msg: e.to_string(),
        })?;
    let manifest_bytes = manifest.to_canonical_bytes();
    let mut sigs = SignatureFile::default();
    sigs.insert(signer.key_id().clone(), signer.sign(&manifest_bytes)?);

    payload
        .rewind()
        .map_err(BuildError::io("cannot read back", &dir))?;
    let bundle_size = write_and_check(
        out,
        &opts.trust_roots,
        &manifest_bytes,
        &sigs,
        &mut payload,
        payload_size,
        signer.public_key(),
        &opts.limits,
    )?;
    Ok(BuildReport {
        bundle: out.to_owned(),
        bundle_size,
        manifest_sha256: Sha256Digest::of(&manifest_bytes),
        payload_sha256,
        payload_size,
        release: manifest.release.clone(),
        signed_by: vec![signer.key_id().clone()],
        trust_roots: opts.trust_roots.iter().map(|(v, _)| *v).collect(),
        targets: manifest
            .targets
            .iter()
            .map(|t| format!("{}/{}", t.model, t.mode))
            .collect(),
        files: manifest.targets.iter().map(|t| t.files.len()).sum(),
        blobs: manifest.blobs.len(),
        uncompressed_bytes: manifest.blobs.iter().map(|b| b.size).sum(),
    })
}

fn out_dir(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The payload: a tar of `blobs/<sha256>` members under canonical headers,
/// zstd-compressed with fixed parameters so output is reproducible.
fn write_payload(
    unique: &[Collected],
    out: &mut File,
    level: i32,
) -> Result<(Sha256Digest, u64), BuildError> {
    let sink = HashingWriter {
        inner: BufWriter::with_capacity(1 << 20, &mut *out),
        hasher: Hasher::default(),
    };
    let mut enc = zstd::stream::write::Encoder::new(sink, level)
        .map_err(BuildError::io("zstd", "encoder"))?;
    let mut buf = vec![0u8; 1 << 20];
    for c in unique {
        let e = &c.entry;
        enc.write_all(&canonical_header(&blob_member_name(&e.sha256), e.size))
            .map_err(BuildError::io("cannot write payload for", &c.source))?;
        let mut f = File::open(&c.source).map_err(BuildError::io("cannot read", &c.source))?;
        let mut h = Hasher::default();
        loop {
            let n = f
                .read(&mut buf)
                .map_err(BuildError::io("cannot read", &c.source))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            enc.write_all(&buf[..n])
                .map_err(BuildError::io("cannot write payload for", &c.source))?;
        }
        if h.len() != e.size || h.finish() != e.sha256 {
            return Err(BuildError::Payload {
                path: c.source.clone(),
                msg: "changed while the bundle was being built; build again".into(),
            });
        }
        enc.write_all(&vec![0u8; padding(e.size)])
            .map_err(BuildError::io("cannot write payload for", &c.source))?;
    }
    enc.write_all(&[0u8; 2 * BLOCK])
        .map_err(BuildError::io("cannot write", "payload"))?;
    let sink = enc
        .finish()
        .map_err(BuildError::io("cannot write", "payload"))?;
    let HashingWriter { inner, hasher } = sink;
    inner
        .into_inner()
        .map_err(|e| BuildError::io("cannot write", "payload")(e.into_error()))?;
    let len = hasher.len();
    Ok((hasher.finish(), len))
}

/// Writes the container to a temporary file beside `out`, checks it with
/// the verifier library, and only then renames it to `out`.
#[allow(clippy::too_many_arguments)]
fn write_and_check(
    out: &Path,
    trust_roots: &[(u64, Vec<u8>)],
    manifest: &[u8],
    sigs: &SignatureFile,
    payload: &mut impl Read,
    payload_size: u64,
    check_key: &PublicKey,
    limits: &Limits,
) -> Result<u64, BuildError> {
    let dir = out_dir(out);
    let tmp = tempfile::Builder::new()
        .prefix(".bundle-")
        .tempfile_in(&dir)
        .map_err(BuildError::io("cannot create a file in", &dir))?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
        let sigs = sigs.to_canonical_bytes();
        write_container(&mut w, trust_roots, manifest, &sigs, payload, payload_size)
            .and_then(|()| w.flush())
            .map_err(BuildError::io("cannot write", out))?;
    }
    // A bundle is public; temporary files start owner-only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(BuildError::io("cannot set permissions on", out))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(BuildError::io("cannot sync", out))?;
    let trust = TrustedKeys::new(vec![check_key.clone()], 1).map_err(BuildError::SelfCheck)?;
    let opts = VerifyOptions {
        limits: limits.clone(),
        deep: true,
    };
    bundle_verifier::verify(tmp.path(), &trust, &opts, &|_| {}).map_err(BuildError::SelfCheck)?;
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

/// The container, member by member (FORMAT.md, "Container").
fn write_container(
    w: &mut impl Write,
    trust_roots: &[(u64, Vec<u8>)],
    manifest: &[u8],
    sigs: &[u8],
    payload: &mut impl Read,
    payload_size: u64,
) -> io::Result<()> {
    write_member(w, MEMBER_FORMAT, FORMAT_MARKER)?;
    for (version, bytes) in trust_roots {
        write_member(w, &trust_root_member(*version), bytes)?;
    }
    write_member(w, MEMBER_MANIFEST, manifest)?;
    write_member(w, MEMBER_SIGNATURES, sigs)?;
    w.write_all(&canonical_header(MEMBER_PAYLOAD, payload_size))?;
    let copied = io::copy(&mut payload.take(payload_size), w)?;
    if copied != payload_size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "payload shorter than its size",
        ));
    }
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
    let size = env
        .read_header(MEMBER_PAYLOAD, manifest.payload.size)
        .map_err(BuildError::Bundle)?;
    write_and_check(
        bundle,
        &front.trust_roots,
        &front.manifest,
        &sigs,
        env.inner_mut(),
        size,
        signer.public_key(),
        limits,
    )?;
    Ok(sigs)
}
