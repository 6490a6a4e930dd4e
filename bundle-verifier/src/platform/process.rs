//! Running a program of an install (a vendor step or a service command):
//! a clean environment, a working directory, stdin empty, stdout and stderr
//! captured together up to a bound (the tail is kept, the whole is hashed),
//! and a timeout that kills it and what it started (on Unix its process
//! group, on Windows its job object).

use std::ffi::OsStr;
use std::io::{self, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::os;

/// How a program run ended, and what it wrote.
#[derive(Clone, Debug)]
pub struct Ran {
    /// Its exit code; `None` when it was killed (timeout) or died by a signal.
    pub code: Option<i32>,
    pub timed_out: bool,
    /// The last bytes of stdout and stderr, interleaved as written.
    pub tail: Vec<u8>,
    /// SHA-256 of everything it wrote (what was read before it ended).
    pub sha256: [u8; 32],
    pub bytes: u64,
}

/// How long the output may still be read after the program ended: a
/// background child it left (a daemon it started) may hold the pipe open.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Captured {
    hash: Sha256,
    tail: Vec<u8>,
    bytes: u64,
}

/// Runs `program` with `args` in `cwd` with the platform's clean
/// environment (Unix: a fixed `PATH` only; Windows: the system folders and
/// a temporary folder), for at most `timeout`, keeping the last
/// `tail_max` bytes of its output.
pub fn run_captured<A: AsRef<OsStr>>(
    program: &Path,
    args: &[A],
    cwd: &Path,
    timeout: Duration,
    tail_max: usize,
) -> io::Result<Ran> {
    let (mut reader, writer) = io::pipe()?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(os::clean_env())
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer);
    let (mut child, group) = os::Group::spawn(&mut cmd)?;
    // The write ends live in the child only, so the pipe ends when it does.
    drop(cmd);
    let shared = Arc::new(Mutex::new(Captured::default()));
    let done = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    {
        let (shared, done) = (shared.clone(), done.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut c = shared.lock().unwrap_or_else(|e| e.into_inner());
                c.hash.update(&buf[..n]);
                c.bytes += n as u64;
                c.tail.extend_from_slice(&buf[..n]);
                if c.tail.len() > tail_max {
                    let cut = c.tail.len() - tail_max;
                    c.tail.drain(..cut);
                }
            }
            *done.0.lock().unwrap_or_else(|e| e.into_inner()) = true;
            done.1.notify_all();
        });
    }
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if Instant::now() >= deadline {
            timed_out = true;
            group.kill(&mut child);
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (lock, cv) = &*done;
    let finished = lock.lock().unwrap_or_else(|e| e.into_inner());
    drop(
        cv.wait_timeout_while(finished, OUTPUT_GRACE, |f| !*f)
            .unwrap_or_else(|e| e.into_inner()),
    );
    let c = shared.lock().unwrap_or_else(|e| e.into_inner());
    Ok(Ran {
        code: if timed_out { None } else { status.code() },
        timed_out,
        tail: c.tail.clone(),
        sha256: c.hash.clone().finalize().into(),
        bytes: c.bytes,
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn output_is_bounded_and_a_timeout_kills_the_group() {
        let d = tempfile::tempdir().unwrap();
        let sh = Path::new("/bin/sh");
        let r = run_captured(
            sh,
            &["-c", "echo $PATH; pwd; i=0; while [ $i -lt 3000 ]; do echo line$i; i=$((i+1)); done; exit 7"],
            d.path(),
            Duration::from_secs(20),
            64,
        )
        .unwrap();
        assert_eq!(r.code, Some(7));
        assert!(!r.timed_out);
        assert_eq!(r.tail.len(), 64);
        assert!(r.tail.ends_with(b"line2999\n"));
        assert!(r.bytes > 20_000);
        let pid_file = d.path().join("pid");
        let t0 = Instant::now();
        let r = run_captured(
            sh,
            &["-c", "sleep 30 & echo $! > pid; wait"],
            d.path(),
            Duration::from_millis(500),
            64,
        )
        .unwrap();
        assert!(r.timed_out && r.code.is_none());
        assert!(t0.elapsed() < Duration::from_secs(10));
        let pid = std::fs::read_to_string(pid_file).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        // Gone, or a zombie waiting for whoever adopted it.
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()));
        let alive = stat.is_ok_and(|s| !s.contains(") Z"));
        assert!(!alive, "the grandchild was killed with its group");
    }
}

/// The test executable plays the programs: `starter` starts `late_writer`
/// (which writes `late` after a few seconds) and then waits or ends;
/// `runner` is a verifier running `starter`. Each acts only in a folder
/// marked for it, so running the ignored tests by hand does nothing.
#[cfg(all(test, windows))]
mod windows_tests {
    use super::*;
    use std::process::Command;

    const MARK: &str = "job-test";
    const PATH: &str = "platform::process::windows_tests::";

    fn this(test: &str) -> (std::path::PathBuf, [String; 4]) {
        let exe = std::env::current_exe().unwrap();
        let args = [
            "--exact".into(),
            format!("{PATH}{test}"),
            "--ignored".into(),
            "--test-threads=1".into(),
        ];
        (exe, args)
    }

    fn marked() -> Option<String> {
        std::fs::read_to_string(MARK).ok()
    }

    #[test]
    #[ignore = "a program for the tests below"]
    fn starter() {
        let Some(then) = marked() else { return };
        let (exe, args) = this("late_writer");
        // Not waited for: it is meant to outlive this program.
        #[allow(clippy::zombie_processes)]
        Command::new(exe).args(args).spawn().unwrap();
        std::fs::write("started", "").unwrap();
        if then == "wait" {
            std::thread::sleep(Duration::from_secs(120));
        }
    }

    #[test]
    #[ignore = "a program for the tests below"]
    fn late_writer() {
        if marked().is_some() {
            std::thread::sleep(Duration::from_secs(6));
            std::fs::write("late", "").unwrap();
        }
    }

    #[test]
    #[ignore = "a program for the tests below"]
    fn runner() {
        if marked().is_some() {
            let (exe, args) = this("starter");
            run_captured(&exe, &args, Path::new("."), Duration::from_secs(120), 64).unwrap();
        }
    }

    fn folder(then: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(MARK), then).unwrap();
        d
    }

    fn appears(file: &Path, within: Duration) -> bool {
        let t0 = Instant::now();
        while t0.elapsed() < within {
            if file.exists() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    #[test]
    fn a_timeout_ends_what_the_program_started() {
        let d = folder("wait");
        let (exe, args) = this("starter");
        let r = run_captured(&exe, &args, d.path(), Duration::from_secs(5), 64).unwrap();
        assert!(r.timed_out && r.code.is_none());
        assert!(
            d.path().join("started").exists(),
            "the program started its child in time"
        );
        assert!(
            !appears(&d.path().join("late"), Duration::from_secs(9)),
            "the child was ended with the program"
        );
    }

    #[test]
    fn what_a_program_leaves_running_on_purpose_outlives_it() {
        let d = folder("end");
        let (exe, args) = this("starter");
        let r = run_captured(&exe, &args, d.path(), Duration::from_secs(60), 64).unwrap();
        assert_eq!(r.code, Some(0), "{}", String::from_utf8_lossy(&r.tail));
        assert!(
            appears(&d.path().join("late"), Duration::from_secs(30)),
            "the child lived on"
        );
    }

    #[test]
    fn a_verifier_that_dies_takes_its_programs_with_it() {
        let d = folder("wait");
        let (exe, args) = this("runner");
        let mut verifier = Command::new(exe)
            .args(args)
            .current_dir(d.path())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        assert!(
            appears(&d.path().join("started"), Duration::from_secs(60)),
            "the step started"
        );
        verifier.kill().unwrap();
        verifier.wait().unwrap();
        assert!(
            !appears(&d.path().join("late"), Duration::from_secs(9)),
            "the step's child was ended with the verifier"
        );
    }
}
