//! Secret key files: encrypted PKCS#8 that OpenSSL reads with the same
//! passphrase, passphrases from a file or the environment, never echoed.

use std::path::Path;
use std::process::{Command, Output};

use e2e_tests::trust_kit::*;
use e2e_tests::*;

const PASS: &str = "Tr0ub4dor&3 correct horse";

/// `build` of the example with `key`, the passphrase in the environment.
fn build(v: &Vendor, key: &Path, out: &Path, passphrase: Option<&str>) -> Output {
    let mut c = builder();
    c.arg("build")
        .arg(v.spec("s", 1, &[]))
        .arg("--key")
        .arg(key)
        .arg("--out")
        .arg(out)
        .env_remove("BUNDLE_KEY_PASSPHRASE");
    if let Some(p) = passphrase {
        c.env("BUNDLE_KEY_PASSPHRASE", p);
    }
    run(&mut c)
}

fn verify_with(bundle: &Path, public: &Path) {
    ok(verifier()
        .arg("verify")
        .arg(bundle)
        .arg("--trusted-key")
        .arg(public));
}

#[test]
#[cfg_attr(windows, ignore = "runs the openssl command-line tool")]
fn encrypted_key_is_pbes2_pkcs8_that_openssl_reads_with_the_same_passphrase() {
    let s = Scratch::new();
    let pass_file = s.path("pass.txt");
    std::fs::write(&pass_file, format!("{PASS}\n")).unwrap();
    let out = ok(builder()
        .arg("keygen")
        .arg("--out")
        .arg(s.path("rel"))
        .arg("--passphrase-file")
        .arg(&pass_file));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(PASS), "the passphrase is never echoed");
    let pem = std::fs::read_to_string(s.path("rel.key")).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));

    // OpenSSL decrypts it and derives the same public key.
    let derived = ok(Command::new("openssl")
        .args(["pkey", "-in"])
        .arg(s.path("rel.key"))
        .arg("-passin")
        .arg(format!("file:{}", pass_file.display()))
        .arg("-pubout"));
    assert_eq!(
        derived.stdout,
        std::fs::read(s.path("rel.pub")).unwrap(),
        "openssl derives the .pub keygen wrote"
    );
    let asn1 = ok(Command::new("openssl")
        .args(["asn1parse", "-in"])
        .arg(s.path("rel.key")));
    let asn1 = String::from_utf8_lossy(&asn1.stdout);
    assert!(asn1.contains("PBES2") && asn1.contains("PBKDF2") && asn1.contains("aes-256-cbc"));

    // Build with the passphrase from the environment.
    let v = Vendor::new();
    succeeded(
        "build",
        build(&v, &s.path("rel.key"), &s.path("a.bundle"), Some(PASS)),
    );
    verify_with(&s.path("a.bundle"), &s.path("rel.pub"));

    // Without or with a wrong passphrase: a usage error that says what to do.
    let out = build(&v, &s.path("rel.key"), &s.path("b.bundle"), None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"));
    let out = build(
        &v,
        &s.path("rel.key"),
        &s.path("b.bundle"),
        Some("wrong guess"),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wrong passphrase") && !err.contains("wrong guess"));
}

#[test]
#[cfg_attr(windows, ignore = "runs the openssl command-line tool")]
fn a_key_encrypted_by_openssl_signs_with_its_passphrase() {
    let s = Scratch::new();
    ok(Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-aes-256-cbc", "-pass"])
        .arg(format!("pass:{PASS}"))
        .arg("-out")
        .arg(s.path("ossl.key")));
    let v = Vendor::new();
    ok(builder()
        .arg("pubkey")
        .arg("--key")
        .arg(s.path("ossl.key"))
        .arg("--out")
        .arg(s.path("ossl.pub"))
        .env("BUNDLE_KEY_PASSPHRASE", PASS));
    succeeded(
        "build",
        build(&v, &s.path("ossl.key"), &s.path("a.bundle"), Some(PASS)),
    );
    verify_with(&s.path("a.bundle"), &s.path("ossl.pub"));
}

#[test]
#[cfg_attr(windows, ignore = "runs the openssl command-line tool")]
fn plain_key_is_pkcs8_v1_that_openssl_reads() {
    let s = Scratch::new();
    let (key, public) = s.keygen("rel");
    let derived = ok(Command::new("openssl")
        .args(["pkey", "-in"])
        .arg(&key)
        .arg("-pubout"));
    assert_eq!(derived.stdout, std::fs::read(public).unwrap());
}
