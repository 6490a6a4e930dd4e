//! Detached approval through the real `bundle-builder`: `manifest` writes
//! a bundle's exact signed manifest bytes, `sign-manifest` signs them where
//! the bundle is not, `attach` adds the signature once it checks (same
//! bytes, a key the carried trust root counts, not a signer already).

use std::path::{Path, PathBuf};
use std::process::Output;

use e2e_tests::trust_kit::*;
use e2e_tests::*;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Asserts exit 2 and that stderr says `what`, with a hint.
fn usage(o: Output, what: &str) {
    let e = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected exit 2 saying {what:?}: {e}"
    );
    assert!(e.contains(what), "stderr does not say {what:?}:\n{e}");
    assert!(e.contains("\nhint: "), "every error has a hint:\n{e}");
}

/// `manifest` then `sign-manifest` with `key`; the approval file.
fn approve(v: &Vendor, bundle: &Path, key: &str, name: &str) -> PathBuf {
    let manifest = v.path(&format!("{name}.manifest.json"));
    ok(builder()
        .arg("manifest")
        .arg(bundle)
        .arg("--out")
        .arg(&manifest));
    let approval = v.path(&format!("{name}.sig.json"));
    ok(builder()
        .arg("sign-manifest")
        .arg(&manifest)
        .arg("--key")
        .arg(v.key(key))
        .arg("--out")
        .arg(&approval));
    approval
}

fn attach(bundle: &Path, approval: &Path) -> Output {
    run(builder().arg("attach").arg(bundle).arg(approval))
}

#[test]
fn detached_approval_adds_a_second_signature_that_counts() {
    let v = Vendor::new();
    let root = v.init("root.json", &["root"], 1, &["alice", "bob"], 2, &[]);
    v.sign(&root, &["root"]);
    let spec = v.spec("s", 1, &["MiSeqDx"]);
    let b = v.build("b", &spec, "alice", &[&root]);
    refused(v.verify(&b, &root), "1 of 2 release keys needed");

    // The manifest written is the bundle's exact signed member.
    let approval = approve(&v, &b, "bob", "bob");
    let member = members(&b)
        .into_iter()
        .find(|(n, _)| n == "manifest.json")
        .unwrap()
        .1;
    assert!(std::fs::read(v.path("bob.manifest.json")).unwrap() == member);
    let a: serde_json::Value = serde_json::from_slice(&std::fs::read(&approval).unwrap()).unwrap();
    assert_eq!(a["key_id"], v.id("bob").as_str());
    assert_eq!(a["algorithm"], "ed25519");
    assert_eq!(a["manifest_sha256"].as_str().unwrap().len(), 64);

    // Refused: another key not in the trust root; an approval of other bytes.
    let carol = approve(&v, &b, "carol", "carol");
    let before = std::fs::read(&b).unwrap();
    usage(attach(&b, &carol), "would not count");
    let other = v.build("other", &v.spec("s2", 2, &["MiSeqDx"]), "alice", &[&root]);
    let elsewhere = approve(&v, &other, "bob", "other");
    usage(attach(&b, &elsewhere), "approves the manifest with SHA-256");
    // The right digest, a signature over other bytes.
    let mut forged = a.clone();
    forged["signature"] =
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&elsewhere).unwrap()).unwrap()
            ["signature"]
            .clone();
    let forged_path = v.path("forged.sig.json");
    std::fs::write(&forged_path, forged.to_string()).unwrap();
    usage(
        attach(&b, &forged_path),
        "does not verify over this bundle's manifest",
    );
    assert!(
        std::fs::read(&b).unwrap() == before,
        "a refused approval changes nothing"
    );

    let o = ok(builder().arg("attach").arg(&b).arg(&approval));
    assert!(stdout(&o).contains(&v.id("bob")), "{}", stdout(&o));
    let o = ok(verifier()
        .arg("verify")
        .arg(&b)
        .arg("--trust-root")
        .arg(&root)
        .arg("--json"));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut want = vec![v.id("alice"), v.id("bob")];
    want.sort();
    assert_eq!(counted_keys(&j), want);
    let text = stdout(&ok(verifier()
        .arg("verify")
        .arg(&b)
        .arg("--trust-root")
        .arg(&root)));
    assert!(text.contains("2 signatures counted, 2 needed"), "{text}");

    // A duplicate signer, by attach or by cosign: said, nothing changed.
    let signed = std::fs::read(&b).unwrap();
    usage(attach(&b, &approval), "already signed by key");
    let o = run(builder()
        .arg("cosign")
        .arg(&b)
        .arg("--key")
        .arg(v.key("alice")));
    usage(o, "already signed by key");
    assert!(std::fs::read(&b).unwrap() == signed);
}

#[test]
fn manifest_checks_the_bundle_signature_first() {
    let v = Vendor::new();
    let spec = v.spec("s", 1, &["MiSeqDx"]);
    let b = v.build("b", &spec, "alice", &[]);
    // No trust root carried: a signer's key must be named.
    let out = v.path("m.json");
    usage(
        run(builder().arg("manifest").arg(&b).arg("--out").arg(&out)),
        "--signed-by",
    );
    // A key that did not sign: refused (exit 3), nothing written.
    let o = run(builder()
        .arg("manifest")
        .arg(&b)
        .arg("--out")
        .arg(&out)
        .arg("--signed-by")
        .arg(v.public("bob")));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(!out.exists());
    let o = ok(builder()
        .arg("manifest")
        .arg(&b)
        .args(["--out", "-"])
        .arg("--signed-by")
        .arg(v.public("alice")));
    let member = members(&b)
        .into_iter()
        .find(|(n, _)| n == "manifest.json")
        .unwrap()
        .1;
    assert!(o.stdout == member);
    // Without a trust root, attach checks the signature and the digest only.
    let approval = approve_with(&v, &b, "bob");
    ok(builder().arg("attach").arg(&b).arg(&approval));
}

fn approve_with(v: &Vendor, bundle: &Path, key: &str) -> PathBuf {
    let manifest = v.path(&format!("{key}.m.json"));
    ok(builder()
        .arg("manifest")
        .arg(bundle)
        .arg("--out")
        .arg(&manifest)
        .arg("--signed-by")
        .arg(v.public("alice")));
    let approval = v.path(&format!("{key}.a.json"));
    ok(builder()
        .arg("sign-manifest")
        .arg(&manifest)
        .arg("--key")
        .arg(v.key(key))
        .arg("--out")
        .arg(&approval));
    approval
}
