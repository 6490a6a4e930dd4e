//! `bundle-builder`: the release pipeline's command line. Parses the
//! arguments and hands them to `cli`; reports a failure and its exit code.

mod cli;

use std::process::ExitCode;

use bundle_builder::BuildError;
use clap::Parser;
use cli::out::outln;
use serde_json::json;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
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
