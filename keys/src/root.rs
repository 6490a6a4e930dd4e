//! The trust root document (`docs/FORMAT.md`, "Trust root"): which root keys
//! may sign the next trust root, which release keys may sign bundles, and
//! which keys are revoked. This module is the schema and its consistency
//! rules; judging signatures against it happens in the verifier's `trust`
//! module, in one place.

use std::collections::BTreeSet;

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::canonical::{is_canonical_json, to_canonical_bytes};
use crate::{Date, KeyId, PublicKey, SignatureEntry};

/// The `type` of a trust root; it also keeps a root's signatures from ever
/// being valid for a manifest (whose schema has no `type` member).
pub const TRUST_ROOT_TYPE: &str = "offline-patch-bundle/trust-root/1";

/// Most keys (root plus release) and revoked IDs one document may list.
pub const MAX_KEYS: usize = 256;
pub const MAX_REVOKED: usize = 4096;
pub const MAX_SCOPE: usize = 256;

/// The file: detached signatures over the canonical bytes of `signed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootFile {
    pub signatures: Vec<SignatureEntry>,
    pub signed: TrustRoot,
}

/// The signed part. Fields are in alphabetical order (canonical JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustRoot {
    /// When this version was made; instruments never judge expiry as of an
    /// earlier day (the clock policy in FORMAT.md).
    pub issued: Date,
    pub release_keys: Vec<ReleaseKey>,
    pub release_threshold: u32,
    /// Key IDs that never count again, for any role, in any later version.
    pub revoked: Vec<KeyId>,
    pub root_keys: Vec<RootKey>,
    pub root_threshold: u32,
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootKey {
    pub key_id: KeyId,
    /// Standard base64 of the raw 32-byte Ed25519 public key.
    pub public_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseKey {
    /// Last day (UTC) on which the key's signatures count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
    pub key_id: KeyId,
    pub public_key: String,
    /// Instrument models the key may sign for; absent means every model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
}

/// Why a trust root document is not acceptable as a document (before any
/// signature is judged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RootError {
    #[error("trust root is not canonical JSON (RFC 8785); it was altered or hand-edited")]
    NotCanonical,
    #[error("trust root has type {found:?}; this tool reads {TRUST_ROOT_TYPE:?}")]
    WrongType { found: String },
    #[error("trust root is not valid JSON of the trust root schema: {0}")]
    Schema(String),
    #[error("trust root version {version} is inconsistent: {msg}")]
    Invalid { version: u64, msg: String },
}

impl RootKey {
    pub fn new(key: &PublicKey) -> Self {
        RootKey {
            key_id: key.key_id().clone(),
            public_key: encode_key(key),
        }
    }
}

impl ReleaseKey {
    pub fn new(key: &PublicKey, expires: Option<Date>, scope: Option<Vec<String>>) -> Self {
        ReleaseKey {
            expires,
            key_id: key.key_id().clone(),
            public_key: encode_key(key),
            scope,
        }
    }

    /// True when the key may sign for `model`.
    pub fn covers(&self, model: &str) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|s| s.iter().any(|m| m == model))
    }
}

fn encode_key(key: &PublicKey) -> String {
    base64::engine::general_purpose::STANDARD.encode(key.raw())
}

fn decode_key(key_id: &KeyId, b64: &str) -> Result<PublicKey, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("public key of {key_id} is not base64: {e}"))?;
    let raw: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("public key of {key_id} has {} bytes, not 32", b.len()))?;
    if base64::engine::general_purpose::STANDARD.encode(raw) != b64 {
        return Err(format!("public key of {key_id} is not canonical base64"));
    }
    let key = PublicKey::from_raw(&raw).map_err(|e| e.to_string())?;
    if key.key_id() != key_id {
        return Err(format!(
            "key listed as {key_id} is really {}; the key ID must be derived from the key",
            key.key_id()
        ));
    }
    Ok(key)
}

/// A trust root that passed every document rule, with its keys decoded.
#[derive(Clone, Debug)]
pub struct RootDocument {
    pub file: RootFile,
    /// The exact file bytes (canonical JSON).
    pub bytes: Vec<u8>,
    /// The canonical bytes of `signed`: what root keys sign.
    pub signed_bytes: Vec<u8>,
    pub root_keys: Vec<PublicKey>,
    /// Release keys with their entries, in key ID order.
    pub release_keys: Vec<(PublicKey, ReleaseKey)>,
}

impl RootDocument {
    /// Parses a trust root file and checks the document rules; signatures
    /// are only checked for shape here.
    pub fn parse(bytes: &[u8]) -> Result<Self, RootError> {
        if !is_canonical_json(bytes) {
            return Err(RootError::NotCanonical);
        }
        #[derive(Deserialize)]
        struct Probe {
            signed: Option<TypeProbe>,
        }
        #[derive(Deserialize)]
        struct TypeProbe {
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        if let Ok(Probe {
            signed: Some(TypeProbe { kind: Some(k) }),
        }) = serde_json::from_slice::<Probe>(bytes)
        {
            if k != TRUST_ROOT_TYPE {
                return Err(RootError::WrongType { found: k });
            }
        }
        let file: RootFile =
            serde_json::from_slice(bytes).map_err(|e| RootError::Schema(e.to_string()))?;
        Self::from_file(file)
    }

    /// Checks the document rules of an in-memory file (used when editing).
    pub fn from_file(file: RootFile) -> Result<Self, RootError> {
        let s = &file.signed;
        let bad = |msg: String| RootError::Invalid {
            version: s.version,
            msg,
        };
        if s.kind != TRUST_ROOT_TYPE {
            return Err(RootError::WrongType {
                found: s.kind.clone(),
            });
        }
        if s.version == 0 {
            return Err(bad("versions start at 1".into()));
        }
        if s.root_keys.len() + s.release_keys.len() > MAX_KEYS {
            return Err(bad(format!("more than {MAX_KEYS} keys")));
        }
        if s.revoked.len() > MAX_REVOKED {
            return Err(bad(format!("more than {MAX_REVOKED} revoked keys")));
        }
        check_threshold("root", s.root_threshold, s.root_keys.len()).map_err(bad)?;
        check_threshold("release", s.release_threshold, s.release_keys.len()).map_err(bad)?;
        sorted_unique("root_keys", s.root_keys.iter().map(|k| &k.key_id)).map_err(bad)?;
        sorted_unique("release_keys", s.release_keys.iter().map(|k| &k.key_id)).map_err(bad)?;
        sorted_unique("revoked", s.revoked.iter()).map_err(bad)?;
        sorted_unique("signatures", file.signatures.iter().map(|k| &k.key_id)).map_err(bad)?;
        let revoked: BTreeSet<&KeyId> = s.revoked.iter().collect();
        for id in s
            .root_keys
            .iter()
            .map(|k| &k.key_id)
            .chain(s.release_keys.iter().map(|k| &k.key_id))
        {
            if revoked.contains(id) {
                return Err(bad(format!("key {id} is listed and revoked at once")));
            }
        }
        for id in &s.revoked {
            if KeyId::parse(id.as_str()).is_none() {
                return Err(bad(format!("{:?} in revoked is not a key ID", id.as_str())));
            }
        }
        let root_keys = s
            .root_keys
            .iter()
            .map(|k| decode_key(&k.key_id, &k.public_key))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        let mut release_keys = Vec::new();
        for k in &s.release_keys {
            let key = decode_key(&k.key_id, &k.public_key).map_err(bad)?;
            if let Some(scope) = &k.scope {
                if scope.is_empty() || scope.len() > MAX_SCOPE {
                    return Err(bad(format!(
                        "scope of {} must list 1 to {MAX_SCOPE} models (omit it for all models)",
                        k.key_id
                    )));
                }
                if scope.iter().any(|m| m.trim().is_empty() || m.trim() != m) {
                    return Err(bad(format!("scope of {} has a blank model name", k.key_id)));
                }
                sorted_unique("scope", scope.iter()).map_err(bad)?;
            }
            release_keys.push((key, k.clone()));
        }
        for sig in &file.signatures {
            crate::SignatureBytes::from_base64(&sig.signature)
                .map_err(|e| bad(format!("signature by {}: {e}", sig.key_id)))?;
        }
        let bytes = to_canonical_bytes(&file);
        let signed_bytes = to_canonical_bytes(&file.signed);
        Ok(RootDocument {
            file,
            bytes,
            signed_bytes,
            root_keys,
            release_keys,
        })
    }

    pub fn version(&self) -> u64 {
        self.file.signed.version
    }

    pub fn signed(&self) -> &TrustRoot {
        &self.file.signed
    }

    pub fn root_key(&self, id: &KeyId) -> Option<&PublicKey> {
        self.root_keys.iter().find(|k| k.key_id() == id)
    }

    pub fn release_key(&self, id: &KeyId) -> Option<&(PublicKey, ReleaseKey)> {
        self.release_keys.iter().find(|(k, _)| k.key_id() == id)
    }

    pub fn is_revoked(&self, id: &KeyId) -> bool {
        self.file.signed.revoked.binary_search(id).is_ok()
    }
}

fn check_threshold(role: &str, threshold: u32, keys: usize) -> Result<(), String> {
    if keys == 0 {
        return Err(format!("it lists no {role} key"));
    }
    if threshold == 0 || threshold as usize > keys {
        return Err(format!(
            "{role} threshold {threshold} cannot be met by {keys} {role} keys"
        ));
    }
    Ok(())
}

fn sorted_unique<'a, T: Ord + std::fmt::Display + 'a>(
    what: &str,
    items: impl Iterator<Item = &'a T>,
) -> Result<(), String> {
    let items: Vec<&T> = items.collect();
    for w in items.windows(2) {
        if w[0] == w[1] {
            return Err(format!("{what} lists {} twice", w[0]));
        }
        if w[0] > w[1] {
            return Err(format!(
                "{what} must be sorted; {} comes before {}",
                w[0], w[1]
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> PublicKey {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[n; 32]);
        PublicKey::from_verifying_key(sk.verifying_key()).unwrap()
    }

    fn sorted<T, K: Ord>(mut v: Vec<T>, k: impl Fn(&T) -> K) -> Vec<T> {
        v.sort_by_key(|x| k(x));
        v
    }

    fn doc() -> RootFile {
        RootFile {
            signatures: Vec::new(),
            signed: TrustRoot {
                issued: Date::parse("2026-01-01").unwrap(),
                release_keys: sorted(
                    vec![
                        ReleaseKey::new(&key(3), None, None),
                        ReleaseKey::new(&key(4), None, None),
                    ],
                    |k| k.key_id.clone(),
                ),
                release_threshold: 1,
                revoked: Vec::new(),
                root_keys: sorted(vec![RootKey::new(&key(1)), RootKey::new(&key(2))], |k| {
                    k.key_id.clone()
                }),
                root_threshold: 2,
                kind: TRUST_ROOT_TYPE.into(),
                version: 1,
            },
        }
    }

    fn invalid(f: RootFile, needle: &str) {
        match RootDocument::from_file(f) {
            Err(e) => assert!(e.to_string().contains(needle), "{e} lacks {needle:?}"),
            Ok(_) => panic!("accepted a document that should say {needle:?}"),
        }
    }

    #[test]
    fn a_consistent_document_round_trips_through_its_canonical_bytes() {
        let d = RootDocument::from_file(doc()).unwrap();
        let again = RootDocument::parse(&d.bytes).unwrap();
        assert_eq!(again.file, d.file);
        assert!(d.bytes.ends_with(b"}}") && d.bytes.starts_with(b"{\"signatures\":[],\"signed\":"));
        assert_eq!(&d.bytes[26..d.bytes.len() - 1], d.signed_bytes.as_slice());
    }

    #[test]
    fn a_key_listed_twice_is_refused() {
        let mut f = doc();
        f.signed.release_keys.push(f.signed.release_keys[1].clone());
        invalid(f, "lists");
    }

    #[test]
    fn a_key_both_listed_and_revoked_is_refused() {
        let mut f = doc();
        f.signed
            .revoked
            .push(f.signed.release_keys[0].key_id.clone());
        invalid(f, "listed and revoked at once");
    }

    #[test]
    fn a_key_id_that_is_not_derived_from_its_key_is_refused() {
        let mut f = doc();
        f.signed.root_keys[0].key_id = KeyId::parse("0123456789abcdef").unwrap();
        invalid(f, "the key ID must be derived from the key");
    }

    #[test]
    fn an_unmeetable_threshold_is_refused() {
        let mut f = doc();
        f.signed.root_threshold = 3;
        invalid(f, "root threshold 3 cannot be met by 2 root keys");
        let mut f = doc();
        f.signed.release_threshold = 0;
        invalid(f, "release threshold 0");
    }

    #[test]
    fn an_empty_or_blank_scope_is_refused() {
        let mut f = doc();
        f.signed.release_keys[0].scope = Some(Vec::new());
        invalid(f, "must list 1 to");
        let mut f = doc();
        f.signed.release_keys[0].scope = Some(vec![" ".into()]);
        invalid(f, "blank model name");
    }

    #[test]
    fn non_canonical_bytes_and_a_manifest_are_refused() {
        let d = RootDocument::from_file(doc()).unwrap();
        let mut spaced = d.bytes.clone();
        spaced.insert(1, b' ');
        assert_eq!(
            RootDocument::parse(&spaced).unwrap_err(),
            RootError::NotCanonical
        );
        let manifest = br#"{"blobs":[],"format":"offline-patch-bundle/1"}"#;
        assert!(matches!(
            RootDocument::parse(manifest),
            Err(RootError::Schema(_))
        ));
        let mut f = doc();
        f.signed.kind = "offline-patch-bundle/1".into();
        invalid(f, "this tool reads");
    }
}
