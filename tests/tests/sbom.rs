//! The signed SBOM: carried by `build --sbom` or the spec's `release.sbom`,
//! shown by `inspect` and `verify`, written out byte-identical by
//! `extract --sbom`, kept by `cosign`, and refused when changed.

use std::path::{Path, PathBuf};

use assert_cmd::prelude::*;
use e2e_tests::{
    apply_cmd, builder, example, nextseq_dx, snapshot, verifier, write_release, Scratch,
};
use predicates::str::contains;
use serde_json::Value;

const SPDX: &str = r#"{
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "test release",
  "documentNamespace": "https://example.com/spdx/test-1",
  "creationInfo": {"created": "2026-11-01T00:00:00Z", "creators": ["Tool: hand"]},
  "packages": [
    {"SPDXID": "SPDXRef-guard", "name": "lrm-guard", "versionInfo": "1.0.0",
     "downloadLocation": "NOASSERTION",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                       "referenceLocator": "pkg:generic/example-vendor/lrm-guard@1.0.0"}]},
    {"SPDXID": "SPDXRef-zlib", "name": "zlib", "versionInfo": "1.3.1", "downloadLocation": "NOASSERTION"}
  ]
}
"#;

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("one JSON object")
}

fn component_names(sbom: &Value) -> Vec<String> {
    sbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

/// `bundle-verifier extract BUNDLE --trusted-key PUB --sbom FILE`.
fn extract_sbom(public: &Path, bundle: &Path, file: &Path) -> assert_cmd::assert::Assert {
    verifier()
        .args(["extract", "--trusted-key"])
        .arg(public)
        .arg(bundle)
        .arg("--sbom")
        .arg(file)
        .assert()
}

/// `bundle-verifier verify --json --trusted-key PUB BUNDLE [extra]`, parsed.
fn verify_json(public: &Path, bundle: &Path, extra: &[&str]) -> Value {
    let out = verifier()
        .args(["verify", "--json", "--trusted-key"])
        .arg(public)
        .arg(bundle)
        .args(extra)
        .output()
        .unwrap();
    json_of(&out.stdout)
}

/// A key pair and a one-file release spec of its own (no SBOM).
fn small_release(s: &Scratch) -> (PathBuf, PathBuf, PathBuf) {
    let (key, public) = s.keygen("release");
    let spec = write_release(s.dir.path(), "rel", 1, &[("lrm/a.txt", "a\n")], false);
    (key, public, spec)
}

/// Builds the example release (whose spec names its CycloneDX SBOM).
fn example_bundle(s: &Scratch) -> (PathBuf, PathBuf, PathBuf) {
    let (key, public) = s.keygen("release");
    let bundle = s.build(&example().join("release.toml"), &key, "example");
    (key, public, bundle)
}

/// Offset of the data of member `name` in a bundle (members are found by
/// walking the canonical headers).
fn member_data(bundle: &[u8], name: &str) -> std::ops::Range<usize> {
    let mut at = 0;
    loop {
        let h = tar::Header::from_byte_slice(&bundle[at..at + 512]);
        let size = h.size().unwrap() as usize;
        if h.path().unwrap().to_str() == Some(name) {
            return at + 512..at + 512 + size;
        }
        at += 512 + size.div_ceil(512) * 512;
        assert!(at < bundle.len(), "no member {name}");
    }
}

#[test]
fn the_example_sbom_round_trips_byte_identical_through_build_verify_and_extract() {
    let s = Scratch::new();
    let (_, public, bundle) = example_bundle(&s);
    let original = std::fs::read(example().join("sbom.cdx.json")).unwrap();

    // Carried as a member of its own, byte for byte.
    let bytes = std::fs::read(&bundle).unwrap();
    assert_eq!(&bytes[member_data(&bytes, "sbom.json")], &original[..]);

    let v = verify_json(&public, &bundle, &[]);
    assert_eq!(v["ok"], true, "{v}");
    let sbom = &v["sbom"];
    assert_eq!(sbom["format"], "cyclonedx");
    assert_eq!(sbom["spec_version"], "1.5");
    assert_eq!(sbom["size"], original.len());
    assert_eq!(
        sbom["sha256"],
        bundle_verifier::format::digest::Sha256Digest::of(&original).to_hex()
    );
    assert_eq!(
        component_names(sbom),
        [
            "lrm-guard",
            "lrm remote-access configuration",
            "lrm-firewall"
        ]
    );
    assert_eq!(
        sbom["components"][0]["purl"],
        "pkg:generic/example-vendor/lrm-guard@1.0.0"
    );

    verifier()
        .args(["verify", "--trusted-key"])
        .arg(&public)
        .arg(&bundle)
        .assert()
        .success()
        .stdout(contains("sbom      CycloneDX 1.5, 3 components"))
        .stdout(contains(
            "lrm-firewall 2.4.1  pkg:generic/example-vendor/lrm-firewall@2.4.1",
        ));
    verifier()
        .arg("inspect")
        .arg(&bundle)
        .assert()
        .success()
        .stdout(contains("UNVERIFIED"))
        .stdout(contains("sbom      CycloneDX 1.5, 3 components"));

    let file = s.path("out.cdx.json");
    extract_sbom(&public, &bundle, &file)
        .success()
        .stdout(contains("CycloneDX 1.5, 3 components"));
    assert_eq!(std::fs::read(&file).unwrap(), original);

    // An existing file is never overwritten.
    extract_sbom(&public, &bundle, &file)
        .code(2)
        .stderr(contains("already exists"));
}

#[test]
fn an_spdx_sbom_given_on_the_command_line_is_carried_and_listed() {
    let s = Scratch::new();
    let (key, public, spec) = small_release(&s);
    std::fs::write(s.path("sbom.spdx.json"), SPDX).unwrap();
    let bundle = s.path("spdx.bundle");
    let out = builder()
        .arg("build")
        .arg(&spec)
        .arg("--key")
        .arg(&key)
        .arg("--out")
        .arg(&bundle)
        .arg("--sbom")
        .arg(s.path("sbom.spdx.json"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = json_of(&out.stdout);
    assert_eq!(built["built"]["sbom"]["format"], "spdx");
    assert_eq!(built["built"]["sbom_components"], 2);

    let v = verify_json(&public, &bundle, &["--deep"]);
    assert_eq!(v["ok"], true, "{v}");
    let sbom = &v["sbom"];
    assert_eq!(sbom["spec_version"], "SPDX-2.3");
    assert_eq!(component_names(sbom), ["lrm-guard", "zlib"]);
    assert_eq!(
        sbom["components"][0]["purl"],
        "pkg:generic/example-vendor/lrm-guard@1.0.0"
    );
    assert_eq!(sbom["components"][1]["purl"], Value::Null);

    let file = s.path("back.spdx.json");
    extract_sbom(&public, &bundle, &file).success();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), SPDX);
}

#[test]
fn a_bundle_without_sbom_has_no_sbom_member_and_extract_sbom_says_so() {
    let s = Scratch::new();
    let (key, public, spec) = small_release(&s);
    let bundle = s.build(&spec, &key, "plain");
    let bytes = std::fs::read(&bundle).unwrap();
    assert!(!bytes.windows(10).any(|w| w == b"sbom.json\0"));
    let v = verify_json(&public, &bundle, &[]);
    assert_eq!(v["ok"], true, "{v}");
    assert!(v.get("sbom").is_none(), "{v}");
    extract_sbom(&public, &bundle, &s.path("none.json"))
        .code(2)
        .stderr(contains("carries no SBOM"));
    assert!(!s.path("none.json").exists());
}

/// Changes one byte inside the carried SBOM, keeping every header canonical.
fn change_sbom_byte(bundle: &Path) {
    let mut bytes = std::fs::read(bundle).unwrap();
    let r = member_data(&bytes, "sbom.json");
    let at = r.start + r.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(bundle, bytes).unwrap();
}

#[test]
fn a_changed_sbom_is_refused_by_verify_extract_and_apply_and_nothing_changes() {
    let s = Scratch::new();
    let (_, public, bundle) = example_bundle(&s);
    change_sbom_byte(&bundle);

    for deep in [false, true] {
        let mut c = verifier();
        c.args(["verify", "--trusted-key"])
            .arg(&public)
            .arg(&bundle);
        if deep {
            c.arg("--deep");
        }
        c.assert()
            .code(3)
            .stderr(contains("the SBOM is damaged: the manifest signs"));
    }
    verifier()
        .arg("inspect")
        .arg(&bundle)
        .assert()
        .code(3)
        .stderr(contains("SBOM is damaged"));
    let file = s.path("sbom.json");
    extract_sbom(&public, &bundle, &file).code(3);
    assert!(!file.exists());

    let root = s.instrument_root("root");
    let before = snapshot(&root);
    apply_cmd(&bundle, &public, &nextseq_dx(), &root, &s.path("state"))
        .args(["--confirm", "backup"])
        .assert()
        .code(3)
        .stderr(contains("SBOM is damaged"));
    assert_eq!(snapshot(&root), before);
}

#[test]
fn cosign_keeps_the_sbom_and_the_bundle_still_verifies() {
    let s = Scratch::new();
    let (_, public, bundle) = example_bundle(&s);
    let (key2, public2) = s.keygen("second");
    builder()
        .arg("cosign")
        .arg(&bundle)
        .arg("--key")
        .arg(&key2)
        .assert()
        .success();
    let bytes = std::fs::read(&bundle).unwrap();
    assert_eq!(
        &bytes[member_data(&bytes, "sbom.json")],
        &std::fs::read(example().join("sbom.cdx.json")).unwrap()[..]
    );
    for k in [&public, &public2] {
        verifier()
            .args(["verify", "--trusted-key"])
            .arg(k)
            .arg(&bundle)
            .assert()
            .success()
            .stdout(contains("sbom      CycloneDX 1.5"));
    }
}

#[test]
fn build_refuses_a_file_that_is_not_a_cyclonedx_or_spdx2_json_sbom() {
    let s = Scratch::new();
    let (key, _, spec) = small_release(&s);
    for (name, content, says) in [
        ("notjson.json", Some("<bom/>"), "the SBOM is not JSON"),
        (
            "other.json",
            Some(r#"{"name":"x"}"#),
            "neither CycloneDX JSON",
        ),
        (
            "spdx3.json",
            Some(r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}"#),
            "SPDX 3 (JSON-LD) SBOMs are not carried",
        ),
        (
            "cdx-noversion.json",
            Some(r#"{"bomFormat":"CycloneDX"}"#),
            "specVersion is null",
        ),
        ("does-not-exist.json", None, "cannot open"),
    ] {
        if let Some(content) = content {
            std::fs::write(s.path(name), content).unwrap();
        }
        let out = s.path(&format!("{name}.bundle"));
        builder()
            .arg("build")
            .arg(&spec)
            .arg("--key")
            .arg(&key)
            .arg("--out")
            .arg(&out)
            .arg("--sbom")
            .arg(s.path(name))
            .assert()
            .code(2)
            .stderr(contains(says));
        assert!(!out.exists(), "{name}: no bundle is written");
    }
}
