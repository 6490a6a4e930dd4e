//! Looking before apply changes anything: the root's paths (no links, no
//! special files), the staging file system's free space, the plan of what
//! each target file does to the root, and whether another program holds a
//! file to be replaced open. Reads the root; never writes it.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, HeldFile};
use crate::format::actions::{ActionPhase, InstallAction};
use crate::format::digest::hash_reader;
use crate::format::manifest::Target;
use crate::format::safepath::SafePath;
use crate::instrument::journal::{Action, Op};
use crate::instrument::state::StateDir;
use crate::platform::tree::Kind;
use crate::platform::Tree;

pub use crate::verify::FREE_SPACE_ENV;

/// Refuses a root where a bundle path would pass through a symbolic link or
/// land on something that is not a regular file: following either could
/// write outside the root.
pub(crate) fn check_root_paths(root: &Tree, target: &Target) -> Result<(), Error> {
    for f in &target.files {
        for dir in f.path.ancestors().chain(std::iter::once(f.path.as_str())) {
            let is_leaf = dir.len() == f.path.as_str().len();
            let what = match root
                .kind(dir)
                .map_err(Error::io("cannot inspect", root.display(dir)))?
            {
                None => break,
                Some(Kind::Link) => "a symbolic link",
                Some(Kind::File) if is_leaf => continue,
                Some(Kind::Dir) if !is_leaf => continue,
                Some(_) if is_leaf => "not a regular file",
                Some(_) => "not a directory",
            };
            return Err(Error::InstallFailed {
                reason: format!(
                    "{} in the instrument root is {what}; nothing was changed",
                    root.display(dir).display()
                ),
            });
        }
    }
    Ok(())
}

/// Refuses before anything is staged when the staging file system cannot
/// hold the target's files: a disk that fills part-way would fail the
/// install anyway, later, and could starve the instrument's own data.
pub(crate) fn check_space(state: &StateDir, target: &Target) -> Result<(), Error> {
    crate::verify::ensure_free(&state.tree, &state.staging(), target)
}

/// Compares the target with what the root holds now. Refuses (before
/// anything changes) when another program holds a file to be replaced, or
/// one it cannot even read to compare: see [`check_not_in_use`].
pub(crate) fn plan(root: &Tree, target: &Target) -> Result<Vec<Op>, Error> {
    let mut ops = Vec::with_capacity(target.files.len());
    let mut held = Vec::new();
    let mut files: Vec<_> = target.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for f in files {
        let p = Path::new(f.path.as_str());
        let (action, old) = match look(root, p, f) {
            Err(e) if crate::platform::held_elsewhere(&e) => {
                held.push(&f.path);
                continue;
            }
            r => r.map_err(Error::io("cannot read", root.display(p)))?,
        };
        ops.push(Op {
            action,
            executable: f.executable,
            new_sha256: f.sha256,
            old_sha256: old,
            path: f.path.clone(),
        });
    }
    // A file that could not be read is refused even if let go meanwhile:
    // the plan has no step for it. What a service holds that the target's
    // own steps stop first is checked once they have (`check_freed`).
    let stops_first = stops_services_first(&target.actions);
    refuse_held(root, held, replaced(&ops).filter(|_| !stops_first))?;
    Ok(ops)
}

/// Whether the target stops a service before its files are switched: the
/// files that service runs from are held until then (on Windows a running
/// program's own files cannot be replaced).
pub(crate) fn stops_services_first(actions: &[InstallAction]) -> bool {
    actions
        .iter()
        .any(|a| a.phase == ActionPhase::Before && a.stop_service.is_some())
}

/// A stopped service's process may end a moment after the service manager
/// reports it stopped; its files are free only then.
const FREED_WITHIN: Duration = Duration::from_secs(15);

/// Once the `before` steps stopped the target's services: refuses, as
/// [`check_not_in_use`] does, when a file to be replaced is still held
/// after [`FREED_WITHIN`].
pub(crate) fn check_freed(root: &Tree, ops: &[Op]) -> Result<(), Error> {
    let t0 = Instant::now();
    loop {
        match check_not_in_use(root, replaced(ops)) {
            Err(Error::FilesInUse { .. }) if t0.elapsed() < FREED_WITHIN => {
                std::thread::sleep(Duration::from_millis(200));
            }
            done => return done,
        }
    }
}

/// What installing `f` at `p` does, and the digest of the file there now.
fn look(
    root: &Tree,
    p: &Path,
    f: &crate::format::manifest::FileEntry,
) -> std::io::Result<(Action, Option<crate::format::digest::Sha256Digest>)> {
    let Some(file) = root.open_file_opt(p)? else {
        return Ok((Action::Add, None));
    };
    let meta = file.metadata()?;
    let old = hash_reader(file)?.0;
    let same = meta.len() == f.size
        && crate::platform::exec_bit(&meta).is_none_or(|x| x == f.executable)
        && old == f.sha256;
    let action = if same {
        Action::Unchanged
    } else {
        Action::Replace
    };
    Ok((action, Some(old)))
}

pub(crate) fn dirs_to_create(root: &Tree, ops: &[Op]) -> Result<Vec<SafePath>, Error> {
    let mut out: Vec<SafePath> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for op in ops.iter().filter(|o| o.action == Action::Add) {
        for dir in op.path.ancestors() {
            if !seen.insert(dir) {
                continue;
            }
            let d = SafePath::parse(dir, &crate::Limits::default()).expect("prefix of a safe path");
            let exists = root
                .kind(dir)
                .map_err(Error::io("cannot inspect", root.display(dir)))?
                .is_some();
            if !exists {
                out.push(d);
            }
        }
    }
    Ok(out)
}

/// At most this many held files are named in the refusal; it counts the rest.
const HELD_NAMED: usize = 10;

/// Refuses, before anything changes, when another program holds a file
/// in `paths` (to be replaced or removed) open: on Windows the rename over
/// it would fail part-way through the switch, and a program that still has
/// it open (a service) would go on running the old file. Names the
/// programs where the system can tell. Never refuses on Unix.
pub(crate) fn check_not_in_use<'a>(
    root: &Tree,
    paths: impl IntoIterator<Item = &'a SafePath>,
) -> Result<(), Error> {
    refuse_held(root, Vec::new(), paths)
}

/// [`check_not_in_use`] for `paths`, with `held` already known held.
fn refuse_held<'a>(
    root: &Tree,
    mut held: Vec<&'a SafePath>,
    paths: impl IntoIterator<Item = &'a SafePath>,
) -> Result<(), Error> {
    for p in paths {
        let rel = Path::new(p.as_str());
        if root
            .held_open(rel)
            .map_err(Error::io("cannot inspect", root.display(rel)))?
        {
            held.push(p);
        }
    }
    if held.is_empty() {
        return Ok(());
    }
    let files = held
        .iter()
        .take(HELD_NAMED)
        .map(|p| {
            let path = root.display(p.as_str());
            HeldFile {
                holders: crate::platform::holders(&path),
                path,
            }
        })
        .collect();
    Err(Error::FilesInUse {
        files,
        total: held.len(),
    })
}

/// The files an install replaces: those another program must not hold.
fn replaced(ops: &[Op]) -> impl Iterator<Item = &SafePath> {
    ops.iter()
        .filter(|o| o.action == Action::Replace)
        .map(|o| &o.path)
}
