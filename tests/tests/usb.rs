//! `usb DIR`, the technician's one step, with only a config file: the newest
//! bundle that applies is installed (the others each get their one-line
//! reason), the receipts and a summary go to the stick, a read-only stick
//! is told, and a stick with nothing for this instrument changes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use e2e_tests::*;

struct Setup {
    s: Scratch,
    key: PathBuf,
    stick: PathBuf,
    root: PathBuf,
    config: PathBuf,
}

fn setup() -> Setup {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let root = s.instrument_root("root");
    let stick = s.path("stick");
    std::fs::create_dir_all(&stick).unwrap();
    let lit = |p: &Path| format!("'{}'", p.display());
    let config = s.path("config.toml");
    std::fs::write(
        &config,
        format!(
            "root = 'root'\nstate = 'state'\ninstrument = {}\ntrusted_keys = [{}]\n",
            lit(&nextseq_dx()),
            lit(&public)
        ),
    )
    .unwrap();
    Setup {
        s,
        key,
        stick,
        root,
        config,
    }
}

impl Setup {
    /// A NextSeq 550Dx release (Dx and RUO) of `sequence` on the stick.
    fn nextseq(&self, name: &str, sequence: u64, content: &str) {
        let spec = write_release(
            self.s.dir.path(),
            name,
            sequence,
            &[
                ("lrm/a.txt", content),
                ("lrm/config/remote-access.json", "{}"),
            ],
            true,
        );
        let b = self.s.build(&spec, &self.key, name);
        std::fs::rename(b, self.stick.join(format!("{name}.bundle"))).unwrap();
    }

    /// A release for MiSeqDx only, on the stick.
    fn miseq(&self, name: &str) {
        let base = self.s.path(name);
        std::fs::create_dir_all(base.join("payload/lrm")).unwrap();
        std::fs::write(base.join("payload/lrm/a.txt"), "miseq").unwrap();
        let spec = base.join("release.toml");
        std::fs::write(
            &spec,
            "[release]\nid = \"MISEQ-9\"\nversion = \"9.0.0\"\nsequence = 9\ntitle = \"MiSeq\"\n\n\
             [[target]]\nmodel = \"MiSeqDx\"\nmodes = [\"Dx\"]\nfiles = \"payload\"\n",
        )
        .unwrap();
        let b = self.s.build(&spec, &self.key, name);
        std::fs::rename(b, self.stick.join(format!("{name}.bundle"))).unwrap();
    }

    fn usb(&self) -> Command {
        let mut c = verifier();
        for v in ["LANG", "LC_ALL", "LC_MESSAGES"] {
            c.env_remove(v);
        }
        c.env("BUNDLE_VERIFIER_CONFIG", &self.config)
            .arg("usb")
            .arg(&self.stick);
        c
    }

    fn receipts_on_stick(&self) -> PathBuf {
        self.stick.join("receipts").join("NB551234-Dx")
    }
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn usb_installs_the_newest_bundle_that_applies_and_puts_the_receipts_on_the_stick() {
    let t = setup();
    t.nextseq("old", 1, "one");
    t.nextseq("new", 2, "two");
    t.miseq("miseq");
    let shown = ok(t
        .usb()
        .args(["--yes", "--confirm", "backup"])
        .output()
        .unwrap());
    assert_eq!(
        std::fs::read_to_string(t.root.join("lrm/a.txt")).unwrap(),
        "two"
    );
    // One line each for the bundles not installed, and why.
    let line = |file: &str| {
        shown
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("no line for {file} in:\n{shown}"))
            .to_owned()
    };
    assert!(
        line("old.bundle").contains("is older than REL-2"),
        "{shown}"
    );
    assert!(line("miseq.bundle").contains("MiSeqDx"), "{shown}");
    assert!(line("new.bundle").contains("To install: REL-2"), "{shown}");
    assert!(
        shown.contains("Files: 1 added, 1 replaced, 0 removed (0 unchanged)"),
        "{shown}"
    );
    assert!(
        shown.contains("Confirmed with --confirm [backup]"),
        "{shown}"
    );
    // The apply command's own report is there.
    assert!(shown.contains("INSTALLED"), "{shown}");
    let dir = t.receipts_on_stick();
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".json")), "{names:?}");
    assert!(names
        .iter()
        .any(|n| n.starts_with("device-") && n.ends_with(".pub")));
    let summary = std::fs::read_to_string(dir.join("summary-2.txt")).unwrap();
    assert!(
        summary.contains("REL-2") && summary.contains("NB551234"),
        "{summary}"
    );
    assert!(
        summary.contains("restart the instrument in RUO mode"),
        "{summary}"
    );
    assert!(
        shown.contains(&format!("on the stick in {}", dir.display())),
        "{shown}"
    );
    assert!(
        shown
            .trim_end()
            .ends_with("Next: restart the instrument in RUO mode and run this again."),
        "{shown}"
    );
}

#[test]
fn usb_without_yes_and_without_a_terminal_asks_nobody_and_changes_nothing() {
    let t = setup();
    t.nextseq("new", 2, "two");
    let before = snapshot(&t.root);
    let out = t.usb().args(["--confirm", "backup"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--yes"));
    assert_eq!(snapshot(&t.root), before);
}

#[test]
fn usb_with_no_bundle_that_applies_exits_4_and_changes_nothing() {
    let t = setup();
    t.miseq("miseq");
    let before = snapshot(&t.root);
    let out = t
        .usb()
        .args(["--yes", "--confirm", "backup"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("miseq.bundle"));
    assert!(text(&out.stderr).contains("No bundle on the stick applies to this instrument"));
    assert_eq!(snapshot(&t.root), before);
    assert!(!t.stick.join("receipts").exists());
    // An empty stick (or the wrong folder) is exit 2.
    std::fs::remove_file(t.stick.join("miseq.bundle")).unwrap();
    let out = t.usb().arg("--yes").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("No bundle found on"));
    assert_eq!(snapshot(&t.root), before);
}

#[test]
fn usb_after_the_newest_is_installed_says_nothing_to_do_and_installs_nothing() {
    let t = setup();
    t.nextseq("new", 2, "two");
    ok(t.usb()
        .args(["--yes", "--confirm", "backup"])
        .output()
        .unwrap());
    let after = snapshot(&t.root);
    let out = t
        .usb()
        .args(["--yes", "--confirm", "backup"])
        .output()
        .unwrap();
    // The same release again, intact: nothing to do, as `apply` says it.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("NOTHING TO DO"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(snapshot(&t.root), after);
    // Changed since: apply's refusal with the repair hint, still nothing changed.
    let planted = t.root.join("lrm/planted.dll");
    std::fs::write(&planted, b"x").unwrap();
    let out = t
        .usb()
        .args(["--yes", "--confirm", "backup"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--reinstall"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(&planted).unwrap();
    assert_eq!(snapshot(&t.root), after);
}

/// A write-protected stick (chmod a-w): the install goes on, and the
/// technician is told where the receipts are and how to export them later.
#[cfg(unix)]
#[test]
fn usb_on_a_read_only_stick_says_where_the_receipts_are() {
    use std::os::unix::fs::PermissionsExt;
    let t = setup();
    t.nextseq("new", 2, "two");
    let ro = std::fs::Permissions::from_mode(0o555);
    std::fs::set_permissions(&t.stick, ro).unwrap();
    // Root can write anyway: then a file where the receipts folder would
    // go stops the write the same way.
    let writable = std::fs::write(t.stick.join("probe"), b"x").is_ok();
    if writable {
        std::fs::remove_file(t.stick.join("probe")).unwrap();
        std::fs::write(t.stick.join("receipts"), b"not a folder").unwrap();
    }
    let shown = ok(t
        .usb()
        .args(["--yes", "--confirm", "backup"])
        .output()
        .unwrap());
    std::fs::set_permissions(&t.stick, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(
        std::fs::read_to_string(t.root.join("lrm/a.txt")).unwrap(),
        "two"
    );
    assert!(
        shown.contains("could not be written to the stick"),
        "{shown}"
    );
    let kept = t.s.path("state").join("receipts");
    assert!(shown.contains(&kept.display().to_string()), "{shown}");
    assert!(
        shown.contains("bundle-verifier receipts export --to"),
        "{shown}"
    );
    assert!(!t.stick.join("receipts").is_dir());
}

/// A bundle's file name is untrusted: control characters in it are shown,
/// never sent to the terminal.
#[cfg(unix)]
#[test]
fn usb_shows_control_characters_in_bundle_names_instead_of_obeying_them() {
    let t = setup();
    t.nextseq("old", 1, "one");
    t.nextseq("new", 2, "two");
    std::fs::rename(
        t.stick.join("old.bundle"),
        t.stick.join("old\u{1b}[2J\u{202e}.bundle"),
    )
    .unwrap();
    let shown = ok(t
        .usb()
        .args(["--yes", "--confirm", "backup"])
        .output()
        .unwrap());
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
        "{shown}"
    );
    assert!(shown.contains("old\\u{1b}[2J\\u{202e}.bundle"), "{shown}");
}

/// Without DIR, the mounted removable drives are searched; with none (as on
/// a build machine), the technician is told to plug the stick in or name it.
#[test]
fn usb_without_a_stick_says_so_with_exit_2() {
    if !bundle_verifier::platform::removable_media().is_empty() {
        eprintln!("skipped: this machine has removable media mounted");
        return;
    }
    let t = setup();
    let before = snapshot(&t.root);
    let out = verifier()
        .env("BUNDLE_VERIFIER_CONFIG", &t.config)
        .env("LANG", "C")
        .args(["usb", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("No USB stick found"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(snapshot(&t.root), before);
}
