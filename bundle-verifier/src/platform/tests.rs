//! The classification of rename failures, and renames and in-use checks on
//! the real file system.

use std::io;

use super::tree::Perm;
use super::{crosses_devices, Tree};

#[cfg(unix)]
const CROSS: i32 = libc::EXDEV;
#[cfg(windows)]
const CROSS: i32 = 17; // ERROR_NOT_SAME_DEVICE

/// Failures that must never turn into a copy: access denied, busy, a
/// sharing or lock violation, a missing file, a full disk.
#[cfg(unix)]
const NOT_CROSS: &[i32] = &[
    libc::EACCES,
    libc::EPERM,
    libc::EBUSY,
    libc::ENOENT,
    libc::ENOSPC,
    libc::EISDIR,
    libc::EROFS,
];
#[cfg(windows)]
const NOT_CROSS: &[i32] = &[5, 32, 33, 2, 112, 1];

#[test]
fn only_a_cross_device_error_lets_a_rename_fall_back_to_copying() {
    assert!(crosses_devices(&io::Error::from_raw_os_error(CROSS)));
    for &code in NOT_CROSS {
        let e = io::Error::from_raw_os_error(code);
        assert!(!crosses_devices(&e), "{e}");
    }
    // Errors without an OS code (ours, or a kind alone) never count.
    assert!(!crosses_devices(&io::Error::other("cross-device")));
    assert!(!crosses_devices(&io::Error::from(
        io::ErrorKind::CrossesDevices
    )));
}

#[test]
fn a_rename_replaces_the_target_and_a_failed_one_is_not_cross_device() {
    let d = tempfile::tempdir().unwrap();
    let t = Tree::open_ambient(d.path()).unwrap();
    t.create_dir_all("x/y").unwrap();
    for (name, bytes) in [("a", b"new"), ("x/y/b", b"old")] {
        std::io::Write::write_all(&mut t.create_new(name, Perm::Plain).unwrap(), bytes).unwrap();
    }
    t.rename("a", &t, "x/y/b").unwrap();
    assert_eq!(std::fs::read(d.path().join("x/y/b")).unwrap(), b"new");
    assert!(!d.path().join("a").exists());
    // A missing source, or a directory in the way, is an error of its own.
    let e = t.rename("a", &t, "x/y/c").unwrap_err();
    assert!(!crosses_devices(&e), "{e}");
    std::io::Write::write_all(&mut t.create_new("a", Perm::Plain).unwrap(), b"z").unwrap();
    let e = t.rename("a", &t, "x").unwrap_err();
    assert!(!crosses_devices(&e), "{e}");
    assert_eq!(std::fs::read(d.path().join("a")).unwrap(), b"z");
}

#[test]
fn nothing_here_is_held_open_by_another_program() {
    let d = tempfile::tempdir().unwrap();
    let t = Tree::open_ambient(d.path()).unwrap();
    let _mine = t.create_new("f", Perm::Plain).unwrap();
    drop(_mine);
    assert!(!t.held_open("f").unwrap());
    assert!(!t.held_open("missing").unwrap());
}

/// A handle that shares nothing is what a service holding its files looks
/// like; Unix has no such thing.
#[cfg(windows)]
#[test]
fn a_file_open_without_sharing_is_held_and_a_rename_over_it_fails_without_copying() {
    use std::os::windows::fs::OpenOptionsExt;
    let d = tempfile::tempdir().unwrap();
    let t = Tree::open_ambient(d.path()).unwrap();
    for name in ["held", "staged"] {
        std::io::Write::write_all(&mut t.create_new(name, Perm::Plain).unwrap(), b"x").unwrap();
    }
    let held = std::fs::OpenOptions::new()
        .read(true)
        .share_mode(0)
        .open(d.path().join("held"))
        .unwrap();
    assert!(t.held_open("held").unwrap());
    let e = t.rename("staged", &t, "held").unwrap_err();
    assert!(!crosses_devices(&e), "{e}");
    drop(held);
    assert!(!t.held_open("held").unwrap());
    t.rename("staged", &t, "held").unwrap();
}
