//! Secret key files: encrypted PKCS#8 that OpenSSL reads with the same
//! passphrase, passphrases from a file or the environment, never echoed.

use std::process::Command;

use e2e_tests::trust_kit::*;
use e2e_tests::*;

const PASS: &str = "Tr0ub4dor&3 correct horse";

#[test]
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
    let spec = v.spec("s", 1, &[]);
    ok(builder()
        .arg("build")
        .arg(&spec)
        .arg("--key")
        .arg(s.path("rel.key"))
        .arg("--out")
        .arg(s.path("a.bundle"))
        .env("BUNDLE_KEY_PASSPHRASE", PASS));
    ok(verifier()
        .arg("verify")
        .arg(s.path("a.bundle"))
        .arg("--trusted-key")
        .arg(s.path("rel.pub")));

    // Without or with a wrong passphrase: a usage error that says what to do.
    let out = run(builder()
        .arg("build")
        .arg(&spec)
        .arg("--key")
        .arg(s.path("rel.key"))
        .arg("--out")
        .arg(s.path("b.bundle"))
        .env_remove("BUNDLE_KEY_PASSPHRASE"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"));
    let out = run(builder()
        .arg("build")
        .arg(&spec)
        .arg("--key")
        .arg(s.path("rel.key"))
        .arg("--out")
        .arg(s.path("b.bundle"))
        .env("BUNDLE_KEY_PASSPHRASE", "wrong guess"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wrong passphrase") && !err.contains("wrong guess"));
}

#[test]
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
    ok(builder()
        .arg("build")
        .arg(v.spec("s", 1, &[]))
        .arg("--key")
        .arg(s.path("ossl.key"))
        .arg("--out")
        .arg(s.path("a.bundle"))
        .env("BUNDLE_KEY_PASSPHRASE", PASS));
    ok(verifier()
        .arg("verify")
        .arg(s.path("a.bundle"))
        .arg("--trusted-key")
        .arg(s.path("ossl.pub")));
}

#[test]
fn plain_key_is_pkcs8_v1_that_openssl_reads() {
    let s = Scratch::new();
    let (key, public) = s.keygen("rel");
    let derived = ok(Command::new("openssl")
        .args(["pkey", "-in"])
        .arg(&key)
        .arg("-pubout"));
    assert_eq!(derived.stdout, std::fs::read(public).unwrap());
}
