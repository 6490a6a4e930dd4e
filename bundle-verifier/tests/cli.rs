//! The verifier's command line on its own: usage errors are exit 2 and say why.

use std::process::Command;

use assert_cmd::prelude::*;

fn verifier() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("bundle-verifier"))
}

#[test]
fn missing_arguments_are_usage_errors() {
    verifier().assert().code(2);
    verifier().arg("verify").arg("x.bundle").assert().code(2);
}

#[test]
fn an_unreadable_trusted_key_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = verifier()
        .arg("verify")
        .arg(dir.path().join("x.bundle"))
        .arg("--trusted-key")
        .arg(dir.path().join("missing.pub"))
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("missing.pub"));
}

#[test]
fn a_file_that_is_not_a_bundle_is_refused_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("notes.txt");
    std::fs::write(&f, vec![b'x'; 4096]).unwrap();
    let a = verifier().arg("inspect").arg(&f).assert().code(3);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("not a patch bundle"));
}

#[test]
fn man_page_and_completions_are_generated_from_the_command_definitions() {
    let a = verifier().arg("manpage").assert().success();
    let man = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(
        man.contains(".TH bundle-verifier") && man.contains("apply"),
        "{man}"
    );
    let a = verifier().args(["completions", "bash"]).assert().success();
    assert!(String::from_utf8_lossy(&a.get_output().stdout).contains("check-installed"));
}

#[cfg(unix)]
#[test]
fn output_cut_off_by_a_closed_pipe_ends_a_reading_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // as `| head` does once it has its lines
    let out = verifier().arg("manpage").stdout(writer).output().unwrap();
    const SIGPIPE: i32 = 13; // on Linux and the BSDs
    assert_eq!(out.status.signal(), Some(SIGPIPE), "{:?}", out.status);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_short_file_that_is_no_bundle_is_called_that_not_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let note = dir.path().join("README.txt");
    std::fs::write(
        &note,
        "Patch FSN2022-1230: see the bundle next to this file.\n",
    )
    .unwrap();
    let key = dir.path().join("k.pub");
    std::fs::write(
        &key,
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    let out = verifier()
        .arg("verify")
        .arg(&note)
        .arg("--trusted-key")
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a patch bundle"), "{err}");
    assert!(!err.contains("truncated"), "{err}");
}
