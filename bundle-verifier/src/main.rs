//! `bundle-verifier`: the instrument-side and auditor-side command line.
//! Parses, picks the language, dispatches to a command group in `cli/`.

mod cli;

use std::process::ExitCode;

use bundle_verifier::i18n::Lang;
use clap::Parser;

use cli::args::{Cli, Cmd, ConfigCmd, TrustCmd};
use cli::{audit, config, instrument, read, report_failure, usb, Failure};

fn main() -> ExitCode {
    bundle_verifier::platform::keep_heap_lean();
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
    // The config file is read for every command (its `lang` counts for all),
    // but only a command that uses its settings fails when it is not valid.
    let settings = config::Settings::load(cli.config.as_deref());
    let lang = cli
        .lang
        .or_else(|| settings.as_ref().ok().and_then(|s| s.lang()))
        .unwrap_or_else(Lang::from_env);
    let uses_config = matches!(
        cli.cmd,
        Cmd::Apply(_)
            | Cmd::Rollback(_)
            | Cmd::Device { .. }
            | Cmd::Receipts { .. }
            | Cmd::CheckInstalled(_)
            | Cmd::Scan(_)
            | Cmd::Usb(_)
            | Cmd::Config { .. }
    );
    let settings = match settings {
        Ok(s) => s,
        Err(e) if uses_config => {
            return ExitCode::from(report_failure(lang, false, Failure::Plain(e)));
        }
        Err(_) => config::Settings { file: None },
    };
    let cfg = &settings;
    let (json, result) = match cli.cmd {
        Cmd::Completions { shell } => cli::completions(shell),
        Cmd::Manpage => cli::manpage(),
        Cmd::Verify(a) => read::run_verify(a, lang),
        Cmd::Inspect(a) => read::run_inspect(a, lang),
        Cmd::Extract(a) => read::run_extract(a, lang),
        Cmd::Trust(TrustCmd::Show { root, json }) => read::trust_show(&root, json, lang),
        Cmd::Apply(a) => instrument::run_apply(a, lang, cfg),
        Cmd::Rollback(a) => instrument::run_rollback(a, lang, cfg),
        Cmd::Device { cmd } => instrument::run_device(cmd, lang, cfg),
        Cmd::Receipts { cmd } => instrument::run_receipts(cmd, lang, cfg),
        Cmd::CheckInstalled(a) => instrument::run_check_installed(a, lang, cfg),
        Cmd::Scan(a) => instrument::run_scan(a, lang, cfg),
        Cmd::Usb(a) => usb::run_usb(a, lang, cfg),
        Cmd::Config {
            cmd: ConfigCmd::Show(a),
        } => config::run_config_show(a, lang, cli.lang.is_some(), cfg),
        Cmd::Report(a) => audit::run_report(a, lang),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => ExitCode::from(report_failure(lang, json, f)),
    }
}
