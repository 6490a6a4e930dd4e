//! Dual-boot instruments in the device registry, one device key per install
//! (`[[device.install]]`), and what `report` ties to the paper: the notice
//! and products from the release's bundle, the digests, exit 6, the CSV for
//! spreadsheets. Real `apply` runs, one state directory per boot mode.

use std::path::PathBuf;

use assert_cmd::prelude::*;
use bundle_verifier::format::digest::Sha256Digest;
use e2e_tests::{apply_cmd, example, nextseq_dx, verifier, Scratch};

/// A release bundle, and a NextSeq 550Dx whose two boot modes are separate
/// installs: each its own root and state directory, so its own device key.
struct DualBoot {
    s: Scratch,
    bundle: PathBuf,
    public: PathBuf,
}

const SERIAL: &str = "NB551234";

impl DualBoot {
    fn new() -> Self {
        let s = Scratch::new();
        let (key, public) = s.keygen("release");
        let bundle = s.build(&example().join("release.toml"), &key, "fsn");
        std::fs::create_dir_all(s.path("fleet/keys")).unwrap();
        std::fs::create_dir_all(s.path("receipts")).unwrap();
        DualBoot { s, bundle, public }
    }

    fn state(&self, mode: &str) -> PathBuf {
        self.s.path(&format!("{mode}/state"))
    }

    /// `device init` in this mode's state directory; its key into the fleet folder.
    fn init(&self, mode: &str) {
        let state = self.state(mode);
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
        assert!(pem.status.success());
        let key = self.s.path(&format!("fleet/keys/{SERIAL}-{mode}.pub"));
        std::fs::write(key, pem.stdout).unwrap();
    }

    /// A real apply in `state_mode`'s install, with the identity of `id_mode`
    /// (the same unless a test wants a receipt that claims another mode),
    /// and its receipts exported to `receipts/<name>`.
    fn apply(&self, state_mode: &str, id_mode: &str, name: &str) {
        let id = match id_mode {
            "Dx" => nextseq_dx(),
            _ => example().join("instruments/nextseq-ruo.toml"),
        };
        let root = self.s.instrument_root(&format!("{state_mode}/root-{name}"));
        apply_cmd(
            &self.bundle,
            &self.public,
            &id,
            &root,
            &self.state(state_mode),
        )
        .args(["--confirm", "backup"])
        .assert()
        .success();
        verifier()
            .args(["receipts", "export", "--state"])
            .arg(self.state(state_mode))
            .arg("--to")
            .arg(self.s.path(&format!("receipts/{name}")))
            .assert()
            .success();
    }

    fn registry(&self, text: &str) -> PathBuf {
        let p = self.s.path("fleet/fleet.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    /// The per-install registry entry of the dual-boot instrument.
    fn dual_entry() -> String {
        format!(
            "[[device]]\nserial = \"{SERIAL}\"\nmodel = \"NextSeq 550Dx\"\nudi_di = \"00816270020125\"\n\
             company = \"Labor Beispiel GmbH\"\n\
             [[device.install]]\nmode = \"Dx\"\npublic_key_file = \"keys/{SERIAL}-Dx.pub\"\n\
             [[device.install]]\nmode = \"RUO\"\npublic_key_file = \"keys/{SERIAL}-RUO.pub\"\n\n"
        )
    }

    fn report(&self, args: &[&str]) -> std::process::Output {
        verifier()
            .arg("report")
            .arg("--receipts")
            .arg(self.s.path("receipts"))
            .arg("--registry")
            .arg(self.s.path("fleet/fleet.toml"))
            .args(args)
            .output()
            .unwrap()
    }

    /// `report --json` with `args`: the exit code and the report.
    fn json(&self, args: &[&str]) -> (Option<i32>, serde_json::Value) {
        let out = self.report(&[&["--json"], args].concat());
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), v)
    }
}

fn status_of<'a>(report: &'a serde_json::Value, serial: &str, mode: &str) -> &'a str {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["serial"] == serial && r["mode"] == mode)
        .unwrap_or_else(|| panic!("no row {serial} {mode}: {report}"))["status"]
        .as_str()
        .unwrap()
}

#[test]
fn dual_boot_with_a_device_key_per_mode_is_patched_in_both_rows_and_exit_0() {
    let d = DualBoot::new();
    d.init("Dx");
    d.init("RUO");
    d.registry(&DualBoot::dual_entry());
    d.apply("Dx", "Dx", "dx");
    // Only Dx so far: RUO is not patched, and that is exit 6.
    let (code, r) = d.json(&["--release", "FSN2022-1230"]);
    assert_eq!(code, Some(6), "{r}");
    assert_eq!(status_of(&r, SERIAL, "Dx"), "patched");
    assert_eq!(status_of(&r, SERIAL, "RUO"), "not_patched");
    assert_eq!(r["summary"]["all_patched"], false);

    d.apply("RUO", "RUO", "ruo");
    let (code, r) = d.json(&["--release", "FSN2022-1230"]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(status_of(&r, SERIAL, "Dx"), "patched");
    assert_eq!(status_of(&r, SERIAL, "RUO"), "patched");
    assert_eq!(r["summary"]["all_patched"], true);
    assert_eq!(r["summary"]["unknown_receipts"], 0);
    // The table says so too, with the same exit code.
    let table = d.report(&["--release", "FSN2022-1230", "--lang", "en"]);
    assert_eq!(table.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&table.stdout).contains("2 patched"));
}

#[test]
fn a_receipt_signed_by_the_dx_install_key_but_claiming_ruo_is_invalid() {
    let d = DualBoot::new();
    d.init("Dx");
    d.init("RUO");
    d.registry(&DualBoot::dual_entry());
    d.apply("Dx", "Dx", "dx");
    // The Dx install's state (so its key) with the RUO identity: a receipt
    // that claims RUO but is signed by the Dx key.
    d.apply("Dx", "RUO", "claims-ruo");
    let (code, r) = d.json(&["--release", "FSN2022-1230"]);
    assert_eq!(code, Some(6), "{r}");
    assert_eq!(status_of(&r, SERIAL, "Dx"), "patched");
    assert_eq!(status_of(&r, SERIAL, "RUO"), "invalid_receipt");
    let row = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["mode"] == "RUO")
        .unwrap();
    let detail = row["detail"].as_str().unwrap();
    assert!(
        detail.contains("Dx install") && detail.contains("mode RUO"),
        "{detail}"
    );
}

#[test]
fn the_one_key_registry_form_still_holds_both_modes_of_one_state_directory() {
    let d = DualBoot::new();
    d.init("Dx");
    d.registry(&format!(
        "[[device]]\nserial = \"{SERIAL}\"\nmodel = \"NextSeq 550Dx\"\nudi_di = \"00816270020125\"\n\
         company = \"Labor Beispiel GmbH\"\nmodes = [\"Dx\", \"RUO\"]\npublic_key_file = \"keys/{SERIAL}-Dx.pub\"\n"
    ));
    // One state directory (one key) for both modes, as before.
    d.apply("Dx", "Dx", "dx");
    d.apply("Dx", "RUO", "ruo");
    let (code, r) = d.json(&["--release", "FSN2022-1230"]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(status_of(&r, SERIAL, "Dx"), "patched");
    assert_eq!(status_of(&r, SERIAL, "RUO"), "patched");
}

#[test]
fn a_registry_entry_mixing_both_forms_or_sharing_a_key_across_devices_is_refused() {
    let d = DualBoot::new();
    d.init("Dx");
    d.init("RUO");
    // `public_key_file` beside `[[device.install]]`: which key counts?
    d.registry(&DualBoot::dual_entry().replacen(
        "[[device.install]]",
        "public_key_file = \"keys/NB551234-Dx.pub\"\n[[device.install]]",
        1,
    ));
    let out = d.report(&["--release", "FSN2022-1230"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not both"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Another instrument registered with this one's RUO key.
    d.registry(&format!(
        "{}[[device]]\nserial = \"NB559999\"\nmodel = \"NextSeq 550Dx\"\ncompany = \"X\"\n\
         modes = [\"Dx\"]\npublic_key_file = \"keys/{SERIAL}-RUO.pub\"\n",
        DualBoot::dual_entry()
    ));
    let out = d.report(&["--release", "FSN2022-1230"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("same device key"));
}

/// A dual-boot instrument patched in both modes, and its registry.
fn patched_fleet(company: &str) -> DualBoot {
    let d = DualBoot::new();
    d.init("Dx");
    d.init("RUO");
    d.registry(&DualBoot::dual_entry().replace("Labor Beispiel GmbH", company));
    d.apply("Dx", "Dx", "dx");
    d.apply("RUO", "RUO", "ruo");
    d
}

fn parse(html: &str) -> roxmltree::Document<'_> {
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(html, opt).expect("well-formed")
}

fn text_of(doc: &roxmltree::Document, id: &str) -> Option<String> {
    doc.descendants()
        .find(|n| n.attribute("id") == Some(id))
        .map(|n| {
            n.descendants()
                .filter(|c| c.is_text())
                .filter_map(|c| c.text())
                .collect()
        })
}

/// The manifest digest as the instrument's receipt recorded it.
fn receipt_manifest_digest(d: &DualBoot) -> String {
    let dir = d.s.path("receipts/dx");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("apply.json"))
        .expect("an apply receipt");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    v["receipt"]["bundle"]["manifest_sha256"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn the_form_quotes_the_notice_lists_every_product_and_carries_the_digests() {
    let d = patched_fleet("Labor Beispiel GmbH");
    let bundle = d.bundle.to_str().unwrap().to_owned();
    let public = d.public.to_str().unwrap().to_owned();
    let registry = Sha256Digest::of(&std::fs::read(d.s.path("fleet/fleet.toml")).unwrap());
    let manifest = receipt_manifest_digest(&d);
    let trusted = ["--bundle", &bundle, "--trusted-key", &public];

    let out = d.report(&[&trusted[..], &["--form", "html", "--lang", "en"]].concat());
    assert_eq!(out.status.code(), Some(0));
    let html = String::from_utf8(out.stdout).unwrap();
    let doc = parse(&html);
    let notice = text_of(&doc, "notice").unwrap();
    assert!(
        notice.contains("FSN2022-1230") && notice.contains("2022-05-04"),
        "{notice}"
    );
    assert!(text_of(&doc, "return-to")
        .unwrap()
        .contains("customercare@example.com"));
    assert!(
        text_of(&doc, "unverified").is_none(),
        "signatures were checked"
    );
    // The release's products in the manifest's order, quantity 0 where the
    // registry has none.
    let products: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("product"))
        .map(|n| {
            let td: Vec<String> = n
                .children()
                .filter(|c| c.is_element())
                .map(|c| {
                    c.descendants()
                        .filter(|t| t.is_text())
                        .filter_map(|t| t.text())
                        .collect()
                })
                .collect();
            (td[1].clone(), td[2].clone())
        })
        .collect();
    assert_eq!(products.len(), 3, "{products:?}");
    assert_eq!(products[0], ("NextSeq 550Dx".into(), "1".into()));
    assert_eq!(products[1], ("MiSeqDx".into(), "0".into()));
    assert!(products[2].0.contains("Local Run Manager (standalone)"));
    assert_eq!(products[2].1, "0");
    let provenance = text_of(&doc, "provenance").unwrap();
    assert!(provenance.contains(&registry.to_string()), "{provenance}");
    assert!(provenance.contains(&manifest), "{provenance}");
    // Every page: the notice's reference and the page number, in @page.
    let style: String = doc
        .descendants()
        .find(|n| n.has_tag_name("style"))
        .and_then(|n| n.text())
        .unwrap()
        .to_owned();
    assert!(style.contains("@page{size:A4") && style.contains("counter(page)"));

    // The same in --json.
    let (code, r) = d.json(&trusted);
    assert_eq!(code, Some(0));
    assert_eq!(r["registry_sha256"], registry.to_string());
    assert_eq!(r["bundle"]["manifest_sha256"], manifest);
    assert_eq!(r["bundle"]["verified"], true);
    assert_eq!(r["bundle"]["notice"]["id"], "FSN2022-1230");
    assert_eq!(r["bundle"]["notice"]["date"], "2022-05-04");
    assert_eq!(r["receipts_read"], 2);
    assert!(r["generated"].as_str().unwrap().ends_with('Z'));
    assert_eq!(r["release"], "FSN2022-1230");

    // Without trust: read, but marked unverified on the form and in JSON.
    let out = d.report(&["--bundle", &bundle, "--form", "html", "--lang", "de"]);
    let html = String::from_utf8(out.stdout).unwrap();
    let unverified = text_of(&parse(&html), "unverified").expect("marked unverified");
    assert!(unverified.contains("UNGEPRÜFT"), "{unverified}");
    let (_, r) = d.json(&["--bundle", &bundle]);
    assert_eq!(r["bundle"]["verified"], false);

    // A bundle the given trust does not accept is refused, not quoted.
    let (_, other) = d.s.keygen("other");
    let out = d.report(&[
        "--bundle",
        &bundle,
        "--trusted-key",
        other.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    // --release naming another release than the bundle: which one?
    let out = d.report(&["--bundle", &bundle, "--release", "FSN2021-0001"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// Splits one CSV line (RFC 4180 quoting) at `sep`.
fn split_csv(line: &str, sep: char) -> Vec<String> {
    let (mut out, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == sep && !quoted => out.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    out.push(cell);
    out
}

#[test]
fn csv_starts_with_a_byte_order_mark_and_splits_at_the_chosen_delimiter() {
    let company = "Müller; Labor, GmbH";
    let d = patched_fleet(company);
    for (args, sep) in [
        (&["--csv"][..], ','),
        (&["--csv", "--csv-delimiter", ";"][..], ';'),
    ] {
        let out = d.report(&[&["--release", "FSN2022-1230"], args].concat());
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            &out.stdout[..3],
            b"\xef\xbb\xbf",
            "UTF-8 byte-order mark first"
        );
        let text = String::from_utf8(out.stdout[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        let head = split_csv(lines[0], sep);
        assert_eq!(head.len(), 13, "{head:?}");
        assert_eq!(head[0], "serial");
        assert_eq!(head[4], "company");
        assert_eq!(lines.len(), 3, "header and two rows");
        for l in &lines[1..] {
            let cells = split_csv(l, sep);
            assert_eq!(cells.len(), 13, "{l}");
            assert_eq!(cells[4], company, "umlaut and delimiter kept in one cell");
            assert_eq!(cells[5], "patched");
        }
    }
    // The delimiter is only for --csv.
    let out = d.report(&["--release", "FSN2022-1230", "--csv-delimiter", ";"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_signed_notice_is_data_on_the_form_and_a_malformed_one_is_refused() {
    use e2e_tests::attacks::Keys;
    use e2e_tests::craft::Parts;
    let d = patched_fleet("Labor Beispiel GmbH");
    let keys = Keys::new();
    let public = d.s.path("trusted.pub");
    keys.write_trusted(&public);
    let hostile = d.s.path("hostile.bundle");
    let parts = Parts::base().edit(|m| {
        m["release"]["notice"] = serde_json::json!({
            "id": "\"}@page{size:A3}</style><script>alert(1)</script>",
            "date": "2022-05-04",
            "return_to": "<a href=\"http://evil\">x</a> \u{202e}txt.exe",
        });
    });
    std::fs::write(&hostile, parts.signed_by(&keys.trusted)).unwrap();
    let (bundle, key) = (hostile.to_str().unwrap(), public.to_str().unwrap());
    let out = d.report(&["--bundle", bundle, "--trusted-key", key, "--form", "html"]);
    let html = String::from_utf8(out.stdout).unwrap();
    let doc = parse(&html);
    assert!(
        !html.contains("<script>") && !html.contains("<a href"),
        "{html}"
    );
    let style: String = doc
        .descendants()
        .find(|n| n.has_tag_name("style"))
        .and_then(|n| n.text())
        .unwrap()
        .to_owned();
    assert!(
        !style.contains("size:A3"),
        "the notice ends no CSS string: {style}"
    );
    assert!(
        text_of(&doc, "notice").unwrap().contains("<script>"),
        "shown as text"
    );
    assert!(!html.contains('\u{202e}'), "bidi control shown, not obeyed");

    // A notice date that is no date: the manifest is refused (exit 3).
    let bad = d.s.path("bad.bundle");
    let parts = Parts::base().edit(|m| {
        m["release"]["notice"] =
            serde_json::json!({"id": "N", "date": "4 May 2022", "return_to": "x"});
    });
    std::fs::write(&bad, parts.signed_by(&keys.trusted)).unwrap();
    let out = d.report(&["--bundle", bad.to_str().unwrap(), "--trusted-key", key]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
}
