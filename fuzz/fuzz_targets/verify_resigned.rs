//! The read path *after* the signature: the harness re-signs whatever
//! manifest the input carries (after pointing its payload fields at the
//! payload member present, and its SBOM entry at the SBOM member), so
//! mutations reach manifest validation, SBOM parsing, the
//! decompressor and the inner archive checks, and unpack into a temporary
//! directory that nothing may escape.
#![no_main]

use bundle_keys::signing::Signer;
use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::format::envelope::{
    canonical_header, padding, EnvelopeReader, BLOCK, FORMAT_MARKER, MEMBER_FORMAT,
    MEMBER_MANIFEST, MEMBER_SBOM, MEMBER_SIGNATURES,
};
use bundle_verifier::trust::SignatureFile;
use bundle_verifier::Limits;
use libfuzzer_sys::fuzz_target;

fn member(out: &mut Vec<u8>, name: &str, data: &[u8]) {
    out.extend_from_slice(&canonical_header(name, data.len() as u64));
    out.extend_from_slice(data);
    out.resize(out.len() + padding(data.len() as u64), 0);
}

fuzz_target!(|data: &[u8]| {
    let mut env = EnvelopeReader::new(data);
    let Ok(front) = env.read_front(&Limits::default()) else {
        return;
    };
    let rest = &data[env.offset as usize..];
    // The member at `at` in `rest`: (name, data, offset after it).
    let member_at = |at: usize| -> Option<(String, &[u8], usize)> {
        let h = tar::Header::from_byte_slice(rest.get(at..at + BLOCK)?);
        let name = h.path().ok()?.to_string_lossy().into_owned();
        let size = h.size().unwrap_or(0).min(rest.len() as u64) as usize;
        let start = at + BLOCK;
        let end = start.saturating_add(size).min(rest.len());
        let next = start.saturating_add(size).saturating_add(padding(size as u64));
        Some((name, &rest[start..end], next))
    };
    // An SBOM member, if the input has one before the payload.
    let (sbom, payload) = match member_at(0) {
        Some((name, sbom, next)) if name == MEMBER_SBOM => {
            (Some(sbom), member_at(next).map_or(&[][..], |(_, p, _)| p))
        }
        Some((_, p, _)) => (None, p),
        None => (None, &[][..]),
    };
    let manifest = match serde_json::from_slice::<serde_json::Value>(&front.manifest) {
        Ok(mut v) if v.get("payload").is_some_and(|p| p.is_object()) => {
            v["payload"]["sha256"] = Sha256Digest::of(payload).to_hex().into();
            v["payload"]["size"] = (payload.len() as u64).into();
            if let (Some(sbom), true) = (sbom, v.get("sbom").is_some_and(|s| s.is_object())) {
                v["sbom"]["sha256"] = Sha256Digest::of(sbom).to_hex().into();
                v["sbom"]["size"] = (sbom.len() as u64).into();
            }
            serde_json::to_vec(&v).expect("values serialise")
        }
        _ => front.manifest.clone(),
    };
    let key = bundle_fuzz::fuzz_key();
    let mut sigs = SignatureFile::default();
    sigs.insert(key.key_id().clone(), key.sign(&manifest).expect("sign"));
    let mut bundle = Vec::with_capacity(data.len() + 2048);
    member(&mut bundle, MEMBER_FORMAT, FORMAT_MARKER);
    member(&mut bundle, MEMBER_MANIFEST, &manifest);
    member(&mut bundle, MEMBER_SIGNATURES, &sigs.to_canonical_bytes());
    bundle.extend_from_slice(rest);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let _ = bundle_fuzz::verify_bytes(&bundle, &bundle_fuzz::fuzz_trust(), Some(&out));
    // Nothing may appear beside `out`.
    for e in std::fs::read_dir(dir.path()).expect("list") {
        assert_eq!(e.expect("entry").file_name(), "out", "unpacking escaped its directory");
    }
});
