//! `bundle-builder`: the release pipeline's command line. Wiring only.

use std::path::PathBuf;
use std::process::ExitCode;

use bundle_builder::{build, cosign, BuildError, BuildOptions, Spec};
use bundle_keys::signing::{with_suffix, FileKey, Signer};
use bundle_verifier::Limits;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "bundle-builder",
    version,
    about = "Build and sign offline patch bundles"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate an Ed25519 key pair: PREFIX.key (PKCS#8 PEM, 0600) and PREFIX.pub (SPKI PEM).
    Keygen {
        #[arg(long, value_name = "PREFIX")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Build a signed bundle from a release spec.
    Build {
        spec: PathBuf,
        /// Release signing key (PKCS#8 PEM).
        #[arg(long, value_name = "KEY.key")]
        key: PathBuf,
        #[arg(long, value_name = "FILE.bundle")]
        out: PathBuf,
        /// zstd compression level (1 to 19).
        #[arg(long, default_value_t = 3)]
        level: i32,
        #[arg(long)]
        json: bool,
    },
    /// Add a signature to a bundle in place; the manifest does not change.
    Cosign {
        bundle: PathBuf,
        #[arg(long, value_name = "KEY.key")]
        key: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (json, r) = run(cli.cmd);
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            if json {
                println!(
                    "{}",
                    serde_json::json!({"ok": false, "exit_code": code, "error": e.to_string()})
                );
            }
            eprintln!("error: {e}");
            ExitCode::from(code as u8)
        }
    }
}

fn run(cmd: Cmd) -> (bool, Result<(), BuildError>) {
    match cmd {
        Cmd::Keygen { out, json } => (
            json,
            (|| {
                let k = FileKey::generate();
                k.write_pair(&out)?;
                if json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "ok": true, "key_id": k.key_id(),
                            "secret_key": with_suffix(&out, "key"), "public_key": with_suffix(&out, "pub"),
                        })
                    );
                } else {
                    println!("{}", k.key_id());
                    eprintln!(
                        "wrote {} (secret, keep it safe) and {}",
                        with_suffix(&out, "key").display(),
                        with_suffix(&out, "pub").display()
                    );
                }
                Ok(())
            })(),
        ),
        Cmd::Build {
            spec,
            key,
            out,
            level,
            json,
        } => (
            json,
            (|| {
                let signer = FileKey::read_pem_file(&key)?;
                let spec = Spec::load(&spec)?;
                let r = build(
                    &spec,
                    &signer,
                    &out,
                    &BuildOptions {
                        level,
                        limits: Limits::default(),
                    },
                )?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&serde_json::json!({"ok": true, "built": r}))
                            .expect("serialises")
                    );
                } else {
                    println!("built {} ({} bytes)", r.bundle.display(), r.bundle_size);
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
                    println!(
                        "  signed by {}",
                        r.signed_by
                            .iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                Ok(())
            })(),
        ),
        Cmd::Cosign { bundle, key, json } => (
            json,
            (|| {
                let signer = FileKey::read_pem_file(&key)?;
                let sigs = cosign(&bundle, &signer, &Limits::default())?;
                let ids: Vec<_> = sigs.signatures.iter().map(|s| s.key_id.clone()).collect();
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"ok": true, "bundle": bundle, "signed_by": ids})
                    );
                } else {
                    println!(
                        "added signature by {} to {}; now signed by {}",
                        signer.key_id(),
                        bundle.display(),
                        ids.iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                Ok(())
            })(),
        ),
    }
}
