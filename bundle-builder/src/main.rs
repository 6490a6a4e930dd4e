//! `bundle-builder`: the release pipeline's command line. Parses the
//! arguments and hands them to `cli`; reports a failure and its exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use serde_json::json;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let (json, r) = cli::run(cli.cmd);
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
