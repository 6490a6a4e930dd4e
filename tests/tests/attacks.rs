//! The attack corpus (`tests/src/attacks.rs`) against the real binary: every
//! crafted bundle through `verify`, `verify --deep` and `apply` into a
//! populated instrument root. Each must end with the expected exit code and
//! message, never panic, write nothing outside the state directory's
//! staging area, and leave the root byte-identical.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use e2e_tests::attacks::{self, Case, Expect, Keys, Threat, TrustSetup};
use e2e_tests::craft::Parts;
use e2e_tests::*;

fn run(cmd: &mut Command, want: &Expect, what: &str) -> Result<(), String> {
    // Messages are matched in English.
    cmd.env("LC_ALL", "C")
        .env("LC_MESSAGES", "C")
        .env("LANG", "C");
    let out = output_started(cmd).map_err(|e| format!("{what}: cannot run: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    if code == Some(101) || stderr.contains("panicked") {
        return Err(format!("{what}: PANIC (exit {code:?}): {stderr}"));
    }
    if code != Some(want.code) {
        return Err(format!(
            "{what}: exit {code:?}, expected {}; stderr: {stderr}",
            want.code
        ));
    }
    if !stderr.contains(want.says) {
        return Err(format!(
            "{what}: stderr does not say {:?}: {stderr}",
            want.says
        ));
    }
    // Whatever the input, nothing it says may act on the technician's terminal.
    let all = [&out.stdout[..], &out.stderr[..]].concat();
    let text = String::from_utf8_lossy(&all);
    if let Some(c) = text
        .chars()
        .find(|&c| c != '\n' && bundle_verifier::i18n::is_hidden(c))
    {
        return Err(format!(
            "{what}: printed the hidden character {c:?} raw: {text}"
        ));
    }
    Ok(())
}

type Snapshot = BTreeMap<String, (char, u32, Vec<u8>)>;

/// Everything in `after` that differs from `before` and is not allowed:
/// the bundle's bytes may land only under `state/staging/`. The verifier's
/// own bookkeeping is allowed too: empty state subdirectories, the state
/// lock, the instrument's receipt key, and a receipt of the refusal.
fn unexpected_writes(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let allowed = |p: &str| {
        let kind = after.get(p).map(|e| e.0);
        let depth = p.matches('/').count();
        p.starts_with("state/staging/")
            || (p == "state" || (p.starts_with("state/") && depth == 1)) && kind == Some('d')
            || p == "state/lock"
            || p.starts_with("state/device/")
            || (p.starts_with("state/receipts/") && p.ends_with("-refusal.json"))
    };
    let mut diffs = Vec::new();
    for (p, e) in after {
        if before.get(p) != Some(e) && !allowed(p) {
            diffs.push(format!("written: {p}"));
        }
    }
    for p in before.keys() {
        if !after.contains_key(p) {
            diffs.push(format!("removed: {p}"));
        }
    }
    diffs
}

fn run_case(case: &Case, keys: &Keys) -> Result<(), String> {
    let s = Scratch::new();
    let bundle = s.path("stick/case.bundle");
    std::fs::create_dir_all(bundle.parent().unwrap()).unwrap();
    std::fs::write(&bundle, &case.bundle).unwrap();
    let public = s.path("trusted.pub");
    keys.write_trusted(&public);
    let root = s.instrument_root("root");
    let state = s.path("state");
    // The trust arguments of verify and apply, and an installed trust root.
    let key_arg = || vec!["--trusted-key".into(), public.clone().into_os_string()];
    let (verify_trust, apply_trust): (Vec<OsString>, Vec<OsString>) = match &case.trust {
        TrustSetup::Key => (key_arg(), key_arg()),
        TrustSetup::Installed(installed) => {
            install_root(&state, installed);
            let given = s.path("trust-root.json");
            std::fs::write(&given, installed).unwrap();
            (vec!["--trust-root".into(), given.into_os_string()], vec![])
        }
        TrustSetup::InstalledAndGiven { installed, given } => {
            install_root(&state, installed);
            let path = s.path("trust-root.json");
            std::fs::write(&path, given).unwrap();
            let arg = vec!["--trust-root".into(), path.into_os_string()];
            (arg.clone(), arg)
        }
    };
    let outside = s.path("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret"), b"must never change\n").unwrap();
    if let Some(pre) = &case.preinstalled {
        let b = s.path("installed.bundle");
        std::fs::write(&b, pre).unwrap();
        let out = apply_cmd(&b, &apply_trust, &root, &state).output().unwrap();
        assert!(
            out.status.success(),
            "{}: the preinstall fails: {}",
            case.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if let Some(setup) = case.root_setup {
        setup(&root, &outside);
    }
    let before = snapshot(s.dir.path());

    let verify = |deep: bool| {
        let mut c = verifier();
        c.arg("verify").arg(&bundle).args(&verify_trust);
        if deep {
            c.arg("--deep");
        }
        c
    };
    let mut errors = Vec::new();
    errors.extend(run(&mut verify(false), &case.verify, "verify").err());
    errors.extend(run(&mut verify(true), &case.deep, "verify --deep").err());
    let mut apply = apply_cmd(&bundle, &apply_trust, &root, &state);
    errors.extend(run(&mut apply, &case.apply, "apply").err());

    errors.extend(unexpected_writes(&before, &snapshot(s.dir.path())));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{}:\n    {}", case.name, errors.join("\n    ")))
    }
}

fn run_threat(threat: Threat) {
    let keys = Keys::new();
    let cases = attacks::cases(threat, &keys);
    assert!(!cases.is_empty(), "{threat:?} has cases");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let t = std::time::Instant::now();
            let r = run_case(c, &keys).err();
            eprintln!("{:6} ms  {}", t.elapsed().as_millis(), c.name);
            r
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} {threat:?} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_harness_flags_writes_outside_staging_and_changes_in_the_root() {
    let file = |b: &[u8]| ('f', 0o644, b.to_vec());
    let dir = ('d', 0o755, Vec::new());
    let before: Snapshot = [("root".into(), dir.clone()), ("root/a".into(), file(b"1"))].into();
    let mut after = before.clone();
    for p in ["state", "state/staging", "state/installed"] {
        after.insert(p.into(), dir.clone());
    }
    after.insert("state/staging/apply-1/tree/a".into(), file(b"x"));
    after.insert("state/receipts/t-refusal.json".into(), file(b"{}"));
    assert!(unexpected_writes(&before, &after).is_empty());
    let mut bad = after.clone();
    bad.insert("state/installed/Dx.json".into(), file(b"{}"));
    bad.insert("root/a".into(), file(b"2"));
    bad.insert("outside/pwned".into(), file(b"!"));
    bad.remove("root");
    assert_eq!(unexpected_writes(&before, &bad).len(), 4);
}

#[test]
fn corpus_has_at_least_40_cases_with_unique_names_in_every_threat() {
    let keys = Keys::new();
    let cases = attacks::all(&keys);
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n, "case names are unique");
    for t in Threat::ALL {
        assert!(cases.iter().any(|c| c.threat == t), "{t:?} has no case");
    }
}

/// A scratch directory with a trusted key, the example root, and `bundle`
/// written as `base.bundle` (the uncrafted base release unless given).
struct Fixture {
    s: Scratch,
    public: PathBuf,
    root: PathBuf,
    bundle: PathBuf,
}

impl Fixture {
    fn new(keys: &Keys) -> Self {
        let s = Scratch::new();
        let public = s.path("trusted.pub");
        keys.write_trusted(&public);
        let root = s.instrument_root("root");
        let bundle = s.path("base.bundle");
        std::fs::write(&bundle, Parts::base().signed_by(&keys.trusted)).unwrap();
        Fixture {
            s,
            public,
            root,
            bundle,
        }
    }

    fn apply(&self, bundle: &Path) -> Command {
        let trust = ["--trusted-key".into(), self.public.clone().into_os_string()];
        apply_cmd(bundle, &trust, &self.root, &self.s.path("state"))
    }
}

fn install_root(state: &Path, root: &[u8]) {
    std::fs::create_dir_all(state.join("trust")).unwrap();
    std::fs::write(state.join("trust/root.json"), root).unwrap();
}

fn apply_cmd(bundle: &Path, trust: &[OsString], root: &Path, state: &Path) -> Command {
    let mut c = verifier();
    c.arg("apply")
        .arg(bundle)
        .args(trust)
        .arg("--instrument")
        .arg(example().join("instruments/nextseq-dx.toml"))
        .arg("--root")
        .arg(root)
        .arg("--state")
        .arg(state);
    c
}

#[test]
fn the_uncrafted_base_bundle_is_accepted_so_refusals_are_due_to_the_attack() {
    let f = Fixture::new(&Keys::new());
    verifier()
        .args(["verify", "--deep"])
        .arg(&f.bundle)
        .arg("--trusted-key")
        .arg(&f.public)
        .assert()
        .success();
    f.apply(&f.bundle).assert().success();
    assert_eq!(
        std::fs::read(f.root.join("lrm/bin/lrm-guard")).unwrap(),
        b"#!/bin/sh\nexec true\n"
    );
}

#[test]
fn path_traversal_is_refused_and_the_root_is_untouched() {
    run_threat(Threat::PathTraversal);
}

#[test]
fn links_devices_and_fifos_in_the_payload_are_refused() {
    run_threat(Threat::LinksAndSpecialFiles);
}

#[test]
fn duplicate_and_colliding_names_are_refused() {
    run_threat(Threat::Duplicates);
}

#[test]
fn payload_and_manifest_must_list_the_same_blobs() {
    run_threat(Threat::ManifestPayloadMismatch);
}

#[test]
fn size_lies_either_way_are_refused() {
    run_threat(Threat::SizeLies);
}

#[test]
fn zstd_bombs_and_hostile_frames_are_refused_without_unbounded_work() {
    run_threat(Threat::EndlessData);
}

#[test]
fn container_tampering_and_trailing_data_are_refused() {
    run_threat(Threat::Container);
}

#[test]
fn truncation_at_every_structural_boundary_is_refused() {
    run_threat(Threat::Truncation);
}

#[test]
fn non_canonical_huge_deep_and_unknown_manifests_are_refused() {
    run_threat(Threat::ManifestEncoding);
}

#[test]
fn unknown_forged_malleable_and_mixed_signatures_are_refused() {
    run_threat(Threat::Signatures);
}

#[test]
fn authentic_bundles_for_another_instrument_are_refused_with_exit_4() {
    run_threat(Threat::WrongInstallation);
}

#[test]
fn revoked_expired_out_of_scope_keys_and_rolled_back_or_forged_trust_roots_are_refused() {
    run_threat(Threat::TrustRoot);
}

#[test]
fn older_and_already_installed_releases_are_refused_with_exit_4() {
    run_threat(Threat::Downgrade);
}

#[test]
fn changed_dropped_unsigned_or_mislabelled_sboms_are_refused() {
    run_threat(Threat::Sbom);
}

#[test]
fn missing_unused_doubled_overlapping_or_clashing_file_sets_are_refused() {
    run_threat(Threat::FileSets);
}

#[cfg(unix)]
#[test]
fn links_and_special_files_in_the_root_stop_the_install_before_any_write() {
    run_threat(Threat::RootEscape);
}

/// A hard link in the root must not let the install write through it into
/// a file outside the root: files are replaced by rename, never rewritten.
#[test]
fn apply_replaces_a_hard_linked_root_file_without_writing_through_the_link() {
    let f = Fixture::new(&Keys::new());
    let outside = f.s.path("outside-secret");
    std::fs::write(&outside, b"must never change\n").unwrap();
    let target = f.root.join("lrm/config/remote-access.json");
    std::fs::remove_file(&target).unwrap();
    std::fs::hard_link(&outside, &target).unwrap();
    f.apply(&f.bundle).assert().success();
    assert_eq!(std::fs::read(&outside).unwrap(), b"must never change\n");
    assert_ne!(std::fs::read(&target).unwrap(), b"must never change\n");
}

/// The bundle is read once, front to back: it applies from a pipe, which
/// cannot be re-read or seeked, so nothing checked can change before use.
#[cfg(unix)]
#[test]
fn apply_reads_the_bundle_once_so_a_changing_stick_cannot_swap_checked_bytes() {
    let f = Fixture::new(&Keys::new());
    let fifo = f.s.path("stick.bundle");
    let ok = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let bytes = std::fs::read(&f.bundle).unwrap();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, bytes))
    };
    f.apply(&fifo).assert().success();
    writer.join().unwrap().unwrap();
    assert!(f.root.join("lrm/bin/lrm-guard").is_file());
}
