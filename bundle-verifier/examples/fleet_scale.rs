//! Writes a fleet of N dual-boot instruments (registry, device keys, one
//! signed install receipt per mode) into DIR, then times `report` over it.
//! `cargo run --release -p bundle-verifier --example fleet_scale -- DIR 2000`,
//! then time the CLI: `bundle-verifier report --receipts DIR/receipts
//! --registry DIR/fleet.toml --release FSN2022-1230 --json`.

use std::path::PathBuf;
use std::time::Instant;

use bundle_keys::device::DeviceKey;
use bundle_verifier::audit::registry::Registry;
use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::instrument::receipt::{
    BundleRef, Receipt, ReceiptIdentity, ReleaseRef, RECEIPT_TYPE, RESULT_INSTALLED,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: fleet_scale DIR [N]"));
    let n: usize = args.next().map_or(2000, |s| s.parse().expect("N"));
    let release = ReleaseRef {
        id: "FSN2022-1230".into(),
        sequence: 1,
        version: "1.0.0".into(),
    };
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    let mut registry = String::new();
    for i in 0..n {
        let serial = format!("NB{i:06}");
        let key = DeviceKey::generate();
        std::fs::write(
            dir.join(format!("keys/{serial}.pub")),
            key.public_key().to_pem(),
        )
        .unwrap();
        registry += &format!(
            "[[device]]\nserial = \"{serial}\"\nmodel = \"NextSeq 550Dx\"\nudi_di = \"00816270020125\"\ncompany = \"Labor Beispiel GmbH\"\nmodes = [\"Dx\", \"RUO\"]\npublic_key_file = \"keys/{serial}.pub\"\n\n"
        );
        let out = dir.join(format!("receipts/{serial}"));
        std::fs::create_dir_all(&out).unwrap();
        for (t, mode) in ["Dx", "RUO"].into_iter().enumerate() {
            let r = Receipt {
                actions: Vec::new(),
                action: "apply".into(),
                backup: vec![],
                bundle: Some(BundleRef {
                    file: "fsn.bundle".into(),
                    manifest_sha256: Sha256Digest::of(b"manifest"),
                    release: release.clone(),
                    signed_by: vec![],
                }),
                confirmations: vec![],
                detail: None,
                files: vec![],
                identity: ReceiptIdentity {
                    installed_version: "3.1.0".into(),
                    mode: mode.into(),
                    model: "NextSeq 550Dx".into(),
                    serial: serial.clone(),
                    udi_di: Some("00816270020125".into()),
                },
                installed_after: Some(release.clone()),
                installed_before: None,
                result: RESULT_INSTALLED.into(),
                root: "/opt/instrument".into(),
                time: "2022-05-06T10:00:00Z".into(),
                tool: "bundle-verifier 0.1.0".into(),
                transaction: format!("{:06}-20220506T100000Z", t + 1),
                type_: RECEIPT_TYPE.into(),
            };
            std::fs::write(out.join(format!("{mode}.json")), r.sign(&key)).unwrap();
        }
    }
    std::fs::write(dir.join("fleet.toml"), registry).unwrap();

    let t = Instant::now();
    let reg = Registry::load(&dir.join("fleet.toml")).unwrap();
    let loaded = t.elapsed();
    let r = bundle_verifier::audit::report::report(&dir.join("receipts"), &reg, "FSN2022-1230")
        .unwrap();
    let total = t.elapsed();
    assert_eq!(r.summary.patched, 2 * n);
    println!(
        "{n} instruments x 2 modes, {} receipts: registry {:.0} ms, registry + report {:.0} ms",
        r.receipts_read,
        loaded.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3
    );
}
