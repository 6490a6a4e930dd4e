//! The verification form printed as a customer prints it: the HTML form of
//! a 10-instrument fleet rendered to PDF by a real browser (Debian's
//! `chromium`, headless), then read back with poppler's `pdfinfo` and
//! `pdftotext`: A4 pages, and page 1 the form itself (statements, then the
//! signature and date), in English, German and French.
//!
//! Skipped, with the reason printed, when `chromium` is not installed (CI
//! installs it and `poppler-utils`), and under Wine: it needs the Linux
//! browser. Set `FORM_PDF_DIR` to keep the PDFs (the README's picture is
//! page 1 of the English one).

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use e2e_tests::{apply_cmd, example, verifier, Scratch};

/// `chromium` on the PATH, if any.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file())
}

/// Prints `html` to `pdf` with headless Chromium, as a user would.
fn print_to_pdf(chromium: &Path, html: &Path, pdf: &Path, profile: &Path) {
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(pdf.is_file(), "chromium printed no PDF: {out:?}");
}

fn run(tool: &str, args: &[&str], pdf: &Path) -> String {
    let mut c = Command::new(tool);
    c.args(args).arg(pdf);
    if tool == "pdftotext" {
        c.arg("-");
    }
    let out = c
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed with chromium: {e}"));
    assert!(out.status.success(), "{tool}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Text of page `n` of `pdf`, whitespace collapsed (lines wrap anywhere).
fn page_text(pdf: &Path, n: usize) -> String {
    let n = n.to_string();
    let t = run("pdftotext", &["-f", &n, "-l", &n], pdf);
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// serial, example identity, model, expected modes, modes applied.
type Planned = (
    String,
    &'static str,
    &'static str,
    Vec<&'static str>,
    Vec<&'static str>,
);

/// Ten instruments: six dual-boot NextSeqs patched in both modes (one state
/// directory each), two MiSeqDx patched in Dx only, two standalone installs
/// (one patched). Returns the scratch dir, the bundle and its key.
fn fleet() -> (Scratch, PathBuf, PathBuf) {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let bundle = s.build(&example().join("release.toml"), &key, "fsn");
    std::fs::create_dir_all(s.path("fleet/keys")).unwrap();
    let mut registry = String::new();
    let instruments = example().join("instruments");
    let plan: Vec<Planned> = (0..6)
        .map(|i| {
            (
                format!("NB55{i:04}"),
                "nextseq-dx.toml",
                "NextSeq 550Dx",
                vec!["Dx", "RUO"],
                vec!["Dx", "RUO"],
            )
        })
        .chain((0..2).map(|i| {
            (
                format!("M7{i:04}"),
                "miseqdx-dx.toml",
                "MiSeqDx",
                vec!["Dx", "RUO"],
                vec!["Dx"],
            )
        }))
        .chain((0..2).map(|i| {
            let done = if i == 0 { vec!["RUO"] } else { vec![] };
            (
                format!("LRM-PC-{i:04}"),
                "standalone-ruo.toml",
                "Local Run Manager (standalone)",
                vec!["RUO"],
                done,
            )
        }))
        .collect();
    for (serial, example_id, model, modes, applied) in &plan {
        let state = s.path(&format!("{serial}/state"));
        verifier()
            .args(["device", "init", "--state"])
            .arg(&state)
            .assert()
            .success();
        let pem = verifier()
            .args(["device", "pubkey", "--state"])
            .arg(&state)
            .output()
            .unwrap();
        std::fs::write(s.path(&format!("fleet/keys/{serial}.pub")), pem.stdout).unwrap();
        let template = std::fs::read_to_string(instruments.join(example_id)).unwrap();
        let udi = template
            .lines()
            .find(|l| l.starts_with("udi_di"))
            .map(|l| format!("{l}\n"))
            .unwrap_or_default();
        let list: Vec<String> = modes.iter().map(|m| format!("{m:?}")).collect();
        registry += &format!(
            "[[device]]\nserial = {serial:?}\nmodel = {model:?}\n{udi}company = \"Labor Beispiel GmbH\"\n\
             modes = [{}]\npublic_key_file = \"keys/{serial}.pub\"\n\n",
            list.join(", ")
        );
        for mode in applied {
            let id = s.path(&format!("{serial}/{mode}.toml"));
            let text: String = template
                .lines()
                .map(|l| match l.split(" = ").next() {
                    Some("serial") => format!("serial = {serial:?}\n"),
                    Some("mode") => format!("mode = {mode:?}\n"),
                    _ => format!("{l}\n"),
                })
                .collect();
            std::fs::write(&id, text).unwrap();
            let root = s.path(&format!("{serial}/root"));
            if !root.exists() {
                s.instrument_root(&format!("{serial}/root"));
            }
            apply_cmd(&bundle, &public, &id, &root, &state)
                .args(["--confirm", "backup"])
                .assert()
                .success();
        }
        verifier()
            .args(["receipts", "export", "--state"])
            .arg(&state)
            .arg("--to")
            .arg(s.path(&format!("receipts/{serial}")))
            .assert()
            .success();
    }
    std::fs::write(s.path("fleet/fleet.toml"), registry).unwrap();
    (s, bundle, public)
}

/// What page 1 must hold, per language: the notice, the last statement, the
/// signature and the date (the form itself, not cut off from what it signs).
fn page_one(lang: &str) -> [&'static str; 5] {
    match lang {
        "de" => [
            "FSN2022-1230",
            "Ich bestätige, dass der Software-Patch auf allen oben genannten Geräten installiert wurde.",
            "Unterschrift der Person, die das Formular ausfüllt",
            "Datum",
            "Seite 1 von 2",
        ],
        "fr" => [
            "FSN2022-1230",
            "Je confirme que le correctif logiciel a été installé sur tous les appareils énumérés ci-dessus.",
            "Signature de la personne qui remplit le formulaire",
            "Date",
            "Page 1 sur 2",
        ],
        _ => [
            "FSN2022-1230",
            "I confirm that the software patch has been installed on all instruments listed above.",
            "Signature of the person filling in the form",
            "Date",
            "Page 1 of 2",
        ],
    }
}

#[test]
fn the_form_of_a_ten_instrument_fleet_prints_on_a4_with_the_form_itself_on_page_1() {
    if cfg!(windows) {
        eprintln!("skipped under Wine/Windows: this test drives the Linux chromium");
        return;
    }
    let Some(chromium) = chromium() else {
        eprintln!("skipped: chromium is not installed (apt-get install chromium poppler-utils)");
        return;
    };
    let (s, bundle, public) = fleet();
    for lang in ["en", "de", "fr"] {
        let out = verifier()
            .arg("report")
            .arg("--receipts")
            .arg(s.path("receipts"))
            .arg("--registry")
            .arg(s.path("fleet/fleet.toml"))
            .arg("--bundle")
            .arg(&bundle)
            .arg("--trusted-key")
            .arg(&public)
            .args(["--form", "html", "--lang", lang])
            .output()
            .unwrap();
        // Two MiSeqDx and a standalone install are not patched: exit 6.
        assert_eq!(out.status.code(), Some(6), "{out:?}");
        let html = s.path(&format!("form-{lang}.html"));
        std::fs::write(&html, &out.stdout).unwrap();
        let pdf = s.path(&format!("form-{lang}.pdf"));
        print_to_pdf(&chromium, &html, &pdf, &s.path(&format!("profile-{lang}")));

        let info = run("pdfinfo", &[], &pdf);
        let size = info
            .lines()
            .find(|l| l.starts_with("Page size:"))
            .unwrap_or_else(|| panic!("{info}"));
        let pts: Vec<f64> = size
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert!(
            (pts[0] - 595.0).abs() < 1.0 && (pts[1] - 842.0).abs() < 1.0,
            "{lang}: not A4 (595 x 842 pts): {size}"
        );
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_eq!(pages, 2, "{lang}: the form, then the annex: {info}");

        let one = page_text(&pdf, 1);
        for want in page_one(lang) {
            assert!(one.contains(want), "{lang}: page 1 lacks {want:?}:\n{one}");
        }
        // The signature comes after what it signs.
        let [_, statement, signature, ..] = page_one(lang);
        assert!(one.find(signature) > one.find(statement), "{lang}: {one}");
        // Yes/No stay on one line; the annex is not on page 1.
        let yes_no = match lang {
            "de" => "Ja ☐ Nein ☐",
            "fr" => "Oui ☐ Non ☐",
            _ => "Yes ☐ No ☐",
        };
        assert!(one.contains(yes_no), "{lang}: {yes_no:?} wraps:\n{one}");
        let annex = match lang {
            "de" => "Anhang: Status je Seriennummer und Modus",
            "fr" => "Annexe: statut par numéro de série et par mode",
            _ => "Annex: status per serial number and mode",
        };
        assert!(!one.contains(annex), "{lang}: the annex begins on page 1");
        let two = page_text(&pdf, 2);
        assert!(
            two.contains("FSN2022-1230"),
            "{lang}: page 2 lacks the notice"
        );
        assert!(
            two.contains(annex) && two.contains("M70001"),
            "{lang}: {two}"
        );
        let number = page_one(lang)[4].replacen('1', "2", 1);
        assert!(
            two.contains(&number),
            "{lang}: page 2 lacks {number:?}:\n{two}"
        );
        if let Some(dir) = std::env::var_os("FORM_PDF_DIR") {
            std::fs::copy(&pdf, Path::new(&dir).join(format!("form-{lang}.pdf"))).unwrap();
        }
    }
}
