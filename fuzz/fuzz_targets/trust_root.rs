//! Trust root documents: the parser, and the step from an installed root
//! to one a bundle carries.
#![no_main]

use bundle_keys::root::RootDocument;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = RootDocument::parse(data) else {
        return;
    };
    assert_eq!(doc.bytes, data, "accepted a non-canonical trust root");
    let Ok(keys) = bundle_verifier::TrustedKeys::from_root(doc.clone()) else {
        return;
    };
    let _ = keys.advance(&[(doc.version(), data.to_vec())]);
    let _ = keys.advance(&[(doc.version().saturating_add(1), data.to_vec())]);
});
