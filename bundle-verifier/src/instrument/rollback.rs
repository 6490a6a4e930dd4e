//! `rollback`: put back the tree as it was before the release installed
//! last into a root was first installed, from that install's backup,
//! journaled like the install itself.
//!
//! A repair (the installed release applied again, `apply --reinstall`) is
//! not a layer of its own: its transaction names the install it repairs
//! (`base`), and rolling back restores that install's backup. The repair's
//! own backup (the tampered files) is kept as evidence, not restored.

use std::path::{Path, PathBuf};

use bundle_keys::device::DeviceKey;
use serde::Serialize;

use crate::error::Error;
use crate::instrument::journal::{
    crash_point, file_sha256, open_and_recover, open_root, record_kind, restore_files,
    write_receipt, Files, Journal, Kind, Phase, ReceiptParts, Recovered, Transaction,
    RECORD_SUFFIXES,
};
use crate::instrument::known::{current_listing, known_listing, move_out, moved_dir, Moved};
use crate::instrument::plan::check_not_in_use;
use crate::instrument::receipt::{ReleaseRef, RESULT_ROLLED_BACK};
use crate::instrument::state::{
    canonical_root, check_apart, now_rfc3339, read_in, read_json_opt, remove_all, write_atomic_in,
    write_json_atomic, StateDir,
};
use crate::platform::tree::Kind as EntryKind;
use crate::platform::Tree;
use crate::Limits;

#[derive(Clone, Debug, Serialize)]
pub struct RollbackReport {
    pub result: &'static str,
    pub transaction: String,
    pub mode: String,
    pub rolled_back: ReleaseRef,
    pub installed_now: Option<ReleaseRef>,
    pub files: usize,
    /// Repairs of the release undone with it (their backups stay as evidence).
    pub repairs: Vec<String>,
    /// Files the release did not install, found in its directories and set
    /// aside into the rollback's backup so the old tree comes back whole.
    pub set_aside: Vec<String>,
    pub receipt: Option<PathBuf>,
    pub recovered: Option<Recovered>,
}

/// The committed installs into `root` not rolled back yet, newest first,
/// read one at a time (a transaction lists every file of its release).
fn open_installs<'a>(
    state: &'a StateDir,
    root: &'a Path,
) -> Result<impl Iterator<Item = Result<Transaction, Error>> + 'a, Error> {
    let st = &state.tree;
    let mut names: Vec<String> = st
        .names("backups")
        .map_err(Error::io("cannot read", state.backups()))?
        .into_iter()
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    names.sort();
    let open = move |n: String| -> Result<Option<Transaction>, Error> {
        let dir = StateDir::backup_rel(&n);
        let done = dir.join("rolled-back.json");
        if st
            .kind(&done)
            .map_err(Error::io("cannot inspect", st.display(&done)))?
            .is_some()
        {
            return Ok(None);
        }
        let t = read_json_opt::<Transaction>(st, dir.join("transaction.json"))?;
        Ok(t.filter(|t| t.root == root))
    };
    Ok(names
        .into_iter()
        .rev()
        .filter_map(move |n| open(n).transpose()))
}

/// The install to undo (the first of the release installed last) and the
/// repairs of it.
fn to_undo(state: &StateDir, root: &Path) -> Result<Option<(Transaction, Vec<String>)>, Error> {
    let mut open = open_installs(state, root)?;
    let Some(last) = open.next().transpose()? else {
        return Ok(None);
    };
    let Some(base) = last.base.clone() else {
        return Ok(Some((last, Vec::new())));
    };
    let mut repairs = vec![last.transaction.clone()];
    for t in open {
        let t = t?;
        if t.transaction == base {
            repairs.reverse();
            return Ok(Some((t, repairs)));
        }
        if t.base.as_ref() == Some(&base) {
            repairs.push(t.transaction);
        }
    }
    Err(Error::Config(format!(
        "the backup of install {base}, which {} repaired, is missing from {}; \
         the tree before that install cannot be restored",
        last.transaction,
        state.backups().display()
    )))
}

/// Rolls back the release installed last into `root` to the tree before
/// its first install. Refuses, changing nothing, when a file it installed
/// was changed since (that change would be lost).
pub fn rollback(root: &Path, state: &Path, dry_run: bool) -> Result<RollbackReport, Error> {
    let root = canonical_root(root)?;
    check_apart(&root, state)?;
    let (state, recovered) = open_and_recover(state)?;
    let tree = open_root(&root)?;
    let Some((t, repairs)) = to_undo(&state, &root)? else {
        return Err(Error::NothingToRollBack { root });
    };
    // Added files are removed, replaced ones put back: none may be held
    // (nor could they be read for the check below).
    check_not_in_use(&tree, t.changed().map(|o| &o.path))?;
    let mut changed = Vec::new();
    for op in t.changed() {
        let p = Path::new(op.path.as_str());
        if file_sha256(&tree, p).map_err(Error::io("cannot read", tree.display(p)))?
            != Some(op.new_sha256)
        {
            changed.push(op.path.to_string());
        }
    }
    if !changed.is_empty() {
        return Err(Error::ChangedSinceInstall {
            release: format!("{} {}", t.release.id, t.release.version),
            files: changed,
        });
    }
    let set_aside = foreign_files(&state, &tree, &t)?;
    check_not_in_use(&tree, set_aside.iter().map(|m| &m.path))?;
    let mut report = RollbackReport {
        result: if dry_run { "dry-run" } else { "rolled-back" },
        transaction: t.transaction.clone(),
        mode: t.identity.mode.clone(),
        rolled_back: (&t.release).into(),
        installed_now: t.installed_before.as_ref().map(|r| (&r.release).into()),
        files: t.changed().count(),
        repairs: repairs.clone(),
        set_aside: set_aside.iter().map(|m| m.path.to_string()).collect(),
        receipt: None,
        recovered,
    };
    if dry_run {
        return Ok(report);
    }
    let (key, _) = state.device_key(true)?;
    let mut j = Journal {
        actions: None,
        kind: Kind::Rollback,
        phase: Phase::Prepare,
        rollback: Some(state.new_txn(&now_rfc3339())),
        repairs,
        set_aside,
        staging: None,
        transaction: t,
    };
    j.write(&state, Phase::Prepare)?;
    report.receipt = Some(finish_rollback(&state, &tree, j, &key)?);
    Ok(report)
}

/// Regular files in the release's directories that neither it installed
/// nor were there before it (a file planted since, one a repair did not
/// adopt): the old tree does not hold them.
fn foreign_files(state: &StateDir, tree: &Tree, t: &Transaction) -> Result<Vec<Moved>, Error> {
    let Some(listing) = current_listing(state, &t.identity.mode, &t.root)? else {
        return Ok(Vec::new());
    };
    let paths: Vec<_> = t.ops.iter().map(|o| &o.path).collect();
    let (_, foreign) = known_listing(tree, &paths, Some(&listing));
    let mut out = Vec::new();
    for f in foreign {
        let p = Path::new(&f);
        if tree
            .kind(p)
            .map_err(Error::io("cannot inspect", tree.display(p)))?
            != Some(EntryKind::File)
        {
            continue;
        }
        let Ok(path) = crate::format::safepath::SafePath::parse(&f, &Limits::default()) else {
            continue;
        };
        let sha256 = file_sha256(tree, p)
            .map_err(Error::io("cannot read", tree.display(p)))?
            .expect("a file just looked at");
        out.push(Moved { path, sha256 });
    }
    Ok(out)
}

/// Sets foreign files aside, restores the files and the records of the
/// install in `j.transaction`, marks it (and its repairs) rolled back and
/// writes the rollback receipt. Idempotent.
pub fn finish_rollback(
    state: &StateDir,
    root: &Tree,
    mut j: Journal,
    key: &DeviceKey,
) -> Result<PathBuf, Error> {
    let t = j.transaction.clone();
    let st = &state.tree;
    let backup = StateDir::backup_rel(&t.transaction);
    let name = j.rollback.clone().unwrap_or_else(|| t.transaction.clone());
    if j.phase == Phase::Prepare {
        move_out(root, st, &j.set_aside, &moved_dir(&name))?;
        j.write(state, Phase::Switch)?;
    }
    if j.phase != Phase::Commit {
        restore_files(root, state, &t, &backup.join("files"))?;
        j.write(state, Phase::Commit)?;
    }
    let mode = &t.identity.mode;
    let current = state.installed_record(mode)?;
    let ours = |txn: &String| *txn == t.transaction || j.repairs.contains(txn);
    if current.as_ref().is_some_and(|r| ours(&r.transaction)) {
        let prev = backup.join("previous");
        // The main record goes last: until it changes, a repeat sees this transaction.
        for s in RECORD_SUFFIXES.iter().rev() {
            let saved = prev.join(format!("record{s}"));
            let dest = StateDir::installed(mode, s);
            match read_in(st, &saved, record_kind(s))? {
                Some(bytes) => write_atomic_in(st, &dest, &bytes)?,
                None => remove_all(st, &dest)?,
            }
            crash_point();
        }
    }
    // The repairs first: until the install itself is marked, a repeat finds it.
    for txn in j.repairs.iter().chain(std::iter::once(&t.transaction)) {
        write_json_atomic(
            st,
            StateDir::backup_rel(txn).join("rolled-back.json"),
            &serde_json::json!({ "rollback": name }),
        )?;
        crash_point();
    }
    let receipt = write_receipt(
        state,
        key,
        &t,
        ReceiptParts {
            action: "rollback",
            actions: Vec::new(),
            result: RESULT_ROLLED_BACK,
            detail: None,
            files: Files::RolledBack,
            installed_before: Some((&t.release).into()),
            installed_after: t.installed_before.as_ref().map(|r| (&r.release).into()),
            name: format!("{name}-rollback"),
        },
    )?;
    Journal::remove(state)?;
    Ok(receipt)
}
