//! Reading key files (and passphrase files) within a bound: only a regular
//! file, and at most [`MAX_KEY_FILE_BYTES`] of it, so a path that names a
//! device (`/dev/zero`), a FIFO, a directory or a huge file is refused at
//! once instead of being read until memory runs out.

use std::io::Read;
use std::path::Path;

use crate::platform;
use crate::KeyError;

/// The largest key file read: a PEM key is well under 1 KiB, an encrypted
/// one under 2 KiB; the rest is room for comments around it.
pub const MAX_KEY_FILE_BYTES: u64 = 64 << 10;

/// The whole file as text, if it is a regular file of at most `limit` bytes.
pub(crate) fn read_key_file(path: &Path, limit: u64) -> Result<String, KeyError> {
    let io = |source| KeyError::Read {
        path: path.to_owned(),
        source,
    };
    let not_a_file = || KeyError::NotARegularFile {
        path: path.to_owned(),
        limit,
    };
    let f = match platform::open_for_reading(path) {
        Ok(f) => f,
        // Some platforms cannot open a directory at all; say what it is.
        Err(_) if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => return Err(not_a_file()),
        Err(e) => return Err(io(e)),
    };
    // The type of what was opened, not of what the path named a moment ago.
    if !f.metadata().map_err(io)?.is_file() {
        return Err(not_a_file());
    }
    let mut bytes = Vec::new();
    f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(KeyError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            e.utf8_error(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_regular_file_is_read_whole() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("k.pem");
        std::fs::write(&p, "abc\n").unwrap();
        assert_eq!(read_key_file(&p, 4).unwrap(), "abc\n");
    }

    #[test]
    fn one_byte_over_the_limit_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("k.pem");
        std::fs::write(&p, "abcde").unwrap();
        let e = read_key_file(&p, 4).unwrap_err();
        assert!(matches!(e, KeyError::TooLarge { limit: 4, .. }), "{e}");
        assert!(e.to_string().contains("k.pem"), "{e}");
        assert!(e.to_string().contains("4 bytes"), "{e}");
    }

    #[test]
    fn a_directory_is_not_a_key_file() {
        let d = tempfile::tempdir().unwrap();
        let e = read_key_file(d.path(), MAX_KEY_FILE_BYTES).unwrap_err();
        assert!(matches!(e, KeyError::NotARegularFile { .. }), "{e}");
        assert!(e.to_string().contains("65536"), "{e}");
    }

    #[test]
    fn a_missing_file_is_an_io_error() {
        let d = tempfile::tempdir().unwrap();
        let e = read_key_file(&d.path().join("none"), 10).unwrap_err();
        assert!(matches!(e, KeyError::Read { .. }), "{e}");
    }

    #[test]
    fn text_that_is_not_utf8_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("k.pem");
        std::fs::write(&p, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_key_file(&p, 10).unwrap_err(),
            KeyError::Read { .. }
        ));
    }

    #[test]
    fn devices_are_refused_without_reading() {
        let zero = Path::new("/dev/zero");
        if !zero.exists() {
            return; // no such device here
        }
        let e = read_key_file(zero, MAX_KEY_FILE_BYTES).unwrap_err();
        assert!(matches!(e, KeyError::NotARegularFile { .. }), "{e}");
    }
}
