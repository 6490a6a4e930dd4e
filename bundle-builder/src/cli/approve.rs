//! Detached approval: `manifest`, `sign-manifest` and `attach`, so a second
//! approver signs in a room that holds only the manifest, not the bundle.

use bundle_builder::write::approval::{read_manifest_file, signed_manifest, Approval};
use bundle_builder::write::{add_signature, NewSignature};
use bundle_builder::BuildError;
use bundle_keys::PublicKey;
use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::Limits;
use serde_json::json;

use super::out::{is_stream, outln, write_output};
use super::{ids, AttachArgs, ManifestArgs, SignManifestArgs};

fn json_to_stdout(json: bool, out: &std::path::Path) -> Result<(), BuildError> {
    if json && is_stream(out) {
        return Err(BuildError::Option {
            option: "--json",
            msg: "cannot share standard output with --out -".into(),
        });
    }
    Ok(())
}

pub fn manifest(a: &ManifestArgs) -> Result<(), BuildError> {
    json_to_stdout(a.json, &a.out)?;
    let keys = a
        .signed_by
        .iter()
        .map(|p| PublicKey::read_pem_file(p).map_err(BuildError::Key))
        .collect::<Result<Vec<_>, _>>()?;
    let bytes = signed_manifest(&a.bundle, keys, &Limits::default())?;
    write_output(&a.out, &bytes)?;
    let sha = Sha256Digest::of(&bytes);
    if a.json {
        outln!(
            "{}",
            json!({"ok": true, "manifest": a.out, "manifest_sha256": sha})
        );
    } else if !is_stream(&a.out) {
        outln!("wrote {} (manifest sha256 {sha})", a.out.display());
    }
    Ok(())
}

pub fn sign_manifest(a: &SignManifestArgs) -> Result<(), BuildError> {
    json_to_stdout(a.json, &a.out)?;
    let limits = Limits::default();
    let bytes = read_manifest_file(&a.manifest, &limits)?;
    let signer = a.key.open()?;
    let approval = Approval::sign(&bytes, signer.as_ref())?;
    let mut text = serde_json::to_string_pretty(&approval).expect("serialises");
    text.push('\n');
    write_output(&a.out, text.as_bytes())?;
    if a.json {
        outln!(
            "{}",
            json!({"ok": true, "approval": a.out, "key_id": approval.key_id, "manifest_sha256": approval.manifest_sha256})
        );
    } else if !is_stream(&a.out) {
        outln!(
            "wrote {}: key {} approves manifest sha256 {}",
            a.out.display(),
            approval.key_id,
            approval.manifest_sha256
        );
    }
    Ok(())
}

pub fn attach(a: &AttachArgs) -> Result<(), BuildError> {
    let approval = Approval::read(&a.approval)?;
    let sigs = add_signature(
        &a.bundle,
        NewSignature::Approval(&approval, &a.approval),
        &Limits::default(),
    )?;
    let all: Vec<_> = sigs.signatures.iter().map(|s| s.key_id.clone()).collect();
    if a.json {
        outln!(
            "{}",
            json!({"ok": true, "bundle": a.bundle, "added": approval.key_id, "signed_by": all})
        );
    } else {
        outln!(
            "added the signature by {} to {}; now signed by {}",
            approval.key_id,
            a.bundle.display(),
            ids(&all)
        );
    }
    Ok(())
}
