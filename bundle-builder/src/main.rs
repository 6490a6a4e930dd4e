//! `bundle-builder`: the release pipeline's command line. Wiring only.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bundle_builder::trust::{self, Edit};
use bundle_builder::{build, cosign, BuildError, BuildOptions, Spec};
use bundle_keys::signing::{with_suffix, write_new_file, FileKey, Passphrase, Signer};
use bundle_keys::token::{TokenKey, TokenKeySpec};
use bundle_keys::{Date, KeyId, PublicKey};
use bundle_verifier::Limits;
use clap::{Args, Parser, Subcommand};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "bundle-builder",
    version,
    about = "Build and sign offline patch bundles and trust roots"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// Which secret key signs: a key file, or a key in a PKCS#11 token.
#[derive(Args, Clone)]
struct KeyArgs {
    /// Secret key file (PKCS#8 PEM, plain or encrypted).
    #[arg(long, value_name = "KEY.key", conflicts_with = "pkcs11_module")]
    key: Option<PathBuf>,
    /// File whose first line is the key's passphrase (else BUNDLE_KEY_PASSPHRASE).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    #[command(flatten)]
    token: TokenArgs,
}

/// A key held in a PKCS#11 token; the PIN comes from BUNDLE_PKCS11_PIN.
#[derive(Args, Clone)]
struct TokenArgs {
    /// PKCS#11 module (shared library) of the token.
    #[arg(long, value_name = "LIB", requires_all = ["pkcs11_token", "pkcs11_key"])]
    pkcs11_module: Option<PathBuf>,
    /// Label of the token.
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pkcs11_token: Option<String>,
    /// Label of the Ed25519 key pair in the token.
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pkcs11_key: Option<String>,
}

impl TokenArgs {
    fn spec(&self) -> Option<TokenKeySpec> {
        Some(TokenKeySpec {
            module: self.pkcs11_module.clone()?,
            token: self.pkcs11_token.clone()?,
            key: self.pkcs11_key.clone()?,
        })
    }
}

impl KeyArgs {
    fn open(&self) -> Result<Box<dyn Signer>, BuildError> {
        if let Some(spec) = self.token.spec() {
            return Ok(Box::new(TokenKey::open(&spec)?));
        }
        let Some(path) = &self.key else {
            return Err(BuildError::Usage(
                "say which key signs: --key KEY.key, or --pkcs11-module LIB --pkcs11-token LABEL --pkcs11-key LABEL".into(),
            ));
        };
        let pass = Passphrase::from_file_or_env(self.passphrase_file.as_deref())?;
        Ok(Box::new(FileKey::read_pem_file_with(path, pass.as_ref())?))
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Print shell completions for SHELL (bash, zsh, fish, powershell, elvish) on stdout.
    #[command(hide = true)]
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff) on stdout.
    #[command(hide = true)]
    Manpage,
    /// Generate an Ed25519 key pair: PREFIX.key (PKCS#8 PEM, 0600; encrypted
    /// with a passphrase from --passphrase-file or BUNDLE_KEY_PASSPHRASE) and
    /// PREFIX.pub (SPKI PEM). With --pkcs11-*, the key pair is generated in
    /// the token and only PREFIX.pub is written.
    Keygen {
        #[arg(long, value_name = "PREFIX")]
        out: PathBuf,
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        #[command(flatten)]
        token: TokenArgs,
        #[arg(long)]
        json: bool,
    },
    /// Write the public half of a secret key or token key (SPKI PEM).
    Pubkey {
        #[command(flatten)]
        key: KeyArgs,
        #[arg(long, value_name = "KEY.pub")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Build a signed bundle from a release spec.
    Build {
        spec: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[arg(long, value_name = "FILE.bundle")]
        out: PathBuf,
        /// A trust root the bundle carries to instruments (repeat for a chain
        /// of consecutive versions).
        #[arg(long, value_name = "ROOT.json")]
        include_root: Vec<PathBuf>,
        /// zstd compression level (1 to 19).
        #[arg(long, default_value_t = 3)]
        level: i32,
        /// SBOM of the release (CycloneDX or SPDX 2 JSON), carried signed;
        /// overrides `sbom` in the spec's [release].
        #[arg(long, value_name = "FILE")]
        sbom: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Add a signature to a bundle in place; the manifest does not change.
    Cosign {
        bundle: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[arg(long)]
        json: bool,
    },
    /// Make and sign trust root documents.
    #[command(subcommand)]
    Trust(TrustCmd),
}

#[derive(Subcommand)]
enum TrustCmd {
    /// Write trust root version 1, unsigned.
    Init {
        /// A root public key (SPKI PEM); repeat.
        #[arg(long = "root-key", value_name = "KEY.pub", required = true)]
        root_keys: Vec<PathBuf>,
        /// How many root keys must sign a trust root.
        #[arg(long, value_name = "N")]
        threshold: u32,
        /// A release public key (SPKI PEM); repeat.
        #[arg(long = "release-key", value_name = "KEY.pub", required = true)]
        release_keys: Vec<PathBuf>,
        /// How many release keys must sign a bundle.
        #[arg(long, value_name = "M", default_value_t = 1)]
        release_threshold: u32,
        /// Issue date (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        issued: Option<Date>,
        #[arg(long, value_name = "ROOT.json")]
        out: PathBuf,
    },
    /// Add one root signature to a trust root, in place.
    Sign {
        root: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[arg(long)]
        json: bool,
    },
    /// Write the next version of a trust root (version + 1, unsigned).
    Edit {
        root: PathBuf,
        #[arg(long, value_name = "ROOT.json")]
        out: PathBuf,
        /// Add a release key (SPKI PEM); repeat.
        #[arg(long = "add-release-key", value_name = "KEY.pub")]
        add_release_keys: Vec<PathBuf>,
        /// Last day the added release keys' signatures count.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "add_release_keys")]
        expires: Option<Date>,
        /// A model the added release keys may sign for; repeat. Default: all models.
        #[arg(long = "scope", value_name = "MODEL", requires = "add_release_keys")]
        scope: Vec<String>,
        /// Drop a release key without revoking it.
        #[arg(long = "remove-release-key", value_name = "KEYID", value_parser = parse_key_id)]
        remove_release_keys: Vec<KeyId>,
        /// Revoke a key for good (it is removed and may never return); repeat.
        #[arg(long = "revoke", value_name = "KEYID", value_parser = parse_key_id)]
        revoke: Vec<KeyId>,
        #[arg(long = "add-root-key", value_name = "KEY.pub")]
        add_root_keys: Vec<PathBuf>,
        #[arg(long = "remove-root-key", value_name = "KEYID", value_parser = parse_key_id)]
        remove_root_keys: Vec<KeyId>,
        /// New root threshold.
        #[arg(long, value_name = "N")]
        threshold: Option<u32>,
        /// New release threshold.
        #[arg(long, value_name = "M")]
        release_threshold: Option<u32>,
        /// Issue date (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        issued: Option<Date>,
    },
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("{s:?} is not a date written YYYY-MM-DD"))
}

fn parse_key_id(s: &str) -> Result<KeyId, String> {
    KeyId::parse(s).ok_or_else(|| format!("{s:?} is not a key ID (16 lowercase hex digits)"))
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
                    json!({"ok": false, "exit_code": code, "error": e.to_string()})
                );
            }
            eprintln!("error: {e}");
            ExitCode::from(code as u8)
        }
    }
}

fn ids<'a>(v: impl IntoIterator<Item = &'a KeyId>) -> String {
    v.into_iter()
        .map(KeyId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_pubs(paths: &[PathBuf]) -> Result<Vec<PublicKey>, BuildError> {
    paths
        .iter()
        .map(|p| {
            PublicKey::read_pem_file(p)
                .map_err(|e| BuildError::Usage(format!("{}: {e}", p.display())))
        })
        .collect()
}

fn run(cmd: Cmd) -> (bool, Result<(), BuildError>) {
    match cmd {
        Cmd::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let name = cmd.get_name().to_owned();
            clap_complete::generate(shell, &mut cmd, name, &mut std::io::stdout());
            (false, Ok(()))
        }
        Cmd::Manpage => {
            let man = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
            (
                false,
                man.render(&mut std::io::stdout())
                    .map_err(|e| BuildError::io("cannot write", "standard output")(e)),
            )
        }
        Cmd::Keygen {
            out,
            passphrase_file,
            token,
            json,
        } => (json, keygen(&out, passphrase_file.as_deref(), &token, json)),
        Cmd::Pubkey { key, out, json } => (
            json,
            (|| {
                let signer = key.open()?;
                write_new_file(&out, signer.public_key().to_pem().as_bytes(), false)?;
                if json {
                    println!(
                        "{}",
                        json!({"ok": true, "key_id": signer.key_id(), "public_key": out})
                    );
                } else {
                    println!("{}", signer.key_id());
                    eprintln!("wrote {}", out.display());
                }
                Ok(())
            })(),
        ),
        Cmd::Build {
            spec,
            key,
            out,
            include_root,
            level,
            sbom,
            json,
        } => (
            json,
            (|| {
                let trust_roots = trust::load_chain(&include_root)?;
                let signer = key.open()?;
                let spec = Spec::load(&spec)?;
                let opts = BuildOptions {
                    level,
                    limits: Limits::default(),
                    trust_roots,
                    sbom,
                };
                let r = build(&spec, signer.as_ref(), &out, &opts)?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&json!({"ok": true, "built": r}))
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
            })(),
        ),
        Cmd::Cosign { bundle, key, json } => (
            json,
            (|| {
                let signer = key.open()?;
                let sigs = cosign(&bundle, signer.as_ref(), &Limits::default())?;
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
            })(),
        ),
        Cmd::Trust(TrustCmd::Sign { root, key, json }) => (
            json,
            (|| {
                let signer = key.open()?;
                let (doc, is_root_key) = trust::sign(&root, signer.as_ref())?;
                let signed_by: Vec<_> = doc.file.signatures.iter().map(|s| &s.key_id).collect();
                if json {
                    println!(
                        "{}",
                        json!({"ok": true, "root": root, "version": doc.version(),
                               "added": signer.key_id(), "signed_by": signed_by})
                    );
                } else {
                    println!(
                        "signed trust root version {} with {}; now signed by {}",
                        doc.version(),
                        signer.key_id(),
                        ids(signed_by)
                    );
                    if !is_root_key {
                        eprintln!(
                            "note: {} is not a root key of this version; its signature counts only as the previous version's root key (rotation)",
                            signer.key_id()
                        );
                    }
                }
                Ok(())
            })(),
        ),
        Cmd::Trust(TrustCmd::Init {
            root_keys,
            threshold,
            release_keys,
            release_threshold,
            issued,
            out,
        }) => (
            false,
            (|| {
                let doc = trust::init(
                    &read_pubs(&root_keys)?,
                    threshold,
                    &read_pubs(&release_keys)?,
                    release_threshold,
                    issued,
                )?;
                trust::write_new(&out, &doc)?;
                println!(
                    "wrote trust root version 1 to {} (unsigned: sign it with {} of its root keys)",
                    out.display(),
                    threshold
                );
                Ok(())
            })(),
        ),
        Cmd::Trust(TrustCmd::Edit {
            root,
            out,
            add_release_keys,
            expires,
            scope,
            remove_release_keys,
            revoke,
            add_root_keys,
            remove_root_keys,
            threshold,
            release_threshold,
            issued,
        }) => (
            false,
            (|| {
                let prev = trust::read(&root)?;
                let edit = Edit {
                    add_release_keys: read_pubs(&add_release_keys)?,
                    expires,
                    scope,
                    remove_release_keys,
                    revoke,
                    add_root_keys: read_pubs(&add_root_keys)?,
                    remove_root_keys,
                    root_threshold: threshold,
                    release_threshold,
                    issued,
                };
                let doc = trust::edit(&prev, &edit)?;
                trust::write_new(&out, &doc)?;
                println!(
                    "wrote trust root version {} to {} (unsigned: sign it with {} root keys of version {} and {} of version {})",
                    doc.version(),
                    out.display(),
                    prev.signed().root_threshold,
                    prev.version(),
                    doc.signed().root_threshold,
                    doc.version()
                );
                Ok(())
            })(),
        ),
    }
}

fn keygen(
    out: &Path,
    passphrase_file: Option<&Path>,
    token: &TokenArgs,
    json: bool,
) -> Result<(), BuildError> {
    let public_path = with_suffix(out, "pub");
    let (key_id, secret) = if let Some(spec) = token.spec() {
        if public_path.exists() {
            return Err(BuildError::Key(bundle_keys::KeyError::Exists {
                path: public_path,
            }));
        }
        let k = TokenKey::generate(&spec)?;
        write_new_file(&public_path, k.public_key().to_pem().as_bytes(), false)?;
        (k.key_id().clone(), None)
    } else {
        let pass = Passphrase::from_file_or_env(passphrase_file)?;
        let k = FileKey::generate();
        k.write_pair_with(out, pass.as_ref())?;
        (
            k.key_id().clone(),
            Some((with_suffix(out, "key"), pass.is_some())),
        )
    };
    if json {
        println!(
            "{}",
            json!({
                "ok": true, "key_id": key_id,
                "secret_key": secret.as_ref().map(|s| &s.0),
                "encrypted": secret.as_ref().map(|s| s.1),
                "public_key": public_path,
            })
        );
    } else {
        println!("{key_id}");
        match secret {
            Some((path, encrypted)) => eprintln!(
                "wrote {} (secret{}, keep it safe) and {}",
                path.display(),
                if encrypted { ", encrypted" } else { "" },
                public_path.display()
            ),
            None => eprintln!(
                "generated the key pair in the token; wrote {}",
                public_path.display()
            ),
        }
    }
    Ok(())
}
