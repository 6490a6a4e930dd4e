//! The release a report is about, read from its bundle (`report --bundle`):
//! the notice it answers and the products it is for, which the form prints.
//! With trust given, only a bundle whose manifest signatures count is read;
//! without, the manifest is read as is and marked unverified.

use std::path::Path;

use bundle_keys::KeyId;
use serde::Serialize;

use crate::format::digest::Sha256Digest;
use crate::format::manifest::{Manifest, Notice};
use crate::{Error, Limits, TrustedKeys};

/// What the report took from the release's bundle.
#[derive(Clone, Debug, Serialize)]
pub struct BundleEvidence {
    /// The bundle file as given.
    pub file: String,
    /// SHA-256 of the exact signed manifest bytes (receipts name the same digest).
    pub manifest_sha256: Sha256Digest,
    /// True when the signatures over the manifest counted under the trust given.
    pub verified: bool,
    /// The keys whose signatures counted; unverified, the keys the bundle claims.
    pub signed_by: Vec<KeyId>,
    /// The notice the release answers, when its spec names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
    /// The products of the release, in the manifest's target order.
    pub products: Vec<Product>,
}

/// One product of the release: a model, or a standalone software install.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Product {
    pub model: String,
    /// Software without an instrument: none of its targets has a UDI-DI.
    pub standalone: bool,
}

/// The release's ID and what the form needs from its bundle at `path`;
/// with `trust`, refused unless its signatures count.
pub fn read_bundle(
    path: &Path,
    trust: Option<&TrustedKeys>,
    limits: &Limits,
) -> Result<(String, BundleEvidence), Error> {
    let (manifest, manifest_sha256, verified, signed_by) = match trust {
        Some(t) => {
            let o = crate::open_verified(path, t, limits)?;
            (o.manifest, o.manifest_sha256, true, o.verified.counted)
        }
        None => {
            let i = crate::inspect(path, limits)?;
            (i.manifest, i.manifest_sha256, false, i.signed_by)
        }
    };
    let evidence = BundleEvidence {
        file: path.to_string_lossy().into_owned(),
        manifest_sha256,
        verified,
        signed_by,
        notice: manifest.release.notice.clone(),
        products: products(&manifest),
    };
    Ok((manifest.release.id, evidence))
}

/// Each model of the manifest's targets once, in target order.
pub fn products(m: &Manifest) -> Vec<Product> {
    let mut out: Vec<Product> = Vec::new();
    for t in &m.targets {
        match out.iter_mut().find(|p| p.model == t.model) {
            Some(p) => p.standalone &= t.udi_di.is_empty(),
            None => out.push(Product {
                model: t.model.clone(),
                standalone: t.udi_di.is_empty(),
            }),
        }
    }
    out
}
