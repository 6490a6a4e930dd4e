//! `rollback`: put back the tree as it was before the last install into a
//! root, from that install's backup, journaled like the install itself.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::instrument::journal::{
    file_sha256, finish_rollback, open_and_recover, open_root, Journal, Kind, Phase, Recovered,
    Transaction,
};
use crate::instrument::plan::check_not_in_use;
use crate::instrument::receipt::ReleaseRef;
use crate::instrument::state::{canonical_root, check_apart, now_rfc3339, read_json_opt, StateDir};

#[derive(Clone, Debug, Serialize)]
pub struct RollbackReport {
    pub result: &'static str,
    pub transaction: String,
    pub mode: String,
    pub rolled_back: ReleaseRef,
    pub installed_now: Option<ReleaseRef>,
    pub files: usize,
    pub receipt: Option<PathBuf>,
    pub recovered: Option<Recovered>,
}

/// The newest committed install into `root` that is not rolled back yet.
fn last_install(state: &StateDir, root: &Path) -> Result<Option<Transaction>, Error> {
    let st = &state.tree;
    let mut names: Vec<String> = st
        .names("backups")
        .map_err(Error::io("cannot read", state.backups()))?
        .into_iter()
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names.iter().rev() {
        let dir = StateDir::backup_rel(n);
        let done = dir.join("rolled-back.json");
        if st
            .kind(&done)
            .map_err(Error::io("cannot inspect", st.display(&done)))?
            .is_some()
        {
            continue;
        }
        let Some(t) = read_json_opt::<Transaction>(st, dir.join("transaction.json"))? else {
            continue;
        };
        if t.root == root {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// Rolls back the last install into `root`. Refuses, changing nothing, when
/// a file it installed was changed since (that change would be lost).
pub fn rollback(root: &Path, state: &Path, dry_run: bool) -> Result<RollbackReport, Error> {
    let root = canonical_root(root)?;
    check_apart(&root, state)?;
    let (state, recovered) = open_and_recover(state)?;
    let tree = open_root(&root)?;
    let Some(t) = last_install(&state, &root)? else {
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
    let mut report = RollbackReport {
        result: if dry_run { "dry-run" } else { "rolled-back" },
        transaction: t.transaction.clone(),
        mode: t.identity.mode.clone(),
        rolled_back: (&t.release).into(),
        installed_now: t.installed_before.as_ref().map(|r| (&r.release).into()),
        files: t.changed().count(),
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
        phase: Phase::Switch,
        rollback: Some(state.new_txn(&now_rfc3339())),
        staging: None,
        transaction: t,
    };
    j.write(&state, Phase::Switch)?;
    report.receipt = Some(finish_rollback(&state, &tree, j, &key)?);
    Ok(report)
}
