//! A program of an install and everything it starts, held in a job object:
//! a timeout ends them all, and so does the verifier's own death (the
//! job's last handle closes), so no step outlives an install it belonged
//! to. Where a job cannot be had, only the program itself is ended.

use std::io;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::os::windows::process::CommandExt;
use std::process::{Child, Command};

use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, Thread32First, Thread32Next, TH32CS_SNAPTHREAD, THREADENTRY32,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation,
    SetInformationJobObject, TerminateJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
    JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
};
use windows_sys::Win32::System::Threading::{
    OpenThread, ResumeThread, CREATE_SUSPENDED, THREAD_SUSPEND_RESUME,
};

/// The program's job, when it has one.
pub struct Group {
    job: Option<OwnedHandle>,
}

impl Group {
    /// Starts the program suspended, puts it in a new job that ends with
    /// the verifier, then lets it run: it cannot start anything before it
    /// is in the job.
    pub fn spawn(cmd: &mut Command) -> io::Result<(Child, Group)> {
        cmd.creation_flags(CREATE_SUSPENDED);
        let mut child = cmd.spawn()?;
        let job = new_job().filter(|job| {
            // SAFETY: both handles are open for the duration of the call.
            unsafe { AssignProcessToJobObject(job.as_raw_handle(), child.as_raw_handle()) != 0 }
        });
        if let Err(e) = resume(child.id()) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
        Ok((child, Group { job }))
    }

    /// Ends the program and everything in its job.
    pub fn kill(&self, child: &mut Child) {
        if let Some(job) = &self.job {
            // SAFETY: the job handle is open; it ends only the job's processes.
            unsafe { TerminateJobObject(job.as_raw_handle(), 1) };
        }
        let _ = child.kill();
    }
}

impl Drop for Group {
    /// The program ended by itself: what it left running on purpose (a
    /// program it started for good) outlives the job, as on Unix.
    fn drop(&mut self) {
        if let Some(job) = &self.job {
            let _ = set_limits(job, 0);
        }
    }
}

/// A job whose processes are ended when its last handle closes.
fn new_job() -> Option<OwnedHandle> {
    // SAFETY: no attributes, no name; the handle is checked before use.
    let raw = unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) };
    if raw.is_null() {
        return None;
    }
    // SAFETY: a new handle owned by nothing else.
    let job = unsafe { OwnedHandle::from_raw_handle(raw) };
    set_limits(&job, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE).ok()?;
    Some(job)
}

fn set_limits(job: &OwnedHandle, flags: u32) -> io::Result<()> {
    let mut info = JOBOBJECT_EXTENDED_LIMIT_INFORMATION::default();
    info.BasicLimitInformation.LimitFlags = flags;
    // SAFETY: `info` is the structure this information class names, and its size.
    let ok = unsafe {
        SetInformationJobObject(
            job.as_raw_handle(),
            JobObjectExtendedLimitInformation,
            (&raw const info).cast(),
            size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        )
    };
    if ok == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Lets a process started suspended run. std keeps its main thread's
/// handle to itself, so the thread is found by the process's id.
fn resume(pid: u32) -> io::Result<()> {
    // SAFETY: a snapshot of the system's threads; the handle is checked.
    let raw = unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0) };
    if raw == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new handle owned by nothing else.
    let snapshot = unsafe { OwnedHandle::from_raw_handle(raw) };
    let mut entry = THREADENTRY32 {
        dwSize: size_of::<THREADENTRY32>() as u32,
        ..Default::default()
    };
    let mut resumed = false;
    // SAFETY: `entry` is a THREADENTRY32 with its size set, as both calls require.
    let mut more = unsafe { Thread32First(snapshot.as_raw_handle(), &mut entry) } != 0;
    while more {
        if entry.th32OwnerProcessID == pid {
            // SAFETY: a thread id from the snapshot; the handle is checked.
            let raw = unsafe { OpenThread(THREAD_SUSPEND_RESUME, 0, entry.th32ThreadID) };
            if raw.is_null() {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: a new handle owned by nothing else.
            let thread = unsafe { OwnedHandle::from_raw_handle(raw) };
            // SAFETY: the handle is open with THREAD_SUSPEND_RESUME.
            if unsafe { ResumeThread(thread.as_raw_handle()) } == u32::MAX {
                return Err(io::Error::last_os_error());
            }
            resumed = true;
        }
        // SAFETY: as for Thread32First.
        more = unsafe { Thread32Next(snapshot.as_raw_handle(), &mut entry) } != 0;
    }
    if resumed {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            "the started program has no thread to resume",
        ))
    }
}
