//! The manifest's rules beyond its schema: what makes a parsed manifest
//! internally consistent (release, notice, SBOM, blobs, each target's
//! names, identifiers, paths and owned directories).

use std::collections::BTreeSet;

use crate::format::digest::Sha256Digest;
use crate::format::manifest::{
    invalid, valid_confirm_id, valid_mode, Blob, FileEntry, ManifestError, Notice, Release, Target,
    MAX_CONFIRM,
};
use crate::format::safepath::SafePath;
use crate::format::sbom::SbomRef;
use crate::format::texts::check_texts;
use crate::Limits;

/// The release's identity, texts and confirmation steps.
pub(crate) fn validate_release(r: &Release, limits: &Limits) -> Result<(), ManifestError> {
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
    if let Some(n) = &r.notice {
        validate_notice(n)?;
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

/// A notice's fields: short printable text, the date a calendar date.
pub fn validate_notice(n: &Notice) -> Result<(), ManifestError> {
    for (what, text, max) in [
        ("notice id", &n.id, 128),
        ("notice date", &n.date, 10),
        ("notice return_to", &n.return_to, 512),
    ] {
        if text.trim().is_empty() || text.len() > max || text.chars().any(char::is_control) {
            return Err(invalid(format!(
                "{what} {text:?} must be 1 to {max} printable characters"
            )));
        }
    }
    let d: Vec<&str> = n.date.split('-').collect();
    let num = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    let ok = d.len() == 3
        && num(d[0], 4)
        && num(d[1], 2)
        && num(d[2], 2)
        && (1..=12).contains(&d[1].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&d[2].parse::<u8>().unwrap_or(0));
    if !ok {
        return Err(invalid(format!(
            "notice date {:?} must be a date YYYY-MM-DD",
            n.date
        )));
    }
    Ok(())
}

pub(crate) fn validate_sbom(sbom: &SbomRef, limits: &Limits) -> Result<(), ManifestError> {
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

/// The blobs by digest: their positions sorted by digest (4 bytes a
/// blob, where a hash map of digests took ten times that for 100,000).
pub(crate) struct BlobIndex<'a> {
    blobs: &'a [Blob],
    sorted: Vec<u32>,
}

impl<'a> BlobIndex<'a> {
    /// No digest twice, the total within the limit.
    pub(crate) fn new(blobs: &'a [Blob], limits: &Limits) -> Result<Self, ManifestError> {
        let total = blobs.iter().fold(0u64, |t, b| t.saturating_add(b.size));
        if total > limits.max_total_bytes {
            return Err(ManifestError::TooLarge {
                what: "total payload bytes",
                found: total,
                limit: limits.max_total_bytes,
            });
        }
        // `max_blobs` was checked before; it is far below u32::MAX.
        let mut sorted: Vec<u32> = (0..blobs.len() as u32).collect();
        sorted.sort_unstable_by_key(|&i| blobs[i as usize].sha256);
        if let Some(w) = sorted
            .windows(2)
            .find(|w| blobs[w[0] as usize].sha256 == blobs[w[1] as usize].sha256)
        {
            let d = blobs[w[0] as usize].sha256;
            return Err(invalid(format!("blob {d} is listed twice")));
        }
        Ok(BlobIndex { blobs, sorted })
    }

    /// The position and size of the blob with digest `d`.
    pub(crate) fn get(&self, d: &Sha256Digest) -> Option<(usize, u64)> {
        let k = self
            .sorted
            .binary_search_by(|&i| self.blobs[i as usize].sha256.cmp(d))
            .ok()?;
        let i = self.sorted[k] as usize;
        Some((i, self.blobs[i].size))
    }
}

/// One target on its own: names, identifiers, version range, paths.
pub(crate) fn validate_target(
    name: &str,
    t: &Target,
    files: &[&FileEntry],
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
    if files.is_empty() {
        return Err(invalid(format!("{name} installs no files")));
    }
    check_count("file entries", file_count, limits.max_files)?;
    // Deserialising checked paths against the default limits; these are the caller's.
    for f in files {
        SafePath::parse(f.path.as_str(), limits)
            .map_err(|e| invalid(format!("{name}: {:?}: {e}", f.path.as_str())))?;
    }
    // The combined tree: a clash across two sets is a clash.
    crate::format::names::check_clashes(files.iter().map(|f| &f.path))
        .map_err(|e| invalid(format!("{name}: {e}")))?;
    check_owns(name, t, files, limits)?;
    crate::format::actions::check_actions(&t.actions, files)
        .map_err(|e| invalid(format!("{name}: {e}")))
}

/// Each owned directory is a directory of the target's files (a strict
/// ancestor of one of them), so an install never empties a place it does
/// not put files into.
fn check_owns(
    name: &str,
    t: &Target,
    files: &[&FileEntry],
    limits: &Limits,
) -> Result<(), ManifestError> {
    check_count("owned directories", t.owns.len(), limits.max_files)?;
    for d in &t.owns {
        SafePath::parse(d.as_str(), limits)
            .map_err(|e| invalid(format!("{name}: owns {:?}: {e}", d.as_str())))?;
        if !files
            .iter()
            .any(|f| f.path.ancestors().any(|a| a == d.as_str()))
        {
            return Err(invalid(format!(
                "{name}: owns {:?}, which is not a directory of its files",
                d.as_str()
            )));
        }
    }
    Ok(())
}

pub(crate) fn check_count(
    what: &'static str,
    found: usize,
    limit: usize,
) -> Result<(), ManifestError> {
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
