//! Windows services through the Service Control Manager: is a service
//! running, stop it and wait until it stopped, start it and wait until it
//! runs, each within a timeout.

use std::io;
use std::os::windows::ffi::OsStrExt;
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{ERROR_SERVICE_ALREADY_RUNNING, ERROR_SERVICE_NOT_ACTIVE};
use windows_sys::Win32::System::Services::{
    CloseServiceHandle, ControlService, OpenSCManagerW, OpenServiceW, QueryServiceStatus,
    StartServiceW, SC_HANDLE, SC_MANAGER_CONNECT, SERVICE_CONTROL_STOP, SERVICE_QUERY_STATUS,
    SERVICE_RUNNING, SERVICE_START, SERVICE_STATUS, SERVICE_STOP, SERVICE_STOPPED,
};

use crate::platform::ScmOp;

/// A service or manager handle, closed when dropped.
struct Handle(SC_HANDLE);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenSCManagerW/OpenServiceW and is closed once.
        unsafe { CloseServiceHandle(self.0) };
    }
}

fn opened(h: SC_HANDLE) -> io::Result<Handle> {
    if h.is_null() {
        Err(io::Error::last_os_error())
    } else {
        Ok(Handle(h))
    }
}

fn state(service: &Handle) -> io::Result<u32> {
    // SAFETY: a zeroed SERVICE_STATUS is valid; the handle is open.
    let mut st: SERVICE_STATUS = unsafe { std::mem::zeroed() };
    if unsafe { QueryServiceStatus(service.0, &mut st) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st.dwCurrentState)
}

/// Waits until the service is in `want`, polling, at most until `deadline`.
fn wait_for(service: &Handle, want: u32, deadline: Instant) -> io::Result<()> {
    loop {
        if state(service)? == want {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the service did not {} in time",
                    if want == SERVICE_RUNNING {
                        "start"
                    } else {
                        "stop"
                    }
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `Query`: whether `name` runs. `Stop` and `Start` return once it has
/// stopped or runs (`true`), or fail after `timeout`.
pub fn scm(op: ScmOp, name: &str, timeout: Duration) -> io::Result<bool> {
    let wide: Vec<u16> = std::ffi::OsStr::new(name)
        .encode_wide()
        .chain(Some(0))
        .collect();
    // SAFETY: null machine and database name mean this computer's active database.
    let manager =
        opened(unsafe { OpenSCManagerW(std::ptr::null(), std::ptr::null(), SC_MANAGER_CONNECT) })?;
    let access = SERVICE_QUERY_STATUS
        | match op {
            ScmOp::Query => 0,
            ScmOp::Stop => SERVICE_STOP,
            ScmOp::Start => SERVICE_START,
        };
    // SAFETY: `wide` is NUL-terminated and outlives the call.
    let service = opened(unsafe { OpenServiceW(manager.0, wide.as_ptr(), access) })?;
    let deadline = Instant::now() + timeout;
    match op {
        ScmOp::Query => Ok(state(&service)? == SERVICE_RUNNING),
        ScmOp::Stop => {
            // SAFETY: as in `state`.
            let mut st: SERVICE_STATUS = unsafe { std::mem::zeroed() };
            if unsafe { ControlService(service.0, SERVICE_CONTROL_STOP, &mut st) } == 0 {
                let e = io::Error::last_os_error();
                if e.raw_os_error() != Some(ERROR_SERVICE_NOT_ACTIVE as i32) {
                    return Err(e);
                }
            }
            wait_for(&service, SERVICE_STOPPED, deadline).map(|()| true)
        }
        ScmOp::Start => {
            // SAFETY: no arguments.
            if unsafe { StartServiceW(service.0, 0, std::ptr::null()) } == 0 {
                let e = io::Error::last_os_error();
                if e.raw_os_error() != Some(ERROR_SERVICE_ALREADY_RUNNING as i32) {
                    return Err(e);
                }
            }
            wait_for(&service, SERVICE_RUNNING, deadline).map(|()| true)
        }
    }
}
