//! Which keys the instrument trusts, and the one place where a manifest's
//! signatures are judged against them.

use std::path::Path;

use bundle_keys::{KeyId, PublicKey, SignatureBytes};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::manifest::is_canonical_json;
use crate::Limits;

/// `signatures.json`: detached signatures over the exact manifest bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    pub signatures: Vec<SignatureEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureEntry {
    pub key_id: KeyId,
    /// Standard base64 of the 64-byte Ed25519 signature.
    pub signature: String,
}

impl SignatureFile {
    /// Parses and checks shape only: canonical JSON, sorted unique key IDs.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, Error> {
        let bad = |m: String| Error::BadSignatureFile(m);
        if !is_canonical_json(bytes) {
            return Err(bad("not canonical JSON".into()));
        }
        let f: SignatureFile = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if f.signatures.is_empty() {
            return Err(bad("it holds no signature".into()));
        }
        if f.signatures.len() > limits.max_signatures {
            return Err(Error::TooLarge {
                what: "number of signatures".into(),
                found: f.signatures.len() as u64,
                limit: limits.max_signatures as u64,
            });
        }
        for w in f.signatures.windows(2) {
            if w[0].key_id >= w[1].key_id {
                return Err(bad(format!(
                    "key IDs must be sorted and unique; {} is followed by {}",
                    w[0].key_id, w[1].key_id
                )));
            }
        }
        for s in &f.signatures {
            if KeyId::parse(s.key_id.as_str()).is_none() {
                return Err(bad(format!("{:?} is not a key ID", s.key_id.as_str())));
            }
            SignatureBytes::from_base64(&s.signature).map_err(|e| bad(e.to_string()))?;
        }
        Ok(f)
    }

    pub fn to_canonical_bytes(&self) -> Vec<u8> {
        let v = serde_json::to_value(self).expect("signatures serialise");
        serde_json::to_vec(&v).expect("signatures serialise")
    }

    /// Adds or replaces the signature of one key, keeping the list sorted.
    pub fn insert(&mut self, key_id: KeyId, sig: SignatureBytes) {
        self.signatures.retain(|s| s.key_id != key_id);
        self.signatures.push(SignatureEntry {
            key_id,
            signature: sig.to_base64(),
        });
        self.signatures.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    }
}

/// The keys whose signatures count, and how many distinct ones are needed.
#[derive(Clone, Debug)]
pub struct TrustedKeys {
    keys: Vec<PublicKey>,
    threshold: usize,
}

/// What a signature check found, for reports and receipts.
#[derive(Clone, Debug, Serialize)]
pub struct Verified {
    /// Key IDs whose valid signatures counted, sorted.
    pub counted: Vec<KeyId>,
    /// Signatures that did not count, with the reason.
    pub ignored: Vec<IgnoredSignature>,
    pub threshold: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct IgnoredSignature {
    pub key_id: KeyId,
    pub reason: String,
}

impl TrustedKeys {
    /// A trust root of plain keys: any `threshold` of them suffice.
    pub fn new(keys: Vec<PublicKey>, threshold: usize) -> Result<Self, Error> {
        if keys.is_empty() {
            return Err(Error::Config("no trusted key given".into()));
        }
        if threshold == 0 || threshold > keys.len() {
            return Err(Error::Config(format!(
                "threshold {threshold} cannot be met by {} trusted keys",
                keys.len()
            )));
        }
        Ok(TrustedKeys { keys, threshold })
    }

    /// Loads `--trusted-key` files (SPKI PEM); threshold 1.
    pub fn from_pem_files(paths: &[impl AsRef<Path>]) -> Result<Self, Error> {
        let mut keys = Vec::new();
        for p in paths {
            let p = p.as_ref();
            let k = PublicKey::read_pem_file(p)
                .map_err(|e| Error::Config(format!("trusted key {}: {e}", p.display())))?;
            if !keys.iter().any(|x: &PublicKey| x.key_id() == k.key_id()) {
                keys.push(k);
            }
        }
        Self::new(keys, 1)
    }

    pub fn key_ids(&self) -> Vec<KeyId> {
        self.keys.iter().map(|k| k.key_id().clone()).collect()
    }

    /// Checks signatures over the exact `manifest` bytes. Each trusted key
    /// counts at most once; `verify_strict` rejects malleable encodings.
    pub fn check(&self, manifest: &[u8], sigs: &SignatureFile) -> Result<Verified, Error> {
        let mut counted = Vec::new();
        let mut ignored = Vec::new();
        for entry in &sigs.signatures {
            let Some(key) = self.keys.iter().find(|k| k.key_id() == &entry.key_id) else {
                ignored.push(IgnoredSignature {
                    key_id: entry.key_id.clone(),
                    reason: "key is not trusted on this instrument".into(),
                });
                continue;
            };
            let sig = SignatureBytes::from_base64(&entry.signature)
                .map_err(|e| Error::BadSignatureFile(e.to_string()))?;
            match key.verify_strict(manifest, &sig) {
                Ok(()) if !counted.contains(&entry.key_id) => counted.push(entry.key_id.clone()),
                Ok(()) => {}
                Err(_) => {
                    // A trusted key with a wrong signature is tampering, not noise.
                    return Err(Error::BadSignature {
                        key_id: entry.key_id.clone(),
                    });
                }
            }
        }
        counted.sort();
        if counted.len() < self.threshold {
            return Err(Error::NotTrusted {
                found: sigs.signatures.iter().map(|s| s.key_id.clone()).collect(),
                trusted: self.key_ids(),
                counted: counted.len(),
                threshold: self.threshold,
            });
        }
        Ok(Verified {
            counted,
            ignored,
            threshold: self.threshold,
        })
    }
}
