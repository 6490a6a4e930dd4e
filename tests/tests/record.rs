//! `verify --json` as an audit record: every record the real binary prints,
//! success or failure, validates against `docs/verify-record.schema.json`;
//! the record names every signature and why it did or did not count, the
//! trust it was judged under, and every approved file; and its field names
//! stay those of a committed golden record.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use bundle_verifier::format::digest::Sha256Digest;
use e2e_tests::trust_kit::*;
use e2e_tests::*;
use serde_json::{json, Value};

/// Errors of `record` against the schema file, by `scripts/validate-record.py`
/// (the reference validator, Python `jsonschema`; `.ci/run` installs it).
/// `PYTHON` names the interpreter, `python3` by default.
fn schema_errors(record: &Value) -> Vec<String> {
    let python = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    let mut child = Command::new(&python)
        .arg(repo().join("scripts/validate-record.py"))
        .arg(repo().join("docs/verify-record.schema.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python:?} ({e}); install python3-jsonschema"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(record.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    match out.status.code() {
        Some(0) => Vec::new(),
        Some(1) => stdout.lines().map(str::to_owned).collect(),
        _ => panic!(
            "the schema check did not run: {}{stdout}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// On Windows nothing: the reference validator is a Python program, and
/// the records' schema does not depend on the OS (Linux checks it).
fn assert_valid(record: &Value) {
    if cfg!(windows) {
        return;
    }
    let errors = schema_errors(record);
    assert!(
        errors.is_empty(),
        "record does not match the schema:\n{}\n{record:#}",
        errors.join("\n")
    );
}

/// stdout of `verify --json`: exactly one JSON object, whatever the exit code.
fn record(out: &Output) -> Value {
    let text = String::from_utf8(out.stdout.clone()).expect("UTF-8");
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}):\n{text}"));
    assert_eq!(v["record"], "offline-patch-bundle/verify-record/1");
    v
}

fn verify_json(bundle: &Path, trust: &[&str], trust_file: &Path) -> Output {
    run(verifier()
        .arg("verify")
        .arg(bundle)
        .args(trust)
        .arg(trust_file)
        .arg("--json"))
}

/// (key ID, counted, signature checked, reason) of every signature entry.
fn entries(record: &Value) -> Vec<(String, bool, bool, Option<String>)> {
    record["signatures"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["key_id"].as_str().unwrap().to_owned(),
                e["counted"].as_bool().unwrap(),
                e["signature_checked"].as_bool().unwrap(),
                e["reason"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn example_release_record_validates_and_lists_every_signed_file() {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let bundle = s.build(&example().join("release.toml"), &key, "fsn");
    let out = succeeded(
        "verify",
        run(verifier()
            .arg("verify")
            .arg(&bundle)
            .arg("--trusted-key")
            .arg(&public)
            .args(["--json", "--deep"])),
    );
    let r = record(&out);
    assert_valid(&r);
    assert_eq!(
        (r["ok"].clone(), r["deep"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(
        r["bundle"]["size"],
        std::fs::metadata(&bundle).unwrap().len()
    );
    assert_eq!(r["bundle"]["file_name"], "fsn.bundle");
    assert_eq!(r["trust"]["basis"], "trusted_keys");
    assert_eq!(r["trust"]["release_keys"], json!([key_id(&public)]));
    assert_eq!(r["trust"]["trust_root"], Value::Null);
    assert_eq!(r["release"]["id"], "FSN2022-1230");
    assert_eq!(r["release"]["confirm"][0]["id"], "backup");
    assert!(r["release"]["confirm"][0]["text_de"].is_string());
    // Every signed language of the texts, and English in the plain fields.
    let step = &r["release"]["confirm"][0];
    assert_eq!(
        step["text_by_language"]["en"], step["text"],
        "the plain text is the English one"
    );
    assert_eq!(step["text_by_language"]["de"], step["text_de"]);
    assert!(step["text_by_language"]["fr"].is_string());
    assert_eq!(
        r["release"]["title"],
        r["release"]["title_by_language"]["en"]
    );
    assert!(r["release"]["title_by_language"]["de"].is_string());
    // The example release carries a signed CycloneDX SBOM.
    assert_eq!(r["sbom"]["format"], "cyclonedx");
    assert_eq!(
        r["sbom"]["sha256"],
        Sha256Digest::of(&std::fs::read(example().join("sbom.cdx.json")).unwrap()).to_hex()
    );
    assert!(!r["sbom"]["components"].as_array().unwrap().is_empty());

    // The record's files are exactly the signed manifest's, target by target.
    let i = run(verifier().arg("inspect").arg(&bundle).arg("--json"));
    let i: Value = serde_json::from_slice(&i.stdout).unwrap();
    let manifest = &i["manifest"];
    assert_eq!(r["manifest_sha256"], i["manifest_sha256"]);
    let targets = r["targets"].as_array().unwrap();
    let signed = manifest["targets"].as_array().unwrap();
    assert_eq!(targets.len(), signed.len());
    assert_eq!(targets.len(), 5, "two dual-boot models and a standalone");
    for (t, m) in targets.iter().zip(signed) {
        for field in ["model", "mode", "udi_di", "catalog"] {
            assert_eq!(t[field], m[field], "{field}");
        }
        assert_eq!(t["files"], m["files"], "{} / {}", t["model"], t["mode"]);
        let files = t["files"].as_array().unwrap();
        assert_eq!(t["file_count"], files.len());
        let bytes: u64 = files.iter().map(|f| f["size"].as_u64().unwrap()).sum();
        assert_eq!(t["bytes"], bytes);
    }
    assert_eq!(r["payload"]["sha256"], manifest["payload"]["sha256"]);
    assert_eq!(r["payload"]["size"], manifest["payload"]["size"]);
    assert_eq!(
        r["payload"]["blob_count"],
        manifest["blobs"].as_array().unwrap().len()
    );
}

#[test]
fn cosigned_bundle_with_an_unknown_signer_counts_one_and_says_why_not_the_other() {
    let v = Vendor::new();
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[]);
    v.cosign(&b, "stranger");
    let out = succeeded(
        "verify",
        verify_json(&b, &["--trusted-key"], &v.public("rel")),
    );
    let r = record(&out);
    assert_valid(&r);
    let mut want = vec![
        (v.id("rel"), true, true, None),
        (
            v.id("stranger"),
            false,
            false,
            Some("unknown_key".to_owned()),
        ),
    ];
    want.sort();
    assert_eq!(entries(&r), want);
    assert_eq!(
        (
            r["signatures"]["threshold"].clone(),
            r["signatures"]["counted"].clone(),
            r["signatures"]["threshold_met"].clone()
        ),
        (json!(1), json!(1), json!(true))
    );
    let stranger = r["signatures"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key_id"] == v.id("stranger"))
        .unwrap();
    assert_eq!(stranger["message"], "key is not trusted on this instrument");
}

#[test]
fn trust_root_record_names_the_root_in_force_and_every_reason_code() {
    let v = Vendor::new();
    // Root keys r1, r2, r3 (any 2); release keys rel and gone.
    let root1 = v.init(
        "root1.json",
        &["r1", "r2", "r3"],
        2,
        &["rel", "gone"],
        1,
        &[],
    );
    v.sign(&root1, &["r1", "r2"]);
    let root2 = v.edit(
        &root1,
        "root2.json",
        &[
            "--revoke",
            "#gone",
            "--add-release-key",
            "@old",
            "--expires",
            "2020-01-31",
        ],
    );
    v.sign(&root2, &["r1", "r2"]);
    let root3 = v.edit(
        &root2,
        "root3.json",
        &["--add-release-key", "@nextseq", "--scope", "NextSeq 550Dx"],
    );
    v.sign(&root3, &["r1", "r2"]);
    // All models, so the NextSeq-only key is out of scope.
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[&root2, &root3]);
    for k in ["gone", "old", "nextseq", "r1", "stranger"] {
        v.cosign(&b, k);
    }
    let out = succeeded("verify", verify_json(&b, &["--trust-root"], &root1));
    let r = record(&out);
    assert_valid(&r);

    let t = &r["trust"];
    assert_eq!(t["basis"], "trust_root");
    assert_eq!(t["trust_root"]["version"], 3);
    assert_eq!(
        t["trust_root"]["sha256"],
        Sha256Digest::of(&std::fs::read(&root3).unwrap()).to_hex()
    );
    assert_eq!(t["trust_root_updates"], json!([2, 3]));
    let mut keys = vec![v.id("rel"), v.id("old"), v.id("nextseq")];
    keys.sort();
    assert_eq!(t["release_keys"], json!(keys));

    let reason = |k: &str, checked: bool, code: &str| (v.id(k), false, checked, Some(code.into()));
    let mut want = vec![
        (v.id("rel"), true, true, None),
        reason("gone", false, "revoked"),
        reason("old", true, "expired"),
        reason("nextseq", true, "out_of_scope"),
        reason("r1", false, "root_key_not_release_key"),
        reason("stranger", false, "unknown_key"),
    ];
    want.sort();
    assert_eq!(entries(&r), want);
}

#[test]
fn refusals_print_one_error_record_that_validates() {
    let v = Vendor::new();
    let b = v.build("b", &v.spec("s", 1, &[]), "stranger", &[]);

    // Not signed by a trusted key: exit 3, and the signatures with reasons.
    let out = verify_json(&b, &["--trusted-key"], &v.public("rel"));
    assert_eq!(out.status.code(), Some(3));
    let r = record(&out);
    assert_valid(&r);
    assert_eq!(
        (
            &r["ok"],
            &r["exit_code"],
            &r["error_class"],
            &r["error_code"]
        ),
        (
            &json!(false),
            &json!(3),
            &json!("refused"),
            &json!("not_trusted")
        )
    );
    assert!(r["error"]
        .as_str()
        .unwrap()
        .contains("not signed by enough"));
    assert_eq!(r["signatures"]["threshold_met"], false);
    assert_eq!(
        entries(&r),
        [(v.id("stranger"), false, false, Some("unknown_key".into()))]
    );

    // A damaged payload: exit 3, no signature section.
    let mut m = members(&b);
    let payload = m.iter_mut().find(|(n, _)| n == "payload.tar.zst").unwrap();
    let last = payload.1.len() - 1;
    payload.1[last] ^= 1;
    write_members(&b, &m);
    let out = verify_json(&b, &["--trusted-key"], &v.public("stranger"));
    assert_eq!(out.status.code(), Some(3));
    let r = record(&out);
    assert_valid(&r);
    assert_eq!(r["error_code"], "payload_digest_mismatch");
    assert!(r.get("signatures").is_none());

    // No such file: exit 2 (usage), size null.
    let out = verify_json(
        &v.path("missing.bundle"),
        &["--trusted-key"],
        &v.public("rel"),
    );
    assert_eq!(out.status.code(), Some(2));
    let r = record(&out);
    assert_valid(&r);
    assert_eq!(
        (&r["error_class"], &r["error_code"], &r["bundle"]["size"]),
        (&json!("usage"), &json!("cannot_open_bundle"), &Value::Null)
    );
}

#[test]
fn a_changed_sbom_gives_an_error_record_naming_it() {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let bundle = s.build(&example().join("release.toml"), &key, "fsn");
    let mut m = members(&bundle);
    let sbom = m.iter_mut().find(|(n, _)| n == "sbom.json").unwrap();
    let mid = sbom.1.len() / 2;
    sbom.1[mid] ^= 1;
    write_members(&bundle, &m);
    let out = verify_json(&bundle, &["--trusted-key"], &public);
    assert_eq!(out.status.code(), Some(3));
    let r = record(&out);
    assert_valid(&r);
    assert_eq!(r["error_code"], "sbom_digest_mismatch");
}

/// The committed golden record of the test vector, with the fields that
/// change from run to run set to fixed values.
const GOLDEN: &str = "tests/vectors/v1-minimal/verify-record.json";

/// The record of the committed test vector, verified with its key.
fn vector_record() -> Value {
    let v = repo().join("tests/vectors/v1-minimal");
    let out = verify_json(
        &v.join("vector.bundle"),
        &["--trusted-key"],
        &v.join("test-key.pub"),
    );
    record(&succeeded("verify", out))
}

fn masked(mut r: Value) -> Value {
    r["checked_at"] = json!("1970-01-01T00:00:00Z");
    r["verifier"]["version"] = json!("0.0.0");
    r["bundle"]["path"] = json!("vector.bundle");
    r["trust"]["judged_on"] = json!("1970-01-01");
    r
}

#[test]
fn vector_record_matches_the_committed_golden_record() {
    let got = masked(vector_record());
    let path = repo().join(GOLDEN);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, format!("{got:#}\n")).unwrap();
    }
    let want: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_valid(&want);
    assert_eq!(
        got, want,
        "the verify record of the test vector changed; a field rename breaks every \
         auditor's stored records (bump the record version instead). If the change is \
         intended, rerun with UPDATE_GOLDEN=1 and review the diff of {GOLDEN}"
    );
}

#[test]
#[cfg_attr(windows, ignore = "runs the Python jsonschema validator")]
fn schema_refuses_records_with_unknown_missing_or_inconsistent_fields() {
    let good = vector_record();
    assert_valid(&good);

    let mut extra = good.clone();
    extra["targets"][0]["files"][0]["mode"] = json!("0755");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("manifest_sha256");
    let mut counted_with_reason = good.clone();
    counted_with_reason["signatures"]["entries"][0]["reason"] = json!("expired");
    let mut bad_digest = good.clone();
    bad_digest["payload"]["sha256"] = json!("ABC");
    let mut unknown_reason = good.clone();
    unknown_reason["signatures"]["entries"][0]["counted"] = json!(false);
    unknown_reason["signatures"]["entries"][0]["reason"] = json!("felt_like_it");
    unknown_reason["signatures"]["entries"][0]["message"] = json!("no");
    for (what, bad) in [
        ("an unknown file field", extra),
        ("no manifest digest", missing),
        ("a counted signature with a reason", counted_with_reason),
        ("an upper-case digest", bad_digest),
        ("an unknown reason code", unknown_reason),
    ] {
        assert!(!schema_errors(&bad).is_empty(), "schema accepts {what}");
    }
}
