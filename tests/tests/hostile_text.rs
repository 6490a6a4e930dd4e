//! Text from a bundle, a registry or a receipt reaches the screen and the
//! documents as data: escape sequences, OSC 8 links and bidi controls are
//! shown (`\u{1b}`), HTML and Markdown are escaped, spreadsheet formulas
//! neutralised. Before and after the signature is checked.

use std::process::Command;

use bundle_verifier::i18n::is_hidden;
use e2e_tests::attacks::Keys;
use e2e_tests::craft::Parts;
use e2e_tests::*;
use serde_json::json;

/// Clears the screen, draws a green OK, and links somewhere.
const FAKE: &str = "\u{1b}[2J\u{1b}[32mOK: authentic\u{1b}]8;;http://evil/\u{7}click\u{1b}]8;;\u{7}\u{202e}txt.exe";

/// A hidden character other than line ends (CSV lines end in CR LF, as
/// RFC 4180 says) and the byte-order mark the CSV starts with (for
/// spreadsheets; anywhere else it counts).
fn hidden_in(out: &[u8]) -> Option<char> {
    let text = String::from_utf8_lossy(out);
    text.strip_prefix('\u{feff}')
        .unwrap_or(&text)
        .chars()
        .find(|&c| !matches!(c, '\n' | '\r') && is_hidden(c))
}

fn run(c: &mut Command) -> std::process::Output {
    c.env("LANG", "C").env_remove("LC_ALL").output().unwrap()
}

fn assert_shown_not_obeyed(what: &str, out: &std::process::Output) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        if let Some(c) = hidden_in(bytes) {
            panic!(
                "{what}: {stream} carries {c:?} raw:\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

#[test]
fn signed_titles_notes_and_confirmations_are_shown_not_obeyed() {
    let s = Scratch::new();
    let keys = Keys::new();
    let public = s.path("trusted.pub");
    keys.write_trusted(&public);
    let bundle = s.path("hostile.bundle");
    let parts = Parts::base().edit(|m| {
        m["release"]["title"] = json!({"en": FAKE, "de": FAKE});
        m["release"]["notes"] = json!({"en": FAKE});
        m["release"]["confirm"] = json!([{"id": "backup", "text": {"en": FAKE}}]);
    });
    std::fs::write(&bundle, parts.signed_by(&keys.trusted)).unwrap();
    let root = s.path("root");
    std::fs::create_dir_all(&root).unwrap();
    let id = s.path("id.toml");
    std::fs::write(
        &id,
        "model = \"NextSeq 550Dx\"\nudi_di = \"00816270020125\"\nserial = \"NB1\"\n\
         mode = \"Dx\"\ninstalled_version = \"3.0.0\"\n",
    )
    .unwrap();
    // Unverified (inspect), verified (verify), and at the instrument.
    let inspect = run(verifier().arg("inspect").arg(&bundle));
    assert!(inspect.status.success(), "{inspect:?}");
    assert!(String::from_utf8_lossy(&inspect.stdout).contains("\\u{1b}[2J"));
    assert_shown_not_obeyed("inspect", &inspect);
    for lang in ["en", "de"] {
        let verify = run(verifier()
            .args(["--lang", lang, "verify"])
            .arg(&bundle)
            .arg("--trusted-key")
            .arg(&public));
        assert!(verify.status.success(), "{verify:?}");
        assert_shown_not_obeyed("verify", &verify);
        let dry = run(
            apply_cmd(&bundle, &public, &id, &root, &s.path("state")).args([
                "--lang",
                lang,
                "--dry-run",
            ]),
        );
        assert!(dry.status.success(), "{dry:?}");
        assert!(String::from_utf8_lossy(&dry.stdout).contains("\\u{202e}"));
        assert_shown_not_obeyed("apply --dry-run", &dry);
        // Refused for want of the confirmation: the step's text is quoted.
        let refused =
            run(apply_cmd(&bundle, &public, &id, &root, &s.path("state")).args(["--lang", lang]));
        assert_eq!(refused.status.code(), Some(4), "{refused:?}");
        assert_shown_not_obeyed("apply refusal", &refused);
    }
}

#[test]
fn registry_fields_reach_the_form_and_csv_as_text() {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let bundle = s.build(&example().join("release.toml"), &key, "fsn");
    let root = s.instrument_root("root");
    let state = s.path("state");
    apply_cmd(&bundle, &public, &nextseq_dx(), &root, &state)
        .args(["--confirm", "backup"])
        .assert()
        .success();
    let pubkey = verifier()
        .args(["device", "pubkey", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    std::fs::write(s.path("device.pub"), &pubkey.stdout).unwrap();
    // TOML's own escapes: the registry holds a real ESC.
    let company = r#"=HYPERLINK(\"http://evil\") <script>alert(1)</script> [x](javascript:alert(1))\u001B[2J"#;
    std::fs::write(
        s.path("fleet.toml"),
        format!(
            "[[device]]\nserial = \"NB551234\"\nmodel = \"NextSeq 550Dx\"\n\
             udi_di = \"00816270020125\"\ncompany = \"{company}\"\n\
             modes = [\"Dx\"]\npublic_key_file = \"device.pub\"\n"
        ),
    )
    .unwrap();
    let report = |extra: &[&str]| {
        let out = run(verifier()
            .arg("report")
            .arg("--receipts")
            .arg(state.join("receipts"))
            .arg("--registry")
            .arg(s.path("fleet.toml"))
            .args(["--release", "FSN2022-1230"])
            .args(extra));
        assert!(out.status.success(), "{out:?}");
        assert_shown_not_obeyed(&format!("report {extra:?}"), &out);
        String::from_utf8(out.stdout).unwrap()
    };
    let html = report(&["--form", "html"]);
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    let md = report(&["--form", "md"]);
    assert!(
        !md.contains("<script>") && !md.contains("[x](javascript"),
        "{md}"
    );
    let csv = report(&["--csv"]);
    assert!(
        csv.contains("\"'=HYPERLINK") || csv.contains(",'=HYPERLINK"),
        "{csv}"
    );
}
