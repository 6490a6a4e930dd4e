//! Whether the release a bundle carries is already installed here and
//! intact, so that applying it again has nothing to do. Judged as
//! `check-installed` judges (every file's digest and executable bit, and no
//! file added since in a directory the install listed), but through the
//! handles apply already holds. Reads the root; never writes it.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use crate::error::Error;
use crate::format::digest::Sha256Digest;
use crate::format::manifest::Target;
use crate::instrument::journal::{Action, Listing};
use crate::instrument::plan::plan;
use crate::instrument::state::{read_json_opt, InstalledRecord, StateDir};
use crate::platform::Tree;

/// How the root differs from the installed release (all zero: intact).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Differences {
    pub modified: usize,
    pub missing: usize,
    pub unexpected: usize,
}

impl Differences {
    pub fn intact(&self) -> bool {
        *self == Differences::default()
    }
}

/// The installed record of `mode` when it is exactly this manifest,
/// installed into `root`; `None` when something else is installed.
pub(crate) fn same_release(
    state: &StateDir,
    mode: &str,
    root: &Path,
    manifest_sha256: &Sha256Digest,
) -> Result<Option<InstalledRecord>, Error> {
    Ok(state
        .installed_record(mode)?
        .filter(|r| &r.manifest_sha256 == manifest_sha256 && r.root == root))
}

/// Compares `target`'s files with the root, and the directories the
/// installs into `root` listed with what they hold now.
pub(crate) fn differences(
    state: &StateDir,
    root_path: &Path,
    root: &Tree,
    target: &Target,
) -> Result<Differences, Error> {
    let mut d = Differences::default();
    for op in plan(root, target)? {
        match op.action {
            Action::Add => d.missing += 1,
            Action::Replace => d.modified += 1,
            Action::Unchanged => {}
        }
    }
    let expected: BTreeSet<&str> = target.files.iter().map(|f| f.path.as_str()).collect();
    let mut listing = Listing::new();
    for r in state.installed_records()? {
        if r.root != root_path {
            continue;
        }
        let rel = StateDir::installed(&r.mode, ".tree.json");
        let l: Listing = read_json_opt(&state.tree, rel)?.unwrap_or_default();
        for (dir, names) in l {
            listing.entry(dir).or_default().extend(names);
        }
    }
    for (dir, names) in &listing {
        for n in root.names(dir).into_iter().flatten() {
            let n = n.to_string_lossy();
            let rel = if dir.is_empty() {
                n.to_string()
            } else {
                format!("{dir}/{n}")
            };
            if !names.iter().any(|x| *x == n) && !expected.contains(rel.as_str()) {
                d.unexpected += 1;
            }
        }
    }
    Ok(d)
}
