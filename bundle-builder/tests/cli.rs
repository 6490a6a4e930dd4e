//! The builder's command line: what it refuses to build, and its exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;

fn builder() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("bundle-builder"))
}

struct Case {
    dir: tempfile::TempDir,
    key: PathBuf,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        builder()
            .arg("keygen")
            .arg("--unencrypted")
            .arg("--out")
            .arg(dir.path().join("k"))
            .assert()
            .success();
        let key = dir.path().join("k.key");
        Case { dir, key }
    }

    fn file(&self, rel: &str, body: &str) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
        p
    }

    fn spec(&self, targets: &str) -> PathBuf {
        self.file(
            "release.toml",
            &format!(
                "[release]\nid = \"R\"\nversion = \"1.0.0\"\nsequence = 1\ntitle = \"t\"\n{targets}"
            ),
        )
    }

    fn build(&self, spec: &Path) -> assert_cmd::assert::Assert {
        builder()
            .arg("build")
            .arg(spec)
            .arg("--key")
            .arg(&self.key)
            .arg("--out")
            .arg(self.dir.path().join("out.bundle"))
            .assert()
    }

    fn refused(&self, spec: &Path, message: &str) {
        let a = self.build(spec).code(2);
        let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(err.contains(message), "expected {message:?} in {err}");
        assert!(
            !self.dir.path().join("out.bundle").exists(),
            "no bundle after a refusal"
        );
    }
}

const ONE: &str = "[[target]]\nmodel = \"M\"\nmodes = [\"Dx\"]\nfiles = \"p\"\n";

#[test]
fn keygen_prints_the_key_id_and_writes_a_private_secret_key() {
    let dir = tempfile::tempdir().unwrap();
    let a = builder()
        .arg("keygen")
        .arg("--unencrypted")
        .arg("--out")
        .arg(dir.path().join("rel"))
        .assert()
        .success();
    let id = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert_eq!(id.trim().len(), 16);
    let secret = std::fs::read_to_string(dir.path().join("rel.key")).unwrap();
    assert!(secret.starts_with("-----BEGIN PRIVATE KEY-----"));
    let public = std::fs::read_to_string(dir.path().join("rel.pub")).unwrap();
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("rel.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Never overwrite a key.
    builder()
        .arg("keygen")
        .arg("--unencrypted")
        .arg("--out")
        .arg(dir.path().join("rel"))
        .assert()
        .code(2);
}

#[test]
fn a_good_spec_builds() {
    let c = Case::new();
    c.file("p/a.txt", "a");
    c.build(&c.spec(ONE)).success();
}

#[test]
fn a_missing_payload_directory_is_refused() {
    let c = Case::new();
    c.refused(&c.spec(ONE), "cannot read");
}

#[test]
fn an_empty_payload_directory_is_refused() {
    let c = Case::new();
    std::fs::create_dir(c.dir.path().join("p")).unwrap();
    c.refused(&c.spec(ONE), "holds no files");
}

#[test]
fn an_empty_subdirectory_is_refused() {
    let c = Case::new();
    c.file("p/a.txt", "a");
    std::fs::create_dir(c.dir.path().join("p/empty")).unwrap();
    c.refused(&c.spec(ONE), "empty directory");
}

#[cfg(unix)]
#[test]
fn a_symlink_in_the_payload_is_refused() {
    let c = Case::new();
    c.file("p/a.txt", "a");
    std::os::unix::fs::symlink("/etc/passwd", c.dir.path().join("p/link")).unwrap();
    c.refused(&c.spec(ONE), "symbolic link");
}

#[cfg(unix)]
#[test]
fn a_fifo_in_the_payload_is_refused() {
    let c = Case::new();
    c.file("p/a.txt", "a");
    let fifo = c.dir.path().join("p/fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    c.refused(&c.spec(ONE), "FIFO");
}

#[test]
fn unportable_names_are_refused() {
    for (name, message) in [
        ("p/CON", "reserved device name"),
        ("p/aux.txt", "reserved device name"),
        ("p/back\\slash", "backslash"),
        ("p/colon:name", "Windows does not allow"),
        ("p/trailing.", "ends with a dot or space"),
        ("p/gpj\u{202e}exe.x", "bidirectional control (U+202E)"),
        ("p/zero\u{200b}width", "zero-width character"),
        (
            "p/\u{301}accent",
            "rename it so that the name starts with a letter",
        ),
        ("p/nbsp\u{a0}", "U+00A0"),
        ("p/PROGRA~1", "8.3 short name"),
        ("p/com\u{b9}.log", "reserved device name"),
    ] {
        // Windows cannot hold these names (a device, a separator, a data
        // stream, a dot it strips); the others it can.
        let unholdable = [
            "p/CON",
            "p/aux.txt",
            "p/back\\slash",
            "p/colon:name",
            "p/trailing.",
            "p/com\u{b9}.log",
        ];
        if cfg!(windows) && unholdable.contains(&name) {
            continue;
        }
        let c = Case::new();
        c.file("p/ok.txt", "a");
        c.file(name, "x");
        c.refused(&c.spec(ONE), message);
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "a case-insensitive file system holds only one of the two names"
)]
fn names_equal_when_case_is_ignored_are_refused() {
    let c = Case::new();
    c.file("p/Readme.txt", "a");
    c.file("p/README.TXT", "b");
    c.refused(&c.spec(ONE), "name the same file on Windows");
}

#[test]
fn names_one_file_system_or_case_folding_would_merge_are_refused_with_what_to_rename() {
    for (a, b, message) in [
        ("p/f\u{131}le", "p/FILE", "name the same file on Windows"),
        ("p/stra\u{df}e", "p/STRASSE", "under Unicode case folding"),
        (
            "p/tool\u{b2}",
            "p/tool2",
            "compatibility normalisation (NFKC)",
        ),
    ] {
        let c = Case::new();
        c.file(a, "a");
        c.file(b, "b");
        c.refused(&c.spec(ONE), message);
        c.refused(&c.spec(ONE), "rename one of them");
    }
}

#[test]
fn a_duplicate_model_and_mode_is_refused() {
    let c = Case::new();
    c.file("p/a.txt", "a");
    c.refused(&c.spec(&format!("{ONE}{ONE}")), "given twice");
}

#[test]
fn an_unknown_spec_key_is_refused() {
    let c = Case::new();
    c.file("p/a.txt", "a");
    c.refused(
        &c.spec(&format!("{ONE}colour = \"red\"\n")),
        "unknown field",
    );
}

#[test]
fn a_bad_version_requirement_is_refused() {
    let c = Case::new();
    c.file("p/a.txt", "a");
    c.refused(
        &c.spec(&format!("{ONE}requires_version = \"about two\"\n")),
        "requires_version",
    );
}

#[test]
fn an_unreadable_or_public_key_is_a_usage_error() {
    let c = Case::new();
    c.file("p/a.txt", "a");
    for key in ["nope.key", "k.pub"] {
        builder()
            .arg("build")
            .arg(c.spec(ONE))
            .arg("--key")
            .arg(c.dir.path().join(key))
            .arg("--out")
            .arg(c.dir.path().join("out.bundle"))
            .assert()
            .code(2);
    }
}

#[test]
fn man_page_and_completions_are_generated_from_the_command_definitions() {
    let a = builder().arg("manpage").assert().success();
    assert!(String::from_utf8_lossy(&a.get_output().stdout).contains(".TH bundle-builder"));
    let a = builder().args(["completions", "zsh"]).assert().success();
    assert!(String::from_utf8_lossy(&a.get_output().stdout).contains("cosign"));
}
