//! Fleet compliance report: a simulated fleet of dual-boot instruments and
//! standalone installs, with receipts signed by real device keys (one from a
//! real `apply`), classified by `bundle-verifier report` in every output.

use std::collections::BTreeMap;
use std::path::PathBuf;

use assert_cmd::prelude::*;
use bundle_keys::device::DeviceKey;
use bundle_verifier::instrument::receipt::{
    BundleRef, Receipt, ReceiptIdentity, ReleaseRef, RECEIPT_TYPE, RESULT_FAILED, RESULT_INSTALLED,
    RESULT_ROLLED_BACK,
};
use e2e_tests::{apply_cmd, example, nextseq_dx, verifier, Scratch};

const RELEASE: &str = "FSN2022-1230";
const NEXTSEQ: (&str, &str) = ("NextSeq 550Dx", "00816270020125");
const MISEQ: (&str, &str) = ("MiSeqDx", "00816270020699");
/// Standalone software has no device identifier (UDI-DI ""): none in the
/// registry, none in its receipts.
const STANDALONE: (&str, &str) = ("Local Run Manager (standalone)", "");

fn release(id: &str, sequence: u64) -> ReleaseRef {
    ReleaseRef {
        id: id.into(),
        sequence,
        version: format!("{sequence}.0.0"),
    }
}

/// What happened on one instrument in one mode, as its receipt says.
#[derive(Clone, Copy)]
enum Event {
    Installed(&'static str, u64),
    Failed,
    RolledBack,
}

struct Fleet {
    s: Scratch,
    registry: String,
    /// serial → mode → expected status
    expected: BTreeMap<(String, String), &'static str>,
}

impl Fleet {
    fn new() -> Self {
        let s = Scratch::new();
        std::fs::create_dir_all(s.path("fleet/keys")).unwrap();
        std::fs::create_dir_all(s.path("receipts")).unwrap();
        Fleet {
            s,
            registry: String::new(),
            expected: BTreeMap::new(),
        }
    }

    fn register(&mut self, serial: &str, product: (&str, &str), modes: &[&str], key: &DeviceKey) {
        let key_file = format!("keys/{serial}.pub");
        std::fs::write(
            self.s.path(&format!("fleet/{key_file}")),
            key.public_key().to_pem(),
        )
        .unwrap();
        self.register_key_file(serial, product, modes, &key_file);
    }

    fn register_key_file(
        &mut self,
        serial: &str,
        (model, udi): (&str, &str),
        modes: &[&str],
        key_file: &str,
    ) {
        let modes: Vec<String> = modes.iter().map(|m| format!("{m:?}")).collect();
        let udi = if udi.is_empty() {
            String::new()
        } else {
            format!("udi_di = {udi:?}\n")
        };
        self.registry += &format!(
            "[[device]]\nserial = {serial:?}\nmodel = {model:?}\n{udi}company = \"Labor Beispiel GmbH\"\nmodes = [{}]\npublic_key_file = {key_file:?}\n\n",
            modes.join(", ")
        );
    }

    fn expect(&mut self, serial: &str, mode: &str, status: &'static str) {
        self.expected
            .insert((serial.to_owned(), mode.to_owned()), status);
    }

    /// Writes a receipt for `event`, signed by `key`, into `receipts/<serial>/`.
    #[allow(clippy::too_many_arguments)]
    fn receipt(
        &self,
        key: &DeviceKey,
        serial: &str,
        (model, udi): (&str, &str),
        mode: &str,
        counter: u32,
        event: Event,
    ) -> PathBuf {
        let rel = release(RELEASE, 1);
        let bundle = |r: &ReleaseRef| {
            Some(BundleRef {
                file: "fsn.bundle".into(),
                manifest_sha256: bundle_verifier::format::digest::Sha256Digest::of(b"manifest"),
                release: r.clone(),
                signed_by: vec![],
            })
        };
        let (action, result, bundle, before, after) = match event {
            Event::Installed(id, seq) => {
                let r = release(id, seq);
                ("apply", RESULT_INSTALLED, bundle(&r), None, Some(r))
            }
            Event::Failed => ("apply", RESULT_FAILED, bundle(&rel), None, None),
            Event::RolledBack => ("rollback", RESULT_ROLLED_BACK, None, Some(rel), None),
        };
        let r = Receipt {
            actions: Vec::new(),
            action: action.into(),
            backup: vec![],
            bundle,
            confirmations: vec![],
            detail: matches!(event, Event::Failed).then(|| "disk full".into()),
            files: vec![],
            identity: ReceiptIdentity {
                installed_version: "3.1.0".into(),
                mode: mode.into(),
                model: model.into(),
                serial: serial.into(),
                udi_di: (!udi.is_empty()).then(|| udi.into()),
            },
            installed_after: after,
            installed_before: before,
            result: result.into(),
            root: "/opt/instrument".into(),
            time: format!("2022-05-{:02}T10:00:00Z", 5 + counter),
            tool: "bundle-verifier 0.1.0".into(),
            transaction: format!("{counter:06}-20220505T100000Z"),
            type_: RECEIPT_TYPE.into(),
        };
        let dir = self.s.path(&format!("receipts/{serial}"));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{counter:06}-{mode}.json"));
        std::fs::write(&path, r.sign(key)).unwrap();
        path
    }

    /// `bundle-verifier report` over this fleet's receipts and registry.
    fn report_cmd(&self) -> std::process::Command {
        let mut c = verifier();
        c.arg("report")
            .arg("--receipts")
            .arg(self.s.path("receipts"))
            .arg("--registry")
            .arg(self.s.path("fleet/fleet.toml"))
            .args(["--release", RELEASE]);
        c
    }

    /// `report` with `args`; stdout. Exit 6 (not all patched) is an answer too.
    fn report(&self, args: &[&str]) -> String {
        let out = self.report_cmd().args(args).output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 6)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// Builds the fleet: 31 instruments and installs, every case the report tells apart.
fn fleet() -> Fleet {
    let mut f = Fleet::new();

    // A real instrument: the real binary applies the example release in Dx mode only.
    let (key, public) = f.s.keygen("release");
    let bundle = f.s.build(&example().join("release.toml"), &key, "fsn");
    let root = f.s.instrument_root("root");
    let state = f.s.path("state");
    apply_cmd(&bundle, &public, &nextseq_dx(), &root, &state)
        .args(["--confirm", "backup"])
        .assert()
        .success();
    let out = f.s.path("receipts/NB551234");
    verifier()
        .args(["receipts", "export", "--state"])
        .arg(&state)
        .arg("--to")
        .arg(&out)
        .assert()
        .success();
    let pem = verifier()
        .args(["device", "pubkey", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    std::fs::write(f.s.path("fleet/keys/NB551234.pub"), pem.stdout).unwrap();
    f.register_key_file("NB551234", NEXTSEQ, &["Dx", "RUO"], "keys/NB551234.pub");
    f.expect("NB551234", "Dx", "patched");
    f.expect("NB551234", "RUO", "not_patched");

    // 12 dual-boot NextSeqs patched in both modes.
    for i in 0..12 {
        let serial = format!("NB55{i:04}");
        let k = DeviceKey::generate();
        f.register(&serial, NEXTSEQ, &["Dx", "RUO"], &k);
        for (n, mode) in ["Dx", "RUO"].into_iter().enumerate() {
            f.receipt(
                &k,
                &serial,
                NEXTSEQ,
                mode,
                n as u32 + 1,
                Event::Installed(RELEASE, 1),
            );
            f.expect(&serial, mode, "patched");
        }
    }
    // 4 MiSeqDx patched in Dx only.
    for i in 0..4 {
        let serial = format!("M7{i:04}");
        let k = DeviceKey::generate();
        f.register(&serial, MISEQ, &["Dx", "RUO"], &k);
        f.receipt(&k, &serial, MISEQ, "Dx", 1, Event::Installed(RELEASE, 1));
        f.expect(&serial, "Dx", "patched");
        f.expect(&serial, "RUO", "not_patched");
    }
    // 3 NextSeqs not patched: no receipt, or only an older release.
    for i in 0..3 {
        let serial = format!("NB56{i:04}");
        let k = DeviceKey::generate();
        f.register(&serial, NEXTSEQ, &["Dx", "RUO"], &k);
        if i == 0 {
            f.receipt(
                &k,
                &serial,
                NEXTSEQ,
                "Dx",
                1,
                Event::Installed("FSN2021-0001", 0),
            );
        }
        f.expect(&serial, "Dx", "not_patched");
        f.expect(&serial, "RUO", "not_patched");
    }
    // 6 standalone installs (RUO): 5 patched, 1 not.
    for i in 0..6 {
        let serial = format!("LRM-{i:03}");
        let k = DeviceKey::generate();
        f.register(&serial, STANDALONE, &["RUO"], &k);
        if i < 5 {
            f.receipt(
                &k,
                &serial,
                STANDALONE,
                "RUO",
                1,
                Event::Installed(RELEASE, 1),
            );
            f.expect(&serial, "RUO", "patched");
        } else {
            f.expect(&serial, "RUO", "not_patched");
        }
    }
    // A standalone install whose (correctly signed) receipt claims a UDI-DI
    // the registry does not give it: evidence of another product.
    let k = DeviceKey::generate();
    f.register("LRM-900", STANDALONE, &["RUO"], &k);
    f.receipt(
        &k,
        "LRM-900",
        (STANDALONE.0, NEXTSEQ.1),
        "RUO",
        1,
        Event::Installed(RELEASE, 1),
    );
    f.expect("LRM-900", "RUO", "invalid_receipt");
    // Failed (and restored) in Dx, patched in RUO.
    let k = DeviceKey::generate();
    f.register("NB570001", NEXTSEQ, &["Dx", "RUO"], &k);
    f.receipt(&k, "NB570001", NEXTSEQ, "Dx", 1, Event::Failed);
    f.receipt(
        &k,
        "NB570001",
        NEXTSEQ,
        "RUO",
        2,
        Event::Installed(RELEASE, 1),
    );
    f.expect("NB570001", "Dx", "failed");
    f.expect("NB570001", "RUO", "patched");
    // Installed, then rolled back in Dx (the report's unit tests show the
    // counter, not the clock, orders events).
    let k = DeviceKey::generate();
    f.register("NB570002", NEXTSEQ, &["Dx", "RUO"], &k);
    f.receipt(
        &k,
        "NB570002",
        NEXTSEQ,
        "Dx",
        3,
        Event::Installed(RELEASE, 1),
    );
    f.receipt(
        &k,
        "NB570002",
        NEXTSEQ,
        "RUO",
        4,
        Event::Installed(RELEASE, 1),
    );
    f.receipt(&k, "NB570002", NEXTSEQ, "Dx", 5, Event::RolledBack);
    f.expect("NB570002", "Dx", "rolled_back");
    f.expect("NB570002", "RUO", "patched");
    // A forged receipt: "patched in Dx", signed by a key that is not the instrument's.
    let k = DeviceKey::generate();
    f.register("NB570003", NEXTSEQ, &["Dx", "RUO"], &k);
    f.receipt(
        &DeviceKey::generate(),
        "NB570003",
        NEXTSEQ,
        "Dx",
        1,
        Event::Installed(RELEASE, 1),
    );
    f.expect("NB570003", "Dx", "invalid_receipt");
    f.expect("NB570003", "RUO", "not_patched");
    // A real receipt, edited afterwards (failure turned into success).
    let k = DeviceKey::generate();
    f.register("NB570004", NEXTSEQ, &["Dx", "RUO"], &k);
    let p = f.receipt(&k, "NB570004", NEXTSEQ, "Dx", 1, Event::Failed);
    let edited = std::fs::read_to_string(&p)
        .unwrap()
        .replace(RESULT_FAILED, RESULT_INSTALLED);
    std::fs::write(&p, edited).unwrap();
    f.expect("NB570004", "Dx", "invalid_receipt");
    f.expect("NB570004", "RUO", "not_patched");
    // Signed by the instrument's own key, but naming another model.
    let k = DeviceKey::generate();
    f.register("NB570005", NEXTSEQ, &["Dx", "RUO"], &k);
    f.receipt(&k, "NB570005", MISEQ, "Dx", 1, Event::Installed(RELEASE, 1));
    f.receipt(
        &k,
        "NB570005",
        NEXTSEQ,
        "RUO",
        2,
        Event::Installed(RELEASE, 1),
    );
    f.expect("NB570005", "Dx", "invalid_receipt");
    f.expect("NB570005", "RUO", "patched");
    // A receipt from an instrument the registry does not list.
    let stranger = DeviceKey::generate();
    f.receipt(
        &stranger,
        "ZZ999999",
        NEXTSEQ,
        "Dx",
        1,
        Event::Installed(RELEASE, 1),
    );

    std::fs::write(f.s.path("fleet/fleet.toml"), &f.registry).unwrap();
    f
}

/// Parses the HTML form as XML (with its `<!DOCTYPE html>`): it must be well-formed.
fn parse_form(html: &str) -> roxmltree::Document<'_> {
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(html, opt).expect("the form is well-formed XML")
}

#[test]
fn report_classifies_every_serial_and_mode_of_a_simulated_fleet_in_json_csv_and_form() {
    let f = fleet();
    assert!(f.expected.len() >= 50, "dozens of instruments");

    // JSON
    let json: serde_json::Value = serde_json::from_str(&f.report(&["--json"])).unwrap();
    let rows = json["rows"].as_array().unwrap();
    let got: BTreeMap<(String, String), String> = rows
        .iter()
        .map(|r| {
            (
                (
                    r["serial"].as_str().unwrap().to_owned(),
                    r["mode"].as_str().unwrap().to_owned(),
                ),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: BTreeMap<(String, String), String> = f
        .expected
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(rows.len(), want.len());
    let count = |s: &str| want.values().filter(|v| *v == s).count();
    for s in [
        "patched",
        "not_patched",
        "failed",
        "rolled_back",
        "invalid_receipt",
    ] {
        assert_eq!(json["summary"][s], count(s), "summary count of {s}");
    }
    assert_eq!(json["summary"]["all_patched"], false);
    let unknown = json["unknown_receipts"].as_array().unwrap();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0]["serial"], "ZZ999999");
    // The real apply's receipt counted, with its release and time.
    let real = rows
        .iter()
        .find(|r| r["serial"] == "NB551234" && r["mode"] == "Dx")
        .unwrap();
    assert_eq!(real["release"]["id"], RELEASE);
    assert!(real["time"].as_str().unwrap().starts_with("20"));

    // Instruments patched in one mode only come first.
    let one_mode: Vec<&str> = json["summary"]["patched_in_one_mode_only"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for s in [
        "NB551234", "M70000", "M70003", "NB570001", "NB570002", "NB570005",
    ] {
        assert!(one_mode.contains(&s), "{s} is flagged: {one_mode:?}");
    }
    let flagged_rows = 2 * one_mode.len();
    assert!(rows[..flagged_rows]
        .iter()
        .all(|r| r["patched_in_one_mode_only"] == true));
    assert!(rows[flagged_rows..]
        .iter()
        .all(|r| r["patched_in_one_mode_only"] == false));

    // CSV: the same classification, one line per row.
    let csv = f.report(&["--csv"]);
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("\u{feff}serial,mode,model,udi_di,company,status"));
    let from_csv: BTreeMap<(String, String), String> = lines
        .map(|l| {
            let c: Vec<&str> = l.splitn(7, ',').collect();
            ((c[0].to_owned(), c[1].to_owned()), c[5].to_owned())
        })
        .collect();
    assert_eq!(from_csv, want);

    // Form: the annex carries every row's status; the patch statement stays
    // unticked and names what is missing.
    let html = f.report(&["--form", "html", "--lang", "en"]);
    let doc = parse_form(&html);
    let from_form: BTreeMap<(String, String), String> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("row"))
        .map(|n| {
            let td: Vec<String> = n
                .children()
                .filter(|c| c.is_element())
                .map(|c| c.text().unwrap_or("").to_owned())
                .collect();
            (
                (td[0].clone(), td[1].clone()),
                n.attribute("data-status").unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(from_form, want);
    let patched = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("patched"))
        .unwrap();
    assert_eq!(patched.attribute("data-ticked"), Some("none"));
    let why: String = patched.descendants().filter_map(|n| n.text()).collect();
    assert!(why.contains("NB570003 Dx (receipt invalid)"), "{why}");
    assert!(why.contains("NB570002 Dx (rolled back)"), "{why}");
}

/// Every field of the notice's verification form, per language.
fn form_fields(lang: &str) -> &'static [&'static str] {
    match lang {
        "de" => &[
            "Verifizierungsformular",
            "Firmenname",
            "Produkt-/Gerätename",
            "Menge",
            "Seriennummer(n)",
            "Markieren Sie alle zutreffenden Felder.",
            "NextSeq 550Dx",
            "MiSeqDx",
            "Eigenständige Instanzen",
            "Ihre Angaben",
            "Name in Druckbuchstaben:",
            "Stellenbezeichnung der Person, die das Formular ausfüllt",
            "Kundenantworten",
            "Ich bestätige den Erhalt der Mitteilung",
            "auf den oben gekennzeichneten Geräten installiert ist",
            "Sämtliche relevanten Anwender haben die Informationen erhalten.",
            "Ich bestätige, dass der Software-Patch auf allen oben genannten Geräten installiert wurde.",
            "Antworten des Händlers/Importeurs",
            "Nicht zutreffend",
            "Ich habe die Kunden ermittelt",
            "Ich habe die ermittelten Kunden über diesen Rückruf informiert.",
            "für beide Modi (Dx und RUO)",
            "Unterschrift der Person, die das Formular ausfüllt",
            "Datum",
            "Ja",
            "Nein",
            "Labor Beispiel GmbH",
            "NB551234",
        ],
        _ => &[
            "Verification form",
            "Company name",
            "Product/instrument name",
            "Quantity",
            "Serial number(s)",
            "Mark all that apply.",
            "NextSeq 550Dx",
            "MiSeqDx",
            "Standalone instances",
            "Your details",
            "Name (print):",
            "Job title of the person filling in the form",
            "Customer responses",
            "I confirm receipt of the notice",
            "is installed on the instruments marked above",
            "All relevant users have received the information.",
            "I confirm that the software patch has been installed on all instruments listed above.",
            "Distributor/importer responses",
            "Not applicable",
            "I have identified the customers",
            "I have informed the identified customers of this recall.",
            "in both modes (Dx and RUO)",
            "Signature of the person filling in the form",
            "Date",
            "Yes",
            "No",
            "Labor Beispiel GmbH",
            "NB551234",
        ],
    }
}

#[test]
fn form_in_english_and_german_carries_every_field_of_the_notice_in_html_and_markdown() {
    let f = fleet();
    for lang in ["en", "de"] {
        let html = f.report(&["--form", "html", "--lang", lang]);
        let doc = parse_form(&html);
        let root = doc.root_element();
        assert_eq!(root.attribute("lang"), Some(lang));
        let text: String = doc.descendants().filter_map(|n| n.text()).collect();
        let style = doc
            .descendants()
            .find(|n| n.has_tag_name("style"))
            .and_then(|n| n.text())
            .unwrap();
        assert!(style.contains("@page{size:A4"), "{style}");
        let md = f.report(&["--form", "md", "--lang", lang]);
        for field in form_fields(lang) {
            assert!(text.contains(field), "{lang} HTML form lacks {field:?}");
            assert!(md.contains(field), "{lang} Markdown form lacks {field:?}");
        }
        // Quantity: 5 NextSeq serials? count the products table.
        let products: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("product"))
            .collect();
        assert_eq!(products.len(), 3, "NextSeq, MiSeqDx, standalone");
    }
}

#[test]
fn form_ticks_the_patch_statement_only_when_every_serial_and_mode_is_patched() {
    let mut f = Fleet::new();
    for i in 0..3 {
        let serial = format!("NB58{i:04}");
        let k = DeviceKey::generate();
        f.register(&serial, NEXTSEQ, &["Dx", "RUO"], &k);
        f.receipt(&k, &serial, NEXTSEQ, "Dx", 1, Event::Installed(RELEASE, 1));
        f.receipt(&k, &serial, NEXTSEQ, "RUO", 2, Event::Installed(RELEASE, 1));
    }
    std::fs::write(f.s.path("fleet/fleet.toml"), &f.registry).unwrap();
    let html = f.report(&["--form", "html", "--lang", "de"]);
    let doc = parse_form(&html);
    let ticked = |id: &str| {
        doc.descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap()
            .attribute("data-ticked")
            .unwrap()
            .to_owned()
    };
    assert_eq!(ticked("patched"), "yes");
    assert_eq!(ticked("software"), "yes");
    // What receipts cannot show stays for the person signing.
    assert_eq!(ticked("received"), "none");
    assert_eq!(ticked("users"), "none");
    assert_eq!(ticked("identified"), "none");
    let table = f.report(&[]);
    assert!(table.contains("6 patched"), "{table}");
}

#[test]
fn report_refuses_a_registry_listing_one_device_key_twice() {
    let mut f = Fleet::new();
    let k = DeviceKey::generate();
    f.register("A1", NEXTSEQ, &["Dx"], &k);
    f.register("A2", NEXTSEQ, &["Dx"], &k);
    std::fs::write(f.s.path("fleet/fleet.toml"), &f.registry).unwrap();
    f.report_cmd()
        .assert()
        .code(2)
        .stderr(predicates::str::contains("same device key"));
}
