//! Shared pieces of the fuzz targets: the trusted fuzz key and the whole
//! read path of the verifier over bytes in memory.

use std::path::Path;

use bundle_keys::device::DeviceKey;
use bundle_keys::signing::{FileKey, Signer};
use bundle_keys::{KeyError, PublicKey};
use bundle_verifier::format::envelope::EnvelopeReader;
use bundle_verifier::format::payload::{read_payload, Sink};
use bundle_verifier::{open_verified_from, Error, Limits, TrustedKeys};

/// A test key for fuzzing only, never trusted anywhere else; seeds are
/// signed with it (`fuzz/seed.sh`).
pub const FUZZ_KEY_PEM: &str = include_str!("../fuzz-test-key.pem");

pub fn fuzz_key() -> FileKey {
    FileKey::from_pem(FUZZ_KEY_PEM).expect("the fuzz key parses")
}

pub fn fuzz_trust() -> TrustedKeys {
    TrustedKeys::new(vec![fuzz_key().public_key().clone()], 1).expect("one key, threshold 1")
}

/// What `verify --deep` and `extract` do, over a byte slice: the library's
/// own open path (envelope, trust roots, signatures, manifest), then the
/// payload, writing the first target's files under `out` when given.
pub fn verify_bytes(bytes: &[u8], trust: &TrustedKeys, out: Option<&Path>) -> Result<(), Error> {
    let limits = Limits::default();
    let mut o = open_verified_from(EnvelopeReader::new(bytes), trust, &limits)?;
    let mut sink = Sink::default();
    if let (Some(dir), Some(t)) = (out, o.manifest.targets.first()) {
        for f in &t.files {
            let dest = f.path.join_to(dir);
            assert!(dest.starts_with(dir), "{} escapes {}", f.path, dir.display());
            sink.dests
                .entry(f.sha256)
                .or_default()
                .push((dest, f.executable));
        }
    }
    read_payload(&mut o.env, &o.manifest, Some(&sink), &limits, &|_| {})
}

/// The fuzz key as an instrument's device key, which signs receipts.
pub fn fuzz_device_key() -> DeviceKey {
    DeviceKey::from_pem(FUZZ_KEY_PEM).expect("the fuzz key parses")
}

/// A device key for a registry's `public_key_file`, without reading a file:
/// each name ending in `.pub` gets its own key, derived from it; any other
/// name is refused like an unreadable key file.
pub fn key_named(path: &Path) -> Result<PublicKey, KeyError> {
    let name = path.as_os_str().as_encoded_bytes();
    if !name.ends_with(b".pub") {
        return Err(KeyError::BadPublicKey("no such key file".into()));
    }
    // About half of all 32-byte strings are valid keys: try a few.
    let mut last = None;
    for i in 0..64u8 {
        let mut seed = name.to_vec();
        seed.push(i);
        match PublicKey::from_raw(&bundle_verifier::format::digest::Sha256Digest::of(&seed).0) {
            Ok(k) => return Ok(k),
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("tried at least once"))
}

/// A receipt file whose body is the input's `receipt` object (or, when it
/// has none, the whole input as JSON), signed by `key`; `None` when the
/// input is not JSON.
pub fn resign_receipt(data: &[u8], key: &DeviceKey) -> Option<Vec<u8>> {
    let v: serde_json::Value = serde_json::from_slice(data).ok()?;
    let body = match v.get("receipt") {
        Some(r) => r.clone(),
        None => v,
    };
    let body = serde_json::to_vec(&body).ok()?;
    let signature = serde_json::json!({
        "key_id": key.key_id().as_str(),
        "signature": key.sign(&body).to_base64(),
    });
    let mut out = b"{\"receipt\":".to_vec();
    out.extend_from_slice(&body);
    out.extend_from_slice(b",\"signature\":");
    out.extend_from_slice(&serde_json::to_vec(&signature).ok()?);
    out.push(b'}');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bundle_verifier::instrument::receipt::verify_receipt;

    /// The `receipt` target's body on a real receipt body: re-signed, it
    /// verifies, and signing what was read gives the same bytes.
    #[test]
    fn a_resigned_receipt_verifies_and_signs_back_to_its_bytes() {
        let key = fuzz_device_key();
        let body = br#"{"action":"apply","backup":[],"bundle":null,"confirmations":[],"detail":null,"files":[],"identity":{"installed_version":"3.1.0","mode":"Dx","model":"M","serial":"S","udi_di":null},"installed_after":null,"installed_before":null,"result":"installed","root":"/r","time":"2022-05-05T10:00:00Z","tool":"t","transaction":"000001-x","type":"offline-patch-bundle/receipt/1"}"#;
        let signed = resign_receipt(body, &key).unwrap();
        let r = verify_receipt(&signed, key.public_key()).unwrap();
        assert_eq!(r.sign(&key), signed);
        assert_eq!(resign_receipt(&signed, &key).unwrap(), signed);
        assert!(resign_receipt(b"not json", &key).is_none());
    }

    /// The `registry` target's key mapping: one key per name, most names work.
    #[test]
    fn names_map_to_their_own_keys() {
        let a = key_named(Path::new("fleet/a.pub")).unwrap();
        let b = key_named(Path::new("fleet/b.pub")).unwrap();
        assert_ne!(a.key_id(), b.key_id());
        assert!(key_named(Path::new("fleet/a.pem")).is_err());
        let reg = "[[device]]\nserial = \"S1\"\nmodel = \"M\"\ncompany = \"C\"\nmodes = [\"Dx\"]\npublic_key_file = \"a.pub\"\n";
        let r = bundle_verifier::audit::registry::Registry::parse(
            reg.as_bytes(),
            Path::new("fleet/registry.toml"),
            &key_named,
        )
        .unwrap();
        assert_eq!(r.devices[0].public_key.key_id(), a.key_id());
    }
}
