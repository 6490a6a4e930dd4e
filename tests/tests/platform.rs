//! What every operating system must give alike (Windows runs these under
//! Wine in `scripts/wine-test.sh`): a closed output pipe, paths in records
//! and messages, long paths, exec bits where a file system has none.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use e2e_tests::*;

struct Setup {
    s: Scratch,
    public: PathBuf,
    v1: PathBuf,
    v2: PathBuf,
}

/// Two releases of the same files (the second changes one), with a plain
/// file and one the manifest marks executable.
fn setup() -> Setup {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let mut bundles = Vec::new();
    for (n, tool) in [(1, "v1"), (2, "v2")] {
        let spec = write_release(
            s.dir.path(),
            &format!("r{n}"),
            n,
            &[("lrm/readme.txt", "plain"), ("lrm/bin/tool", tool)],
            false,
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let p = spec.parent().unwrap().join("payload/lrm/bin/tool");
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        bundles.push(s.build(&spec, &key, &format!("r{n}")));
    }
    let v2 = bundles.pop().unwrap();
    let v1 = bundles.pop().unwrap();
    Setup { s, public, v1, v2 }
}

fn apply(t: &Setup, bundle: &Path, root: &Path, state: &Path) -> Command {
    apply_cmd(bundle, &t.public, &nextseq_dx(), root, state)
}

fn rollback(root: &Path, state: &Path) -> Command {
    let mut c = verifier();
    c.args(["rollback", "--root"])
        .arg(root)
        .arg("--state")
        .arg(state);
    c
}

fn check(root: &Path, state: &Path) -> Output {
    verifier()
        .args(["check-installed", "--json", "--root"])
        .arg(root)
        .arg("--state")
        .arg(state)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `\\?\C:\…` as written in text and as escaped in JSON.
fn verbatim_in(s: &str) -> bool {
    s.contains(r"\\?\") || s.contains(r"\\\\?\\")
}

/// Every file under `dir` whose text names a verbatim path.
fn files_naming_verbatim_paths(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_naming_verbatim_paths(&p));
        } else if verbatim_in(&text(&std::fs::read(&p).unwrap())) {
            out.push(p);
        }
    }
    out
}

#[test]
fn install_upgrade_reinstall_and_rollback_work_and_check_installed_stays_clean() {
    let t = setup();
    let (root, state) = (t.s.path("root"), t.s.path("state"));
    std::fs::create_dir_all(&root).unwrap();
    let clean = |what: &str| {
        let out = check(&root, &state);
        assert!(out.status.success(), "{what}: {}", text(&out.stdout));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for list in ["modified", "missing", "unexpected"] {
            assert_eq!(r[list], serde_json::json!([]), "{what}: {list}");
        }
    };
    let mut messages = String::new();
    let mut run = |c: &mut Command, what: &str| {
        let out = c.output().unwrap();
        assert!(out.status.success(), "{what}: {}", text(&out.stderr));
        messages += &text(&out.stdout);
        messages += &text(&out.stderr);
    };
    run(&mut apply(&t, &t.v1, &root, &state), "install");
    clean("after install");
    // A reinstall and an upgrade back up what they replace (and the records).
    run(
        apply(&t, &t.v1, &root, &state).arg("--reinstall"),
        "reinstall",
    );
    clean("after reinstall");
    run(&mut apply(&t, &t.v2, &root, &state), "upgrade");
    clean("after upgrade");
    run(&mut rollback(&root, &state), "rollback");
    clean("after rollback");
    assert_eq!(std::fs::read(root.join("lrm/bin/tool")).unwrap(), b"v1");
    // Records, receipts and messages name paths the way people write them.
    assert!(!verbatim_in(&messages), "{messages}");
    assert_eq!(files_naming_verbatim_paths(&state), Vec::<PathBuf>::new());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Wine 8 cannot canonicalise paths over 260 characters (GetFinalPathNameByHandleW)"
)]
fn a_root_and_state_deeper_than_max_path_work() {
    let t = setup();
    let mut deep = t.s.dir.path().to_path_buf();
    for i in 0..5 {
        deep.push(format!("{i}-{}", "d".repeat(60)));
    }
    assert!(deep.as_os_str().len() > 300);
    let (root, state) = (deep.join("root"), deep.join("state"));
    std::fs::create_dir_all(&root).unwrap();
    for (bundle, extra) in [(&t.v1, None), (&t.v2, None), (&t.v2, Some("--reinstall"))] {
        let out = apply(&t, bundle, &root, &state)
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = check(&root, &state);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert_eq!(std::fs::read(root.join("lrm/bin/tool")).unwrap(), b"v2");
}

/// A pipe whose reader is gone before the command writes a byte.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer.into()
}

#[test]
fn a_closed_output_pipe_is_no_panic() {
    let t = setup();
    let (root, state) = (t.s.path("root"), t.s.path("state"));
    std::fs::create_dir_all(&root).unwrap();
    let mut dry_run = apply(&t, &t.v1, &root, &state);
    dry_run.arg("--dry-run");
    let mut inspect = verifier();
    inspect.arg("inspect").arg(&t.v1);
    let mut manpage = verifier();
    manpage.arg("manpage");
    for (name, mut c, reading) in [
        ("apply --dry-run", dry_run, false),
        ("inspect", inspect, true),
        ("manpage", manpage, true),
    ] {
        let out = c.stdout(closed_pipe()).output().unwrap();
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{name}: {err}");
        // Reading commands may end by SIGPIPE on Unix, as other tools do;
        // everywhere else the command ends as it would have.
        let by_signal = cfg!(unix) && reading && out.status.code().is_none();
        assert!(
            out.status.success() || by_signal,
            "{name}: {:?} {err}",
            out.status
        );
    }
}

/// A directory on another volume than the scratch directory: the Wine
/// harness maps one as a drive (`BUNDLE_TEST_OTHER_DRIVE`); on Linux
/// `/dev/shm` is a tmpfs of its own.
fn other_volume() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("BUNDLE_TEST_OTHER_DRIVE") {
        return Some(PathBuf::from(d));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let shm = Path::new("/dev/shm");
        let tmp = std::fs::metadata(std::env::temp_dir()).ok()?;
        match std::fs::metadata(shm) {
            Ok(m) if m.is_dir() && m.dev() != tmp.dev() => return Some(shm.to_owned()),
            _ => {}
        }
    }
    None
}

#[test]
fn state_and_backup_copy_on_another_volume_than_the_root_work() {
    let Some(other) = other_volume() else {
        eprintln!("no second volume here (set BUNDLE_TEST_OTHER_DRIVE); nothing to test");
        return;
    };
    let t = setup();
    let far = tempfile::tempdir_in(&other).expect("a directory on the other volume");
    let (root, state) = (t.s.path("root"), far.path().join("state"));
    let extra = far.path().join("stick");
    std::fs::create_dir_all(&root).unwrap();
    let run = |c: &mut Command, what: &str| {
        let out = c.output().unwrap();
        assert!(out.status.success(), "{what}: {}", text(&out.stderr));
    };
    let clean = |what: &str| {
        let out = check(&root, &state);
        assert!(out.status.success(), "{what}: {}", text(&out.stdout));
    };
    // Staging is on the state's volume: the switch copies across volumes
    // (only a cross-device rename may fall back to that).
    run(&mut apply(&t, &t.v1, &root, &state), "install");
    clean("after install");
    run(
        apply(&t, &t.v2, &root, &state)
            .arg("--backup-to")
            .arg(&extra),
        "upgrade with --backup-to",
    );
    clean("after upgrade");
    assert_eq!(std::fs::read(root.join("lrm/bin/tool")).unwrap(), b"v2");
    let saved: Vec<PathBuf> = std::fs::read_dir(&extra)
        .unwrap()
        .map(|e| e.unwrap().path().join("files/lrm/bin/tool"))
        .collect();
    assert_eq!(saved.len(), 1, "one transaction's copy on the other volume");
    assert_eq!(std::fs::read(&saved[0]).unwrap(), b"v1");
    run(&mut rollback(&root, &state), "rollback");
    clean("after rollback");
    assert_eq!(std::fs::read(root.join("lrm/bin/tool")).unwrap(), b"v1");
}
