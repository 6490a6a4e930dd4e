//! The write stage: puts checked blob bytes into private staging files, each
//! blob at every destination the sink lists. Never writes outside the
//! directory the sink is handed, and reaches nothing in it through a link
//! (see [`crate::platform::tree`]).

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::platform::tree::Perm;
use crate::platform::Tree;
use std::sync::mpsc::{Receiver, Sender};

use super::{Chunk, Op, Staged};
use crate::error::Error;
use crate::format::digest::Sha256Digest;

/// Where each blob goes: paths relative to `dir` (each gets the same bytes)
/// and the executable bit. A sink without a directory writes nothing.
///
/// The destinations are one list sorted by digest, not a map of lists: for
/// a release of 60,000 files that is half the memory of a `HashMap`.
#[derive(Default, Debug)]
pub struct Sink {
    pub dir: Option<Tree>,
    dests: Vec<Dest>,
}

#[derive(Debug)]
struct Dest {
    digest: Sha256Digest,
    path: PathBuf,
    exec: bool,
}

impl Sink {
    /// A sink writing into `dir` each blob at each of its destinations
    /// `(digest, path, executable)`.
    pub fn new(dir: Tree, dests: impl IntoIterator<Item = (Sha256Digest, PathBuf, bool)>) -> Self {
        let mut dests: Vec<Dest> = dests
            .into_iter()
            .map(|(digest, path, exec)| Dest { digest, path, exec })
            .collect();
        // Stable: a blob's destinations keep the order they were given in.
        dests.sort_by_key(|d| d.digest);
        Sink {
            dir: Some(dir),
            dests,
        }
    }

    /// Whether no file is to be written.
    pub fn is_empty(&self) -> bool {
        self.dests.is_empty()
    }

    /// The destinations of blob `digest`.
    fn dests_of(&self, digest: Sha256Digest) -> impl Iterator<Item = &Dest> {
        let from = self.dests.partition_point(|d| d.digest < digest);
        self.dests[from..]
            .iter()
            .take_while(move |d| d.digest == digest)
    }

    fn dir(&self) -> Result<&Tree, Error> {
        self.dir
            .as_ref()
            .ok_or_else(|| Error::PayloadMalformed("a sink with files has no directory".into()))
    }

    /// Returns once every file written is on disk.
    pub(super) fn sync(&self, files: &[&PathBuf]) -> Result<(), Error> {
        if files.is_empty() {
            return Ok(());
        }
        let dir = self.dir()?;
        let rels: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
        dir.sync_files(&rels).map_err(Error::io(
            "cannot sync staged files on the file system of",
            dir.path(),
        ))
    }
}

/// Writes the checked bytes; returns every file written, for the final sync.
pub(super) fn write_stage(
    input: Receiver<Chunk>,
    free: Sender<Chunk>,
    sink: &Sink,
) -> Staged<Vec<&PathBuf>> {
    let dir = sink.dir()?;
    let mut open: Vec<(File, &PathBuf)> = Vec::new();
    let mut written: Vec<&PathBuf> = Vec::new();
    // Directories already made: one `mkdir` per directory, not per file.
    let mut made: HashSet<&Path> = HashSet::new();
    for chunk in input {
        for op in &chunk.ops {
            match op {
                Op::Open(digest) => {
                    open.clear();
                    for Dest { path, exec, .. } in sink.dests_of(*digest) {
                        if let Some(parent) = path.parent() {
                            if made.insert(parent) {
                                dir.create_dir_all(parent).map_err(Error::io(
                                    "cannot create staging directory",
                                    dir.display(parent),
                                ))?;
                            }
                        }
                        open.push((create_staged(dir, path, *exec)?, path));
                    }
                }
                Op::Write(r) => {
                    for (f, path) in &mut open {
                        f.write_all(&chunk.data[r.clone()])
                            .map_err(Error::io("cannot write staged file", dir.display(path)))?;
                    }
                }
                Op::Close => {
                    for (f, path) in open.drain(..) {
                        crate::platform::start_writeback(&f);
                        written.push(path);
                    }
                }
            }
        }
        let _ = free.send(chunk);
    }
    Ok(written)
}

/// Creates a new staged file; its directory exists.
fn create_staged(dir: &Tree, path: &Path, exec: bool) -> Result<File, Error> {
    dir.create_new(path, Perm::exec(exec))
        .map_err(Error::io("cannot create staged file", dir.display(path)))
}
