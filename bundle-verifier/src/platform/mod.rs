//! Every operating-system-specific call of the verifier, behind one
//! interface. Unix (with Linux-only fast paths) and Windows sit side by side;
//! no other module of this crate may use `cfg(unix)`, `cfg(windows)` or
//! `cfg(target_os)`. Each function says what it guarantees where the platform
//! cannot give it.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as os;

#[cfg(not(unix))]
mod windows;
#[cfg(not(unix))]
use windows as os;

pub mod tree;
pub use tree::Tree;

use std::fs::{File, Metadata};
use std::io;
use std::path::Path;

/// Creates a directory and its missing parents, writable by the owner only
/// (`0755` on Unix, whatever the umask would allow others).
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    os::create_dir_all(path)
}

/// Opens `path` for reading without ever waiting at the open itself: on
/// Unix with `O_NONBLOCK`, so a FIFO with no writer opens at once (and the
/// caller, seeing it is not a regular file, refuses it) instead of blocking.
/// Reads of a regular file are not affected by the flag. Elsewhere a plain
/// open.
pub fn open_for_reading(path: &Path) -> io::Result<File> {
    os::open_for_reading(path)
}

/// Whether a file's mode marks it executable. Windows has no such bit; there
/// it reports `None`, and callers compare nothing.
pub fn exec_bit(m: &Metadata) -> Option<bool> {
    os::exec_bit(m)
}

/// Makes a file just created with `Perm::Private`, before a byte is
/// written to it, readable by its owner alone where its mode did not
/// already: on Windows a protected access list for the owner, SYSTEM and
/// Administrators (nothing inherited); nothing to do on Unix (mode 0600).
pub fn owner_only(f: &File) -> io::Result<()> {
    os::owner_only(f)
}

/// Asserts that `path` is readable by its owner alone, as [`owner_only`]
/// and `Perm::Private` leave it (read back from the file system).
#[cfg(test)]
pub fn assert_owner_only(path: &Path) {
    os::assert_owner_only(path)
}

/// Asks the OS to start writing a finished file now, without waiting, so a
/// later sync finds little left to do. A hint: nothing where unsupported.
pub fn start_writeback(f: &File) {
    os::start_writeback(f)
}

/// Makes renames in `dir` durable; a no-op where directories cannot be
/// opened for that.
pub fn sync_dir(dir: &Path) {
    os::sync_dir(dir)
}

/// Bytes an unprivileged process may still write on `dir`'s file system;
/// `None` where the platform is not asked.
pub fn free_bytes(dir: &Path) -> io::Result<Option<u64>> {
    os::free_bytes(dir)
}

/// Lets a closed output pipe end the process quietly, as other command-line
/// tools do (`report | head`). Call before any thread starts.
pub fn default_sigpipe() {
    os::default_sigpipe()
}

/// The user's preferred languages, best first: on Unix the first of
/// `LC_ALL`, `LC_MESSAGES` and `LANG` that is set (as POSIX says), on
/// Windows the user's UI languages.
pub fn preferred_languages() -> Vec<String> {
    os::preferred_languages()
}
