//! The whole read path on arbitrary bytes, as a stick could hand it over.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let trust = bundle_fuzz::fuzz_trust();
    let _ = bundle_fuzz::verify_bytes(data, &trust, None);
});
