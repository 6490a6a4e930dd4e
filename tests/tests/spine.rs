//! The spine end to end: keygen → build → verify → apply on the example release.

use e2e_tests::*;

#[test]
fn build_verify_apply_gives_a_root_whose_files_equal_the_payload() {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let bundle = s.build(&example().join("release.toml"), &key, "fsn");
    verifier()
        .arg("verify")
        .arg(&bundle)
        .arg("--trusted-key")
        .arg(&public)
        .assert()
        .success();
    let root = s.instrument_root("root");
    let before = snapshot(&root);
    verifier()
        .arg("apply")
        .arg(&bundle)
        .arg("--trusted-key")
        .arg(&public)
        .arg("--instrument")
        .arg(example().join("instruments/nextseq-dx.toml"))
        .arg("--root")
        .arg(&root)
        .arg("--state")
        .arg(s.path("state"))
        .arg("--confirm")
        .arg("backup")
        .assert()
        .success();
    let after = snapshot(&root);
    let payload = snapshot(&example().join("payload/nextseq"));
    for (path, entry) in &payload {
        assert_eq!(after.get(path), Some(entry), "{path} equals the payload");
    }
    for (path, entry) in &before {
        if !payload.contains_key(path) {
            assert_eq!(
                after.get(path),
                Some(entry),
                "{path} outside the payload is untouched"
            );
        }
    }
}
