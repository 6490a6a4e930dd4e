//! The command line: what each command takes (clap), and what the command
//! groups share: how a command ends, printing, the progress bar, prompts.
//! Handlers live one file per group; none does work the library could do.

pub mod args;
pub mod audit;
pub mod config;
#[cfg(test)]
mod help_test;
pub mod instrument;
pub mod out;
pub mod progress;
pub mod read;
pub mod summary;
pub mod usb;

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use bundle_verifier::format::manifest::Confirm;
use bundle_verifier::i18n::{fl, Lang};
use bundle_verifier::instrument::install::{ApplyError, Step, Ui};
use bundle_verifier::instrument::journal::{Kind, Recovered};
use bundle_verifier::instrument::receipt::ReleaseRef;
use bundle_verifier::{Error, ExitClass};
use serde::Serialize;

use out::outln;

/// How a command ended: `json` says whether it printed JSON.
pub type Outcome = (bool, Result<(), Failure>);

/// Why a command did not succeed.
pub enum Failure {
    Plain(Error),
    /// An apply refusal or failure, with its receipt.
    Apply(Box<ApplyError>),
    /// Ran fine but found a problem (check-installed); the code to exit with.
    Found(ExitClass),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Plain(e)
    }
}

/// Prints how a command failed (in `lang`, and as JSON when asked) and
/// returns the exit code.
pub fn report_failure(lang: Lang, json: bool, failure: Failure) -> u8 {
    let (e, receipt, recovered_first) = match failure {
        Failure::Found(class) => return class as u8,
        Failure::Plain(e) => (e, None, None),
        Failure::Apply(a) => {
            announce(lang, a.recovered.as_ref());
            (a.error, a.receipt, a.recovered)
        }
    };
    let code = e.class() as u8;
    if json {
        let mut v = serde_json::json!({
            "ok": false, "exit_code": code, "error": e.to_string(), "hint": e.hint(),
            "receipt": receipt,
        });
        if let Some(r) = recovered_first {
            v["recovered"] = serde_json::json!(r);
        }
        outln!("{v}");
    }
    eprintln!(
        "{}: {}\n  {}",
        fl!(lang, "error-prefix"),
        e.text(lang),
        e.hint_in(lang)
    );
    if let Some(r) = receipt {
        eprintln!("  {}", fl!(lang, "refusal-receipt", path = &r));
    }
    code
}

/// Says on stderr, in one line, what recovery did before the command ran
/// (stdout stays the command's own output: one JSON object with `--json`,
/// where the same is the field `recovered`).
pub fn announce(lang: Lang, r: Option<&Recovered>) {
    if let Some(r) = r {
        eprintln!("{}", recovered(lang, r));
    }
}

pub fn recovered(lang: Lang, r: &Recovered) -> String {
    let release = release_name(lang, &r.release);
    let root = &r.root;
    match (r.kind, r.outcome) {
        (Kind::Install, "completed") => {
            fl!(
                lang,
                "recovered-install-completed",
                release = release,
                root = root
            )
        }
        (Kind::Install, _) => fl!(
            lang,
            "recovered-install-undone",
            release = release,
            root = root
        ),
        (Kind::Rollback, "completed") => {
            fl!(
                lang,
                "recovered-rollback-completed",
                release = release,
                root = root
            )
        }
        (Kind::Rollback, _) => {
            fl!(
                lang,
                "recovered-rollback-undone",
                release = release,
                root = root
            )
        }
    }
}

pub fn release_name(lang: Lang, r: &ReleaseRef) -> String {
    name(lang, &r.id, &r.version, r.sequence)
}

pub fn name(lang: Lang, id: &str, version: &str, sequence: u64) -> String {
    fl!(
        lang,
        "release-name",
        id = id,
        version = version,
        sequence = sequence
    )
}

/// A labelled line of `verify` and `inspect`: `  label     text`.
pub fn labelled(label: String, text: String) {
    outln!("  {label:9} {text}");
}

/// The technician at the terminal: a progress bar in phases, and prompts
/// for confirmations.
pub struct Terminal {
    pub progress: progress::Progress,
    pub lang: Lang,
}

impl Terminal {
    pub fn new(lang: Lang) -> Terminal {
        Terminal {
            progress: progress::Progress::new(lang),
            lang,
        }
    }
}

impl Ui for Terminal {
    fn phase(&self, step: Step, total: u64) {
        self.progress.begin(step, total)
    }

    fn progress(&self, n: u64) {
        self.progress.add(n)
    }

    fn ask(&self, step: &Confirm) -> Option<bool> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        let lang = self.lang;
        let answer = self.progress.suspend(|| {
            let text = step.text_in(lang.tag()).to_owned();
            eprint!(
                "{}",
                fl!(lang, "confirm-prompt", id = &step.id, text = text)
            );
            let _ = std::io::stderr().flush();
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map(|_| line)
        });
        Some(answer.is_ok_and(|a| lang.is_yes(&a)))
    }

    fn show_actions(&self, actions: &[bundle_verifier::format::manifest::InstallAction]) {
        if actions.is_empty() || !std::io::stdin().is_terminal() {
            return;
        }
        let lang = self.lang;
        self.progress.suspend(|| {
            eprintln!("{}", fl!(lang, "actions-heading"));
            for line in bundle_verifier::instrument::actions::describe(lang, actions) {
                eprintln!("  {line}");
            }
        });
    }
}

pub fn print_json(v: &impl Serialize) {
    // Written as it is serialised: the record of a release of 5 × 100,000
    // files is 120 MB of text, never held.
    let mut w = std::io::BufWriter::with_capacity(64 << 10, out::Stdout);
    let _ = serde_json::to_writer_pretty(&mut w, v)
        .map_err(std::io::Error::from)
        .and_then(|()| w.write_all(b"\n"))
        .and_then(|()| w.flush());
}

/// A progress bar on stderr for a terminal; nothing otherwise.
pub fn progress_bar(bundle: &Path, label: String) -> indicatif::ProgressBar {
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
    bar.set_message(label);
    bar
}

/// Adds "volume N of M" to the bar's message while a split bundle is read
/// (FORMAT.md 1.3), and makes its length that of every volume together.
pub fn show_volumes(
    bar: &indicatif::ProgressBar,
    lang: Lang,
) -> bundle_verifier::format::volumes::ObserverGuard {
    let bar = bar.clone();
    let label = bar.message();
    bundle_verifier::format::volumes::observe(move |at| {
        bar.set_length(at.total);
        let n = at.index as u64;
        let count = at.count as u64;
        bar.set_message(format!(
            "{label} {}",
            fl!(lang, "progress-volume", n = n, count = count)
        ));
    })
}

pub fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut cmd = <args::Cli as clap::CommandFactory>::command();
    let name = cmd.get_name().to_owned();
    clap_complete::generate(shell, &mut cmd, name, &mut out::Stdout);
    (false, Ok(()))
}

pub fn manpage() -> Outcome {
    let man = clap_mangen::Man::new(<args::Cli as clap::CommandFactory>::command());
    let r = man
        .render(&mut out::Stdout)
        .map_err(|e| Error::io("cannot write", "standard output")(e).into());
    (false, r)
}
