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
