//! `scan`: which bundles on a mounted USB stick apply to this instrument,
//! and why the others do not. Reads only each bundle's front (format,
//! manifest, signatures); the payload is checked when the bundle is applied.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::format::envelope::{canonical_header, FORMAT_MARKER, MEMBER_FORMAT};
use crate::instrument::identity::Identity;
use crate::instrument::receipt::ReleaseRef;
use crate::instrument::state::StateDir;
use crate::trust::TrustedKeys;
use crate::verify::open_verified;
use crate::Limits;

/// How deep below the scanned directory bundles are looked for.
const MAX_DEPTH: usize = 3;

#[derive(Debug, Serialize)]
pub struct ScanEntry {
    pub file: PathBuf,
    /// Volume files of a split bundle (FORMAT.md 1.3), listed once by its
    /// first; 1 for a single file.
    pub volumes: usize,
    /// `applies`, `not-for-this-instrument` or `refused`.
    pub verdict: &'static str,
    pub release: Option<ReleaseRef>,
    /// Modes of this model the bundle carries besides this one.
    pub other_modes: Vec<String>,
    /// Why it does not apply, in English (the CLI translates `error`).
    pub reason: Option<String>,
    #[serde(skip)]
    pub error: Option<Error>,
}

/// Scans `dir` for bundles and judges each against the trust and identity.
/// With `state`, an already applied or older release counts as not applying.
pub fn scan(
    dir: &Path,
    trust: &TrustedKeys,
    identity: &Identity,
    state: Option<&Path>,
    limits: &Limits,
) -> Result<Vec<ScanEntry>, Error> {
    if !dir.is_dir() {
        return Err(Error::Config(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    find_bundles(dir, 0, &mut files);
    files.sort();
    // A state directory that does not exist yet holds no records.
    let state = state
        .filter(|p| p.exists())
        .map(StateDir::read_only)
        .transpose()?;
    let mut out = Vec::new();
    for file in files {
        let mut entry = ScanEntry {
            file: file.clone(),
            volumes: 1,
            verdict: "applies",
            release: None,
            other_modes: Vec::new(),
            reason: None,
            error: None,
        };
        let judged = (|| -> Result<(), Error> {
            let o = open_verified(&file, trust, limits)?;
            entry.release = Some((&o.manifest.release).into());
            entry.volumes = o.manifest.volumes.len() + 1;
            // Cheap: sizes only; each volume's digest is checked at apply.
            crate::format::volumes::check_present(&file, &o.manifest)?;
            let t = identity.select(&o.manifest)?;
            entry.other_modes = o.manifest.other_modes(t);
            if let Some(s) = &state {
                crate::instrument::install::check_sequence(
                    s,
                    &identity.mode,
                    &o.manifest.release,
                    false,
                )?;
            }
            Ok(())
        })();
        if let Err(e) = judged {
            entry.verdict = match e.class() {
                crate::ExitClass::NotApplicable => "not-for-this-instrument",
                _ => "refused",
            };
            entry.reason = Some(e.to_string());
            entry.error = Some(e);
        }
        out.push(entry);
    }
    Ok(out)
}

fn looks_like_bundle(p: &Path) -> bool {
    if p.extension().is_some_and(|e| e == "bundle") {
        return true;
    }
    let mut head = [0u8; 512];
    fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|_| head == canonical_header(MEMBER_FORMAT, FORMAT_MARKER.len() as u64))
}

fn find_bundles(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_dir() && depth < MAX_DEPTH {
            find_bundles(&p, depth + 1, out);
        } else if ft.is_file() && looks_like_bundle(&p) {
            out.push(p);
        }
    }
}
