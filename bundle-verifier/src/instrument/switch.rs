//! The switch of an install: back up what will be replaced, rename the
//! staged files into the root, and undo all of it if any step fails. The
//! journal's phases (see [`crate::instrument::journal`]) are written here.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use bundle_keys::device::DeviceKey;

use crate::error::Error;
use crate::format::actions::ActionPhase;
use crate::instrument::actions::run_phase;
use crate::instrument::install::{Failed, Step, Ui, FAULT_ENV};
use crate::instrument::journal::{
    crash_point, move_into_place, release_commit_space, reserve_commit_space,
    save_previous_records, undo_install, Action, Journal, Phase, Transaction,
};
use crate::instrument::known::{move_out, moved_dir};
use crate::instrument::plan::{check_freed, stops_services_first};
use crate::instrument::receipt::RESULT_FAILED;
use crate::instrument::state::{copy_synced, write_json_atomic, StateDir};
use crate::platform::Tree;

/// Where [`super::install`]'s staging leaves the bundle's manifest and signatures, beside `tree/`.
pub(super) const STAGED_MANIFEST: &str = "manifest.json";
pub(super) const STAGED_SIGNATURES: &str = "signatures.json";

/// Backs up, switches the staged files in and marks the journal for commit;
/// on any failure puts the root back as it was and records that in a receipt.
pub(super) fn switch_or_undo(
    state: &StateDir,
    root: &Tree,
    journal: &mut Journal,
    staged: &Path,
    staged_abs: &Path,
    key: &DeviceKey,
    ui: &dyn Ui,
) -> Result<(), Failed> {
    let switched = (|| {
        // A `before` run executes the staged, verified copy.
        run_phase(state, journal, ActionPhase::Before, staged_abs)?;
        if journal
            .actions
            .as_ref()
            .is_some_and(|a| stops_services_first(&a.actions))
        {
            // Held by the services just stopped when planned; free now.
            check_freed(root, &journal.transaction.ops)?;
        }
        ui.phase(Step::BackUp, 0);
        back_up(state, root, &journal.transaction, staged)?;
        reserve_commit_space(state, journal)?;
        journal.write(state, Phase::Switch)?;
        ui.phase(Step::Switch, 0);
        switch_in(root, &state.tree, &journal.transaction, staged)?;
        // The install commits only once every check passed.
        run_phase(state, journal, ActionPhase::After, staged_abs)?;
        run_phase(state, journal, ActionPhase::Check, staged_abs)?;
        release_commit_space(state, &journal.transaction.transaction)?;
        journal.write(state, Phase::Commit)
    })();
    let Err(e) = switched else {
        return Ok(());
    };
    let reason = e.to_string();
    Err(
        match undo_install(
            state,
            root,
            journal,
            key,
            journal.phase,
            RESULT_FAILED,
            &reason,
        ) {
            // A failed action says which one, held files which they are;
            // the undo is in their wording.
            Ok(receipt) if matches!(e, Error::ActionFailed(_) | Error::FilesInUse { .. }) => {
                (e, Some(receipt))
            }
            Ok(receipt) => (Error::InstallFailed { reason }, Some(receipt)),
            Err(restore) => (
                Error::RestoreFailed {
                    reason,
                    restore: restore.to_string(),
                    backup: state.backup(&journal.transaction.transaction),
                },
                None,
            ),
        },
    )
}

/// Keeps every file the install replaces (a hard link costs nothing; a copy
/// across file systems), the signed manifest, and the records it supersedes.
fn back_up(state: &StateDir, root: &Tree, t: &Transaction, staged: &Path) -> Result<(), Error> {
    let st: &Tree = &state.tree;
    let backup = StateDir::backup_rel(&t.transaction);
    let files = backup.join("files");
    st.create_dir_all(&files).map_err(Error::io(
        "cannot create backup directory",
        st.display(&files),
    ))?;
    st.sync_dir("backups");
    crash_point();
    let staging = staged
        .parent()
        .expect("staged tree is in a staging directory");
    for (from, to) in [
        (STAGED_MANIFEST, "manifest.json"),
        (STAGED_SIGNATURES, "signatures.json"),
    ] {
        let to = backup.join(to);
        st.rename(staging.join(from), st, &to)
            .map_err(Error::io("cannot write", st.display(&to)))?;
    }
    st.sync_dir(&backup);
    save_previous_records(state, &t.identity.mode, &backup)?;
    crash_point();
    // The extra copy (e.g. on the USB stick) is outside root and state; it
    // is opened once, like them, and written through its handle.
    let extra = match &t.backup_to {
        None => None,
        Some(d) => {
            fs::create_dir_all(d.join("files"))
                .map_err(Error::io("cannot create backup directory", d))?;
            Some(Tree::open_ambient(d).map_err(Error::io("cannot open", d))?)
        }
    };
    let extra_files = PathBuf::from("files");
    // Directories to sync once at the end (not once per file): new entries
    // in them, and the directories themselves in their parents.
    let mut to_sync = std::collections::BTreeSet::new();
    for op in t.changed().filter(|o| o.action == Action::Replace) {
        let dest = Path::new(op.path.as_str());
        for (base, into) in
            std::iter::once((st, &files)).chain(extra.as_ref().map(|e| (e, &extra_files)))
        {
            let saved = into.join(dest);
            let parent = saved.parent().expect("joined path has a parent");
            base.create_dir_all(parent).map_err(Error::io(
                "cannot create backup directory",
                base.display(parent),
            ))?;
            let linked = std::ptr::eq(base, st) && root.hard_link(dest, base, &saved).is_ok();
            if !linked {
                copy_synced(root, dest, base, &saved)?;
            }
            to_sync.extend(
                parent
                    .ancestors()
                    .take_while(|a| a.starts_with(into))
                    .map(|a| (std::ptr::eq(base, st), a.to_owned())),
            );
        }
        crash_point();
    }
    for (in_state, d) in to_sync.iter().rev() {
        match (in_state, &extra) {
            (true, _) => st.sync_dir(d),
            (false, Some(e)) => e.sync_dir(d),
            (false, None) => {}
        }
    }
    if let Some(e) = &extra {
        write_json_atomic(e, "transaction.json", t)?;
        crash_point();
    }
    Ok(())
}

/// Creates the new directories and renames staged files over their paths.
fn switch_in(root: &Tree, st: &Tree, t: &Transaction, staged: &Path) -> Result<(), Error> {
    let fail_at: Option<usize> = std::env::var(FAULT_ENV).ok().and_then(|v| v.parse().ok());
    // Files of owned directories the release does not carry go into the backup first.
    move_out(root, st, &t.moved, &moved_dir(&t.transaction))?;
    for d in &t.created_dirs {
        let p = Path::new(d.as_str());
        match root.create_dir(p) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                return Err(Error::io("cannot create directory", root.display(p))(e))
            }
            _ => {}
        }
        crash_point();
    }
    // Directories to sync, once each, in the order first met.
    let mut dirs: Vec<PathBuf> = t
        .created_dirs
        .iter()
        .map(|d| PathBuf::from(d.as_str()))
        .collect();
    let mut listed: std::collections::HashSet<PathBuf> = dirs.iter().cloned().collect();
    for (i, op) in t.changed().enumerate() {
        let dest = Path::new(op.path.as_str());
        if fail_at == Some(i) {
            return Err(Error::io("injected fault before", root.display(dest))(
                io::Error::other("test fault"),
            ));
        }
        move_into_place(st, &staged.join(dest), root, dest)?;
        crash_point();
        let parent = dest.parent().unwrap_or(Path::new("")).to_owned();
        if listed.insert(parent.clone()) {
            dirs.push(parent);
        }
    }
    // New entries are durable once their directories are synced: the files'
    // parents, and the parents of the directories this install created.
    for d in t.created_dirs.iter().map(|d| {
        Path::new(d.as_str())
            .parent()
            .unwrap_or(Path::new(""))
            .to_owned()
    }) {
        if listed.insert(d.clone()) {
            dirs.push(d);
        }
    }
    for d in &dirs {
        root.sync_dir(d);
    }
    Ok(())
}
