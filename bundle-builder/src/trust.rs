//! Making trust root documents: a first version, the next version, and root
//! signatures. The document rules live in `bundle_keys::root`; the chain
//! rules in the verifier's `trust` module, which also checks every root a
//! bundle is built to carry.

use std::path::Path;

use bundle_keys::root::{ReleaseKey, RootDocument, RootFile, RootKey, TrustRoot, TRUST_ROOT_TYPE};
use bundle_keys::signing::{write_new_file, Signer};
use bundle_keys::{Date, KeyId, PublicKey};
use bundle_verifier::trust::read_root_file;
use bundle_verifier::TrustedKeys;

use crate::BuildError;

fn root_error(path: &Path) -> impl FnOnce(bundle_keys::root::RootError) -> BuildError + '_ {
    move |e| BuildError::TrustRoot(format!("{}: {e}", path.display()))
}

/// Changes for the next version of a trust root.
#[derive(Clone, Debug, Default)]
pub struct Edit {
    pub add_release_keys: Vec<PublicKey>,
    /// Expiry and scope of the release keys added by this edit.
    pub expires: Option<Date>,
    pub scope: Vec<String>,
    pub remove_release_keys: Vec<KeyId>,
    pub revoke: Vec<KeyId>,
    pub add_root_keys: Vec<PublicKey>,
    pub remove_root_keys: Vec<KeyId>,
    pub root_threshold: Option<u32>,
    pub release_threshold: Option<u32>,
    pub issued: Option<Date>,
}

/// Version 1, unsigned.
pub fn init(
    root_keys: &[PublicKey],
    root_threshold: u32,
    release_keys: &[PublicKey],
    release_threshold: u32,
    issued: Option<Date>,
) -> Result<RootDocument, BuildError> {
    let mut signed = TrustRoot {
        issued: issued.unwrap_or_else(Date::today),
        release_keys: release_keys
            .iter()
            .map(|k| ReleaseKey::new(k, None, None))
            .collect(),
        release_threshold,
        revoked: Vec::new(),
        root_keys: root_keys.iter().map(RootKey::new).collect(),
        root_threshold,
        kind: TRUST_ROOT_TYPE.to_owned(),
        version: 1,
    };
    normalise(&mut signed)?;
    finish(signed)
}

/// The next version: `edit` applied, version + 1, no signatures yet.
pub fn edit(prev: &RootDocument, edit: &Edit) -> Result<RootDocument, BuildError> {
    let mut s = prev.signed().clone();
    s.version += 1;
    s.issued = edit.issued.clone().unwrap_or_else(Date::today);
    let scope = (!edit.scope.is_empty()).then(|| edit.scope.clone());
    for k in &edit.add_release_keys {
        s.release_keys.retain(|e| &e.key_id != k.key_id());
        s.release_keys
            .push(ReleaseKey::new(k, edit.expires.clone(), scope.clone()));
    }
    for k in &edit.add_root_keys {
        s.root_keys.retain(|e| &e.key_id != k.key_id());
        s.root_keys.push(RootKey::new(k));
    }
    let missing = |role: &str, id: &KeyId| {
        BuildError::TrustRoot(format!(
            "key {id} is not a {role} key of trust root version {}",
            prev.version()
        ))
    };
    for id in &edit.remove_release_keys {
        if !s.release_keys.iter().any(|e| &e.key_id == id) {
            return Err(missing("release", id));
        }
        s.release_keys.retain(|e| &e.key_id != id);
    }
    for id in &edit.remove_root_keys {
        if !s.root_keys.iter().any(|e| &e.key_id == id) {
            return Err(missing("root", id));
        }
        s.root_keys.retain(|e| &e.key_id != id);
    }
    for id in &edit.revoke {
        s.release_keys.retain(|e| &e.key_id != id);
        s.root_keys.retain(|e| &e.key_id != id);
        if !s.revoked.contains(id) {
            s.revoked.push(id.clone());
        }
    }
    if let Some(t) = edit.root_threshold {
        s.root_threshold = t;
    }
    if let Some(t) = edit.release_threshold {
        s.release_threshold = t;
    }
    normalise(&mut s)?;
    finish(s)
}

/// Sorted lists, as the document rules demand; a revoked key cannot come back.
fn normalise(s: &mut TrustRoot) -> Result<(), BuildError> {
    s.release_keys.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    s.root_keys.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    s.revoked.sort();
    for k in &mut s.release_keys {
        if let Some(scope) = &mut k.scope {
            scope.sort();
            scope.dedup();
        }
    }
    for id in s
        .release_keys
        .iter()
        .map(|k| &k.key_id)
        .chain(s.root_keys.iter().map(|k| &k.key_id))
    {
        if s.revoked.contains(id) {
            return Err(BuildError::TrustRoot(format!(
                "key {id} was revoked; a revoked key never comes back (make a new key)"
            )));
        }
    }
    Ok(())
}

fn finish(signed: TrustRoot) -> Result<RootDocument, BuildError> {
    RootDocument::from_file(RootFile {
        signatures: Vec::new(),
        signed,
    })
    .map_err(|e| BuildError::TrustRoot(e.to_string()))
}

/// Reads a trust root file (document rules only; it may be unsigned).
pub fn read(path: &Path) -> Result<RootDocument, BuildError> {
    read_root_file(path).map_err(|e| BuildError::TrustRoot(e.to_string()))
}

/// Writes a new trust root file; never overwrites.
pub fn write_new(path: &Path, doc: &RootDocument) -> Result<(), BuildError> {
    if path.exists() {
        return Err(BuildError::TrustRoot(format!(
            "{} already exists; choose another --out",
            path.display()
        )));
    }
    write_new_file(path, &doc.bytes, false)?;
    Ok(())
}

/// Adds (or replaces) one root signature over the signed part, in place.
/// Returns the document and whether the signer is one of its root keys
/// (a retiring root key of the previous version signs a rotation too).
pub fn sign(path: &Path, signer: &dyn Signer) -> Result<(RootDocument, bool), BuildError> {
    let doc = read(path)?;
    let mut file = doc.file.clone();
    let sig = signer.sign(&doc.signed_bytes)?;
    file.signatures.retain(|s| &s.key_id != signer.key_id());
    file.signatures.push(bundle_keys::SignatureEntry {
        key_id: signer.key_id().clone(),
        signature: sig.to_base64(),
    });
    file.signatures.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    let signed = RootDocument::from_file(file).map_err(root_error(path))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(BuildError::io("cannot write in", dir))?;
    std::io::Write::write_all(&mut tmp, &signed.bytes)
        .map_err(BuildError::io("cannot write", path))?;
    tmp.persist(path)
        .map_err(|e| BuildError::io("cannot write", path)(e.error))?;
    let is_root_key = doc.root_key(signer.key_id()).is_some();
    Ok((signed, is_root_key))
}

/// Reads the trust roots a bundle is to carry and checks them as the
/// verifier will: consecutive versions, the first signed by its own root
/// keys, each next one by its predecessor's and its own.
pub fn load_chain(paths: &[impl AsRef<Path>]) -> Result<Vec<(u64, Vec<u8>)>, BuildError> {
    let mut docs = paths
        .iter()
        .map(|p| read(p.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    docs.sort_by_key(RootDocument::version);
    let Some(first) = docs.first() else {
        return Ok(Vec::new());
    };
    let carried: Vec<(u64, Vec<u8>)> = docs
        .iter()
        .map(|d| (d.version(), d.bytes.clone()))
        .collect();
    for w in carried.windows(2) {
        if w[1].0 != w[0].0 + 1 {
            return Err(BuildError::TrustRoot(format!(
                "--include-root versions must be consecutive; version {} is followed by {}",
                w[0].0, w[1].0
            )));
        }
    }
    let anchor =
        TrustedKeys::from_root(first.clone()).map_err(|e| BuildError::TrustRoot(e.to_string()))?;
    anchor
        .advance(&carried[1..])
        .map_err(|e| BuildError::TrustRoot(e.to_string()))?;
    Ok(carried)
}
