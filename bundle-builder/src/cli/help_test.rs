//! Every option and argument of every command has help text: `--help` is
//! the first manual a user reads.

use clap::CommandFactory;

/// `command name`: each argument without help, depth first.
fn missing(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for a in cmd.get_arguments() {
        if a.get_help().is_none() && a.get_long_help().is_none() {
            out.push(format!("{path}: {}", a.get_id()));
        }
    }
    for s in cmd.get_subcommands() {
        missing(s, &format!("{path} {}", s.get_name()), out);
    }
}

#[test]
fn every_argument_of_every_command_has_help() {
    let mut cmd = super::Cli::command();
    cmd.build();
    cmd.clone().debug_assert();
    let mut out = Vec::new();
    missing(&cmd, cmd.get_name(), &mut out);
    assert!(
        out.is_empty(),
        "arguments without help:\n{}",
        out.join("\n")
    );
}
