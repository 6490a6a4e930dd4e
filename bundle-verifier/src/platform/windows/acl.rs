//! Owner-only access lists: what mode 0600 is on Unix. A file made here
//! gets a protected DACL that inherits nothing from its directory, so no
//! other local user can read it (the device key under C:\ProgramData).

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};

use windows_sys::Win32::Foundation::{LocalFree, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Security::Authorization::{
    ConvertStringSecurityDescriptorToSecurityDescriptorW, SetSecurityInfo, SDDL_REVISION_1,
    SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    GetSecurityDescriptorDacl, ACL, DACL_SECURITY_INFORMATION, PROTECTED_DACL_SECURITY_INFORMATION,
    PSECURITY_DESCRIPTOR,
};
use windows_sys::Win32::Storage::FileSystem::{
    ReOpenFile, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, READ_CONTROL, WRITE_DAC,
};

/// Full access for the file's owner (`OW`), SYSTEM (`SY`) and
/// Administrators (`BA`); `P`: nothing inherited.
pub const OWNER_ONLY_SDDL: &str = "D:P(A;;FA;;;OW)(A;;FA;;;SY)(A;;FA;;;BA)";

fn wide(s: &OsStr) -> Vec<u16> {
    s.encode_wide().chain(Some(0)).collect()
}

/// A security descriptor allocated by Windows, freed on drop.
struct Descriptor(PSECURITY_DESCRIPTOR);

impl Drop for Descriptor {
    fn drop(&mut self) {
        // SAFETY: LocalAlloc'd by the call that made it; freed once.
        unsafe { LocalFree(self.0) };
    }
}

/// Replaces the access list of a file just created (before a byte is
/// written) with [`OWNER_ONLY_SDDL`]. The creating handle may lack the
/// right to change it, so a second handle to the same file is opened for that.
pub fn owner_only(file: &File) -> io::Result<()> {
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    let text = wide(OsStr::new(OWNER_ONLY_SDDL));
    // SAFETY: `text` is NUL-terminated; `sd` is freed by Descriptor.
    if unsafe {
        ConvertStringSecurityDescriptorToSecurityDescriptorW(
            text.as_ptr(),
            SDDL_REVISION_1,
            &mut sd,
            std::ptr::null_mut(),
        )
    } == 0
    {
        return Err(io::Error::last_os_error());
    }
    let sd = Descriptor(sd);
    let (mut present, mut defaulted) = (0, 0);
    let mut dacl: *mut ACL = std::ptr::null_mut();
    // SAFETY: `sd` is valid; `dacl` points into it and lives as long.
    if unsafe { GetSecurityDescriptorDacl(sd.0, &mut present, &mut dacl, &mut defaulted) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a handle of ours; the new one is owned and closed on drop.
    let h = unsafe {
        ReOpenFile(
            file.as_raw_handle(),
            WRITE_DAC | READ_CONTROL,
            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            0,
        )
    };
    if h == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `h` is a valid handle that nothing else owns.
    let h = unsafe { OwnedHandle::from_raw_handle(h) };
    // SAFETY: `h` is open with WRITE_DAC; `dacl` is valid while `sd` is.
    let err = unsafe {
        SetSecurityInfo(
            h.as_raw_handle(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            dacl,
            std::ptr::null(),
        )
    };
    if err != 0 {
        return Err(io::Error::from_raw_os_error(err as i32));
    }
    Ok(())
}

/// The access list of `path` as SDDL (`D:…`), read back for tests.
#[cfg(test)]
pub fn dacl_sddl(path: &std::path::Path) -> io::Result<String> {
    use windows_sys::Win32::Security::Authorization::{
        ConvertSecurityDescriptorToStringSecurityDescriptorW, GetNamedSecurityInfoW,
    };
    let name = wide(path.as_os_str());
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: out-pointers are valid; `sd` is freed by Descriptor.
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
    // SAFETY: `sd` is valid; `text` is freed below.
    if unsafe {
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd.0,
            SDDL_REVISION_1,
            DACL_SECURITY_INFORMATION,
            &mut text,
            &mut len,
        )
    } == 0
    {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `len` UTF-16 units were written, the NUL included.
    let out = String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(text, len as usize) })
        .trim_end_matches('\0')
        .to_owned();
    // SAFETY: LocalAlloc'd by the conversion; freed once.
    unsafe { LocalFree(text.cast()) };
    Ok(out)
}

/// Whether this runs under Wine, which keeps no access lists on files (it
/// maps them to Unix modes, or ignores them): nothing to read back there.
#[cfg(test)]
fn under_wine() -> bool {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
    let ntdll = wide(OsStr::new("ntdll.dll"));
    // SAFETY: NUL-terminated names; ntdll is always loaded.
    unsafe {
        let m = GetModuleHandleW(ntdll.as_ptr());
        !m.is_null() && GetProcAddress(m, c"wine_get_version".as_ptr().cast()).is_some()
    }
}

/// Asserts that `path` has exactly the owner-only list (Windows may mark
/// it `AI`, inheritance computed: it is still protected).
#[cfg(test)]
pub fn assert_owner_only(path: &std::path::Path) {
    if under_wine() {
        eprintln!("Wine keeps no access lists; {path:?} not checked");
        return;
    }
    let got = dacl_sddl(path).unwrap();
    assert_eq!(
        got.replacen("D:PAI(", "D:P(", 1),
        OWNER_ONLY_SDDL,
        "{path:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_gets_exactly_the_owner_only_list() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("device.key");
        let f = File::create_new(&p).unwrap();
        owner_only(&f).unwrap();
        drop(f);
        assert_owner_only(&p);
    }
}
