//! The technician's apply at the instrument: rollback, downgrade and replay
//! protection, confirmations, signed receipts, check-installed, scan,
//! --backup-to, English and German messages, and a bundle that changes
//! while it is read.

use std::path::{Path, PathBuf};

use bundle_keys::PublicKey;
use bundle_verifier::instrument::receipt::{verify_receipt, verify_receipt_file, ReceiptError};
use e2e_tests::*;

struct Setup {
    s: Scratch,
    public: PathBuf,
    bundle: PathBuf,
    root: PathBuf,
    state: PathBuf,
}

/// The example release (which requires `--confirm backup`) and a fresh root.
fn example_setup() -> Setup {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let bundle = s.build(&example().join("release.toml"), &key, "fsn");
    let root = s.instrument_root("root");
    let state = s.path("state");
    Setup {
        s,
        public,
        bundle,
        root,
        state,
    }
}

impl Setup {
    fn apply(&self, bundle: &Path) -> std::process::Command {
        apply_cmd(bundle, &self.public, &nextseq_dx(), &self.root, &self.state)
    }

    fn device_pub(&self) -> PublicKey {
        let out = verifier()
            .args(["device", "pubkey", "--state"])
            .arg(&self.state)
            .output()
            .unwrap();
        assert!(out.status.success());
        PublicKey::from_pem(&String::from_utf8(out.stdout).unwrap()).unwrap()
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn install_then_rollback_gives_the_original_tree_byte_for_byte() {
    let t = example_setup();
    let before = snapshot(&t.root);
    t.apply(&t.bundle)
        .args(["--confirm", "backup"])
        .assert()
        .success();
    assert_ne!(snapshot(&t.root), before);
    let out = verifier()
        .args(["rollback", "--root"])
        .arg(&t.root)
        .arg("--state")
        .arg(&t.state)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("ROLLED BACK"));
    assert_eq!(snapshot(&t.root), before);
    // Nothing is left to roll back, and the rollback has its own receipt.
    verifier()
        .args(["rollback", "--root"])
        .arg(&t.root)
        .arg("--state")
        .arg(&t.state)
        .assert()
        .code(2);
    let last = receipts(&t.state).pop().unwrap();
    let r = verify_receipt_file(&last, &t.device_pub()).unwrap();
    assert_eq!(
        (r.action.as_str(), r.result.as_str()),
        ("rollback", "rolled-back")
    );
    assert_eq!(r.files.len(), 3);
}

#[test]
fn rollback_of_an_upgrade_restores_the_previous_release_and_its_record() {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let v1 = s.build(
        &write_release(
            s.dir.path(),
            "v1",
            1,
            &[("lrm/a.txt", "one"), ("lrm/bin/lrm", "v1 binary")],
            false,
        ),
        &key,
        "v1",
    );
    let v2 = s.build(
        &write_release(
            s.dir.path(),
            "v2",
            2,
            &[("lrm/a.txt", "two"), ("lrm/new/b.txt", "b")],
            false,
        ),
        &key,
        "v2",
    );
    let root = s.instrument_root("root");
    let state = s.path("state");
    let original = snapshot(&root);
    apply_cmd(&v1, &public, &nextseq_dx(), &root, &state)
        .assert()
        .success();
    let after_v1 = snapshot(&root);
    apply_cmd(&v2, &public, &nextseq_dx(), &root, &state)
        .assert()
        .success();
    let rb = || {
        verifier()
            .args(["rollback", "--root"])
            .arg(&root)
            .arg("--state")
            .arg(&state)
            .assert()
            .success()
    };
    rb();
    assert_eq!(snapshot(&root), after_v1);
    // The record is v1 again, so check-installed compares with v1's manifest.
    verifier()
        .args(["check-installed", "--json", "--root"])
        .arg(&root)
        .arg("--state")
        .arg(&state)
        .assert()
        .success()
        .stdout(predicates::str::contains("\"id\": \"REL-1\""));
    rb();
    assert_eq!(snapshot(&root), original);
    // Rollback keeps the high-water mark: v1 is not silently re-applicable.
    apply_cmd(&v1, &public, &nextseq_dx(), &root, &state)
        .assert()
        .code(4);
}

#[test]
fn rollback_refuses_when_an_installed_file_was_changed_since() {
    let t = example_setup();
    t.apply(&t.bundle)
        .args(["--confirm", "backup"])
        .assert()
        .success();
    std::fs::write(t.root.join("lrm/bin/lrm-guard"), "local edit").unwrap();
    let before = snapshot(&t.root);
    let out = verifier()
        .args(["rollback", "--root"])
        .arg(&t.root)
        .arg("--state")
        .arg(&t.state)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("lrm/bin/lrm-guard"));
    assert_eq!(snapshot(&t.root), before);
}

#[test]
fn a_downgrade_and_a_replay_are_refused_and_reinstall_allows_only_the_same_sequence() {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let v1 = s.build(
        &write_release(s.dir.path(), "v1", 1, &[("lrm/a.txt", "one")], false),
        &key,
        "v1",
    );
    let v2 = s.build(
        &write_release(s.dir.path(), "v2", 2, &[("lrm/a.txt", "two")], false),
        &key,
        "v2",
    );
    let root = s.instrument_root("root");
    let state = s.path("state");
    apply_cmd(&v2, &public, &nextseq_dx(), &root, &state)
        .assert()
        .success();
    let installed = snapshot(&root);

    let out = apply_cmd(&v1, &public, &nextseq_dx(), &root, &state)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let msg = stderr(&out);
    assert!(
        msg.contains("REL-2 1.2.0 (sequence 2)") && msg.contains("older (sequence 1)"),
        "{msg}"
    );
    apply_cmd(&v1, &public, &nextseq_dx(), &root, &state)
        .arg("--reinstall")
        .assert()
        .code(4);

    // The same release again, intact: nothing to do (tests/output.rs).
    apply_cmd(&v2, &public, &nextseq_dx(), &root, &state)
        .assert()
        .success();
    assert_eq!(snapshot(&root), installed);
    let de = |b: &Path| {
        let out = apply_cmd(b, &public, &nextseq_dx(), &root, &state)
            .args(["--lang", "de"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4));
        stderr(&out)
    };
    let msg = de(&v1);
    assert!(msg.contains("REL-2 1.2.0 (Sequenz 2) wurde im Modus Dx bereits installiert; dieses Paket ist älter (Sequenz 1)"), "{msg}");
    assert!(msg.contains("Verwenden Sie das neueste Paket"), "{msg}");

    // A damaged installed file is repaired by reinstalling the same release.
    std::fs::write(root.join("lrm/a.txt"), "tampered").unwrap();
    let msg = de(&v2);
    assert!(
        msg.contains("1 verändert") && msg.contains("--reinstall"),
        "{msg}"
    );
    apply_cmd(&v2, &public, &nextseq_dx(), &root, &state)
        .arg("--reinstall")
        .assert()
        .success();
    assert_eq!(snapshot(&root), installed);

    // Another mode has its own sequence: RUO still takes v1.
    apply_cmd(
        &v1,
        &public,
        &example().join("instruments/nextseq-ruo.toml"),
        &root,
        &state,
    )
    .assert()
    .success();
}

#[test]
fn missing_confirmation_is_refused_with_exit_4_in_english_and_german() {
    let t = example_setup();
    let before = snapshot(&t.root);
    let out = t.apply(&t.bundle).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let en = stderr(&out);
    assert!(
        en.contains("must not be installed before these steps are confirmed"),
        "{en}"
    );
    assert!(en.contains("[backup] The customer's run data"), "{en}");

    let out = t.apply(&t.bundle).args(["--lang", "de"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let de = stderr(&out);
    assert!(
        de.starts_with("Fehler: Dieses Paket darf erst installiert werden"),
        "{de}"
    );
    assert!(
        de.contains("Die Laufdaten des Kunden auf diesem Gerät wurden gesichert."),
        "{de}"
    );
    assert!(de.contains("Es wurde nichts verändert."), "{de}");

    // The default language comes from LANG.
    let out = t
        .apply(&t.bundle)
        .env("LANG", "de_DE.UTF-8")
        .output()
        .unwrap();
    assert!(stderr(&out).starts_with("Fehler: "), "{}", stderr(&out));
    assert_eq!(snapshot(&t.root), before);
}

#[test]
fn wrong_instrument_refusal_is_shown_in_english_and_german_and_recorded_in_a_receipt() {
    let t = example_setup();
    let before = snapshot(&t.root);
    let mut novaseq = std::fs::read_to_string(nextseq_dx()).unwrap();
    novaseq = novaseq.replace("NextSeq 550Dx", "NovaSeq 6000Dx");
    let id = t.s.path("novaseq.toml");
    std::fs::write(&id, novaseq).unwrap();
    let run = |lang: &str| {
        apply_cmd(&t.bundle, &t.public, &id, &t.root, &t.state)
            .args(["--confirm", "backup", "--lang", lang])
            .output()
            .unwrap()
    };
    let out = run("en");
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("this instrument is a NovaSeq 6000Dx"),
        "{}",
        stderr(&out)
    );
    let out = run("de");
    assert_eq!(out.status.code(), Some(4));
    let de = stderr(&out);
    assert!(de.contains("dieses Gerät ist ein NovaSeq 6000Dx"), "{de}");
    assert!(de.contains("diese Ablehnung ist im Beleg"), "{de}");
    assert_eq!(snapshot(&t.root), before);

    // A bundle signed by an untrusted key: exit 3, German text too.
    let (_, other) = t.s.keygen("other");
    let out = apply_cmd(&t.bundle, &other, &nextseq_dx(), &t.root, &t.state)
        .args(["--confirm", "backup", "--lang", "de"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("Nicht von genügend vertrauenswürdigen Schlüsseln signiert"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&t.root), before);

    let device = t.device_pub();
    let all: Vec<_> = receipts(&t.state)
        .iter()
        .map(|p| verify_receipt_file(p, &device).unwrap())
        .collect();
    assert_eq!(all.len(), 3);
    assert!(all
        .iter()
        .all(|r| r.result == "refused" && r.files.is_empty()));
    assert!(all[0].detail.as_deref().unwrap().contains("NovaSeq 6000Dx"));
    assert_eq!(all[0].identity.model, "NovaSeq 6000Dx");
    assert!(
        all[0].bundle.is_some(),
        "an authentic bundle is named in the refusal"
    );
    assert!(
        all[2].bundle.is_none(),
        "an unauthenticated bundle is not named"
    );
}

#[test]
fn receipts_verify_with_the_device_public_key_and_any_edit_is_detected() {
    let t = example_setup();
    let out = verifier()
        .args(["device", "init", "--state"])
        .arg(&t.state)
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed = stdout(&out);
    let device = t.device_pub();
    assert!(printed.contains(device.key_id().as_str()));
    assert!(printed.contains(&device.to_pem()));
    // The key is made once and never replaced.
    verifier()
        .args(["device", "init", "--state"])
        .arg(&t.state)
        .assert()
        .code(2);

    let verify = verifier()
        .arg("verify")
        .arg(&t.bundle)
        .arg("--trusted-key")
        .arg(&t.public)
        .arg("--json")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    t.apply(&t.bundle)
        .args(["--confirm", "backup"])
        .assert()
        .success();

    let path = receipts(&t.state).pop().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let r = verify_receipt(&bytes, &device).unwrap();
    assert_eq!(r.result, "installed");
    assert_eq!(r.type_, "offline-patch-bundle/receipt/1");
    assert_eq!(
        (r.identity.serial.as_str(), r.identity.mode.as_str()),
        ("NB551234", "Dx")
    );
    let b = r.bundle.as_ref().unwrap();
    assert_eq!(
        b.manifest_sha256.to_hex(),
        v["manifest_sha256"].as_str().unwrap()
    );
    assert_eq!(b.release.id, "FSN2022-1230");
    assert_eq!(b.signed_by[0].as_str(), counted_keys(&v)[0]);
    assert_eq!(r.confirmations.len(), 1);
    assert_eq!(
        (
            r.confirmations[0].id.as_str(),
            r.confirmations[0].how.as_str()
        ),
        ("backup", "flag")
    );
    assert_eq!(r.files.len(), 3);
    assert!(r.installed_before.is_none());
    assert_eq!(r.installed_after.as_ref().unwrap().sequence, 1);
    assert!(r.backup[0].contains("backups"));
    assert!(r.tool.starts_with("bundle-verifier "));

    // Edits: a changed result, a changed serial, whitespace, another device.
    let text = String::from_utf8(bytes.clone()).unwrap();
    for edited in [
        text.replace("\"result\":\"installed\"", "\"result\":\"refused\""),
        text.replace("NB551234", "NB551235"),
        text.replacen('{', "{ ", 1),
    ] {
        assert_ne!(edited, text);
        assert!(verify_receipt(edited.as_bytes(), &device).is_err());
    }
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(&bytes).unwrap())
            .unwrap();
    assert!(matches!(
        verify_receipt(&pretty, &device),
        Err(ReceiptError::NotCanonical)
    ));
    let other = PublicKey::read_pem_file(&t.public).unwrap();
    assert!(matches!(
        verify_receipt(&bytes, &other),
        Err(ReceiptError::WrongKey { .. })
    ));

    // Export copies every receipt and the key to check them with.
    let usb = t.s.path("usb");
    verifier()
        .args(["receipts", "export", "--state"])
        .arg(&t.state)
        .arg("--to")
        .arg(&usb)
        .assert()
        .success();
    let exported_key =
        PublicKey::read_pem_file(&usb.join(format!("device-{}.pub", device.key_id()))).unwrap();
    let copy = usb.join(path.file_name().unwrap());
    verify_receipt_file(&copy, &exported_key).unwrap();
    // Exporting again is a no-op; a different file of the same name is never overwritten.
    verifier()
        .args(["receipts", "export", "--state"])
        .arg(&t.state)
        .arg("--to")
        .arg(&usb)
        .assert()
        .success();
    std::fs::write(&copy, "other").unwrap();
    verifier()
        .args(["receipts", "export", "--state"])
        .arg(&t.state)
        .arg("--to")
        .arg(&usb)
        .assert()
        .code(2);
}

#[test]
fn device_pubkey_prints_the_spki_pem_alone() {
    let t = example_setup();
    verifier()
        .args(["device", "pubkey", "--state"])
        .arg(&t.state)
        .assert()
        .code(2);
    verifier()
        .args(["device", "init", "--state"])
        .arg(&t.state)
        .assert()
        .success();
    let out = verifier()
        .args(["device", "pubkey", "--state"])
        .arg(&t.state)
        .output()
        .unwrap();
    let pem = stdout(&out);
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
    assert_eq!(
        pem,
        std::fs::read_to_string(t.state.join("device/device.pub")).unwrap()
    );
}

#[test]
fn check_installed_finds_a_changed_a_missing_and_an_added_file() {
    let t = example_setup();
    t.apply(&t.bundle)
        .args(["--confirm", "backup"])
        .assert()
        .success();
    let check = |lang: &str| {
        verifier()
            .args(["check-installed", "--lang", lang, "--root"])
            .arg(&t.root)
            .arg("--state")
            .arg(&t.state)
            .output()
            .unwrap()
    };
    let out = check("en");
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("OK: all 3 installed files match"));
    // With trusted keys, the stored signatures are checked too.
    let with_key = |key: &Path| {
        verifier()
            .args(["check-installed", "--trusted-key"])
            .arg(key)
            .arg("--root")
            .arg(&t.root)
            .arg("--state")
            .arg(&t.state)
            .assert()
    };
    with_key(&t.public).success();
    let (_, other) = t.s.keygen("other");
    with_key(&other).code(3);

    std::fs::write(
        t.root.join("lrm/config/remote-access.json"),
        "{\"remote\": true}",
    )
    .unwrap();
    std::fs::remove_file(t.root.join("lrm/PATCH-FSN2022-1230.txt")).unwrap();
    std::fs::write(t.root.join("lrm/bin/backdoor"), "#!/bin/sh\n").unwrap();
    let out = check("en");
    // 6: checked, and not as it should be (3 is a refused bundle).
    assert_eq!(out.status.code(), Some(6));
    let text = stdout(&out);
    assert!(
        text.contains("modified    lrm/config/remote-access.json"),
        "{text}"
    );
    assert!(
        text.contains("missing     lrm/PATCH-FSN2022-1230.txt"),
        "{text}"
    );
    assert!(text.contains("unexpected  lrm/bin/backdoor"), "{text}");
    assert!(
        !text.contains("lrm/bin/lrm\n"),
        "files that were there at install are expected: {text}"
    );
    let de = stdout(&check("de"));
    assert!(
        de.contains("verändert   lrm/config/remote-access.json"),
        "{de}"
    );

    let json = verifier()
        .args(["check-installed", "--json", "--root"])
        .arg(&t.root)
        .arg("--state")
        .arg(&t.state)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["modified"][0], "lrm/config/remote-access.json");
    assert_eq!(v["missing"][0], "lrm/PATCH-FSN2022-1230.txt");
    assert_eq!(v["unexpected"][0], "lrm/bin/backdoor");
}

#[test]
fn an_injected_failure_restores_the_root_and_records_the_failure() {
    let t = example_setup();
    let before = snapshot(&t.root);
    for n in 0..3 {
        t.apply(&t.bundle)
            .args(["--confirm", "backup"])
            .env("BUNDLE_VERIFIER_FAIL_AFTER_FILES", n.to_string())
            .assert()
            .code(5);
        assert_eq!(snapshot(&t.root), before, "after a fault before file {n}");
    }
    let device = t.device_pub();
    let r = verify_receipt_file(receipts(&t.state).last().unwrap(), &device).unwrap();
    assert_eq!(r.result, "failed-restored");
    assert!(!t.state.join("journal.json").exists());
    // The failures did not count as applied.
    t.apply(&t.bundle)
        .args(["--confirm", "backup"])
        .assert()
        .success();
}

#[test]
fn dry_run_changes_nothing_names_the_confirmations_and_writes_no_receipt() {
    let t = example_setup();
    let before = snapshot(&t.root);
    let out = t.apply(&t.bundle).arg("--dry-run").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(!summary.contains("lrm/bin/lrm-guard"), "{summary}");
    assert!(summary.contains("--list"), "{summary}");
    let out = t
        .apply(&t.bundle)
        .args(["--dry-run", "--list"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.starts_with("DRY RUN"));
    assert!(text.contains("add      lrm/bin/lrm-guard"));
    assert!(text.contains("replace  lrm/config/remote-access.json"));
    assert!(text.contains("--confirm backup"));
    assert!(text.contains("REMINDER: this instrument also boots in mode RUO"));
    let de = stdout(
        &t.apply(&t.bundle)
            .args(["--dry-run", "--lang", "de"])
            .output()
            .unwrap(),
    );
    assert!(de.starts_with("PROBELAUF"), "{de}");
    assert!(
        de.contains("ERINNERUNG: Dieses Gerät startet auch im Modus RUO"),
        "{de}"
    );
    assert_eq!(snapshot(&t.root), before);
    assert!(receipts(&t.state).is_empty());
}

#[test]
fn after_apply_the_other_mode_is_reminded_in_english_and_german() {
    let t = example_setup();
    let out = t
        .apply(&t.bundle)
        .args(["--confirm", "backup", "--lang", "de"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let de = stdout(&out);
    assert!(de.starts_with("INSTALLIERT: FSN2022-1230"), "{de}");
    assert!(
        de.contains("ERINNERUNG: Dieses Gerät startet auch im Modus RUO"),
        "{de}"
    );
    let ruo = example().join("instruments/nextseq-ruo.toml");
    let out = apply_cmd(&t.bundle, &t.public, &ruo, &t.root, &t.state)
        .args(["--confirm", "backup"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).contains("REMINDER: this instrument also boots in mode Dx"));
}

#[test]
fn backup_to_keeps_an_extra_copy_of_every_replaced_file() {
    let t = example_setup();
    let old = std::fs::read(t.root.join("lrm/config/remote-access.json")).unwrap();
    let usb = t.s.path("usb");
    let out = t
        .apply(&t.bundle)
        .args(["--confirm", "backup", "--json", "--backup-to"])
        .arg(&usb)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dir = PathBuf::from(v["applied"]["backup_to"].as_str().unwrap());
    assert!(dir.starts_with(&usb));
    assert_eq!(
        std::fs::read(dir.join("files/lrm/config/remote-access.json")).unwrap(),
        old
    );
    assert!(
        !dir.join("files/lrm/bin/lrm-guard").exists(),
        "added files have nothing to back up"
    );
    let device = t.device_pub();
    let r = verify_receipt_file(receipts(&t.state).last().unwrap(), &device).unwrap();
    assert!(r.backup.iter().any(|b| Path::new(b) == dir));
}

#[test]
fn scan_lists_which_bundles_on_a_stick_apply_and_why_the_others_do_not() {
    let t = example_setup();
    let usb = t.s.path("usb");
    std::fs::create_dir_all(usb.join("older")).unwrap();
    std::fs::copy(&t.bundle, usb.join("FSN2022-1230.bundle")).unwrap();
    let (k2, _) = t.s.keygen("untrusted");
    let other = t.s.build(&example().join("release.toml"), &k2, "other");
    std::fs::copy(&other, usb.join("older/unknown-signer.bundle")).unwrap();
    let miseq_only = write_release(t.s.dir.path(), "m", 5, &[("x.txt", "x")], false);
    let text = std::fs::read_to_string(&miseq_only)
        .unwrap()
        .replace("NextSeq 550Dx", "MiSeqDx")
        .replace("00816270020125", "00816270020002");
    std::fs::write(&miseq_only, text).unwrap();
    let m = t.s.build(&miseq_only, &t.s.path("release.key"), "miseq");
    std::fs::copy(&m, usb.join("miseq.bundle")).unwrap();
    std::fs::write(usb.join("notes.txt"), "not a bundle").unwrap();

    let out = verifier()
        .arg("scan")
        .arg(&usb)
        .arg("--trusted-key")
        .arg(&t.public)
        .arg("--instrument")
        .arg(nextseq_dx())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("APPLIES    FSN2022-1230 1.0.0 (sequence 1)  FSN2022-1230.bundle"),
        "{text}"
    );
    assert!(text.contains("NOT HERE   miseq.bundle"), "{text}");
    assert!(
        text.contains("this bundle is for MiSeqDx; this instrument is a NextSeq 550Dx"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "REFUSED    {}",
            Path::new("older").join("unknown-signer.bundle").display()
        )),
        "{text}"
    );
    assert!(!text.contains("notes.txt"));

    // With the state: an applied release no longer counts as applying.
    t.apply(&t.bundle)
        .args(["--confirm", "backup"])
        .assert()
        .success();
    let out = verifier()
        .args(["scan", "--lang", "de", "--json"])
        .arg(&usb)
        .arg("--trusted-key")
        .arg(&t.public)
        .arg("--instrument")
        .arg(nextseq_dx())
        .arg("--state")
        .arg(&t.state)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let verdicts: Vec<&str> = v["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        [
            "not-for-this-instrument",
            "not-for-this-instrument",
            "refused"
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_bundle_changed_while_apply_reads_it_is_refused_and_the_root_is_untouched() {
    let t = example_setup();
    let good = std::fs::read(&t.bundle).unwrap();
    // The stick's bytes change after the signed front: the payload differs.
    let mut changed = good.clone();
    let at = good.len() - 1024 - 600;
    changed[at] ^= 0x40;
    let before = snapshot(&t.root);
    for (bytes, ok) in [(changed, false), (good, true)] {
        let fifo = t.s.path("stick.bundle");
        let _ = std::fs::remove_file(&fifo);
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
                // The front first, then the rest: what apply reads is what flows once.
                let _ = f.write_all(&bytes[..4096]);
                std::thread::sleep(std::time::Duration::from_millis(50));
                let _ = f.write_all(&bytes[4096..]);
            })
        };
        let mut cmd = t.apply(&fifo);
        cmd.args(["--confirm", "backup"]);
        let out = assert_cmd::Command::from_std(cmd)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        writer.join().unwrap();
        if ok {
            // A pipe can be read only once: success proves apply never reads twice.
            assert!(out.status.success(), "{}", stderr(&out));
        } else {
            assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
            assert!(
                stderr(&out).contains("payload is damaged"),
                "{}",
                stderr(&out)
            );
            assert_eq!(snapshot(&t.root), before);
            assert!(std::fs::read_dir(t.state.join("staging"))
                .unwrap()
                .next()
                .is_none());
        }
    }
}

#[cfg(unix)]
#[test]
fn apply_works_from_read_only_media_and_writes_nothing_there() {
    use std::os::unix::fs::PermissionsExt;
    let t = example_setup();
    let stick = t.s.path("stick");
    std::fs::create_dir(&stick).unwrap();
    let b = stick.join("FSN2022-1230.bundle");
    std::fs::copy(&t.bundle, &b).unwrap();
    std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&stick, std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = snapshot(&stick);
    t.apply(&b).args(["--confirm", "backup"]).assert().success();
    assert_eq!(snapshot(&stick), before);
    std::fs::set_permissions(&stick, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs `cmd` with a pseudo-terminal as stdin/stderr (util-linux `script`),
/// typing `input`. None when `script` is not installed.
#[cfg(unix)]
fn in_terminal(args: &[std::ffi::OsString], input: &str) -> Option<std::process::Output> {
    use std::io::Write;
    let bin = verifier();
    let mut line = bin.get_program().to_string_lossy().into_owned();
    for a in args {
        line.push(' ');
        line.push_str(&a.to_string_lossy());
    }
    let mut child = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("LANG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    Some(child.wait_with_output().unwrap())
}

#[cfg(unix)]
#[test]
fn at_a_terminal_apply_asks_for_each_step_and_records_the_answer() {
    let t = example_setup();
    let args = |lang: &'static str| -> Vec<std::ffi::OsString> {
        vec![
            "apply".into(),
            t.bundle.clone().into(),
            "--trusted-key".into(),
            t.public.clone().into(),
            "--instrument".into(),
            nextseq_dx().into(),
            "--root".into(),
            t.root.clone().into(),
            "--state".into(),
            t.state.clone().into(),
            "--lang".into(),
            lang.into(),
        ]
    };
    let before = snapshot(&t.root);
    let Some(out) = in_terminal(&args("en"), "no\n") else {
        eprintln!("`script` is not installed; skipping the terminal test");
        return;
    };
    let text = stdout(&out);
    assert!(
        text.contains("Please confirm [backup]: The customer's run data"),
        "{text}"
    );
    assert!(
        text.contains("must not be installed before these steps are confirmed"),
        "{text}"
    );
    assert_eq!(snapshot(&t.root), before);

    let out = in_terminal(&args("de"), "ja\n").unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("Bitte bestätigen [backup]: Die Laufdaten des Kunden"),
        "{text}"
    );
    assert!(text.contains("bestätigt [backup] am Terminal"), "{text}");
    let device = t.device_pub();
    let r = verify_receipt_file(receipts(&t.state).last().unwrap(), &device).unwrap();
    assert_eq!(r.result, "installed");
    assert_eq!(r.confirmations[0].how, "terminal");
}

#[test]
fn a_second_verifier_on_the_same_state_directory_waits_its_turn() {
    let t = example_setup();
    verifier()
        .args(["device", "init", "--state"])
        .arg(&t.state)
        .assert()
        .success();
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(t.state.join("lock"))
        .unwrap();
    lock.lock().unwrap();
    let before = snapshot(&t.root);
    let out = t
        .apply(&t.bundle)
        .args(["--confirm", "backup"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("another bundle-verifier is using the state directory"));
    assert_eq!(snapshot(&t.root), before);
    // Closing releases the lock; Wine 8 refuses to unlock a whole file.
    drop(lock);
    t.apply(&t.bundle)
        .args(["--confirm", "backup"])
        .assert()
        .success();
}

#[test]
fn too_little_free_space_is_refused_before_staging_in_english_and_german() {
    let t = example_setup();
    let before = snapshot(&t.root);
    for (lang, words) in [
        ("en", "not enough free space in"),
        ("de", "Zu wenig freier Speicherplatz in"),
    ] {
        let out = t
            .apply(&t.bundle)
            .args(["--confirm", "backup", "--lang", lang])
            .env("BUNDLE_VERIFIER_FREE_BYTES", "1000")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(words), "{err}");
        assert!(err.contains("MiB"), "{err}");
    }
    // Nothing was staged, installed or signed.
    assert_eq!(snapshot(&t.root), before);
    assert!(receipts(&t.state).is_empty());
    let staging = t.state.join("staging");
    let left = std::fs::read_dir(&staging).map_or(0, |d| d.count());
    assert_eq!(left, 0, "staging is empty");
    // Enough space: the same command installs.
    t.apply(&t.bundle)
        .args(["--confirm", "backup"])
        .env("BUNDLE_VERIFIER_FREE_BYTES", "1000000000")
        .assert()
        .success();
    assert_ne!(snapshot(&t.root), before);
}

#[test]
fn extract_refuses_a_full_disk_before_writing_anything() {
    let t = example_setup();
    let out_dir = t.s.path("out");
    let extract = |free: &str| {
        verifier()
            .arg("extract")
            .arg(&t.bundle)
            .arg("--trusted-key")
            .arg(&t.public)
            .args(["--model", "MiSeqDx", "--mode", "RUO", "--out"])
            .arg(&out_dir)
            .env("BUNDLE_VERIFIER_FREE_BYTES", free)
            .env("LANG", "C")
            .output()
            .unwrap()
    };
    let out = extract("1000");
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("not enough free space in"));
    assert!(!out_dir.exists());
    // No half-written temporary directory is left beside it.
    let left: Vec<_> = std::fs::read_dir(t.s.dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".extract-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let out = extract("1000000000");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out_dir.join("lrm").exists());
}

/// `hold-open FILE...` running until dropped: another process holding
/// files as a service does (on Windows it shares nothing).
struct Holder(std::process::Child);

impl Holder {
    fn new(files: &[PathBuf]) -> Holder {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hold-open"))
            .args(files)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready");
        Holder(child)
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// v1 (`lrm/a.txt`, `lrm/bin/lrm`) installed; the bundle is v2, which
/// replaces both and adds a file.
fn upgrade_setup() -> Setup {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let release = |name, seq, files: &[(&str, &str)]| {
        s.build(
            &write_release(s.dir.path(), name, seq, files, false),
            &key,
            name,
        )
    };
    let v1 = release(
        "v1",
        1,
        &[("lrm/a.txt", "one"), ("lrm/bin/lrm", "v1 binary")],
    );
    let v2 = release(
        "v2",
        2,
        &[
            ("lrm/a.txt", "two"),
            ("lrm/bin/lrm", "v2 binary"),
            ("lrm/new/b.txt", "b"),
        ],
    );
    let root = s.instrument_root("root");
    let state = s.path("state");
    apply_cmd(&v1, &public, &nextseq_dx(), &root, &state)
        .assert()
        .success();
    Setup {
        s,
        public,
        bundle: v2,
        root,
        state,
    }
}

#[cfg(windows)]
#[test]
fn files_held_open_by_another_program_are_refused_with_exit_5_before_anything_changes() {
    let t = upgrade_setup();
    let held = [t.root.join("lrm/a.txt"), t.root.join("lrm/bin/lrm")];
    let before = snapshot(&t.root);
    let receipts_before = receipts(&t.state).len();
    let count = |d: &str| std::fs::read_dir(t.state.join(d)).map_or(0, |d| d.count());
    let backups_before = count("backups");
    let holder = Holder::new(&held);
    for (args, lang, words) in [
        (
            &["--dry-run"][..],
            "en",
            "2 files that would be replaced or removed are open",
        ),
        (
            &[][..],
            "en",
            "2 files that would be replaced or removed are open",
        ),
        (&[][..], "de", "2 Dateien, die ersetzt oder entfernt würden"),
    ] {
        let out = t
            .apply(&t.bundle)
            .args(args)
            .args(["--lang", lang])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(5), "{args:?} {lang}: {err}");
        assert!(err.contains(words), "{err}");
        for name in ["a.txt", "lrm"] {
            assert!(err.contains(name), "{err}");
        }
    }
    // Nothing changed (read once the files are let go), staged, backed up
    // or journaled; each real attempt left a refusal receipt naming the file.
    drop(holder);
    assert_eq!(snapshot(&t.root), before);
    assert!(!t.state.join("journal.json").exists());
    assert_eq!(count("staging"), 0);
    assert_eq!(count("backups"), backups_before);
    let device = t.device_pub();
    let all = receipts(&t.state);
    assert_eq!(
        all.len(),
        receipts_before + 2,
        "one per refused apply, none for the dry run"
    );
    let r = verify_receipt_file(all.last().unwrap(), &device).unwrap();
    assert_eq!(r.result, "refused");
    assert!(
        r.detail.as_deref().unwrap_or("").contains("a.txt"),
        "{:?}",
        r.detail
    );
    // Let go: the same command installs.
    t.apply(&t.bundle).assert().success();
    assert_eq!(std::fs::read(&held[0]).unwrap(), b"two");
    // Rollback would put a.txt back and remove b.txt: none may be held.
    let after = snapshot(&t.root);
    let holder = Holder::new(&[t.root.join("lrm/new/b.txt")]);
    let rollback = || {
        verifier()
            .args(["rollback", "--root"])
            .arg(&t.root)
            .arg("--state")
            .arg(&t.state)
            .output()
            .unwrap()
    };
    let out = rollback();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("b.txt"), "{}", stderr(&out));
    drop(holder);
    assert_eq!(snapshot(&t.root), after);
    assert!(rollback().status.success());
    assert_eq!(std::fs::read(&held[0]).unwrap(), b"one");
}

/// On Unix a rename over an open file works (the holder keeps the old
/// one), so nothing is refused.
#[cfg(unix)]
#[test]
fn files_held_open_do_not_stop_apply_on_unix() {
    let t = upgrade_setup();
    let _holder = Holder::new(&[t.root.join("lrm/a.txt")]);
    t.apply(&t.bundle).assert().success();
    assert_eq!(std::fs::read(t.root.join("lrm/a.txt")).unwrap(), b"two");
}
