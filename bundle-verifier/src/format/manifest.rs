//! The signed manifest: the schema of `manifest.json` and the checks that make
//! a parsed manifest internally consistent. Field order in every struct is
//! alphabetical so that `serde_json`'s compact output is RFC 8785 (JCS) canonical.

use std::collections::{BTreeSet, HashMap};
use std::io;

use serde::{Deserialize, Serialize};

use crate::format::digest::Sha256Digest;
use crate::format::safepath::SafePath;
use crate::format::sbom::SbomRef;
use crate::Limits;

/// The value of `format` in a v1 manifest; also domain-separates its signatures.
pub const MANIFEST_FORMAT: &str = "offline-patch-bundle/1";

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
    /// Monotonic release counter; an instrument never goes back to a lower one.
    pub sequence: u64,
    /// The title per language; English is required.
    pub title: Texts,
    pub version: String,
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

pub use super::texts::{check_texts, valid_language_tag, TextProblem, Texts, ENGLISH};

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
    pub catalog: Vec<String>,
    pub files: Vec<FileEntry>,
    pub mode: String,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_version: Option<String>,
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
    #[error("manifest format is {found:?}; this verifier reads {MANIFEST_FORMAT:?}. Use a verifier that supports it")]
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

fn invalid(msg: impl Into<String>) -> ManifestError {
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
            Ok(Probe { format: Some(f) }) if f != MANIFEST_FORMAT => {
                ManifestError::UnsupportedFormat { found: f }
            }
            _ => ManifestError::Schema(e.to_string()),
        }
    }

    /// Whether this manifest's canonical bytes are exactly `bytes`, compared
    /// as they are written: a manifest of 60,000 files is 14 MiB, and a
    /// second copy of it was the largest single allocation of a verify.
    fn serialises_to(&self, bytes: &[u8]) -> bool {
        /// Compares written bytes with the rest of `expected`.
        struct Same<'a> {
            expected: &'a [u8],
        }
        impl io::Write for Same<'_> {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                match self.expected.strip_prefix(buf) {
                    Some(rest) => {
                        self.expected = rest;
                        Ok(buf.len())
                    }
                    None => Err(io::ErrorKind::InvalidData.into()),
                }
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut same = Same { expected: bytes };
        serde_json::to_writer(&mut same, self).is_ok() && same.expected.is_empty()
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
        if self.format != MANIFEST_FORMAT {
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
        let blob_sizes = blob_sizes(&self.blobs, limits)?;
        let mut used: BTreeSet<Sha256Digest> = BTreeSet::new();
        let mut pairs = BTreeSet::new();
        let mut file_count = 0usize;
        for t in &self.targets {
            let name = format!("target {:?}/{:?}", t.model, t.mode);
            if !pairs.insert((t.model.clone(), t.mode.clone())) {
                return Err(invalid(format!("{name} appears twice")));
            }
            file_count += t.files.len();
            validate_target(&name, t, file_count, limits)?;
            for f in &t.files {
                match blob_sizes.get(&f.sha256) {
                    Some(&size) if size == f.size => {}
                    Some(&size) => {
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
                used.insert(f.sha256);
            }
        }
        if used.len() != blob_sizes.len() {
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

/// The release's identity, texts and confirmation steps.
fn validate_release(r: &Release, limits: &Limits) -> Result<(), ManifestError> {
    for (what, text) in [("release id", &r.id), ("release version", &r.version)] {
        if text.is_empty() || text.len() > 128 || text.chars().any(char::is_control) {
            return Err(invalid(format!(
                "{what} {text:?} must be 1 to 128 printable characters"
            )));
        }
    }
    check_texts(
        "release title",
        "release title bytes",
        &r.title,
        true,
        limits,
    )?;
    check_texts(
        "release notes",
        "release notes bytes",
        &r.notes,
        false,
        limits,
    )?;
    check_count("confirmation steps", r.confirm.len(), MAX_CONFIRM)?;
    let mut ids = BTreeSet::new();
    for c in &r.confirm {
        if !valid_confirm_id(&c.id) {
            return Err(invalid(format!(
                "confirmation id {:?} must be 1 to 32 lowercase letters, digits, '-' or '_'",
                c.id
            )));
        }
        if !ids.insert(c.id.as_str()) {
            return Err(invalid(format!(
                "confirmation {:?} is declared twice",
                c.id
            )));
        }
        check_texts(
            &format!("confirmation {:?}", c.id),
            "confirmation text bytes",
            &c.text,
            true,
            limits,
        )?;
    }
    Ok(())
}

fn validate_sbom(sbom: &SbomRef, limits: &Limits) -> Result<(), ManifestError> {
    if sbom.size > limits.max_sbom_bytes {
        return Err(ManifestError::TooLarge {
            what: "SBOM size in bytes",
            found: sbom.size,
            limit: limits.max_sbom_bytes,
        });
    }
    let v = &sbom.spec_version;
    if v.is_empty() || v.len() > 32 || v.chars().any(char::is_control) {
        return Err(invalid(format!(
            "SBOM spec_version {v:?} must be 1 to 32 printable characters"
        )));
    }
    Ok(())
}

/// Each blob's size by digest; no digest twice, the total within the limit.
fn blob_sizes(
    blobs: &[Blob],
    limits: &Limits,
) -> Result<HashMap<Sha256Digest, u64>, ManifestError> {
    let mut sizes: HashMap<Sha256Digest, u64> = HashMap::new();
    let mut total: u64 = 0;
    for b in blobs {
        if sizes.insert(b.sha256, b.size).is_some() {
            return Err(invalid(format!("blob {} is listed twice", b.sha256)));
        }
        total = total.saturating_add(b.size);
    }
    if total > limits.max_total_bytes {
        return Err(ManifestError::TooLarge {
            what: "total payload bytes",
            found: total,
            limit: limits.max_total_bytes,
        });
    }
    Ok(sizes)
}

/// One target on its own: names, identifiers, version range, paths.
fn validate_target(
    name: &str,
    t: &Target,
    file_count: usize,
    limits: &Limits,
) -> Result<(), ManifestError> {
    if t.model.is_empty() || t.model.len() > 128 || t.model.chars().any(char::is_control) {
        return Err(invalid(format!(
            "{name}: model must be 1 to 128 printable characters"
        )));
    }
    if !valid_mode(&t.mode) {
        return Err(invalid(format!(
            "{name}: mode must be 1 to 32 letters, digits, '-' or '_'"
        )));
    }
    if let Some(req) = &t.requires_version {
        semver::VersionReq::parse(req)
            .map_err(|e| invalid(format!("{name}: requires_version {req:?}: {e}")))?;
    }
    for s in t.udi_di.iter().chain(&t.catalog) {
        if s.is_empty() || s.len() > 64 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(format!(
                "{name}: identifier {s:?} is not 1 to 64 printable ASCII characters"
            )));
        }
    }
    if t.files.is_empty() {
        return Err(invalid(format!("{name} installs no files")));
    }
    check_count("file entries", file_count, limits.max_files)?;
    // Deserialising checked paths against the default limits; these are the caller's.
    for f in &t.files {
        SafePath::parse(f.path.as_str(), limits)
            .map_err(|e| invalid(format!("{name}: {:?}: {e}", f.path.as_str())))?;
    }
    check_tree(name, &t.files)
}

fn check_count(what: &'static str, found: usize, limit: usize) -> Result<(), ManifestError> {
    if found > limit {
        return Err(ManifestError::TooLarge {
            what,
            found: found as u64,
            limit: limit as u64,
        });
    }
    Ok(())
}

/// Files of one target must be distinct even on case-insensitive file
/// systems, and no file may sit where another needs a directory.
pub fn check_tree(name: &str, files: &[FileEntry]) -> Result<(), ManifestError> {
    // One set of rules for every file system a target may land on (names.rs).
    crate::format::names::check_clashes(files.iter().map(|f| &f.path))
        .map_err(|e| invalid(format!("{name}: {e}")))
}

/// RFC 8785 for our subset (objects, arrays, strings, booleans, null and
/// integers); one definition, shared with the key and trust-root documents.
pub use bundle_keys::canonical::is_canonical_json;

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped test vectors: every optional field of the schema
    /// (confirmation steps with German text, an SBOM) appears in one of them.
    const VECTORS: [&[u8]; 2] = [
        include_bytes!("../../../tests/vectors/v1-minimal/manifest.json"),
        include_bytes!("../../../tests/vectors/v1-sbom/manifest.json"),
    ];

    #[test]
    fn typed_serialisation_is_the_sorted_canonical_form() {
        for bytes in VECTORS {
            let m = Manifest::parse(bytes, &Limits::default()).unwrap();
            let mut m2 = m.clone();
            // Every optional field present at once, in each struct.
            m2.targets[0].requires_version = Some(">=1.0.0".into());
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
            .replace("offline-patch-bundle/1", "offline-patch-bundle/2")
            .replacen(r#""blobs":"#, r#""aaa":1,"blobs":"#, 1);
        assert_eq!(
            Manifest::parse(future.as_bytes(), &Limits::default()),
            Err(ManifestError::UnsupportedFormat {
                found: "offline-patch-bundle/2".into()
            })
        );
    }
}
