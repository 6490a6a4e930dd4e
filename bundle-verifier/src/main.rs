//! `bundle-verifier`: the instrument-side and auditor-side command line.
//! Parses, picks the language, dispatches to a command group in `cli/`.

mod cli;

use std::process::ExitCode;

use bundle_verifier::i18n::Lang;
use clap::Parser;

use cli::args::{Cli, Cmd, TrustCmd};
use cli::{audit, instrument, read, report_failure};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands that only read may end quietly when their output is cut off
    // (`report ... | head`), as other tools do; commands that change state
    // keep ignoring SIGPIPE, so a closed pipe never interrupts them.
    if matches!(
        cli.cmd,
        Cmd::Completions { .. }
            | Cmd::Manpage
            | Cmd::Verify(_)
            | Cmd::Inspect(_)
            | Cmd::Report(_)
            | Cmd::CheckInstalled(_)
            | Cmd::Scan(_)
    ) {
        bundle_verifier::platform::default_sigpipe();
    }
    let _console = bundle_verifier::platform::utf8_console();
    let lang = cli.lang.unwrap_or_else(Lang::from_env);
    let (json, result) = match cli.cmd {
        Cmd::Completions { shell } => cli::completions(shell),
        Cmd::Manpage => cli::manpage(),
        Cmd::Verify(a) => read::run_verify(a, lang),
        Cmd::Inspect(a) => read::run_inspect(a, lang),
        Cmd::Extract(a) => read::run_extract(a, lang),
        Cmd::Trust(TrustCmd::Show { root, json }) => read::trust_show(&root, json, lang),
        Cmd::Apply(a) => instrument::run_apply(a, lang),
        Cmd::Rollback(a) => instrument::run_rollback(a, lang),
        Cmd::Device { cmd } => instrument::run_device(cmd, lang),
        Cmd::Receipts { cmd } => instrument::run_receipts(cmd, lang),
        Cmd::CheckInstalled(a) => instrument::run_check_installed(a, lang),
        Cmd::Scan(a) => instrument::run_scan(a, lang),
        Cmd::Report(a) => audit::run_report(a, lang),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => ExitCode::from(report_failure(lang, json, f)),
    }
}
