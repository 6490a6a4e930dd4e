//! Whole files read from disk within a bound. Key files, identities,
//! registries, receipts, trust roots, state records and specs are read into
//! memory whole; each must be a regular file (not a device such as
//! `/dev/zero`, a FIFO or a directory) and at most its limit in [`Limits`].
//! The file is opened once, its type checked on the opened handle, and at
//! most one byte more than the limit is read, so an endless or huge file is
//! refused after reading a bounded amount, and a FIFO without a writer is
//! refused without waiting.

use std::io::Read;
use std::path::Path;

use crate::error::Error;
use crate::format::limits::Limits;
use crate::platform;

/// What kind of file is read: it names the file in messages and picks its
/// limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A public or secret key, or a passphrase file (read by the key crate).
    KeyFile,
    /// The instrument identity (`ID.toml`).
    Identity,
    /// The instrument config file (`config.toml`).
    Config,
    /// The device registry of `report`.
    Registry,
    /// A receipt an instrument signed.
    Receipt,
    /// A trust root document.
    TrustRoot,
    /// A JSON record in the state directory.
    StateRecord,
    /// A copy of an installed `manifest.json` in the state directory.
    Manifest,
    /// A copy of an installed `signatures.json` in the state directory.
    Signatures,
    /// An SBOM the builder carries.
    Sbom,
    /// A release spec the builder reads.
    Spec,
}

impl InputKind {
    /// The most bytes a file of this kind may have.
    pub fn limit(self, l: &Limits) -> u64 {
        match self {
            InputKind::KeyFile => l.max_key_file_bytes,
            InputKind::Identity | InputKind::Config => l.max_identity_bytes,
            InputKind::Registry => l.max_registry_bytes,
            InputKind::Receipt => l.max_receipt_bytes,
            InputKind::TrustRoot => l.max_trust_root_bytes,
            InputKind::StateRecord => l.max_state_record_bytes,
            InputKind::Manifest => l.max_manifest_bytes,
            InputKind::Signatures => l.max_signatures_bytes,
            InputKind::Sbom => l.max_sbom_bytes,
            InputKind::Spec => l.max_spec_bytes,
        }
    }
}

/// Why a bounded read gave no bytes, before a caller words it.
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading failed (missing file, no permission, ...).
    Io(std::io::Error),
    /// A device, FIFO, socket or directory.
    NotARegularFile,
    /// More bytes than the limit.
    TooLarge,
}

/// The bytes of `path`, if it is a regular file of at most `limit` bytes.
/// Reads at most `limit + 1` bytes whatever the file is.
pub fn read_at_most(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let f = match platform::open_for_reading(path) {
        Ok(f) => f,
        // Some platforms cannot open a directory at all; say what it is.
        Err(_) if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => {
            return Err(ReadError::NotARegularFile)
        }
        Err(e) => return Err(ReadError::Io(e)),
    };
    read_opened_at_most(f, limit)
}

/// [`read_at_most`] of a file already opened (e.g. relative to a directory
/// handle by [`crate::platform::Tree`]).
pub fn read_opened_at_most(f: std::fs::File, limit: u64) -> Result<Vec<u8>, ReadError> {
    // The type of what was opened, not of what the path named a moment ago.
    let meta = f.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotARegularFile);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge);
    }
    // The size may grow while reading, or be wrong (`/proc`): read no more
    // than one byte past the limit either way.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

/// The bytes of `path`, a file of `kind`, if it is a regular file of at
/// most `limit` bytes; otherwise an error naming the file, its kind and the
/// limit.
pub fn read_bounded(path: &Path, kind: InputKind, limit: u64) -> Result<Vec<u8>, Error> {
    read_at_most(path, limit).map_err(|e| read_error(e, path, kind, limit))
}

/// [`read_input`] of a file already opened; `path` names it in messages.
pub fn read_opened(
    f: std::fs::File,
    path: &Path,
    kind: InputKind,
    limits: &Limits,
) -> Result<Vec<u8>, Error> {
    let limit = kind.limit(limits);
    read_opened_at_most(f, limit).map_err(|e| read_error(e, path, kind, limit))
}

fn read_error(e: ReadError, path: &Path, kind: InputKind, limit: u64) -> Error {
    match e {
        ReadError::Io(source) => Error::Io {
            what: "cannot read",
            path: path.to_owned(),
            source,
        },
        ReadError::NotARegularFile => Error::NotARegularFile {
            kind,
            path: path.to_owned(),
            limit,
        },
        ReadError::TooLarge => Error::InputTooLarge {
            kind,
            path: path.to_owned(),
            limit,
        },
    }
}

/// [`read_bounded`] with the limit of `kind` in `limits`.
pub fn read_input(path: &Path, kind: InputKind, limits: &Limits) -> Result<Vec<u8>, Error> {
    read_bounded(path, kind, kind.limit(limits))
}

/// Whether `e` is a failed read of a file that does not exist.
pub fn is_not_found(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_exactly_the_limit_is_read_whole() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        std::fs::write(&p, b"1234").unwrap();
        assert_eq!(read_bounded(&p, InputKind::Receipt, 4).unwrap(), b"1234");
        std::fs::write(&p, b"").unwrap();
        assert!(read_bounded(&p, InputKind::Receipt, 0).unwrap().is_empty());
    }

    #[test]
    fn one_byte_over_the_limit_is_refused_naming_file_kind_and_limit() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big.json");
        std::fs::write(&p, b"12345").unwrap();
        let e = read_bounded(&p, InputKind::Receipt, 4).unwrap_err();
        assert!(matches!(e, Error::InputTooLarge { limit: 4, .. }), "{e}");
        let msg = e.to_string();
        for part in ["receipt", "big.json", "4 bytes"] {
            assert!(msg.contains(part), "{msg:?} does not say {part:?}");
        }
        assert_eq!(e.class(), crate::ExitClass::Usage);
    }

    #[test]
    fn a_directory_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let e = read_bounded(d.path(), InputKind::Identity, 10).unwrap_err();
        assert!(matches!(e, Error::NotARegularFile { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("instrument identity"), "{msg}");
        assert!(msg.contains("10 bytes"), "{msg}");
    }

    #[test]
    fn a_missing_file_is_an_io_error_that_says_so() {
        let d = tempfile::tempdir().unwrap();
        let e = read_bounded(&d.path().join("none"), InputKind::StateRecord, 10).unwrap_err();
        assert!(is_not_found(&e), "{e}");
    }

    /// `/dev/zero` is endless; it is refused by its type, before any read.
    #[test]
    fn an_endless_device_is_refused_at_once() {
        let zero = Path::new("/dev/zero");
        if !zero.exists() {
            return; // no such device here
        }
        let e = read_bounded(zero, InputKind::KeyFile, 1 << 30).unwrap_err();
        assert!(matches!(e, Error::NotARegularFile { .. }), "{e}");
    }

    /// A FIFO without a writer would block a plain open; it is refused at once.
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            return; // no FIFOs here
        }
        let e = read_bounded(&p, InputKind::Registry, 10).unwrap_err();
        assert!(matches!(e, Error::NotARegularFile { .. }), "{e}");
    }

    #[test]
    fn every_kind_has_its_limit_and_a_name_in_every_language() {
        use InputKind::*;
        let l = Limits::default();
        for (kind, limit) in [
            (KeyFile, 64 << 10),
            (Identity, 64 << 10),
            (Registry, 16 << 20),
            (Receipt, 64 << 20),
            (TrustRoot, 256 << 10),
            (StateRecord, 64 << 20),
            (Manifest, 32 << 20),
            (Signatures, 64 << 10),
            (Sbom, 16 << 20),
            (Spec, 1 << 20),
        ] {
            assert_eq!(kind.limit(&l), limit, "{kind:?}");
            for lang in crate::i18n::Lang::all() {
                let name = crate::error::input_kind(lang, kind);
                assert!(!name.is_empty() && !name.starts_with("input-"), "{kind:?}");
            }
        }
        assert_eq!(l.max_key_file_bytes, bundle_keys::MAX_KEY_FILE_BYTES);
    }
}
