//! `check-installed`: compare an instrument root with the signed manifests
//! of what was installed into it, for a customer who suspects the device.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::format::digest::Sha256Digest;
use crate::format::manifest::Manifest;
use crate::format::read::InputKind;
use crate::instrument::journal::{file_sha256, open_and_recover, open_root, Listing, Recovered};
use crate::instrument::receipt::ReleaseRef;
use crate::instrument::state::{canonical_root, check_apart, read_in, read_json_opt, StateDir};
use crate::trust::{SignatureFile, TrustedKeys};
use crate::Limits;

#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// True when every installed file is intact and nothing was added.
    pub ok: bool,
    pub root: PathBuf,
    pub installed: Vec<InstalledSummary>,
    /// Files whose content or executable bit differs from the manifest.
    pub modified: Vec<String>,
    pub missing: Vec<String>,
    /// Files that appeared, since the install, in a directory it installed into.
    pub unexpected: Vec<String>,
    pub files_checked: usize,
    /// True when the stored manifests' signatures were checked with trusted keys.
    pub signatures_checked: bool,
    pub recovered: Option<Recovered>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InstalledSummary {
    pub mode: String,
    pub model: String,
    pub release: ReleaseRef,
    pub manifest_sha256: Sha256Digest,
    pub installed_at: String,
}

/// With `trust`, the stored signatures of each installed manifest are also
/// checked against it, so the comparison is with what the vendor signed.
pub fn check_installed(
    root: &Path,
    state: &Path,
    trust: Option<&TrustedKeys>,
) -> Result<CheckReport, Error> {
    let root = canonical_root(root)?;
    check_apart(&root, state)?;
    let (state, recovered) = open_and_recover(state)?;
    let tree = open_root(&root)?;
    let st = &state.tree;
    let records: Vec<_> = state
        .installed_records()?
        .into_iter()
        .filter(|r| r.root == root)
        .collect();
    if records.is_empty() {
        return Err(Error::NothingInstalled { root });
    }
    let mut report = CheckReport {
        ok: true,
        root: root.clone(),
        installed: Vec::new(),
        modified: Vec::new(),
        missing: Vec::new(),
        unexpected: Vec::new(),
        files_checked: 0,
        signatures_checked: false,
        recovered,
    };
    let mut expected: BTreeSet<String> = BTreeSet::new();
    let mut listing = Listing::new();
    for r in &records {
        let mp = StateDir::installed(&r.mode, ".manifest.json");
        let bytes = read_in(st, &mp, InputKind::Manifest)?.ok_or_else(|| {
            Error::io("cannot read", st.display(&mp))(std::io::ErrorKind::NotFound.into())
        })?;
        let m = Manifest::parse(&bytes, &Limits::default())?;
        if Sha256Digest::of(&bytes) != r.manifest_sha256 {
            return Err(Error::Config(format!(
                "state file {} does not match the record of the install; the state directory was altered",
                st.display(&mp).display()
            )));
        }
        if let Some(trust) = trust {
            let sp = StateDir::installed(&r.mode, ".signatures.json");
            let sigs = read_in(st, &sp, InputKind::Signatures)?.ok_or_else(|| {
                Error::io("cannot read", st.display(&sp))(std::io::ErrorKind::NotFound.into())
            })?;
            let sigs = SignatureFile::parse(&sigs, &Limits::default())?;
            let candidates = trust.check(&bytes, &sigs)?;
            trust.judge(candidates, &m)?;
            report.signatures_checked = true;
        }
        // Checked: the files are compared with the parsed manifest only
        // (a manifest of 100,000 files is 23 MB).
        drop(bytes);
        let target = m.target(&r.model, &r.mode).ok_or_else(|| {
            Error::Config(format!(
                "{} has no target {}/{}",
                st.display(&mp).display(),
                r.model,
                r.mode
            ))
        })?;
        for f in m.files_of(target) {
            let p = Path::new(f.path.as_str());
            let name = f.path.to_string();
            expected.insert(name.clone());
            report.files_checked += 1;
            match file_sha256(&tree, p).map_err(Error::io("cannot read", tree.display(p)))? {
                None => report.missing.push(name),
                Some(d) => {
                    // Where the file system has no exec bit, only the bytes count.
                    let exec = tree
                        .open_file(p)
                        .and_then(|f| f.metadata())
                        .map(|m| crate::platform::exec_bit(&m));
                    let exec_ok = exec.is_ok_and(|e| e.is_none_or(|x| x == f.executable));
                    if d != f.sha256 || !exec_ok {
                        report.modified.push(name);
                    }
                }
            }
        }
        let tree: Listing =
            read_json_opt(st, StateDir::installed(&r.mode, ".tree.json"))?.unwrap_or_default();
        for (dir, names) in tree {
            listing.entry(dir).or_default().extend(names);
        }
        report.installed.push(InstalledSummary {
            mode: r.mode.clone(),
            model: r.model.clone(),
            release: (&r.release).into(),
            manifest_sha256: r.manifest_sha256,
            installed_at: r.installed_at.clone(),
        });
    }
    for (dir, names) in &listing {
        for n in tree.names(dir).into_iter().flatten() {
            let n = n.to_string_lossy().into_owned();
            let rel = if dir.is_empty() {
                n.clone()
            } else {
                format!("{dir}/{n}")
            };
            if !names.contains(&n) && !expected.contains(&rel) {
                report.unexpected.push(rel);
            }
        }
    }
    report.unexpected.sort();
    report.ok =
        report.modified.is_empty() && report.missing.is_empty() && report.unexpected.is_empty();
    Ok(report)
}
