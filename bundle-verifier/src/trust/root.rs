//! Trust root documents: reading root files, judging a root by its signers'
//! threshold, and stepping along the chain of versions (never backwards), with
//! the installed copy in the state directory kept up to date.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bundle_keys::root::RootDocument;
use bundle_keys::{KeyId, SignatureBytes};

use super::{Source, TrustedKeys};
use crate::error::Error;
use crate::format::read::{read_input, read_opened, read_opened_at_most, InputKind};
use crate::platform::tree::Perm;
use crate::platform::Tree;
use crate::Limits;

/// The name of the trust root file inside a state directory's `trust/`.
pub const INSTALLED_ROOT: &str = "root.json";

impl TrustedKeys {
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

    /// The trust root installed in the state directory at `state`.
    pub fn from_state_dir(state: &Path) -> Result<Self, Error> {
        match Tree::open_ambient(state) {
            Ok(tree) => Self::from_state(&tree),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(not_installed(state)),
            Err(e) => Err(Error::io("cannot open", state)(e)),
        }
    }

    /// The trust root installed in a state directory's `trust/` (`state`
    /// is the state directory's handle: no link is followed on the way).
    pub fn from_state(state: &Tree) -> Result<Self, Error> {
        match read_installed(state)? {
            Some(doc) => Self::from_root(doc),
            None => Err(not_installed(&state.display(installed_rel()))),
        }
    }

    /// Reconciles these keys with the trust root installed in the state
    /// directory `state` (in `trust/`) and remembers where to install newer
    /// versions; `write` is false on a dry run. A trust root never goes
    /// back: an older one than installed is refused, a newer one must chain
    /// from it.
    pub fn with_state(&self, state: Arc<Tree>, write: bool) -> Result<Self, Error> {
        let installed = read_installed(&state)?;
        let mut next = match (&self.source, installed) {
            (Source::Keys, None) => return Ok(self.clone()),
            (Source::Keys, Some(i)) => {
                return Err(Error::Config(format!(
                    "this instrument has trust root version {} installed ({}); use it (give no --trusted-key) or a newer --trust-root",
                    i.version(),
                    state.display(installed_rel()).display()
                )))
            }
            (Source::Root(_), None) => self.clone(),
            (Source::Root(given), Some(installed)) => {
                let installed = TrustedKeys::from_root(installed)?;
                installed.step_to(given)?.unwrap_or(installed)
            }
        };
        next.store = Some((state, write));
        if let (Some((state, true)), Source::Root(doc)) = (&next.store, &next.source) {
            install_root(state, doc.as_ref())?;
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
                if let Some((state, true)) = &cur.store {
                    install_root(state, &doc)?;
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

/// Reads and parses a trust root file (document rules only): a regular file
/// of at most [`Limits::max_trust_root_bytes`](crate::Limits::max_trust_root_bytes),
/// the bound a trust root in a bundle has too.
pub fn read_root_file(path: &Path) -> Result<RootDocument, Error> {
    let bytes =
        read_input(path, InputKind::TrustRoot, &Limits::default()).map_err(|e| match e {
            Error::Io { source, .. } => Error::Config(format!(
                "cannot read trust root {}: {source}",
                path.display()
            )),
            e => e,
        })?;
    RootDocument::parse(&bytes).map_err(|error| Error::TrustRootDocument {
        source_name: path.display().to_string(),
        error,
    })
}

/// No trust root at `missing` (the state directory or its root file).
fn not_installed(missing: &Path) -> Error {
    Error::Config(format!(
        "no trust root is installed on this instrument ({} does not exist); give --trust-root ROOT.json for the first apply",
        missing.display()
    ))
}

/// `trust/root.json`, relative to the state directory.
fn installed_rel() -> PathBuf {
    Path::new("trust").join(INSTALLED_ROOT)
}

/// The installed trust root, read through the state directory's handle.
fn read_installed(state: &Tree) -> Result<Option<RootDocument>, Error> {
    let rel = installed_rel();
    let path = state.display(&rel);
    let f = match state.open_for_reading(&rel) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("cannot read", path)(e)),
        Ok(f) => f,
    };
    let bytes = read_opened(f, &path, InputKind::TrustRoot, &Limits::default())?;
    RootDocument::parse(&bytes)
        .map(Some)
        .map_err(|error| Error::TrustRootDocument {
            source_name: path.display().to_string(),
            error,
        })
}

/// Installs `doc` as the state directory's trust root (unless it is already).
fn install_root(state: &Tree, doc: &RootDocument) -> Result<(), Error> {
    let rel = installed_rel();
    let same = state
        .open_file(&rel)
        .ok()
        .and_then(|f| read_opened_at_most(f, doc.bytes.len() as u64).ok());
    if same.as_deref() == Some(doc.bytes.as_slice()) {
        return Ok(());
    }
    state
        .create_dir_all("trust")
        .map_err(Error::io("cannot create directory", state.display("trust")))?;
    state
        .write_atomic(&rel, &doc.bytes, Perm::Plain)
        .map_err(Error::io("cannot write", state.display(&rel)))
}
