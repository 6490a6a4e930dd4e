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

pub mod process;
pub mod tree;
pub use process::{run_captured, Ran};
pub use tree::Tree;

/// What [`utf8_console`] changed, undone when it drops.
pub use os::Console;

use std::fs::{File, Metadata};
use std::io;
use std::path::Path;

#[cfg(test)]
mod tests;

/// A program that holds a file open, as the system names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub name: String,
    pub pid: u32,
    /// The service's short name when the program is a Windows service.
    pub service: Option<String>,
}

/// Whether a rename failed only because its two names are on different
/// file systems (EXDEV; `ERROR_NOT_SAME_DEVICE` on Windows): then, and only
/// then, copying is the way to move a file. Any other failure (access
/// denied, a sharing violation) would fail a copy the same way or worse,
/// after a half-done change; it is an error.
pub fn crosses_devices(e: &io::Error) -> bool {
    e.raw_os_error() == Some(os::CROSS_DEVICE)
}

/// Whether an open or a read failed because another process holds the
/// file (Windows: a sharing or lock violation); never on Unix.
pub fn held_elsewhere(e: &io::Error) -> bool {
    e.raw_os_error().is_some_and(|c| os::HELD.contains(&c))
}

/// The programs that hold the file at `path` open, where the system can
/// tell (the Restart Manager on Windows); empty elsewhere or when unknown.
/// For messages only: `path` is not opened.
pub fn holders(path: &Path) -> Vec<Holder> {
    os::holders(path)
}

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

/// Keeps the process's memory close to what it uses (every command must
/// stay within 64 MiB). glibc raises its mmap threshold to the size of the
/// largest block freed, up to 32 MiB: after the manifest of 100,000 files
/// (23 MB) is freed, the lists made next come from the heap and what they
/// leave behind is never given back (apply: 60 MiB peak RSS, 50 with a
/// fixed threshold). Nothing elsewhere. Call before any thread starts.
pub fn keep_heap_lean() {
    os::keep_heap_lean()
}

/// Lets a closed output pipe end the process quietly, as other command-line
/// tools do (`report | head`). Call before any thread starts.
pub fn default_sigpipe() {
    os::default_sigpipe()
}

/// Makes the console show UTF-8 while the returned guard lives (Windows:
/// the console's output code page, when standard output is a console;
/// redirected output is UTF-8 everywhere). Nothing on Unix.
pub fn utf8_console() -> Console {
    os::utf8_console()
}

/// The user's preferred languages, best first: the first of `LC_ALL`,
/// `LC_MESSAGES` and `LANG` that is set (as POSIX says), then on Windows
/// the user's UI languages. (Windows sets none of the variables itself;
/// Git Bash, MSYS2 and scripts do, and mean it.)
pub fn preferred_languages() -> Vec<String> {
    let mut langs: Vec<String> = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .into_iter()
        .collect();
    langs.extend(os::ui_languages());
    langs
}

/// Whether an I/O error means the disk (or the user's quota) is full.
pub fn is_disk_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

/// Where the instrument config file is looked for when neither `--config`
/// nor `BUNDLE_VERIFIER_CONFIG` names one: `/etc/bundle-verifier/config.toml`
/// on Unix, `%ProgramData%\bundle-verifier\config.toml` on Windows.
pub fn default_config_path() -> std::path::PathBuf {
    os::default_config_path()
}

/// Whether services are run by the Windows Service Control Manager (no
/// commands to configure) rather than by commands such as `systemctl`.
pub const SERVICE_CONTROL_MANAGER: bool = os::SERVICE_CONTROL_MANAGER;

/// The mounted removable media (USB sticks) where the system can tell:
/// Windows' removable drives (`GetDriveTypeW` = `DRIVE_REMOVABLE`), on Linux
/// the folders `/media/*/*` and `/run/media/*/*` where desktops mount them.
pub fn removable_media() -> Vec<std::path::PathBuf> {
    os::removable_media()
}

/// Whether the file at `path` (followed if a link) is safe to take settings
/// from: on Unix owned by this user or root and writable by no one else
/// (`Err` names why not: `owned-by-other`, `writable-by-others`); on Windows
/// the file's access list is the administrator's to set, and this is `Ok`.
pub fn check_private_file(path: &Path) -> io::Result<Result<(), &'static str>> {
    Ok(os::check_private(&std::fs::metadata(path)?))
}

/// What [`scm`] asks the Windows Service Control Manager.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScmOp {
    /// Whether the service runs.
    Query,
    /// Stop it and wait until it stopped.
    Stop,
    /// Start it and wait until it runs.
    Start,
}

/// Asks the Windows Service Control Manager about the service `name`:
/// `Query` answers whether it runs; `Stop` and `Start` wait (at most
/// `timeout`) until it stopped or runs. Unsupported elsewhere.
pub fn scm(op: ScmOp, name: &str, timeout: std::time::Duration) -> io::Result<bool> {
    os::scm(op, name, timeout)
}
