//! Repair and rollback that tell the truth: a repair (`apply --reinstall`)
//! never adopts files the release did not install; a release's owned
//! directories are cleared into the backup; rollback returns to the tree
//! before the release was first installed, also after repairs; a crash
//! during either leaves the old or the new tree.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use e2e_tests::*;

type Snap = std::collections::BTreeMap<String, (char, u32, Vec<u8>)>;

struct T {
    s: Scratch,
    public: PathBuf,
    bundle: PathBuf,
}

/// A release of `genome.dat`, `logging.xml`, `bin/lrm.exe`, `bin/helper.dll`,
/// with `owns` added to its target when given.
fn setup(owns: Option<&str>) -> T {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let spec = write_release(
        s.dir.path(),
        "rel",
        1,
        &[
            ("genome.dat", "reference genome v2\n"),
            ("logging.xml", "<logging level=\"info\"/>\n"),
            ("bin/lrm.exe", "run manager v2\n"),
            ("bin/helper.dll", "helper v2\n"),
        ],
        false,
    );
    if let Some(o) = owns {
        let text = std::fs::read_to_string(&spec).unwrap();
        std::fs::write(&spec, format!("{text}owns = [{o}]\n")).unwrap();
    }
    let bundle = s.build(&spec, &key, "rel");
    T { s, public, bundle }
}

impl T {
    /// An instrument root before the release: an older run manager, a file
    /// the release does not know, and customer data.
    fn root(&self, name: &str) -> (PathBuf, PathBuf) {
        let root = self.s.path(name);
        for (p, c) in [
            ("bin/lrm.exe", "run manager v1\n"),
            ("bin/old-plugin.dll", "plugin from before\n"),
            ("data/run-0001.txt", "customer data\n"),
        ] {
            let p = root.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, c).unwrap();
        }
        (root, self.s.path(&format!("{name}-state")))
    }

    fn apply(&self, root: &Path, state: &Path) -> Command {
        apply_cmd(&self.bundle, &self.public, &nextseq_dx(), root, state)
    }
}

fn run(c: &mut Command) -> Output {
    c.env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn check(root: &Path, state: &Path) -> Output {
    run(verifier()
        .args(["check-installed", "--lang", "en", "--root"])
        .arg(root)
        .arg("--state")
        .arg(state))
}

fn rollback(root: &Path, state: &Path) -> Output {
    run(verifier()
        .args(["rollback", "--lang", "en", "--root"])
        .arg(root)
        .arg("--state")
        .arg(state))
}

/// Modifies one file, deletes one, plants one.
fn tamper(root: &Path) {
    std::fs::write(root.join("genome.dat"), "tampered genome\n").unwrap();
    std::fs::remove_file(root.join("logging.xml")).unwrap();
    std::fs::write(root.join("bin/evil.dll"), "MZ evil\n").unwrap();
}

/// The files under `state/backups/*/<rel>` and their contents.
fn kept(state: &Path, rel: &str) -> Vec<String> {
    std::fs::read_dir(state.join("backups"))
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path().join(rel)).ok())
        .collect()
}

#[test]
fn a_repair_never_adopts_a_planted_file_and_rollback_returns_to_before_the_first_install() {
    let t = setup(None);
    let (root, state) = t.root("root");
    let original = snapshot(&root);
    let out = run(&mut t.apply(&root, &state));
    assert!(out.status.success(), "{}", text(&out));
    tamper(&root);

    let out = check(&root, &state);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    let found = text(&out);
    for line in [
        "modified    genome.dat",
        "missing     logging.xml",
        "unexpected  bin/evil.dll",
    ] {
        assert!(found.contains(line), "{line}: {found}");
    }

    let out = run(t.apply(&root, &state).arg("--reinstall"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("not adopted: bin/evil.dll"),
        "the repair says what it left: {}",
        text(&out)
    );
    let out = run(t.apply(&root, &state).args(["--reinstall", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["applied"]["not_adopted"][0], "bin/evil.dll");

    // The planted file is still reported: the repair did not adopt it.
    let out = check(&root, &state);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    let found = text(&out);
    assert!(found.contains("unexpected  bin/evil.dll"), "{found}");
    assert!(
        !found.contains("modified") && !found.contains("missing"),
        "{found}"
    );

    // Rollback: the tree before the release was first installed, whole.
    let out = rollback(&root, &state);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("set aside into the backup: bin/evil.dll"),
        "{}",
        text(&out)
    );
    assert_eq!(snapshot(&root), original);
    // The tampered file and the planted one are kept as evidence.
    assert_eq!(kept(&state, "files/genome.dat"), ["tampered genome\n"]);
    assert_eq!(kept(&state, "moved/bin/evil.dll"), ["MZ evil\n"]);

    // Nothing is left to roll back, and the refusal says why and what to do.
    let out = rollback(&root, &state);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("rolled back already")
            && text(&out).contains("Check --root and --state"),
        "{}",
        text(&out)
    );
}

#[test]
fn rollback_refused_after_new_tampering_says_to_repair_first() {
    let t = setup(None);
    let (root, state) = t.root("root");
    let original = snapshot(&root);
    assert!(run(&mut t.apply(&root, &state)).status.success());
    std::fs::write(root.join("genome.dat"), "tampered genome\n").unwrap();
    let out = rollback(&root, &state);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(text(&out).contains("genome.dat"), "{}", text(&out));
    assert!(
        text(&out).contains("apply --reinstall"),
        "the hint says what to do: {}",
        text(&out)
    );
    // Doing what it says works.
    assert!(run(t.apply(&root, &state).arg("--reinstall"))
        .status
        .success());
    assert!(rollback(&root, &state).status.success());
    assert_eq!(snapshot(&root), original);
}

#[test]
fn owned_directories_are_cleared_into_the_backup_and_rollback_puts_back_what_was_there() {
    let t = setup(Some("\"bin\""));
    let (root, state) = t.root("root");
    let original = snapshot(&root);
    // A first install clears the owned directory of files it does not carry.
    let out = run(&mut t.apply(&root, &state));
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("moved into the backup: bin/old-plugin.dll"),
        "{}",
        text(&out)
    );
    assert!(!root.join("bin/old-plugin.dll").exists());
    assert!(root.join("data/run-0001.txt").exists(), "data is not owned");
    assert!(check(&root, &state).status.success());

    tamper(&root);
    assert_eq!(check(&root, &state).status.code(), Some(6));
    let out = run(t.apply(&root, &state).arg("--reinstall"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("moved into the backup: bin/evil.dll"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("not adopted"), "{}", text(&out));
    let out = check(&root, &state);
    assert!(
        out.status.success(),
        "clean after the repair: {}",
        text(&out)
    );
    assert_eq!(kept(&state, "moved/bin/evil.dll"), ["MZ evil\n"]);

    // Rollback puts back what the first install moved; the planted file
    // stays in the repair's backup, as evidence.
    let out = rollback(&root, &state);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(snapshot(&root), original);
    assert_eq!(kept(&state, "moved/bin/evil.dll"), ["MZ evil\n"]);
}

#[test]
fn the_builder_refuses_an_owned_directory_outside_the_payload_or_not_in_it() {
    let s = Scratch::new();
    let (key, _) = s.keygen("k");
    for (owns, says) in [
        ("\"lib\"", "not a directory of this payload"),
        ("\"bin/lrm.exe\"", "not a directory of this payload"),
        ("\"../bin\"", "owns \"../bin\""),
        ("\"/bin\"", "owns \"/bin\""),
    ] {
        let spec = write_release(s.dir.path(), "r", 1, &[("bin/lrm.exe", "x")], false);
        let body = std::fs::read_to_string(&spec).unwrap();
        std::fs::write(&spec, format!("{body}owns = [{owns}]\n")).unwrap();
        let out = builder()
            .arg("build")
            .arg(&spec)
            .arg("--key")
            .arg(&key)
            .arg("--out")
            .arg(s.path("r.bundle"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{owns}: {}", text(&out));
        assert!(text(&out).contains(says), "{owns}: {}", text(&out));
        assert!(!s.path("r.bundle").exists());
    }
}

/// Whether the process died by `std::process::abort`.
fn aborted(status: std::process::ExitStatus) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.signal() == Some(6)
    }
    #[cfg(not(unix))]
    {
        status.code() == Some(0xC000_0409_u32 as i32)
    }
}

/// Kills `cmd` at every crash point; after each death the next command
/// must leave exactly `old` or `new`. Returns the number of deaths.
fn every_point(
    name: &str,
    prepare: &dyn Fn(&str) -> (PathBuf, PathBuf),
    cmd: &dyn Fn(&Path, &Path) -> Command,
    old: &Snap,
    new: &Snap,
) -> usize {
    for n in 1.. {
        let (root, state) = prepare(&format!("{name}-{n}"));
        let status = cmd(&root, &state)
            .env("BUNDLE_VERIFIER_CRASH_AT", n.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        if status.success() {
            return n - 1;
        }
        assert!(aborted(status), "{name}: crash point {n}: {status:?}");
        let out = check(&root, &state);
        assert!(
            !state.join("journal.json").exists(),
            "{name} {n}: recovered"
        );
        let now = snapshot(&root);
        assert!(
            now == *old || now == *new,
            "{name}: after a crash at point {n} the tree is neither old nor new: {}",
            text(&out)
        );
    }
    unreachable!()
}

#[test]
fn a_crash_during_a_repair_that_moves_owned_files_or_its_rollback_leaves_old_or_new() {
    let t = setup(Some("\"bin\""));
    let installed_and_tampered = |name: &str| {
        let (root, state) = t.root(name);
        assert!(run(&mut t.apply(&root, &state)).status.success());
        tamper(&root);
        (root, state)
    };
    let (root, state) = installed_and_tampered("reference");
    let tampered = snapshot(&root);
    assert!(run(t.apply(&root, &state).arg("--reinstall"))
        .status
        .success());
    let repaired = snapshot(&root);
    assert!(rollback(&root, &state).status.success());
    let original = snapshot(&root);
    assert_ne!(tampered, repaired);

    let repair = |root: &Path, state: &Path| {
        let mut c = t.apply(root, state);
        c.arg("--reinstall");
        c
    };
    let deaths = every_point(
        "repair",
        &installed_and_tampered,
        &repair,
        &tampered,
        &repaired,
    );
    assert!(deaths > 10, "only {deaths} crash points in a repair");

    let repaired_again = |name: &str| {
        let (root, state) = installed_and_tampered(name);
        assert!(run(t.apply(&root, &state).arg("--reinstall"))
            .status
            .success());
        // Planted after the repair: the rollback sets it aside.
        std::fs::write(root.join("genome.extra"), "planted later\n").unwrap();
        (root, state)
    };
    let (root, state) = repaired_again("reference-2");
    let before_rollback = snapshot(&root);
    assert!(rollback(&root, &state).status.success());
    assert_eq!(snapshot(&root), original);
    let rb = |root: &Path, state: &Path| {
        let mut c = verifier();
        c.args(["rollback", "--root"])
            .arg(root)
            .arg("--state")
            .arg(state);
        c
    };
    let deaths = every_point(
        "rollback",
        &repaired_again,
        &rb,
        &before_rollback,
        &original,
    );
    assert!(deaths > 5, "only {deaths} crash points in a rollback");
}
