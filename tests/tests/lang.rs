//! The technician's and the auditor's words in their language: every
//! command a technician or auditor runs, with `--lang de` and `--lang fr`,
//! prints none of the tool's English labels.

use std::path::Path;
use std::process::Command;

use e2e_tests::*;

/// Words of the tool's own English labels and sentences. Each must be
/// translated in every other shipped language.
const ENGLISH: &[&str] = &[
    "release",
    "notes",
    "target",
    "files",
    "file",
    "bytes",
    "signed",
    "checking",
    "installed",
    "INSTALLED",
    "DRY RUN",
    "ROLLED BACK",
    "receipt",
    "modified",
    "missing",
    "unexpected",
    "claims",
    "payload",
    "sequence",
    "serial",
    "nothing",
    "changed",
    "REMINDER",
    "APPLIES",
    "NOT HERE",
    "REFUSED",
    "patched",
    "expiry",
    "counted",
    "replaced",
    "added",
    "already",
    "error",
    "instrument",
    "instruments",
    "bundle",
    "needed",
    "under",
    "trust",
    "keys",
    "confirmed",
    "kept",
    "device",
    "back",
    "read",
    "unknown",
    "invalid",
    "this",
    "the",
];

/// The vendor's own English texts in the example release: signed content,
/// shown as the release has it, not the tool's words.
fn release_texts() -> Vec<String> {
    let spec = std::fs::read_to_string(example().join("release.toml")).unwrap();
    spec.lines()
        .filter_map(|l| l.split_once(" = \""))
        .filter(|(k, _)| ["title", "notes", "text", "en"].contains(&k.trim()))
        .map(|(_, v)| v.trim_end_matches('"').to_owned())
        .collect()
}

/// English words of ours left in `out`, ignoring paths and signed texts.
fn english_in(out: &str, scratch: &Path) -> Vec<String> {
    let mut text = out.to_owned();
    for t in release_texts() {
        text = text.replace(&t, " ");
    }
    // Commands in backticks are what the user types, in any language.
    let text: String = text
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(" ");
    let scratch = scratch.display().to_string();
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !w.contains(&scratch) && !w.contains('/') && !w.ends_with(".bundle"))
        .collect();
    let text = format!(" {} ", words.join(" "));
    let norm: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let norm = format!(
        " {} ",
        norm.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    ENGLISH
        .iter()
        .filter(|w| norm.contains(&format!(" {w} ")))
        .map(|w| w.to_string())
        .collect()
}

fn run(c: &mut Command, lang: &str) -> (Option<i32>, String) {
    let out = c
        .args(["--lang", lang])
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn german_and_french_runs_print_no_english_label() {
    for lang in ["de", "fr"] {
        let s = Scratch::new();
        let (key, public) = s.keygen("k");
        let bundle = s.build(&example().join("release.toml"), &key, "fsn");
        let root = s.instrument_root("root");
        let state = s.path("state");
        let stick = s.path("stick");
        std::fs::create_dir_all(&stick).unwrap();
        std::fs::copy(&bundle, stick.join("fsn.bundle")).unwrap();
        let id = nextseq_dx();
        // An instrument no target of the release is for.
        let other = s.path("other.toml");
        std::fs::write(
            &other,
            "model = \"NovaSeq 6000\"\nudi_di = \"00816270020999\"\nserial = \"NV1\"\n\
             mode = \"Dx\"\ninstalled_version = \"1.0.0\"\n",
        )
        .unwrap();
        let mut outputs: Vec<(&str, Option<i32>, String)> = Vec::new();
        let mut step = |name: &'static str, c: &mut Command, want: i32| {
            let (code, out) = run(c, lang);
            assert_eq!(code, Some(want), "{lang} {name}: {out}");
            outputs.push((name, code, out));
        };
        step(
            "verify",
            verifier()
                .arg("verify")
                .arg(&bundle)
                .arg("--trusted-key")
                .arg(&public),
            0,
        );
        step("inspect", verifier().arg("inspect").arg(&bundle), 0);
        step(
            "dry run",
            apply_cmd(&bundle, &public, &id, &root, &state).arg("--dry-run"),
            0,
        );
        step(
            "refusal",
            // Its own state: its refusal receipt names another instrument.
            apply_cmd(&bundle, &public, &other, &root, &s.path("other-state"))
                .args(["--confirm", "backup"]),
            4,
        );
        step(
            "apply",
            apply_cmd(&bundle, &public, &id, &root, &state).args(["--confirm", "backup"]),
            0,
        );
        step(
            "scan",
            verifier()
                .arg("scan")
                .arg(&stick)
                .arg("--trusted-key")
                .arg(&public)
                .arg("--instrument")
                .arg(&other),
            0,
        );
        step(
            "check-installed",
            verifier()
                .args(["check-installed", "--root"])
                .arg(&root)
                .arg("--state")
                .arg(&state),
            0,
        );
        // The auditor's report from this instrument's receipts.
        let pubkey = verifier()
            .args(["device", "pubkey", "--state"])
            .arg(&state)
            .output()
            .unwrap();
        std::fs::write(s.path("device.pub"), &pubkey.stdout).unwrap();
        std::fs::write(
            s.path("fleet.toml"),
            "[[device]]\nserial = \"NB551234\"\nmodel = \"NextSeq 550Dx\"\n\
             udi_di = \"00816270020125\"\ncompany = \"Labor Beispiel GmbH\"\n\
             modes = [\"Dx\"]\npublic_key_file = \"device.pub\"\n",
        )
        .unwrap();
        for form in [None, Some("md")] {
            let mut c = verifier();
            c.arg("report")
                .arg("--receipts")
                .arg(state.join("receipts"))
                .arg("--registry")
                .arg(s.path("fleet.toml"))
                .args(["--release", "FSN2022-1230"]);
            if let Some(f) = form {
                c.args(["--form", f]);
            }
            step("report", &mut c, 0);
        }
        step(
            "rollback",
            verifier()
                .args(["rollback", "--root"])
                .arg(&root)
                .arg("--state")
                .arg(&state),
            0,
        );
        for (name, _, out) in &outputs {
            let found = english_in(out, s.dir.path());
            assert!(
                found.is_empty(),
                "{lang} {name}: English {found:?} in\n{out}"
            );
        }
    }
}

#[test]
fn the_language_comes_from_the_locale_when_not_given() {
    for (locale, word) in [("de_DE.UTF-8", "UNGEPRÜFT"), ("fr_FR.UTF-8", "NON VÉRIFIÉ")] {
        let out = verifier()
            .arg("inspect")
            .arg(example_bundle_or_build())
            .env("LANG", locale)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(word), "{locale}: {text}");
    }
}

/// The first test vector's bundle: small, and shipped with the repository.
fn example_bundle_or_build() -> std::path::PathBuf {
    repo().join("tests/vectors/v1-minimal/vector.bundle")
}
