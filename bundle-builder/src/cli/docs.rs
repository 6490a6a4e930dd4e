//! Hidden commands that print the command line's own documentation:
//! shell completions and the man page, both from the clap definitions.

use bundle_builder::BuildError;
use clap::CommandFactory;

use super::Cli;

pub fn completions(shell: clap_complete::Shell) -> Result<(), BuildError> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_owned();
    clap_complete::generate(shell, &mut cmd, name, &mut super::out::Stdout);
    Ok(())
}

pub fn manpage() -> Result<(), BuildError> {
    let man = clap_mangen::Man::new(Cli::command());
    man.render(&mut super::out::Stdout)
        .map_err(|e| BuildError::io("cannot write", "standard output")(e))
}
