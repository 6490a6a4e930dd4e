//! The spine end to end, through the real binaries: keygen → build → verify
//! → apply, determinism, and the refusals every reader must make.

use std::path::{Path, PathBuf};

use e2e_tests::*;

struct Fixture {
    s: Scratch,
    public: PathBuf,
    bundle: PathBuf,
}

fn fixture() -> Fixture {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let bundle = s.build(&example().join("release.toml"), &key, "fsn");
    Fixture { s, public, bundle }
}

/// `bundle-verifier apply` with the example's usual arguments, not yet run.
fn apply_cmd(
    bundle: &Path,
    public: &Path,
    identity: &Path,
    root: &Path,
    state: &Path,
) -> std::process::Command {
    let mut cmd = verifier();
    cmd.arg("apply")
        .arg(bundle)
        .arg("--trusted-key")
        .arg(public)
        .arg("--instrument")
        .arg(identity)
        .arg("--root")
        .arg(root)
        .arg("--state")
        .arg(state)
        // The example release requires its data-backup step to be confirmed.
        .args(["--confirm", "backup"]);
    cmd
}

fn apply(
    bundle: &Path,
    public: &Path,
    identity: &Path,
    root: &Path,
    state: &Path,
) -> assert_cmd::assert::Assert {
    apply_cmd(bundle, public, identity, root, state).assert()
}

fn verify(bundle: &Path, public: &Path) -> assert_cmd::assert::Assert {
    verifier()
        .arg("verify")
        .arg(bundle)
        .arg("--trusted-key")
        .arg(public)
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

#[test]
fn build_verify_apply_gives_a_root_whose_files_equal_the_payload() {
    let f = fixture();
    verify(&f.bundle, &f.public).success();
    let root = f.s.instrument_root("root");
    let before = snapshot(&root);
    apply(
        &f.bundle,
        &f.public,
        &example().join("instruments/nextseq-dx.toml"),
        &root,
        &f.s.path("state"),
    )
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
    assert_eq!(after.len(), before.len() + 2, "two new files, nothing else");
}

#[test]
fn every_target_of_the_example_applies_to_its_own_identity() {
    let f = fixture();
    for (id, payload) in [
        ("nextseq-ruo.toml", "nextseq"),
        ("miseqdx-dx.toml", "miseqdx"),
        ("standalone-ruo.toml", "standalone"),
    ] {
        let root = f.s.path(&format!("root-{id}"));
        std::fs::create_dir(&root).unwrap();
        apply(
            &f.bundle,
            &f.public,
            &example().join("instruments").join(id),
            &root,
            &f.s.path(&format!("state-{id}")),
        )
        .success();
        assert_eq!(
            snapshot(&root),
            snapshot(&example().join("payload").join(payload)),
            "{id}"
        );
    }
}

#[test]
fn dry_run_verifies_and_reports_but_changes_nothing() {
    let f = fixture();
    let root = f.s.instrument_root("root");
    let before = snapshot(&root);
    let out = apply_cmd(
        &f.bundle,
        &f.public,
        &example().join("instruments/nextseq-dx.toml"),
        &root,
        &f.s.path("state"),
    )
    .args(["--dry-run", "--json"])
    .assert()
    .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["applied"]["result"], "dry-run");
    let actions: Vec<_> = v["applied"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["add", "add", "replace"]);
    assert_eq!(snapshot(&root), before);
}

#[test]
fn building_twice_gives_identical_bytes() {
    let s = Scratch::new();
    let (key, _) = s.keygen("release");
    let a = s.build(&example().join("release.toml"), &key, "a");
    // Times and permissions of the inputs' directories do not leak into the bundle.
    let copy = s.path("example");
    copy_tree(&example(), &copy);
    let b = s.build(&copy.join("release.toml"), &key, "b");
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn vectors_rebuild_byte_identical_and_verify() {
    let vectors = repo().join("tests/vectors");
    let key = vectors.join("v1-minimal/test-key");
    for name in ["v1-minimal", "v1-sbom", "v2-sets"] {
        let v = vectors.join(name);
        let s = Scratch::new();
        let out = s.build(
            &v.join("release.toml"),
            &key.with_extension("key"),
            "vector",
        );
        let bundle = std::fs::read(v.join("vector.bundle")).unwrap();
        assert!(std::fs::read(&out).unwrap() == bundle, "{name} rebuilds");
        verify(&v.join("vector.bundle"), &key.with_extension("pub")).success();
        for (member, file) in [
            ("manifest.json", "manifest.json"),
            ("signatures.json", "signatures.json"),
            ("sbom.json", "sbom.spdx.json"),
        ] {
            let Ok(want) = std::fs::read(v.join(file)) else {
                continue;
            };
            let found = tar::Archive::new(bundle.as_slice())
                .entries()
                .unwrap()
                .map(|e| e.unwrap())
                .find(|e| e.path().unwrap().to_str() == Some(member))
                .map(|mut e| {
                    let mut data = Vec::new();
                    std::io::Read::read_to_end(&mut e, &mut data).unwrap();
                    data
                });
            assert_eq!(found, Some(want), "{name}: {file} is member {member}");
        }
    }
}

#[test]
fn a_bundle_signed_by_another_key_is_refused_and_changes_nothing() {
    let f = fixture();
    let (_, other) = f.s.keygen("other");
    let a = verify(&f.bundle, &other).code(3);
    assert!(
        stderr(&a).contains("not signed by enough trusted"),
        "{}",
        stderr(&a)
    );
    let root = f.s.instrument_root("root");
    let before = snapshot(&root);
    apply(
        &f.bundle,
        &other,
        &example().join("instruments/nextseq-dx.toml"),
        &root,
        &f.s.path("state"),
    )
    .code(3);
    assert_eq!(snapshot(&root), before);
}

/// Offsets of every structural boundary of a bundle, plus a stride through the rest.
fn offsets(len: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..len).step_by(97).collect();
    for b in (0..len).step_by(512) {
        v.extend([b, b + 1, b + 100, b + 156, b + 257, b + 511]);
    }
    v.extend(len.saturating_sub(1030)..len);
    v.retain(|&o| o < len);
    v.sort();
    v.dedup();
    v
}

#[test]
fn any_single_changed_byte_is_refused_by_the_library() {
    // In-process for speed: every byte of the bundle, all three ways of reading it.
    let f = fixture();
    let bytes = std::fs::read(&f.bundle).unwrap();
    let trust = bundle_verifier::TrustedKeys::from_pem_files(&[&f.public]).unwrap();
    let deep = bundle_verifier::VerifyOptions {
        deep: true,
        ..Default::default()
    };
    let shallow = bundle_verifier::VerifyOptions::default();
    let bad = f.s.path("bad.bundle");
    for o in 0..bytes.len() {
        let mut b = bytes.clone();
        b[o] ^= 0x01;
        std::fs::write(&bad, &b).unwrap();
        for opts in [&shallow, &deep] {
            let r = bundle_verifier::verify(&bad, &trust, opts, &|_| {});
            let e = r
                .err()
                .unwrap_or_else(|| panic!("flip at {o} accepted (deep={})", opts.deep));
            assert_eq!(
                e.class(),
                bundle_verifier::ExitClass::Refused,
                "flip at {o}: {e}"
            );
        }
    }
}

#[test]
fn changed_bytes_are_refused_by_verify_and_apply_and_leave_the_root_unchanged() {
    let f = fixture();
    let bytes = std::fs::read(&f.bundle).unwrap();
    let root = f.s.instrument_root("root");
    let before = snapshot(&root);
    let identity = example().join("instruments/nextseq-dx.toml");
    let bad = f.s.path("bad.bundle");
    let offs = offsets(bytes.len());
    assert!(offs.len() > 60, "{} offsets", offs.len());
    // A process start under Wine costs far more than on Linux (the whole
    // list took 17 minutes there): on Windows every 8th offset, which still
    // meets every region; the library test above checks every byte.
    let every = if cfg!(windows) { 8 } else { 1 };
    for (i, o) in offs.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let mut b = bytes.clone();
        b[*o] = b[*o].wrapping_add(0x41);
        std::fs::write(&bad, &b).unwrap();
        verify(&bad, &f.public).code(3);
        // apply is slower; every third offset still covers every region.
        if i % (3 * every) == 0 {
            apply(&bad, &f.public, &identity, &root, &f.s.path("state")).code(3);
            assert_eq!(snapshot(&root), before, "flip at {o} changed the root");
        }
    }
}

#[test]
fn truncated_bundles_are_refused_and_change_nothing() {
    let f = fixture();
    let bytes = std::fs::read(&f.bundle).unwrap();
    let root = f.s.instrument_root("root");
    let before = snapshot(&root);
    let bad = f.s.path("short.bundle");
    let mut cuts: Vec<usize> = (0..bytes.len()).step_by(512).collect();
    cuts.extend([1, 511, 513, bytes.len() - 1024, bytes.len() - 1]);
    for cut in cuts {
        std::fs::write(&bad, &bytes[..cut]).unwrap();
        let a = verify(&bad, &f.public).code(3);
        let err = stderr(&a);
        assert!(
            err.contains("truncated") || err.contains("not a patch bundle"),
            "cut {cut}: {err}"
        );
        apply(
            &bad,
            &f.public,
            &example().join("instruments/nextseq-dx.toml"),
            &root,
            &f.s.path("state"),
        )
        .code(3);
    }
    assert_eq!(snapshot(&root), before);
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"trailing");
    std::fs::write(&bad, &longer).unwrap();
    assert!(stderr(&verify(&bad, &f.public).code(3)).contains("after the end"));
}

fn identity_with(s: &Scratch, name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(example().join("instruments/nextseq-dx.toml")).unwrap();
    assert!(text.contains(from));
    let p = s.path(name);
    std::fs::write(&p, text.replace(from, to)).unwrap();
    p
}

#[test]
fn an_instrument_the_bundle_is_not_for_gets_exit_4_and_changes_nothing() {
    let f = fixture();
    let root = f.s.instrument_root("root");
    let before = snapshot(&root);
    let cases = [
        (
            "model",
            "\"NextSeq 550Dx\"",
            "\"NovaSeq 6000Dx\"",
            "this bundle is for NextSeq 550Dx, MiSeqDx",
        ),
        (
            "udi",
            "00816270020125",
            "00816270020999",
            "device identifier (UDI-DI) 00816270020125; this instrument has 00816270020999",
        ),
        (
            "mode",
            "\"Dx\"",
            "\"Service\"",
            "no Service mode for NextSeq 550Dx",
        ),
        (
            "version",
            "3.1.0",
            "4.2.0",
            "needs installed software version >=2.0.0, <4.0.0; this instrument has 4.2.0",
        ),
    ];
    for (name, from, to, message) in cases {
        let id = identity_with(&f.s, &format!("{name}.toml"), from, to);
        let a = apply(&f.bundle, &f.public, &id, &root, &f.s.path("state")).code(4);
        assert!(stderr(&a).contains(message), "{name}: {}", stderr(&a));
        assert_eq!(snapshot(&root), before, "{name}");
    }
}

#[test]
fn the_wrong_model_message_names_both_models() {
    let f = fixture();
    let root = f.s.instrument_root("root");
    let a = apply(
        &f.bundle,
        &f.public,
        &example().join("instruments/miseqdx-dx.toml"),
        &root,
        &f.s.path("state"),
    );
    a.success();
    // A MiSeqDx-only bundle refused on a NextSeq says so in plain words.
    let spec = f.s.path("miseq-only.toml");
    let text = example_spec_text();
    let only: String = text.split("[[target]]").take(1).collect::<String>()
        + "[[target]]"
        + text.split("[[target]]").nth(2).unwrap();
    std::fs::write(&spec, only).unwrap();
    let (key, public) = f.s.keygen("k2");
    let b = f.s.build(&spec, &key, "miseq");
    let a = apply(
        &b,
        &public,
        &example().join("instruments/nextseq-dx.toml"),
        &root,
        &f.s.path("state2"),
    )
    .code(4);
    assert!(
        stderr(&a).contains("this bundle is for MiSeqDx; this instrument is a NextSeq 550Dx"),
        "{}",
        stderr(&a)
    );
}

#[test]
fn a_failed_install_restores_the_root_and_exits_5() {
    let f = fixture();
    let root = f.s.instrument_root("root");
    let before = snapshot(&root);
    apply_cmd(
        &f.bundle,
        &f.public,
        &example().join("instruments/nextseq-dx.toml"),
        &root,
        &f.s.path("state"),
    )
    .env(bundle_verifier::instrument::install::FAULT_ENV, "2")
    .assert()
    .code(5);
    assert_eq!(snapshot(&root), before);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "creating a symbolic link needs a privilege on Windows"
)]
fn a_symlink_in_the_root_where_the_bundle_writes_is_refused() {
    let f = fixture();
    let root = f.s.instrument_root("root");
    let outside = f.s.path("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::remove_dir_all(root.join("lrm/bin")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, root.join("lrm/bin")).unwrap();
    let before = snapshot(&root);
    apply(
        &f.bundle,
        &f.public,
        &example().join("instruments/nextseq-dx.toml"),
        &root,
        &f.s.path("state"),
    )
    .code(5);
    assert_eq!(snapshot(&root), before);
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        0,
        "nothing written through the link"
    );
}

#[test]
fn extract_writes_exactly_the_target_and_refuses_an_existing_directory() {
    let f = fixture();
    let out = f.s.path("out");
    let extract = || {
        verifier()
            .arg("extract")
            .arg(&f.bundle)
            .arg("--trusted-key")
            .arg(&f.public)
            .args(["--model", "MiSeqDx", "--mode", "RUO", "--out"])
            .arg(&out)
            .assert()
    };
    extract().success();
    assert_eq!(snapshot(&out), snapshot(&example().join("payload/miseqdx")));
    extract().code(2);
}

#[test]
fn inspect_shows_the_claims_and_says_they_are_unverified() {
    let f = fixture();
    let a = verifier().arg("inspect").arg(&f.bundle).assert().success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(out.starts_with("UNVERIFIED"), "{out}");
    assert!(
        out.contains("FSN2022-1230") && out.contains("MiSeqDx / RUO"),
        "{out}"
    );
    let a = verifier()
        .arg("inspect")
        .arg(&f.bundle)
        .arg("--json")
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["verified"], false);
    assert_eq!(v["manifest"]["targets"].as_array().unwrap().len(), 5);
}

/// The signed title and notes are shown in the technician's language, and
/// in English where the release has no text in it.
#[test]
fn inspect_shows_the_title_in_the_chosen_language_else_english() {
    let inspect = |bundle: &Path, lang: &str| {
        let a = verifier()
            .args(["--lang", lang, "inspect"])
            .arg(bundle)
            .assert()
            .success();
        String::from_utf8_lossy(&a.get_output().stdout).into_owned()
    };
    // The example release: title and notes in English, German and French.
    let f = fixture();
    let de = inspect(&f.bundle, "de");
    assert!(
        de.contains("Fernzugriff auf die Weboberfläche des Run Managers sperren"),
        "{de}"
    );
    assert!(!de.contains("Block remote access"), "{de}");
    assert!(de.contains("Sichern Sie Ihre Daten"), "{de}");
    assert!(!de.contains("Back up your data"), "{de}");
    let fr = inspect(&f.bundle, "fr");
    assert!(fr.contains("Bloquer l'accès à distance"), "{fr}");
    let en = inspect(&f.bundle, "en");
    assert!(
        en.contains("Block remote access to the run manager web UI"),
        "{en}"
    );
    // The test vector has a German title but no French one.
    let vector = repo().join("tests/vectors/v1-minimal/vector.bundle");
    assert!(inspect(&vector, "de").contains("Testvektor 1"));
    let fr = inspect(&vector, "fr");
    assert!(fr.contains("Test vector 1"), "{fr}");
    assert!(!fr.contains("Testvektor"), "{fr}");
}

#[test]
fn verify_json_is_one_object_naming_keys_and_digests() {
    let f = fixture();
    let a = verifier()
        .arg("verify")
        .arg(&f.bundle)
        .arg("--trusted-key")
        .arg(&f.public)
        .arg("--json")
        .arg("--deep")
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["deep"], true);
    assert_eq!(counted_keys(&v).len(), 1);
    assert_eq!(v["manifest_sha256"].as_str().unwrap().len(), 64);
    let a = verifier()
        .arg("verify")
        .arg(f.s.path("missing.bundle"))
        .arg("--trusted-key")
        .arg(&f.public)
        .arg("--json")
        .assert()
        .code(2);
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["exit_code"], 2);
}

#[test]
fn plain_verify_says_files_are_checked_at_apply_or_with_deep() {
    let f = fixture();
    verify(&f.bundle, &f.public)
        .success()
        .stdout(predicates::str::contains(
            "; files are checked when applied, or now with --deep",
        ));
    verifier()
        .args(["verify", "--deep", "--trusted-key"])
        .arg(&f.public)
        .arg(&f.bundle)
        .assert()
        .success()
        .stdout(predicates::str::contains(", every file checked"));
}
