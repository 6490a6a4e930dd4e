//! Walks a payload directory into a sorted list of files, refusing anything
//! a bundle cannot carry safely (links, special files, unportable names).
//! Files are hashed later, while the payload is compressed (`write/payload`).

use std::fs;
use std::path::{Path, PathBuf};

use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::format::manifest::FileEntry;
use bundle_verifier::format::safepath::SafePath;
use bundle_verifier::Limits;

use crate::error::{Problem, Problems};
use crate::platform;
use crate::spec::{ExecPatterns, MAX_PATH_CHARS};

/// One payload file: its bundle path, its size when listed and its
/// executable bit. Where it is on disk follows from its layer's folder
/// ([`Collected::source`]): not kept, as with 100,000 files the paths alone
/// took megabytes.
#[derive(Clone, Debug)]
pub struct Collected {
    pub path: SafePath,
    pub size: u64,
    pub executable: bool,
}

/// Each layer's folder with its files, in listing order.
pub type Listing<'a> = [(&'a Path, &'a [Collected])];

/// The files of a listing in order, each with its layer's folder.
pub fn each<'a>(listing: &'a Listing<'a>) -> impl Iterator<Item = (&'a Path, &'a Collected)> {
    listing
        .iter()
        .flat_map(|&(dir, files)| files.iter().map(move |c| (dir, c)))
}

impl Collected {
    /// Where the file is, given the folder of its layer: the path the walk
    /// read it at, joined name by name as the walk did.
    pub fn source(&self, dir: &Path) -> PathBuf {
        let mut p = dir.to_path_buf();
        for name in self.path.as_str().split('/') {
            p.push(name);
        }
        p
    }

    pub fn entry(&self, sha256: Sha256Digest) -> FileEntry {
        FileEntry {
            executable: self.executable,
            path: self.path.clone(),
            sha256,
            size: self.size,
        }
    }
}

/// What a target asks of its payload folder.
#[derive(Clone, Copy, Debug, Default)]
pub struct CollectOptions<'a> {
    /// The target's `executable` patterns.
    pub executable: Option<&'a [String]>,
    /// The target's `long_paths`: paths over [`MAX_PATH_CHARS`] allowed.
    pub long_paths: bool,
}

/// Lists one layer's files, adding what is wrong to `problems` (every
/// problem, not only the first; the files listed mean nothing when one was
/// added). With the target's `executable` patterns a file is executable iff
/// a pattern matches its path; without, the file's mode says (on Unix; on
/// Windows nothing is executable then). Also returns which patterns matched
/// a file here: a pattern is refused only when no layer of its target has a
/// match ([`crate::layers`]), and a clash is judged on the combined layers.
pub fn collect_layer(
    dir: &Path,
    opts: CollectOptions,
    limits: &Limits,
    problems: &mut Problems,
) -> (Vec<Collected>, Vec<bool>) {
    let before = problems.list.len() + problems.more;
    let mut out = Vec::new();
    match fs::symlink_metadata(dir) {
        Err(e) => {
            problems.push(Problem::new(
                dir,
                format!("cannot read: {e}"),
                "check the target's `files` in the spec; it is relative to the spec file",
            ));
            return (out, Vec::new());
        }
        Ok(m) if !m.is_dir() => {
            problems.push(Problem::new(
                dir,
                "is not a directory",
                "name a folder in the target's `files`",
            ));
            return (out, Vec::new());
        }
        Ok(_) => {}
    }
    let exec = match opts.executable.map(ExecPatterns::new).transpose() {
        Ok(e) => e,
        Err(e) => {
            problems.push(Problem::new(
                dir,
                e,
                "fix the target's `executable` patterns",
            ));
            None
        }
    };
    walk(dir, "", opts, limits, &mut out, problems);
    if out.is_empty() && problems.list.len() + problems.more == before {
        problems.push(Problem::new(
            dir,
            "holds no files",
            "a target must install at least one file; put the release's files in this folder",
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
    (out, used)
}

/// An executable pattern that matches no file of the target.
pub(crate) fn unused_pattern(dir: &Path, pattern: &str) -> Problem {
    Problem::new(
        dir,
        format!("the executable pattern {pattern:?} matches no file here"),
        "check its spelling (patterns are case-sensitive, `*` stays within one directory, `**/` spans any)",
    )
}

fn walk(
    dir: &Path,
    prefix: &str,
    opts: CollectOptions,
    limits: &Limits,
    out: &mut Vec<Collected>,
    problems: &mut Problems,
) {
    let mut names = Vec::new();
    let listed = fs::read_dir(dir).and_then(|rd| {
        for e in rd {
            names.push(e?.file_name());
        }
        Ok(())
    });
    if let Err(e) = listed {
        problems.push(Problem::new(
            dir,
            format!("cannot list: {e}"),
            "check that you may read this folder",
        ));
        return;
    }
    // Byte order of the names, so the bundle does not depend on the file system.
    names.sort();
    if names.is_empty() && !prefix.is_empty() {
        problems.push(Problem::new(
            dir,
            "is an empty directory",
            "bundles carry files only; remove it or put its files in it",
        ));
    }
    for name in names {
        let path = dir.join(&name);
        let Some(name) = name.to_str() else {
            problems.push(Problem::new(
                &path,
                "file name is not valid UTF-8",
                "rename it in UTF-8",
            ));
            continue;
        };
        let rel = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        };
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                problems.push(Problem::new(
                    &path,
                    format!("cannot read: {e}"),
                    "check that you may read it",
                ));
                continue;
            }
        };
        let safe = match SafePath::parse(&rel, limits) {
            Ok(p) => Some(p),
            Err(e) => {
                problems.push(Problem::new(
                    &path,
                    format!("not a portable name: {e}"),
                    e.advice(),
                ));
                None
            }
        };
        let chars = rel.chars().count();
        if !opts.long_paths && chars > MAX_PATH_CHARS && meta.is_file() {
            problems.push(Problem::new(
                &path,
                format!(
                    "its path in the bundle is {chars} characters long, more than {MAX_PATH_CHARS}: Windows instruments without long-path support cannot create it"
                ),
                "shorten the path, or set `long_paths = true` in the target if every instrument it installs on has long paths enabled",
            ));
        }
        let ft = meta.file_type();
        if ft.is_symlink() {
            problems.push(Problem::new(
                &path,
                "is a symbolic link",
                "bundles carry regular files only; put the file itself here",
            ));
        } else if ft.is_dir() {
            walk(&path, &rel, opts, limits, out, problems);
        } else if ft.is_file() {
            if let Some(safe) = safe {
                out.push(Collected {
                    path: safe,
                    size: meta.len(),
                    executable: platform::is_executable(&meta),
                });
            }
        } else {
            problems.push(Problem::new(
                &path,
                "is a device, socket or FIFO",
                "bundles carry regular files only; remove it",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_source_is_where_the_walk_found_it() {
        let dir = tempfile::tempdir().unwrap();
        let layer = dir.path().join("payload");
        std::fs::create_dir_all(layer.join("bin/sub")).unwrap();
        std::fs::write(layer.join("bin/sub/run.exe"), b"run").unwrap();
        std::fs::write(layer.join("top.txt"), b"top").unwrap();
        let mut problems = Problems::default();
        let (files, _) = collect_layer(
            &layer,
            CollectOptions::default(),
            &Limits::default(),
            &mut problems,
        );
        assert!(problems.list.is_empty());
        let sources: Vec<PathBuf> = files.iter().map(|c| c.source(&layer)).collect();
        // Joined name by name, with the platform's separator.
        assert_eq!(
            sources,
            [
                layer.join("bin").join("sub").join("run.exe"),
                layer.join("top.txt")
            ]
        );
        for (c, s) in files.iter().zip(&sources) {
            assert_eq!(std::fs::metadata(s).unwrap().len(), c.size);
        }
    }
}
