//! The signed manifest: the schema of `manifest.json` and the checks that make
//! a parsed manifest internally consistent. Field order in every struct is
//! alphabetical so that `serde_json`'s compact output is RFC 8785 (JCS) canonical.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::digest::Sha256Digest;
use crate::safepath::SafePath;
use crate::sbom::SbomRef;
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
    pub notes: String,
    /// Monotonic release counter; an instrument never goes back to a lower one.
    pub sequence: u64,
    pub title: String,
    pub version: String,
}

/// One precondition the technician confirms before install, in English and
/// optionally German (the verifier shows the technician's language).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    /// Short name given on the command line as `--confirm ID`.
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_de: Option<String>,
}

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
        if !is_canonical_json(bytes) {
            return Err(ManifestError::NotCanonical);
        }
        // A quick look at `format` first, so a future version gets a clear message.
        #[derive(Deserialize)]
        struct Probe {
            format: Option<String>,
        }
        if let Ok(Probe { format: Some(f) }) = serde_json::from_slice::<Probe>(bytes) {
            if f != MANIFEST_FORMAT {
                return Err(ManifestError::UnsupportedFormat { found: f });
            }
        }
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Schema(e.to_string()))?;
        // One meaning, one encoding: `"confirm":[]` or `"requires_version":null`
        // parse like absent fields, so they are refused rather than signed twice.
        if m.to_canonical_bytes() != bytes {
            return Err(ManifestError::NotCanonical);
        }
        m.validate(limits)?;
        Ok(m)
    }

    /// The canonical bytes of this manifest (what gets signed).
    pub fn to_canonical_bytes(&self) -> Vec<u8> {
        let v = serde_json::to_value(self).expect("manifest serialises");
        serde_json::to_vec(&v).expect("manifest serialises")
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
        let r = &self.release;
        for (what, text) in [("release id", &r.id), ("release version", &r.version)] {
            if text.is_empty() || text.len() > 128 || text.chars().any(char::is_control) {
                return Err(invalid(format!(
                    "{what} {text:?} must be 1 to 128 printable characters"
                )));
            }
        }
        for (what, text) in [("title", &r.title), ("notes", &r.notes)] {
            if text.len() > limits.max_text_bytes {
                return Err(ManifestError::TooLarge {
                    what: if what == "title" {
                        "release title bytes"
                    } else {
                        "release notes bytes"
                    },
                    found: text.len() as u64,
                    limit: limits.max_text_bytes as u64,
                });
            }
        }
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
            for text in std::iter::once(&c.text).chain(&c.text_de) {
                if text.trim().is_empty() || text.len() > limits.max_text_bytes {
                    return Err(invalid(format!(
                        "confirmation {:?}: its text must be 1 to {} bytes",
                        c.id, limits.max_text_bytes
                    )));
                }
            }
        }
        if let Some(sbom) = &self.sbom {
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
        }
        check_count("targets", self.targets.len(), limits.max_targets)?;
        check_count("blobs", self.blobs.len(), limits.max_blobs)?;
        if self.targets.is_empty() {
            return Err(invalid("manifest has no targets"));
        }

        let mut blob_sizes: HashMap<Sha256Digest, u64> = HashMap::new();
        let mut total: u64 = 0;
        for b in &self.blobs {
            if blob_sizes.insert(b.sha256, b.size).is_some() {
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

        let mut used: BTreeSet<Sha256Digest> = BTreeSet::new();
        let mut pairs = BTreeSet::new();
        let mut file_count = 0usize;
        for t in &self.targets {
            let name = format!("target {:?}/{:?}", t.model, t.mode);
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
            if !pairs.insert((t.model.clone(), t.mode.clone())) {
                return Err(invalid(format!("{name} appears twice")));
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
            file_count += t.files.len();
            check_count("file entries", file_count, limits.max_files)?;
            // Deserialising checked paths against the default limits; these are the caller's.
            for f in &t.files {
                SafePath::parse(f.path.as_str(), limits)
                    .map_err(|e| invalid(format!("{name}: {:?}: {e}", f.path.as_str())))?;
            }
            check_tree(&name, &t.files)?;
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
    let mut seen: BTreeMap<String, &SafePath> = BTreeMap::new();
    for f in files {
        if let Some(other) = seen.insert(f.path.fold_key(), &f.path) {
            return Err(invalid(format!(
                "{name}: {:?} and {:?} name the same file on Windows",
                other.as_str(),
                f.path.as_str()
            )));
        }
    }
    for f in files {
        for dir in f.path.ancestors() {
            let key = SafePath::parse(dir, &Limits::default()).map(|p| p.fold_key());
            if let Some(file) = key.ok().and_then(|k| seen.get(&k)) {
                return Err(invalid(format!(
                    "{name}: {:?} is a file but {:?} needs it to be a directory",
                    file.as_str(),
                    f.path.as_str()
                )));
            }
        }
    }
    Ok(())
}

/// RFC 8785 for our subset (objects, arrays, strings, booleans, null and
/// integers): re-serialising through sorted maps gives the same bytes.
pub fn is_canonical_json(bytes: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(v) => serde_json::to_vec(&v).map(|b| b == bytes).unwrap_or(false),
        Err(_) => false,
    }
}
