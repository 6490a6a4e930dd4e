//! Every OS-specific call of the builder, behind one small interface, so
//! the rest of the crate has no `cfg` for the operating system. Each
//! function says what it does where the OS lacks the feature.

use std::fs::{File, Metadata};
use std::io;

/// Whether a payload file is executable, as the bundle records it: the
/// owner's execute bit on Unix; never elsewhere, where files have no such
/// bit (so a bundle built there marks no file executable).
pub fn is_executable(meta: &Metadata) -> bool {
    imp::is_executable(meta)
}

/// Whether [`is_executable`] reads a real bit here. Where it does not, a
/// target without an `executable` list gets no executable file.
pub const RECORDS_EXEC_BITS: bool = cfg!(unix);

/// Lets everyone read a finished bundle, which is public: temporary files
/// start owner-only on Unix (mode 0644 then). Elsewhere the file keeps the
/// access its directory gives it, and this does nothing.
pub fn make_readable_by_all(file: &File) -> io::Result<()> {
    imp::make_readable_by_all(file)
}

/// Makes the allocator give large freed buffers back to the system. glibc
/// by default raises its mmap threshold to the largest buffer freed so far
/// (up to 32 MiB), after which buffers of several MiB come from its heaps
/// and stay resident once freed: with 100,000 files that was about 20 MiB
/// of the build's peak RSS that no structure held. A fixed threshold (the
/// default 128 KiB) keeps such buffers mapped apart and unmapped when
/// freed. Elsewhere this does nothing. Call before any thread starts.
pub fn keep_heap_lean() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; no thread of ours
    // is running yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(unix)]
mod imp {
    use std::fs::{File, Metadata, Permissions};
    use std::io;
    use std::os::unix::fs::PermissionsExt;

    pub fn is_executable(meta: &Metadata) -> bool {
        meta.permissions().mode() & 0o100 != 0
    }

    pub fn make_readable_by_all(file: &File) -> io::Result<()> {
        file.set_permissions(Permissions::from_mode(0o644))
    }
}

#[cfg(not(unix))]
mod imp {
    use std::fs::{File, Metadata};
    use std::io;

    pub fn is_executable(_: &Metadata) -> bool {
        false
    }

    pub fn make_readable_by_all(_: &File) -> io::Result<()> {
        Ok(())
    }
}
