//! A Windows service for the install-action tests: `test-service NAME FILE
//! [HOLD]` registers with the Service Control Manager as NAME, writes
//! `running` to FILE and runs until asked to stop, then writes `stopped`.
//! Like a service running from the files an install replaces, it holds
//! HOLD open (others may only read it) from its start until its process
//! ends, a moment after it reported itself stopped. Installed by the tests
//! with `sc create NAME binPath= "test-service.exe NAME FILE [HOLD]"`.
//! Elsewhere it only says it is for Windows.

#[cfg(windows)]
mod service {
    use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
    use std::sync::OnceLock;
    use std::time::Duration;

    use windows_sys::Win32::System::Services::{
        RegisterServiceCtrlHandlerExW, SetServiceStatus, StartServiceCtrlDispatcherW,
        SERVICE_ACCEPT_STOP, SERVICE_CONTROL_STOP, SERVICE_RUNNING, SERVICE_STATUS,
        SERVICE_STATUS_HANDLE, SERVICE_STOPPED, SERVICE_STOP_PENDING, SERVICE_TABLE_ENTRYW,
        SERVICE_WIN32_OWN_PROCESS,
    };

    static STOP: AtomicBool = AtomicBool::new(false);
    static HANDLE: AtomicPtr<core::ffi::c_void> = AtomicPtr::new(std::ptr::null_mut());
    static ARGS: OnceLock<(Vec<u16>, std::path::PathBuf, Option<String>)> = OnceLock::new();
    /// Never dropped: closed when the process ends.
    static HELD: OnceLock<std::fs::File> = OnceLock::new();

    fn set(state: u32) {
        let st = SERVICE_STATUS {
            dwServiceType: SERVICE_WIN32_OWN_PROCESS,
            dwCurrentState: state,
            dwControlsAccepted: if state == SERVICE_RUNNING {
                SERVICE_ACCEPT_STOP
            } else {
                0
            },
            dwWin32ExitCode: 0,
            dwServiceSpecificExitCode: 0,
            dwCheckPoint: 0,
            dwWaitHint: 5000,
        };
        let h: SERVICE_STATUS_HANDLE = HANDLE.load(Ordering::SeqCst);
        // SAFETY: the handle came from RegisterServiceCtrlHandlerExW.
        unsafe { SetServiceStatus(h, &st) };
    }

    unsafe extern "system" fn handler(
        control: u32,
        _: u32,
        _: *mut core::ffi::c_void,
        _: *mut core::ffi::c_void,
    ) -> u32 {
        if control == SERVICE_CONTROL_STOP {
            set(SERVICE_STOP_PENDING);
            STOP.store(true, Ordering::SeqCst);
        }
        0
    }

    unsafe extern "system" fn service_main(_: u32, _: *mut windows_sys::core::PWSTR) {
        let (name, file, hold) = ARGS.get().expect("set in main");
        if let Some(hold) = hold {
            use std::os::windows::fs::OpenOptionsExt;
            // FILE_SHARE_READ only: no other program may replace or remove it.
            let f = std::fs::OpenOptions::new()
                .read(true)
                .share_mode(1)
                .open(hold)
                .expect("the file to hold opens");
            let _ = HELD.set(f);
        }
        // SAFETY: `name` is NUL-terminated and lives as long as the process.
        let h = unsafe {
            RegisterServiceCtrlHandlerExW(name.as_ptr(), Some(handler), std::ptr::null())
        };
        HANDLE.store(h, Ordering::SeqCst);
        let _ = std::fs::write(file, "running");
        set(SERVICE_RUNNING);
        while !STOP.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::fs::write(file, "stopped");
        set(SERVICE_STOPPED);
    }

    pub fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let (name, file, hold) = match &args[..] {
            [name, file] => (name, file, None),
            [name, file, hold] => (name, file, Some(hold.clone())),
            _ => {
                eprintln!("usage: test-service NAME FILE [HOLD]");
                std::process::exit(2);
            }
        };
        let wide: Vec<u16> = name.encode_utf16().chain(Some(0)).collect();
        let (wide, _, _) = ARGS.get_or_init(|| (wide, file.into(), hold));
        let table = [
            SERVICE_TABLE_ENTRYW {
                lpServiceName: wide.as_ptr() as *mut u16,
                lpServiceProc: Some(service_main),
            },
            SERVICE_TABLE_ENTRYW {
                lpServiceName: std::ptr::null_mut(),
                lpServiceProc: None,
            },
        ];
        // SAFETY: a table ending in a null entry; returns when the service stopped.
        if unsafe { StartServiceCtrlDispatcherW(table.as_ptr()) } == 0 {
            eprintln!(
                "not started by the Service Control Manager: {}",
                std::io::Error::last_os_error()
            );
            std::process::exit(1);
        }
    }
}

fn main() {
    #[cfg(windows)]
    service::main();
    #[cfg(not(windows))]
    {
        eprintln!("test-service is a Windows service");
        std::process::exit(2);
    }
}
