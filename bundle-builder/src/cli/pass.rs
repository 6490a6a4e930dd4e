//! Passphrases of encrypted key files: from `--passphrase-file`, from
//! `BUNDLE_KEY_PASSPHRASE`, or asked for without echo, but only when
//! standard input is a terminal (never in a pipeline, which would wait).

use std::io::IsTerminal;
use std::path::Path;

use bundle_builder::BuildError;
use bundle_keys::signing::{FileKey, Passphrase};
use bundle_keys::KeyError;

/// `--passphrase-file` if given (a missing or unreadable file is said to
/// be so), else `BUNDLE_KEY_PASSPHRASE` if set.
pub fn given(file: Option<&Path>) -> Result<Option<Passphrase>, BuildError> {
    let Some(path) = file else {
        return Passphrase::from_file_or_env(None).map_err(BuildError::Key);
    };
    Passphrase::from_file(path).map(Some).map_err(|e| {
        let msg = match e {
            KeyError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                "does not exist".to_owned()
            }
            KeyError::Read { source, .. } => format!("cannot read it: {source}"),
            KeyError::EmptyPassphrase => "its first line is empty".to_owned(),
            KeyError::TooLarge { limit, .. } | KeyError::NotARegularFile { limit, .. } => {
                format!("is not a regular file of at most {limit} bytes")
            }
            e => e.to_string(),
        };
        BuildError::PassphraseFile {
            path: path.to_owned(),
            msg,
        }
    })
}

/// Whether a passphrase may be asked for.
pub fn at_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks for a passphrase without echo.
pub fn ask(prompt: &str) -> Result<Passphrase, BuildError> {
    let s = rpassword::prompt_password(prompt).map_err(BuildError::io(
        "cannot read the passphrase from",
        "the terminal",
    ))?;
    Passphrase::new(s).map_err(BuildError::Key)
}

/// A new key's passphrase: given, or asked for twice at a terminal.
/// `None` only when neither, so the caller can refuse or write plain.
pub fn new_key(file: Option<&Path>) -> Result<Option<Passphrase>, BuildError> {
    if let Some(p) = given(file)? {
        return Ok(Some(p));
    }
    if !at_terminal() {
        return Ok(None);
    }
    let p = ask("Passphrase for the new key: ")?;
    let again = ask("The same passphrase again: ")?;
    if !p.matches(&again) {
        return Err(BuildError::Usage(
            "the two passphrases differ; nothing was written".into(),
        ));
    }
    Ok(Some(p))
}

/// Reads a key file; an encrypted one without a passphrase given is
/// decrypted with one asked for, at a terminal.
pub fn read_key(path: &Path, file: Option<&Path>) -> Result<FileKey, BuildError> {
    let pass = given(file)?;
    match FileKey::read_pem_file_with(path, pass.as_ref()) {
        Err(KeyError::InKeyFile { source, .. })
            if matches!(*source, KeyError::NeedPassphrase) && at_terminal() =>
        {
            let p = ask(&format!("Passphrase for {}: ", path.display()))?;
            Ok(FileKey::read_pem_file_with(path, Some(&p))?)
        }
        r => Ok(r?),
    }
}
