//! Signing with Ed25519 keys held in a real PKCS#11 token: SoftHSM2, with a
//! token created for the test in a temporary directory. Not skipped when
//! SoftHSM2 is missing: it fails and says how to install it.

use std::path::{Path, PathBuf};
use std::process::Command;

use e2e_tests::trust_kit::*;
use e2e_tests::*;

const TOKEN: &str = "release-hsm";
const PIN: &str = "5678";

fn module() -> PathBuf {
    if let Some(m) = std::env::var_os("SOFTHSM2_MODULE") {
        return m.into();
    }
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .expect("SoftHSM2 is not installed: `apt-get install softhsm2` (.ci/run does), or set SOFTHSM2_MODULE")
}

/// A fresh SoftHSM2 token store with one initialised token; returns the config path.
fn token(dir: &Path) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    ok(Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", TOKEN])
        .args(["--so-pin", "1234", "--pin", PIN]));
    conf
}

fn with_token(mut c: Command, conf: &Path, key: &str) -> Command {
    c.env("SOFTHSM2_CONF", conf)
        .env("BUNDLE_PKCS11_PIN", PIN)
        .arg("--pkcs11-module")
        .arg(module())
        .args(["--pkcs11-token", TOKEN, "--pkcs11-key", key]);
    c
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs SoftHSM2, a Linux PKCS#11 module, and softhsm2-util"
)]
fn softhsm_token_keys_build_cosign_and_sign_a_trust_root_that_verifies() {
    let v = Vendor::new();
    let conf = token(v.s.dir.path());
    for name in ["hsm-root", "hsm-rel1", "hsm-rel2"] {
        let mut c = builder();
        c.arg("keygen").arg("--out").arg(v.path(name));
        ok(&mut with_token(c, &conf, name));
    }
    // `pubkey` reads back the same public half keygen wrote.
    let mut c = builder();
    c.arg("pubkey").arg("--out").arg(v.path("again.pub"));
    ok(&mut with_token(c, &conf, "hsm-rel1"));
    assert_eq!(
        std::fs::read(v.path("again.pub")).unwrap(),
        std::fs::read(v.path("hsm-rel1.pub")).unwrap()
    );

    let root = v.init(
        "root.json",
        &["hsm-root"],
        1,
        &["hsm-rel1", "hsm-rel2"],
        2,
        &[],
    );
    let mut c = builder();
    c.args(["trust", "sign"]).arg(&root);
    ok(&mut with_token(c, &conf, "hsm-root"));

    let bundle = v.path("hsm.bundle");
    let mut c = builder();
    c.arg("build")
        .arg(v.spec("s", 1, &[]))
        .arg("--out")
        .arg(&bundle);
    ok(&mut with_token(c, &conf, "hsm-rel1"));
    refused(v.verify(&bundle, &root), "1 of 2 release keys needed");

    let mut c = builder();
    c.arg("cosign").arg(&bundle);
    ok(&mut with_token(c, &conf, "hsm-rel2"));
    let out = ok(verifier()
        .arg("verify")
        .arg(&bundle)
        .arg("--trust-root")
        .arg(&root)
        .arg("--json"));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut want = vec![v.id("hsm-rel1"), v.id("hsm-rel2")];
    want.sort();
    assert_eq!(counted_keys(&j), want);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs SoftHSM2, a Linux PKCS#11 module, and softhsm2-util"
)]
fn softhsm_wrong_pin_or_unknown_key_is_a_clear_usage_error() {
    let s = Scratch::new();
    let conf = token(s.dir.path());
    let mut c = builder();
    c.arg("pubkey").arg("--out").arg(s.path("x.pub"));
    let out = run(with_token(c, &conf, "nope").env("BUNDLE_PKCS11_PIN", "0000"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("login failed"));
    let mut c = builder();
    c.arg("pubkey").arg("--out").arg(s.path("x.pub"));
    let out = run(&mut with_token(c, &conf, "nope"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Ed25519 key pair labelled \"nope\""));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs SoftHSM2, a Linux PKCS#11 module, and softhsm2-util"
)]
fn softhsm_token_key_signs_a_detached_approval_that_attach_adds() {
    let v = Vendor::new();
    let conf = token(v.s.dir.path());
    let mut c = builder();
    c.arg("keygen").arg("--out").arg(v.path("hsm-bob"));
    ok(&mut with_token(c, &conf, "hsm-bob"));
    let root = v.init("root.json", &["root"], 1, &["alice", "hsm-bob"], 2, &[]);
    v.sign(&root, &["root"]);
    let bundle = v.build("b", &v.spec("s", 1, &[]), "alice", &[&root]);
    refused(v.verify(&bundle, &root), "1 of 2 release keys needed");

    // Only the manifest travels to the token's room.
    let manifest = v.path("release.manifest.json");
    ok(builder()
        .arg("manifest")
        .arg(&bundle)
        .arg("--out")
        .arg(&manifest));
    let approval = v.path("approval.sig.json");
    let mut c = builder();
    c.arg("sign-manifest")
        .arg(&manifest)
        .arg("--out")
        .arg(&approval);
    ok(&mut with_token(c, &conf, "hsm-bob"));
    ok(builder().arg("attach").arg(&bundle).arg(&approval));
    let out = ok(verifier()
        .arg("verify")
        .arg(&bundle)
        .arg("--trust-root")
        .arg(&root)
        .arg("--json"));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut want = vec![v.id("alice"), v.id("hsm-bob")];
    want.sort();
    assert_eq!(counted_keys(&j), want);
}
