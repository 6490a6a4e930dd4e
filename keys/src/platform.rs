//! Every OS-specific call of the key crate, behind one small interface, so
//! the rest of the crate has no `cfg` for the operating system. Each
//! function says what it does where the OS lacks the feature.

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens `path` for reading without ever waiting at the open itself: on Unix
/// with `O_NONBLOCK`, so a FIFO with no writer opens at once (and is then
/// refused as not a regular file) instead of blocking. Reads of a regular
/// file are not affected by the flag. Elsewhere a plain open.
pub fn open_for_reading(path: &Path) -> io::Result<File> {
    imp::open_for_reading(path)
}

/// Creates `path` for writing; fails if it exists. When `owner_only`
/// (secret keys) the file is created readable by its owner alone: mode 0600
/// on Unix; on Windows a protected access list (`OWNER_ONLY_SDDL`) that
/// inherits nothing from the directory. Otherwise mode 0644 on Unix, and on
/// Windows the access its directory gives new files.
#[cfg(any(feature = "signing", feature = "device"))]
pub fn create_new(path: &Path, owner_only: bool) -> io::Result<File> {
    imp::create_new(path, owner_only)
}

/// The access list of an owner-only file on Windows, in SDDL: full access
/// for the file's owner (`OW`), SYSTEM (`SY`) and Administrators (`BA`);
/// `P`: nothing inherited from the directory, so other users get nothing.
#[cfg(all(windows, any(feature = "signing", feature = "device")))]
pub const OWNER_ONLY_SDDL: &str = "D:P(A;;FA;;;OW)(A;;FA;;;SY)(A;;FA;;;BA)";

/// Asserts that `path` is readable by its owner alone, read back from the
/// file: mode 0600 on Unix; on Windows exactly `OWNER_ONLY_SDDL` (which
/// Windows may show with `AI`, inheritance computed, among the flags).
#[cfg(all(test, any(feature = "signing", feature = "device")))]
pub fn assert_owner_only(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{path:?}");
    }
    #[cfg(windows)]
    {
        let got = acl::dacl_sddl(path).unwrap();
        // Wine keeps only what a Unix mode can say: no access for others.
        if acl::under_wine() {
            assert!(!got.contains(";WD)"), "{path:?}: {got}");
            return;
        }
        assert_eq!(
            got.replacen("D:PAI(", "D:P(", 1),
            OWNER_ONLY_SDDL,
            "{path:?}"
        );
    }
}

#[cfg(unix)]
mod imp {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;

    pub fn open_for_reading(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
    }

    #[cfg(any(feature = "signing", feature = "device"))]
    pub fn create_new(path: &Path, owner_only: bool) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(if owner_only { 0o600 } else { 0o644 })
            .open(path)
    }
}

#[cfg(not(unix))]
mod imp {
    use std::fs::File;
    use std::io;
    use std::path::Path;

    pub fn open_for_reading(path: &Path) -> io::Result<File> {
        File::open(path)
    }

    #[cfg(all(windows, any(feature = "signing", feature = "device")))]
    pub fn create_new(path: &Path, owner_only: bool) -> io::Result<File> {
        if owner_only {
            super::acl::create_new(path, super::OWNER_ONLY_SDDL)
        } else {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
        }
    }

    #[cfg(all(not(windows), any(feature = "signing", feature = "device")))]
    pub fn create_new(path: &Path, _owner_only: bool) -> io::Result<File> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    }
}

/// Access lists on Windows: files created with one, and (tests) read back.
#[cfg(all(windows, any(feature = "signing", feature = "device")))]
pub(crate) mod acl {
    use std::ffi::OsStr;
    use std::fs::File;
    use std::io;
    use std::os::windows::ffi::OsStrExt;
    use std::os::windows::io::FromRawHandle;
    use std::path::Path;

    use windows_sys::Win32::Foundation::{LocalFree, GENERIC_WRITE, INVALID_HANDLE_VALUE};
    use windows_sys::Win32::Security::Authorization::{
        ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
    };
    use windows_sys::Win32::Security::{PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES};
    use windows_sys::Win32::Storage::FileSystem::{
        CreateFileW, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, FILE_SHARE_DELETE, FILE_SHARE_READ,
        FILE_SHARE_WRITE,
    };

    pub(crate) fn wide(s: &OsStr) -> Vec<u16> {
        s.encode_wide().chain(Some(0)).collect()
    }

    /// A security descriptor made from SDDL, freed on drop.
    struct Descriptor(PSECURITY_DESCRIPTOR);

    impl Descriptor {
        fn from_sddl(sddl: &str) -> io::Result<Self> {
            let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
            let text = wide(OsStr::new(sddl));
            // SAFETY: `text` is NUL-terminated; `sd` receives a LocalAlloc'd
            // descriptor, freed by Drop.
            let ok = unsafe {
                ConvertStringSecurityDescriptorToSecurityDescriptorW(
                    text.as_ptr(),
                    SDDL_REVISION_1,
                    &mut sd,
                    std::ptr::null_mut(),
                )
            };
            if ok == 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(Descriptor(sd))
        }
    }

    impl Drop for Descriptor {
        fn drop(&mut self) {
            // SAFETY: allocated by the conversion above, freed once.
            unsafe { LocalFree(self.0) };
        }
    }

    /// Creates a new file for writing whose access list is `sddl` from the
    /// first moment: no other user ever gets a handle to it.
    pub(crate) fn create_new(path: &Path, sddl: &str) -> io::Result<File> {
        let sd = Descriptor::from_sddl(sddl)?;
        let sa = SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: sd.0,
            bInheritHandle: 0,
        };
        let name = wide(path.as_os_str());
        // SAFETY: `name` is NUL-terminated and `sa` outlives the call; the
        // handle returned is owned by the File made from it.
        unsafe {
            let h = CreateFileW(
                name.as_ptr(),
                GENERIC_WRITE,
                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                &sa,
                CREATE_NEW,
                FILE_ATTRIBUTE_NORMAL,
                std::ptr::null_mut(),
            );
            if h == INVALID_HANDLE_VALUE {
                return Err(io::Error::last_os_error());
            }
            Ok(File::from_raw_handle(h))
        }
    }

    /// Whether this runs under Wine, which keeps no access lists on files (it
    /// maps them to Unix modes, or ignores them): nothing to read back there.
    #[cfg(test)]
    pub(crate) fn under_wine() -> bool {
        use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
        let ntdll = wide(OsStr::new("ntdll.dll"));
        // SAFETY: NUL-terminated names; ntdll is always loaded.
        unsafe {
            let m = GetModuleHandleW(ntdll.as_ptr());
            !m.is_null() && GetProcAddress(m, c"wine_get_version".as_ptr().cast()).is_some()
        }
    }

    /// The access list of `path` as SDDL (`D:…`), for tests.
    #[cfg(test)]
    pub(crate) fn dacl_sddl(path: &Path) -> io::Result<String> {
        use windows_sys::Win32::Security::Authorization::{
            ConvertSecurityDescriptorToStringSecurityDescriptorW, GetNamedSecurityInfoW,
            SE_FILE_OBJECT,
        };
        use windows_sys::Win32::Security::DACL_SECURITY_INFORMATION;
        let name = wide(path.as_os_str());
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: out-pointers are valid; `sd` is LocalAlloc'd and freed below.
        let err = unsafe {
            GetNamedSecurityInfoW(
                name.as_ptr(),
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut sd,
            )
        };
        if err != 0 {
            return Err(io::Error::from_raw_os_error(err as i32));
        }
        let sd = Descriptor(sd);
        let mut text: *mut u16 = std::ptr::null_mut();
        let mut len = 0u32;
        // SAFETY: `sd` is a valid descriptor; `text` is LocalAlloc'd and freed below.
        let ok = unsafe {
            ConvertSecurityDescriptorToStringSecurityDescriptorW(
                sd.0,
                SDDL_REVISION_1,
                DACL_SECURITY_INFORMATION,
                &mut text,
                &mut len,
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `len` counts the UTF-16 units written, the NUL included.
        let s = unsafe { std::slice::from_raw_parts(text, len as usize) };
        let out = String::from_utf16_lossy(s)
            .trim_end_matches('\0')
            .to_owned();
        // SAFETY: allocated by the conversion above, freed once.
        unsafe { LocalFree(text.cast()) };
        Ok(out)
    }
}

#[cfg(all(test, windows, any(feature = "signing", feature = "device")))]
mod tests {
    use super::*;

    #[test]
    fn owner_only_files_get_exactly_the_protected_access_list() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret");
        drop(create_new(&p, true).unwrap());
        assert_owner_only(&p);
        // Not over an existing file.
        let e = create_new(&p, true).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        // A public file keeps what its directory gives.
        let q = dir.path().join("public");
        drop(create_new(&q, false).unwrap());
        if !acl::under_wine() {
            assert!(!acl::dacl_sddl(&q).unwrap().starts_with("D:P"));
        }
    }
}
