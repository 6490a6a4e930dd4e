//! Bundle commands: `build` (and `build --check`) and `cosign`, and how
//! their reports print.

use bundle_builder::trust;
use bundle_builder::{
    build as build_bundle, check as check_bundle, cosign as cosign_bundle, BuildError,
    BuildOptions, Spec,
};
use bundle_verifier::Limits;
use serde_json::json;

use super::out::outln;

use super::out::check_dir;
use super::{ids, BuildArgs, CosignArgs};

pub fn build(a: BuildArgs) -> Result<(), BuildError> {
    let BuildArgs {
        spec,
        key,
        out,
        check,
        force,
        include_root,
        level,
        sbom,
        volume_size,
        json,
    } = a;
    let trust_roots = trust::load_chain(&include_root)?;
    let spec = Spec::load(&spec)?;
    let opts = BuildOptions {
        level,
        limits: Limits::default(),
        trust_roots,
        sbom,
        volume_size,
    };
    let Some(out) = out.filter(|_| !check) else {
        let r = check_bundle(&spec, &opts)?;
        if json {
            outln!("{}", json!({"ok": true, "checked": r}));
        } else {
            outln!(
                "checked {} {}: {} files ({} bytes) for {}; nothing was written",
                r.release,
                r.version,
                r.files,
                r.bytes,
                r.targets.join(", ")
            );
        }
        return Ok(());
    };
    check_dir(&out)?;
    // Before the key is opened: a passphrase asked for in vain otherwise.
    if !force && std::fs::symlink_metadata(&out).is_ok() {
        return Err(BuildError::OutputExists { path: out });
    }
    let signer = key.open()?;
    let r = build_bundle(&spec, signer.as_ref(), &out, &opts)?;
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&json!({"ok": true, "built": r})).expect("serialises")
        );
    } else {
        outln!("built {} ({} bytes)", r.bundle.display(), r.bundle_size);
        if !r.volumes.is_empty() {
            outln!(
                "  in {} volumes (copy all of them, into one folder):",
                r.volumes.len()
            );
            for v in &r.volumes {
                outln!("    {} ({} bytes)", v.file.display(), v.size);
            }
        }
        outln!(
            "  release  {} {} (sequence {})",
            r.release.id,
            r.release.version,
            r.release.sequence
        );
        outln!("  targets  {}", r.targets.join(", "));
        outln!(
            "  files    {} ({} distinct, {} bytes)",
            r.files,
            r.blobs,
            r.uncompressed_bytes
        );
        outln!("  manifest sha256 {}", r.manifest_sha256);
        outln!("  signed by {}", ids(&r.signed_by));
        if !r.trust_roots.is_empty() {
            let v: Vec<String> = r.trust_roots.iter().map(u64::to_string).collect();
            outln!("  carries trust root versions {}", v.join(", "));
        }
        if r.signatures_needed > 0 {
            outln!(
                "  needs {} more release-key signature(s) before instruments accept it: bundle-builder cosign {} --key ...",
                r.signatures_needed,
                r.bundle.display()
            );
        }
        if let Some(s) = &r.sbom {
            outln!(
                "  sbom     {} {}, {} components, sha256 {}",
                s.format.name(),
                s.spec_version,
                r.sbom_components,
                s.sha256
            );
        }
    }
    Ok(())
}

pub fn cosign(a: &CosignArgs) -> Result<(), BuildError> {
    let (bundle, key, json) = (&a.bundle, &a.key, a.json);
    let signer = key.open()?;
    let sigs = cosign_bundle(bundle, signer.as_ref(), &Limits::default())?;
    let all: Vec<_> = sigs.signatures.iter().map(|s| s.key_id.clone()).collect();
    if json {
        outln!(
            "{}",
            json!({"ok": true, "bundle": bundle, "signed_by": all})
        );
    } else {
        outln!(
            "added signature by {} to {}; now signed by {}",
            signer.key_id(),
            bundle.display(),
            ids(&all)
        );
    }
    Ok(())
}
