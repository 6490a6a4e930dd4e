//! Windows (and any other non-Unix target): no modes, no directory handles
//! to flush; files are flushed through handles opened for writing.

use std::fs::{self, File, Metadata};
use std::io;
use std::path::Path;

use super::tree::Perm;

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
