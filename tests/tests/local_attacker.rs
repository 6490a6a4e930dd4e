//! A local attacker on the instrument PC (docs/SECURITY.md, "Local
//! attacker"): someone who can change files next to the verifier while it
//! runs, but not the verifier itself. Real files, real links, real processes.
//!
//! - A directory inside the root swapped for a link to an outside directory,
//!   back and forth as fast as a thread can, while `apply` installs 2,000
//!   files: nothing may land outside.
//! - A fixed sub-directory of the state directory that is a link: refused
//!   before anything is written or removed, dry run or not.
//! - A state directory inside the root, a root inside the state directory, a
//!   state directory others can write: refused, nothing changed.

#![cfg(unix)]

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use e2e_tests::*;

/// Every file and link under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = snapshot(dir).into_keys().collect();
    out.sort();
    out
}

/// A bundle of `n` files in 50 directories under `lrm/`, and its public key.
fn big_bundle(s: &Scratch, n: usize) -> (PathBuf, PathBuf) {
    let (key, public) = s.keygen("k");
    let files: Vec<(String, String)> = (0..n)
        .map(|i| (format!("lrm/d{}/f{i}.txt", i % 50), format!("file {i}\n")))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let spec = write_release(s.dir.path(), "race", 1, &refs, false);
    (s.build(&spec, &key, "race"), public)
}

/// A root whose 50 directories exist already (so they can be swapped from
/// the first moment), with one old file each.
fn race_root(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    for d in 0..50 {
        let p = root.join(format!("lrm/d{d}"));
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("old.txt"), "old\n").unwrap();
    }
    root
}

/// Swaps `victim` for a link to `outside` and back until `stop`, once
/// `start_when` exists (if given); counts swaps.
fn swapper(
    victim: PathBuf,
    outside: PathBuf,
    start_when: Option<PathBuf>,
    stop: &AtomicBool,
    swaps: &AtomicUsize,
) {
    if let Some(p) = start_when {
        while !p.exists() {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::yield_now();
        }
    }
    let away = victim.with_file_name(format!(
        "{}.away",
        victim.file_name().unwrap().to_string_lossy()
    ));
    while !stop.load(Ordering::Relaxed) {
        if std::fs::rename(&victim, &away).is_ok() {
            if symlink(&outside, &victim).is_ok() {
                swaps.fetch_add(1, Ordering::Relaxed);
                std::thread::yield_now();
                let _ = std::fs::remove_file(&victim);
            }
            let _ = std::fs::rename(&away, &victim);
        } else {
            std::thread::yield_now();
        }
    }
    // Leave the tree as a directory again, whatever state the race left.
    if std::fs::symlink_metadata(&victim).is_ok_and(|m| m.file_type().is_symlink()) {
        let _ = std::fs::remove_file(&victim);
    }
    if std::fs::symlink_metadata(&victim).is_err() {
        let _ = std::fs::rename(&away, &victim);
    }
}

#[test]
fn a_directory_swapped_for_a_link_while_apply_runs_never_lets_a_write_out_of_the_root() {
    let s = Scratch::new();
    let (bundle, public) = big_bundle(&s, 2000);
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut codes = Vec::new();
    let mut in_transaction = 0;
    // From the start (the checks before any change see the link), and from
    // the moment the journal exists (backups and the switch are running:
    // the checks are passed, only the writes can still be fooled).
    let races = [
        ("lrm", false),
        ("lrm/d7", false),
        ("lrm", true),
        ("lrm/d7", true),
        ("lrm/d31", true),
        ("lrm", true),
        ("lrm/d0", true),
        ("lrm", true),
    ];
    for (run, &(victim, late)) in races.iter().enumerate() {
        if Instant::now() > deadline {
            break;
        }
        let dir = s.path(&format!("run{run}"));
        let root = race_root(&dir);
        let state = dir.join("state");
        let outside = dir.join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let stop = AtomicBool::new(false);
        let swaps = AtomicUsize::new(0);
        let code = std::thread::scope(|sc| {
            let start_when = late.then(|| state.join("journal.json"));
            let attacker = sc.spawn(|| {
                swapper(
                    root.join(victim),
                    outside.clone(),
                    start_when,
                    &stop,
                    &swaps,
                )
            });
            // Early races: let the swapping start before apply does.
            while !late && swaps.load(Ordering::Relaxed) == 0 && !attacker.is_finished() {
                std::thread::yield_now();
            }
            let mut child = apply_cmd(&bundle, &public, &nextseq_dx(), &root, &state)
                .stdout(std::process::Stdio::null())
                .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
                .spawn()
                .unwrap();
            let started = Instant::now();
            let status = loop {
                if let Some(st) = child.try_wait().unwrap() {
                    break st;
                }
                if started.elapsed() > Duration::from_secs(120) {
                    let _ = child.kill();
                    break child.wait().unwrap();
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            stop.store(true, Ordering::Relaxed);
            attacker.join().unwrap();
            status.code()
        });
        assert!(
            listing(&outside).is_empty(),
            "run {run} (swapping {victim}, {} swaps, exit {code:?}) wrote outside the root: {:?}",
            swaps.load(Ordering::Relaxed),
            listing(&outside)
        );
        // With the attacker gone, the next command finishes or undoes
        // whatever the race interrupted, still writing nothing outside.
        let out = verifier()
            .args(["check-installed", "--root"])
            .arg(&root)
            .arg("--state")
            .arg(&state)
            .output()
            .unwrap();
        // 6: the attacker's links are still there, and check-installed says so.
        assert!(matches!(out.status.code(), Some(0 | 2 | 6)), "{out:?}");
        assert!(!state.join("journal.json").exists(), "run {run}: recovered");
        assert!(
            listing(&outside).is_empty(),
            "run {run}: recovery wrote outside"
        );
        if late && swaps.load(Ordering::Relaxed) > 0 {
            in_transaction += 1;
        }
        // Installed, or refused / failed and restored: never a crash.
        assert!(
            matches!(code, Some(0 | 1 | 3 | 5)),
            "run {run}: apply ended with {code:?}"
        );
        eprintln!(
            "run {run}: swapping {victim}: {} swaps, apply exit {code:?}: {}",
            swaps.load(Ordering::Relaxed),
            std::fs::read_to_string(dir.join("stderr")).unwrap_or_default()
        );
        codes.push(code);
    }
    assert!(codes.len() >= 2, "at least two races ran: {codes:?}");
    assert!(
        in_transaction > 0,
        "the attacker swapped during at least one transaction: {codes:?}"
    );
}

/// A fresh instrument for the small example release: root, state, bundle, key.
struct Small {
    s: Scratch,
    root: PathBuf,
    state: PathBuf,
    bundle: PathBuf,
    public: PathBuf,
}

fn small() -> Small {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let spec = write_release(
        s.dir.path(),
        "small",
        1,
        &[("lrm/bin/tool", "new tool\n"), ("lrm/lib/a.txt", "a\n")],
        false,
    );
    let bundle = s.build(&spec, &key, "small");
    let root = s.path("root");
    std::fs::create_dir_all(root.join("lrm/lib")).unwrap();
    std::fs::write(root.join("lrm/lib/a.txt"), "old a\n").unwrap();
    let state = s.path("state");
    Small {
        s,
        root,
        state,
        bundle,
        public,
    }
}

impl Small {
    fn apply(&self, root: &Path, state: &Path, dry_run: bool) -> std::process::Output {
        let mut c = apply_cmd(&self.bundle, &self.public, &nextseq_dx(), root, state);
        if dry_run {
            c.arg("--dry-run");
        }
        c.output().unwrap()
    }
}

/// An outside directory holding one canary file.
fn outside_with_canary(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("canary"), "canary\n").unwrap();
    dir.to_owned()
}

fn assert_canary_alone(outside: &Path, what: &str) {
    assert_eq!(listing(outside), ["canary"], "{what}: outside changed");
    assert_eq!(
        std::fs::read_to_string(outside.join("canary")).unwrap(),
        "canary\n",
        "{what}"
    );
}

#[test]
fn a_state_sub_directory_that_is_a_link_is_refused_and_nothing_outside_is_touched() {
    for sub in [
        "staging",
        "backups",
        "receipts",
        "installed",
        "device",
        "trust",
    ] {
        for dry_run in [true, false] {
            let t = small();
            // A first, clean install makes every sub-directory and the device key.
            let prepared = t.s.path("prepared");
            copy_tree(&t.root, &prepared);
            assert!(t.apply(&prepared, &t.state, false).status.success());
            std::fs::remove_dir_all(&prepared).unwrap();
            let outside = outside_with_canary(&t.s.path("outside"));
            // Staging has a leftover a clean-up would delete through the link.
            std::fs::write(outside.join("apply-leftover"), "x").unwrap();
            let real = t.state.join(sub);
            std::fs::remove_dir_all(&real).unwrap();
            symlink(&outside, &real).unwrap();
            let before = snapshot(&t.root);
            let out = t.apply(&t.root, &t.state, dry_run);
            let what = format!("{sub} as a link, dry run {dry_run}");
            assert_eq!(out.status.code(), Some(2), "{what}: {:?}", out);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("symbolic link"), "{what}: {err}");
            assert_eq!(
                listing(&outside),
                ["apply-leftover", "canary"],
                "{what}: outside changed"
            );
            assert_eq!(snapshot(&t.root), before, "{what}: root changed");
            assert!(std::fs::symlink_metadata(&real)
                .unwrap()
                .file_type()
                .is_symlink());
        }
    }
}

#[test]
fn a_state_sub_directory_that_is_a_link_is_refused_on_first_use_too() {
    for sub in ["staging", "backups", "receipts", "installed", "device"] {
        let t = small();
        std::fs::create_dir_all(&t.state).unwrap();
        let outside = outside_with_canary(&t.s.path("outside"));
        symlink(&outside, t.state.join(sub)).unwrap();
        for dry_run in [true, false] {
            let out = t.apply(&t.root, &t.state, dry_run);
            assert_eq!(out.status.code(), Some(2), "{sub}: {out:?}");
            assert_canary_alone(&outside, sub);
        }
        // Refused before anything was made in the state directory.
        assert_eq!(listing(&t.state), [sub], "{sub}");
    }
}

#[test]
fn a_state_directory_inside_the_root_or_a_root_inside_the_state_directory_is_refused() {
    let t = small();
    // State inside the root: refused before the state directory is made.
    let inside = t.root.join("var/state");
    let before = snapshot(&t.root);
    for dry_run in [false, true] {
        let out = t.apply(&t.root, &inside, dry_run);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("inside the instrument root"),
            "{out:?}"
        );
        assert_eq!(snapshot(&t.root), before);
    }
    // The same through another spelling of the root (a link to it).
    let alias = t.s.path("alias");
    symlink(&t.root, &alias).unwrap();
    let out = t.apply(&alias, &t.root.join("state"), false);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(snapshot(&t.root), before);
    for cmd in [["rollback", "--root"], ["check-installed", "--root"]] {
        let out = verifier()
            .args(cmd)
            .arg(&t.root)
            .arg("--state")
            .arg(&inside)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {out:?}");
        assert_eq!(snapshot(&t.root), before);
    }

    // Root inside the state directory.
    std::fs::create_dir_all(&t.state).unwrap();
    let root = t.state.join("root");
    copy_tree(&t.root, &root);
    let before = snapshot(&t.state);
    let out = t.apply(&root, &t.state, false);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is inside the state directory"),
        "{out:?}"
    );
    assert_eq!(snapshot(&t.state), before);
}

#[test]
fn a_state_directory_others_can_write_is_refused() {
    for mode in [0o775, 0o757, 0o777] {
        let t = small();
        std::fs::create_dir_all(&t.state).unwrap();
        std::fs::set_permissions(&t.state, std::fs::Permissions::from_mode(mode)).unwrap();
        let before = snapshot(&t.root);
        for dry_run in [false, true] {
            let out = t.apply(&t.root, &t.state, dry_run);
            assert_eq!(out.status.code(), Some(2), "{mode:o}: {out:?}");
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("can be written by other users"),
                "{out:?}"
            );
        }
        assert!(listing(&t.state).is_empty(), "{mode:o}: nothing made");
        assert_eq!(snapshot(&t.root), before);
        // Fixed by its owner, the same command works.
        std::fs::set_permissions(&t.state, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(t.apply(&t.root, &t.state, false).status.success());
        // A sub-directory others can write is refused the same way.
        std::fs::set_permissions(
            t.state.join("receipts"),
            std::fs::Permissions::from_mode(0o777),
        )
        .unwrap();
        let out = t.apply(&t.root, &t.state, true);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
    }
}

#[test]
fn a_dry_run_stages_nothing_and_writes_no_receipt_or_key() {
    let t = small();
    let root_before = snapshot(&t.root);
    for _ in 0..2 {
        let out = t.apply(&t.root, &t.state, true);
        assert!(out.status.success(), "{out:?}");
        // On a fresh instrument not even the state directory is made.
        assert!(!t.state.exists());
    }
    assert_eq!(snapshot(&t.root), root_before);
    // Where the state directory exists, a dry run stages nothing in it either.
    std::fs::create_dir(&t.state).unwrap();
    for _ in 0..2 {
        let out = t.apply(&t.root, &t.state, true);
        assert!(out.status.success(), "{out:?}");
        assert!(listing(&t.state.join("staging")).is_empty());
    }
    assert_eq!(snapshot(&t.root), root_before);
    assert!(receipts(&t.state).is_empty());
    assert!(!t.state.join("device/device.key").exists());
}
