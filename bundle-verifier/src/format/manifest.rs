//! The signed manifest: the schema of `manifest.json` and the checks that make
//! a parsed manifest internally consistent. Field order in every struct is
//! alphabetical so that `serde_json`'s compact output is RFC 8785 (JCS) canonical.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::format::digest::Sha256Digest;
use crate::format::fileset::{check_layers, validate_sets, FileSet, SetRef, MANIFEST_FORMAT_SETS};
use crate::format::rules::{
    check_count, validate_release, validate_sbom, validate_target, BlobIndex,
};
pub use crate::format::rules::{check_tree, validate_notice};
use crate::format::safepath::SafePath;
use crate::format::sbom::SbomRef;
use crate::Limits;

/// The value of `format` in a v1 manifest; also domain-separates its signatures.
pub const MANIFEST_FORMAT: &str = "offline-patch-bundle/1";

/// Whether this verifier reads manifests of format `f`.
pub fn supported_format(f: &str) -> bool {
    f == MANIFEST_FORMAT || f == MANIFEST_FORMAT_SETS
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Unique file contents, in the order they appear in the payload.
    pub blobs: Vec<Blob>,
    pub format: String,
    pub payload: Payload,
    pub release: Release,
    /// The carried SBOM (member `sbom.json`); absent when the release has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sbom: Option<SbomRef>,
    /// File sets shared by targets (format 2); absent in format 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<FileSet>,
    pub targets: Vec<Target>,
    /// The later volumes of a split bundle (`.002`, `.003`, …), in order;
    /// absent for a single file (FORMAT.md 1.3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
}

/// One later volume of a split bundle: its exact size and SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    pub sha256: Sha256Digest,
    pub size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blob {
    pub sha256: Sha256Digest,
    pub size: u64,
}

/// The compressed payload stream (`payload.tar.zst`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub compression: String,
    pub sha256: Sha256Digest,
    pub size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// Steps the technician must confirm before the install (the notice
    /// demands a data backup first). Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirm: Vec<Confirm>,
    pub id: String,
    /// Release notes per language; `{}` when the release has none.
    pub notes: Texts,
    /// The field safety notice this release answers; absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
    /// Monotonic release counter; an instrument never goes back to a lower one.
    pub sequence: u64,
    /// The title per language; English is required.
    pub title: Texts,
    pub version: String,
}

/// The notice a release answers, as the auditor's form quotes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Its date, `YYYY-MM-DD`.
    pub date: String,
    /// Its reference, e.g. `FSN2022-1230`.
    pub id: String,
    /// Where the customer sends the signed form (an address, e-mail or fax).
    pub return_to: String,
}

/// One precondition the technician confirms before install, in English and
/// optionally other languages (the verifier shows the technician's language).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    /// Short name given on the command line as `--confirm ID`.
    pub id: String,
    /// The text per language; English is required.
    pub text: Texts,
}

impl Release {
    /// The title in language `tag`, else English.
    pub fn title_in(&self, tag: &str) -> &str {
        self.title.get_or_en(tag)
    }

    /// The notes in language `tag`, else English (empty when there are none).
    pub fn notes_in(&self, tag: &str) -> &str {
        self.notes.get_or_en(tag)
    }
}

impl Confirm {
    /// The text in language `tag`, else English.
    pub fn text_in(&self, tag: &str) -> &str {
        self.text.get_or_en(tag)
    }
}

pub use super::actions::{ActionPhase, InstallAction};
pub use super::texts::{check_texts, valid_language_tag, TextProblem, Texts, ENGLISH};
/// RFC 8785 for our subset (objects, arrays, strings, booleans, null and
/// integers); one definition, shared with the key and trust-root documents.
pub use bundle_keys::canonical::is_canonical_json;

/// Most confirmation steps a release may declare.
pub const MAX_CONFIRM: usize = 16;

/// Confirmation IDs are typed by technicians and become receipt fields.
pub fn valid_confirm_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// What to install on one instrument model in one boot mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Install actions around the switch (`format/actions.rs`); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<InstallAction>,
    pub catalog: Vec<String>,
    /// The target's own files; absent when it names file sets instead.
    /// Read them through [`Manifest::files_of`], which covers both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileEntry>,
    pub mode: String,
    pub model: String,
    /// Directories the release owns: on install, files in them that the
    /// release does not carry are moved into the backup. Omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owns: Vec<SafePath>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_version: Option<String>,
    /// The file sets the target installs, in layer order (format 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<SetRef>,
    pub udi_di: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub executable: bool,
    pub path: SafePath,
    pub sha256: Sha256Digest,
    pub size: u64,
}

/// Why a manifest is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("manifest is not valid JSON of the v1 schema: {0}")]
    Schema(String),
    #[error("manifest is not in canonical form (RFC 8785 JSON, as the builder writes it); it was altered or written by another tool")]
    NotCanonical,
    #[error("manifest format is {found:?}; this verifier reads {MANIFEST_FORMAT:?} and {MANIFEST_FORMAT_SETS:?}. Use a verifier that supports it")]
    UnsupportedFormat { found: String },
    #[error("payload compression is {0:?}; only \"zstd\" is defined")]
    UnsupportedCompression(String),
    #[error("{what}: {found} exceeds the limit of {limit}")]
    TooLarge {
        what: &'static str,
        found: u64,
        limit: u64,
    },
    #[error("{field}: {problem}")]
    Text { field: String, problem: TextProblem },
    #[error("{0}")]
    Invalid(String),
}

pub(crate) fn invalid(msg: impl Into<String>) -> ManifestError {
    ManifestError::Invalid(msg.into())
}

/// Mode names become file names in the state directory, so they stay simple.
pub fn valid_mode(mode: &str) -> bool {
    !mode.is_empty()
        && mode.len() <= 32
        && mode
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Manifest {
    /// Parses authenticated manifest bytes and checks every rule of FORMAT.md.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, ManifestError> {
        if bytes.len() as u64 > limits.max_manifest_bytes {
            return Err(ManifestError::TooLarge {
                what: "manifest size in bytes",
                found: bytes.len() as u64,
                limit: limits.max_manifest_bytes,
            });
        }
        // One typed parse, then one comparison with the typed value's own
        // canonical bytes: equal bytes prove the input canonical (no
        // whitespace, sorted keys, no duplicates, no `"confirm":[]` or
        // `null` spelling of an absent field), without a `Value` tree of the
        // whole manifest (which cost more time and memory than the rest).
        let m: Manifest = match serde_json::from_slice(bytes) {
            Ok(m) => m,
            Err(e) => return Err(Self::why_unreadable(bytes, e)),
        };
        if !m.serialises_to(bytes) {
            return Err(ManifestError::NotCanonical);
        }
        m.validate(limits)?;
        Ok(m)
    }

    /// The most useful of the reasons bytes are not a v1 manifest, checked
    /// in the order the reader has always given them; only on the error path.
    fn why_unreadable(bytes: &[u8], e: serde_json::Error) -> ManifestError {
        if !is_canonical_json(bytes) {
            return ManifestError::NotCanonical;
        }
        // A future version gets a clear message rather than a schema error.
        #[derive(Deserialize)]
        struct Probe {
            format: Option<String>,
        }
        match serde_json::from_slice::<Probe>(bytes) {
            Ok(Probe { format: Some(f) }) if !supported_format(&f) => {
                ManifestError::UnsupportedFormat { found: f }
            }
            _ => ManifestError::Schema(e.to_string()),
        }
    }

    /// Whether this manifest's canonical bytes are exactly `bytes`, compared
    /// as they are written: a manifest of 60,000 files is 14 MiB, and a
    /// second copy of it was the largest single allocation of a verify.
    fn serialises_to(&self, bytes: &[u8]) -> bool {
        bundle_keys::canonical::serialises_to(self, bytes)
    }

    /// The canonical bytes of this manifest (what gets signed). Every struct
    /// of the schema declares its fields in sorted order and its only maps
    /// are `BTreeMap`s with ASCII keys (the texts by language), so
    /// `serde_json`'s compact output is already RFC 8785; a unit test
    /// holds it to the sorted-`Value` form.
    pub fn to_canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("manifest serialises")
    }

    /// Checks the rules that JSON shape alone cannot express.
    pub fn validate(&self, limits: &Limits) -> Result<(), ManifestError> {
        if !supported_format(&self.format) {
            return Err(ManifestError::UnsupportedFormat {
                found: self.format.clone(),
            });
        }
        if self.payload.compression != "zstd" {
            return Err(ManifestError::UnsupportedCompression(
                self.payload.compression.clone(),
            ));
        }
        validate_release(&self.release, limits)?;
        if let Some(sbom) = &self.sbom {
            validate_sbom(sbom, limits)?;
        }
        crate::format::volumes::validate(&self.volumes)?;
        check_count("targets", self.targets.len(), limits.max_targets)?;
        check_count("blobs", self.blobs.len(), limits.max_blobs)?;
        if self.targets.is_empty() {
            return Err(invalid("manifest has no targets"));
        }
        check_count("file sets", self.sets.len(), limits.max_targets)?;
        validate_sets(self)?;
        let blobs = BlobIndex::new(&self.blobs, limits)?;
        let mut used = vec![false; self.blobs.len()];
        let mut pairs = BTreeSet::new();
        // Entries as listed: each set's once, however many targets use it.
        let mut file_count: usize = self.sets.iter().map(|s| s.files.len()).sum();
        let listed = self.sets.iter().flat_map(|s| &s.files);
        for t in &self.targets {
            let name = format!("target {:?}/{:?}", t.model, t.mode);
            if !pairs.insert((t.model.clone(), t.mode.clone())) {
                return Err(invalid(format!("{name} appears twice")));
            }
            file_count += t.files.len();
            check_layers(&name, self, t)?;
            validate_target(&name, t, &self.files_of(t), file_count, limits)?;
        }
        for t in &self.targets {
            let name = format!("target {:?}/{:?}", t.model, t.mode);
            for f in &t.files {
                match blobs.get(&f.sha256) {
                    Some((i, size)) if size == f.size => used[i] = true,
                    Some((_, size)) => {
                        return Err(invalid(format!(
                            "{name}: {} says {} bytes but its blob has {size}",
                            f.path, f.size
                        )))
                    }
                    None => {
                        return Err(invalid(format!(
                            "{name}: {} refers to blob {} that the payload does not hold",
                            f.path, f.sha256
                        )))
                    }
                }
            }
        }
        for f in listed {
            SafePath::parse(f.path.as_str(), limits)
                .map_err(|e| invalid(format!("file set entry {:?}: {e}", f.path.as_str())))?;
            match blobs.get(&f.sha256) {
                Some((i, size)) if size == f.size => used[i] = true,
                _ => {
                    return Err(invalid(format!(
                        "file set entry {}: blob {} of {} bytes is not in the payload",
                        f.path, f.sha256, f.size
                    )))
                }
            }
        }
        if used.contains(&false) {
            return Err(invalid("payload holds a blob that no target installs"));
        }
        Ok(())
    }

    /// The exact size of the decompressed payload tar (see FORMAT.md).
    pub fn payload_tar_size(&self) -> u64 {
        self.blobs
            .iter()
            .map(|b| 512 + b.size.div_ceil(512) * 512)
            .sum::<u64>()
            + 1024
    }

    /// The other modes this bundle carries for `target`'s model: a dual-boot
    /// instrument needs the patch in each of them.
    pub fn other_modes(&self, target: &Target) -> Vec<String> {
        self.targets
            .iter()
            .filter(|t| t.model == target.model && t.mode != target.mode)
            .map(|t| t.mode.clone())
            .collect()
    }

    pub fn target(&self, model: &str, mode: &str) -> Option<&Target> {
        self.targets
            .iter()
            .find(|t| t.model == model && t.mode == mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped test vectors: every optional field of the schema
    /// (confirmation steps with German text, an SBOM, file sets with an
    /// override) appears in one of them.
    const VECTORS: [&[u8]; 3] = [
        include_bytes!("../../../tests/vectors/v1-minimal/manifest.json"),
        include_bytes!("../../../tests/vectors/v1-sbom/manifest.json"),
        include_bytes!("../../../tests/vectors/v2-sets/manifest.json"),
    ];

    #[test]
    fn typed_serialisation_is_the_sorted_canonical_form() {
        for bytes in VECTORS {
            let m = Manifest::parse(bytes, &Limits::default()).unwrap();
            let mut m2 = m.clone();
            // Every optional field present at once, in each struct.
            m2.targets[0].requires_version = Some(">=1.0.0".into());
            m2.targets[0].owns = vec![SafePath::parse("bin", &Limits::default()).unwrap()];
            // A file of the target, from its own list or its sets (format 2).
            let run = Some(m2.files_of(&m2.targets[0])[0].path.clone());
            m2.targets[0].actions.push(InstallAction {
                args: vec!["a".into()],
                ok_exit_codes: vec![0],
                phase: ActionPhase::After,
                reboot_exit_codes: vec![3010],
                run,
                start_service: Some("s".into()),
                stop_service: Some("s".into()),
                timeout_s: Some(5),
            });
            m2.release.confirm.push(Confirm {
                id: "z".into(),
                text: Texts::en("t").with("de", "ü").with("pt-br", "ç"),
            });
            m2.release.notes = Texts::en("n").with("fr", "é");
            for m in [m, m2] {
                assert_eq!(
                    m.to_canonical_bytes(),
                    bundle_keys::canonical::to_canonical_bytes(&m),
                    "a schema struct declares its fields out of order"
                );
            }
        }
    }

    #[test]
    fn non_canonical_spellings_are_refused_as_such() {
        let good = std::str::from_utf8(VECTORS[0]).unwrap();
        let spaced = good.replacen(",", ", ", 1);
        let dup = good.replacen("{", r#"{"format":"offline-patch-bundle/1","#, 1);
        let empty_confirm = good.replacen(r#""release":{"#, r#""release":{"confirm":[],"#, 1);
        let trailing = format!("{good}\n");
        for bad in [spaced, dup, empty_confirm, trailing] {
            assert_eq!(
                Manifest::parse(bad.as_bytes(), &Limits::default()),
                Err(ManifestError::NotCanonical),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_future_format_is_named() {
        let good = std::str::from_utf8(VECTORS[0]).unwrap();
        let future = good
            .replace("offline-patch-bundle/1", "offline-patch-bundle/3")
            .replacen(r#""blobs":"#, r#""aaa":1,"blobs":"#, 1);
        assert_eq!(
            Manifest::parse(future.as_bytes(), &Limits::default()),
            Err(ManifestError::UnsupportedFormat {
                found: "offline-patch-bundle/3".into()
            })
        );
    }

    #[test]
    fn an_owned_directory_must_hold_files_of_its_target_and_is_omitted_when_none() {
        let good = std::str::from_utf8(VECTORS[0]).unwrap();
        let with = |d: &str| {
            let mut m = Manifest::parse(VECTORS[0], &Limits::default()).unwrap();
            m.targets[0].owns = vec![SafePath::parse(d, &Limits::default()).unwrap()];
            m.validate(&Limits::default())
        };
        assert_eq!(with("bin"), Ok(()));
        for bad in ["bin/run.sh", "lib", "hello.txt/x"] {
            let e = with(bad).unwrap_err().to_string();
            assert!(e.contains("not a directory of its files"), "{bad}: {e}");
        }
        // Spliced where canonical order puts it: after "model", before "requires_version".
        let empty = good.replacen(
            r#""requires_version""#,
            r#""owns":[],"requires_version""#,
            1,
        );
        assert_ne!(empty, good);
        assert_eq!(
            Manifest::parse(empty.as_bytes(), &Limits::default()),
            Err(ManifestError::NotCanonical)
        );
        // A path that is not safe is refused while the manifest is read.
        let escape = good.replacen(
            r#""requires_version""#,
            r#""owns":["../x"],"requires_version""#,
            1,
        );
        assert!(matches!(
            Manifest::parse(escape.as_bytes(), &Limits::default()),
            Err(ManifestError::Schema(_))
        ));
    }
}
