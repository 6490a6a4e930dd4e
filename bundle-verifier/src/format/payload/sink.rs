//! The write stage: puts checked blob bytes into private staging files, each
//! blob at every destination the sink lists. Never writes outside the paths
//! the sink is handed.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};

use super::{Chunk, Op, Staged};
use crate::error::Error;
use crate::format::digest::Sha256Digest;

/// Where each blob goes: staging paths (each gets the same bytes) and the executable bit.
#[derive(Default, Debug)]
pub struct Sink {
    pub dests: HashMap<Sha256Digest, Vec<(PathBuf, bool)>>,
}

/// Writes the checked bytes; returns every file written, for the final sync.
pub(super) fn write_stage(
    input: Receiver<Chunk>,
    free: Sender<Chunk>,
    sink: &Sink,
) -> Staged<Vec<&PathBuf>> {
    let mut open: Vec<(File, &PathBuf)> = Vec::new();
    let mut written: Vec<&PathBuf> = Vec::new();
    // Directories already made: one `mkdir` per directory, not per file.
    let mut made: HashSet<&Path> = HashSet::new();
    for chunk in input {
        for op in &chunk.ops {
            match op {
                Op::Open(digest) => {
                    open.clear();
                    for (path, exec) in sink.dests.get(digest).into_iter().flatten() {
                        if let Some(parent) = path.parent() {
                            if made.insert(parent) {
                                std::fs::create_dir_all(parent).map_err(Error::io(
                                    "cannot create staging directory",
                                    parent,
                                ))?;
                            }
                        }
                        open.push((create_staged(path, *exec)?, path));
                    }
                }
                Op::Write(r) => {
                    for (f, path) in &mut open {
                        f.write_all(&chunk.data[r.clone()])
                            .map_err(Error::io("cannot write staged file", path.as_path()))?;
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
fn create_staged(path: &Path, exec: bool) -> Result<File, Error> {
    crate::platform::create_new(path, exec).map_err(Error::io("cannot create staged file", path))
}
