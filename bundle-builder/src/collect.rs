//! Walks a payload directory into a sorted list of files, refusing anything
//! a bundle cannot carry safely (links, special files, unportable names).
//! Files are hashed later, while the payload is compressed (`write/payload`).

use std::fs;
use std::path::{Path, PathBuf};

use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::format::manifest::{check_tree, FileEntry};
use bundle_verifier::format::safepath::SafePath;
use bundle_verifier::Limits;

use crate::platform;
use crate::spec::ExecPatterns;
use crate::BuildError;

/// One payload file: its bundle path, where it is on disk, its size when
/// listed and its executable bit.
#[derive(Clone, Debug)]
pub struct Collected {
    pub path: SafePath,
    pub source: PathBuf,
    pub size: u64,
    pub executable: bool,
}

impl Collected {
    pub fn entry(&self, sha256: Sha256Digest) -> FileEntry {
        FileEntry {
            executable: self.executable,
            path: self.path.clone(),
            sha256,
            size: self.size,
        }
    }
}

/// Lists `dir`'s files. With `executable` (the target's patterns), a file is
/// executable iff a pattern matches its path, and a pattern that matches
/// nothing is refused; without, the file's mode says (on Unix; on Windows
/// nothing is executable then).
pub fn collect(
    dir: &Path,
    executable: Option<&[String]>,
    limits: &Limits,
) -> Result<Vec<Collected>, BuildError> {
    let (out, used) = collect_layer(dir, executable, limits)?;
    if let Some(i) = used.iter().position(|u| !u) {
        let patterns = executable.unwrap_or_default();
        return Err(unused_pattern(dir, &patterns[i]));
    }
    // The tree check looks at paths only; digests are not known yet.
    let entries: Vec<FileEntry> = out.iter().map(|c| c.entry(Sha256Digest([0; 32]))).collect();
    check_tree(&dir.display().to_string(), &entries).map_err(|e| {
        payload_err(
            dir,
            format!("{e}; rename one of them so that the instruments can tell them apart"),
        )
    })?;
    Ok(out)
}

/// Lists one layer's files, their executable bits from `executable` when
/// given, and which of those patterns matched a file here (a pattern is
/// refused only when no layer of its target has a match).
pub fn collect_layer(
    dir: &Path,
    executable: Option<&[String]>,
    limits: &Limits,
) -> Result<(Vec<Collected>, Vec<bool>), BuildError> {
    let meta =
        fs::symlink_metadata(dir).map_err(|e| payload_err(dir, format!("cannot read: {e}")))?;
    if !meta.is_dir() {
        return Err(payload_err(dir, "is not a directory".into()));
    }
    let exec = executable
        .map(ExecPatterns::new)
        .transpose()
        .map_err(|e| payload_err(dir, e))?;
    let mut out = Vec::new();
    walk(dir, "", limits, &mut out)?;
    if out.is_empty() {
        return Err(payload_err(
            dir,
            "holds no files; a target must install at least one".into(),
        ));
    }
    let mut used = Vec::new();
    if let Some(exec) = &exec {
        used = vec![false; exec.patterns.len()];
        for c in &mut out {
            let hits = exec.matching(c.path.as_str());
            c.executable = !hits.is_empty();
            for i in hits {
                used[i] = true;
            }
        }
    }
    Ok((out, used))
}

fn payload_err(path: &Path, msg: String) -> BuildError {
    BuildError::Payload {
        path: path.to_owned(),
        msg,
    }
}

/// An executable pattern that matches no file of the target.
pub(crate) fn unused_pattern(dir: &Path, pattern: &str) -> BuildError {
    payload_err(
        dir,
        format!(
            "the executable pattern {pattern:?} matches no file here; check its spelling \
             (patterns are case-sensitive, `*` stays within one directory, `**/` spans any)"
        ),
    )
}

fn walk(
    dir: &Path,
    prefix: &str,
    limits: &Limits,
    out: &mut Vec<Collected>,
) -> Result<(), BuildError> {
    let err = |path: &Path, msg: String| BuildError::Payload {
        path: path.to_owned(),
        msg,
    };
    let mut names = Vec::new();
    for e in fs::read_dir(dir).map_err(|e| err(dir, format!("cannot list: {e}")))? {
        let e = e.map_err(|e| err(dir, format!("cannot list: {e}")))?;
        names.push(e.file_name());
    }
    // Byte order of the names, so the bundle does not depend on the file system.
    names.sort();
    if names.is_empty() && !prefix.is_empty() {
        return Err(err(
            dir,
            "is an empty directory; bundles carry files only".into(),
        ));
    }
    for name in names {
        let path = dir.join(&name);
        let Some(name) = name.to_str() else {
            return Err(err(&path, "file name is not valid UTF-8".into()));
        };
        let rel = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        };
        let safe = SafePath::parse(&rel, limits)
            .map_err(|e| err(&path, format!("not a portable name: {e}; {}", e.advice())))?;
        let meta =
            fs::symlink_metadata(&path).map_err(|e| err(&path, format!("cannot read: {e}")))?;
        let ft = meta.file_type();
        if ft.is_symlink() {
            return Err(err(
                &path,
                "is a symbolic link; bundles carry regular files only".into(),
            ));
        } else if ft.is_dir() {
            walk(&path, &rel, limits, out)?;
        } else if ft.is_file() {
            out.push(Collected {
                path: safe,
                size: meta.len(),
                executable: platform::is_executable(&meta),
                source: path,
            });
        } else {
            return Err(err(
                &path,
                "is a device, socket or FIFO; bundles carry regular files only".into(),
            ));
        }
    }
    Ok(())
}
