//! `bundle-verifier`: the instrument-side and auditor-side command line.
//! Only wiring and printing here; the work is in the library.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bundle_verifier::audit::record::{ErrorRecord, VerifyRecord};
use bundle_verifier::format::manifest::Confirm;
use bundle_verifier::format::sbom::SbomSummary;
use bundle_verifier::i18n::Lang;
use bundle_verifier::instrument::install::{
    apply, Action, ApplyError, ApplyOptions, ApplyReport, Ui,
};
use bundle_verifier::instrument::journal::Recovered;
use bundle_verifier::instrument::receipt::ReleaseRef;
use bundle_verifier::instrument::state::StateDir;
use bundle_verifier::trust::read_root_file;
use bundle_verifier::{
    extract, extract_sbom, inspect, verify, Error, ExitClass, Identity, Limits, TrustedKeys,
    Verified, VerifyOptions, VerifyReport,
};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "bundle-verifier",
    version,
    about = "Verify, inspect, extract and apply signed offline patch bundles"
)]
struct Cli {
    /// Language of messages for the technician: en or de (default: from LANG).
    #[arg(long, global = true, value_name = "en|de", value_parser = parse_lang)]
    lang: Option<Lang>,
    #[command(subcommand)]
    cmd: Cmd,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("{s:?} is not a language this tool speaks; use en or de"))
}

#[derive(Args)]
struct Trust {
    /// The trust root (root.json) whose release keys must sign the bundle.
    #[arg(long = "trust-root", value_name = "ROOT.json")]
    trust_root: Option<PathBuf>,
    /// A trusted release public key (SPKI PEM); repeat for several. Same as a
    /// trust root of these keys with threshold 1, without rotation.
    #[arg(
        long = "trusted-key",
        value_name = "KEY.pub",
        conflicts_with = "trust_root"
    )]
    trusted_key: Vec<PathBuf>,
}

impl Trust {
    /// The keys to judge with; on an instrument (`state`), the installed
    /// trust root when no option names one.
    fn load(&self, state: Option<&Path>) -> Result<TrustedKeys, Error> {
        match (&self.trust_root, self.trusted_key.is_empty(), state) {
            (Some(root), _, _) => TrustedKeys::from_root_file(root),
            (None, false, _) => TrustedKeys::from_pem_files(&self.trusted_key),
            (None, true, Some(state)) => TrustedKeys::from_state(&state.join("trust")),
            (None, true, None) => Err(Error::Config(
                "say which keys to trust: --trust-root ROOT.json or --trusted-key KEY.pub".into(),
            )),
        }
    }
}

#[derive(Subcommand)]
enum TrustCmd {
    /// Show a trust root: keys, thresholds, expiry, scope, revocations, and
    /// whether it is signed by enough of its own root keys.
    Show {
        root: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum Cmd {
    /// Print shell completions for SHELL (bash, zsh, fish, powershell, elvish) on stdout.
    #[command(hide = true)]
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff) on stdout.
    #[command(hide = true)]
    Manpage,
    /// Check a bundle's signatures, manifest and payload digest.
    Verify {
        bundle: PathBuf,
        #[command(flatten)]
        trust: Trust,
        /// Also decompress the payload and check every file's SHA-256.
        #[arg(long)]
        deep: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show what a bundle claims, WITHOUT checking any signature.
    Inspect {
        bundle: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Verify and write one target's files into a new directory, or the
    /// signed SBOM into a new file (--sbom).
    Extract {
        bundle: PathBuf,
        #[command(flatten)]
        trust: Trust,
        #[arg(long, required_unless_present = "sbom", requires_all = ["mode", "out"])]
        model: Option<String>,
        #[arg(long, requires_all = ["model", "out"])]
        mode: Option<String>,
        #[arg(long, value_name = "DIR", requires_all = ["model", "mode"])]
        out: Option<PathBuf>,
        /// Write the bundle's SBOM (CycloneDX or SPDX JSON, as signed) to FILE.
        #[arg(long, value_name = "FILE")]
        sbom: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Inspect trust root documents.
    #[command(subcommand)]
    Trust(TrustCmd),
    /// Verify and install the target that fits this instrument. Without
    /// --trust-root or --trusted-key, the trust root installed in the state
    /// directory is used.
    Apply {
        bundle: PathBuf,
        #[command(flatten)]
        trust: Trust,
        /// The instrument identity file (TOML).
        #[arg(long, value_name = "ID.toml")]
        instrument: PathBuf,
        /// The instrument's software root, where files are installed.
        #[arg(long, value_name = "DIR")]
        root: PathBuf,
        /// The verifier's state directory on the instrument (backups, records).
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// Verify everything and show what would change, but change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Apply the release with the highest applied sequence again (never an older one).
        #[arg(long)]
        reinstall: bool,
        /// Confirm a step the release requires (e.g. `--confirm backup`); repeat for each.
        #[arg(long = "confirm", value_name = "ID")]
        confirm: Vec<String>,
        /// Also copy the files the install replaces into this directory (e.g. the USB stick).
        #[arg(long, value_name = "DIR")]
        backup_to: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Restore the tree as it was before the last install into DIR.
    Rollback {
        #[arg(long, value_name = "DIR")]
        root: PathBuf,
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// Show what would be rolled back, but change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
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
    Report {
        /// Folder of receipts (`receipts export` from many instruments; searched recursively).
        #[arg(long, value_name = "DIR")]
        receipts: PathBuf,
        /// Device registry (TOML): serial, model, UDI-DI, company, modes, device key.
        #[arg(long, value_name = "FLEET.toml")]
        registry: PathBuf,
        /// Release ID, or a bundle file whose release ID to use.
        #[arg(long, value_name = "RELEASE_ID|BUNDLE")]
        release: String,
        #[arg(long, group = "format")]
        json: bool,
        #[arg(long, group = "format")]
        csv: bool,
        /// The notice's verification form, filled from the evidence (language: --lang).
        #[arg(long, group = "format", value_name = "html|md", value_parser = ["html", "md"])]
        form: Option<String>,
    },
    /// Compare the root with the signed manifests of what was installed.
    CheckInstalled {
        /// With --trust-root or --trusted-key, also judge the stored
        /// signatures of what was installed (revocations, expiry, scope).
        #[command(flatten)]
        trust: Trust,
        #[arg(long, value_name = "DIR")]
        root: PathBuf,
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// List the bundles on a mounted stick and whether each applies here.
    Scan {
        dir: PathBuf,
        #[command(flatten)]
        trust: Trust,
        #[arg(long, value_name = "ID.toml")]
        instrument: PathBuf,
        /// The state directory, to also tell bundles already applied or older.
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DeviceCmd {
    /// Create the device key (once); prints its key ID and public key.
    Init {
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Print the device public key (SPKI PEM) alone.
    Pubkey {
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
    },
}

#[derive(Subcommand)]
enum ReceiptsCmd {
    /// Copy every receipt and the device public key to DIR (e.g. the USB stick).
    Export {
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

/// How a command ended: success, a plain error, or an apply refusal with its receipt.
enum Failure {
    Plain(Error),
    Apply(Box<ApplyError>),
    /// Ran fine but found a problem (check-installed); the code to exit with.
    Found(ExitClass),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Plain(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands that only read may end quietly when their output is cut off
    // (`report ... | head`), as other Unix tools do; commands that change
    // state keep ignoring SIGPIPE, so a closed pipe never interrupts them.
    if matches!(
        cli.cmd,
        Cmd::Completions { .. }
            | Cmd::Manpage
            | Cmd::Verify { .. }
            | Cmd::Inspect { .. }
            | Cmd::Report { .. }
            | Cmd::CheckInstalled { .. }
            | Cmd::Scan { .. }
    ) {
        bundle_verifier::platform::default_sigpipe();
    }
    let lang = cli.lang.unwrap_or_else(Lang::from_env);
    let (json, result) = run(cli.cmd, lang);
    let (e, receipt) = match result {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Failure::Found(class)) => return ExitCode::from(class as u8),
        Err(Failure::Plain(e)) => (e, None),
        Err(Failure::Apply(a)) => {
            if let Some(r) = &a.recovered {
                eprintln!("{}", recovered(lang, r));
            }
            (a.error, a.receipt)
        }
    };
    let code = e.class() as u8;
    if json {
        let v = serde_json::json!({
            "ok": false, "exit_code": code, "error": e.to_string(), "hint": e.hint(),
            "receipt": receipt,
        });
        println!("{v}");
    }
    eprintln!(
        "{}: {}\n  {}",
        lang.error_prefix(),
        lang.error(&e),
        lang.hint(&e)
    );
    if let Some(r) = receipt {
        eprintln!("{}", lang.refusal_receipt(&r.display().to_string()));
    }
    ExitCode::from(code)
}

fn recovered(lang: Lang, r: &Recovered) -> String {
    let kind = match r.kind {
        bundle_verifier::instrument::journal::Kind::Install => "install",
        bundle_verifier::instrument::journal::Kind::Rollback => "rollback",
    };
    lang.recovered(
        r.outcome,
        kind,
        &release_name(lang, &r.release),
        &r.root.display().to_string(),
    )
}

fn release_name(lang: Lang, r: &ReleaseRef) -> String {
    lang.release_name(&r.id, &r.version, r.sequence)
}

/// The technician at the terminal: a progress bar, and prompts for confirmations.
struct Terminal {
    bar: indicatif::ProgressBar,
    lang: Lang,
}

impl Ui for Terminal {
    fn progress(&self, n: u64) {
        self.bar.inc(n)
    }

    fn ask(&self, step: &Confirm) -> Option<bool> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        let answer = self.bar.suspend(|| {
            eprint!("{}", self.lang.confirm_prompt(step));
            let _ = std::io::stderr().flush();
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map(|_| line)
        });
        Some(answer.is_ok_and(|a| self.lang.is_yes(&a)))
    }
}

fn print_json(v: &impl Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("reports serialise")
    );
}

/// A progress bar on stderr for a terminal; nothing otherwise.
fn progress_bar(bundle: &std::path::Path) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let len = std::fs::metadata(bundle).map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message("checking");
    bar
}

fn run(cmd: Cmd, lang: Lang) -> (bool, Result<(), Failure>) {
    let limits = Limits::default();
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
                    .map_err(|e| Error::io("cannot write", "standard output")(e).into()),
            )
        }
        Cmd::Verify {
            bundle,
            trust,
            deep,
            json,
        } => {
            let r = (|| -> Result<_, Error> {
                let trust = trust.load(None)?;
                let bar = progress_bar(&bundle);
                let r = verify(&bundle, &trust, &VerifyOptions { limits, deep }, &|n| {
                    bar.inc(n)
                });
                bar.finish_and_clear();
                r
            })();
            let now = bundle_verifier::instrument::state::now_rfc3339();
            match r {
                Ok(r) if json => print_json(&VerifyRecord::new(&r, now)),
                Ok(r) => print_verified(lang, &r),
                // The error record replaces the generic error object.
                Err(e) if json => {
                    print_json(&ErrorRecord::new(&bundle, &e, now));
                    return (false, Err(e.into()));
                }
                Err(e) => return (false, Err(e.into())),
            }
            (json, Ok(()))
        }
        Cmd::Inspect { bundle, json } => {
            (
                json,
                (|| -> Result<(), Failure> {
                    let i = inspect(&bundle, &limits)?;
                    if json {
                        print_json(&i);
                    } else {
                        println!("{}", lang.unverified());
                        let r = &i.manifest.release;
                        println!(
                            "  release   {} {} (sequence {}): {}",
                            r.id, r.version, r.sequence, r.title
                        );
                        if !r.notes.is_empty() {
                            println!("  notes     {}", r.notes);
                        }
                        println!("  claims signatures by {}", ids(&i.signed_by));
                        if !i.trust_roots.is_empty() {
                            let v: Vec<String> =
                                i.trust_roots.iter().map(|v| v.to_string()).collect();
                            println!("  carries trust root versions {}", v.join(", "));
                        }
                        println!("  manifest  sha256 {}", i.manifest_sha256);
                        for t in &i.manifest.targets {
                            println!(
                        "  target    {} / {} (UDI-DI {}; catalog {}; requires {}): {} files",
                        t.model, t.mode, t.udi_di.join(", "), t.catalog.join(", "),
                        t.requires_version.as_deref().unwrap_or("any version"), t.files.len()
                    );
                        }
                        if let Some(s) = &i.sbom {
                            print_sbom(s);
                        }
                    }
                    Ok(())
                })(),
            )
        }
        Cmd::Extract {
            bundle,
            trust,
            model,
            mode,
            out,
            sbom,
            json,
        } => (
            json,
            (|| -> Result<(), Failure> {
                let trust = trust.load(None)?;
                if let Some(file) = sbom {
                    let r = extract_sbom(&bundle, &trust, &file, &limits)?;
                    if json {
                        print_json(&serde_json::json!({"ok": true, "sbom": r}));
                    } else {
                        println!(
                            "{}",
                            lang.sbom_extracted(
                                &format!("{} {}", r.sbom.format.name(), r.sbom.spec_version),
                                r.sbom.components.len(),
                                &r.out.display().to_string()
                            )
                        );
                    }
                    if model.is_none() {
                        return Ok(());
                    }
                }
                let (Some(model), Some(mode), Some(out)) = (model, mode, out) else {
                    unreachable!("clap requires --model, --mode and --out together")
                };
                let bar = progress_bar(&bundle);
                let r = extract(&bundle, &trust, &model, &mode, &out, &limits, &|n| {
                    bar.inc(n)
                });
                bar.finish_and_clear();
                let r = r?;
                if json {
                    print_json(&serde_json::json!({"ok": true, "extracted": r}));
                } else {
                    println!(
                        "{}",
                        lang.extracted(r.files, &r.model, &r.mode, &r.out.display().to_string())
                    );
                }
                Ok(())
            })(),
        ),
        Cmd::Trust(TrustCmd::Show { root, json }) => {
            (json, trust_show(&root, json).map_err(Failure::from))
        }
        Cmd::Apply {
            bundle,
            trust,
            instrument,
            root,
            state,
            dry_run,
            reinstall,
            confirm,
            backup_to,
            json,
        } => (
            json,
            (|| -> Result<(), Failure> {
                let trust = trust.load(Some(&state))?;
                let identity = Identity::load(&instrument)?;
                let ui = Terminal {
                    bar: progress_bar(&bundle),
                    lang,
                };
                let opts = ApplyOptions {
                    limits,
                    dry_run,
                    reinstall,
                    confirmed: confirm,
                    backup_to,
                };
                let r = apply(&bundle, &trust, &identity, &root, &state, &opts, &ui);
                ui.bar.finish_and_clear();
                let r = r.map_err(Failure::Apply)?;
                if json {
                    print_json(&serde_json::json!({"ok": true, "applied": r}));
                } else {
                    print_apply(lang, &r);
                }
                Ok(())
            })(),
        ),
        Cmd::Rollback {
            root,
            state,
            dry_run,
            json,
        } => (
            json,
            (|| -> Result<(), Failure> {
                let r = bundle_verifier::instrument::rollback::rollback(&root, &state, dry_run)?;
                if let Some(rec) = &r.recovered {
                    eprintln!("{}", recovered(lang, rec));
                }
                if json {
                    print_json(&serde_json::json!({"ok": true, "rollback": r}));
                    return Ok(());
                }
                let name = release_name(lang, &r.rolled_back);
                if dry_run {
                    println!("{}", lang.rollback_dry_run(&name, &r.mode, r.files));
                } else {
                    println!("{}", lang.rolled_back(&name, &r.mode, r.files));
                }
                println!(
                    "{}",
                    lang.installed_now(
                        r.installed_now
                            .as_ref()
                            .map(|x| release_name(lang, x))
                            .as_deref()
                    )
                );
                if let Some(p) = &r.receipt {
                    println!("{}", lang.receipt(&p.display().to_string()));
                }
                Ok(())
            })(),
        ),
        Cmd::Device { cmd } => match cmd {
            DeviceCmd::Init { state, json } => (
                json,
                (|| -> Result<(), Failure> {
                    let state = StateDir::open(&state)?;
                    if state.device_key_path().exists() {
                        let (k, _) = state.device_key(false)?;
                        return Err(Error::Config(format!(
                            "this instrument already has device key {}; it is never replaced. Show it with `bundle-verifier device pubkey`",
                            k.key_id()
                        ))
                        .into());
                    }
                    let (k, _) = state.device_key(true)?;
                    let pem = k.public_key().to_pem();
                    if json {
                        print_json(&serde_json::json!({
                            "ok": true, "key_id": k.key_id(), "public_key": pem,
                            "public_key_file": state.device_pub_path(),
                        }));
                    } else {
                        println!("{}", lang.device_created(k.key_id().as_str()));
                        print!("{pem}");
                    }
                    Ok(())
                })(),
            ),
            DeviceCmd::Pubkey { state } => (
                false,
                (|| -> Result<(), Failure> {
                    let state = StateDir::open(&state)?;
                    let (k, _) = state.device_key(false)?;
                    print!("{}", k.public_key().to_pem());
                    Ok(())
                })(),
            ),
        },
        Cmd::Receipts {
            cmd: ReceiptsCmd::Export { state, to, json },
        } => (
            json,
            (|| -> Result<(), Failure> {
                let r = bundle_verifier::instrument::receipt::export(&state, &to)?;
                if json {
                    print_json(&serde_json::json!({"ok": true, "exported": r}));
                } else {
                    println!(
                        "{}",
                        lang.exported(r.receipts.len(), &r.to.display().to_string())
                    );
                }
                Ok(())
            })(),
        ),
        Cmd::Report {
            receipts,
            registry,
            release,
            json,
            csv,
            form,
        } => (
            json,
            (|| -> Result<(), Failure> {
                use bundle_verifier::audit::{form, registry::Registry, report};
                let registry = Registry::load(&registry)?;
                // A bundle names its release; its signatures are `verify`'s business.
                let release = if Path::new(&release).is_file() {
                    bundle_verifier::inspect(Path::new(&release), &limits)?
                        .manifest
                        .release
                        .id
                } else {
                    release
                };
                let r = report::report(&receipts, &registry, &release)?;
                match form.as_deref() {
                    Some("html") => print!("{}", form::html(&r, lang)),
                    Some(_) => print!("{}", form::markdown(&r, lang)),
                    None if json => print_json(&r),
                    None if csv => print!("{}", report::to_csv(&r)),
                    None => print!("{}", report::to_table(&r)),
                }
                Ok(())
            })(),
        ),
        Cmd::CheckInstalled {
            trust,
            root,
            state,
            json,
        } => (
            json,
            (|| -> Result<(), Failure> {
                let trust = if trust.trust_root.is_none() && trust.trusted_key.is_empty() {
                    None
                } else {
                    Some(trust.load(None)?)
                };
                let r = bundle_verifier::instrument::check::check_installed(
                    &root,
                    &state,
                    trust.as_ref(),
                )?;
                if let Some(rec) = &r.recovered {
                    eprintln!("{}", recovered(lang, rec));
                }
                if json {
                    print_json(&r);
                } else {
                    println!(
                        "{}",
                        if r.ok {
                            lang.check_ok(r.files_checked)
                        } else {
                            lang.check_differs()
                        }
                    );
                    for i in &r.installed {
                        println!(
                            "{}",
                            lang.check_installed_release(
                                &release_name(lang, &i.release),
                                &i.mode,
                                &i.installed_at
                            )
                        );
                    }
                    for (label, list) in [
                        (lang.check_modified(), &r.modified),
                        (lang.check_missing(), &r.missing),
                        (lang.check_unexpected(), &r.unexpected),
                    ] {
                        for f in list {
                            println!("    {label:11} {f}");
                        }
                    }
                    if !r.ok {
                        println!("{}", lang.check_advice());
                    }
                }
                if r.ok {
                    Ok(())
                } else {
                    Err(Failure::Found(ExitClass::Refused))
                }
            })(),
        ),
        Cmd::Scan {
            dir,
            trust,
            instrument,
            state,
            json,
        } => (
            json,
            (|| -> Result<(), Failure> {
                let trust = trust.load(state.as_deref())?;
                let identity = Identity::load(&instrument)?;
                let found = bundle_verifier::instrument::scan::scan(
                    &dir,
                    &trust,
                    &identity,
                    state.as_deref(),
                    &limits,
                )?;
                if json {
                    print_json(&serde_json::json!({"ok": true, "bundles": found}));
                    return Ok(());
                }
                if found.is_empty() {
                    println!("{}", lang.scan_none(&dir.display().to_string()));
                    return Ok(());
                }
                for e in &found {
                    let file = e.file.strip_prefix(&dir).unwrap_or(&e.file).display();
                    match &e.error {
                        None => {
                            let name = e
                                .release
                                .as_ref()
                                .map(|x| release_name(lang, x))
                                .unwrap_or_default();
                            println!("{}  {file}", lang.scan_applies(&name));
                            if !e.other_modes.is_empty() {
                                println!("{}", lang.other_modes(&e.other_modes.join(", ")));
                            }
                        }
                        Some(err) => {
                            let label = if err.class() == ExitClass::NotApplicable {
                                lang.scan_not_for_this()
                            } else {
                                lang.scan_refused()
                            };
                            println!("{label} {file}\n           {}", lang.error(err));
                        }
                    }
                }
                println!("{}", lang.scan_unverified_payload());
                Ok(())
            })(),
        ),
    }
}

fn print_verified(lang: Lang, r: &VerifyReport) {
    println!("{}", lang.verified(&r.bundle.display().to_string()));
    let rel = r.release();
    println!(
        "  release   {} {} (sequence {}): {}",
        rel.id, rel.version, rel.sequence, rel.title
    );
    print_signatures(lang, &r.signatures);
    println!("  manifest  sha256 {}", r.manifest_sha256);
    let p = &r.manifest.payload;
    println!(
        "  payload   sha256 {} ({} bytes){}",
        p.sha256,
        p.size,
        lang.payload_depth(r.deep)
    );
    for t in r.targets() {
        println!(
            "  target    {} / {}: {} files, {} bytes",
            t.model, t.mode, t.files, t.bytes
        );
    }
    if let Some(s) = &r.sbom {
        print_sbom(s);
    }
}

/// At most this many SBOM components are listed on a terminal; `--json` has all.
const SBOM_SHOWN: usize = 40;

fn print_sbom(s: &SbomSummary) {
    println!(
        "  sbom      {} {}, {} components, sha256 {}",
        s.format.name(),
        s.spec_version,
        s.components.len(),
        s.sha256
    );
    for c in s.components.iter().take(SBOM_SHOWN) {
        println!(
            "            {} {}{}",
            c.name,
            c.version.as_deref().unwrap_or("(no version)"),
            c.purl
                .as_deref()
                .map(|p| format!("  {p}"))
                .unwrap_or_default()
        );
    }
    if s.components.len() > SBOM_SHOWN {
        println!(
            "            ... and {} more (all with --json, or extract --sbom FILE)",
            s.components.len() - SBOM_SHOWN
        );
    }
}

fn print_signatures(lang: Lang, v: &Verified) {
    println!(
        "{}",
        lang.signed_by_under(&ids(&v.counted), v.counted.len(), v.threshold, v.trust_root)
    );
    for s in &v.ignored {
        println!("{}", lang.not_counted(s));
    }
    for n in &v.trust_root_updates {
        println!("{}", lang.trust_root_accepted(*n));
    }
    println!("{}", lang.expiry_judged(&v.judged_on.to_string(), &v.clock));
}

fn trust_show(path: &Path, json: bool) -> Result<(), Error> {
    let doc = read_root_file(path)?;
    let status = TrustedKeys::from_root(doc.clone()).map(|_| ());
    let s = doc.signed();
    if json {
        print_json(&serde_json::json!({
            "ok": true,
            "valid": status.is_ok(),
            "problem": status.as_ref().err().map(|e| e.to_string()),
            "signed_by": doc.file.signatures.iter().map(|s| &s.key_id).collect::<Vec<_>>(),
            "trust_root": s,
        }));
        return Ok(());
    }
    println!(
        "trust root version {} issued {} ({})",
        s.version,
        s.issued,
        path.display()
    );
    match &status {
        Ok(()) => println!(
            "  VALID: signed by at least {} of its root keys",
            s.root_threshold
        ),
        Err(e) => println!("  NOT VALID: {e}"),
    }
    println!(
        "  root keys (any {} of {}):",
        s.root_threshold,
        s.root_keys.len()
    );
    for k in &s.root_keys {
        println!("    {}", k.key_id);
    }
    println!(
        "  release keys (any {} of {}):",
        s.release_threshold,
        s.release_keys.len()
    );
    for k in &s.release_keys {
        println!(
            "    {}  expires {}  models {}",
            k.key_id,
            k.expires.as_ref().map_or("never".into(), |d| d.to_string()),
            k.scope.as_ref().map_or("all".into(), |m| m.join(", "))
        );
    }
    println!("  revoked: {}", ids(&s.revoked));
    println!(
        "  signed by: {}",
        ids(&doc
            .file
            .signatures
            .iter()
            .map(|s| s.key_id.clone())
            .collect::<Vec<_>>())
    );
    Ok(())
}

fn ids(v: &[bundle_keys::KeyId]) -> String {
    if v.is_empty() {
        return "(none)".into();
    }
    v.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

fn print_apply(lang: Lang, r: &ApplyReport) {
    let count = |a: Action| r.changes.iter().filter(|c| c.action == a).count();
    let id = &r.identity;
    if let Some(rec) = &r.recovered {
        println!("{}", recovered(lang, rec));
    }
    let name = lang.release_name(&r.release.id, &r.release.version, r.release.sequence);
    if r.result == "dry-run" {
        println!("{}", lang.dry_run());
    } else {
        let model = match &id.udi_di {
            Some(u) => format!("{} {u}", id.model),
            None => id.model.clone(),
        };
        println!("{}", lang.installed(&name, &model, &id.serial, &id.mode));
    }
    print_signatures(lang, &r.signatures);
    if let Some(b) = &r.installed_before {
        println!("{}", lang.installed_before(&release_name(lang, b)));
    }
    println!(
        "{}",
        lang.counts(
            count(Action::Add),
            count(Action::Replace),
            count(Action::Unchanged)
        )
    );
    for c in &r.changes {
        let verb = match c.action {
            Action::Add => lang.verb_add(),
            Action::Replace => lang.verb_replace(),
            Action::Unchanged => continue,
        };
        println!("    {verb:8} {}", c.path);
    }
    if r.result == "dry-run" {
        for c in &r.release.confirm {
            println!("{}", lang.needs_confirmation(c));
        }
    }
    for c in &r.confirmations {
        println!("{}", lang.confirmed(&c.id, &c.how));
    }
    if let Some(b) = &r.backup {
        println!("{}", lang.backup_kept(&b.display().to_string()));
    }
    if let Some(b) = &r.backup_to {
        println!("{}", lang.backup_copy(&b.display().to_string()));
    }
    if let Some(p) = &r.receipt {
        println!("{}", lang.receipt(&p.display().to_string()));
    }
    if let (true, Some(k)) = (r.device_key_created, &r.device_key) {
        println!("{}", lang.device_key_created(k.as_str()));
    }
    if !r.other_modes.is_empty() {
        println!("{}", lang.other_modes(&r.other_modes.join(", ")));
    }
}
