//! Executable bits named in the spec (`executable = [...]` on a target):
//! authoritative on every OS, so a payload from a file system without
//! execute bits (a Windows build machine, a FAT stick) builds the same
//! bundle as one with them, and a pattern that matches nothing is refused.

use std::path::{Path, PathBuf};

use assert_cmd::prelude::*;
use e2e_tests::{builder, verifier, Scratch};
use predicates::str::contains;
use serde_json::Value;

const FILES: &[&str] = &[
    "app/setup.exe",
    "bin/helper",
    "bin/tool",
    "data/readme.txt",
    "lib/bin/not-top-level",
    "lib/plugin.dll",
];

/// A payload of `FILES`, all mode 0644 where files have modes, and a spec
/// for it with `executable` as given (no line when `None`).
fn release(dir: &Path, executable: Option<&str>) -> PathBuf {
    for f in FILES {
        let p = dir.join("payload").join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, format!("content of {f}\n")).unwrap();
        set_exec(&p, false);
    }
    let exec = executable.map_or(String::new(), |e| format!("executable = {e}\n"));
    let spec = dir.join("release.toml");
    std::fs::write(
        &spec,
        format!(
            "[release]\nid = \"EXEC-1\"\nversion = \"1.0.0\"\nsequence = 1\ntitle = \"Exec\"\n\n\
             [[target]]\nmodel = \"NextSeq 550Dx\"\nmodes = [\"Dx\", \"RUO\"]\n\
             files = \"payload\"\n{exec}"
        ),
    )
    .unwrap();
    spec
}

#[cfg(unix)]
fn set_exec(p: &Path, exec: bool) {
    use std::os::unix::fs::PermissionsExt;
    let mode = if exec { 0o755 } else { 0o644 };
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Files have no execute bit to set here.
#[cfg(not(unix))]
fn set_exec(_: &Path, _: bool) {}

/// Every target's executable files, from `verify --json`.
fn executables(bundle: &Path, public: &Path) -> Vec<(String, Vec<String>)> {
    let out = verifier()
        .arg("verify")
        .arg(bundle)
        .arg("--trusted-key")
        .arg(public)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    record["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let files = t["files"].as_array().unwrap();
            assert_eq!(files.len(), FILES.len());
            let exec = files
                .iter()
                .filter(|f| f["executable"] == true)
                .map(|f| f["path"].as_str().unwrap().to_owned())
                .collect();
            (t["mode"].as_str().unwrap().to_owned(), exec)
        })
        .collect()
}

fn build(spec: &Path, key: &Path, out: &Path) -> std::process::Output {
    builder()
        .arg("build")
        .arg(spec)
        .arg("--key")
        .arg(key)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn the_spec_names_the_executables_and_file_modes_do_not_change_a_byte() {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let spec = release(&s.path("rel"), Some(r#"["bin/*", "**/*.exe"]"#));
    let plain = s.path("plain.bundle");
    let out = build(&spec, &key, &plain);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "no warning with a list: {out:?}");
    let want: Vec<String> = ["app/setup.exe", "bin/helper", "bin/tool"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        executables(&plain, &public),
        [("Dx".to_owned(), want.clone()), ("RUO".to_owned(), want)]
    );
    // Execute bits on disk everywhere (where there are any): the same bytes.
    for f in FILES {
        set_exec(&s.path("rel/payload").join(f), true);
    }
    let moded = s.path("moded.bundle");
    let out = build(&spec, &key, &moded);
    assert!(out.status.success(), "{out:?}");
    assert!(std::fs::read(&plain).unwrap() == std::fs::read(&moded).unwrap());
}

#[test]
fn an_empty_list_marks_nothing_executable_whatever_the_modes() {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let spec = release(&s.path("rel"), Some("[]"));
    for f in FILES {
        set_exec(&s.path("rel/payload").join(f), true);
    }
    let b = s.path("b.bundle");
    let out = build(&spec, &key, &b);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    for (_, exec) in executables(&b, &public) {
        assert!(exec.is_empty(), "{exec:?}");
    }
}

#[test]
fn a_pattern_that_matches_nothing_is_refused() {
    let s = Scratch::new();
    let (key, _) = s.keygen("release");
    // `*` does not cross a directory: `lib/*` alone would match
    // `lib/plugin.dll`, so the typo is in the second pattern.
    let spec = release(&s.path("rel"), Some(r#"["lib/*", "Bin/*"]"#));
    let out = s.path("typo.bundle");
    builder()
        .arg("build")
        .arg(&spec)
        .arg("--key")
        .arg(&key)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains(
            "the executable pattern \"Bin/*\" matches no file here",
        ))
        .stderr(contains("hint: check its spelling"));
    assert!(!out.exists());
}

#[test]
fn without_a_list_the_file_modes_decide_where_there_are_any() {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let spec = release(&s.path("rel"), None);
    set_exec(&s.path("rel/payload/bin/tool"), true);
    let b = s.path("b.bundle");
    let out = build(&spec, &key, &b);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let want: Vec<String> = if cfg!(unix) {
        assert!(stderr.is_empty(), "{stderr}");
        vec!["bin/tool".into()]
    } else {
        // No modes to read: nothing is executable, and the builder says so.
        assert!(
            stderr.contains("warning: target \"NextSeq 550Dx\": no file is marked executable"),
            "{stderr}"
        );
        Vec::new()
    };
    for (_, exec) in executables(&b, &public) {
        assert_eq!(exec, want);
    }
}
