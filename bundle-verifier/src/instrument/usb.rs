//! `usb`, the technician's one step, as far as the library goes: which of
//! the bundles a scan found to install (the newest that applies), what it
//! would change (read from the signed manifest and the root, before any
//! payload byte), and the receipts and a summary put on the stick after the
//! install. The install itself is `apply`'s, unchanged.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::format::manifest::Confirm;
use crate::instrument::identity::Identity;
use crate::instrument::journal::Action;
use crate::instrument::plan::{check_root_paths, plan};
use crate::instrument::receipt::ReleaseRef;
use crate::instrument::scan::ScanEntry;
use crate::instrument::state::{canonical_root, write_atomic};
use crate::platform::Tree;
use crate::trust::TrustedKeys;
use crate::verify::open_verified;
use crate::Limits;

/// Why a bundle the scan found is not the one to install.
#[derive(Debug)]
pub enum NotChosen<'a> {
    /// It applies, but another one is newer (or the same release).
    Older { newest: &'a ReleaseRef },
    /// It does not apply here, or was refused: the scan's error.
    Refused(&'a Error),
}

/// The scan's entry to install: the applying bundle with the highest
/// release sequence (the first by path among equals).
pub fn newest(found: &[ScanEntry]) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, e) in found.iter().enumerate() {
        if let (None, Some(r)) = (&e.error, &e.release) {
            if best.is_none_or(|(_, s)| r.sequence > s) {
                best = Some((i, r.sequence));
            }
        }
    }
    best.map(|(i, _)| i)
}

/// Why `found[i]` is not installed when `chosen` is.
pub fn why_not<'a>(found: &'a [ScanEntry], i: usize, chosen: Option<usize>) -> NotChosen<'a> {
    match (&found[i].error, chosen) {
        (Some(e), _) => NotChosen::Refused(e),
        (None, Some(c)) => NotChosen::Older {
            newest: found[c]
                .release
                .as_ref()
                .expect("an applying entry names its release"),
        },
        (None, None) => unreachable!("an applying bundle is always chosen"),
    }
}

/// What installing a bundle would do, before it is installed.
#[derive(Debug, Serialize)]
pub struct Preview {
    pub release: ReleaseRef,
    pub title: crate::format::manifest::Texts,
    pub added: usize,
    pub replaced: usize,
    pub unchanged: usize,
    /// The format never removes a file; always 0, said so people need not wonder.
    pub removed: usize,
    pub confirm: Vec<Confirm>,
    /// Modes of this model the release carries besides this one.
    pub other_modes: Vec<String>,
    /// The target's install actions, in order.
    pub actions: Vec<crate::format::actions::InstallAction>,
}

/// Reads the front of `bundle` (signatures checked) and compares its target
/// for `identity` with the root. Reads the root; writes nothing.
pub fn preview(
    bundle: &Path,
    trust: &TrustedKeys,
    identity: &Identity,
    root: &Path,
    limits: &Limits,
) -> Result<Preview, Error> {
    let mut o = open_verified(bundle, trust, limits)?;
    drop(std::mem::take(&mut o.manifest_bytes));
    let selected = identity.select(&o.manifest)?;
    let other_modes = o.manifest.other_modes(selected);
    let at = o.manifest.index_of(selected);
    // Its files combined from the file sets it names (format 2), moved out
    // of the manifest rather than copied.
    let target = &o.manifest.take_target(at);
    let root = canonical_root(root)?;
    let tree = Tree::open_ambient(&root).map_err(Error::io("cannot open", &root))?;
    check_root_paths(&tree, target)?;
    let ops = plan(&tree, target)?;
    let count = |a: Action| ops.iter().filter(|o| o.action == a).count();
    let release = &o.manifest.release;
    Ok(Preview {
        release: release.into(),
        title: release.title.clone(),
        added: count(Action::Add),
        replaced: count(Action::Replace),
        unchanged: count(Action::Unchanged),
        removed: 0,
        confirm: release.confirm.clone(),
        other_modes,
        actions: target.actions.clone(),
    })
}

/// The folder on the stick for one install's receipts: `receipts/<serial>-<mode>`.
/// The serial is the identity file's free text, so anything but letters,
/// digits, `-`, `_` and `.` becomes `_` (never a path of its own).
pub fn receipts_dir(stick: &Path, identity: &Identity) -> PathBuf {
    let safe = |s: &str| -> String {
        let s: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if s.trim_matches('.').is_empty() {
            "_".into()
        } else {
            s
        }
    };
    stick.join("receipts").join(format!(
        "{}-{}",
        safe(&identity.serial),
        safe(&identity.mode)
    ))
}

/// What was put on the stick.
#[derive(Debug, Serialize)]
pub struct Delivered {
    pub dir: PathBuf,
    pub receipts: Vec<String>,
    pub summary: PathBuf,
}

/// Exports the receipts (with the device key) to the stick's
/// [`receipts_dir`] and writes `summary` beside them as
/// `summary-<sequence>.txt`. Fails, changing nothing on the instrument,
/// when the stick cannot be written.
pub fn deliver(
    state: &Path,
    stick: &Path,
    identity: &Identity,
    sequence: u64,
    summary: &str,
) -> Result<Delivered, Error> {
    let dir = receipts_dir(stick, identity);
    let exported = crate::instrument::export::export(state, &dir)?;
    let file = dir.join(format!("summary-{sequence}.txt"));
    write_atomic(&file, summary.as_bytes())?;
    Ok(Delivered {
        dir,
        receipts: exported.receipts,
        summary: file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_serial_never_names_another_folder() {
        let id = Identity {
            model: "M".into(),
            udi_di: None,
            serial: "../..\\x:y".into(),
            mode: "Dx".into(),
            installed_version: "1.0.0".into(),
        };
        let d = receipts_dir(Path::new("stick"), &id);
        assert_eq!(d, Path::new("stick").join("receipts").join(".._.._x_y-Dx"));
        let dots = Identity {
            serial: "..".into(),
            ..id
        };
        assert_eq!(
            receipts_dir(Path::new("s"), &dots),
            Path::new("s").join("receipts").join("_-Dx")
        );
    }
}
