//! Applying a verified target to the instrument root: stage, check, back up,
//! switch files in with rename, and undo everything if any step fails.
//!
//! State directory layout (FORMAT.md, "State directory"):
//! `staging/` private per-apply work dirs, `backups/<txn>/` replaced files and
//! `backup.json`, `installed/<mode>.json` plus the signed manifest and
//! signatures of what is installed in each mode.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::digest::{hash_reader, Sha256Digest};
use crate::error::Error;
use crate::identity::Identity;
use crate::manifest::{Release, Target};
use crate::payload::read_payload;
use crate::safepath::SafePath;
use crate::trust::{TrustedKeys, Verified};
use crate::verify::{open_verified, sink_for, TargetSummary};
use crate::Limits;

/// Set to a number N to make the install fail after N files were switched,
/// so tests can prove the root is restored. Never set in production.
pub const FAULT_ENV: &str = "BUNDLE_VERIFIER_FAIL_AFTER_FILES";

#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    pub limits: Limits,
    pub dry_run: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Add,
    Replace,
    Unchanged,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Change {
    pub path: SafePath,
    pub action: Action,
}

/// What `apply` did (or, with `--dry-run`, would do).
#[derive(Clone, Debug, Serialize)]
pub struct ApplyReport {
    pub result: &'static str,
    pub identity: Identity,
    pub release: Release,
    pub manifest_sha256: Sha256Digest,
    pub signatures: Verified,
    pub target: TargetSummary,
    pub changes: Vec<Change>,
    pub backup: Option<PathBuf>,
    /// Other modes of this model the bundle carries: a dual-boot instrument needs each.
    pub other_modes: Vec<String>,
}

/// The record of what is installed in one mode (`installed/<mode>.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InstalledRecord {
    pub release: Release,
    pub manifest_sha256: Sha256Digest,
    pub model: String,
    pub mode: String,
    pub installed_at: String,
    pub transaction: String,
    pub signed_by: Vec<bundle_keys::KeyId>,
}

/// The list a rollback needs (`backups/<txn>/backup.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BackupRecord {
    pub transaction: String,
    pub release: Release,
    pub mode: String,
    pub changes: Vec<Change>,
}

pub struct StateDir {
    pub root: PathBuf,
}

impl StateDir {
    pub fn open(path: &Path) -> Result<Self, Error> {
        for sub in ["", "staging", "backups", "installed"] {
            let d = path.join(sub);
            fs::create_dir_all(&d).map_err(Error::io("cannot create state directory", &d))?;
        }
        Ok(StateDir {
            root: path.to_owned(),
        })
    }
    pub fn staging(&self) -> PathBuf {
        self.root.join("staging")
    }
    pub fn backup(&self, txn: &str) -> PathBuf {
        self.root.join("backups").join(txn)
    }
    pub fn installed(&self, mode: &str, suffix: &str) -> PathBuf {
        self.root.join("installed").join(format!("{mode}{suffix}"))
    }
}

/// Verifies `bundle` completely and installs the target that fits `identity`
/// under `root`. The root is changed only after every check passed, and is
/// restored if switching files in fails.
pub fn apply(
    bundle: &Path,
    trust: &TrustedKeys,
    identity: &Identity,
    root: &Path,
    state: &Path,
    opts: &ApplyOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ApplyReport, Error> {
    let meta = fs::metadata(root)
        .map_err(|e| Error::Config(format!("instrument root {}: {e}", root.display())))?;
    if !meta.is_dir() {
        return Err(Error::Config(format!(
            "instrument root {} is not a directory",
            root.display()
        )));
    }
    let state = StateDir::open(state)?;
    // The instrument's own trust root (`<state>/trust/root.json`) rules; newer
    // versions are installed there before the bundle is judged.
    let trust = &trust.with_state(&state.root.join("trust"), !opts.dry_run)?;
    let mut o = open_verified(bundle, trust, &opts.limits)?;
    let target = identity.select(&o.manifest)?.clone();
    check_root_paths(root, &target)?;

    let staging = tempfile::Builder::new()
        .prefix("apply-")
        .tempdir_in(state.staging())
        .map_err(Error::io(
            "cannot create staging directory in",
            state.staging(),
        ))?;
    let tree = staging.path().join("tree");
    let sink = sink_for(&target, &tree);
    read_payload(&mut o.env, &o.manifest, Some(&sink), &opts.limits, progress)?;

    let changes = plan(root, &target)?;
    let other_modes = o
        .manifest
        .targets
        .iter()
        .filter(|t| t.model == target.model && t.mode != target.mode)
        .map(|t| t.mode.clone())
        .collect();
    let mut report = ApplyReport {
        result: if opts.dry_run { "dry-run" } else { "installed" },
        identity: identity.clone(),
        release: o.manifest.release.clone(),
        manifest_sha256: o.manifest_sha256,
        signatures: o.verified.clone(),
        target: TargetSummary::from(&target),
        changes,
        backup: None,
        other_modes,
    };
    if opts.dry_run {
        return Ok(report);
    }

    let now = SystemTime::now();
    let stamp = humantime::format_rfc3339_seconds(now).to_string();
    let txn = format!(
        "{}-{}",
        stamp.replace([':', '-'], "").trim_end_matches('Z'),
        &o.manifest_sha256.to_hex()[..12]
    );
    let backup = state.backup(&txn);
    fs::create_dir_all(backup.join("files"))
        .map_err(Error::io("cannot create backup directory", &backup))?;
    write_json_atomic(
        &backup.join("backup.json"),
        &BackupRecord {
            transaction: txn.clone(),
            release: o.manifest.release.clone(),
            mode: target.mode.clone(),
            changes: report.changes.clone(),
        },
    )?;
    switch_in(root, &tree, &backup.join("files"), &report.changes)?;

    let record = InstalledRecord {
        release: o.manifest.release.clone(),
        manifest_sha256: o.manifest_sha256,
        model: target.model.clone(),
        mode: target.mode.clone(),
        installed_at: stamp,
        transaction: txn,
        signed_by: o.verified.counted.clone(),
    };
    write_atomic(
        &state.installed(&target.mode, ".manifest.json"),
        &o.manifest_bytes,
    )?;
    write_atomic(
        &state.installed(&target.mode, ".signatures.json"),
        &o.signatures.to_canonical_bytes(),
    )?;
    write_json_atomic(&state.installed(&target.mode, ".json"), &record)?;
    report.backup = Some(backup);
    Ok(report)
}

/// Refuses a root where a bundle path would pass through a symbolic link or
/// land on something that is not a regular file: following either could
/// write outside the root.
fn check_root_paths(root: &Path, target: &Target) -> Result<(), Error> {
    for f in &target.files {
        for dir in f.path.ancestors().chain(std::iter::once(f.path.as_str())) {
            let is_leaf = dir.len() == f.path.as_str().len();
            let p = SafePath::parse(dir, &Limits::default())
                .expect("prefix of a safe path is safe")
                .join_to(root);
            match fs::symlink_metadata(&p) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                Err(e) => return Err(Error::io("cannot inspect", p)(e)),
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(Error::InstallFailed {
                        reason: format!(
                            "{} in the instrument root is a symbolic link; nothing was changed",
                            p.display()
                        ),
                    })
                }
                Ok(m) if is_leaf && !m.is_file() => {
                    return Err(Error::InstallFailed {
                        reason: format!(
                            "{} in the instrument root is not a regular file; nothing was changed",
                            p.display()
                        ),
                    })
                }
                Ok(m) if !is_leaf && !m.is_dir() => {
                    return Err(Error::InstallFailed {
                        reason: format!(
                            "{} in the instrument root is not a directory; nothing was changed",
                            p.display()
                        ),
                    })
                }
                Ok(_) => {}
            }
        }
    }
    Ok(())
}

/// Compares the target with what the root holds now.
fn plan(root: &Path, target: &Target) -> Result<Vec<Change>, Error> {
    let mut changes = Vec::with_capacity(target.files.len());
    let mut files: Vec<_> = target.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for f in files {
        let p = f.path.join_to(root);
        let action = match fs::File::open(&p) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Action::Add,
            Err(e) => return Err(Error::io("cannot read", p)(e)),
            Ok(file) => {
                let meta = file.metadata().map_err(Error::io("cannot read", &p))?;
                let same = meta.len() == f.size
                    && exec_bit(&meta) == f.executable
                    && hash_reader(file).map_err(Error::io("cannot read", &p))?.0 == f.sha256;
                if same {
                    Action::Unchanged
                } else {
                    Action::Replace
                }
            }
        };
        changes.push(Change {
            path: f.path.clone(),
            action,
        });
    }
    Ok(changes)
}

#[cfg(unix)]
fn exec_bit(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn exec_bit(_: &fs::Metadata) -> bool {
    // Windows has no executable bit; treat it as always matching.
    true
}

enum Done {
    Added(PathBuf),
    Replaced { dest: PathBuf, saved: PathBuf },
    Dir(PathBuf),
}

/// Moves staged files into the root, keeping the old ones in `backup`.
/// On the first failure everything already done is undone, newest first.
fn switch_in(root: &Path, tree: &Path, backup: &Path, changes: &[Change]) -> Result<(), Error> {
    let fail_after: Option<usize> = std::env::var(FAULT_ENV).ok().and_then(|v| v.parse().ok());
    let mut done: Vec<Done> = Vec::new();
    let mut touched_dirs: Vec<PathBuf> = Vec::new();
    let result = (|| -> Result<(), Error> {
        for (i, c) in changes
            .iter()
            .filter(|c| c.action != Action::Unchanged)
            .enumerate()
        {
            if fail_after == Some(i) {
                return Err(Error::io("injected fault before", c.path.join_to(root))(
                    io::Error::other("test fault"),
                ));
            }
            let dest = c.path.join_to(root);
            let staged = c.path.join_to(tree);
            for dir in c.path.ancestors() {
                let d = root.join(dir);
                if !d.exists() {
                    fs::create_dir(&d).map_err(Error::io("cannot create directory", &d))?;
                    done.push(Done::Dir(d));
                }
            }
            if c.action == Action::Replace {
                let saved = c.path.join_to(backup);
                if let Some(parent) = saved.parent() {
                    fs::create_dir_all(parent)
                        .map_err(Error::io("cannot create backup directory", parent))?;
                }
                // A hard link keeps the old file at no cost; copy across file systems.
                if fs::hard_link(&dest, &saved).is_err() {
                    copy_synced(&dest, &saved)?;
                }
                move_file(&staged, &dest)?;
                done.push(Done::Replaced {
                    dest: dest.clone(),
                    saved,
                });
            } else {
                move_file(&staged, &dest)?;
                done.push(Done::Added(dest.clone()));
            }
            if let Some(parent) = dest.parent() {
                if !touched_dirs.iter().any(|d| d == parent) {
                    touched_dirs.push(parent.to_owned());
                }
            }
        }
        for d in &touched_dirs {
            sync_dir(d);
        }
        Ok(())
    })();
    let Err(err) = result else { return Ok(()) };
    let mut restore_errors = Vec::new();
    for d in done.into_iter().rev() {
        let r = match &d {
            Done::Added(p) => fs::remove_file(p),
            Done::Replaced { dest, saved } => fs::remove_file(dest).and_then(|_| {
                fs::hard_link(saved, dest).or_else(|_| fs::copy(saved, dest).map(|_| ()))
            }),
            Done::Dir(p) => fs::remove_dir(p),
        };
        if let Err(e) = r {
            restore_errors.push(e.to_string());
        }
    }
    if restore_errors.is_empty() {
        Err(Error::InstallFailed {
            reason: err.to_string(),
        })
    } else {
        Err(Error::RestoreFailed {
            reason: err.to_string(),
            restore: restore_errors.join("; "),
            backup: backup.to_owned(),
        })
    }
}

/// Renames within one file system; across file systems, copies next to the
/// destination and renames that, so the switch itself stays atomic.
fn move_file(from: &Path, to: &Path) -> Result<(), Error> {
    if fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = to.with_file_name(format!(".{name}.bundle-new"));
    copy_synced(from, &tmp)?;
    fs::rename(&tmp, to).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io("cannot move file into place", to)(e)
    })
}

fn copy_synced(from: &Path, to: &Path) -> Result<(), Error> {
    fs::copy(from, to).map_err(Error::io("cannot copy to", to))?;
    fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(Error::io("cannot sync", to))
}

/// Makes renames in `dir` durable; a no-op where directories cannot be opened.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(Error::io("cannot write in", dir))?;
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
