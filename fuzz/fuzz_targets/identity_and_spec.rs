//! The TOML inputs: the instrument identity and the release spec, from the
//! bytes of the file (the identity reader checks UTF-8 itself).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bundle_verifier::Identity::from_bytes(data, Path::new("identity.toml"));
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = bundle_verifier::Identity::parse(text, Path::new("identity.toml"));
    if let Ok(spec) = bundle_builder::Spec::parse(text, Path::new("release.toml")) {
        for t in &spec.targets {
            let _ = spec.files_dir(t);
        }
    }
});
