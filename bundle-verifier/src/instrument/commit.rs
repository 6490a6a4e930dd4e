//! The last step of an install: the space it needs set aside before the
//! root changes, then the records, the high-water mark and the receipt
//! (docs/FORMAT.md, section 8.3, **commit**).

use std::path::PathBuf;

use bundle_keys::device::DeviceKey;

use crate::error::Error;
use crate::format::safepath::SafePath;
use crate::instrument::journal::*;
use crate::instrument::known::{known_listing, saved_listing};
use crate::instrument::receipt::RESULT_INSTALLED;
use crate::instrument::state::{
    copy_atomic, json_size, remove_all, write_json_atomic, Highest, InstalledRecord, StateDir,
};
use crate::platform::tree::Perm;
use crate::platform::Tree;

/// The file in an install's backup that holds the space its commit needs.
const RESERVE: &str = "reserve";

/// Sets aside, before the root changes, the disk space that finishing the
/// install takes (the journal's last phase, the records, the receipt): a
/// disk that fills up must do so while the install can still be undone, not
/// after its files are in place. [`release_commit_space`] gives it back.
pub fn reserve_commit_space(state: &StateDir, j: &Journal) -> Result<(), Error> {
    let t = &j.transaction;
    let backup = StateDir::backup_rel(&t.transaction);
    let sized = |name: &str| {
        state
            .tree
            .open_file(backup.join(name))
            .and_then(|f| f.metadata())
            .map_or(0, |m| m.len())
    };
    // Pretty-printed journal and records are at most twice their compact
    // size; the receipt and the directory listing are smaller than the
    // journal; 256 KiB covers the small records and directory blocks.
    let journal = 2 * json_size(j);
    let size = 3 * journal + sized("manifest.json") + sized("signatures.json") + (256 << 10);
    let rel = backup.join(RESERVE);
    state
        .tree
        .write_atomic_with(&rel, Perm::Private, |w| {
            let zeros = [0u8; 64 << 10];
            let mut left = size;
            while left > 0 {
                let n = left.min(zeros.len() as u64) as usize;
                w.write_all(&zeros[..n])?;
                left -= n as u64;
            }
            Ok(())
        })
        .map_err(Error::io(
            "cannot reserve space in",
            state.backup(&t.transaction),
        ))
}

/// Frees the space [`reserve_commit_space`] set aside (absent is fine).
pub fn release_commit_space(state: &StateDir, txn: &str) -> Result<(), Error> {
    remove_all(&state.tree, StateDir::backup_rel(txn).join(RESERVE))
}

/// Finishes an install whose files are all in place: records, highest
/// sequence, receipt. Every step is idempotent.
pub fn commit_install(
    state: &StateDir,
    root: &Tree,
    j: &Journal,
    key: &DeviceKey,
) -> Result<PathBuf, Error> {
    let t = &j.transaction;
    let st = &state.tree;
    let mode = &t.identity.mode;
    let backup = StateDir::backup_rel(&t.transaction);
    release_commit_space(state, &t.transaction)?;
    for (from, suffix) in [
        ("manifest.json", ".manifest.json"),
        ("signatures.json", ".signatures.json"),
    ] {
        copy_atomic(st, backup.join(from), st, StateDir::installed(mode, suffix))?;
        crash_point();
    }
    let paths: Vec<&SafePath> = t.ops.iter().map(|o| &o.path).collect();
    // Names found that were not known before are not adopted (known.rs):
    // a repair must not make a planted file look expected.
    let previous = match &t.installed_before {
        Some(r) if r.root == t.root => saved_listing(state, &backup)?,
        _ => None,
    };
    let (listing, _) = known_listing(root, &paths, previous.as_ref());
    write_json_atomic(st, StateDir::installed(mode, ".tree.json"), &listing)?;
    crash_point();
    let record = InstalledRecord {
        installed_at: t.started.clone(),
        manifest_sha256: t.bundle.manifest_sha256,
        mode: mode.clone(),
        model: t.identity.model.clone(),
        release: t.release.clone(),
        root: t.root.clone(),
        signed_by: t.bundle.signed_by.clone(),
        transaction: t.transaction.clone(),
    };
    write_json_atomic(st, StateDir::installed(mode, ".json"), &record)?;
    crash_point();
    if state
        .highest(mode)?
        .is_none_or(|h| h.sequence < t.release.sequence)
    {
        write_json_atomic(
            st,
            StateDir::installed(mode, ".highest.json"),
            &Highest {
                release_id: t.release.id.clone(),
                sequence: t.release.sequence,
                version: t.release.version.clone(),
            },
        )?;
        crash_point();
    }
    // transaction.json marks the backup as a committed install rollback may undo.
    write_json_atomic(st, backup.join("transaction.json"), t)?;
    crash_point();
    let receipt = write_receipt(
        state,
        key,
        t,
        ReceiptParts {
            action: "apply",
            actions: j.actions.iter().flat_map(|a| a.done.clone()).collect(),
            result: RESULT_INSTALLED,
            detail: None,
            files: Files::Installed,
            installed_before: before(t),
            installed_after: Some((&t.release).into()),
            name: format!("{}-apply", t.transaction),
        },
    )?;
    if j.staging.is_some() {
        remove_staging(state, j)?;
        crash_point();
    }
    Journal::remove(state)?;
    Ok(receipt)
}
