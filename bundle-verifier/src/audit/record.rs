//! The verify record: what `verify --json` prints, one JSON object an auditor
//! stores as evidence of what was checked, under which trust, and which exact
//! bytes a release approves. These structs ARE the schema
//! (`docs/verify-record.schema.json`): they are built from the reader's own
//! types field by field, so renaming those never changes a record. Any change
//! here other than a new optional field bumps [`RECORD`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ExitClass};
use crate::format::digest::Sha256Digest;
use crate::format::manifest::{self, ENGLISH};
use crate::format::sbom::{SbomFormat, SbomSummary};
use crate::trust::{IgnoredSignature, NotCounted, Verified};
use crate::verify::VerifyReport;

/// The value of `record` in every verify record of this schema version.
pub const RECORD: &str = "offline-patch-bundle/verify-record/1";

/// A bundle that verified. `F` is each target's file list: a `Vec` when
/// read, [`FilesOf`] when written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRecord<F = Vec<File>> {
    pub record: String,
    /// Always true here; an [`ErrorRecord`] has false.
    pub ok: bool,
    pub verifier: Verifier,
    /// When verification finished, RFC 3339 UTC.
    pub checked_at: String,
    pub bundle: BundleFile,
    pub format: String,
    /// SHA-256 of the exact signed `manifest.json` bytes: names the release's
    /// content, since the manifest binds the payload and every file digest.
    pub manifest_sha256: Sha256Digest,
    /// True when every file was decompressed and its digest checked too.
    pub deep: bool,
    pub trust: Trust,
    pub signatures: Signatures,
    pub release: Release,
    pub targets: Vec<Target<F>>,
    pub payload: Payload,
    /// The signed SBOM the bundle carries, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sbom: Option<Sbom>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verifier {
    pub name: String,
    pub version: String,
}

/// The bundle file as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleFile {
    pub path: String,
    pub file_name: Option<String>,
    /// Bytes in the file: all were read in a verify record; in an error
    /// record the file's size, or null when it could not be read.
    pub size: Option<u64>,
}

/// The trust the signatures were judged under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trust {
    /// `trusted_keys` (`--trusted-key`) or `trust_root`.
    pub basis: String,
    /// Key IDs of the release keys whose signatures could count.
    pub release_keys: Vec<String>,
    /// The trust root in force after the updates the bundle carried.
    pub trust_root: Option<TrustRoot>,
    /// Newer trust root versions the bundle carried and that were accepted.
    pub trust_root_updates: Vec<u64>,
    /// The day key expiry was judged on (`YYYY-MM-DD`), and why that day.
    pub judged_on: String,
    pub clock: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustRoot {
    pub version: u64,
    pub issued: String,
    /// SHA-256 of the exact `root.json` bytes.
    pub sha256: Sha256Digest,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signatures {
    /// Distinct release keys that must count.
    pub threshold: u64,
    pub counted: u64,
    pub threshold_met: bool,
    /// Every entry of `signatures.json`, in its (key ID) order.
    pub entries: Vec<Signature>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub key_id: String,
    pub counted: bool,
    /// True when the Ed25519 signature was checked over the manifest bytes
    /// (and so is valid: a trusted key's invalid signature refuses the
    /// bundle); false when the key could not count, so it was not checked.
    pub signature_checked: bool,
    /// Why it did not count, as a code (null when it counted).
    pub reason: Option<String>,
    /// The same for people, with versions, dates and models.
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub id: String,
    pub version: String,
    pub sequence: u64,
    /// The English title.
    pub title: String,
    /// The signed title in every language it has (language tag → text).
    pub title_by_language: BTreeMap<String, String>,
    /// The English notes ("" when the release has none).
    pub notes: String,
    /// The signed notes in every language they have (`{}` when none).
    pub notes_by_language: BTreeMap<String, String>,
    pub confirm: Vec<ConfirmStep>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmStep {
    pub id: String,
    /// The English text.
    pub text: String,
    /// The German text, if the step has one (kept for readers of version 1
    /// of the record; `text_by_language` has every language).
    pub text_de: Option<String>,
    /// The signed text in every language it has (language tag → text).
    pub text_by_language: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target<F = Vec<File>> {
    pub model: String,
    pub mode: String,
    pub udi_di: Vec<String>,
    pub catalog: Vec<String>,
    pub requires_version: Option<String>,
    pub file_count: u64,
    /// Sum of the files' sizes.
    pub bytes: u64,
    pub files: F,
    /// The signed install actions, as in the manifest (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<crate::format::manifest::InstallAction>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub path: String,
    pub sha256: Sha256Digest,
    pub size: u64,
    pub executable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub compression: String,
    /// SHA-256 and size of the compressed stream (`payload.tar.zst`).
    pub sha256: Sha256Digest,
    pub size: u64,
    /// Distinct file contents stored, and their total uncompressed size.
    pub blob_count: u64,
    pub blob_bytes: u64,
}

/// The signed SBOM a bundle carries (FORMAT.md, "SBOM"): its standard, digest
/// and the components it lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sbom {
    /// `cyclonedx` or `spdx`.
    pub format: String,
    pub spec_version: String,
    pub sha256: Sha256Digest,
    pub size: u64,
    pub components: Vec<SbomComponent>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SbomComponent {
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
}

/// A verify that failed: still one object, with the same `record` marker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorRecord {
    pub record: String,
    /// Always false.
    pub ok: bool,
    pub verifier: Verifier,
    pub checked_at: String,
    pub bundle: BundleFile,
    /// The process exit code, and its class (README, "Exit codes").
    pub exit_code: u8,
    pub error_class: String,
    /// What went wrong, as a code ([`error_code`]).
    pub error_code: String,
    pub error: String,
    pub hint: String,
    /// The signatures, when the bundle was refused for too few counting ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<Signatures>,
}

fn verifier() -> Verifier {
    Verifier {
        name: "bundle-verifier".into(),
        version: crate::TOOL_VERSION.into(),
    }
}

fn bundle_file(path: &Path, size: Option<u64>) -> BundleFile {
    BundleFile {
        path: path.display().to_string(),
        file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
        size,
    }
}

/// A target's files as a record lists them, serialised from the manifest
/// while they are written: five targets sharing 100,000 files would
/// otherwise be 500,000 copies.
#[derive(Clone, Copy, Debug)]
pub struct FilesOf<'a> {
    m: &'a manifest::Manifest,
    t: &'a manifest::Target,
}

/// [`File`] as written: the same fields in the same order.
#[derive(Serialize)]
struct FileOut<'a> {
    path: &'a str,
    sha256: Sha256Digest,
    size: u64,
    executable: bool,
}

impl Serialize for FilesOf<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.m.files_of(self.t).into_iter().map(|f| FileOut {
            path: f.path.as_str(),
            sha256: f.sha256,
            size: f.size,
            executable: f.executable,
        }))
    }
}

impl<'a> VerifyRecord<FilesOf<'a>> {
    pub fn new(r: &'a VerifyReport, checked_at: String) -> Self {
        let m = &r.manifest;
        let v = &r.signatures;
        VerifyRecord {
            record: RECORD.into(),
            ok: true,
            verifier: verifier(),
            checked_at,
            bundle: bundle_file(&r.bundle, Some(r.bundle_size)),
            format: m.format.clone(),
            manifest_sha256: r.manifest_sha256,
            deep: r.deep,
            trust: trust(v),
            signatures: signatures(&v.counted, &v.ignored, v.threshold),
            release: release(&m.release),
            targets: m.targets.iter().map(|t| target(m, t)).collect(),
            payload: Payload {
                compression: m.payload.compression.clone(),
                sha256: m.payload.sha256,
                size: m.payload.size,
                blob_count: m.blobs.len() as u64,
                blob_bytes: m.blobs.iter().map(|b| b.size).sum(),
            },
            sbom: r.sbom.as_ref().map(sbom),
        }
    }
}

impl ErrorRecord {
    pub fn new(bundle: &Path, e: &Error, checked_at: String) -> Self {
        let class = e.class();
        let signatures = match e {
            Error::NotTrusted {
                counted,
                ignored,
                threshold,
                ..
            } => Some(signatures(counted, ignored, *threshold)),
            _ => None,
        };
        ErrorRecord {
            record: RECORD.into(),
            ok: false,
            verifier: verifier(),
            checked_at,
            bundle: bundle_file(bundle, std::fs::metadata(bundle).ok().map(|m| m.len())),
            exit_code: class as u8,
            error_class: class_name(class).into(),
            error_code: error_code(e).into(),
            error: e.to_string(),
            hint: e.hint(),
            signatures,
        }
    }
}

fn trust(v: &Verified) -> Trust {
    let root = v.basis.root.as_ref();
    Trust {
        basis: if root.is_some() {
            "trust_root"
        } else {
            "trusted_keys"
        }
        .into(),
        release_keys: v.basis.release_keys.iter().map(|k| k.to_string()).collect(),
        trust_root: root.map(|r| TrustRoot {
            version: r.version,
            issued: r.issued.to_string(),
            sha256: r.sha256,
        }),
        trust_root_updates: v.trust_root_updates.clone(),
        judged_on: v.judged_on.to_string(),
        clock: v.clock.to_string(),
    }
}

/// Every signature, counted or not, in key ID order (that of `signatures.json`,
/// whose every entry either counted or was ignored with a reason).
fn signatures(
    counted: &[bundle_keys::KeyId],
    ignored: &[IgnoredSignature],
    threshold: usize,
) -> Signatures {
    let mut entries: Vec<Signature> = counted
        .iter()
        .map(|k| Signature {
            key_id: k.to_string(),
            counted: true,
            signature_checked: true,
            reason: None,
            message: None,
        })
        .chain(ignored.iter().map(|i| Signature {
            key_id: i.key_id.to_string(),
            counted: false,
            signature_checked: matches!(i.code, NotCounted::Expired | NotCounted::OutOfScope),
            reason: Some(reason_code(i.code).into()),
            message: Some(i.reason.clone()),
        }))
        .collect();
    entries.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    Signatures {
        threshold: threshold as u64,
        counted: counted.len() as u64,
        threshold_met: counted.len() >= threshold,
        entries,
    }
}

fn release(r: &manifest::Release) -> Release {
    Release {
        id: r.id.clone(),
        version: r.version.clone(),
        sequence: r.sequence,
        title: r.title_in(ENGLISH).to_owned(),
        title_by_language: r.title.0.clone(),
        notes: r.notes_in(ENGLISH).to_owned(),
        notes_by_language: r.notes.0.clone(),
        confirm: r
            .confirm
            .iter()
            .map(|c| ConfirmStep {
                id: c.id.clone(),
                text: c.text_in(ENGLISH).to_owned(),
                text_de: c.text.get("de").map(str::to_owned),
                text_by_language: c.text.0.clone(),
            })
            .collect(),
    }
}

fn target<'a>(m: &'a manifest::Manifest, t: &'a manifest::Target) -> Target<FilesOf<'a>> {
    let files = m.files_of(t);
    Target {
        model: t.model.clone(),
        mode: t.mode.clone(),
        udi_di: t.udi_di.clone(),
        catalog: t.catalog.clone(),
        requires_version: t.requires_version.clone(),
        file_count: files.len() as u64,
        bytes: files.iter().map(|f| f.size).sum(),
        files: FilesOf { m, t },
        actions: t.actions.clone(),
    }
}

fn sbom(s: &SbomSummary) -> Sbom {
    Sbom {
        format: match s.format {
            SbomFormat::Cyclonedx => "cyclonedx",
            SbomFormat::Spdx => "spdx",
        }
        .into(),
        spec_version: s.spec_version.clone(),
        sha256: s.sha256,
        size: s.size,
        components: s
            .components
            .iter()
            .map(|c| SbomComponent {
                name: c.name.clone(),
                version: c.version.clone(),
                purl: c.purl.clone(),
            })
            .collect(),
    }
}

/// The codes of `signatures.entries[].reason`.
pub fn reason_code(c: NotCounted) -> &'static str {
    match c {
        NotCounted::Revoked => "revoked",
        NotCounted::RootKeyNotReleaseKey => "root_key_not_release_key",
        NotCounted::UnknownKey => "unknown_key",
        NotCounted::Expired => "expired",
        NotCounted::OutOfScope => "out_of_scope",
    }
}

/// The codes of `error_class`, one per exit code.
pub fn class_name(c: ExitClass) -> &'static str {
    match c {
        ExitClass::Other => "other",
        ExitClass::Usage => "usage",
        ExitClass::Refused => "refused",
        ExitClass::NotApplicable => "not_applicable",
        ExitClass::InstallFailed => "install_failed",
        ExitClass::NotAsItShouldBe => "not_as_it_should_be",
    }
}

/// The codes of `error_code`: one per kind of error, so a new kind of error
/// must be given a code (and added to the schema) here.
pub fn error_code(e: &Error) -> &'static str {
    use Error::*;
    match e {
        Config(_) | ConfigFile { .. } | NotSet { .. } => "usage",
        InputTooLarge { .. } => "input_too_large",
        NotARegularFile { .. } => "not_a_regular_file",
        OpenBundle { .. } => "cannot_open_bundle",
        NotABundle => "not_a_bundle",
        UnsupportedContainer { .. } => "unsupported_container",
        Truncated { .. } => "truncated",
        ReadBundle(_) => "read_failed",
        BadHeader { .. } => "bad_header",
        TooLarge { .. } => "too_large",
        TrailingData { .. } => "trailing_data",
        Manifest(_) => "bad_manifest",
        BadSignatureFile(_) => "bad_signature_file",
        BadSignature { .. } => "bad_signature",
        NotTrusted { .. } => "not_trusted",
        TrustRootDocument { .. } | TrustRootInvalid { .. } => "trust_root_invalid",
        TrustRootBelowThreshold { .. } => "trust_root_below_threshold",
        TrustRootBadSignature { .. } => "trust_root_bad_signature",
        TrustRootRollback { .. } => "trust_root_rollback",
        TrustRootConflict { .. } => "trust_root_conflict",
        TrustRootGap { .. } => "trust_root_gap",
        PayloadDigest { .. } => "payload_digest_mismatch",
        PayloadMalformed(_) => "payload_malformed",
        Volume { problem, .. }
            if matches!(**problem, crate::format::volumes::VolumeProblem::Missing) =>
        {
            "volume_missing"
        }
        Volume { .. } => "volume_damaged",
        SbomDigest { .. } => "sbom_digest_mismatch",
        Sbom(_) => "bad_sbom",
        WrongModel { .. } | WrongMode { .. } | WrongUdiDi { .. } | WrongVersion { .. } => {
            "not_for_this_instrument"
        }
        Downgrade { .. } => "downgrade",
        Replay { .. } => "replay",
        NotIntact { .. } => "not_intact",
        NotConfirmed { .. } => "not_confirmed",
        NothingToRollBack { .. } | NothingInstalled { .. } => "nothing_installed",
        ChangedSinceInstall { .. } => "changed_since_install",
        Io { .. } => "io",
        InstallFailed { .. } | ActionFailed { .. } => "install_failed",
        NoSpace { .. } | DiskFull { .. } => "no_space",
        FilesInUse { .. } => "files_in_use",
        RestoreFailed { .. } => "restore_failed",
        StateDirWritable { .. } | StateDirOwner { .. } | StateLink { .. } => "unsafe_state_dir",
        StateInsideRoot { .. } | RootInsideState { .. } => "state_root_overlap",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema file lists exactly the codes this module can write.
    #[test]
    fn schema_lists_every_reason_and_error_code() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../docs/verify-record.schema.json")).unwrap();
        let enum_of = |def: &str| -> Vec<String> {
            let mut v: Vec<String> = schema["$defs"][def]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("$defs/{def} has an enum"))
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect();
            v.sort();
            v
        };
        let mut reasons: Vec<String> = [
            NotCounted::Revoked,
            NotCounted::RootKeyNotReleaseKey,
            NotCounted::UnknownKey,
            NotCounted::Expired,
            NotCounted::OutOfScope,
        ]
        .map(|c| reason_code(c).to_owned())
        .to_vec();
        reasons.sort();
        assert_eq!(enum_of("reason"), reasons);
        let mut classes: Vec<String> = [
            ExitClass::Other,
            ExitClass::Usage,
            ExitClass::Refused,
            ExitClass::NotApplicable,
            ExitClass::InstallFailed,
            ExitClass::NotAsItShouldBe,
        ]
        .map(|c| class_name(c).to_owned())
        .to_vec();
        classes.sort();
        assert_eq!(enum_of("error_class"), classes);
        let source = include_str!("record.rs");
        let body = &source[source.find("pub fn error_code").unwrap()..];
        let body = &body[..body.find("\n}\n").unwrap()];
        let mut codes: Vec<String> = body
            .split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        codes.sort();
        codes.dedup();
        assert_eq!(enum_of("error_code"), codes);
    }

    #[test]
    fn records_read_back_as_written() {
        let r = ErrorRecord::new(
            Path::new("no/such.bundle"),
            &Error::NotABundle,
            "2026-01-01T00:00:00Z".into(),
        );
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<ErrorRecord>(&json).unwrap(), r);
        assert_eq!(r.bundle.size, None);
        assert_eq!((r.exit_code, r.error_class.as_str()), (3, "refused"));
    }
}
