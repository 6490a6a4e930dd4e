//! Shared pieces of the fuzz targets: the trusted fuzz key and the whole
//! read path of the verifier over bytes in memory.

use std::path::Path;

use bundle_keys::signing::{FileKey, Signer};
use bundle_verifier::envelope::EnvelopeReader;
use bundle_verifier::manifest::Manifest;
use bundle_verifier::payload::{read_payload, Sink};
use bundle_verifier::trust::SignatureFile;
use bundle_verifier::{Error, Limits, TrustedKeys};

/// A test key for fuzzing only, never trusted anywhere else; seeds are
/// signed with it (`fuzz/seed.sh`).
pub const FUZZ_KEY_PEM: &str = include_str!("../fuzz-test-key.pem");

pub fn fuzz_key() -> FileKey {
    FileKey::from_pem(FUZZ_KEY_PEM).expect("the fuzz key parses")
}

pub fn fuzz_trust() -> TrustedKeys {
    TrustedKeys::new(vec![fuzz_key().public_key().clone()], 1).expect("one key, threshold 1")
}

/// What `verify --deep` and `extract` do, over a byte slice: envelope,
/// signatures, manifest, then the payload, writing the first target's files
/// under `out` when given.
pub fn verify_bytes(bytes: &[u8], trust: &TrustedKeys, out: Option<&Path>) -> Result<(), Error> {
    let limits = Limits::default();
    let mut env = EnvelopeReader::new(bytes);
    let front = env.read_front(&limits)?;
    let sigs = SignatureFile::parse(&front.signatures, &limits)?;
    trust.check(&front.manifest, &sigs)?;
    let manifest = Manifest::parse(&front.manifest, &limits)?;
    let mut sink = Sink::default();
    if let (Some(dir), Some(t)) = (out, manifest.targets.first()) {
        for f in &t.files {
            let dest = f.path.join_to(dir);
            assert!(dest.starts_with(dir), "{} escapes {}", f.path, dir.display());
            sink.dests
                .entry(f.sha256)
                .or_default()
                .push((dest, f.executable));
        }
    }
    read_payload(&mut env, &manifest, Some(&sink), &limits, &|_| {})
}
