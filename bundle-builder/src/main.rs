//! `bundle-builder`: the release pipeline's command line. Parses the
//! arguments and hands them to `cli`; reports a failure and its exit code.

mod cli;

use std::process::ExitCode;

use bundle_builder::BuildError;
use clap::error::ErrorKind;
use clap::Parser;
use cli::out::outln;
use serde_json::json;

fn main() -> ExitCode {
    bundle_builder::keep_heap_lean();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => usage_error(e),
    };
    let (json, r) = cli::run(cli.cmd);
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            let hint = e.hint();
            if json {
                let mut v =
                    json!({"ok": false, "exit_code": code, "error": e.to_string(), "hint": hint});
                if let BuildError::Problems(list, more) = &e {
                    v["problems"] = json!(list);
                    v["more_problems"] = json!(more);
                }
                outln!("{v}");
            }
            eprintln!("error: {e}");
            eprintln!("hint: {hint}");
            ExitCode::from(code as u8)
        }
    }
}

/// A command line clap refused: with `--json` among the arguments, the
/// JSON error object too (with its hint), as for every other error.
fn usage_error(e: clap::Error) -> ! {
    let informational = matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !informational && std::env::args_os().any(|a| a == "--json") {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        let error = first.strip_prefix("error: ").unwrap_or(first);
        outln!(
            "{}",
            json!({"ok": false, "exit_code": 2, "error": error, "hint": "see the command's --help"})
        );
    }
    e.exit()
}
