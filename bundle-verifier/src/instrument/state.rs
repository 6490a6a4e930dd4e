//! The verifier's state directory on the instrument (docs/FORMAT.md, section 8):
//!
//! ```text
//! lock                            locked while a verifier uses the directory
//! device/device.key, device.pub   the instrument's receipt key
//! journal.json                    only while an install or rollback runs
//! staging/apply-*/tree/           verified files waiting to be switched in
//! backups/<txn>/                  transaction.json, files/ (replaced files),
//!                                 previous/ (records before), manifest.json,
//!                                 signatures.json, rolled-back.json
//! installed/<mode>.json           what is installed in each mode, with
//!   <mode>.manifest.json            the signed manifest and signatures,
//!   <mode>.signatures.json          and the directory listing after install
//!   <mode>.tree.json
//! installed/<mode>.highest.json   the highest sequence ever applied
//! receipts/<txn>-<action>.json    signed receipts
//! trust/root.json                 the installed trust root (issue 4)
//! ```
//!
//! Every file here is written with [`write_atomic_in`]: a temporary file,
//! fsync, rename, fsync of the directory. Everything here is reached through
//! the directory's handle ([`crate::platform::Tree`]), never through a link;
//! [`StateDir::open`] refuses a directory others can write and a fixed
//! sub-directory that is a link.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use bundle_keys::device::DeviceKey;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::format::digest::Sha256Digest;
use crate::format::manifest::Release;
use crate::format::read::{read_opened, InputKind};
use crate::platform::tree::{Kind, Perm};
use crate::platform::Tree;

pub struct StateDir {
    /// The directory's canonical path: for messages and records only.
    pub root: PathBuf,
    /// The directory itself; everything in it is reached through this
    /// handle, never through a link (see [`crate::platform::tree`]).
    pub tree: std::sync::Arc<Tree>,
    /// Held while this process uses the directory, so a second verifier
    /// cannot "recover" a transaction that is still running.
    _lock: Option<fs::File>,
}

/// What is installed in one mode (`installed/<mode>.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledRecord {
    pub installed_at: String,
    pub manifest_sha256: Sha256Digest,
    pub mode: String,
    pub model: String,
    #[serde(deserialize_with = "stored_release")]
    pub release: Release,
    /// The instrument root it was installed into (absolute).
    pub root: PathBuf,
    pub signed_by: Vec<bundle_keys::KeyId>,
    pub transaction: String,
}

/// Reads a release kept in the state directory. Verifiers from before texts
/// per language stored the title, notes and confirmation texts as plain
/// strings (with an optional `text_de`); those are read as English (and
/// German) texts, so an upgraded verifier can still roll back and check
/// what an older one installed.
pub(crate) fn stored_release<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Release, D::Error> {
    use crate::format::manifest::{Confirm, Texts};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Current(Release),
        Plain(PlainRelease),
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct PlainRelease {
        #[serde(default)]
        confirm: Vec<PlainConfirm>,
        id: String,
        notes: String,
        sequence: u64,
        title: String,
        version: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct PlainConfirm {
        id: String,
        text: String,
        text_de: Option<String>,
    }
    let plain = |text: String| {
        if text.is_empty() {
            Texts::default()
        } else {
            Texts::en(text)
        }
    };
    Ok(match Stored::deserialize(d)? {
        Stored::Current(r) => r,
        Stored::Plain(r) => Release {
            confirm: r
                .confirm
                .into_iter()
                .map(|c| Confirm {
                    id: c.id,
                    text: match c.text_de {
                        Some(de) => Texts::en(c.text).with("de", de),
                        None => Texts::en(c.text),
                    },
                })
                .collect(),
            id: r.id,
            notes: plain(r.notes),
            notice: None,
            sequence: r.sequence,
            title: plain(r.title),
            version: r.version,
        },
    })
}

/// The highest release sequence ever applied in a mode; rollback keeps it,
/// so a rolled-back release cannot come back without `--reinstall`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Highest {
    pub release_id: String,
    pub sequence: u64,
    pub version: String,
}

/// The fixed sub-directories; none may be a link. `trust` holds the
/// installed trust root.
pub const SUBDIRS: [&str; 6] = [
    "staging",
    "backups",
    "installed",
    "receipts",
    "device",
    "trust",
];

/// A path as it would be once it exists: the canonical form of its deepest
/// existing ancestor with the rest appended.
fn canonical_lenient(path: &Path) -> Result<PathBuf, Error> {
    match dunce::canonicalize(path) {
        Ok(p) => Ok(p),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let abs = std::path::absolute(path).map_err(Error::io("cannot open", path))?;
            match (abs.parent(), abs.file_name()) {
                (Some(parent), Some(name)) => Ok(canonical_lenient(parent)?.join(name)),
                _ => Err(Error::io("cannot open", path)(e)),
            }
        }
        Err(e) => Err(Error::io("cannot open", path)(e)),
    }
}

/// Refuses a state directory inside the instrument root (a signed bundle
/// could then replace the trust root or the journal) and a root inside the
/// state directory. `root` is canonical already; nothing is created.
pub fn check_apart(root: &Path, state: &Path) -> Result<(), Error> {
    let state = canonical_lenient(state)?;
    if state.starts_with(root) {
        return Err(Error::StateInsideRoot {
            state,
            root: root.to_owned(),
        });
    }
    if root.starts_with(&state) {
        return Err(Error::RootInsideState {
            root: root.to_owned(),
            state,
        });
    }
    Ok(())
}

/// The canonical form of an instrument root given on the command line.
pub fn canonical_root(root: &Path) -> Result<PathBuf, Error> {
    dunce::canonicalize(root)
        .map_err(|e| Error::Config(format!("instrument root {}: {e}", root.display())))
}

impl StateDir {
    /// Opens (creating if needed) a state directory. Callers that change
    /// anything go through [`crate::instrument::journal::open_and_recover`] instead.
    ///
    /// Refuses, before it creates or reads anything in it, a directory that
    /// others could change and a fixed sub-directory that is a link.
    pub fn open(path: &Path) -> Result<Self, Error> {
        crate::platform::create_dir_all(path)
            .map_err(Error::io("cannot create state directory", path))?;
        let root =
            dunce::canonicalize(path).map_err(Error::io("cannot open state directory", path))?;
        let tree =
            Tree::open_ambient(&root).map_err(Error::io("cannot open state directory", &root))?;
        check_private(&tree, &root)?;
        // Every fixed sub-directory is looked at before any is made.
        let mut missing = Vec::new();
        for sub in SUBDIRS {
            let p = root.join(sub);
            match tree.kind(sub).map_err(Error::io("cannot inspect", &p))? {
                None => missing.push(sub),
                Some(Kind::Dir) => {
                    let d = tree
                        .open_dir(sub)
                        .map_err(|_| Error::StateLink { path: p.clone() })?;
                    check_private(&d, &p)?;
                }
                Some(_) => return Err(Error::StateLink { path: p }),
            }
        }
        for sub in missing {
            let p = root.join(sub);
            match tree.create_dir(sub) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                    return Err(Error::io("cannot create state directory", &p)(e))
                }
                _ => {}
            }
            if tree.kind(sub).map_err(Error::io("cannot inspect", &p))? != Some(Kind::Dir) {
                return Err(Error::StateLink { path: p });
            }
        }
        let lock = tree
            .open_lock("lock")
            .map_err(Error::io("cannot open", root.join("lock")))?;
        let lock = match lock.try_lock() {
            Ok(()) => Some(lock),
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::Config(format!(
                    "another bundle-verifier is using the state directory {}; wait until it has finished",
                    root.display()
                )))
            }
            // A file system without locks: go on without one.
            Err(fs::TryLockError::Error(_)) => None,
        };
        Ok(StateDir {
            root,
            tree: tree.into(),
            _lock: lock,
        })
    }

    /// For reading records only (no lock, nothing created), e.g. `scan --state`.
    pub fn read_only(path: &Path) -> Result<Self, Error> {
        let tree =
            Tree::open_ambient(path).map_err(Error::io("cannot open state directory", path))?;
        Ok(StateDir {
            root: path.to_owned(),
            tree: tree.into(),
            _lock: None,
        })
    }

    /// The full path of `rel` in the state directory, for messages and records.
    pub fn abs(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    /// `rel` of a full path inside the state directory (e.g. the journal's
    /// staging path); `None` for anything outside it.
    pub fn rel_of(&self, abs: &Path) -> Option<PathBuf> {
        abs.strip_prefix(&self.root)
            .ok()
            .filter(|r| !r.as_os_str().is_empty())
            .map(Path::to_owned)
    }

    pub fn staging(&self) -> PathBuf {
        self.root.join("staging")
    }
    pub fn backups(&self) -> PathBuf {
        self.root.join("backups")
    }
    pub fn backup(&self, txn: &str) -> PathBuf {
        self.backups().join(txn)
    }
    /// `backups/<txn>`, relative.
    pub fn backup_rel(txn: &str) -> PathBuf {
        Path::new("backups").join(txn)
    }
    /// `installed/<mode><suffix>`, relative.
    pub fn installed(mode: &str, suffix: &str) -> PathBuf {
        Path::new("installed").join(format!("{mode}{suffix}"))
    }
    pub fn receipts(&self) -> PathBuf {
        self.root.join("receipts")
    }
    pub const JOURNAL: &'static str = "journal.json";
    const DEVICE_KEY: &'static str = "device/device.key";
    const DEVICE_PUB: &'static str = "device/device.pub";
    pub fn device_key_path(&self) -> PathBuf {
        self.abs(Self::DEVICE_KEY)
    }
    pub fn device_pub_path(&self) -> PathBuf {
        self.abs(Self::DEVICE_PUB)
    }
    /// Whether the device key exists (a link there counts as one, and is
    /// refused when it is read).
    pub fn has_device_key(&self) -> Result<bool, Error> {
        let k = self
            .tree
            .kind(Self::DEVICE_KEY)
            .map_err(Error::io("cannot inspect", self.device_key_path()))?;
        Ok(k.is_some())
    }

    /// A new transaction name: a counter (so names sort in order) and the time.
    pub fn new_txn(&self, stamp: &str) -> String {
        let mut next = 1u64;
        for dir in ["backups", "receipts"] {
            for name in self.tree.names(dir).into_iter().flatten() {
                let name = name.to_string_lossy().into_owned();
                if let Some(n) = name.split('-').next().and_then(|n| n.parse::<u64>().ok()) {
                    next = next.max(n + 1);
                }
            }
        }
        format!(
            "{next:06}-{}",
            stamp.replace([':', '-'], "").trim_end_matches('Z')
        )
    }

    pub fn installed_record(&self, mode: &str) -> Result<Option<InstalledRecord>, Error> {
        read_json_opt(&self.tree, Self::installed(mode, ".json"))
    }

    /// Every mode's record, sorted by mode.
    pub fn installed_records(&self) -> Result<Vec<InstalledRecord>, Error> {
        let mut out = Vec::new();
        let mut names: Vec<String> = self
            .tree
            .names("installed")
            .map_err(Error::io("cannot read", self.abs("installed")))?
            .into_iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        names.sort();
        for n in names {
            let Some(mode) = n.strip_suffix(".json") else {
                continue;
            };
            if mode.contains('.') {
                continue;
            }
            if let Some(r) = self.installed_record(mode)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    pub fn highest(&self, mode: &str) -> Result<Option<Highest>, Error> {
        read_json_opt(&self.tree, Self::installed(mode, ".highest.json"))
    }

    /// Loads the device key, creating it on first use. Returns whether it was new.
    pub fn device_key(&self, create: bool) -> Result<(DeviceKey, bool), Error> {
        let path = self.device_key_path();
        let bad = |e: &dyn std::fmt::Display| {
            Error::Config(format!("device key {}: {e}", path.display()))
        };
        if let Some(bytes) = read_in(&self.tree, Self::DEVICE_KEY, InputKind::KeyFile)? {
            let text = String::from_utf8(bytes).map_err(|e| bad(&e))?;
            let k = DeviceKey::from_pem(&text).map_err(|e| bad(&e))?;
            return Ok((k, false));
        }
        if !create {
            return Err(Error::Config(format!(
                "no device key in {}; run `bundle-verifier device init --state {}` first",
                path.display(),
                self.root.display()
            )));
        }
        let k = DeviceKey::generate();
        // Written and synced under a temporary name, then linked: a power
        // loss never leaves half a key, and a key already there is never replaced.
        let (tmp, mut f) = self
            .tree
            .create_temp(Path::new(Self::DEVICE_KEY), Perm::Private)
            .map_err(Error::io("cannot write", &path))?;
        // Before the secret is written: no other local user may read it.
        let linked = crate::platform::owner_only(&f)
            .and_then(|()| k.with_pem(|pem| io::Write::write_all(&mut f, pem)))
            .and_then(|()| f.sync_all())
            .and_then(|()| self.tree.hard_link(&tmp, &self.tree, Self::DEVICE_KEY));
        drop(f);
        let _ = self.tree.remove_file(&tmp);
        linked.map_err(Error::io("cannot write", &path))?;
        write_atomic_in(
            &self.tree,
            Self::DEVICE_PUB,
            k.public_key().to_pem().as_bytes(),
        )?;
        self.tree.sync_dir("device");
        Ok((k, true))
    }
}

/// Refuses a directory that others could change.
fn check_private(tree: &Tree, path: &Path) -> Result<(), Error> {
    match tree
        .check_private()
        .map_err(Error::io("cannot inspect", path))?
    {
        Ok(()) => Ok(()),
        Err("owned-by-other") => Err(Error::StateDirOwner {
            path: path.to_owned(),
        }),
        Err(_) => Err(Error::StateDirWritable {
            path: path.to_owned(),
        }),
    }
}

/// Reads a file of `kind` in `tree` within its limit; `None` if there is none.
pub fn read_in(
    tree: &Tree,
    rel: impl AsRef<Path>,
    kind: InputKind,
) -> Result<Option<Vec<u8>>, Error> {
    let rel = rel.as_ref();
    match tree.open_for_reading(rel) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("cannot read", tree.display(rel))(e)),
        Ok(f) => read_opened(f, &tree.display(rel), kind, &crate::Limits::default()).map(Some),
    }
}

/// Reads a JSON record of the state directory; `None` if there is none.
pub fn read_json_opt<T: DeserializeOwned>(
    tree: &Tree,
    rel: impl AsRef<Path>,
) -> Result<Option<T>, Error> {
    let rel = rel.as_ref();
    match read_in(tree, rel, InputKind::StateRecord)? {
        None => Ok(None),
        Some(b) => serde_json::from_slice(&b).map(Some).map_err(|e| {
            Error::Config(format!(
                "state file {} is damaged: {e}; restore it from a backup of the state directory",
                tree.display(rel).display()
            ))
        }),
    }
}

/// Writes a file outside the root and the state directory (an export)
/// through a temporary file, fsync and rename: readers see
/// the old bytes or the new ones, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(Error::io("cannot write in", dir))?;
    io::Write::write_all(&mut tmp, bytes).map_err(Error::io("cannot write", path))?;
    tmp.as_file()
        .sync_all()
        .map_err(Error::io("cannot sync", path))?;
    tmp.persist(path)
        .map_err(|e| Error::io("cannot write", path)(e.error))?;
    crate::platform::sync_dir(dir);
    Ok(())
}

/// [`write_atomic`] for a file in a tree (the root or the state directory).
pub fn write_atomic_in(tree: &Tree, rel: impl AsRef<Path>, bytes: &[u8]) -> Result<(), Error> {
    let rel = rel.as_ref();
    tree.write_atomic(rel, bytes, Perm::Private)
        .map_err(Error::io("cannot write", tree.display(rel)))
}

pub fn write_json_atomic(
    tree: &Tree,
    rel: impl AsRef<Path>,
    value: &impl Serialize,
) -> Result<(), Error> {
    let rel = rel.as_ref();
    tree.write_atomic_with(rel, Perm::Private, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(io::Error::from)?;
        w.write_all(b"\n")
    })
    .map_err(Error::io("cannot write", tree.display(rel)))
}

/// The size of `value` as compact JSON, without holding the text.
pub fn json_size(value: &impl Serialize) -> u64 {
    struct Count(u64);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    serde_json::to_writer(&mut n, value).expect("records serialise");
    n.0
}

/// Copies a file within or between trees through [`Tree::write_atomic_with`]:
/// streamed, durable, and never a half-written destination.
pub fn copy_atomic(
    from: &Tree,
    src: impl AsRef<Path>,
    to: &Tree,
    dest: impl AsRef<Path>,
) -> Result<(), Error> {
    let (src, dest) = (src.as_ref(), dest.as_ref());
    let mut f = from
        .open_file(src)
        .map_err(Error::io("cannot read", from.display(src)))?;
    to.write_atomic_with(dest, Perm::Private, |w| io::copy(&mut f, w).map(drop))
        .map_err(Error::io("cannot write", to.display(dest)))
}

/// Copies a file (with its permission bits) between trees and makes the
/// copy durable.
pub fn copy_synced(
    from: &Tree,
    src: impl AsRef<Path>,
    to: &Tree,
    dest: impl AsRef<Path>,
) -> Result<(), Error> {
    let dest = dest.as_ref();
    from.copy(src, to, dest)
        .map_err(Error::io("cannot copy to", to.display(dest)))
}

/// Removes a file or directory tree; absent is fine.
pub fn remove_all(tree: &Tree, rel: impl AsRef<Path>) -> Result<(), Error> {
    let rel = rel.as_ref();
    tree.remove_all(rel)
        .map_err(Error::io("cannot remove", tree.display(rel)))
}

/// The current time as RFC 3339 UTC, to the second.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::manifest::Texts;

    #[derive(Deserialize)]
    struct Kept {
        #[serde(deserialize_with = "stored_release")]
        release: Release,
    }

    fn read(json: &str) -> Release {
        serde_json::from_str::<Kept>(json).unwrap().release
    }

    #[test]
    fn releases_kept_before_texts_by_language_are_read_as_english_and_german() {
        let old = read(
            r#"{"release":{"confirm":[{"id":"backup","text":"Saved.","text_de":"Gesichert."}],
                "id":"R","notes":"","sequence":3,"title":"Title","version":"1.0.0"}}"#,
        );
        assert_eq!(old.title, Texts::en("Title"));
        assert_eq!(old.notes, Texts::default());
        assert_eq!(
            old.confirm[0].text,
            Texts::en("Saved.").with("de", "Gesichert.")
        );
        // The current form reads as itself.
        let new = read(&format!(
            r#"{{"release":{}}}"#,
            serde_json::to_string(&old).unwrap()
        ));
        assert_eq!(new, old);
        assert!(serde_json::from_str::<Kept>(r#"{"release":{"id":"R"}}"#).is_err());
    }

    #[test]
    fn the_device_key_is_readable_by_its_owner_alone() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::open(&dir.path().join("state")).unwrap();
        let (k, created) = state.device_key(true).unwrap();
        assert!(created);
        crate::platform::assert_owner_only(&state.device_key_path());
        let (again, created) = state.device_key(true).unwrap();
        assert!(!created);
        assert_eq!(again.public_key(), k.public_key());
    }
}
