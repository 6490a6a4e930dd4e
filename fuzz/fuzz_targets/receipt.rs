//! Receipt files, as `report` and `receipts verify` read them: arbitrary
//! bytes through `peek_receipt` and `verify_receipt`, then the input's
//! `receipt` object (or the whole input) re-signed with the fuzz device key
//! so mutations reach the schema behind the signature. Whatever is accepted
//! signs again to a receipt that verifies to the same content.
#![no_main]

use bundle_verifier::instrument::receipt::{peek_receipt, verify_receipt};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = bundle_fuzz::fuzz_device_key();
    let _ = peek_receipt(data);
    let _ = verify_receipt(data, key.public_key());
    let Some(signed) = bundle_fuzz::resign_receipt(data, &key) else {
        return;
    };
    if let Ok(r) = verify_receipt(&signed, key.public_key()) {
        let again = r.sign(&key);
        let back = verify_receipt(&again, key.public_key()).expect("a re-signed receipt verifies");
        assert_eq!(back, r, "a receipt changed when signed again");
    }
});
