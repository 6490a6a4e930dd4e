//! Every bound in `bundle_verifier::Limits` refuses input past it, with a
//! message that names the limit. Each is lowered here so the small base
//! bundle of the attack corpus crosses it; the default values are crossed
//! end to end by the attack corpus (overlong paths, 33 MiB manifest, ...).

use bundle_keys::signing::FileKey;
use bundle_keys::signing::Signer;
use bundle_verifier::{Limits, TrustedKeys, VerifyOptions};
use e2e_tests::craft::{self, Parts};

fn verify_with(bundle: &[u8], key: &FileKey, limits: Limits) -> Result<(), String> {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), bundle).unwrap();
    let trust = TrustedKeys::new(vec![key.public_key().clone()], 1).unwrap();
    let opts = VerifyOptions { limits, deep: true };
    bundle_verifier::verify(f.path(), &trust, &opts, &|_| {})
        .map(|_| ())
        .map_err(|e| {
            assert_eq!(e.class(), bundle_verifier::ExitClass::Refused, "{e}");
            e.to_string()
        })
}

fn refused(bundle: &[u8], key: &FileKey, limits: Limits, says: &str) {
    let err = verify_with(bundle, key, limits).expect_err("over the limit");
    assert!(err.contains(says), "{err:?} does not say {says:?}");
}

#[test]
fn the_base_bundle_is_within_the_default_limits() {
    let key = FileKey::generate();
    verify_with(&Parts::base().signed_by(&key), &key, Limits::default()).unwrap();
}

#[test]
fn every_limit_refuses_with_a_message_naming_it() {
    let key = FileKey::generate();
    let other = FileKey::generate();
    let base = Parts::base();
    let good = base.signed_by(&key);
    let d = Limits::default;
    let manifest_len = base.manifest_bytes().len();
    refused(
        &good,
        &key,
        Limits {
            max_manifest_bytes: 100,
            ..d()
        },
        &format!("manifest.json in bytes: {manifest_len} exceeds the limit of 100"),
    );
    refused(
        &good,
        &key,
        Limits {
            max_signatures_bytes: 50,
            ..d()
        },
        "signatures.json in bytes",
    );
    let two_sigs = {
        let m = base.manifest_bytes();
        craft::container(&m, &craft::signatures(&m, &[&key, &other]), &base.payload)
    };
    refused(
        &two_sigs,
        &key,
        Limits {
            max_signatures: 1,
            ..d()
        },
        "number of signatures: 2 exceeds the limit of 1",
    );
    refused(
        &good,
        &key,
        Limits {
            max_targets: 2,
            ..d()
        },
        "targets: 3 exceeds the limit of 2",
    );
    refused(
        &good,
        &key,
        Limits {
            max_files: 5,
            ..d()
        },
        "file entries: 6 exceeds the limit of 5",
    );
    refused(
        &good,
        &key,
        Limits {
            max_blobs: 2,
            ..d()
        },
        "blobs: 3 exceeds the limit of 2",
    );
    refused(
        &good,
        &key,
        Limits {
            max_path_bytes: 16,
            ..d()
        },
        "the limit is 16",
    );
    refused(
        &good,
        &key,
        Limits {
            max_component_bytes: 8,
            ..d()
        },
        "the limit is 8",
    );
    refused(
        &good,
        &key,
        Limits {
            max_path_depth: 2,
            ..d()
        },
        "nested 3 directories deep; the limit is 2",
    );
    refused(
        &good,
        &key,
        Limits {
            max_total_bytes: 10,
            ..d()
        },
        "total payload bytes",
    );
    refused(
        &good,
        &key,
        Limits {
            max_text_bytes: 10,
            ..d()
        },
        "release title bytes",
    );
    let wide = Parts::base()
        .with_payload(craft::zstd_frame_by_hand(&base.tar, 0, 20))
        .signed_by(&key);
    verify_with(&wide, &key, d()).expect("a 1 MiB window is within the default");
    refused(
        &wide,
        &key,
        Limits {
            zstd_window_log_max: 19,
            ..d()
        },
        "Frame requires too much memory",
    );
}
