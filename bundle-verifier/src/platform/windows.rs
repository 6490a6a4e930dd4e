//! Windows (and any other non-Unix target): no modes, no directory handles
//! to flush; files are flushed through handles opened for writing.

use std::fs::{self, File, Metadata};
use std::io;
use std::path::Path;

pub fn create_new(path: &Path, _exec: bool) -> io::Result<File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

pub fn open_for_reading(path: &Path) -> io::Result<File> {
    File::open(path)
}

pub fn exec_bit(_: &Metadata) -> Option<bool> {
    None
}

pub fn start_writeback(_: &File) {}

pub fn sync_files(paths: &[&Path]) -> io::Result<()> {
    // A file can only be flushed through a handle opened for writing.
    for p in paths {
        File::options().write(true).open(p)?.sync_all()?;
    }
    Ok(())
}

pub fn sync_dir(_: &Path) {}

pub fn free_bytes(_: &Path) -> io::Result<Option<u64>> {
    Ok(None)
}

pub fn same_file(_: &Path, _: &Path) -> bool {
    false
}

pub fn default_sigpipe() {}

pub fn preferred_languages() -> Vec<String> {
    sys_locale::get_locales().collect()
}
