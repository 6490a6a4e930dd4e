//! Which keys the instrument trusts, and the one place where signatures are
//! judged: a manifest's release signatures (threshold of distinct, unrevoked,
//! unexpired, in-scope release keys) and a trust root's root signatures
//! (its own threshold and, on rotation, its predecessor's).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bundle_keys::root::{ReleaseKey, RootDocument};
pub use bundle_keys::SignatureEntry;
use bundle_keys::{Date, KeyId, PublicKey, SignatureBytes};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::format::digest::Sha256Digest;
use crate::format::manifest::{is_canonical_json, Manifest};
use crate::Limits;

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
    /// `<state>/trust/root.json` and whether to write it (not on a dry run).
    store: Option<(PathBuf, bool)>,
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
    #[serde(serialize_with = "as_text")]
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IgnoredSignature {
    pub key_id: KeyId,
    pub code: NotCounted,
    /// The same, for people, with the specifics (versions, dates, models).
    pub reason: String,
    /// The specifics, for wording the reason in the user's language (`crate::i18n`).
    #[serde(skip)]
    pub why: Why,
}

impl IgnoredSignature {
    fn new(key_id: &KeyId, why: Why) -> Self {
        IgnoredSignature {
            key_id: key_id.clone(),
            code: why.code(),
            reason: why.to_string(),
            why,
        }
    }
}

/// Why a signature did not count, with its specifics. Displays in English;
/// `i18n::Lang::why` words it in the user's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    Revoked {
        version: u64,
    },
    RootKey {
        version: u64,
    },
    NotReleaseKey {
        version: u64,
    },
    NotTrusted,
    Expired {
        expires: Date,
        judged_on: Date,
        clock: Clock,
    },
    OutOfScope {
        scope: Vec<String>,
        outside: Vec<String>,
    },
}

impl Why {
    pub fn code(&self) -> NotCounted {
        match self {
            Why::Revoked { .. } => NotCounted::Revoked,
            Why::RootKey { .. } => NotCounted::RootKeyNotReleaseKey,
            Why::NotReleaseKey { .. } | Why::NotTrusted => NotCounted::UnknownKey,
            Why::Expired { .. } => NotCounted::Expired,
            Why::OutOfScope { .. } => NotCounted::OutOfScope,
        }
    }
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::i18n::Lang::ENGLISH.why(self))
    }
}

fn as_text<S: serde::Serializer>(v: &impl std::fmt::Display, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Which day expiry is judged on, and why (the clock policy, FORMAT.md 9.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The system date.
    System,
    /// The issue date of the trust root in force, later than the system date.
    RootIssued { version: u64, system: Date },
}

impl std::fmt::Display for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::i18n::Lang::ENGLISH.clock(self))
    }
}

/// Why a signature did not count (FORMAT.md 9.5), for machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotCounted {
    /// Revoked in the trust root in force.
    Revoked,
    /// A root key of the trust root in force, which signs trust roots only.
    RootKeyNotReleaseKey,
    /// Neither a trusted key nor a key of the trust root in force.
    UnknownKey,
    /// A release key past its `expires` day on the judging day.
    Expired,
    /// A release key whose model scope does not cover every target.
    OutOfScope,
}

/// Signatures that passed every check but model scope (see [`TrustedKeys::check`]).
pub struct Candidates {
    valid: Vec<KeyId>,
    ignored: Vec<IgnoredSignature>,
    judged_on: Date,
    clock: Clock,
    updates: Vec<u64>,
}

/// The name of the trust root file inside a state directory's `trust/`.
pub const INSTALLED_ROOT: &str = "root.json";

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

    /// A trust root document, which must be signed by a threshold of its own root keys.
    pub fn from_root(doc: RootDocument) -> Result<Self, Error> {
        judge_root(&doc, &doc, "its own root keys")?;
        Ok(TrustedKeys {
            release: doc.release_keys.clone(),
            threshold: doc.signed().release_threshold as usize,
            source: Source::Root(Box::new(doc)),
            store: None,
        })
    }

    /// Loads a `--trust-root` file.
    pub fn from_root_file(path: &Path) -> Result<Self, Error> {
        Self::from_root(read_root_file(path)?)
    }

    /// The trust root installed in a state directory's `trust/`.
    pub fn from_state(trust_dir: &Path) -> Result<Self, Error> {
        let path = trust_dir.join(INSTALLED_ROOT);
        if !path.exists() {
            return Err(Error::Config(format!(
                "no trust root is installed on this instrument ({} does not exist); give --trust-root ROOT.json for the first apply",
                path.display()
            )));
        }
        Self::from_root_file(&path)
    }

    /// Reconciles these keys with the trust root installed in `trust_dir`
    /// (`<state>/trust`) and remembers where to install newer versions;
    /// `write` is false on a dry run. A trust root never goes back: an older
    /// one than installed is refused, a newer one must chain from it.
    pub fn with_state(&self, trust_dir: &Path, write: bool) -> Result<Self, Error> {
        let path = trust_dir.join(INSTALLED_ROOT);
        let installed = if path.exists() {
            Some(read_root_file(&path)?)
        } else {
            None
        };
        let mut next = match (&self.source, installed) {
            (Source::Keys, None) => return Ok(self.clone()),
            (Source::Keys, Some(i)) => {
                return Err(Error::Config(format!(
                    "this instrument has trust root version {} installed ({}); use it (give no --trusted-key) or a newer --trust-root",
                    i.version(),
                    path.display()
                )))
            }
            (Source::Root(_), None) => self.clone(),
            (Source::Root(given), Some(installed)) => {
                let installed = TrustedKeys::from_root(installed)?;
                installed.step_to(given)?.unwrap_or(installed)
            }
        };
        next.store = Some((path, write));
        if let (Some((path, true)), Source::Root(doc)) = (&next.store, &next.source) {
            install_root(path, doc)?;
        }
        Ok(next)
    }

    /// If `next` is newer than this root, checks it is the next link of the
    /// chain and returns the keys it defines; `None` if it is this version.
    fn step_to(&self, next: &RootDocument) -> Result<Option<Self>, Error> {
        let Source::Root(cur) = &self.source else {
            return Ok(None);
        };
        let (have, found) = (cur.version(), next.version());
        if found < have {
            return Err(Error::TrustRootRollback { found, have });
        }
        if found == have {
            if next.signed_bytes != cur.signed_bytes {
                return Err(Error::TrustRootConflict { version: found });
            }
            return Ok(None);
        }
        if found != have + 1 {
            return Err(Error::TrustRootGap { have, found });
        }
        // Rotation: a threshold of the old root keys AND of the new ones.
        judge_root(cur, next, &format!("the root keys of version {have}"))?;
        let dropped: Vec<&KeyId> = cur
            .signed()
            .revoked
            .iter()
            .filter(|id| !next.is_revoked(id))
            .collect();
        if let Some(id) = dropped.first() {
            return Err(Error::TrustRootInvalid {
                source_name: format!("trust root version {found}"),
                msg: format!("it takes back the revocation of key {id}; revocations are permanent"),
            });
        }
        TrustedKeys::from_root(next.clone()).map(Some)
    }

    /// Applies the trust roots a bundle carries (member version, bytes):
    /// versions up to the current one are history and only checked for
    /// conflicts; newer ones must chain, and are installed when this is an
    /// instrument. Returns the keys to judge the bundle with.
    pub fn advance(&self, carried: &[(u64, Vec<u8>)]) -> Result<(Self, Vec<u64>), Error> {
        let Source::Root(_) = &self.source else {
            // Plain keys cannot authorise a trust root; carried ones are ignored.
            return Ok((self.clone(), Vec::new()));
        };
        let mut cur = self.clone();
        let mut updates = Vec::new();
        for (version, bytes) in carried {
            let name = crate::format::envelope::trust_root_member(*version);
            let doc = RootDocument::parse(bytes).map_err(|e| Error::TrustRootDocument {
                source_name: format!("bundle member {name}"),
                error: e,
            })?;
            if doc.version() != *version {
                return Err(Error::TrustRootInvalid {
                    source_name: format!("bundle member {name}"),
                    msg: format!("it holds version {}", doc.version()),
                });
            }
            if cur.root().is_some_and(|c| doc.version() < c.version()) {
                continue; // history: older than the trust root in force
            }
            if let Some(next) = cur.step_to(&doc)? {
                if let Some((path, true)) = &cur.store {
                    install_root(path, &doc)?;
                }
                updates.push(doc.version());
                cur = TrustedKeys {
                    store: cur.store.clone(),
                    ..next
                };
            }
        }
        Ok((cur, updates))
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

/// Counts the distinct root keys of `signers` that signed `doc`; refuses
/// below `signers`' root threshold. `whose` names the signers in messages.
fn judge_root(signers: &RootDocument, doc: &RootDocument, whose: &str) -> Result<(), Error> {
    let mut counted = 0;
    for entry in &doc.file.signatures {
        let Some(key) = signers.root_key(&entry.key_id) else {
            continue;
        };
        let sig =
            SignatureBytes::from_base64(&entry.signature).map_err(|e| Error::TrustRootInvalid {
                source_name: format!("trust root version {}", doc.version()),
                msg: e.to_string(),
            })?;
        if key.verify_strict(&doc.signed_bytes, &sig).is_err() {
            return Err(Error::TrustRootBadSignature {
                version: doc.version(),
                key_id: entry.key_id.clone(),
            });
        }
        counted += 1;
    }
    let threshold = signers.signed().root_threshold as usize;
    if counted < threshold {
        return Err(Error::TrustRootBelowThreshold {
            version: doc.version(),
            whose: whose.to_owned(),
            counted,
            threshold,
        });
    }
    Ok(())
}

/// Reads and parses a trust root file (document rules only).
pub fn read_root_file(path: &Path) -> Result<RootDocument, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Config(format!("cannot read trust root {}: {e}", path.display())))?;
    RootDocument::parse(&bytes).map_err(|error| Error::TrustRootDocument {
        source_name: path.display().to_string(),
        error,
    })
}

fn install_root(path: &Path, doc: &RootDocument) -> Result<(), Error> {
    if std::fs::read(path).ok().as_deref() == Some(doc.bytes.as_slice()) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(Error::io("cannot create directory", dir))?;
    }
    crate::instrument::state::write_atomic(path, &doc.bytes)
}
