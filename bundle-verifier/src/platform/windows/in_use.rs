//! Files another process holds open: an exclusive open tells whether one
//! is held, the Restart Manager names who holds it.

use std::ffi::OsStr;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::path::Path;

use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};
use windows_sys::Win32::Foundation::{
    ERROR_LOCK_VIOLATION, ERROR_MORE_DATA, ERROR_SHARING_VIOLATION, ERROR_SUCCESS, GENERIC_READ,
};
use windows_sys::Win32::Storage::FileSystem::DELETE;
use windows_sys::Win32::System::LibraryLoader::{
    GetProcAddress, LoadLibraryExW, LOAD_LIBRARY_SEARCH_SYSTEM32,
};
use windows_sys::Win32::System::RestartManager::{CCH_RM_SESSION_KEY, RM_PROCESS_INFO};

use crate::platform::Holder;

/// A sharing or lock violation: another process holds the file.
pub const HELD: &[i32] = &[ERROR_SHARING_VIOLATION as i32, ERROR_LOCK_VIOLATION as i32];

/// Whether another process has `name` in `dir` open. The open asks to read
/// and delete and shares nothing, so any other open handle with data
/// access conflicts; asking for delete access also makes a running program
/// or a loaded library (mapped as an image, its own handle long closed)
/// count, which a rename over it would meet.
pub fn held_open(dir: &Dir, name: &OsStr) -> io::Result<bool> {
    let mut o = OpenOptions::new();
    o.follow(FollowSymlinks::No);
    o.access_mode(GENERIC_READ | DELETE).share_mode(0);
    match dir.open_with(name, &o) {
        Ok(_) => Ok(false),
        Err(e) => match e.raw_os_error() {
            Some(c) if HELD.contains(&c) => Ok(true),
            // Not ours to judge here: the switch meets it and is undone.
            _ if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied
            ) =>
            {
                Ok(false)
            }
            _ => Err(e),
        },
    }
}

/// At most this many holders are named for one file (memory stays bounded;
/// more leave the file's holders unnamed).
const MAX_HOLDERS: u32 = 64;

type StartSession = unsafe extern "system" fn(*mut u32, u32, *mut u16) -> u32;
type EndSession = unsafe extern "system" fn(u32) -> u32;
type RegisterResources = unsafe extern "system" fn(
    u32,
    u32,
    *const *const u16,
    u32,
    *const core::ffi::c_void,
    u32,
    *const *const u16,
) -> u32;
/// What `GetProcAddress` returns, before it is given its real signature.
type Proc = unsafe extern "system" fn() -> isize;
type GetList =
    unsafe extern "system" fn(u32, *mut u32, *mut u32, *mut RM_PROCESS_INFO, *mut u32) -> u32;

/// The Restart Manager's entry points, loaded when first asked: a system
/// without `rstrtmgr.dll` still runs the verifier, its holders unnamed.
struct Rm {
    start: StartSession,
    end: EndSession,
    register: RegisterResources,
    list: GetList,
}

fn rm() -> Option<&'static Rm> {
    static RM: std::sync::OnceLock<Option<Rm>> = std::sync::OnceLock::new();
    RM.get_or_init(|| {
        let dll: Vec<u16> = "rstrtmgr.dll\0".encode_utf16().collect();
        // SAFETY: a NUL-terminated name; only System32 is searched.
        let lib = unsafe {
            LoadLibraryExW(
                dll.as_ptr(),
                std::ptr::null_mut(),
                LOAD_LIBRARY_SEARCH_SYSTEM32,
            )
        };
        if lib.is_null() {
            return None;
        }
        let f = |name: &[u8]| {
            // SAFETY: a loaded module and a NUL-terminated name.
            unsafe { GetProcAddress(lib, name.as_ptr()) }
        };
        // SAFETY: each pointer is the documented function of that name and
        // signature; the library stays loaded for the process.
        unsafe {
            Some(Rm {
                start: std::mem::transmute::<Proc, StartSession>(f(b"RmStartSession\0")?),
                end: std::mem::transmute::<Proc, EndSession>(f(b"RmEndSession\0")?),
                register: std::mem::transmute::<Proc, RegisterResources>(f(
                    b"RmRegisterResources\0",
                )?),
                list: std::mem::transmute::<Proc, GetList>(f(b"RmGetList\0")?),
            })
        }
    })
    .as_ref()
}

/// The programs that hold `path` open, as the Restart Manager names them;
/// empty where it is missing, fails or knows none.
pub fn holders(path: &Path) -> Vec<Holder> {
    let Some(rm) = rm() else { return Vec::new() };
    let mut session = 0u32;
    let mut key = [0u16; CCH_RM_SESSION_KEY as usize + 1];
    // SAFETY: out-pointers to a handle and a key buffer of the documented size.
    if unsafe { (rm.start)(&mut session, 0, key.as_mut_ptr()) } != ERROR_SUCCESS {
        return Vec::new();
    }
    let found = list(rm, session, path);
    // SAFETY: the session started above.
    unsafe { (rm.end)(session) };
    found
}

fn list(rm: &Rm, session: u32, path: &Path) -> Vec<Holder> {
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
    let files = [wide.as_ptr()];
    let (no_apps, no_services) = (std::ptr::null(), std::ptr::null());
    // SAFETY: one NUL-terminated path; no applications or services.
    let r = unsafe { (rm.register)(session, 1, files.as_ptr(), 0, no_apps, 0, no_services) };
    if r != ERROR_SUCCESS {
        return Vec::new();
    }
    // SAFETY: RM_PROCESS_INFO is plain data; all zeroes is a valid value.
    let mut infos: Vec<RM_PROCESS_INFO> = vec![unsafe { std::mem::zeroed() }; 4];
    for _ in 0..3 {
        let (mut needed, mut count, mut reasons) = (0u32, infos.len() as u32, 0u32);
        // SAFETY: `infos` holds `count` entries.
        let r = unsafe {
            (rm.list)(
                session,
                &mut needed,
                &mut count,
                infos.as_mut_ptr(),
                &mut reasons,
            )
        };
        match r {
            ERROR_SUCCESS => {
                infos.truncate(count as usize);
                return infos.iter().map(holder).collect();
            }
            ERROR_MORE_DATA if needed <= MAX_HOLDERS => {
                // SAFETY: as above.
                infos = vec![unsafe { std::mem::zeroed() }; needed as usize];
            }
            _ => return Vec::new(),
        }
    }
    Vec::new()
}

fn text(w: &[u16]) -> String {
    let end = w.iter().position(|&c| c == 0).unwrap_or(w.len());
    String::from_utf16_lossy(&w[..end])
}

fn holder(i: &RM_PROCESS_INFO) -> Holder {
    let service = text(&i.strServiceShortName);
    Holder {
        name: text(&i.strAppName),
        pid: i.Process.dwProcessId,
        service: (!service.is_empty()).then_some(service),
    }
}
