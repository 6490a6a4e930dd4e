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
//! Every file here is written with [`write_atomic`]: a temporary file,
//! fsync, rename, fsync of the directory.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use bundle_keys::device::DeviceKey;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::format::digest::Sha256Digest;
use crate::format::manifest::Release;

pub struct StateDir {
    pub root: PathBuf,
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

const SUBDIRS: [&str; 6] = ["", "staging", "backups", "installed", "receipts", "device"];

impl StateDir {
    /// Opens (creating if needed) a state directory. Callers that change
    /// anything go through [`crate::instrument::journal::open_and_recover`] instead.
    pub fn open(path: &Path) -> Result<Self, Error> {
        for sub in SUBDIRS {
            let d = path.join(sub);
            fs::create_dir_all(&d).map_err(Error::io("cannot create state directory", &d))?;
        }
        let root =
            fs::canonicalize(path).map_err(Error::io("cannot open state directory", path))?;
        let lock_path = root.join("lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(Error::io("cannot open", &lock_path))?;
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
        Ok(StateDir { root, _lock: lock })
    }

    /// For reading records only (no lock, nothing created), e.g. `scan --state`.
    pub fn read_only(path: &Path) -> Self {
        StateDir {
            root: path.to_owned(),
            _lock: None,
        }
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
    pub fn installed(&self, mode: &str, suffix: &str) -> PathBuf {
        self.root.join("installed").join(format!("{mode}{suffix}"))
    }
    pub fn receipts(&self) -> PathBuf {
        self.root.join("receipts")
    }
    pub fn journal(&self) -> PathBuf {
        self.root.join("journal.json")
    }
    pub fn device_key_path(&self) -> PathBuf {
        self.root.join("device").join("device.key")
    }
    pub fn device_pub_path(&self) -> PathBuf {
        self.root.join("device").join("device.pub")
    }

    /// A new transaction name: a counter (so names sort in order) and the time.
    pub fn new_txn(&self, stamp: &str) -> String {
        let mut next = 1u64;
        for dir in [self.backups(), self.receipts()] {
            for e in fs::read_dir(&dir).into_iter().flatten().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
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
        read_json_opt(&self.installed(mode, ".json"))
    }

    /// Every mode's record, sorted by mode.
    pub fn installed_records(&self) -> Result<Vec<InstalledRecord>, Error> {
        let dir = self.root.join("installed");
        let mut out = Vec::new();
        let mut names: Vec<String> = fs::read_dir(&dir)
            .map_err(Error::io("cannot read", &dir))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
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
        read_json_opt(&self.installed(mode, ".highest.json"))
    }

    /// Loads the device key, creating it on first use. Returns whether it was new.
    pub fn device_key(&self, create: bool) -> Result<(DeviceKey, bool), Error> {
        let path = self.device_key_path();
        if path.exists() {
            let k = DeviceKey::read_pem_file(&path)
                .map_err(|e| Error::Config(format!("device key {}: {e}", path.display())))?;
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
        k.write_pem_file(&path)
            .map_err(|e| Error::Config(format!("device key {}: {e}", path.display())))?;
        write_atomic(&self.device_pub_path(), k.public_key().to_pem().as_bytes())?;
        sync_dir(path.parent().unwrap_or(&self.root));
        Ok((k, true))
    }
}

pub fn read_json_opt<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, Error> {
    use crate::format::read::InputKind::StateRecord;
    match crate::format::read::read_input(path, StateRecord, &crate::Limits::default()) {
        Err(e) if crate::format::read::is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
        Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|e| {
            Error::Config(format!(
                "state file {} is damaged: {e}; restore it from a backup of the state directory",
                path.display()
            ))
        }),
    }
}

/// Writes through a temporary file, fsync and rename: readers (and the next
/// run after a crash) see the old bytes or the new ones, never a mix.
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
    sync_dir(dir);
    Ok(())
}

pub fn write_json_atomic(path: &Path, value: &impl Serialize) -> Result<(), Error> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("records serialise");
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Copies a file (with its permission bits) and makes the copy durable.
pub fn copy_synced(from: &Path, to: &Path) -> Result<(), Error> {
    fs::copy(from, to).map_err(Error::io("cannot copy to", to))?;
    fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(Error::io("cannot sync", to))
}

/// Makes renames in `dir` durable; a no-op where directories cannot be opened.
pub fn sync_dir(dir: &Path) {
    crate::platform::sync_dir(dir)
}

/// Removes a file or directory tree; absent is fine.
pub fn remove_all(p: &Path) -> Result<(), Error> {
    let r = match fs::symlink_metadata(p) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => Err(e),
        Ok(m) if m.is_dir() => fs::remove_dir_all(p),
        Ok(_) => fs::remove_file(p),
    };
    r.map_err(Error::io("cannot remove", p))
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
}
