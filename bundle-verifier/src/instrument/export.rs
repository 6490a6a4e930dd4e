//! `receipts export`: the receipts and the device public key copied out of
//! the state directory (e.g. onto the USB stick), for the auditor. Apart from
//! the receipts themselves, so that writing receipts never depends on the
//! journal that recovers before an export.

use std::path::{Path, PathBuf};

use crate::Error;

/// What `receipts export` copied.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Exported {
    pub to: PathBuf,
    pub receipts: Vec<String>,
    pub device_public_key: PathBuf,
}

/// Copies every receipt and the device public key (needed to verify them)
/// to `to`, e.g. the USB stick. Files already there with the same bytes are
/// kept; a different file of the same name is never overwritten.
pub fn export(state: &Path, to: &Path) -> Result<Exported, Error> {
    let (state, _) = crate::instrument::journal::open_and_recover(state)?;
    let (key, _) = state.device_key(false)?;
    std::fs::create_dir_all(to).map_err(Error::io("cannot create", to))?;
    let mut names: Vec<String> = std::fs::read_dir(state.receipts())
        .map_err(Error::io("cannot read", state.receipts()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    names.sort();
    let pub_name = format!("device-{}.pub", key.key_id());
    let mut files: Vec<(PathBuf, Vec<u8>)> =
        vec![(to.join(&pub_name), key.public_key().to_pem().into_bytes())];
    for n in &names {
        let src = state.receipts().join(n);
        let bytes = std::fs::read(&src).map_err(Error::io("cannot read", &src))?;
        files.push((to.join(n), bytes));
    }
    for (dest, bytes) in &files {
        match std::fs::read(dest) {
            Ok(existing) if &existing == bytes => continue,
            Ok(_) => {
                return Err(Error::Config(format!(
                    "{} already exists with other content; export into an empty directory",
                    dest.display()
                )))
            }
            Err(_) => crate::instrument::state::write_atomic(dest, bytes)?,
        }
    }
    Ok(Exported {
        to: to.to_owned(),
        receipts: names,
        device_public_key: to.join(pub_name),
    })
}
