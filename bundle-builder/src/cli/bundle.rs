//! Bundle commands: `build` and `cosign`, and how their reports print.

use bundle_builder::trust;
use bundle_builder::{
    build as build_bundle, cosign as cosign_bundle, BuildError, BuildOptions, Spec,
};
use bundle_verifier::Limits;
use serde_json::json;

use super::{ids, BuildArgs, CosignArgs};

pub fn build(a: BuildArgs) -> Result<(), BuildError> {
    let BuildArgs {
        spec,
        key,
        out,
        include_root,
        level,
        sbom,
        volume_size,
        json,
    } = a;
    let trust_roots = trust::load_chain(&include_root)?;
    let signer = key.open()?;
    let spec = Spec::load(&spec)?;
    let opts = BuildOptions {
        level,
        limits: Limits::default(),
        trust_roots,
        sbom,
        volume_size,
    };
    let r = build_bundle(&spec, signer.as_ref(), &out, &opts)?;
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"ok": true, "built": r})).expect("serialises")
        );
    } else {
        println!("built {} ({} bytes)", r.bundle.display(), r.bundle_size);
        if !r.volumes.is_empty() {
            println!(
                "  in {} volumes (copy all of them, into one folder):",
                r.volumes.len()
            );
            for v in &r.volumes {
                println!("    {} ({} bytes)", v.file.display(), v.size);
            }
        }
        println!(
            "  release  {} {} (sequence {})",
            r.release.id, r.release.version, r.release.sequence
        );
        println!("  targets  {}", r.targets.join(", "));
        println!(
            "  files    {} ({} distinct, {} bytes)",
            r.files, r.blobs, r.uncompressed_bytes
        );
        println!("  manifest sha256 {}", r.manifest_sha256);
        println!("  signed by {}", ids(&r.signed_by));
        if !r.trust_roots.is_empty() {
            let v: Vec<String> = r.trust_roots.iter().map(u64::to_string).collect();
            println!("  carries trust root versions {}", v.join(", "));
        }
        if r.signatures_needed > 0 {
            println!(
                "  needs {} more release-key signature(s) before instruments accept it: bundle-builder cosign {} --key ...",
                r.signatures_needed,
                r.bundle.display()
            );
        }
        if let Some(s) = &r.sbom {
            println!(
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
        println!(
            "{}",
            json!({"ok": true, "bundle": bundle, "signed_by": all})
        );
    } else {
        println!(
            "added signature by {} to {}; now signed by {}",
            signer.key_id(),
            bundle.display(),
            ids(&all)
        );
    }
    Ok(())
}
