//! The journal that makes install and rollback crash-safe.
//!
//! `journal.json` holds the whole transaction (every file, its old and new
//! digest, the directories to create) and a phase:
//!
//! * `prepare`: backups are being made; the root is untouched.
//! * `switch`: files are being renamed into the root (install) or restored
//!   from the backup (rollback).
//! * `commit`: the root holds the new tree; records and receipt follow.
//!
//! Every state-using command first calls [`open_and_recover`]: an install
//! that died in `prepare` or `switch` is undone (every step of the undo is
//! idempotent), one in `commit` is finished, and a rollback is always
//! finished. So after the next invocation the root is exactly the old tree
//! or exactly the new one.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use bundle_keys::device::DeviceKey;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::format::digest::{hash_reader, Sha256Digest};
use crate::format::manifest::Release;
use crate::format::read::InputKind;
use crate::format::safepath::SafePath;
use crate::instrument::actions::{restart_stopped, stop_touched, ActionRun, ActionsJournal};
use crate::instrument::identity::Identity;
use crate::instrument::known::{move_back, Moved};
use crate::instrument::receipt::{
    BundleRef, Confirmation, Receipt, ReleaseRef, RESULT_INTERRUPTED,
};
use crate::instrument::state::{
    copy_synced, read_json_opt, remove_all, write_json_atomic, InstalledRecord, StateDir,
};
use crate::platform::tree::Perm;
use crate::platform::{crosses_devices, Tree};

pub use crate::instrument::commit::{commit_install, release_commit_space, reserve_commit_space};
pub use crate::instrument::rollback::finish_rollback;

/// Testing only: abort the process at the N-th crash point (1-based), so the
/// crash test can kill the real binary at every step of an install.
pub const CRASH_ENV: &str = "BUNDLE_VERIFIER_CRASH_AT";

static STEP: AtomicU64 = AtomicU64::new(0);

/// A place where a real crash must be survivable. With [`CRASH_ENV`] set,
/// the process dies here without unwinding, like `kill -9`.
pub fn crash_point() {
    static AT: OnceLock<Option<u64>> = OnceLock::new();
    let at = AT.get_or_init(|| std::env::var(CRASH_ENV).ok().and_then(|v| v.parse().ok()));
    if let Some(n) = *at {
        if STEP.fetch_add(1, Ordering::SeqCst) + 1 == n {
            std::process::abort();
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Add,
    Replace,
    Unchanged,
}

/// One file of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    pub action: Action,
    pub executable: bool,
    pub new_sha256: Sha256Digest,
    pub old_sha256: Option<Sha256Digest>,
    pub path: SafePath,
}

/// Everything an install changes, written before the first change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub backup_to: Option<PathBuf>,
    /// For a repair (the installed release applied again): the install it
    /// repairs, the first of the release. Rollback goes back to before that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    pub bundle: BundleRef,
    pub confirmations: Vec<Confirmation>,
    /// Directories the install creates, parents first.
    pub created_dirs: Vec<SafePath>,
    pub identity: Identity,
    pub installed_before: Option<InstalledRecord>,
    /// Files in owned directories the release does not carry, moved into
    /// the backup's `moved/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<Moved>,
    /// Every file of the target; `unchanged` ones are not touched.
    pub ops: Vec<Op>,
    #[serde(deserialize_with = "crate::instrument::state::stored_release")]
    pub release: Release,
    pub root: PathBuf,
    pub started: String,
    pub transaction: String,
}

impl Transaction {
    pub fn changed(&self) -> impl DoubleEndedIterator<Item = &Op> {
        self.ops.iter().filter(|o| o.action != Action::Unchanged)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Install,
    Rollback,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Prepare,
    Switch,
    Commit,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Journal {
    /// The install actions and their progress (services stopped, results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<ActionsJournal>,
    pub kind: Kind,
    pub phase: Phase,
    /// The rollback's own name (its receipt), for `kind = rollback`.
    pub rollback: Option<String>,
    /// A rollback's files that the release did not install, set aside into
    /// `backups/<rollback>/moved/` (phase `prepare`) before the restore.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<Moved>,
    /// Repairs of the install being rolled back, undone with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repairs: Vec<String>,
    pub staging: Option<PathBuf>,
    pub transaction: Transaction,
}

impl Journal {
    pub fn write(&mut self, state: &StateDir, phase: Phase) -> Result<(), Error> {
        self.phase = phase;
        crash_point();
        write_json_atomic(&state.tree, StateDir::JOURNAL, self)?;
        crash_point();
        Ok(())
    }

    pub fn remove(state: &StateDir) -> Result<(), Error> {
        crash_point();
        match state.tree.remove_file(StateDir::JOURNAL) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(Error::io("cannot remove", state.abs(StateDir::JOURNAL))(e))
            }
            _ => {}
        }
        state.tree.sync_dir("");
        crash_point();
        Ok(())
    }
}

/// What recovery did, for the technician.
#[derive(Clone, Debug, Serialize)]
pub struct Recovered {
    pub kind: Kind,
    pub transaction: String,
    /// `completed` or `undone`.
    pub outcome: &'static str,
    pub release: ReleaseRef,
    pub root: PathBuf,
}

/// Opens the state directory and finishes or undoes whatever an earlier,
/// interrupted run left in the journal. Leftover staging is removed.
pub fn open_and_recover(path: &Path) -> Result<(StateDir, Option<Recovered>), Error> {
    let state = StateDir::open(path)?;
    let journal: Option<Journal> = read_json_opt(&state.tree, StateDir::JOURNAL)?;
    let recovered = match journal {
        None => None,
        Some(j) => Some(recover(&state, j)?),
    };
    // Staging left by a run that died before writing its journal.
    for name in state.tree.names("staging").into_iter().flatten() {
        remove_all(&state.tree, Path::new("staging").join(name))?;
    }
    Ok((state, recovered))
}

/// Opens the instrument root a transaction recorded.
pub fn open_root(root: &Path) -> Result<Tree, Error> {
    Tree::open_ambient(root)
        .map_err(|e| Error::Config(format!("instrument root {}: {e}", root.display())))
}

/// Removes the staging directory a journal names; one outside the state
/// directory is never touched.
pub(super) fn remove_staging(state: &StateDir, j: &Journal) -> Result<(), Error> {
    if let Some(rel) = j.staging.as_deref().and_then(|s| state.rel_of(s)) {
        remove_all(&state.tree, rel)?;
    }
    Ok(())
}

fn recover(state: &StateDir, j: Journal) -> Result<Recovered, Error> {
    let (key, _) = state.device_key(true)?;
    let t = &j.transaction;
    let root = open_root(&t.root)?;
    let outcome = match (j.kind, j.phase) {
        (Kind::Install, Phase::Commit) => {
            commit_install(state, &root, &j, &key)?;
            "completed"
        }
        (Kind::Install, phase) => {
            undo_install(
                state,
                &root,
                &j,
                &key,
                phase,
                RESULT_INTERRUPTED,
                "the install was interrupted (power loss or a killed process) and was undone \
                 when the verifier next ran",
            )?;
            "undone"
        }
        (Kind::Rollback, _) => {
            finish_rollback(state, &root, j.clone(), &key)?;
            "completed"
        }
    };
    Ok(Recovered {
        kind: j.kind,
        transaction: t.transaction.clone(),
        outcome,
        release: ReleaseRef::from(&t.release),
        root: t.root.clone(),
    })
}

fn tmp_name(dest: &Path, tag: &str) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.{tag}"))
}

pub const TMP_NEW: &str = "bundle-new";
const TMP_RESTORE: &str = "bundle-restore";

/// Renames within one file system; across file systems (and only then),
/// copies next to the destination and renames that, so the switch itself
/// stays atomic. Any other failure is the switch's error, which undoes it.
pub fn move_into_place(src: &Tree, from: &Path, root: &Tree, to: &Path) -> Result<(), Error> {
    match src.rename(from, root, to) {
        Ok(()) => return Ok(()),
        Err(e) if !crosses_devices(&e) => {
            return Err(Error::io("cannot move file into place", root.display(to))(
                e,
            ))
        }
        Err(_) => {}
    }
    let tmp = tmp_name(to, TMP_NEW);
    copy_synced(src, from, root, &tmp)?;
    root.rename(&tmp, root, to).map_err(|e| {
        let _ = root.remove_file(&tmp);
        Error::io("cannot move file into place", root.display(to))(e)
    })
}

/// The digest of a regular file in `tree`; `None` if there is none.
pub fn file_sha256(tree: &Tree, rel: &Path) -> io::Result<Option<Sha256Digest>> {
    match tree.open_file_opt(rel)? {
        None => Ok(None),
        Some(f) => Ok(Some(hash_reader(f)?.0)),
    }
}

/// Moves a backed-up file back over `dest`; across file systems (and only
/// then) through a copy beside it.
pub(super) fn restore_one(st: &Tree, saved: &Path, root: &Tree, dest: &Path) -> Result<(), Error> {
    let failed = Error::io("cannot restore the old file", root.display(dest));
    match st.rename(saved, root, dest) {
        Ok(()) => Ok(()),
        Err(e) if crosses_devices(&e) => {
            let tmp = tmp_name(dest, TMP_RESTORE);
            copy_synced(st, saved, root, &tmp)?;
            root.rename(&tmp, root, dest).map_err(failed)
        }
        Err(e) => Err(failed(e)),
    }
}

/// Puts the old tree back: removes added files, moves each backed-up file
/// back over its path, removes created directories. Safe to repeat after a
/// crash at any point, because each step checks what is already done.
pub(super) fn restore_files(
    root: &Tree,
    state: &StateDir,
    t: &Transaction,
    files: &Path,
) -> Result<(), Error> {
    // Synced in the order first met; the set keeps the lookup linear
    // (a Vec search made rollback quadratic in files × directories).
    let mut dirs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for op in t.changed().rev() {
        let dest = Path::new(op.path.as_str());
        for tag in [TMP_NEW, TMP_RESTORE] {
            remove_all(root, tmp_name(dest, tag))?;
        }
        match op.action {
            Action::Add => match root.remove_file(dest) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(Error::io("cannot remove", root.display(dest))(e))
                }
                _ => {}
            },
            Action::Replace => {
                let saved = files.join(op.path.as_str());
                let st = &state.tree;
                let exists = st
                    .kind(&saved)
                    .map_err(Error::io("cannot inspect", st.display(&saved)))?
                    .is_some();
                if exists {
                    if !st.same_file(&saved, root, dest) {
                        restore_one(st, &saved, root, dest)?;
                    }
                } else {
                    // Moved back by an earlier, interrupted attempt: it must be the old file.
                    let now = file_sha256(root, dest)
                        .map_err(Error::io("cannot read", root.display(dest)))?;
                    if now != op.old_sha256 {
                        return Err(Error::io("the backup is missing for", st.display(&saved))(
                            io::Error::new(io::ErrorKind::NotFound, "backup file missing"),
                        ));
                    }
                }
            }
            Action::Unchanged => {}
        }
        let parent = dest.parent().unwrap_or(Path::new("")).to_owned();
        if seen.insert(parent.clone()) {
            dirs.push(parent);
        }
        crash_point();
    }
    for d in &dirs {
        root.sync_dir(d);
    }
    let backup = files.parent().expect("files/ is in a backup");
    move_back(root, &state.tree, &t.moved, &backup.join("moved"))?;
    for d in t.created_dirs.iter().rev() {
        let p = Path::new(d.as_str());
        match root.remove_dir(p) {
            // A file put there since (not the release's) keeps it; it was
            // set aside where it could be (see `rollback`).
            Err(e) if e.kind() == io::ErrorKind::DirectoryNotEmpty => {}
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(Error::io("cannot remove directory", root.display(p))(e))
            }
            _ => {}
        }
        root.sync_dir(p.parent().unwrap_or(Path::new("")));
        crash_point();
    }
    Ok(())
}

pub struct ReceiptParts<'a> {
    pub action: &'a str,
    pub actions: Vec<ActionRun>,
    pub result: &'a str,
    pub detail: Option<String>,
    pub files: Files,
    pub installed_before: Option<ReleaseRef>,
    pub installed_after: Option<ReleaseRef>,
    pub name: String,
}

/// The receipt of a transaction, written once (a repeat after a crash keeps
/// the first). Returns its path.
pub fn write_receipt(
    state: &StateDir,
    key: &DeviceKey,
    t: &Transaction,
    p: ReceiptParts,
) -> Result<PathBuf, Error> {
    let rel = Path::new("receipts").join(format!("{}.json", p.name));
    let path = state.abs(&rel);
    let exists = state
        .tree
        .kind(&rel)
        .map_err(Error::io("cannot inspect", &path))?
        .is_some();
    if exists {
        return Ok(path);
    }
    let mut r = Receipt::new(p.action, p.result, &t.identity, &t.root, &t.transaction);
    r.backup = vec![state.backup(&t.transaction).display().to_string()];
    r.backup
        .extend(t.backup_to.iter().map(|b| b.display().to_string()));
    r.bundle = Some(t.bundle.clone());
    // A rollback's receipt names the install it undid, not its confirmations.
    if p.action == "apply" {
        r.confirmations = t.confirmations.clone();
    }
    r.actions = p.actions;
    r.detail = p.detail;
    r.installed_after = p.installed_after;
    r.installed_before = p.installed_before;
    let r = r.with_files(ChangedFiles { t, files: p.files });
    crash_point();
    state
        .tree
        .write_atomic_with(&rel, Perm::Private, |w| r.write_signed(key, w))
        .map_err(Error::io("cannot write", &path))?;
    crash_point();
    Ok(path)
}

pub(super) fn before(t: &Transaction) -> Option<ReleaseRef> {
    t.installed_before.as_ref().map(|r| (&r.release).into())
}

/// Which files a receipt lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Files {
    /// None: the install was refused or undone.
    None,
    /// The transaction's changes, as installed.
    Installed,
    /// The transaction's changes, as a rollback undid them.
    RolledBack,
}

/// A receipt's `files`, serialised straight from the transaction's steps:
/// a list of its own would be one more copy of every path.
struct ChangedFiles<'a> {
    t: &'a Transaction,
    files: Files,
}

/// [`FileChange`] as written: the same fields, in the same (sorted) order.
#[derive(Serialize)]
struct FileChangeOut<'a> {
    action: &'static str,
    path: &'a SafePath,
    sha256_after: Option<Sha256Digest>,
    sha256_before: Option<Sha256Digest>,
}

impl Serialize for ChangedFiles<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rollback = self.files == Files::RolledBack;
        let changed = (self.files != Files::None).then(|| self.t.changed());
        s.collect_seq(changed.into_iter().flatten().map(|o| {
            let added = o.action == Action::Add;
            let (before, after) = (o.old_sha256, Some(o.new_sha256));
            FileChangeOut {
                action: match (added, rollback) {
                    (true, false) => "add",
                    (false, false) => "replace",
                    (true, true) => "remove",
                    (false, true) => "restore",
                },
                path: &o.path,
                sha256_after: if rollback { before } else { after },
                sha256_before: if rollback { after } else { before },
            }
        }))
    }
}

/// Undoes an install that has not reached `commit`, removes its backup and
/// staging, writes a receipt and clears the journal.
pub fn undo_install(
    state: &StateDir,
    root: &Tree,
    j: &Journal,
    key: &DeviceKey,
    phase: Phase,
    result: &str,
    detail: &str,
) -> Result<PathBuf, Error> {
    let t = &j.transaction;
    let backup = StateDir::backup_rel(&t.transaction);
    // Services go down before their old files go back, and up after.
    let mut problems = stop_touched(j);
    if phase != Phase::Prepare {
        if j.actions
            .as_ref()
            .is_some_and(|a| !a.stopped.is_empty() || !a.started.is_empty())
        {
            // A stopped service's process lets go of its files a moment
            // later; restoring meets any file still held as its error.
            let _ = crate::instrument::plan::check_freed(root, &t.ops);
        }
        restore_files(root, state, t, &backup.join("files"))?;
    }
    problems.extend(restart_stopped(j));
    let detail = std::iter::once(detail.to_owned())
        .chain(problems)
        .collect::<Vec<_>>()
        .join("; ");
    // The root is as it was; free the staged files and the reserve before
    // the receipt is written (the disk may be what failed).
    remove_staging(state, j)?;
    release_commit_space(state, &t.transaction)?;
    let receipt = write_receipt(
        state,
        key,
        t,
        ReceiptParts {
            action: "apply",
            actions: j.actions.iter().flat_map(|a| a.done.clone()).collect(),
            result,
            detail: Some(detail),
            files: Files::None,
            installed_before: before(t),
            installed_after: before(t),
            name: format!("{}-apply", t.transaction),
        },
    )?;
    crash_point();
    remove_all(&state.tree, &backup)?;
    Journal::remove(state)?;
    Ok(receipt)
}

/// Names of the entries of each directory that holds a target file, so
/// `check-installed` can tell files added later.
pub type Listing = BTreeMap<String, Vec<String>>;

pub fn list_dirs(root: &Tree, paths: &[&SafePath]) -> Listing {
    let mut out = Listing::new();
    for p in paths {
        let dir = p.ancestors().last().unwrap_or("").to_owned();
        if out.contains_key(&dir) {
            continue;
        }
        let mut names: Vec<String> = root
            .names(&dir)
            .into_iter()
            .flatten()
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        names.sort();
        out.insert(dir, names);
    }
    out
}

pub(super) const RECORD_SUFFIXES: [&str; 4] =
    [".json", ".manifest.json", ".signatures.json", ".tree.json"];

/// The kind (and so the size limit) of a record file by its suffix.
pub(super) fn record_kind(suffix: &str) -> InputKind {
    match suffix {
        ".manifest.json" => InputKind::Manifest,
        ".signatures.json" => InputKind::Signatures,
        _ => InputKind::StateRecord,
    }
}

/// Saves the mode's current records into the backup, for rollback.
pub fn save_previous_records(state: &StateDir, mode: &str, backup: &Path) -> Result<(), Error> {
    let st = &state.tree;
    let prev = backup.join("previous");
    st.create_dir_all(&prev)
        .map_err(Error::io("cannot create", st.display(&prev)))?;
    for s in RECORD_SUFFIXES {
        let from = StateDir::installed(mode, s);
        let exists = st
            .kind(&from)
            .map_err(Error::io("cannot inspect", st.display(&from)))?
            .is_some();
        if exists {
            copy_synced(st, &from, st, prev.join(format!("record{s}")))?;
        }
    }
    st.sync_dir(&prev);
    Ok(())
}
