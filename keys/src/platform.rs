//! Every OS-specific call of the key crate, behind one small interface, so
//! the rest of the crate has no `cfg` for the operating system. Each
//! function says what it does where the OS lacks the feature.

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens `path` for reading without ever waiting at the open itself: on Unix
/// with `O_NONBLOCK`, so a FIFO with no writer opens at once (and is then
/// refused as not a regular file) instead of blocking. Reads of a regular
/// file are not affected by the flag. Elsewhere a plain open.
pub fn open_for_reading(path: &Path) -> io::Result<File> {
    imp::open_for_reading(path)
}

/// Creates `path` for writing; fails if it exists. On Unix the file gets
/// mode 0600 when `owner_only` (secret keys), else 0644. Elsewhere it gets
/// the access its directory gives new files, whatever `owner_only` says.
#[cfg(any(feature = "signing", feature = "device"))]
pub fn create_new(path: &Path, owner_only: bool) -> io::Result<File> {
    imp::create_new(path, owner_only)
}

/// The permission bits of a file (`mode & 0o777`) on Unix; `None` where
/// files have none.
#[cfg(all(test, any(feature = "signing", feature = "device")))]
pub fn permission_bits(meta: &std::fs::Metadata) -> Option<u32> {
    imp::permission_bits(meta)
}

#[cfg(unix)]
mod imp {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;

    pub fn open_for_reading(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
    }

    #[cfg(any(feature = "signing", feature = "device"))]
    pub fn create_new(path: &Path, owner_only: bool) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(if owner_only { 0o600 } else { 0o644 })
            .open(path)
    }

    #[cfg(all(test, any(feature = "signing", feature = "device")))]
    pub fn permission_bits(meta: &std::fs::Metadata) -> Option<u32> {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o777)
    }
}

#[cfg(not(unix))]
mod imp {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::path::Path;

    pub fn open_for_reading(path: &Path) -> io::Result<File> {
        File::open(path)
    }

    #[cfg(any(feature = "signing", feature = "device"))]
    pub fn create_new(path: &Path, _owner_only: bool) -> io::Result<File> {
        OpenOptions::new().write(true).create_new(true).open(path)
    }

    #[cfg(all(test, any(feature = "signing", feature = "device")))]
    pub fn permission_bits(_: &std::fs::Metadata) -> Option<u32> {
        None
    }
}
