//! Looking before apply changes anything: the root's paths (no links, no
//! special files), the staging file system's free space, and the plan of
//! what each target file does to the root. Reads the root; never writes it.

use std::fs;
use std::io;
use std::path::Path;

use crate::error::Error;
use crate::format::digest::hash_reader;
use crate::format::manifest::Target;
use crate::format::safepath::SafePath;
use crate::instrument::journal::{Action, Op};
use crate::Limits;

/// Set to a number of bytes to stand for the free space of the staging file
/// system, so tests can prove a full disk is refused up front. Never set in
/// production.
pub const FREE_SPACE_ENV: &str = "BUNDLE_VERIFIER_FREE_BYTES";

/// Refuses a root where a bundle path would pass through a symbolic link or
/// land on something that is not a regular file: following either could
/// write outside the root.
pub(crate) fn check_root_paths(root: &Path, target: &Target) -> Result<(), Error> {
    for f in &target.files {
        for dir in f.path.ancestors().chain(std::iter::once(f.path.as_str())) {
            let is_leaf = dir.len() == f.path.as_str().len();
            let p = SafePath::parse(dir, &Limits::default())
                .expect("prefix of a safe path is safe")
                .join_to(root);
            let what = match fs::symlink_metadata(&p) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                Err(e) => return Err(Error::io("cannot inspect", p)(e)),
                Ok(m) if m.file_type().is_symlink() => "a symbolic link",
                Ok(m) if is_leaf && !m.is_file() => "not a regular file",
                Ok(m) if !is_leaf && !m.is_dir() => "not a directory",
                Ok(_) => continue,
            };
            return Err(Error::InstallFailed {
                reason: format!(
                    "{} in the instrument root is {what}; nothing was changed",
                    p.display()
                ),
            });
        }
    }
    Ok(())
}

/// Refuses before anything is staged when the staging file system cannot
/// hold the target's files: a disk that fills part-way would fail the
/// install anyway, later, and could starve the instrument's own data.
pub(crate) fn check_space(staging: &Path, target: &Target) -> Result<(), Error> {
    // Whole blocks per file, and a block for its directory entry and inode.
    const BLOCK: u64 = 4096;
    let needed: u64 = target
        .files
        .iter()
        .map(|f| f.size.div_ceil(BLOCK) * BLOCK + BLOCK)
        .sum();
    let free = match std::env::var(FREE_SPACE_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(test_value) => Some(test_value),
        None => crate::platform::free_bytes(staging)
            .map_err(Error::io("cannot read free space of", staging))?,
    };
    match free {
        Some(available) if available < needed => Err(Error::NoSpace {
            dir: staging.to_owned(),
            needed,
            available,
        }),
        _ => Ok(()),
    }
}

/// Compares the target with what the root holds now.
pub(crate) fn plan(root: &Path, target: &Target) -> Result<Vec<Op>, Error> {
    let mut ops = Vec::with_capacity(target.files.len());
    let mut files: Vec<_> = target.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for f in files {
        let p = f.path.join_to(root);
        let (action, old) = match fs::File::open(&p) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => (Action::Add, None),
            Err(e) => return Err(Error::io("cannot read", p)(e)),
            Ok(file) => {
                let meta = file.metadata().map_err(Error::io("cannot read", &p))?;
                let old = hash_reader(file).map_err(Error::io("cannot read", &p))?.0;
                let same = meta.len() == f.size
                    && crate::platform::exec_bit(&meta).is_none_or(|x| x == f.executable)
                    && old == f.sha256;
                let action = if same {
                    Action::Unchanged
                } else {
                    Action::Replace
                };
                (action, Some(old))
            }
        };
        ops.push(Op {
            action,
            executable: f.executable,
            new_sha256: f.sha256,
            old_sha256: old,
            path: f.path.clone(),
        });
    }
    Ok(ops)
}

pub(crate) fn dirs_to_create(root: &Path, ops: &[Op]) -> Vec<SafePath> {
    let mut out: Vec<SafePath> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for op in ops.iter().filter(|o| o.action == Action::Add) {
        for dir in op.path.ancestors() {
            if !seen.insert(dir) {
                continue;
            }
            let d = SafePath::parse(dir, &Limits::default()).expect("prefix of a safe path");
            if !d.join_to(root).exists() {
                out.push(d);
            }
        }
    }
    out
}
