use std::path::PathBuf;

use bundle_verifier::format::read::ReadError;

/// Why a build did not produce a bundle.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("release spec {path}: {msg}")]
    Spec { path: PathBuf, msg: String },
    /// The path is shown escaped: a payload file name may hold characters
    /// that would act on the terminal (it is refused for exactly that).
    #[error("payload {}: {msg}", bundle_verifier::i18n::visible(&.path.display().to_string()))]
    Payload { path: PathBuf, msg: String },
    #[error("SBOM {path}: {msg}")]
    Sbom { path: PathBuf, msg: String },
    #[error(transparent)]
    Key(#[from] bundle_keys::KeyError),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the bundle just written does not verify ({0}); this is a bug, please report it")]
    SelfCheck(bundle_verifier::Error),
    #[error("{0}")]
    Bundle(bundle_verifier::Error),
    #[error("trust root: {0}")]
    TrustRoot(String),
    #[error("{0}")]
    Usage(String),
    #[error("the compressed payload failed its check ({0}): a payload file probably changed while the bundle was being built; build again (if it persists, this is a bug, please report it)")]
    PayloadCheck(bundle_verifier::Error),
}

/// Words a failed bounded read (`read_at_most`) of a file whose limit is
/// `limit`; the caller's error names the file. `io` says what failed
/// ("cannot read").
pub(crate) fn read_error(io: &str, e: ReadError, limit: u64) -> String {
    match e {
        ReadError::Io(e) => format!("{io}: {e}"),
        ReadError::NotARegularFile => format!(
            "is not a regular file (it is a device, a pipe or a directory); only a regular file of at most {limit} bytes is read"
        ),
        ReadError::TooLarge => {
            format!("is larger than {limit} bytes, the most accepted; it was not read")
        }
    }
}

impl BuildError {
    pub fn io(
        what: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> BuildError {
        let path = path.into();
        move |source| BuildError::Io { what, path, source }
    }

    /// 2 for anything the user can fix in the inputs, 3 for a refused input bundle, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            BuildError::Spec { .. }
            | BuildError::Payload { .. }
            | BuildError::Sbom { .. }
            | BuildError::Key(_)
            | BuildError::TrustRoot(_)
            | BuildError::Usage(_) => 2,
            BuildError::Bundle(e) => e.class() as i32,
            BuildError::Io { .. } | BuildError::SelfCheck(_) | BuildError::PayloadCheck(_) => 1,
        }
    }
}
