//! The manifest parser: never panics, and whatever it accepts is exactly
//! the canonical encoding of what it parsed (one manifest, one spelling).
#![no_main]

use bundle_verifier::format::manifest::Manifest;
use bundle_verifier::{Identity, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(m) = Manifest::parse(data, &Limits::default()) else {
        return;
    };
    assert_eq!(m.to_canonical_bytes(), data, "accepted a non-canonical manifest");
    let _ = m.payload_tar_size();
    let id = Identity {
        model: "NextSeq 550Dx".into(),
        udi_di: Some("00816270020125".into()),
        serial: "NB551234".into(),
        mode: "Dx".into(),
        installed_version: "3.1.0".into(),
    };
    let _ = id.select(&m);
});
