//! Windows (and any other non-Unix target): no modes, no directory handles
//! to flush; files are flushed through handles opened for writing.

use std::fs::{self, File, Metadata};
use std::io;
use std::path::Path;

use super::tree::Perm;

mod acl;
pub use acl::*;

pub fn create_dir_all(path: &Path) -> io::Result<()> {
    fs::create_dir_all(path)
}

pub fn nonblocking(_: &mut cap_std::fs::OpenOptions) {}

pub fn file_mode(_: &mut cap_std::fs::OpenOptions, _: Perm) {}

pub fn dir_builder() -> cap_std::fs::DirBuilder {
    cap_std::fs::DirBuilder::new()
}

/// Directories opened as handles here cannot be flushed; renames are
/// durable when the file system's journal says so.
pub fn sync_dir_handle(_: &File) {}

pub fn sync_file_system(_: &File) -> io::Result<bool> {
    Ok(false)
}

/// A file can only be flushed through a handle opened for writing.
pub const SYNC_NEEDS_WRITE: bool = true;

pub fn same_meta(_: &Metadata, _: &Metadata) -> bool {
    false
}

/// Who may change the state directory is decided by its access control
/// list on Windows; reading and judging that list is part of the Windows
/// work, so every directory passes here for now.
pub fn check_private(_: &Metadata) -> Result<(), &'static str> {
    Ok(())
}

pub fn open_for_reading(path: &Path) -> io::Result<File> {
    File::open(path)
}

pub fn exec_bit(_: &Metadata) -> Option<bool> {
    None
}

pub fn start_writeback(_: &File) {}

pub fn sync_dir(_: &Path) {}

pub fn free_bytes(_: &Path) -> io::Result<Option<u64>> {
    Ok(None)
}

pub fn default_sigpipe() {}

pub fn preferred_languages() -> Vec<String> {
    sys_locale::get_locales().collect()
}
