//! Standard output that a closed pipe cannot break (`| more`, `| head`):
//! `println!` panics there (exit 101); this drops the rest of the output
//! instead, and the command ends with its own exit code. (The same as the
//! verifier's `cli/out.rs`.)

use std::fmt::Arguments;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// `println!` through [`Stdout`].
macro_rules! outln {
    () => { $crate::cli::out::print(format_args!("\n")) };
    ($($t:tt)*) => { $crate::cli::out::print(format_args!("{}\n", format_args!($($t)*))) };
}
pub(crate) use outln;

/// Writes to standard output; once the reader is gone, writes nothing more.
pub fn print(args: Arguments<'_>) {
    let _ = Stdout.write_fmt(args);
}

/// Standard output as a writer (for generators that take one) whose only
/// error is a real I/O failure: a closed pipe swallows what follows.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if CLOSED.load(Ordering::Relaxed) {
            return Ok(buf.len());
        }
        match io::stdout().lock().write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                CLOSED.store(true, Ordering::Relaxed);
                Ok(buf.len())
            }
            r => r,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if CLOSED.load(Ordering::Relaxed) {
            return Ok(());
        }
        match io::stdout().lock().flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                CLOSED.store(true, Ordering::Relaxed);
                Ok(())
            }
            r => r,
        }
    }
}

/// Whether `path` names standard output (`-`).
pub fn is_stdout(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// Whether `path` is `-` or a device (`/dev/stdout`): what goes there may
/// share standard output, so the command's own report goes to stderr.
pub fn is_stream(path: &std::path::Path) -> bool {
    is_stdout(path) || path.starts_with("/dev")
}

/// Writes a small output file that must not exist yet; `-` is standard
/// output, and a path naming something other than a regular file (such
/// as `/dev/stdout`) is written directly, as nothing can be renamed over
/// a device.
pub fn write_output(
    path: &std::path::Path,
    bytes: &[u8],
) -> Result<(), bundle_builder::BuildError> {
    use bundle_builder::BuildError;
    if is_stdout(path) {
        return Stdout
            .write_all(bytes)
            .and_then(|()| Stdout.flush())
            .map_err(BuildError::io("cannot write", "standard output"));
    }
    // `/dev/stdout` may be a pipe, a terminal or a redirected regular file.
    let device = is_stream(path);
    match std::fs::metadata(path) {
        Ok(m) if device || (!m.is_file() && !m.is_dir()) => std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(BuildError::io("cannot write", path)),
        Ok(_) => Err(BuildError::OutputExists {
            path: path.to_owned(),
        }),
        Err(_) => {
            check_dir(path)?;
            bundle_keys::signing::write_new_file(path, bytes, false).map_err(BuildError::Key)
        }
    }
}

/// Refuses an output whose directory does not exist (a usage error).
pub fn check_dir(out: &std::path::Path) -> Result<(), bundle_builder::BuildError> {
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => return Ok(()),
    };
    if dir.is_dir() {
        Ok(())
    } else {
        Err(bundle_builder::BuildError::OutputDir {
            out: out.to_owned(),
            dir: dir.to_owned(),
        })
    }
}
