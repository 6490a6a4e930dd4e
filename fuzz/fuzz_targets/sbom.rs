//! The SBOM reader: any bytes, as `inspect` meets them before any signature
//! is checked. Whatever it accepts, the manifest entry it derives accepts too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(summary) = bundle_verifier::format::sbom::parse(data) {
        let again = summary.to_ref().check(data).expect("its own entry accepts it");
        assert_eq!(again, summary);
    }
});
