//! Which keys the instrument trusts, and the one place where signatures are
//! judged: a manifest's release signatures (threshold of distinct, unrevoked,
//! unexpired, in-scope release keys) and a trust root's root signatures
//! (its own threshold and, on rotation, its predecessor's).
//!
//! The reasons a signature did not count are in `why`; reading trust root
//! files and stepping along their chain of versions in `root`.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use bundle_keys::root::{ReleaseKey, RootDocument};
pub use bundle_keys::SignatureEntry;
use bundle_keys::{Date, KeyId, PublicKey, SignatureBytes};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::format::digest::Sha256Digest;
use crate::format::manifest::{is_canonical_json, Manifest};
use crate::platform::Tree;
use crate::Limits;

mod root;
mod why;

pub use root::{read_root_file, INSTALLED_ROOT};
pub use why::{judged_by, key_list, Clock, IgnoredSignature, NotCounted, Why};

/// `signatures.json`: detached signatures over the exact manifest bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    pub signatures: Vec<SignatureEntry>,
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
            if w[0].key_id == w[1].key_id {
                return Err(bad(format!(
                    "key {} signs twice; each key counts once",
                    w[0].key_id
                )));
            }
            if w[0].key_id > w[1].key_id {
                return Err(bad(format!(
                    "key IDs must be sorted; {} is followed by {}",
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

/// Where the instrument's trust comes from.
#[derive(Clone, Debug)]
enum Source {
    /// `--trusted-key` files: a trust root of plain keys, no rotation.
    Keys,
    /// A signed trust root document.
    Root(Box<RootDocument>),
}

/// The release keys whose signatures count, how many distinct ones are
/// needed, and (for an instrument) where a newer trust root is installed.
#[derive(Clone, Debug)]
pub struct TrustedKeys {
    source: Source,
    release: Vec<(PublicKey, ReleaseKey)>,
    threshold: usize,
    /// The state directory whose `trust/root.json` newer roots go to, and
    /// whether to write it (not on a dry run).
    store: Option<(Arc<Tree>, bool)>,
}

/// What a signature check found, for reports and receipts.
#[derive(Clone, Debug, Serialize)]
pub struct Verified {
    /// Key IDs whose valid signatures counted, sorted.
    pub counted: Vec<KeyId>,
    /// Signatures that did not count, with the reason.
    pub ignored: Vec<IgnoredSignature>,
    pub threshold: usize,
    /// Version of the trust root that judged, or none for `--trusted-key`.
    pub trust_root: Option<u64>,
    /// Newer trust root versions this bundle carried and that were accepted.
    pub trust_root_updates: Vec<u64>,
    /// The day expiry was judged on, and why that day (the clock policy).
    pub judged_on: Date,
    #[serde(serialize_with = "why::as_text")]
    pub clock: Clock,
    /// What judged: the release keys whose signatures could count and the
    /// trust root document in force (for verify records).
    #[serde(skip)]
    pub basis: Basis,
}

/// The trust a bundle was judged under, after the trust roots it carried.
#[derive(Clone, Debug, Default)]
pub struct Basis {
    /// Key IDs of the release keys whose signatures could count.
    pub release_keys: Vec<KeyId>,
    /// `None` for `--trusted-key` keys.
    pub root: Option<RootInForce>,
}

/// Identifies the trust root document in force exactly.
#[derive(Clone, Debug)]
pub struct RootInForce {
    pub version: u64,
    pub issued: Date,
    /// SHA-256 of the exact `root.json` bytes.
    pub sha256: Sha256Digest,
}

/// Signatures that passed every check but model scope (see [`TrustedKeys::check`]).
pub struct Candidates {
    valid: Vec<KeyId>,
    ignored: Vec<IgnoredSignature>,
    judged_on: Date,
    clock: Clock,
    updates: Vec<u64>,
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
        let release = keys
            .into_iter()
            .map(|k| {
                let entry = ReleaseKey::new(&k, None, None);
                (k, entry)
            })
            .collect();
        Ok(TrustedKeys {
            source: Source::Keys,
            release,
            threshold,
            store: None,
        })
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
        self.release
            .iter()
            .map(|(k, _)| k.key_id().clone())
            .collect()
    }

    /// The trust root document, unless these are plain `--trusted-key` keys.
    pub fn root(&self) -> Option<&RootDocument> {
        match &self.source {
            Source::Root(d) => Some(d),
            Source::Keys => None,
        }
    }

    /// The clock policy (FORMAT.md "Trust root", clock policy): expiry is judged on the later
    /// of the system date and the issue date of the trust root in force,
    /// so a clock set back can never revive a key the vendor let expire.
    pub fn judging_day(&self) -> (Date, Clock) {
        let system = Date::today();
        match &self.source {
            Source::Root(d) if d.signed().issued > system => (
                d.signed().issued.clone(),
                Clock::RootIssued {
                    version: d.version(),
                    system,
                },
            ),
            _ => (system, Clock::System),
        }
    }

    /// First half of judging a manifest: checks each signature over the exact
    /// `manifest` bytes and sorts out revoked, unknown and expired keys.
    /// A trusted key with a wrong signature is tampering and refuses the
    /// bundle. Refuses early if even the candidates cannot meet the
    /// threshold, so an unauthenticated manifest is not parsed for nothing.
    pub fn check(&self, manifest: &[u8], sigs: &SignatureFile) -> Result<Candidates, Error> {
        let (today, clock) = self.judging_day();
        let root = self.root();
        let mut valid = Vec::new();
        let mut ignored = Vec::new();
        let mut ignore =
            |key_id: &KeyId, why: Why| ignored.push(IgnoredSignature::new(key_id, why));
        for entry in &sigs.signatures {
            let id = &entry.key_id;
            if let Some(r) = root.filter(|r| r.is_revoked(id)) {
                let version = r.version();
                ignore(id, Why::Revoked { version });
                continue;
            }
            let Some((key, rk)) = self.release.iter().find(|(k, _)| k.key_id() == id) else {
                let why = match root {
                    Some(r) if r.root_key(id).is_some() => Why::RootKey {
                        version: r.version(),
                    },
                    Some(r) => Why::NotReleaseKey {
                        version: r.version(),
                    },
                    None => Why::NotTrusted,
                };
                ignore(id, why);
                continue;
            };
            let sig = SignatureBytes::from_base64(&entry.signature)
                .map_err(|e| Error::BadSignatureFile(e.to_string()))?;
            if key.verify_strict(manifest, &sig).is_err() {
                return Err(Error::BadSignature { key_id: id.clone() });
            }
            match &rk.expires {
                Some(exp) if *exp < today => ignore(
                    id,
                    Why::Expired {
                        expires: exp.clone(),
                        judged_on: today.clone(),
                        clock: clock.clone(),
                    },
                ),
                _ => valid.push(id.clone()),
            }
        }
        let c = Candidates {
            valid,
            ignored,
            judged_on: today,
            clock,
            updates: Vec::new(),
        };
        if c.valid.len() < self.threshold {
            return Err(self.not_trusted(c.valid, c.ignored));
        }
        Ok(c)
    }

    /// Second half: a key with a model scope counts only if the scope covers
    /// every model the manifest has targets for (a signature covers the
    /// whole manifest). Then the threshold of distinct keys.
    pub fn judge(&self, c: Candidates, manifest: &Manifest) -> Result<Verified, Error> {
        let models: BTreeSet<&str> = manifest.targets.iter().map(|t| t.model.as_str()).collect();
        let mut counted = Vec::new();
        let mut ignored = c.ignored;
        for id in c.valid {
            let (_, rk) = self
                .release
                .iter()
                .find(|(k, _)| k.key_id() == &id)
                .expect("candidates are release keys");
            let outside: Vec<&str> = models.iter().copied().filter(|m| !rk.covers(m)).collect();
            if outside.is_empty() {
                counted.push(id);
            } else {
                let why = Why::OutOfScope {
                    scope: rk.scope.clone().unwrap_or_default(),
                    outside: outside.iter().map(|m| m.to_string()).collect(),
                };
                ignored.push(IgnoredSignature::new(&id, why));
            }
        }
        counted.sort();
        counted.dedup();
        if counted.len() < self.threshold {
            return Err(self.not_trusted(counted, ignored));
        }
        Ok(Verified {
            counted,
            ignored,
            threshold: self.threshold,
            trust_root: self.root().map(RootDocument::version),
            trust_root_updates: c.updates,
            judged_on: c.judged_on,
            clock: c.clock,
            basis: Basis {
                release_keys: self.key_ids(),
                root: self.root().map(|d| RootInForce {
                    version: d.version(),
                    issued: d.signed().issued.clone(),
                    sha256: Sha256Digest::of(&d.bytes),
                }),
            },
        })
    }

    fn not_trusted(&self, counted: Vec<KeyId>, ignored: Vec<IgnoredSignature>) -> Error {
        Error::NotTrusted {
            counted,
            ignored,
            threshold: self.threshold,
            trust_root: self.root().map(RootDocument::version),
        }
    }
}

impl TrustedKeys {
    /// Whether the signature by `key` in `sigs` counts under this trust for
    /// this manifest, on its own (`Err(reason)` when not), and how many
    /// distinct signatures are needed. For writers: a bundle signed by a key
    /// that does not count would be refused by every instrument.
    pub fn counts_alone(
        &self,
        manifest_bytes: &[u8],
        sigs: &SignatureFile,
        manifest: &Manifest,
        key: &KeyId,
    ) -> Result<(Result<(), String>, usize), Error> {
        let mut one = self.clone();
        one.threshold = 1;
        let only = SignatureFile {
            signatures: sigs
                .signatures
                .iter()
                .filter(|s| &s.key_id == key)
                .cloned()
                .collect(),
        };
        let judged = one
            .check(manifest_bytes, &only)
            .and_then(|c| one.judge(c, manifest));
        let verdict = match judged {
            Ok(_) => Ok(()),
            Err(Error::NotTrusted { ignored, .. }) => Err(ignored
                .into_iter()
                .map(|i| i.reason)
                .next()
                .unwrap_or_else(|| "it did not sign this manifest".into())),
            Err(e) => return Err(e),
        };
        Ok((verdict, self.threshold))
    }
}

impl Candidates {
    /// Records the trust root versions installed on the way (for the report).
    pub fn with_updates(mut self, updates: Vec<u64>) -> Self {
        self.updates = updates;
        self
    }
}
