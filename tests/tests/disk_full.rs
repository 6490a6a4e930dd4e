//! A full disk at every point of apply: the state directory lives on a small
//! tmpfs (in a private mount namespace, so no privilege is needed), and the
//! install is tried at every size from nearly nothing up to enough. Each run
//! either installs (exit 0) or fails with exit 5 and leaves the root exactly
//! as it was; the same command then succeeds once there is room, whatever
//! the failed run left in the state directory. A disk that fills while the
//! files are staged (the free-space check passed) is exit 5 too.

#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Command;

use e2e_tests::*;

/// Whether this machine lets an unprivileged process mount a tmpfs in its
/// own namespace (`unshare -rm`).
fn can_mount_tmpfs() -> bool {
    Command::new("unshare")
        .args(["-rm", "sh", "-c", "mount -t tmpfs -o size=64k none /mnt"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_full_disk_at_any_point_of_apply_is_exit_5_with_the_root_unchanged() {
    if !can_mount_tmpfs() {
        // CI machines run as root or allow user namespaces; say so loudly
        // rather than pass silently where neither holds.
        panic!("this test needs `unshare -rm` (user and mount namespaces) to mount a tmpfs");
    }
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let bundle = s.build(&example().join("release.toml"), &key, "fsn");
    let root = s.instrument_root("root");
    let orig = s.path("orig");
    copy_tree(&root, &orig);
    let small = s.path("small");
    std::fs::create_dir(&small).unwrap();
    let apply = apply_cmd(&bundle, &public, &nextseq_dx(), &root, &small.join("state"));
    let mut argv = vec![apply.get_program().to_owned()];
    argv.extend(apply.get_args().map(|a| a.to_owned()));
    argv.extend(["--confirm".into(), "backup".into()]);

    // In the namespace: mount SIZE, apply, note its exit code and whether the
    // root is unchanged, then grow the tmpfs and apply again.
    let script = r#"
        dir=$1 size=$2 root=$3 orig=$4 out=$5; shift 5
        mount -t tmpfs -o size="$size" none "$dir" || exit 97
        "$@" >"$out.stdout" 2>"$out.stderr"; echo $? >"$out.rc1"
        if diff -r "$root" "$orig" >/dev/null; then echo same; else echo changed; fi >"$out.root1"
        mount -o remount,size=64m "$dir" || exit 98
        "$@" >/dev/null 2>>"$out.stderr2"; echo $? >"$out.rc2"
    "#;
    let mut installed_at = None;
    let mut failures = 0;
    for kib in (8..=4096).step_by(8) {
        copy_back(&orig, &root);
        let out = s.path(&format!("run-{kib}"));
        let status = Command::new("unshare")
            .args(["-rm", "sh", "-c", script, "sh"])
            .arg(&small)
            .arg(format!("{kib}k"))
            .arg(&root)
            .arg(&orig)
            .arg(&out)
            .args(&argv)
            .env("BUNDLE_VERIFIER_FREE_BYTES", "1000000000000")
            .env("LANG", "C")
            .status()
            .unwrap();
        assert!(status.success(), "the namespace script failed at {kib} KiB");
        let read = |ext: &str| {
            std::fs::read_to_string(format!("{}.{ext}", out.display()))
                .unwrap()
                .trim()
                .to_owned()
        };
        let (rc1, root1, rc2) = (read("rc1"), read("root1"), read("rc2"));
        match rc1.as_str() {
            "0" => {
                installed_at = Some(kib);
                break;
            }
            "5" => {
                failures += 1;
                assert_eq!(root1, "same", "exit 5 at {kib} KiB changed the root");
                let err = read("stderr");
                assert!(
                    err.contains("the disk is full") || err.contains("install failed"),
                    "exit 5 at {kib} KiB without saying why: {err}"
                );
                assert!(err.contains("Nothing was changed"), "{err}");
                assert_eq!(
                    rc2,
                    "0",
                    "after a full disk at {kib} KiB, apply with room failed: {}",
                    read("stderr2")
                );
            }
            other => panic!(
                "a full disk at {kib} KiB gave exit {other} (root {root1}):\n{}",
                read("stderr")
            ),
        }
    }
    let kib = installed_at.expect("the install fits in 4 MiB");
    eprintln!("{failures} sizes failed with exit 5; the install fits in {kib} KiB");
    assert!(
        failures > 10,
        "only {failures} sizes failed before {kib} KiB"
    );
}

/// Puts `root` back to `orig` (a fresh copy).
fn copy_back(orig: &Path, root: &Path) {
    if root.exists() {
        std::fs::remove_dir_all(root).unwrap();
    }
    copy_tree(orig, root);
}

#[test]
fn a_disk_that_fills_while_staging_is_exit_5_with_the_root_unchanged() {
    if !can_mount_tmpfs() {
        panic!("this test needs `unshare -rm` (user and mount namespaces) to mount a tmpfs");
    }
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    // 2 MiB to stage; the state directory's file system holds 1 MiB.
    let big = "0123456789abcdef".repeat(1 << 16);
    let files = [
        ("lrm/big-a.bin", big.as_str()),
        ("lrm/big-b.bin", big.as_str()),
    ];
    let spec = write_release(s.dir.path(), "big", 1, &files, false);
    let bundle = s.build(&spec, &key, "big");
    let root = s.instrument_root("root");
    let before = snapshot(&root);
    let small = s.path("small");
    std::fs::create_dir(&small).unwrap();
    let apply = apply_cmd(&bundle, &public, &nextseq_dx(), &root, &small.join("state"));
    let script = r#"
        dir=$1; shift
        mount -t tmpfs -o size=1m none "$dir" || exit 97
        "$@"
    "#;
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", script, "sh"])
        .arg(&small)
        .arg(apply.get_program())
        .args(apply.get_args())
        // The free-space check before staging would refuse first; this is
        // the disk filling up while the files are written (other writers).
        .env("BUNDLE_VERIFIER_FREE_BYTES", "1000000000000")
        .env("LANG", "C")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(
        err.contains("the disk is full (cannot write staged file"),
        "{err}"
    );
    assert!(err.contains("Nothing was changed"), "{err}");
    assert_eq!(snapshot(&root), before);
}
