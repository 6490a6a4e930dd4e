//! Crash safety of apply and rollback with real process death.
//!
//! 1. Deterministic: `BUNDLE_VERIFIER_CRASH_AT=N` makes the real
//!    `bundle-verifier` abort (no unwinding, like `kill -9`) at its N-th
//!    crash point. Every point of a first install, of an upgrade and of a
//!    rollback is hit, one process per point.
//! 2. Random: a larger install is SIGKILLed by this test at a random time,
//!    every other time once its journal exists (inside the transaction).
//!
//! Every few points the recovering command is itself killed at its first
//! crash points before a clean recovery runs.
//!
//! After each death the next invocation (`check-installed`, `rollback
//! --dry-run` or `receipts export`, in turn) must recover,
//! the root must equal exactly the old or the new tree, and the state must
//! agree with it (what is recorded, what apply does next).
//!
//! The default run kills at least 50 times. The long run:
//! `CRASH_TEST_KILLS=1000 cargo test -p e2e-tests --test crash -- --ignored`
//! (`CRASH_TEST_SEED=N` repeats a random run).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use e2e_tests::*;

type Snap = BTreeMap<String, (char, u32, Vec<u8>)>;

struct Suite {
    s: Scratch,
    public: PathBuf,
    base: PathBuf,
    v1: PathBuf,
    v2: PathBuf,
    big: PathBuf,
    runs: std::sync::atomic::AtomicUsize,
    /// Every how many crash points the recovery itself is killed too (0: never).
    nested_every: usize,
    /// Deaths of the recovering command.
    recovery_deaths: std::sync::atomic::AtomicUsize,
}

/// Whether the process died by `std::process::abort`: SIGABRT on Unix,
/// the fail-fast status 0xC0000409 on Windows.
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

fn files(prefix: &str, n: usize, tag: &str) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("{prefix}{i}.txt"), format!("{tag} {i}\n")))
        .collect()
}

impl Suite {
    fn new(big_files: usize, nested_every: usize) -> Suite {
        let s = Scratch::new();
        let (key, public) = s.keygen("k");
        // The instrument before: files the releases replace, and unrelated ones.
        let base = s.path("base");
        for (p, c) in files("lrm/lib/lib", 4, "old")
            .into_iter()
            .chain([(
                "lrm/config/remote-access.json".into(),
                "{\"remote\":true}".into(),
            )])
            .chain([("data/run-0001.txt".into(), "customer data".into())])
        {
            let p = base.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, c).unwrap();
        }
        let as_refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
        let v1_files: Vec<(String, String)> = as_refs(&files("lrm/lib/lib", 4, "v1"))
            .into_iter()
            .chain([(
                "lrm/config/remote-access.json".into(),
                "{\"remote\":false}".into(),
            )])
            .chain(files("lrm/new/deep/a", 3, "v1"))
            .collect();
        let v2_files: Vec<(String, String)> = files("lrm/lib/lib", 2, "v1")
            .into_iter()
            .chain(files("lrm/lib/lib", 4, "v2").into_iter().skip(2))
            .chain([(
                "lrm/config/remote-access.json".into(),
                "{\"remote\":false}".into(),
            )])
            .chain(files("lrm/new/deep/a", 2, "v2"))
            .chain(files("lrm/v2/b", 1, "v2"))
            .collect();
        let big_files: Vec<(String, String)> = (0..big_files)
            .map(|i| {
                (
                    format!("lrm/big/d{}/f{i}.bin", i % 7),
                    format!("{i}").repeat(1 + (i * 7919) % 20000),
                )
            })
            .chain(files("lrm/lib/lib", 4, "big"))
            .collect();
        let refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
        let build = |name: &str, seq: u64, f: &[(String, String)]| {
            let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            let spec = write_release(s.dir.path(), name, seq, &f, false);
            s.build(&spec, &key, name)
        };
        let v1 = build("v1", 1, &refs(&v1_files));
        let v2 = build("v2", 2, &refs(&v2_files));
        let big = build("big", 3, &refs(&big_files));
        Suite {
            s,
            public,
            base,
            v1,
            v2,
            big,
            runs: Default::default(),
            nested_every,
            recovery_deaths: Default::default(),
        }
    }

    /// A fresh instrument (root and state) named `name`.
    fn fresh(&self, name: &str) -> (PathBuf, PathBuf) {
        let n = self.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = self.s.path(&format!("{name}-{n}"));
        let root = dir.join("root");
        copy_tree(&self.base, &root);
        (root, dir.join("state"))
    }

    fn apply(&self, bundle: &Path, root: &Path, state: &Path) -> std::process::Command {
        apply_cmd(bundle, &self.public, &nextseq_dx(), root, state)
    }

    fn rollback(&self, root: &Path, state: &Path) -> std::process::Command {
        let mut c = verifier();
        c.args(["rollback", "--root"])
            .arg(root)
            .arg("--state")
            .arg(state);
        c
    }

    /// The tree a clean run of `steps` gives.
    fn reference(&self, steps: &[&Path]) -> Snap {
        let (root, state) = self.fresh("ref");
        for b in steps {
            self.apply(b, &root, &state).assert().success();
        }
        snapshot(&root)
    }
}

/// Runs the next invocation (which recovers) and returns the installed
/// release id, if any, after checking the state is consistent with the root.
fn recover(root: &Path, state: &Path) -> Option<String> {
    let check = || {
        verifier()
            .args(["check-installed", "--json", "--root"])
            .arg(root)
            .arg("--state")
            .arg(state)
            .output()
            .unwrap()
    };
    // Any command that uses the state recovers; take turns among them.
    static TURN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let first = match TURN.fetch_add(1, std::sync::atomic::Ordering::SeqCst) % 3 {
        0 => Some(check()),
        turn => {
            let mut c = verifier();
            if turn == 1 {
                c.args(["rollback", "--dry-run", "--root"]).arg(root);
            } else {
                c.args(["receipts", "export", "--to"])
                    .arg(state.with_file_name("exported"));
            }
            let out = c.arg("--state").arg(state).output().unwrap();
            assert!(out.status.code().is_some(), "{c:?} ran to its end");
            None
        }
    };
    assert!(
        !state.join("journal.json").exists(),
        "the next command clears the journal"
    );
    assert!(
        std::fs::read_dir(state.join("staging"))
            .unwrap()
            .next()
            .is_none(),
        "the next command clears staging"
    );
    let out = first.unwrap_or_else(check);
    match out.status.code() {
        Some(0) => {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            Some(
                v["installed"][0]["release"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        }
        Some(2) => None,
        c => panic!(
            "check-installed after recovery exited {c:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Kills the recovery a command runs first at its crash points 1, 2, 3
/// until one completes; returns how many died.
fn kill_recovery(root: &Path, state: &Path) -> usize {
    for m in 1..=3 {
        let status = verifier()
            .args(["check-installed", "--root"])
            .arg(root)
            .arg("--state")
            .arg(state)
            .env("BUNDLE_VERIFIER_CRASH_AT", m.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        if !aborted(status) {
            return m - 1;
        }
    }
    3
}

/// Kills `cmd` at every crash point until a run completes. For each death,
/// `check` judges the recovered instrument. Returns the number of deaths.
fn every_point(
    suite: &Suite,
    name: &str,
    prepare: &dyn Fn(&Suite, &Path, &Path),
    cmd: &dyn Fn(&Suite, &Path, &Path) -> std::process::Command,
    check: &dyn Fn(&Suite, &Path, &Path),
) -> usize {
    for n in 1.. {
        let (root, state) = suite.fresh(name);
        prepare(suite, &root, &state);
        let status = cmd(suite, &root, &state)
            .env("BUNDLE_VERIFIER_CRASH_AT", n.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        if status.success() {
            return n - 1;
        }
        assert!(
            aborted(status),
            "{name}: crash point {n} aborts: {status:?}"
        );
        if suite.nested_every > 0 && n % suite.nested_every == 0 {
            // A crash during recovery is recovered the same way.
            let died = kill_recovery(&root, &state);
            suite
                .recovery_deaths
                .fetch_add(died, std::sync::atomic::Ordering::SeqCst);
        }
        check(suite, &root, &state);
    }
    unreachable!()
}

fn run_suite(random_kills: usize, big_files: usize, nested_every: usize) {
    let suite = Suite::new(big_files, nested_every);
    let old = snapshot(&suite.base);
    let (v1, v2, big) = (suite.v1.clone(), suite.v2.clone(), suite.big.clone());
    let new1 = suite.reference(&[&v1]);
    let new2 = suite.reference(&[&v1, &v2]);
    let new_big = suite.reference(&[&big]);
    assert_ne!(old, new1);
    assert_ne!(new1, new2);

    let (first, upgrade, rollback) = std::thread::scope(|scope| {
        // First install: old tree or v1, and apply afterwards agrees.
        let first = scope.spawn(|| {
            every_point(
                &suite,
                "install",
                &|_, _, _| {},
                &|s, r, st| s.apply(&s.v1, r, st),
                &|s, root, state| {
                    let installed = recover(root, state);
                    let now = snapshot(root);
                    match installed.as_deref() {
                        None => {
                            assert!(now == old, "undone install leaves exactly the old tree");
                            s.apply(&s.v1, root, state).assert().success();
                            assert!(snapshot(root) == new1);
                        }
                        Some("REL-1") => {
                            assert!(now == new1, "completed install gives exactly the new tree");
                            // The same release, intact: nothing to do.
                            let out = s.apply(&s.v1, root, state).output().unwrap();
                            assert_eq!(out.status.code(), Some(0));
                            assert!(out.stdout.starts_with(b"NOTHING TO DO"));
                        }
                        other => panic!("unexpected record {other:?}"),
                    }
                },
            )
        });

        // Upgrade v1 -> v2: exactly v1's tree or v2's.
        let upgrade = scope.spawn(|| {
            every_point(
                &suite,
                "upgrade",
                &|s, r, st| {
                    s.apply(&s.v1, r, st).assert().success();
                },
                &|s, r, st| s.apply(&s.v2, r, st),
                &|s, root, state| {
                    let installed = recover(root, state);
                    let now = snapshot(root);
                    match installed.as_deref() {
                        Some("REL-1") => {
                            assert!(now == new1, "undone upgrade leaves exactly v1");
                            s.apply(&s.v2, root, state).assert().success();
                            assert!(snapshot(root) == new2);
                        }
                        Some("REL-2") => assert!(now == new2, "completed upgrade gives exactly v2"),
                        other => panic!("unexpected record {other:?}"),
                    }
                    // Rolling back from here always reaches v1's tree.
                    if now == new2 {
                        s.rollback(root, state).assert().success();
                        assert!(snapshot(root) == new1);
                    }
                },
            )
        });

        // Rollback of the first install: v1's tree or exactly the old one.
        let rollback = scope.spawn(|| {
            every_point(
                &suite,
                "rollback",
                &|s, r, st| {
                    s.apply(&s.v1, r, st).assert().success();
                },
                &|s, r, st| s.rollback(r, st),
                &|_, root, state| {
                    let installed = recover(root, state);
                    let now = snapshot(root);
                    match installed.as_deref() {
                        None => {
                            assert!(now == old, "completed rollback gives exactly the old tree")
                        }
                        Some("REL-1") => {
                            assert!(now == new1, "a rollback that never started changes nothing")
                        }
                        other => panic!("unexpected record {other:?}"),
                    }
                },
            )
        });
        (
            first.join().unwrap(),
            upgrade.join().unwrap(),
            rollback.join().unwrap(),
        )
    });

    // Random-time SIGKILL of a larger install.
    let seed: u64 = std::env::var("CRASH_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let mut rng = seed;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (root, state) = suite.fresh("timing");
    let t0 = Instant::now();
    suite.apply(&big, &root, &state).assert().success();
    let full = t0.elapsed().as_micros().max(1000) as u64;
    let mut killed = 0;
    let mut in_txn = 0;
    let mut outcomes = [0usize; 2];
    let mut attempts = 0;
    while killed < random_kills {
        attempts += 1;
        assert!(
            attempts < random_kills * 20 + 50,
            "could not kill apply mid-way"
        );
        let (root, state) = suite.fresh("kill");
        let mut child = suite
            .apply(&big, &root, &state)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if attempts % 2 == 0 {
            // Anywhere in the run.
            std::thread::sleep(Duration::from_micros(next() % full));
        } else {
            // Inside the transaction: once the journal exists, soon after.
            let journal = state.join("journal.json");
            while !journal.exists() && child.try_wait().unwrap().is_none() {
                std::thread::sleep(Duration::from_micros(100));
            }
            std::thread::sleep(Duration::from_micros(next() % (full / 4).max(1)));
        }
        let done = child.try_wait().unwrap().is_some();
        if !done {
            if state.join("journal.json").exists() {
                in_txn += 1;
            }
            child.kill().unwrap();
        }
        let status = child.wait().unwrap();
        let now_ok = status.success();
        let installed = recover(&root, &state);
        let now = snapshot(&root);
        match installed.as_deref() {
            None => {
                assert!(
                    now == old,
                    "seed {seed}: killed install leaves exactly the old tree"
                );
                outcomes[0] += 1;
            }
            Some("REL-3") => {
                assert!(
                    now == new_big,
                    "seed {seed}: killed install gives exactly the new tree"
                );
                outcomes[1] += 1;
            }
            other => panic!("seed {seed}: unexpected record {other:?}"),
        }
        if !done && !now_ok {
            killed += 1;
        }
    }
    let nested = suite
        .recovery_deaths
        .load(std::sync::atomic::Ordering::SeqCst);
    let total = first + upgrade + rollback + killed + nested;
    eprintln!(
        "crash test: {total} process deaths ({first} install points, {upgrade} upgrade points, \
         {rollback} rollback points, {nested} recoveries killed, {killed} random SIGKILLs \
         ({in_txn} inside the transaction), outcomes {} old tree, {} new tree; seed {seed})",
        outcomes[0], outcomes[1]
    );
    if nested_every > 0 {
        assert!(nested > 0, "no recovery was interrupted");
    }
    assert!(
        first >= 20 && upgrade >= 20 && rollback >= 5,
        "crash points went missing"
    );
    assert!(total >= 50);
}

#[test]
fn killing_apply_or_rollback_at_any_point_leaves_exactly_the_old_or_the_new_tree() {
    run_suite(10, 40, 4);
}

/// The long run; see the module comment.
#[test]
#[ignore]
fn killing_apply_many_more_times_leaves_exactly_the_old_or_the_new_tree() {
    let kills = std::env::var("CRASH_TEST_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    run_suite(kills, 400, 1);
}

/// Install actions (`before` stops the service, `after` runs a step and
/// starts it, `check` runs a health check) killed at every crash point,
/// during recovery too: the next command leaves the old tree with the old
/// service running, or the new tree with the new service running.
#[cfg(unix)]
#[test]
fn killing_apply_with_actions_at_any_point_leaves_the_services_matching_the_tree() {
    use e2e_tests::services::*;
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let spec = spec(s.dir.path(), "acts", 1, &actions("health-check", ""));
    let bundle = s.build(&spec, &key, "acts");
    let root = s.path("root");
    old_root(&root);
    let old = snapshot(&root);
    let sup = Sup::start(&s.path("sup"), &root);
    let state = s.path("state");
    let apply = || {
        let mut c = apply_cmd(&bundle, &public, &nextseq_dx(), &root, &state);
        c.arg("--config").arg(&sup.config);
        c
    };
    apply().assert().success();
    let new = snapshot(&root);
    let wait_running = |version: &str| {
        let t0 = Instant::now();
        while !(sup.running() && sup.version() == version) {
            assert!(t0.elapsed() < Duration::from_secs(20), "lrm runs {version}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    wait_running("new");
    let mut deaths = 0;
    // Back to the old instrument with its service running (after an undo
    // it already is; only the state goes).
    let reset = || {
        let _ = sup.ctl(&["stop", "lrm"]);
        std::fs::remove_dir_all(&root).unwrap();
        old_root(&root);
        let _ = sup.ctl(&["start", "lrm"]);
        wait_running("old");
    };
    reset();
    // Each point costs a service restart or two: by default every third
    // point (the points of the file switch itself are all covered by the
    // tests above); E2E_EVERY_CRASH_POINT=1 walks every one.
    let every = std::env::var_os("E2E_EVERY_CRASH_POINT").is_some();
    for n in 1.. {
        if !every && n % 3 != 1 {
            continue;
        }
        let _ = std::fs::remove_dir_all(&state);
        let status = apply()
            .env("BUNDLE_VERIFIER_CRASH_AT", n.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        if status.success() {
            break;
        }
        assert!(aborted(status), "crash point {n} aborts: {status:?}");
        deaths += 1;
        if n % 4 == 0 {
            // The recovery itself dies at its first points (every fourth
            // point walked: n = 4, 16, 28, …).
            kill_recovery(&root, &state);
        }
        match recover(&root, &state).as_deref() {
            None => {
                assert!(
                    snapshot(&root) == old,
                    "point {n}: undone leaves the old tree"
                );
                assert!(sup.running(), "point {n}: the old service runs again");
                assert_eq!(sup.version(), "old", "point {n}");
            }
            Some("REL-1") => {
                assert!(
                    snapshot(&root) == new,
                    "point {n}: completed gives the new tree"
                );
                assert!(sup.running(), "point {n}: the new service runs");
                assert_eq!(sup.version(), "new", "point {n}");
                reset();
            }
            other => panic!("point {n}: unexpected record {other:?}"),
        }
    }
    assert!(
        deaths >= if every { 20 } else { 7 },
        "only {deaths} crash points"
    );
}
