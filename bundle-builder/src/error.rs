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
    /// Every payload problem of one run (the first [`MAX_PROBLEMS`]), and
    /// how many more there were.
    #[error("{}", problems_text(.0, *.1))]
    Problems(Vec<Problem>, usize),
    #[error("{path} already exists; nothing was written")]
    OutputExists { path: PathBuf },
    #[error("cannot write {out}: its directory {dir} does not exist")]
    OutputDir { out: PathBuf, dir: PathBuf },
    #[error("option {option}: {msg}")]
    Option { option: &'static str, msg: String },
    #[error("passphrase file {path}: {msg}")]
    PassphraseFile { path: PathBuf, msg: String },
    #[error("{bundle} is already signed by key {key}; nothing was changed")]
    AlreadySigned {
        bundle: PathBuf,
        key: bundle_keys::KeyId,
    },
    #[error("{path}: {msg}")]
    Approval { path: PathBuf, msg: String },
    #[error("a new secret key is encrypted, and no passphrase was given: no --passphrase-file, no BUNDLE_KEY_PASSPHRASE, and no terminal to ask at; nothing was written")]
    NoNewPassphrase,
}

/// The most payload problems reported in one run; the rest are counted.
pub const MAX_PROBLEMS: usize = 50;

/// One thing wrong in a payload folder, and what to do about it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Problem {
    pub path: PathBuf,
    pub error: String,
    pub hint: String,
}

impl Problem {
    pub fn new(path: &std::path::Path, error: impl Into<String>, hint: impl Into<String>) -> Self {
        Problem {
            path: path.to_owned(),
            error: error.into(),
            hint: hint.into(),
        }
    }
}

/// Collects problems up to [`MAX_PROBLEMS`], counting the rest.
#[derive(Debug, Default)]
pub struct Problems {
    pub list: Vec<Problem>,
    pub more: usize,
}

impl Problems {
    pub fn push(&mut self, p: Problem) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(p);
        } else {
            self.more += 1;
        }
    }

    /// `Ok` when there was none.
    pub fn into_result(self) -> Result<(), BuildError> {
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(BuildError::Problems(self.list, self.more))
        }
    }
}

fn problems_text(list: &[Problem], more: usize) -> String {
    let total = list.len() + more;
    let mut s = format!(
        "{total} problem{} in the payload; nothing was written",
        if total == 1 { "" } else { "s" }
    );
    for p in list {
        // The path is shown escaped: a payload file name may hold
        // characters that would act on the terminal.
        s.push_str(&format!(
            "\n  {}: {}\n    hint: {}",
            bundle_verifier::i18n::visible(&p.path.display().to_string()),
            p.error,
            p.hint
        ));
    }
    if more > 0 {
        s.push_str(&format!("\n  and {more} more"));
    }
    s
}

/// Words a failed bounded read (`read_at_most`) of a file whose limit is
/// `limit`; the caller's error names the file. `io` says what failed
/// ("cannot read").
pub fn read_error(io: &str, e: ReadError, limit: u64) -> String {
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
            | BuildError::Usage(_)
            | BuildError::Problems(..)
            | BuildError::OutputExists { .. }
            | BuildError::OutputDir { .. }
            | BuildError::Option { .. }
            | BuildError::PassphraseFile { .. }
            | BuildError::AlreadySigned { .. }
            | BuildError::Approval { .. }
            | BuildError::NoNewPassphrase => 2,
            BuildError::Bundle(e) => e.class() as i32,
            BuildError::Io { .. } | BuildError::SelfCheck(_) | BuildError::PayloadCheck(_) => 1,
        }
    }
}

impl BuildError {
    /// What the user can do about it, one line; every error has one.
    pub fn hint(&self) -> String {
        use bundle_keys::KeyError as K;
        match self {
            BuildError::Spec { .. } => {
                "fix the release spec; docs/FORMAT.md section 10 lists every key and its rules".into()
            }
            BuildError::Payload { .. } => {
                "fix the payload folder named, then build again (`build --check` checks without a key)".into()
            }
            BuildError::Problems(..) => {
                "fix each file named (each line has its own hint), then run `bundle-builder build --check` again".into()
            }
            BuildError::Sbom { .. } => {
                "give a CycloneDX or SPDX 2 JSON file with --sbom or `sbom` in the spec's [release]".into()
            }
            BuildError::Key(K::InKeyFile { source, .. })
                if !matches!(**source, K::NeedPassphrase | K::WrongPassphrase) =>
            {
                "give a secret key file in PKCS#8 PEM as `bundle-builder keygen` writes it".into()
            }
            BuildError::Key(K::NeedPassphrase) | BuildError::Key(K::InKeyFile { .. }) => {
                "give --passphrase-file FILE or set BUNDLE_KEY_PASSPHRASE; at a terminal the passphrase is asked for".into()
            }
            BuildError::Key(K::Exists { .. }) => {
                "choose another name, or move the existing file away first".into()
            }
            BuildError::Key(K::Token(_)) => {
                "check --pkcs11-module, the token and key labels, and BUNDLE_PKCS11_PIN".into()
            }
            BuildError::Key(_) => "check the key file named; `bundle-builder keyid FILE` shows which key a file holds".into(),
            BuildError::Io { .. } => "check that the path exists and that you may read and write there".into(),
            BuildError::SelfCheck(_) | BuildError::PayloadCheck(_) => {
                "build again; if it persists, report it with the command that was run".into()
            }
            BuildError::Bundle(e) => e.hint(),
            BuildError::TrustRoot(_) => {
                "check the trust roots given with --include-root (`bundle-verifier trust show ROOT.json`)".into()
            }
            BuildError::Usage(_) | BuildError::Option { .. } => {
                "see `bundle-builder help` and the command's --help".into()
            }
            BuildError::OutputExists { .. } => {
                "choose another --out, or give `build` --force to replace it; a bundle built again loses every signature added to it with `cosign` or `attach`, which add a signature without building again".into()
            }
            BuildError::OutputDir { dir, .. } => {
                format!("create {} first, or write elsewhere", dir.display())
            }
            BuildError::PassphraseFile { .. } => {
                "give a file whose first line is the passphrase, or set BUNDLE_KEY_PASSPHRASE".into()
            }
            BuildError::AlreadySigned { .. } => {
                "a key counts once; sign with another release key for a further signature".into()
            }
            BuildError::NoNewPassphrase => {
                "give --passphrase-file FILE or set BUNDLE_KEY_PASSPHRASE, run it at a terminal to be asked, or give --unencrypted for a plain key".into()
            }
            BuildError::Approval { .. } => {
                "make the approval again with `bundle-builder sign-manifest` from this bundle's `bundle-builder manifest` output".into()
            }
        }
    }
}
