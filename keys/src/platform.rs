//! Every OS-specific call of the key crate, behind one small interface, so
//! the rest of the crate has no `cfg` for the operating system. Each
//! function says what it does where the OS lacks the feature.

use std::fs::File;
use std::io;
use std::path::Path;

/// Creates `path` for writing; fails if it exists. On Unix the file gets
/// mode 0600 when `owner_only` (secret keys), else 0644. Elsewhere it gets
/// the access its directory gives new files, whatever `owner_only` says.
pub fn create_new(path: &Path, owner_only: bool) -> io::Result<File> {
    imp::create_new(path, owner_only)
}

/// The permission bits of a file (`mode & 0o777`) on Unix; `None` where
/// files have none.
#[cfg(test)]
pub fn permission_bits(meta: &std::fs::Metadata) -> Option<u32> {
    imp::permission_bits(meta)
}

#[cfg(unix)]
mod imp {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;

    pub fn create_new(path: &Path, owner_only: bool) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(if owner_only { 0o600 } else { 0o644 })
            .open(path)
    }

    #[cfg(test)]
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

    pub fn create_new(path: &Path, _owner_only: bool) -> io::Result<File> {
        OpenOptions::new().write(true).create_new(true).open(path)
    }

    #[cfg(test)]
    pub fn permission_bits(_: &std::fs::Metadata) -> Option<u32> {
        None
    }
}
