//! What belongs in the directories a release installs into.
//!
//! An install records, per directory that holds one of its files, the names
//! found there (`installed/<mode>.tree.json`), so `check-installed` can
//! tell files that appeared later. The names known before are carried
//! over and the release's own files added; anything else found when the
//! release is installed again (a repair, an upgrade) is *not adopted*: it
//! stays unexpected. In a directory the release owns, such files are moved
//! into the transaction's backup instead (`moved/`), and back on undo.

use std::collections::{BTreeSet, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::format::digest::Sha256Digest;
use crate::format::manifest::{Release, Target};
use crate::format::safepath::SafePath;
use crate::i18n::{fl, Lang};
use crate::instrument::install::ApplyReport;
use crate::instrument::journal::{file_sha256, restore_one, Listing, Transaction};
use crate::instrument::plan::check_not_in_use;
use crate::instrument::state::{copy_synced, read_json_opt, StateDir};
use crate::platform::tree::Kind;
use crate::platform::{crosses_devices, Tree};
use crate::Limits;

/// A file a transaction moved out of the root, into `<backup>/moved/<path>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub path: SafePath,
    pub sha256: Sha256Digest,
}

/// The files of a release and every directory above them.
fn with_ancestors<'a>(paths: impl IntoIterator<Item = &'a SafePath>) -> HashSet<&'a str> {
    let mut out = HashSet::new();
    for p in paths {
        out.insert(p.as_str());
        out.extend(p.ancestors());
    }
    out
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// The listing a transaction starts from: the mode's current one, when what
/// is installed there now was installed into the same root.
pub fn current_listing(
    state: &StateDir,
    mode: &str,
    root: &Path,
) -> Result<Option<Listing>, Error> {
    match state.installed_record(mode)? {
        Some(r) if r.root == root => {
            read_json_opt(&state.tree, StateDir::installed(mode, ".tree.json"))
        }
        _ => Ok(None),
    }
}

/// The listing saved in a transaction's backup (`previous/record.tree.json`).
pub fn saved_listing(state: &StateDir, backup: &Path) -> Result<Option<Listing>, Error> {
    read_json_opt(
        &state.tree,
        backup.join("previous").join("record.tree.json"),
    )
}

/// The names `check-installed` expects in each directory holding one of
/// `paths`, and the files found there that are not adopted (sorted): in a
/// directory listed before, a name is known if it was known then or is the
/// release's; in one not listed before, what is there now was there before
/// the release came.
pub fn known_listing(
    root: &Tree,
    paths: &[&SafePath],
    previous: Option<&Listing>,
) -> (Listing, Vec<String>) {
    let own = with_ancestors(paths.iter().copied());
    let mut out = Listing::new();
    let mut foreign = Vec::new();
    for p in paths {
        let dir = p.ancestors().last().unwrap_or("").to_owned();
        if out.contains_key(&dir) {
            continue;
        }
        let before = previous.and_then(|l| l.get(&dir));
        let mut names = Vec::new();
        for n in root.names(&dir).into_iter().flatten() {
            let n = n.to_string_lossy().into_owned();
            let full = join(&dir, &n);
            if own.contains(full.as_str()) || before.is_none_or(|b| b.contains(&n)) {
                names.push(n);
            } else {
                foreign.push(full);
            }
        }
        names.sort();
        out.insert(dir, names);
    }
    foreign.sort();
    (out, foreign)
}

/// Regular files under the target's owned directories that the target does
/// not carry, with their digests. Links and special files are left where
/// they are (and so stay unexpected); directories are searched, not moved.
pub fn owned_foreign(root: &Tree, target: &Target, limits: &Limits) -> Result<Vec<Moved>, Error> {
    let own: HashSet<&str> = target.files.iter().map(|f| f.path.as_str()).collect();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = target.owns.iter().map(|d| d.to_string()).collect();
    while let Some(dir) = todo.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        let names = match root.names(&dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            r => r.map_err(Error::io("cannot read", root.display(&dir)))?,
        };
        for n in names {
            let full = join(&dir, &n.to_string_lossy());
            let Ok(path) = SafePath::parse(&full, limits) else {
                continue;
            };
            match root
                .kind(&full)
                .map_err(Error::io("cannot inspect", root.display(&full)))?
            {
                Some(Kind::Dir) => todo.push(full),
                Some(Kind::File) if !own.contains(full.as_str()) => {
                    let sha256 = file_sha256(root, Path::new(&full))
                        .map_err(Error::io("cannot read", root.display(&full)))?
                        .expect("a file just listed");
                    out.push(Moved { path, sha256 });
                    if out.len() > limits.max_files {
                        return Err(Error::InstallFailed {
                            reason: format!(
                                "the owned directories hold more than {} files the release does not carry; nothing was changed",
                                limits.max_files
                            ),
                        });
                    }
                }
                _ => {}
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Moves each file of `moved` still in the root into `into` (in the state
/// directory); a repeat after a crash skips what is already there.
pub fn move_out(root: &Tree, st: &Tree, moved: &[Moved], into: &Path) -> Result<(), Error> {
    let mut dirs = BTreeSet::new();
    for m in moved {
        let p = Path::new(m.path.as_str());
        if root
            .kind(p)
            .map_err(Error::io("cannot inspect", root.display(p)))?
            != Some(Kind::File)
        {
            continue;
        }
        let saved = into.join(p);
        let parent = saved.parent().expect("joined path has a parent").to_owned();
        st.create_dir_all(&parent).map_err(Error::io(
            "cannot create backup directory",
            st.display(&parent),
        ))?;
        match root.rename(p, st, &saved) {
            Ok(()) => {}
            Err(e) if crosses_devices(&e) => {
                copy_synced(root, p, st, &saved)?;
                st.sync_dir(&parent);
                root.remove_file(p)
                    .map_err(Error::io("cannot remove", root.display(p)))?;
            }
            Err(e) => return Err(Error::io("cannot move into the backup", root.display(p))(e)),
        }
        dirs.insert(parent);
        dirs.insert(p.parent().unwrap_or(Path::new("")).to_owned());
        crate::instrument::journal::crash_point();
    }
    for d in &dirs {
        st.sync_dir(d);
        root.sync_dir(d);
    }
    Ok(())
}

/// Puts the files of `moved` back from `from` where the root lacks them.
pub fn move_back(root: &Tree, st: &Tree, moved: &[Moved], from: &Path) -> Result<(), Error> {
    for m in moved.iter().rev() {
        let p = Path::new(m.path.as_str());
        let saved = from.join(p);
        let kept = st
            .kind(&saved)
            .map_err(Error::io("cannot inspect", st.display(&saved)))?
            .is_some();
        let there = root
            .kind(p)
            .map_err(Error::io("cannot inspect", root.display(p)))?
            .is_some();
        if kept && !there {
            restore_one(st, &saved, root, p)?;
            root.sync_dir(p.parent().unwrap_or(Path::new("")));
        }
        crate::instrument::journal::crash_point();
    }
    Ok(())
}

/// At most this many files are named in a note; the rest are counted.
pub const NAMED: usize = 10;

/// One line per file up to [`NAMED`], then one that counts the rest.
fn bounded(
    files: &[String],
    one: impl Fn(&str) -> String,
    more: impl Fn(usize) -> String,
) -> Vec<String> {
    let mut out: Vec<String> = files.iter().take(NAMED).map(|f| one(f)).collect();
    if files.len() > NAMED {
        out.push(more(files.len() - NAMED));
    }
    out
}

/// What an install says about files it found that are not the release's:
/// those it left (not adopted) and those it moved from owned directories.
pub fn install_notes(lang: Lang, not_adopted: &[String], moved: &[String]) -> Vec<String> {
    let mut out = bounded(
        not_adopted,
        |f| fl!(lang, "known-not-adopted", path = f),
        |n| fl!(lang, "known-not-adopted-more", count = n),
    );
    out.extend(bounded(
        moved,
        |f| fl!(lang, "known-moved", path = f),
        |n| fl!(lang, "known-moved-more", count = n),
    ));
    out
}

/// What a rollback says about files it set aside as evidence.
pub fn rollback_notes(lang: Lang, set_aside: &[String]) -> Vec<String> {
    bounded(
        set_aside,
        |f| fl!(lang, "known-set-aside", path = f),
        |n| fl!(lang, "known-set-aside-more", count = n),
    )
}

/// Where a transaction keeps the files it moved out of the root.
pub fn moved_dir(txn: &str) -> PathBuf {
    StateDir::backup_rel(txn).join("moved")
}

/// What an install finds in the root that is not the release's, and which
/// install it repairs.
#[derive(Default)]
pub(crate) struct Found {
    /// The first install this one repairs (the same release again).
    pub base: Option<String>,
    pub moved: Vec<Moved>,
    pub not_adopted: Vec<String>,
}

impl Found {
    pub fn describe(&self, report: &mut ApplyReport) {
        report.not_adopted = self.not_adopted.clone();
        report.moved = self.moved.iter().map(|m| m.path.to_string()).collect();
    }
}

/// What installing `target` into `root` would find there that is not the
/// release's: files of owned directories to move, names not to adopt.
pub(crate) fn foreign(
    state: &StateDir,
    mode: &str,
    (root, tree): (&Path, &Tree),
    target: &Target,
    release: &Release,
    limits: &Limits,
) -> Result<Found, Error> {
    let previous = current_listing(state, mode, root)?;
    let moved = owned_foreign(tree, target, limits)?;
    check_not_in_use(tree, moved.iter().map(|m| &m.path))?;
    let paths: Vec<&SafePath> = target.files.iter().map(|f| &f.path).collect();
    let (_, mut not_adopted) = known_listing(tree, &paths, previous.as_ref());
    let gone: std::collections::HashSet<&str> = moved.iter().map(|m| m.path.as_str()).collect();
    not_adopted.retain(|f| !gone.contains(f.as_str()));
    // The same release again is a repair of its first install.
    let base = match state.installed_record(mode)? {
        Some(r)
            if r.root == root
                && r.release.id == release.id
                && r.release.sequence == release.sequence =>
        {
            let t: Option<Transaction> = read_json_opt(
                &state.tree,
                StateDir::backup_rel(&r.transaction).join("transaction.json"),
            )?;
            Some(t.and_then(|t| t.base).unwrap_or(r.transaction))
        }
        _ => None,
    };
    Ok(Found {
        base,
        moved,
        not_adopted,
    })
}
