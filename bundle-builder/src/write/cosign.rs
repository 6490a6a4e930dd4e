//! Co-signing: one more signature on an existing bundle. The manifest,
//! SBOM and payload bytes are copied, never re-made.

use std::fs::File;
use std::io::{BufReader, Read};
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
    let tmp = write_beside(
        bundle,
        &front.trust_roots,
        sbom.as_deref(),
        &front.manifest,
        &sigs,
        env.inner_mut(),
        size,
    )?;
    // Windows renames nothing over a file that is still open.
    drop(env);
    check_and_persist(tmp, bundle, (signer.public_key(), limits, SelfCheck::Deep))?;
    Ok(sigs)
}

/// Writes the container to a temporary file beside `out`; the caller
/// checks it with the verifier library and only then renames it to `out`.
fn write_beside(
    out: &Path,
    trust_roots: &[(u64, Vec<u8>)],
    sbom: Option<&[u8]>,
    manifest: &[u8],
    sigs: &SignatureFile,
    payload: &mut impl Read,
    payload_size: u64,
) -> Result<tempfile::NamedTempFile, BuildError> {
    let tmp = new_temp(out)?;
    let sigs = sigs.to_canonical_bytes();
    let front = Front {
        trust_roots,
        manifest,
        sigs: &sigs,
        sbom,
    };
    write_container_to(&tmp, &front, payload, payload_size, out)?;
    Ok(tmp)
}
