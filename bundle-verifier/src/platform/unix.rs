//! Unix: modes, `statvfs`, and Linux's `syncfs` and `sync_file_range`.

use std::fs::{self, File, Metadata};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::tree::Perm;

pub fn create_dir_all(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(path)
}

pub fn nonblocking(o: &mut cap_std::fs::OpenOptions) {
    use cap_std::fs::OpenOptionsExt as _;
    o.custom_flags(libc::O_NONBLOCK);
}

pub fn file_mode(o: &mut cap_std::fs::OpenOptions, perm: Perm) {
    use cap_std::fs::OpenOptionsExt as _;
    o.mode(match perm {
        Perm::Plain => 0o644,
        Perm::Exec => 0o755,
        Perm::Private => 0o600,
    });
}

/// Mode 0600 (`Perm::Private`) already keeps others out.
pub fn owner_only(_: &File) -> io::Result<()> {
    Ok(())
}

pub fn default_config_path() -> std::path::PathBuf {
    "/etc/bundle-verifier/config.toml".into()
}

pub const SERVICE_CONTROL_MANAGER: bool = false;

pub fn removable_media() -> Vec<std::path::PathBuf> {
    // Desktops mount sticks at /media/USER/LABEL or /run/media/USER/LABEL.
    let mut out = Vec::new();
    for base in ["/media", "/run/media"] {
        for user in fs::read_dir(base).into_iter().flatten().flatten() {
            for m in fs::read_dir(user.path()).into_iter().flatten().flatten() {
                if m.file_type().is_ok_and(|t| t.is_dir()) {
                    out.push(m.path());
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
pub fn assert_owner_only(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{path:?}");
}

pub fn dir_builder() -> cap_std::fs::DirBuilder {
    use cap_std::fs::DirBuilderExt as _;
    let mut b = cap_std::fs::DirBuilder::new();
    b.mode(0o755);
    b
}

pub fn sync_dir_handle(d: &File) {
    let _ = d.sync_all();
}

/// Whether the file system of `f` was synced whole (Linux); `false`:
/// the caller syncs file by file.
pub fn sync_file_system(f: &File) -> io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // syncfs reports write-back errors of the file system (Linux 5.8 and later).
        // SAFETY: a valid open descriptor.
        if unsafe { libc::syncfs(f.as_raw_fd()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(true)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = f;
        Ok(false)
    }
}

pub const SYNC_NEEDS_WRITE: bool = false;

/// Same device and inode: two names of one file (a hard link).
pub fn same_file(a: &File, b: &File) -> bool {
    match (a.metadata(), b.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// A rename that failed only because it crosses file systems.
pub const CROSS_DEVICE: i32 = libc::EXDEV;

/// `renameat(2)` relative to the two directory handles; it never follows a
/// link at the last component, and directories are synced by the caller.
pub fn rename(
    a: &cap_std::fs::Dir,
    from: &std::ffi::OsStr,
    b: &cap_std::fs::Dir,
    to: &std::ffi::OsStr,
) -> io::Result<()> {
    a.rename(from, b, to)
}

/// No error means "held by another process" on Unix.
pub const HELD: &[i32] = &[];

/// Unix lets a file be renamed over while others hold it open (they keep
/// the old one), so nothing counts as held.
pub fn held_open(_: &cap_std::fs::Dir, _: &std::ffi::OsStr) -> io::Result<bool> {
    Ok(false)
}

pub fn holders(_: &Path) -> Vec<super::Holder> {
    Vec::new()
}

pub fn check_private(m: &Metadata) -> Result<(), &'static str> {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if m.uid() != me && m.uid() != 0 {
        return Err("owned-by-other");
    }
    if m.mode() & 0o022 != 0 {
        return Err("writable-by-others");
    }
    Ok(())
}

pub fn open_for_reading(path: &Path) -> io::Result<File> {
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

pub fn exec_bit(m: &Metadata) -> Option<bool> {
    Some(m.permissions().mode() & 0o111 != 0)
}

pub fn start_writeback(f: &File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a valid open descriptor; the call only schedules I/O.
        unsafe {
            libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = f;
}

pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

pub fn free_bytes(dir: &Path) -> io::Result<Option<u64>> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: a NUL-terminated path and a buffer of the right type.
    if unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: statvfs filled it.
    let st = unsafe { st.assume_init() };
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Ok(Some(
        (st.f_bavail as u64).saturating_mul(st.f_frsize as u64),
    ))
}

pub fn keep_heap_lean() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator; called
    // before any thread starts. 128 KiB (glibc's default, kept fixed): I/O
    // buffers and small lists stay on the heap, large lists get their own
    // mappings, unmapped when dropped.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}

pub fn default_sigpipe() {
    // SAFETY: restores the default disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Terminals take UTF-8 as it is; nothing to change or undo.
pub struct Console;

pub fn utf8_console() -> Console {
    Console
}

/// Unix has no languages beyond the locale variables.
pub fn ui_languages() -> Vec<String> {
    Vec::new()
}

/// The environment of a program an install runs: a fixed `PATH`, nothing else.
pub fn clean_env() -> Vec<(&'static str, std::ffi::OsString)> {
    vec![("PATH", "/usr/sbin:/usr/bin:/sbin:/bin".into())]
}

/// A program of an install in a process group of its own (its pid is the
/// group's id), so a timeout ends whatever it started too.
pub struct Group(());

impl Group {
    pub fn spawn(cmd: &mut std::process::Command) -> io::Result<(std::process::Child, Group)> {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        Ok((cmd.spawn()?, Group(())))
    }

    /// Kills the program's process group.
    pub fn kill(&self, child: &mut std::process::Child) {
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: kill(2) with a negative pid signals that process group only.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = child.kill();
    }
}

/// The Windows Service Control Manager does not exist here.
pub fn scm(_: super::ScmOp, _: &str, _: std::time::Duration) -> io::Result<bool> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "there is no Service Control Manager on this system; set the [services] commands in the config file",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    /// The process umask, read back from a file created with 0o777.
    fn umask() -> u32 {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m");
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o777)
            .open(&p)
            .unwrap();
        0o777 & !fs::metadata(&p).unwrap().permissions().mode()
    }

    #[test]
    fn new_files_get_0644_or_0755_and_existing_ones_are_never_opened() {
        let d = tempfile::tempdir().unwrap();
        let tree = crate::platform::Tree::open_ambient(d.path()).unwrap();
        for (name, exec, mode) in [("plain", false, 0o644), ("tool", true, 0o755)] {
            let p = d.path().join(name);
            tree.create_new(name, crate::platform::tree::Perm::exec(exec))
                .unwrap();
            let m = fs::metadata(&p).unwrap();
            assert_eq!(m.permissions().mode() & 0o777, mode & !umask());
            assert_eq!(exec_bit(&m), Some(exec & (umask() & 0o100 == 0)));
            assert!(
                tree.create_new(name, crate::platform::tree::Perm::exec(exec))
                    .is_err(),
                "create_new must not open {name}"
            );
        }
    }

    #[test]
    fn a_fifo_without_a_writer_opens_at_once_and_is_no_regular_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("fifo");
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let f = open_for_reading(&p).unwrap();
        assert!(f.metadata().unwrap().file_type().is_fifo());
    }

    #[test]
    fn free_space_is_read_from_the_real_file_system() {
        let dir = tempfile::tempdir().unwrap();
        let free = free_bytes(dir.path()).unwrap().expect("asked on Unix");
        assert!(free > 0);
        assert!(free_bytes(&dir.path().join("missing")).is_err());
    }
}
