//! The device registry reader of `report`: UTF-8, TOML, the entries, key
//! files named relative to the registry, unique serials and device keys.
//! Key files are not read from disk: each name maps to its own key (or to
//! none), so mutations reach every check after the keys.
#![no_main]

use std::path::Path;

use bundle_verifier::audit::registry::Registry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reg) = Registry::parse(
        data,
        Path::new("fleet/registry.toml"),
        &bundle_fuzz::key_named,
    ) else {
        return;
    };
    for d in &reg.devices {
        assert!(
            !d.modes.is_empty(),
            "{} was accepted without a mode",
            d.serial
        );
        let by_serial = reg.by_serial(&d.serial).expect("indexed by serial");
        assert_eq!(by_serial.serial, d.serial);
        let by_key = reg.by_key(d.public_key.key_id()).expect("indexed by key");
        assert_eq!(by_key.serial, d.serial, "two devices share a key");
    }
});
