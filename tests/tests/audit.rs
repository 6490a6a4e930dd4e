//! docs/AUDIT.md is runnable: its shell blocks, exactly as written, verify a
//! real bundle, its payload, an instrument it was applied to and the trust
//! root, using only standard tools; and they fail on a tampered bundle.

use std::path::Path;
use std::process::{Command, Output};

use e2e_tests::trust_kit::*;
use e2e_tests::*;

/// The ```sh blocks of docs/AUDIT.md, in order.
fn recipe() -> String {
    let doc = std::fs::read_to_string(repo().join("docs/AUDIT.md")).unwrap();
    let mut script = String::new();
    let mut inside = false;
    for line in doc.lines() {
        match (inside, line.trim_end()) {
            (false, "```sh") => inside = true,
            (true, "```") => inside = false,
            (true, l) => {
                script.push_str(l);
                script.push('\n');
            }
            _ => {}
        }
    }
    assert!(script.contains("openssl pkeyutl -verify") && script.contains("sha256sum -c"));
    script
}

fn run_recipe(dir: &Path) -> Output {
    Command::new("bash")
        .args(["-euo", "pipefail", "-c", &recipe()])
        .current_dir(dir)
        .output()
        .expect("bash runs")
}

/// A vendor's bundle with its trust root, applied to an instrument, laid
/// out under the names AUDIT.md uses.
fn audited() -> Vendor {
    let v = Vendor::new();
    let root = v.init("root.json", &["r1", "r2"], 2, &["release"], 1, &[]);
    v.sign(&root, &["r1", "r2"]);
    let b = v.build("fsn2022-1230", &v.spec("s", 1, &[]), "release", &[&root]);
    let inst = Instrument::new(&v.s, "instrument");
    succeeded(
        "apply",
        inst.apply(&b, &["--trust-root".as_ref(), root.as_os_str()]),
    );
    v
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the recipe is a POSIX shell script (openssl, sha256sum, zstd, jq)"
)]
fn audit_recipe_verifies_signature_payload_installed_files_and_trust_root() {
    let v = audited();
    let out = run_recipe(v.s.dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "recipe failed\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One manifest signature and two root signatures.
    assert_eq!(stdout.matches("Signature Verified Successfully").count(), 3);
    assert!(stdout.contains("payload.tar.zst: OK"));
    assert!(stdout.contains("audit/sbom.json: OK"));
    assert!(stdout.contains("component: lrm-firewall 2.4.1"));
    assert!(stdout.contains("lrm/bin/lrm-guard: OK"));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the recipe is a POSIX shell script (openssl, sha256sum, zstd, jq)"
)]
fn audit_recipe_fails_on_a_changed_manifest() {
    let v = audited();
    let b = v.path("fsn2022-1230.bundle");
    let mut m = members(&b);
    let manifest = m.iter_mut().find(|(n, _)| n == "manifest.json").unwrap();
    let text = String::from_utf8(manifest.1.clone()).unwrap();
    manifest.1 = text.replace("Block remote", "Allow remote").into_bytes();
    write_members(&b, &m);
    let out = run_recipe(v.s.dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signature Verification Failure"));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the recipe is a POSIX shell script (openssl, sha256sum, zstd, jq)"
)]
fn audit_recipe_fails_on_a_changed_sbom() {
    let v = audited();
    let b = v.path("fsn2022-1230.bundle");
    let mut m = members(&b);
    let sbom = m.iter_mut().find(|(n, _)| n == "sbom.json").unwrap();
    let text = String::from_utf8(sbom.1.clone()).unwrap();
    sbom.1 = text.replace("2.4.1", "2.4.0").into_bytes();
    write_members(&b, &m);
    let out = run_recipe(v.s.dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit/sbom.json: FAILED"));
}

#[test]
#[cfg_attr(
    windows,
    ignore = "the recipe is a POSIX shell script (openssl, sha256sum, zstd, jq)"
)]
fn audit_recipe_fails_on_a_changed_installed_file() {
    let v = audited();
    std::fs::write(v.path("instrument-root/lrm/bin/lrm-guard"), "tampered").unwrap();
    let out = run_recipe(v.s.dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("lrm/bin/lrm-guard: FAILED"));
}
