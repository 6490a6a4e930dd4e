//! Co-signing: one more signature on an existing bundle. The manifest,
//! SBOM and payload bytes are copied, never re-made.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use bundle_keys::signing::Signer;
use bundle_verifier::format::envelope::{EnvelopeReader, MEMBER_PAYLOAD, MEMBER_SBOM};
use bundle_verifier::format::manifest::Manifest;
use bundle_verifier::trust::SignatureFile;
use bundle_verifier::Limits;

use super::container::{new_temp, write_container_to, Front};
use super::selfcheck::{check_and_persist, SelfCheck};
use crate::BuildError;

/// Adds one more signature to a bundle; the manifest bytes stay the same.
/// The bundle is rewritten beside itself, checked with the verifier
/// library, and only then renamed over the original.
pub fn cosign(
    bundle: &Path,
    signer: &dyn Signer,
    limits: &Limits,
) -> Result<SignatureFile, BuildError> {
    let f = File::open(bundle).map_err(BuildError::io("cannot open", bundle))?;
    let mut env = EnvelopeReader::new(BufReader::with_capacity(1 << 20, f));
    let head = env.read_front(limits).map_err(BuildError::Bundle)?;
    let mut sigs = SignatureFile::parse(&head.signatures, limits).map_err(BuildError::Bundle)?;
    let manifest =
        Manifest::parse(&head.manifest, limits).map_err(|e| BuildError::Bundle(e.into()))?;
    sigs.insert(signer.key_id().clone(), signer.sign(&head.manifest)?);
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
    check_and_persist(tmp, bundle, (signer.public_key(), limits, SelfCheck::Deep))?;
    Ok(sigs)
}
