//! The self-check: the finished container re-read with the verifier
//! library before it is renamed into place. Never changes the bytes.

use std::path::Path;

use bundle_keys::PublicKey;
use bundle_verifier::{Limits, TrustedKeys, VerifyOptions};

use crate::platform;
use crate::BuildError;

/// How the builder re-reads what it wrote.
#[derive(Clone, Copy)]
pub(super) enum SelfCheck {
    /// Container, signatures, manifest and payload digest. Enough after
    /// `build`, whose compressed stream was checked blob by blob as it was
    /// produced; the payload digest binds the file to that stream.
    Shallow,
    /// Everything, decompressing again: `cosign` copies a payload it did
    /// not produce.
    Deep,
}

/// Re-reads the finished container in `tmp` with the verifier library
/// while another thread waits for the disk, and only when both are done
/// renames it to `out`. Returns its size.
pub(super) fn check_and_persist(
    tmp: tempfile::NamedTempFile,
    out: &Path,
    check: (&PublicKey, &Limits, SelfCheck),
) -> Result<u64, BuildError> {
    let (check_key, limits, check) = check;
    // A bundle is public; temporary files start owner-only.
    platform::make_readable_by_all(tmp.as_file())
        .map_err(BuildError::io("cannot set permissions on", out))?;
    let trust = TrustedKeys::new(vec![check_key.clone()], 1).map_err(BuildError::SelfCheck)?;
    let opts = VerifyOptions {
        limits: limits.clone(),
        deep: matches!(check, SelfCheck::Deep),
    };
    let (checked, synced) = std::thread::scope(|s| {
        let file = tmp.as_file();
        let sync = s.spawn(move || file.sync_all());
        let checked = bundle_verifier::verify(tmp.path(), &trust, &opts, &|_| {});
        (checked, sync.join().expect("sync thread does not panic"))
    });
    checked.map_err(BuildError::SelfCheck)?;
    synced.map_err(BuildError::io("cannot sync", out))?;
    let total = tmp
        .as_file()
        .metadata()
        .map_err(BuildError::io("cannot stat", out))?
        .len();
    tmp.persist(out)
        .map_err(|e| BuildError::io("cannot create", out)(e.error))?;
    Ok(total)
}
