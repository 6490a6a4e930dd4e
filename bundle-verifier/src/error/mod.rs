//! Typed errors of the reader, each in exactly one exit class; `text.rs`
//! words them in the reader's language.

mod text;

pub use text::input_kind;
#[cfg(test)]
pub(crate) use text::io_id;

use std::path::PathBuf;

use bundle_keys::KeyId;

use crate::format::digest::Sha256Digest;
use crate::format::manifest::{Confirm, ManifestError};
use crate::format::read::InputKind;
use crate::trust::IgnoredSignature;

/// Which install action failed, how, and the end of its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFailure {
    pub phase: &'static str,
    pub kind: &'static str,
    pub target: String,
    pub why: ActionWhy,
    /// The end of its output (untrusted text).
    pub tail: String,
}

/// Why an install action failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionWhy {
    /// It exited with a code it does not accept (`None`: killed by a signal).
    Exit(Option<i32>),
    /// It ran longer than its `timeout_s` and was killed.
    TimedOut(u32),
    /// It could not be started or asked.
    Io(String),
}

/// A file another program holds open, and the programs when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldFile {
    pub path: PathBuf,
    pub holders: Vec<crate::platform::Holder>,
}

/// The documented exit codes (README, "Exit codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitClass {
    /// 1: anything else (local I/O failure, a bug).
    Other = 1,
    /// 2: wrong arguments, unreadable key, identity or trust files.
    Usage = 2,
    /// 3: the bundle is not authentic, damaged or malformed.
    Refused = 3,
    /// 4: authentic, but not for this instrument.
    NotApplicable = 4,
    /// 5: the install failed and the root was restored.
    InstallFailed = 5,
    /// 6: checked, and not as it should be (check-installed found files
    /// that differ). A finding, not an error: no [`Error`] has this class.
    NotAsItShouldBe = 6,
}

/// Every way the reader can fail. The English text comes from the message
/// catalogue (`i18n/en/errors.ftl`), as do the other languages
/// ([`Error::text`], in `text.rs`).
#[derive(Debug, thiserror::Error)]
#[error("{}", self.text(crate::i18n::Lang::ENGLISH))]
pub enum Error {
    Config(String),
    /// The instrument config file is missing (where named) or not valid.
    ConfigFile {
        path: PathBuf,
        problem: crate::instrument::config::ConfigProblem,
    },
    /// A setting neither an option (`flag`) nor the config file (`key`) gives.
    NotSet {
        flag: &'static str,
        key: &'static str,
    },
    /// A file read whole (key, identity, registry, receipt, trust root,
    /// state record) is larger than its limit; it was not read.
    InputTooLarge {
        kind: InputKind,
        path: PathBuf,
        limit: u64,
    },
    /// Such a file is a device, FIFO, socket or directory.
    NotARegularFile {
        kind: InputKind,
        path: PathBuf,
        limit: u64,
    },
    OpenBundle {
        path: PathBuf,
        source: std::io::Error,
    },

    NotABundle,
    UnsupportedContainer {
        found: String,
    },
    Truncated {
        offset: u64,
        what: String,
    },
    ReadBundle(std::io::Error),
    BadHeader {
        offset: u64,
        member: String,
    },
    TooLarge {
        what: String,
        found: u64,
        limit: u64,
    },
    TrailingData {
        offset: u64,
    },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    BadSignatureFile(String),
    BadSignature {
        key_id: KeyId,
    },
    NotTrusted {
        counted: Vec<KeyId>,
        ignored: Vec<IgnoredSignature>,
        threshold: usize,
        /// The trust root version that judged; none for `--trusted-key`.
        trust_root: Option<u64>,
    },
    TrustRootDocument {
        source_name: String,
        error: bundle_keys::root::RootError,
    },
    TrustRootInvalid {
        source_name: String,
        msg: String,
    },
    TrustRootBelowThreshold {
        version: u64,
        whose: String,
        counted: usize,
        threshold: usize,
    },
    TrustRootBadSignature {
        version: u64,
        key_id: KeyId,
    },
    TrustRootRollback {
        found: u64,
        have: u64,
    },
    TrustRootConflict {
        version: u64,
    },
    TrustRootGap {
        have: u64,
        found: u64,
    },
    PayloadDigest {
        expected: Sha256Digest,
        found: Sha256Digest,
        expected_size: u64,
        found_size: u64,
    },
    PayloadMalformed(String),
    /// A volume of a split bundle is missing or not the one signed.
    Volume {
        index: usize,
        count: usize,
        path: PathBuf,
        problem: Box<crate::format::volumes::VolumeProblem>,
    },
    SbomDigest {
        expected: Sha256Digest,
        found: Sha256Digest,
        expected_size: u64,
        found_size: u64,
    },
    #[error(transparent)]
    Sbom(#[from] crate::format::sbom::SbomError),

    WrongModel {
        expected: String,
        found: String,
    },
    WrongMode {
        model: String,
        expected: String,
        found: String,
    },
    WrongUdiDi {
        model: String,
        expected: String,
        found: String,
    },
    WrongVersion {
        required: String,
        found: String,
    },

    Downgrade {
        mode: String,
        installed: String,
        installed_sequence: u64,
        offered_sequence: u64,
    },
    Replay {
        mode: String,
        installed: String,
        sequence: u64,
    },
    /// The same release is installed, but the root no longer matches it.
    NotIntact {
        mode: String,
        installed: String,
        modified: usize,
        missing: usize,
        unexpected: usize,
    },
    NotConfirmed {
        missing: Vec<Confirm>,
    },
    NothingToRollBack {
        root: PathBuf,
    },
    NothingInstalled {
        root: PathBuf,
    },
    ChangedSinceInstall {
        release: String,
        files: Vec<String>,
    },

    /// The state directory (or a fixed sub-directory) can be written by
    /// others than its owner.
    StateDirWritable {
        path: PathBuf,
    },
    /// The state directory (or a fixed sub-directory) belongs to another user.
    StateDirOwner {
        path: PathBuf,
    },
    /// A fixed sub-directory of the state directory is a link (or not a directory).
    StateLink {
        path: PathBuf,
    },
    StateInsideRoot {
        state: PathBuf,
        root: PathBuf,
    },
    RootInsideState {
        root: PathBuf,
        state: PathBuf,
    },

    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    InstallFailed {
        reason: String,
    },
    /// An install action failed (the caller undoes the install).
    ActionFailed(Box<ActionFailure>),
    /// The disk filled up during apply, at a point where the root was left
    /// unchanged (apply sets aside the space its last step needs).
    DiskFull {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    NoSpace {
        dir: PathBuf,
        needed: u64,
        available: u64,
    },
    /// Files to be replaced or removed are held open by other programs
    /// (Windows): `total` of them, the first few in `files`. Nothing was
    /// changed.
    FilesInUse {
        files: Vec<HeldFile>,
        total: usize,
    },
    RestoreFailed {
        reason: String,
        restore: String,
        backup: PathBuf,
    },
}

/// Bytes as MiB, rounded up, for messages.
pub(crate) fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

impl Error {
    pub fn io(
        what: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { what, path, source }
    }

    /// A failed read of the bundle: the volume error inside it when the
    /// split reader raised one, else the I/O error.
    pub fn read_bundle(e: std::io::Error) -> Error {
        if e.get_ref().is_some_and(|i| i.is::<Error>()) {
            if let Some(Ok(inner)) = e.into_inner().map(|b| b.downcast::<Error>()) {
                return *inner;
            }
            unreachable!("checked to be an Error");
        }
        Error::ReadBundle(e)
    }

    pub fn class(&self) -> ExitClass {
        use Error::*;
        match self {
            Config(_)
            | ConfigFile { .. }
            | NotSet { .. }
            | InputTooLarge { .. }
            | NotARegularFile { .. }
            | OpenBundle { .. } => ExitClass::Usage,
            NotABundle
            | UnsupportedContainer { .. }
            | Truncated { .. }
            | ReadBundle(_)
            | BadHeader { .. }
            | TooLarge { .. }
            | TrailingData { .. }
            | Manifest(_)
            | BadSignatureFile(_)
            | BadSignature { .. }
            | NotTrusted { .. }
            | TrustRootDocument { .. }
            | TrustRootInvalid { .. }
            | TrustRootBelowThreshold { .. }
            | TrustRootBadSignature { .. }
            | TrustRootRollback { .. }
            | TrustRootConflict { .. }
            | TrustRootGap { .. }
            | PayloadDigest { .. }
            | PayloadMalformed(_)
            | Volume { .. }
            | SbomDigest { .. }
            | Sbom(_) => ExitClass::Refused,
            WrongModel { .. }
            | WrongMode { .. }
            | WrongUdiDi { .. }
            | WrongVersion { .. }
            | Downgrade { .. }
            | Replay { .. }
            | NotIntact { .. }
            | NotConfirmed { .. }
            | ChangedSinceInstall { .. } => ExitClass::NotApplicable,
            NothingToRollBack { .. }
            | NothingInstalled { .. }
            | StateDirWritable { .. }
            | StateDirOwner { .. }
            | StateLink { .. }
            | StateInsideRoot { .. }
            | RootInsideState { .. } => ExitClass::Usage,
            InstallFailed { .. }
            | ActionFailed { .. }
            | NoSpace { .. }
            | DiskFull { .. }
            | FilesInUse { .. } => ExitClass::InstallFailed,
            Io { .. } | RestoreFailed { .. } => ExitClass::Other,
        }
    }

    /// What the user can do about it, in one sentence (English).
    pub fn hint(&self) -> String {
        self.hint_in(crate::i18n::Lang::ENGLISH)
    }
}
