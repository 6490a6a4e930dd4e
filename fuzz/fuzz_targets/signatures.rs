//! The signatures.json parser and the signature check behind it.
#![no_main]

use bundle_verifier::trust::SignatureFile;
use bundle_verifier::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(f) = SignatureFile::parse(data, &Limits::default()) else {
        return;
    };
    assert_eq!(f.to_canonical_bytes(), data, "accepted a non-canonical file");
    let trust = bundle_fuzz::fuzz_trust();
    let _ = trust.check(b"manifest", &f);
});
