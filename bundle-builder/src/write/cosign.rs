//! Co-signing: one more signature on an existing bundle, made here by a
//! signer (`cosign`) or elsewhere over the manifest alone (`attach`). The
//! manifest, SBOM and payload bytes are copied, never re-made.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use bundle_keys::signing::Signer;
use bundle_keys::PublicKey;
use bundle_verifier::format::envelope::{EnvelopeReader, MEMBER_PAYLOAD, MEMBER_SBOM};
use bundle_verifier::format::manifest::Manifest;
use bundle_verifier::trust::SignatureFile;
use bundle_verifier::Limits;

use super::approval::Approval;
use super::build::standing_under_newest_root;
use super::container::{new_temp, write_container_to, Front};
use super::selfcheck::{check_and_persist, SelfCheck};
use crate::BuildError;

/// Where the added signature comes from.
pub enum NewSignature<'a> {
    /// Made now over the bundle's manifest bytes.
    Signer(&'a dyn Signer),
    /// Made elsewhere by `sign-manifest` (read from `path`); checked to be
    /// over this bundle's manifest bytes, by a key the carried trust root
    /// accepts.
    Approval(&'a Approval, &'a Path),
}

/// Adds one more signature to a bundle; the manifest bytes stay the same.
/// The bundle is rewritten beside itself, checked with the verifier
/// library, and only then renamed over the original. A key that already
/// signed is refused ([`BuildError::AlreadySigned`]) and nothing changes.
pub fn cosign(
    bundle: &Path,
    signer: &dyn Signer,
    limits: &Limits,
) -> Result<SignatureFile, BuildError> {
    add_signature(bundle, NewSignature::Signer(signer), limits)
}

/// [`cosign`] with the signature from either source.
pub fn add_signature(
    bundle: &Path,
    new: NewSignature,
    limits: &Limits,
) -> Result<SignatureFile, BuildError> {
    let f = File::open(bundle).map_err(BuildError::io("cannot open", bundle))?;
    let mut env = EnvelopeReader::new(BufReader::with_capacity(1 << 20, f));
    let head = env.read_front(limits).map_err(BuildError::Bundle)?;
    let mut sigs = SignatureFile::parse(&head.signatures, limits).map_err(BuildError::Bundle)?;
    let manifest =
        Manifest::parse(&head.manifest, limits).map_err(|e| BuildError::Bundle(e.into()))?;
    let public: PublicKey = match &new {
        NewSignature::Signer(s) => s.public_key().clone(),
        NewSignature::Approval(a, path) => a.public(path)?,
    };
    let key = public.key_id().clone();
    if sigs.signatures.iter().any(|s| s.key_id == key) {
        return Err(BuildError::AlreadySigned {
            bundle: bundle.to_owned(),
            key,
        });
    }
    let sig = match &new {
        NewSignature::Signer(s) => s.sign(&head.manifest)?,
        NewSignature::Approval(a, path) => {
            let sig = a.check(path, &public, &head.manifest)?;
            let mut with = sigs.clone();
            with.insert(key.clone(), sig);
            standing_under_newest_root(&head.trust_roots, &head.manifest, &with, &manifest, &key)
                .map_err(|e| BuildError::Approval {
                path: path.to_path_buf(),
                msg: e.to_string(),
            })?;
            sig
        }
    };
    sigs.insert(key, sig);
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
    let tmp = new_temp(bundle)?;
    let sig_bytes = sigs.to_canonical_bytes();
    let front = Front {
        trust_roots: &head.trust_roots,
        manifest: &head.manifest,
        sigs: &sig_bytes,
        sbom: sbom.as_deref(),
    };
    write_container_to(&tmp, &front, env.inner_mut(), size, bundle)?;
    // Windows refuses to rename over a file that is still open.
    drop(env);
    check_and_persist(tmp, bundle, (&public, limits, SelfCheck::Deep))?;
    Ok(sigs)
}
