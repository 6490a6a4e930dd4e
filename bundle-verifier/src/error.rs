//! Typed errors of the reader, each in exactly one exit class.

use std::path::PathBuf;

use bundle_keys::KeyId;

use crate::format::digest::Sha256Digest;
use crate::format::manifest::{Confirm, ManifestError};
use crate::trust::IgnoredSignature;

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
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Config(String),
    #[error("cannot open bundle {path}: {source}")]
    OpenBundle {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("this is not a patch bundle (it does not start with the \"format\" member)")]
    NotABundle,
    #[error("bundle container is {found:?}; this verifier reads \"offline-patch-bundle/1\"")]
    UnsupportedContainer { found: String },
    #[error("bundle is truncated: it ends at byte {offset}, inside the {what}")]
    Truncated { offset: u64, what: String },
    #[error("reading the bundle failed: {0}")]
    ReadBundle(std::io::Error),
    #[error(
        "the {member} header at byte {offset} is not the canonical one; the bundle was altered"
    )]
    BadHeader { offset: u64, member: String },
    #[error("{what}: {found} exceeds the limit of {limit}")]
    TooLarge {
        what: String,
        found: u64,
        limit: u64,
    },
    #[error("unexpected data after the end of the bundle, at byte {offset}")]
    TrailingData { offset: u64 },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("signatures.json is malformed: {0}")]
    BadSignatureFile(String),
    #[error(
        "the signature by trusted key {key_id} does not match the manifest; the bundle was altered"
    )]
    BadSignature { key_id: KeyId },
    #[error("not signed by enough trusted keys: {} of {threshold} release keys needed under {}. Counted: {}; not counted: {}", counted.len(), crate::i18n::Lang::En.judged_by(*trust_root), list(counted), ignored_list(ignored))]
    NotTrusted {
        counted: Vec<KeyId>,
        ignored: Vec<IgnoredSignature>,
        threshold: usize,
        /// The trust root version that judged; none for `--trusted-key`.
        trust_root: Option<u64>,
    },
    #[error("trust root in {source_name}: {error}")]
    TrustRootDocument {
        source_name: String,
        error: bundle_keys::root::RootError,
    },
    #[error("{source_name} is not acceptable: {msg}")]
    TrustRootInvalid { source_name: String, msg: String },
    #[error("trust root version {version} is signed by only {counted} of {whose} (at least {threshold} must sign); it is not trusted")]
    TrustRootBelowThreshold {
        version: u64,
        whose: String,
        counted: usize,
        threshold: usize,
    },
    #[error("the signature by root key {key_id} on trust root version {version} does not verify; the trust root was altered")]
    TrustRootBadSignature { version: u64, key_id: KeyId },
    #[error("trust root version {found} is older than version {have}, which this instrument already trusts; a trust root never goes back")]
    TrustRootRollback { found: u64, have: u64 },
    #[error("there are two different trust roots with version {version}; the one offered is not the one trusted here")]
    TrustRootConflict { version: u64 },
    #[error("trust root version {found} cannot be checked against version {have}: every version in between is needed (each is signed by its predecessor's root keys)")]
    TrustRootGap { have: u64, found: u64 },
    #[error("payload is damaged: expected {expected_size} bytes with SHA-256 {expected}, found {found_size} bytes with SHA-256 {found}")]
    PayloadDigest {
        expected: Sha256Digest,
        found: Sha256Digest,
        expected_size: u64,
        found_size: u64,
    },
    #[error("payload is malformed: {0}")]
    PayloadMalformed(String),
    #[error("the SBOM is damaged: the manifest signs {expected_size} bytes with SHA-256 {expected}, sbom.json has {found_size} bytes with SHA-256 {found}")]
    SbomDigest {
        expected: Sha256Digest,
        found: Sha256Digest,
        expected_size: u64,
        found_size: u64,
    },
    #[error(transparent)]
    Sbom(#[from] crate::format::sbom::SbomError),

    #[error("this bundle is for {expected}; this instrument is a {found}")]
    WrongModel { expected: String, found: String },
    #[error("this bundle has no {found} mode for {model}; it is for mode {expected}")]
    WrongMode {
        model: String,
        expected: String,
        found: String,
    },
    #[error("this bundle is for {model} with device identifier (UDI-DI) {expected}; this instrument has {found}")]
    WrongUdiDi {
        model: String,
        expected: String,
        found: String,
    },
    #[error(
        "this bundle needs installed software version {required}; this instrument has {found}"
    )]
    WrongVersion { required: String, found: String },

    #[error("release {installed} (sequence {installed_sequence}) was already applied in mode {mode}; this bundle is older (sequence {offered_sequence}) and would downgrade it")]
    Downgrade {
        mode: String,
        installed: String,
        installed_sequence: u64,
        offered_sequence: u64,
    },
    #[error("release {installed} (sequence {sequence}) was already applied in mode {mode}; give --reinstall to apply the same release again")]
    Replay {
        mode: String,
        installed: String,
        sequence: u64,
    },
    #[error(
        "this release must not be installed before these steps are confirmed: {}",
        confirm_list(missing)
    )]
    NotConfirmed { missing: Vec<Confirm> },
    #[error("there is no install in {root} that could be rolled back")]
    NothingToRollBack { root: PathBuf },
    #[error("nothing was installed into {root} with this state directory")]
    NothingInstalled { root: PathBuf },
    #[error("the files of release {release} were changed since it was installed ({}); rollback would lose those changes, so nothing was changed", files.join(", "))]
    ChangedSinceInstall { release: String, files: Vec<String> },

    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("install failed: {reason}; the instrument root was restored to its previous state")]
    InstallFailed { reason: String },
    #[error("not enough free space in {}: the new files need {} MiB, {} MiB are free; nothing was changed", dir.display(), mib(*needed), mib(*available))]
    NoSpace {
        dir: PathBuf,
        needed: u64,
        available: u64,
    },
    #[error("install failed: {reason}; restoring the root ALSO failed: {restore}. Backups are in {backup}")]
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

fn ignored_list(v: &[IgnoredSignature]) -> String {
    if v.is_empty() {
        return "(none)".into();
    }
    v.iter()
        .map(|i| format!("{} ({})", i.key_id, i.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

fn confirm_list(c: &[Confirm]) -> String {
    c.iter()
        .map(|c| format!("[{}] {}", c.id, c.text))
        .collect::<Vec<_>>()
        .join("; ")
}

fn list(ids: &[KeyId]) -> String {
    if ids.is_empty() {
        return "(none)".into();
    }
    ids.iter().map(KeyId::as_str).collect::<Vec<_>>().join(", ")
}

impl Error {
    pub fn io(
        what: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { what, path, source }
    }

    pub fn class(&self) -> ExitClass {
        use Error::*;
        match self {
            Config(_) | OpenBundle { .. } => ExitClass::Usage,
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
            | SbomDigest { .. }
            | Sbom(_) => ExitClass::Refused,
            WrongModel { .. }
            | WrongMode { .. }
            | WrongUdiDi { .. }
            | WrongVersion { .. }
            | Downgrade { .. }
            | Replay { .. }
            | NotConfirmed { .. }
            | ChangedSinceInstall { .. } => ExitClass::NotApplicable,
            NothingToRollBack { .. } | NothingInstalled { .. } => ExitClass::Usage,
            InstallFailed { .. } | NoSpace { .. } => ExitClass::InstallFailed,
            Io { .. } | RestoreFailed { .. } => ExitClass::Other,
        }
    }

    /// What the user can do about it, in one sentence (English; see messages.rs).
    pub fn hint(&self) -> String {
        crate::i18n::Lang::En.hint(self)
    }
}
