//! The command line's clap definitions and the dispatch to one handler
//! per command group. Parsing only: no handler logic here.

mod approve;
mod bundle;
mod docs;
#[cfg(test)]
mod help_test;
mod keys;
pub mod out;
mod pass;
mod trust;

use std::path::PathBuf;

use bundle_builder::BuildError;
use bundle_keys::token::TokenKeySpec;
use bundle_keys::{Date, KeyId};
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "bundle-builder",
    version,
    about = "Build and sign offline patch bundles and trust roots"
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// Which secret key signs: a key file, or a key in a PKCS#11 token.
#[derive(Args, Clone)]
pub struct KeyArgs {
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
pub struct TokenArgs {
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

#[derive(Subcommand)]
pub enum Cmd {
    /// Print shell completions for SHELL (bash, zsh, fish, powershell, elvish) on stdout.
    #[command(hide = true)]
    Completions {
        /// The shell to write completions for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    #[command(hide = true)]
    Manpage,
    /// Generate an Ed25519 key pair: PREFIX.key (PKCS#8 PEM, 0600, encrypted
    /// with a passphrase from --passphrase-file or BUNDLE_KEY_PASSPHRASE, or
    /// asked for twice at a terminal; plain only with --unencrypted) and
    /// PREFIX.pub (SPKI PEM). With --pkcs11-*, the key pair is generated in
    /// the token and only PREFIX.pub is written.
    Keygen(KeygenArgs),
    /// Write the public half of a secret key or token key (SPKI PEM).
    Pubkey(PubkeyArgs),
    /// Print the key ID of a public (.pub) or secret (.key) key file.
    Keyid(KeyidArgs),
    /// Build a signed bundle from a release spec (or only check it: --check).
    Build(BuildArgs),
    /// Add a signature to a bundle in place; the manifest does not change.
    Cosign(CosignArgs),
    /// Write a bundle's exact signed manifest bytes, for a detached approval
    /// (`sign-manifest`) where the bundle itself is not at hand.
    Manifest(ManifestArgs),
    /// Sign manifest bytes written by `manifest`; writes an approval file
    /// for `attach`.
    SignManifest(SignManifestArgs),
    /// Add the signature of an approval file (`sign-manifest`) to a bundle,
    /// once it checks over the bundle's manifest.
    Attach(AttachArgs),
    /// Make and sign trust root documents.
    #[command(subcommand)]
    Trust(TrustCmd),
}

// The argument structs carry no doc comment of their own: the variant's is
// the command's help, and a second one would compete with it.

#[derive(Args)]
pub struct KeygenArgs {
    /// Write PREFIX.key and PREFIX.pub (neither may exist).
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
    /// File whose first line is the new key's passphrase (else BUNDLE_KEY_PASSPHRASE).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Write the secret key unencrypted (for tests and throw-away keys).
    #[arg(long, conflicts_with_all = ["passphrase_file", "pkcs11_module"])]
    unencrypted: bool,
    #[command(flatten)]
    token: TokenArgs,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct PubkeyArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Where to write the public key; `-` for standard output.
    #[arg(long, value_name = "KEY.pub")]
    out: PathBuf,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct KeyidArgs {
    /// A public key (SPKI PEM) or secret key (PKCS#8 PEM) file.
    file: PathBuf,
    /// File whose first line is the passphrase, if FILE is an encrypted secret key.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct BuildArgs {
    /// The release spec (TOML); docs/FORMAT.md section 10 lists its keys.
    spec: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// Where to write the bundle (not with --check).
    #[arg(long, value_name = "FILE.bundle", required_unless_present = "check")]
    out: Option<PathBuf>,
    /// Check the spec and every payload folder, without a key; write nothing.
    #[arg(long, conflicts_with = "out")]
    check: bool,
    /// Replace an existing --out (a bundle built again loses its co-signatures).
    #[arg(long)]
    force: bool,
    /// A trust root the bundle carries to instruments (repeat for a chain
    /// of consecutive versions).
    #[arg(long, value_name = "ROOT.json")]
    include_root: Vec<PathBuf>,
    /// zstd compression level (1 to 19).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(i32).range(1..=19))]
    level: i32,
    /// SBOM of the release (CycloneDX or SPDX 2 JSON), carried signed;
    /// overrides `sbom` in the spec's [release].
    #[arg(long, value_name = "FILE")]
    sbom: Option<PathBuf>,
    /// Split a bundle larger than SIZE into volumes NAME.bundle,
    /// NAME.bundle.002, ... of at most SIZE bytes each: bytes, or K, M, G, T
    /// (binary units: 1K = 1024), at least 4K; `fat32` = 4 GiB - 1 byte.
    #[arg(long, value_name = "SIZE", value_parser = bundle_builder::parse_volume_size)]
    volume_size: Option<u64>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct CosignArgs {
    /// The bundle to sign, changed in place.
    bundle: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ManifestArgs {
    /// The bundle whose manifest is written.
    bundle: PathBuf,
    /// Where to write the manifest bytes; `-` for standard output.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// A signer's public key to check the bundle's signature with (repeat);
    /// the release keys of the trust root the bundle carries are used too.
    #[arg(long, value_name = "KEY.pub")]
    signed_by: Vec<PathBuf>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct SignManifestArgs {
    /// Manifest bytes written by `bundle-builder manifest`.
    manifest: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// Where to write the approval file; `-` for standard output.
    #[arg(long, value_name = "APPROVAL.json")]
    out: PathBuf,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct AttachArgs {
    /// The bundle to add the signature to, changed in place.
    bundle: PathBuf,
    /// The approval file written by `sign-manifest`.
    approval: PathBuf,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum TrustCmd {
    /// Write trust root version 1, unsigned.
    Init(TrustInitArgs),
    /// Add one root signature to a trust root, in place.
    Sign(TrustSignArgs),
    /// Write the next version of a trust root (version + 1, unsigned).
    Edit(TrustEditArgs),
}

#[derive(Args)]
pub struct TrustInitArgs {
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
    /// Where to write the trust root (must not exist).
    #[arg(long, value_name = "ROOT.json")]
    out: PathBuf,
}

#[derive(Args)]
pub struct TrustSignArgs {
    /// The trust root to sign, changed in place.
    root: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct TrustEditArgs {
    /// The current trust root.
    root: PathBuf,
    /// Where to write the next version (must not exist).
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
    /// Add a root key (SPKI PEM); repeat.
    #[arg(long = "add-root-key", value_name = "KEY.pub")]
    add_root_keys: Vec<PathBuf>,
    /// Drop a root key without revoking it; repeat.
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
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("{s:?} is not a date written YYYY-MM-DD"))
}

fn parse_key_id(s: &str) -> Result<KeyId, String> {
    KeyId::parse(s).ok_or_else(|| format!("{s:?} is not a key ID (16 lowercase hex digits)"))
}

/// Runs one command; whether it asked for JSON output, and how it ended.
pub fn run(cmd: Cmd) -> (bool, Result<(), BuildError>) {
    match cmd {
        Cmd::Completions { shell } => (false, docs::completions(shell)),
        Cmd::Manpage => (false, docs::manpage()),
        Cmd::Keygen(a) => (a.json, keys::keygen(&a)),
        Cmd::Pubkey(a) => (a.json, keys::pubkey(&a)),
        Cmd::Keyid(a) => (a.json, keys::keyid(&a)),
        Cmd::Build(a) => (a.json, bundle::build(a)),
        Cmd::Cosign(a) => (a.json, bundle::cosign(&a)),
        Cmd::Manifest(a) => (a.json, approve::manifest(&a)),
        Cmd::SignManifest(a) => (a.json, approve::sign_manifest(&a)),
        Cmd::Attach(a) => (a.json, approve::attach(&a)),
        Cmd::Trust(TrustCmd::Init(a)) => (false, trust::init(a)),
        Cmd::Trust(TrustCmd::Sign(a)) => (a.json, trust::sign(&a)),
        Cmd::Trust(TrustCmd::Edit(a)) => (false, trust::edit(a)),
    }
}

/// Key IDs as one comma-separated line.
fn ids<'a>(v: impl IntoIterator<Item = &'a KeyId>) -> String {
    v.into_iter()
        .map(KeyId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
