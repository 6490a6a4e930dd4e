//! `bundle-verifier`: the instrument-side and auditor-side command line.
//! Only wiring and printing here; the work is in the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bundle_verifier::install::{apply, Action, ApplyOptions, ApplyReport};
use bundle_verifier::trust::read_root_file;
use bundle_verifier::{
    extract, inspect, verify, Error, Identity, Limits, TrustedKeys, Verified, VerifyOptions,
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
    #[command(subcommand)]
    cmd: Cmd,
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
    /// Verify and write one target's files into a new directory.
    Extract {
        bundle: PathBuf,
        #[command(flatten)]
        trust: Trust,
        #[arg(long)]
        model: String,
        #[arg(long)]
        mode: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
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
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (json, result) = run(cli.cmd);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.class() as u8;
            if json {
                let v = serde_json::json!({
                    "ok": false, "exit_code": code, "error": e.to_string(), "hint": e.hint(),
                });
                println!("{v}");
            }
            eprintln!("error: {e}\n  {}", e.hint());
            ExitCode::from(code)
        }
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

fn run(cmd: Cmd) -> (bool, Result<(), Error>) {
    let limits = Limits::default();
    match cmd {
        Cmd::Verify {
            bundle,
            trust,
            deep,
            json,
        } => (
            json,
            (|| {
                let trust = trust.load(None)?;
                let bar = progress_bar(&bundle);
                let r = verify(&bundle, &trust, &VerifyOptions { limits, deep }, &|n| {
                    bar.inc(n)
                });
                bar.finish_and_clear();
                let r = r?;
                if json {
                    print_json(&serde_json::json!({"ok": true, "verified": r}));
                } else {
                    println!("OK: {} is authentic and intact.", bundle.display());
                    println!(
                        "  release   {} {} (sequence {}): {}",
                        r.release.id, r.release.version, r.release.sequence, r.release.title
                    );
                    print_signatures(&r.signatures);
                    println!("  manifest  sha256 {}", r.manifest_sha256);
                    println!(
                        "  payload   sha256 {} ({} bytes){}",
                        r.payload_sha256,
                        r.payload_size,
                        if r.deep { ", every file checked" } else { "" }
                    );
                    for t in &r.targets {
                        println!(
                            "  target    {} / {}: {} files, {} bytes",
                            t.model, t.mode, t.files, t.bytes
                        );
                    }
                }
                Ok(())
            })(),
        ),
        Cmd::Inspect { bundle, json } => {
            (
                json,
                (|| {
                    let i = inspect(&bundle, &limits)?;
                    if json {
                        print_json(&i);
                    } else {
                        println!("{}", i.warning);
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
            json,
        } => (
            json,
            (|| {
                let trust = trust.load(None)?;
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
                        "OK: extracted {} files of {} / {} into {}",
                        r.files,
                        r.model,
                        r.mode,
                        r.out.display()
                    );
                }
                Ok(())
            })(),
        ),
        Cmd::Trust(TrustCmd::Show { root, json }) => (json, trust_show(&root, json)),
        Cmd::Apply {
            bundle,
            trust,
            instrument,
            root,
            state,
            dry_run,
            json,
        } => (
            json,
            (|| {
                let trust = trust.load(Some(&state))?;
                let identity = Identity::load(&instrument)?;
                let bar = progress_bar(&bundle);
                let opts = ApplyOptions { limits, dry_run };
                let r = apply(&bundle, &trust, &identity, &root, &state, &opts, &|n| {
                    bar.inc(n)
                });
                bar.finish_and_clear();
                let r = r?;
                if json {
                    print_json(&serde_json::json!({"ok": true, "applied": r}));
                } else {
                    print_apply(&r);
                }
                Ok(())
            })(),
        ),
    }
}

fn print_signatures(v: &Verified) {
    let by = match v.trust_root {
        Some(n) => format!("trust root version {n}"),
        None => "the trusted keys given".into(),
    };
    println!(
        "  signed by {} ({} of {} needed under {by})",
        ids(&v.counted),
        v.counted.len(),
        v.threshold
    );
    for s in &v.ignored {
        println!("  not counted: signature by {}: {}", s.key_id, s.reason);
    }
    for n in &v.trust_root_updates {
        println!("  trust root version {n} carried by the bundle was accepted");
    }
    println!("  expiry judged on {} ({})", v.judged_on, v.clock);
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

fn print_apply(r: &ApplyReport) {
    let count = |a: Action| r.changes.iter().filter(|c| c.action == a).count();
    let id = &r.identity;
    if r.result == "dry-run" {
        println!("DRY RUN: the bundle is authentic and fits this instrument; nothing was changed.");
    } else {
        println!(
            "INSTALLED: {} {} on {} {} (serial {}), mode {}.",
            r.release.id,
            r.release.version,
            id.model,
            id.udi_di.as_deref().unwrap_or(""),
            id.serial,
            id.mode
        );
    }
    print_signatures(&r.signatures);
    println!(
        "  {} files added, {} replaced, {} already up to date",
        count(Action::Add),
        count(Action::Replace),
        count(Action::Unchanged)
    );
    for c in &r.changes {
        let verb = match c.action {
            Action::Add => "add",
            Action::Replace => "replace",
            Action::Unchanged => continue,
        };
        println!("    {verb:8} {}", c.path);
    }
    if let Some(b) = &r.backup {
        println!("  replaced files are kept in {}", b.display());
    }
    if !r.other_modes.is_empty() {
        println!(
            "  REMINDER: this instrument also boots in mode {}. Start it in that mode and apply this bundle there too.",
            r.other_modes.join(", ")
        );
    }
}
