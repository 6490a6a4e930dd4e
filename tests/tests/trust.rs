//! Trust roots end to end: thresholds, revocation, expiry and the clock
//! policy, model scope, rotation, co-signing. Every refusal exits 3 and
//! names its reason.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use e2e_tests::trust_kit::*;
use e2e_tests::*;

/// Root v1: root keys r1, r2, r3 (any 2), release keys as given.
fn root_v1(v: &Vendor, releases: &[&str], release_threshold: u32) -> PathBuf {
    let root = v.init(
        "root1.json",
        &["r1", "r2", "r3"],
        2,
        releases,
        release_threshold,
        &[],
    );
    v.sign(&root, &["r1", "r2"]);
    root
}

/// The next version of `prev` with `args`, signed by r1 and r2 (a threshold
/// of both v1's and its own root keys while those stay root keys).
fn signed_edit(v: &Vendor, prev: &Path, out: &str, args: &[&str]) -> PathBuf {
    let root = v.edit(prev, out, args);
    v.sign(&root, &["r1", "r2"]);
    root
}

#[test]
fn bundle_signed_by_a_release_key_of_the_trust_root_verifies() {
    let v = Vendor::new();
    let root = root_v1(&v, &["rel"], 1);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[]);
    let out = ok(&mut {
        let mut c = verifier();
        c.arg("verify")
            .arg(&b)
            .arg("--trust-root")
            .arg(&root)
            .arg("--json");
        c
    });
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["trust"]["trust_root"]["version"], 1);
    assert_eq!(counted_keys(&j), [v.id("rel")]);
}

#[test]
fn too_few_release_signatures_are_refused_until_a_cosignature_is_added() {
    let v = Vendor::new();
    let root = root_v1(&v, &["rel", "rel2"], 2);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[&root]);
    refused(v.verify(&b, &root), "1 of 2 release keys needed");
    let manifest_before = members(&b).into_iter().find(|(n, _)| n == "manifest.json");
    v.cosign(&b, "rel2");
    let manifest_after = members(&b).into_iter().find(|(n, _)| n == "manifest.json");
    assert_eq!(
        manifest_before, manifest_after,
        "cosign keeps the manifest bytes"
    );
    assert!(
        members(&b).iter().any(|(n, _)| n == "trust-root.1.json"),
        "cosign keeps the carried trust root"
    );
    let out = succeeded("verify", v.verify(&b, &root));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 signatures counted, 2 needed"), "{text}");
}

#[test]
fn the_same_key_signing_twice_is_refused() {
    let v = Vendor::new();
    let root = root_v1(&v, &["rel", "rel2"], 2);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[]);
    let mut m = members(&b);
    let sigs = m.iter_mut().find(|(n, _)| n == "signatures.json").unwrap();
    let mut j: serde_json::Value = serde_json::from_slice(&sigs.1).unwrap();
    let one = j["signatures"][0].clone();
    j["signatures"].as_array_mut().unwrap().push(one);
    sigs.1 = serde_json::to_vec(&j).unwrap();
    write_members(&b, &m);
    refused(v.verify(&b, &root), "signs twice; each key counts once");
}

#[test]
fn a_revoked_key_does_not_count() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let root2 = signed_edit(
        &v,
        &root1,
        "root2.json",
        &["--revoke", "#rel", "--add-release-key", "@rel2"],
    );
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[]);
    succeeded("verify", v.verify(&b, &root1));
    refused(v.verify(&b, &root2), "revoked in trust root version 2");
}

#[test]
fn an_expired_key_does_not_count() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let root2 = signed_edit(
        &v,
        &root1,
        "root2.json",
        &["--add-release-key", "@old", "--expires", "2020-01-31"],
    );
    let b = v.build("b", &v.spec("s", 1, &[]), "old", &[]);
    refused(v.verify(&b, &root2), "key expired on 2020-01-31");
}

#[test]
fn expiry_is_judged_no_earlier_than_the_trust_root_issue_date() {
    // Clock policy: an instrument whose clock is behind cannot revive a key
    // the vendor let expire before the trust root it holds was issued.
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let args = ["--add-release-key", "@late", "--expires", "2099-12-31"];
    let today = signed_edit(&v, &root1, "today.json", &args);
    let mut later: Vec<&str> = args.to_vec();
    later.extend(["--issued", "2100-01-01"]);
    let future = signed_edit(&v, &root1, "future.json", &later);
    let b = v.build("b", &v.spec("s", 1, &[]), "late", &[]);
    succeeded("verify", v.verify(&b, &today));
    refused(
        v.verify(&b, &future),
        "judged on 2100-01-01, the issue date of trust root version 2",
    );
}

#[test]
fn a_key_used_outside_its_model_scope_does_not_count() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let root2 = signed_edit(
        &v,
        &root1,
        "root2.json",
        &["--add-release-key", "@nextseq", "--scope", "NextSeq 550Dx"],
    );
    let only = v.build(
        "only",
        &v.spec("only", 1, &["NextSeq 550Dx"]),
        "nextseq",
        &[],
    );
    succeeded("verify", v.verify(&only, &root2));
    let all = v.build("all", &v.spec("all", 1, &[]), "nextseq", &[]);
    refused(
        v.verify(&all, &root2),
        "may sign only for NextSeq 550Dx but the bundle also targets",
    );
}

#[test]
fn a_trust_root_signed_below_its_threshold_is_refused() {
    let v = Vendor::new();
    let root = v.init("root1.json", &["r1", "r2", "r3"], 2, &["rel"], 1, &[]);
    v.sign(&root, &["r1"]);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[]);
    refused(
        v.verify(&b, &root),
        "trust root version 1 is signed by only 1 of its own root keys (at least 2 must sign)",
    );
    let show = run(verifier().args(["trust", "show"]).arg(&root));
    assert!(String::from_utf8_lossy(&show.stdout).contains("NOT VALID"));
}

#[test]
fn a_rotation_not_signed_by_the_old_root_is_refused() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    // Version 2 replaces r1 and r2 by r4 and r5; only new keys sign it.
    let root2 = v.edit(
        &root1,
        "root2.json",
        &[
            "--add-root-key",
            "@r4",
            "--add-root-key",
            "@r5",
            "--remove-root-key",
            "#r1",
            "--remove-root-key",
            "#r2",
        ],
    );
    v.sign(&root2, &["r4", "r5"]);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[&root2]);
    refused(
        v.verify(&b, &root1),
        "trust root version 2 is signed by only 0 of the root keys of version 1",
    );
    // The same bundle from a builder that checks the chain: refused too.
    let out = run(builder()
        .arg("build")
        .arg(v.spec("s2", 1, &[]))
        .arg("--key")
        .arg(v.key("rel"))
        .arg("--out")
        .arg(v.path("c.bundle"))
        .arg("--include-root")
        .arg(&root1)
        .arg("--include-root")
        .arg(&root2));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_tampered_trust_root_in_a_bundle_is_refused() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let root2 = signed_edit(&v, &root1, "root2.json", &["--add-release-key", "@evil"]);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[&root2]);
    let original = members(&b);
    let mut m = original.clone();
    let r = m
        .iter_mut()
        .find(|(n, _)| n == "trust-root.2.json")
        .unwrap();
    let text = String::from_utf8(r.1.clone()).unwrap();
    r.1 = text.replace("\"version\":2", "\"version\":3").into_bytes();
    write_members(&b, &m);
    refused(v.verify(&b, &root1), "holds version 3");

    let mut m = original;
    let r = m
        .iter_mut()
        .find(|(n, _)| n == "trust-root.2.json")
        .unwrap();
    let text = String::from_utf8(r.1.clone()).unwrap();
    let issued = text.find("\"issued\":\"").unwrap() + 10;
    r.1 = format!("{}2000{}", &text[..issued], &text[issued + 4..]).into_bytes();
    write_members(&b, &m);
    refused(
        v.verify(&b, &root1),
        "does not verify; the trust root was altered",
    );
}

#[test]
fn trusted_key_still_works_as_a_root_of_one_key() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[&root1]);
    ok(&mut {
        let mut c = verifier();
        c.arg("verify")
            .arg(&b)
            .arg("--trusted-key")
            .arg(v.public("rel"));
        c
    });
    let out = run(verifier()
        .arg("verify")
        .arg(&b)
        .arg("--trusted-key")
        .arg(v.public("r1")));
    refused(out, "0 of 1 release keys needed");
}

/// The story of issue 4: root v1 → v2 (one root key replaced, a release key
/// revoked) shipped inside a bundle; an instrument holding v1 accepts it and
/// from then on refuses bundles signed by the revoked key.
#[test]
fn rotation_story_instrument_follows_the_chain_and_then_refuses_the_revoked_key() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let inst = Instrument::new(&v.s, "nextseq");
    let trust_v1: [&OsStr; 2] = ["--trust-root".as_ref(), root1.as_os_str()];

    // The instrument gets v1 with its first bundle.
    let first = v.build("first", &v.spec("first", 1, &[]), "rel", &[]);
    succeeded("first apply", inst.apply(&first, &trust_v1));
    assert_eq!(inst.installed_root(), Some(std::fs::read(&root1).unwrap()));

    // v2: r1 replaced by r4, release key rel revoked and rel2 added; signed
    // by a threshold of v1's root keys (r1, r2) and of its own (r2, r3).
    let root2 = v.edit(
        &root1,
        "root2.json",
        &[
            "--add-root-key",
            "@r4",
            "--remove-root-key",
            "#r1",
            "--revoke",
            "#rel",
            "--add-release-key",
            "@rel2",
        ],
    );
    v.sign(&root2, &["r1", "r2", "r3"]);
    let second = v.build("second", &v.spec("second", 2, &[]), "rel2", &[&root2]);
    let out = succeeded("second apply", inst.apply(&second, &[]));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("trust root version 2 carried by the bundle was accepted"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(inst.installed_root(), Some(std::fs::read(&root2).unwrap()));

    // From now on the revoked key is refused, and the root is untouched.
    let before = snapshot(&inst.root);
    let third = v.build("third", &v.spec("third", 3, &[]), "rel", &[&root1]);
    refused(inst.apply(&third, &[]), "revoked in trust root version 2");
    // Handing the instrument the old trust root does not take it back.
    refused(
        inst.apply(&third, &trust_v1),
        "trust root version 1 is older than version 2",
    );
    assert_eq!(snapshot(&inst.root), before);
    assert_eq!(inst.installed_root(), Some(std::fs::read(&root2).unwrap()));
}

#[test]
fn dry_run_does_not_install_a_carried_trust_root() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let root2 = signed_edit(&v, &root1, "root2.json", &["--add-release-key", "@rel2"]);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel2", &[&root2]);
    let inst = Instrument::new(&v.s, "i");
    let out = inst.apply(
        &b,
        &[
            "--trust-root".as_ref(),
            root1.as_os_str(),
            "--dry-run".as_ref(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(inst.installed_root(), None);
}

#[test]
fn a_chain_that_skips_a_version_is_refused() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let root2 = signed_edit(&v, &root1, "root2.json", &["--add-release-key", "@rel2"]);
    let root3 = signed_edit(&v, &root2, "root3.json", &["--add-release-key", "@rel3"]);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel3", &[&root3]);
    refused(v.verify(&b, &root1), "every version in between is needed");
}

#[test]
fn two_different_trust_roots_with_the_same_version_are_refused() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let a = signed_edit(&v, &root1, "root2a.json", &["--add-release-key", "@rel2"]);
    let b2 = signed_edit(&v, &root1, "root2b.json", &["--add-release-key", "@rel3"]);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel3", &[&b2]);
    refused(v.verify(&b, &a), "two different trust roots with version 2");
}

#[test]
fn a_rotation_that_takes_back_a_revocation_is_refused() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel", "rel2"], 1);
    let root2 = signed_edit(&v, &root1, "root2.json", &["--revoke", "#rel"]);
    let root3 = v.edit(&root2, "root3.json", &[]);
    // Hand-edit version 3 so that it forgets the revocation, then sign it.
    let text = std::fs::read_to_string(&root3).unwrap();
    let revoked = format!("\"revoked\":[\"{}\"]", v.id("rel"));
    assert!(text.contains(&revoked));
    std::fs::write(&root3, text.replace(&revoked, "\"revoked\":[]")).unwrap();
    v.sign(&root3, &["r1", "r2"]);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel2", &[&root2]);
    // The builder refuses the chain; splice version 3 in by hand.
    let mut m = members(&b);
    m.insert(
        2,
        ("trust-root.3.json".into(), std::fs::read(&root3).unwrap()),
    );
    write_members(&b, &m);
    refused(v.verify(&b, &root1), "revocations are permanent");
}

#[test]
fn trusted_key_is_refused_on_an_instrument_that_holds_a_trust_root() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[&root1]);
    let inst = Instrument::new(&v.s, "i");
    let out = inst.apply(&b, &["--trust-root".as_ref(), root1.as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = inst.apply(&b, &["--trusted-key".as_ref(), v.public("rel").as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has trust root version 1 installed"));
}

#[test]
fn an_instrument_takes_the_next_trust_root_from_a_file_when_it_chains() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let root2 = signed_edit(
        &v,
        &root1,
        "root2.json",
        &["--revoke", "#rel", "--add-release-key", "@rel2"],
    );
    let inst = Instrument::new(&v.s, "i");
    let b1 = v.build("b1", &v.spec("s1", 1, &[]), "rel", &[]);
    // Nothing installed and no trust named: a usage error that says what to give.
    let out = inst.apply(&b1, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --trust-root"));
    succeeded(
        "apply",
        inst.apply(&b1, &["--trust-root".as_ref(), root1.as_os_str()]),
    );
    let b2 = v.build("b2", &v.spec("s2", 2, &[]), "rel2", &[]);
    succeeded(
        "apply",
        inst.apply(&b2, &["--trust-root".as_ref(), root2.as_os_str()]),
    );
    assert_eq!(inst.installed_root(), Some(std::fs::read(&root2).unwrap()));
    // extract judges with a trust root file too.
    let out = run(verifier()
        .arg("extract")
        .arg(&b1)
        .arg("--trust-root")
        .arg(&root2)
        .args(["--model", "MiSeqDx", "--mode", "Dx", "--out"])
        .arg(v.path("x")));
    refused(out, "revoked in trust root version 2");
}

/// `build --include-root` judges the signing key as instruments will, so a
/// bundle every instrument would refuse is never written.
#[test]
fn build_refuses_a_signing_key_that_would_not_count_under_the_carried_root() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let root2 = signed_edit(
        &v,
        &root1,
        "root2.json",
        &[
            "--revoke",
            "#rel",
            "--add-release-key",
            "@nextseq",
            "--scope",
            "NextSeq 550Dx",
        ],
    );
    let spec = v.spec("s", 1, &[]);
    for (key, roots, why) in [
        (
            "stranger",
            vec![&root1],
            "not a release key of trust root version 1",
        ),
        (
            "rel",
            vec![&root1, &root2],
            "revoked in trust root version 2",
        ),
        (
            "nextseq",
            vec![&root1, &root2],
            "may sign only for NextSeq 550Dx",
        ),
    ] {
        let out = v.path(&format!("{key}.bundle"));
        let mut c = builder();
        c.arg("build").arg(&spec).arg("--key").arg(v.key(key));
        c.arg("--out").arg(&out);
        for r in roots {
            c.arg("--include-root").arg(r);
        }
        let o = run(&mut c);
        assert_eq!(o.status.code(), Some(2), "{key}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&format!("the signing key {} would not count", v.id(key)))
                && stderr.contains(why),
            "{key}: {stderr}"
        );
        assert!(!out.exists(), "{key}: no bundle is written");
    }
}

#[test]
fn build_says_how_many_more_signatures_the_carried_root_needs() {
    let v = Vendor::new();
    let root = root_v1(&v, &["rel", "rel2"], 2);
    let out = v.path("b.bundle");
    let o = ok(builder()
        .arg("build")
        .arg(v.spec("s", 1, &[]))
        .arg("--key")
        .arg(v.key("rel"))
        .arg("--out")
        .arg(&out)
        .arg("--include-root")
        .arg(&root)
        .arg("--json"));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["built"]["signatures_needed"], 1);
    v.cosign(&out, "rel2");
    succeeded("verify", v.verify(&out, &root));
}

#[test]
fn check_installed_with_a_newer_trust_root_flags_an_install_signed_by_a_since_revoked_key() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[&root1]);
    let inst = Instrument::new(&v.s, "inst");
    succeeded(
        "apply",
        inst.apply(&b, &["--trust-root".as_ref(), root1.as_os_str()]),
    );
    let check = |root: &Path| {
        run(verifier()
            .arg("check-installed")
            .arg("--trust-root")
            .arg(root)
            .arg("--root")
            .arg(&inst.root)
            .arg("--state")
            .arg(&inst.state))
    };
    succeeded("check-installed", check(&root1));
    let root2 = signed_edit(
        &v,
        &root1,
        "root2.json",
        &["--revoke", "#rel", "--add-release-key", "@rel2"],
    );
    refused(check(&root2), "revoked in trust root version 2");
}

/// A German technician reads why each signature did not count in German,
/// with the specifics (version, dates, models) intact.
#[test]
fn reasons_a_signature_did_not_count_are_worded_in_german_with_lang_de() {
    let v = Vendor::new();
    let root1 = root_v1(&v, &["rel"], 1);
    let root2 = signed_edit(
        &v,
        &root1,
        "root2.json",
        &[
            "--revoke",
            "#rel",
            "--add-release-key",
            "@old",
            "--expires",
            "2020-01-31",
        ],
    );
    let b = v.build("b", &v.spec("s", 1, &[]), "rel", &[]);
    v.cosign(&b, "old");
    let out = run(verifier()
        .args(["verify", "--lang", "de", "--trust-root"])
        .arg(&root2)
        .arg(&b));
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for de in [
        "Nicht von genügend vertrauenswürdigen Schlüsseln signiert: 0 von 1 nötig (unter Vertrauensanker Version 2)",
        "widerrufen in Trust-Root-Version 2",
        "Schlüssel am 2020-01-31 abgelaufen (beurteilt am ",
        ", die Systemuhr)",
    ] {
        assert!(stderr.contains(de), "{de:?} in {stderr}");
    }
    for en in ["revoked", "expired", "system clock", "trust root version"] {
        assert!(!stderr.contains(en), "English {en:?} in {stderr}");
    }
}
