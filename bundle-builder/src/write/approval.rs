//! Detached approval: the signed manifest bytes taken out of a bundle
//! (`manifest`), a signature over them made anywhere (`sign-manifest`),
//! and its check before `attach` adds it ([`super::cosign::add_signature`]).
//! The bundle's `signatures.json` member is unchanged in meaning: an
//! approval becomes one more entry in it, exactly as `cosign` adds one.

use std::path::Path;

use bundle_keys::signing::Signer;
use bundle_keys::{KeyId, PublicKey, SignatureBytes};
use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::format::manifest::Manifest;
use bundle_verifier::format::read::read_at_most;
use bundle_verifier::{Limits, TrustedKeys};
use serde::{Deserialize, Serialize};

use crate::error::read_error;
use crate::BuildError;

/// `kind` of an approval file.
pub const APPROVAL_KIND: &str = "bundle-approval";

/// The most bytes an approval file may have (it is a few hundred).
const MAX_APPROVAL_BYTES: u64 = 16 << 10;

/// An approval file: one Ed25519 signature over a release's exact manifest
/// bytes, with the public key that made it and the manifest's digest.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub kind: String,
    pub algorithm: String,
    pub key_id: KeyId,
    /// SPKI PEM of the signing key.
    pub public_key: String,
    pub manifest_sha256: Sha256Digest,
    /// Base64 of the 64 signature bytes.
    pub signature: String,
}

impl Approval {
    /// Signs `manifest` (the bytes `bundle-builder manifest` wrote).
    pub fn sign(manifest: &[u8], signer: &dyn Signer) -> Result<Self, BuildError> {
        Ok(Approval {
            kind: APPROVAL_KIND.into(),
            algorithm: "ed25519".into(),
            key_id: signer.key_id().clone(),
            public_key: signer.public_key().to_pem(),
            manifest_sha256: Sha256Digest::of(manifest),
            signature: signer.sign(manifest)?.to_base64(),
        })
    }

    pub fn read(path: &Path) -> Result<Self, BuildError> {
        let err = |msg: String| BuildError::Approval {
            path: path.to_owned(),
            msg,
        };
        let bytes = read_at_most(path, MAX_APPROVAL_BYTES)
            .map_err(|e| err(read_error("cannot read", e, MAX_APPROVAL_BYTES)))?;
        let a: Approval = serde_json::from_slice(&bytes)
            .map_err(|e| err(format!("is not an approval file ({e})")))?;
        if a.kind != APPROVAL_KIND || a.algorithm != "ed25519" {
            return Err(err(format!(
                "is of kind {:?}, algorithm {:?}; expected {APPROVAL_KIND:?}, \"ed25519\"",
                a.kind, a.algorithm
            )));
        }
        Ok(a)
    }

    /// The signing key, which must be the one `key_id` names.
    pub fn public(&self, path: &Path) -> Result<PublicKey, BuildError> {
        let err = |msg: String| BuildError::Approval {
            path: path.to_owned(),
            msg,
        };
        let public = PublicKey::from_pem(&self.public_key).map_err(|e| err(e.to_string()))?;
        if public.key_id() != &self.key_id {
            return Err(err(format!(
                "names key {} but carries the public key of {}",
                self.key_id,
                public.key_id()
            )));
        }
        Ok(public)
    }

    /// The signature, if it is over exactly `manifest` by `public`.
    pub fn check(
        &self,
        path: &Path,
        public: &PublicKey,
        manifest: &[u8],
    ) -> Result<SignatureBytes, BuildError> {
        let err = |msg: String| BuildError::Approval {
            path: path.to_owned(),
            msg,
        };
        let here = Sha256Digest::of(manifest);
        if self.manifest_sha256 != here {
            return Err(err(format!(
                "approves the manifest with SHA-256 {}, but this bundle's manifest has {here}: it approves another release or build",
                self.manifest_sha256
            )));
        }
        let sig = SignatureBytes::from_base64(&self.signature).map_err(|e| err(e.to_string()))?;
        public.verify_strict(manifest, &sig).map_err(|_| {
            err(format!(
                "the signature by key {} does not verify over this bundle's manifest",
                self.key_id
            ))
        })?;
        Ok(sig)
    }
}

/// The exact signed manifest bytes of `bundle`, once a signature on them
/// by one of `keys` (or by a release key of the newest trust root the
/// bundle carries) verifies.
pub fn signed_manifest(
    bundle: &Path,
    keys: Vec<PublicKey>,
    limits: &Limits,
) -> Result<Vec<u8>, BuildError> {
    let f = std::fs::File::open(bundle).map_err(BuildError::io("cannot open", bundle))?;
    let mut env =
        bundle_verifier::format::envelope::EnvelopeReader::new(std::io::BufReader::new(f));
    let head = env.read_front(limits).map_err(BuildError::Bundle)?;
    let mut keys = keys;
    if let Some((_, bytes)) = head.trust_roots.last() {
        let doc = bundle_keys::root::RootDocument::parse(bytes)
            .map_err(|e| BuildError::TrustRoot(e.to_string()))?;
        keys.extend(doc.release_keys.into_iter().map(|(k, _)| k));
    }
    if keys.is_empty() {
        return Err(BuildError::Usage(format!(
            "{} carries no trust root, so no key is known to check its signature against; give the public key of a signer with --signed-by KEY.pub",
            bundle.display()
        )));
    }
    keys.sort_by(|a, b| a.key_id().cmp(b.key_id()));
    keys.dedup();
    let trust = TrustedKeys::new(keys, 1).map_err(BuildError::Bundle)?;
    drop(env);
    let opened =
        bundle_verifier::open_verified(bundle, &trust, limits).map_err(BuildError::Bundle)?;
    Manifest::parse(&opened.manifest_bytes, limits).map_err(|e| BuildError::Bundle(e.into()))?;
    Ok(opened.manifest_bytes)
}

/// Reads a manifest file written by `bundle-builder manifest`: within the
/// manifest limit, and a manifest.
pub fn read_manifest_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, BuildError> {
    let err = |msg: String| BuildError::Approval {
        path: path.to_owned(),
        msg,
    };
    let bytes = read_at_most(path, limits.max_manifest_bytes)
        .map_err(|e| err(read_error("cannot read", e, limits.max_manifest_bytes)))?;
    Manifest::parse(&bytes, limits).map_err(|e| {
        err(format!(
            "is not a bundle manifest as `bundle-builder manifest` writes it ({e})"
        ))
    })?;
    Ok(bytes)
}
