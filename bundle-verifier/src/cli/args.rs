//! What each command takes: the clap definitions, and nothing else.

use std::path::{Path, PathBuf};

use bundle_verifier::i18n::Lang;
use bundle_verifier::{Error, TrustedKeys};
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "bundle-verifier",
    version,
    about = "Verify, inspect, extract and apply signed offline patch bundles"
)]
pub struct Cli {
    /// Language of messages for people: en, de or fr (default: from the
    /// system's language settings; English where it names none of these).
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<Lang>,
    /// The instrument config file (TOML; default: BUNDLE_VERIFIER_CONFIG, else
    /// /etc/bundle-verifier/config.toml, on Windows
    /// %ProgramData%\bundle-verifier\config.toml). Options override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Args, Default)]
pub struct Trust {
    /// The trust root (root.json) whose release keys must sign the bundle.
    #[arg(long = "trust-root", value_name = "ROOT.json")]
    pub trust_root: Option<PathBuf>,
    /// A trusted release public key (SPKI PEM); repeat for several. Same as a
    /// trust root of these keys with threshold 1, without rotation.
    #[arg(
        long = "trusted-key",
        value_name = "KEY.pub",
        conflicts_with = "trust_root"
    )]
    pub trusted_key: Vec<PathBuf>,
}

impl Trust {
    /// The keys to judge with; on an instrument (`state`), the installed
    /// trust root when no option names one.
    pub fn load(&self, state: Option<&Path>) -> Result<TrustedKeys, Error> {
        match (&self.trust_root, self.trusted_key.is_empty(), state) {
            (Some(root), _, _) => TrustedKeys::from_root_file(root),
            (None, false, _) => TrustedKeys::from_pem_files(&self.trusted_key),
            (None, true, Some(state)) => TrustedKeys::from_state_dir(state),
            (None, true, None) => Err(Error::Config(
                "say which keys to trust: --trust-root ROOT.json or --trusted-key KEY.pub".into(),
            )),
        }
    }
}

#[derive(Subcommand)]
pub enum TrustCmd {
    /// Show a trust root: keys, thresholds, expiry, scope, revocations, and
    /// whether it is signed by enough of its own root keys.
    Show {
        /// The trust root document (root.json) to show.
        root: PathBuf,
        /// Print the result as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
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
    /// Check a bundle's signatures, manifest and payload digest.
    Verify(VerifyArgs),
    /// Show what a bundle claims, WITHOUT checking any signature.
    Inspect(InspectArgs),
    /// Verify and write one target's files into a new directory, or the
    /// signed SBOM into a new file (--sbom).
    Extract(ExtractArgs),
    /// Verify and install the target that fits this instrument. Without
    /// --trust-root or --trusted-key, the trust root installed in the state
    /// directory is used.
    Apply(ApplyArgs),
    /// Restore the tree as it was before the last install into DIR.
    Rollback(RollbackArgs),
    /// The instrument's own key that signs receipts.
    Device {
        #[command(subcommand)]
        cmd: DeviceCmd,
    },
    /// Receipts of installs, refusals and rollbacks.
    Receipts {
        #[command(subcommand)]
        cmd: ReceiptsCmd,
    },
    /// Fleet compliance: classify every serial × expected mode of a device
    /// registry for a release from a folder of receipts.
    Report(ReportArgs),
    /// Compare the root with the signed manifests of what was installed.
    CheckInstalled(CheckInstalledArgs),
    /// List the bundles on a mounted stick and whether each applies here.
    Scan(ScanArgs),
    /// The technician's one step: find the stick, pick the newest bundle
    /// that applies here, show what it does, ask, apply, and write the
    /// receipts to the stick.
    Usb(UsbArgs),
    /// The instrument config file.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    /// Inspect trust root documents.
    #[command(subcommand)]
    Trust(TrustCmd),
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The bundle file to verify.
    pub bundle: PathBuf,
    #[command(flatten)]
    pub trust: Trust,
    /// Also decompress the payload and check every file's SHA-256.
    #[arg(long)]
    pub deep: bool,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct InspectArgs {
    /// The bundle file to inspect.
    pub bundle: PathBuf,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ExtractArgs {
    /// The bundle file to extract from.
    pub bundle: PathBuf,
    #[command(flatten)]
    pub trust: Trust,
    /// The target's instrument model (as in the manifest).
    #[arg(long, required_unless_present = "sbom", requires_all = ["mode", "out"])]
    pub model: Option<String>,
    /// The target's boot mode (e.g. Dx or RUO).
    #[arg(long, requires_all = ["model", "out"])]
    pub mode: Option<String>,
    /// A new directory to write the target's files into.
    #[arg(long, value_name = "DIR", requires_all = ["model", "mode"])]
    pub out: Option<PathBuf>,
    /// Write the bundle's SBOM (CycloneDX or SPDX JSON, as signed) to FILE.
    #[arg(long, value_name = "FILE")]
    pub sbom: Option<PathBuf>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Default)]
pub struct ApplyArgs {
    /// The bundle file to install.
    pub bundle: PathBuf,
    #[command(flatten)]
    pub trust: Trust,
    /// The instrument identity file (TOML; config: `instrument`).
    #[arg(long, value_name = "ID.toml")]
    pub instrument: Option<PathBuf>,
    /// The instrument's software root, where files are installed (config: `root`).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The verifier's state directory on the instrument: backups, records (config: `state`).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Verify everything and show what would change, but change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply the release with the highest applied sequence again (never an older one).
    #[arg(long)]
    pub reinstall: bool,
    /// Confirm a step the release requires (e.g. `--confirm backup`); repeat for each.
    #[arg(long = "confirm", value_name = "ID")]
    pub confirm: Vec<String>,
    /// Also copy the files the install replaces into this directory (e.g. the USB stick).
    #[arg(long, value_name = "DIR")]
    pub backup_to: Option<PathBuf>,
    /// List every file added or replaced (by default only their counts).
    #[arg(long)]
    pub list: bool,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct RollbackArgs {
    /// The instrument's software root, where the install was made.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The verifier's state directory on the instrument.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Show what would be rolled back, but change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ReportArgs {
    /// Folder of receipts (`receipts export` from many instruments; searched recursively).
    #[arg(long, value_name = "DIR")]
    pub receipts: PathBuf,
    /// Device registry (TOML): serial, model, UDI-DI, company, and per mode
    /// the device key (one key for all modes, or one per [[device.install]]).
    #[arg(long, value_name = "FLEET.toml")]
    pub registry: PathBuf,
    /// Release ID, or a bundle file whose release ID to use (not needed with --bundle).
    #[arg(
        long,
        value_name = "RELEASE_ID|BUNDLE",
        required_unless_present = "bundle"
    )]
    pub release: Option<String>,
    /// The release's bundle: the form quotes its notice, lists its products and
    /// prints its manifest digest. Checked with --trust-root or --trusted-key;
    /// without them it is read as is and the form says "unverified".
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
    #[command(flatten)]
    pub trust: Trust,
    /// Print the result as JSON on stdout.
    #[arg(long, group = "format")]
    pub json: bool,
    /// One line per serial × mode, UTF-8 with a byte-order mark (for spreadsheets).
    #[arg(long, group = "format")]
    pub csv: bool,
    /// The field separator of --csv: ',' (default), ';' (spreadsheets set to
    /// German and other locales that write decimal commas), '|' or 'tab'.
    #[arg(long, value_name = "CHAR", default_value = ",", requires = "csv", value_parser = [",", ";", "|", "tab"])]
    pub csv_delimiter: String,
    /// The notice's verification form, filled from the evidence (language: --lang).
    #[arg(long, group = "format", value_name = "html|md", value_parser = ["html", "md"])]
    pub form: Option<String>,
}

#[derive(Args)]
pub struct CheckInstalledArgs {
    /// With --trust-root or --trusted-key, also judge the stored
    /// signatures of what was installed (revocations, expiry, scope).
    #[command(flatten)]
    pub trust: Trust,
    /// The instrument's software root to check.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The verifier's state directory on the instrument.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ScanArgs {
    /// The folder to look for bundles in (e.g. the mounted USB stick).
    pub dir: PathBuf,
    #[command(flatten)]
    pub trust: Trust,
    /// The instrument identity file (TOML).
    #[arg(long, value_name = "ID.toml")]
    pub instrument: Option<PathBuf>,
    /// The state directory, to also tell bundles already applied or older.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum DeviceCmd {
    /// Create the device key (once); prints its key ID and public key.
    Init {
        /// The verifier's state directory on the instrument.
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// The identity whose serial and mode to print in the registry's form.
        #[arg(long, value_name = "ID.toml")]
        instrument: Option<PathBuf>,
        /// Print the result as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print the device public key (SPKI PEM) alone.
    Pubkey {
        /// The verifier's state directory on the instrument.
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum ReceiptsCmd {
    /// Copy every receipt and the device public key to DIR (e.g. the USB stick).
    Export {
        /// The verifier's state directory on the instrument.
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// The directory to copy the receipts to (e.g. the USB stick).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// Print the result as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct UsbArgs {
    /// The stick's folder (default: the mounted removable drives).
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub trust: Trust,
    /// The instrument identity file (TOML); default: the config file's.
    #[arg(long, value_name = "ID.toml")]
    pub instrument: Option<PathBuf>,
    /// The instrument's software root; default: the config file's.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The verifier's state directory; default: the config file's.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Install without asking (the release's steps still need --confirm).
    #[arg(long)]
    pub yes: bool,
    /// Confirm a step the release requires (e.g. `--confirm backup`); repeat for each.
    #[arg(long = "confirm", value_name = "ID")]
    pub confirm: Vec<String>,
}

#[derive(Subcommand)]
pub enum ConfigCmd {
    /// Print each effective setting and where it comes from (option,
    /// config file, environment, default).
    Show(ConfigShowArgs),
}

#[derive(Args)]
pub struct ConfigShowArgs {
    #[command(flatten)]
    pub trust: Trust,
    /// The instrument identity file (TOML); default: the config file's.
    #[arg(long, value_name = "ID.toml")]
    pub instrument: Option<PathBuf>,
    /// The instrument's software root; default: the config file's.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The verifier's state directory; default: the config file's.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}
