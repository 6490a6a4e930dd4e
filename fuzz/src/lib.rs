//! Shared pieces of the fuzz targets: the trusted fuzz key and the whole
//! read path of the verifier over bytes in memory.

use std::path::Path;

use bundle_keys::signing::{FileKey, Signer};
use bundle_verifier::format::envelope::EnvelopeReader;
use bundle_verifier::format::payload::{read_payload, Sink};
use bundle_verifier::{open_verified_from, Error, Limits, TrustedKeys};

/// A test key for fuzzing only, never trusted anywhere else; seeds are
/// signed with it (`fuzz/seed.sh`).
pub const FUZZ_KEY_PEM: &str = include_str!("../fuzz-test-key.pem");

pub fn fuzz_key() -> FileKey {
    FileKey::from_pem(FUZZ_KEY_PEM).expect("the fuzz key parses")
}

pub fn fuzz_trust() -> TrustedKeys {
    TrustedKeys::new(vec![fuzz_key().public_key().clone()], 1).expect("one key, threshold 1")
}

/// What `verify --deep` and `extract` do, over a byte slice: the library's
/// own open path (envelope, trust roots, signatures, manifest), then the
/// payload, writing the first target's files under `out` when given.
pub fn verify_bytes(bytes: &[u8], trust: &TrustedKeys, out: Option<&Path>) -> Result<(), Error> {
    let limits = Limits::default();
    let mut o = open_verified_from(EnvelopeReader::new(bytes), trust, &limits)?;
    let mut sink = Sink::default();
    if let (Some(dir), Some(t)) = (out, o.manifest.targets.first()) {
        for f in &t.files {
            let dest = f.path.join_to(dir);
            assert!(dest.starts_with(dir), "{} escapes {}", f.path, dir.display());
            sink.dests
                .entry(f.sha256)
                .or_default()
                .push((dest, f.executable));
        }
    }
    read_payload(&mut o.env, &o.manifest, Some(&sink), &limits, &|_| {})
}
