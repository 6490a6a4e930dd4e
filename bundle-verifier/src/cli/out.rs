//! Standard output that a closed pipe cannot break (`| more`, `| head`):
//! `println!` panics there (exit 101); this drops the rest of the output
//! instead, and the command ends with its own exit code. (On Unix the
//! reading commands still end at once by SIGPIPE, see `main.rs`.)

use std::fmt::Arguments;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// `print!` through [`Stdout`].
macro_rules! out {
    ($($t:tt)*) => { $crate::cli::out::print(format_args!($($t)*)) };
}

/// `println!` through [`Stdout`].
macro_rules! outln {
    () => { $crate::cli::out::print(format_args!("\n")) };
    ($($t:tt)*) => { $crate::cli::out::print(format_args!("{}\n", format_args!($($t)*))) };
}
pub(crate) use {out, outln};

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
