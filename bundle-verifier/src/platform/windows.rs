//! Windows (and any other non-Unix target): no modes, no directory handles
//! to flush; files are flushed through handles opened for writing.

use std::fs::{self, File, Metadata};
use std::io;
use std::path::Path;

use super::tree::Perm;

mod in_use;
pub use in_use::{held_open, holders, HELD};

/// A rename that failed only because it crosses volumes.
pub const CROSS_DEVICE: i32 = windows_sys::Win32::Foundation::ERROR_NOT_SAME_DEVICE as i32;

mod acl;
pub use acl::*;

mod service;
pub use service::scm;

mod job;
pub use job::Group;

/// The environment of a program an install runs: only what a process needs
/// to start (the system folders, a temporary folder), and a `PATH` of the
/// system folders.
pub fn clean_env() -> Vec<(&'static str, std::ffi::OsString)> {
    let mut env: Vec<(&'static str, std::ffi::OsString)> = [
        "SystemRoot",
        "windir",
        "SystemDrive",
        "TEMP",
        "TMP",
        "ComSpec",
        "PATHEXT",
    ]
    .into_iter()
    .filter_map(|k| std::env::var_os(k).map(|v| (k, v)))
    .collect();
    if let Some(sys) = std::env::var_os("SystemRoot") {
        let mut path = sys.clone();
        path.push("\\System32;");
        path.push(&sys);
        env.push(("PATH", path));
    }
    env
}

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

/// Same volume and file index: two names of one file (a hard link).
pub fn same_file(a: &File, b: &File) -> bool {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Storage::FileSystem::{
        GetFileInformationByHandle, BY_HANDLE_FILE_INFORMATION,
    };
    let id = |f: &File| {
        // SAFETY: plain data; all zeroes is valid.
        let mut i: BY_HANDLE_FILE_INFORMATION = unsafe { std::mem::zeroed() };
        // SAFETY: an open handle and a buffer of the right type.
        (unsafe { GetFileInformationByHandle(f.as_raw_handle(), &mut i) } != 0).then_some((
            i.dwVolumeSerialNumber,
            i.nFileIndexHigh,
            i.nFileIndexLow,
        ))
    };
    matches!((id(a), id(b)), (Some(x), Some(y)) if x == y)
}

/// Renames the file `from` in `a` to `to` in `b`, replacing a file there.
/// cap-std's rename on Windows joins the directory handles' paths and calls
/// `std::fs::rename`, which opens the source itself: no flush and no
/// write-through can be asked for, and `MoveFileExW` would take paths
/// again. Instead the source is opened here as cap-std opens any file
/// (relative to its directory handle, never through a link), flushed
/// through that handle, and renamed through it (`NtSetInformationFile`,
/// as `SetFileInformationByHandle` does) to a single name relative to the
/// destination directory's handle. The handle is opened with
/// `FILE_FLAG_WRITE_THROUGH`, which is what `MOVEFILE_WRITE_THROUGH` does
/// inside `MoveFileExW`: NTFS commits the rename to its log before the call
/// returns. There is no write-through flag among the rename flags.
pub fn rename(
    a: &cap_std::fs::Dir,
    from: &std::ffi::OsStr,
    b: &cap_std::fs::Dir,
    to: &std::ffi::OsStr,
) -> io::Result<()> {
    use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt};
    use cap_std::fs::OpenOptionsExt;
    use windows_sys::Win32::Foundation::{GENERIC_READ, GENERIC_WRITE};
    use windows_sys::Win32::Storage::FileSystem::{
        DELETE, FILE_FLAG_WRITE_THROUGH, FILE_READ_ATTRIBUTES, SYNCHRONIZE,
    };
    let open = |access| {
        let mut o = cap_std::fs::OpenOptions::new();
        o.follow(FollowSymlinks::No);
        o.access_mode(access).custom_flags(FILE_FLAG_WRITE_THROUGH);
        a.open_with(from, &o).map(cap_std::fs::File::into_std)
    };
    // FlushFileBuffers needs a handle opened for writing; a read-only file
    // refuses one, and is renamed unflushed (it was synced when written).
    let (f, flush) = match open(GENERIC_READ | GENERIC_WRITE | DELETE) {
        Ok(f) => (f, true),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            (open(DELETE | FILE_READ_ATTRIBUTES | SYNCHRONIZE)?, false)
        }
        Err(e) => return Err(e),
    };
    if !f.metadata()?.is_file() {
        return Err(io::Error::other("only regular files are renamed"));
    }
    if flush {
        f.sync_all()?;
    }
    rename_handle(&f, b, to)?;
    if flush {
        f.sync_all()?;
    }
    Ok(())
}

/// `NtSetInformationFile(FileRenameInformationEx)` with replace and POSIX
/// semantics (a replaced file still open elsewhere with delete sharing
/// keeps its data for that reader, as on Unix); where the system lacks the
/// Ex class (before Windows 10 1709, or Wine), `FileRenameInformation` with
/// replace. The native call, because `SetFileInformationByHandle` may read
/// the name as a path of the current directory (Wine does) instead of
/// relative to `RootDirectory`.
fn rename_handle(f: &File, dir: &cap_std::fs::Dir, to: &std::ffi::OsStr) -> io::Result<()> {
    use std::os::windows::ffi::OsStrExt;
    use std::os::windows::io::AsRawHandle;
    use std::sync::atomic::{AtomicBool, Ordering};
    use windows_sys::Wdk::Storage::FileSystem::{
        FileRenameInformation, FileRenameInformationEx, NtSetInformationFile,
        FILE_RENAME_INFORMATION,
    };
    use windows_sys::Win32::Foundation::{
        RtlNtStatusToDosError, STATUS_INVALID_INFO_CLASS, STATUS_INVALID_PARAMETER,
        STATUS_NOT_IMPLEMENTED, STATUS_NOT_SUPPORTED,
    };
    use windows_sys::Win32::System::IO::IO_STATUS_BLOCK;
    // ntifs.h
    const FILE_RENAME_REPLACE_IF_EXISTS: u32 = 1;
    const FILE_RENAME_POSIX_SEMANTICS: u32 = 2;
    let name: Vec<u16> = to.encode_wide().collect();
    let head = std::mem::offset_of!(FILE_RENAME_INFORMATION, FileName);
    let size = head + std::mem::size_of_val(name.as_slice());
    let size = size.max(std::mem::size_of::<FILE_RENAME_INFORMATION>());
    // u64 words: aligned for the structure's handle.
    let mut buf = vec![0u64; size.div_ceil(8)];
    let info = buf.as_mut_ptr().cast::<FILE_RENAME_INFORMATION>();
    let set = |class, flags: u32| {
        // SAFETY: `buf` holds the structure and the name after it; the name
        // length is in bytes, without a terminating NUL.
        unsafe {
            (*info).Anonymous.Flags = flags;
            (*info).RootDirectory = dir.as_raw_handle();
            (*info).FileNameLength = (name.len() * 2) as u32;
            std::ptr::copy_nonoverlapping(
                name.as_ptr(),
                std::ptr::addr_of_mut!((*info).FileName).cast::<u16>(),
                name.len(),
            );
            let mut io: IO_STATUS_BLOCK = std::mem::zeroed();
            NtSetInformationFile(f.as_raw_handle(), &mut io, info.cast(), size as u32, class)
        }
    };
    // Asked once per process: a system without the Ex class stays without.
    static NO_EX: AtomicBool = AtomicBool::new(false);
    let mut status = STATUS_NOT_SUPPORTED;
    if !NO_EX.load(Ordering::Relaxed) {
        status = set(
            FileRenameInformationEx,
            FILE_RENAME_REPLACE_IF_EXISTS | FILE_RENAME_POSIX_SEMANTICS,
        );
    }
    if matches!(
        status,
        STATUS_INVALID_INFO_CLASS
            | STATUS_INVALID_PARAMETER
            | STATUS_NOT_IMPLEMENTED
            | STATUS_NOT_SUPPORTED
    ) {
        // A file system without POSIX semantics (FAT) says "invalid
        // parameter" too; only a missing class is remembered.
        if status != STATUS_INVALID_PARAMETER {
            NO_EX.store(true, Ordering::Relaxed);
        }
        // `ReplaceIfExists` is the union's first byte.
        status = set(FileRenameInformation, 1);
    }
    if status >= 0 {
        Ok(())
    } else {
        // SAFETY: maps a status code; no preconditions.
        Err(io::Error::from_raw_os_error(
            unsafe { RtlNtStatusToDosError(status) } as i32,
        ))
    }
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

pub fn free_bytes(dir: &Path) -> io::Result<Option<u64>> {
    use std::os::windows::ffi::OsStrExt;
    // `\\?\` paths and paths longer than MAX_PATH work as they are.
    let wide: Vec<u16> = std::path::absolute(dir)?
        .as_os_str()
        .encode_wide()
        .chain([0])
        .collect();
    let mut free = 0u64;
    // SAFETY: a NUL-terminated wide path; the other outputs may be null.
    let ok = unsafe {
        windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW(
            wide.as_ptr(),
            &mut free,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Some(free))
}

/// The Windows heap returns large freed blocks by itself.
pub fn keep_heap_lean() {}

pub fn default_sigpipe() {}

/// The console's output code page while the process runs.
pub struct Console(Option<u32>);

/// UTF-8 as the console's output code page when standard output is a
/// console, so what a program like `more` shows of it is not code-page
/// garbage; the old page comes back when the guard drops.
pub fn utf8_console() -> Console {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() {
        return Console(None);
    }
    Console(set_output_cp(UTF8))
}

const UTF8: u32 = 65001;

/// Sets the console's output code page; the previous one if it changed.
fn set_output_cp(cp: u32) -> Option<u32> {
    use windows_sys::Win32::System::Console::{GetConsoleOutputCP, SetConsoleOutputCP};
    // SAFETY: no arguments but a number; both fail harmlessly without a console.
    unsafe {
        let old = GetConsoleOutputCP();
        (old != 0 && old != cp && SetConsoleOutputCP(cp) != 0).then_some(old)
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Some(old) = self.0 {
            set_output_cp(old);
        }
    }
}

/// The user's UI languages (GetUserPreferredUILanguages), best first.
pub fn ui_languages() -> Vec<String> {
    sys_locale::get_locales().collect()
}

pub fn default_config_path() -> std::path::PathBuf {
    let base = std::env::var_os("ProgramData")
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| r"C:\ProgramData".into());
    Path::new(&base).join("bundle-verifier").join("config.toml")
}

pub const SERVICE_CONTROL_MANAGER: bool = true;

/// The roots (`E:\`) of the drives Windows reports as removable.
pub fn removable_media() -> Vec<std::path::PathBuf> {
    use windows_sys::Win32::Storage::FileSystem::{GetDriveTypeW, GetLogicalDrives};
    const DRIVE_REMOVABLE: u32 = 2;
    // SAFETY: no arguments.
    let mask = unsafe { GetLogicalDrives() };
    (0..26u8)
        .filter(|i| mask & (1 << i) != 0)
        .filter_map(|i| {
            let root = format!("{}:\\", char::from(b'A' + i));
            let wide: Vec<u16> = root.encode_utf16().chain([0]).collect();
            // SAFETY: a NUL-terminated UTF-16 string that outlives the call.
            let kind = unsafe { GetDriveTypeW(wide.as_ptr()) };
            (kind == DRIVE_REMOVABLE).then(|| root.into())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_asked_of_the_volume_also_for_long_and_verbatim_paths() {
        let d = tempfile::tempdir().unwrap();
        let free = free_bytes(d.path()).unwrap().expect("asked on Windows");
        assert!(free > 0);
        // Deeper than MAX_PATH (260 characters).
        let mut long = d.path().to_path_buf();
        for _ in 0..6 {
            long.push("a".repeat(60));
        }
        fs::create_dir_all(&long).unwrap();
        assert!(long.as_os_str().len() > 300);
        assert!(free_bytes(&long).unwrap().unwrap() > 0);
        let verbatim = fs::canonicalize(d.path()).unwrap();
        assert!(free_bytes(&verbatim).unwrap().unwrap() > 0);
        assert!(free_bytes(&d.path().join("missing")).is_err());
    }
}
