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
use crate::format::manifest::FileEntry;

/// Where each blob goes: the files of one target, each at its path under
/// `under` in `dir` (files with one digest each get the same bytes), with
/// its executable bit. A sink without a directory writes nothing.
///
/// The sink borrows the target's list and keeps only its order by digest:
/// a list of its own (digest, path) was 10 MB of an apply of 100,000 files.
#[derive(Default, Debug)]
pub struct Sink<'a> {
    pub dir: Option<Tree>,
    under: PathBuf,
    files: &'a [FileEntry],
    /// Indices into `files`, sorted by digest; a blob's destinations keep
    /// the order they were given in.
    by_digest: Vec<u32>,
}

impl<'a> Sink<'a> {
    /// A sink writing into `dir` each of `files` at its path under `under`.
    pub fn new(dir: Tree, under: &Path, files: &'a [FileEntry]) -> Self {
        let count = u32::try_from(files.len()).expect("fewer files than the manifest limit");
        let mut by_digest: Vec<u32> = (0..count).collect();
        by_digest.sort_by_key(|&i| files[i as usize].sha256);
        Sink {
            dir: Some(dir),
            under: under.to_owned(),
            files,
            by_digest,
        }
    }

    /// Whether no file is to be written.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The destinations of blob `digest`, as indices into the files.
    fn dests_of(&self, digest: Sha256Digest) -> impl Iterator<Item = u32> + '_ {
        let from = self
            .by_digest
            .partition_point(|&i| self.files[i as usize].sha256 < digest);
        self.by_digest[from..]
            .iter()
            .copied()
            .take_while(move |&i| self.files[i as usize].sha256 == digest)
    }

    /// Where file `i` goes, relative to the directory.
    fn path(&self, i: u32) -> PathBuf {
        self.under.join(self.files[i as usize].path.as_str())
    }

    fn dir(&self) -> Result<&Tree, Error> {
        self.dir
            .as_ref()
            .ok_or_else(|| Error::PayloadMalformed("a sink with files has no directory".into()))
    }

    /// Returns once every file written (indices into the files) is on disk.
    pub(super) fn sync(&self, written: &[u32]) -> Result<(), Error> {
        if written.is_empty() {
            return Ok(());
        }
        let dir = self.dir()?;
        dir.sync_files(written.iter().map(|&i| self.path(i)))
            .map_err(Error::io(
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
) -> Staged<Vec<u32>> {
    let dir = sink.dir()?;
    let mut open: Vec<(File, u32)> = Vec::new();
    let mut written: Vec<u32> = Vec::new();
    // Directories already made: one `mkdir` per directory, not per file.
    let mut made: HashSet<PathBuf> = HashSet::new();
    for chunk in input {
        for op in &chunk.ops {
            match op {
                Op::Open(digest) => {
                    open.clear();
                    for i in sink.dests_of(*digest) {
                        let path = sink.path(i);
                        if let Some(parent) = path.parent() {
                            if !made.contains(parent) {
                                dir.create_dir_all(parent).map_err(Error::io(
                                    "cannot create staging directory",
                                    dir.display(parent),
                                ))?;
                                made.insert(parent.to_owned());
                            }
                        }
                        let exec = sink.files[i as usize].executable;
                        open.push((create_staged(dir, &path, exec)?, i));
                    }
                }
                Op::Write(r) => {
                    for (f, i) in &mut open {
                        f.write_all(&chunk.data[r.clone()]).map_err(|e| {
                            Error::io("cannot write staged file", dir.display(sink.path(*i)))(e)
                        })?;
                    }
                }
                Op::Close => {
                    for (f, i) in open.drain(..) {
                        crate::platform::start_writeback(&f);
                        written.push(i);
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
