//! What apply and the commands around it tell a person: a summary of a few
//! lines however large the release (the file list only with `--list`),
//! "nothing to do" for a release installed and intact, the way to repair
//! one that is not, one line when a command recovered an interrupted
//! install, and nothing created by a dry run or a scan.

use std::path::{Path, PathBuf};
use std::process::Output;

use e2e_tests::*;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A key and a release of `files` named `lrm/d<i % 50>/f<i>.txt`.
struct Setup {
    s: Scratch,
    public: PathBuf,
    bundle: PathBuf,
    root: PathBuf,
    state: PathBuf,
}

fn setup(files: usize) -> Setup {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let names: Vec<(String, String)> = (0..files)
        .map(|i| (format!("lrm/d{}/f{i}.txt", i % 50), format!("file {i}\n")))
        .collect();
    let refs: Vec<(&str, &str)> = names
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let spec = write_release(s.dir.path(), "rel", 1, &refs, false);
    let bundle = s.build(&spec, &key, "rel");
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
    fn apply(&self) -> std::process::Command {
        apply_cmd(
            &self.bundle,
            &self.public,
            &nextseq_dx(),
            &self.root,
            &self.state,
        )
    }

    fn check(&self) -> std::process::Command {
        let mut c = verifier();
        c.args(["check-installed", "--root"])
            .arg(&self.root)
            .arg("--state")
            .arg(&self.state)
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES");
        c
    }
}

#[test]
fn the_summary_of_an_8000_file_release_fits_in_15_lines_and_list_names_every_file() {
    let t = setup(8000);
    let out = t.apply().arg("--dry-run").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().count() <= 15, "{text}");
    assert!(text.starts_with("DRY RUN"), "{text}");
    assert!(text.contains("8000 files added, 0 replaced"), "{text}");
    assert!(text.contains("without --dry-run"), "{text}");
    assert!(text.contains("REMINDER: this instrument also boots in mode RUO"));

    let out = t.apply().output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines = text.lines().count();
    assert!(lines <= 15, "{lines} lines:\n{text}");
    for want in [
        "INSTALLED: REL-1 1.1.0 (sequence 1) on NextSeq 550Dx",
        "8000 files, ",
        "8000 files added, 0 replaced, 0 already up to date",
        "replaced files are kept in ",
        "receipt: ",
        "REMINDER: this instrument also boots in mode RUO",
        "check-installed",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    assert!(!text.contains("lrm/d0/f0.txt"), "{text}");

    // --list names each file; --json carries every file too.
    let out = t.apply().args(["--dry-run", "--list"]).output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("NOTHING TO DO"), "{text}");
    std::fs::remove_dir_all(&t.state).unwrap();
    copy_back(&t);
    let out = t.apply().args(["--dry-run", "--list"]).output().unwrap();
    let text = stdout(&out);
    let listed = text
        .lines()
        .filter(|l| l.trim_start().starts_with("add "))
        .count();
    assert_eq!(listed, 8000, "{}", &text[..2000.min(text.len())]);
    assert!(text.contains("add      lrm/d7/f7.txt"));
    let out = t.apply().args(["--dry-run", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["applied"]["changes"].as_array().unwrap().len(), 8000);
}

/// Puts the example root back (the 8,000-file test installs into it).
fn copy_back(t: &Setup) {
    std::fs::remove_dir_all(&t.root).unwrap();
    copy_tree(&example().join("instrument-root"), &t.root);
}

#[test]
fn the_same_bundle_twice_is_nothing_to_do_and_a_changed_install_names_the_repair() {
    let t = setup(3);
    t.apply().assert().success();
    let installed = snapshot(&t.root);
    let n = receipts(&t.state).len();

    let out = t.apply().output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("NOTHING TO DO: REL-1 1.1.0 (sequence 1) is already installed in mode Dx, and its 3 files are intact."),
        "{text}"
    );
    assert!(text.contains("REMINDER"), "{text}");
    assert!(text.lines().count() <= 15, "{text}");
    assert_eq!(receipts(&t.state).len(), n, "no receipt for nothing done");
    assert_eq!(snapshot(&t.root), installed);
    let out = t.apply().args(["--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["applied"]["result"], "nothing-to-do");
    assert!(v["applied"]["receipt"].is_null());
    let out = t.apply().args(["--lang", "de"]).output().unwrap();
    assert!(
        stdout(&out).starts_with("NICHTS ZU TUN"),
        "{}",
        stdout(&out)
    );

    // A file planted where the release installed: not intact any more.
    std::fs::write(t.root.join("lrm/d1/planted.dll"), "x").unwrap();
    let out = t.apply().output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(err.contains("0 modified, 0 missing, 1 unexpected"), "{err}");
    // A changed file too: the message counts it and names the repair.
    std::fs::write(t.root.join("lrm/d0/f0.txt"), "tampered").unwrap();
    let out = t.apply().output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(
        err.contains("release REL-1 1.1.0 is installed in mode Dx, but the root no longer matches it: 1 modified, 0 missing, 1 unexpected files"),
        "{err}"
    );
    assert!(
        err.contains("check-installed") && err.contains("apply --reinstall"),
        "{err}"
    );
    let out = t.apply().args(["--lang", "fr"]).output().unwrap();
    assert!(stderr(&out).contains("--reinstall"), "{}", stderr(&out));
    t.apply().arg("--reinstall").assert().success();
    assert_eq!(
        std::fs::read_to_string(t.root.join("lrm/d0/f0.txt")).unwrap(),
        "file 0\n"
    );
}

#[test]
fn another_bundle_of_the_same_sequence_is_still_refused_as_already_applied() {
    let t = setup(3);
    t.apply().assert().success();
    let other = write_release(t.s.dir.path(), "other", 1, &[("lrm/x.txt", "x")], false);
    let other = t.s.build(&other, &t.s.path("k.key"), "other");
    let out = apply_cmd(&other, &t.public, &nextseq_dx(), &t.root, &t.state)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("already applied"), "{}", stderr(&out));
}

#[test]
fn a_dry_run_and_a_scan_create_nothing() {
    let t = setup(3);
    let parent = t.s.path("fresh");
    std::fs::create_dir(&parent).unwrap();
    let state = parent.join("state");
    let root_before = snapshot(&t.root);
    let out = apply_cmd(&t.bundle, &t.public, &nextseq_dx(), &t.root, &state)
        .arg("--dry-run")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!state.exists(), "a dry run created the state directory");
    assert_eq!(std::fs::read_dir(&parent).unwrap().count(), 0);
    assert_eq!(snapshot(&t.root), root_before);

    let stick = t.s.path("stick");
    std::fs::create_dir(&stick).unwrap();
    std::fs::copy(&t.bundle, stick.join("rel.bundle")).unwrap();
    let stick_before = snapshot(&stick);
    let out = verifier()
        .arg("scan")
        .arg(&stick)
        .arg("--trusted-key")
        .arg(&t.public)
        .arg("--instrument")
        .arg(nextseq_dx())
        .arg("--state")
        .arg(&state)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("REL-1"), "{}", stdout(&out));
    assert!(!state.exists(), "a scan created the state directory");
    assert_eq!(std::fs::read_dir(&parent).unwrap().count(), 0);
    assert_eq!(snapshot(&stick), stick_before);
}

/// Kills `apply` at its crash points until one leaves a journal behind
/// (an install under way); returns that point.
fn kill_inside_an_install(t: &Setup, bundle: &Path) -> u32 {
    for n in 1..200 {
        let out = apply_cmd(bundle, &t.public, &nextseq_dx(), &t.root, &t.state)
            .env("BUNDLE_VERIFIER_CRASH_AT", n.to_string())
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(0), "crash point {n} never reached");
        if t.state.join("journal.json").exists() {
            return n;
        }
    }
    panic!("no crash point inside the install");
}

#[test]
fn a_command_that_recovers_an_interrupted_install_says_so_in_one_line() {
    let t = setup(3);
    let v2 = write_release(t.s.dir.path(), "v2", 2, &[("lrm/d0/f0.txt", "two")], false);
    let v2 = t.s.build(&v2, &t.s.path("k.key"), "v2");
    t.apply().assert().success();
    let installed = snapshot(&t.root);

    kill_inside_an_install(&t, &v2);
    let out = t.check().output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let notes: Vec<&str> = err.lines().filter(|l| l.contains("interrupted")).collect();
    assert_eq!(notes.len(), 1, "{err}");
    assert!(
        notes[0].starts_with("NOTE: an interrupted install of REL-2 1.2.0 (sequence 2)")
            && notes[0].contains("was undone first; the root is as it was before."),
        "{err}"
    );
    assert!(!stdout(&out).contains("interrupted"), "{}", stdout(&out));
    assert_eq!(snapshot(&t.root), installed);

    // With --json the same is a field of the one JSON object on stdout.
    kill_inside_an_install(&t, &v2);
    let out = t.check().arg("--json").output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["recovered"]["outcome"], "undone", "{v}");
    assert_eq!(v["recovered"]["release"]["id"], "REL-2");
    assert!(stderr(&out).contains("NOTE: an interrupted install"));

    // apply announces it on stderr too, then installs.
    kill_inside_an_install(&t, &v2);
    let out = apply_cmd(&v2, &t.public, &nextseq_dx(), &t.root, &t.state)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("NOTE: an interrupted install of REL-2"));
    assert!(stdout(&out).starts_with("INSTALLED"), "{}", stdout(&out));

    // receipts export, in German.
    let v3 = write_release(t.s.dir.path(), "v3", 3, &[("lrm/d0/f0.txt", "3")], false);
    let v3 = t.s.build(&v3, &t.s.path("k.key"), "v3");
    kill_inside_an_install(&t, &v3);
    let out = verifier()
        .args(["receipts", "export", "--lang", "de", "--to"])
        .arg(t.s.path("exported"))
        .arg("--state")
        .arg(&t.state)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("REL-3"), "{}", stderr(&out));
}
