//! `receipts export`: the receipts and the device public key copied out of
//! the state directory (e.g. onto the USB stick), for the auditor. Apart from
//! the receipts themselves, so that writing receipts never depends on the
//! journal that recovers before an export.

use std::path::{Path, PathBuf};

use crate::format::read::{read_at_most, InputKind, ReadError};
use crate::instrument::state::read_in;
use crate::Error;

/// What `receipts export` copied.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Exported {
    pub to: PathBuf,
    pub receipts: Vec<String>,
    pub device_public_key: PathBuf,
    /// An interrupted install or rollback this run finished or undid first.
    pub recovered: Option<crate::instrument::journal::Recovered>,
}

/// Copies every receipt and the device public key (needed to verify them)
/// to `to`, e.g. the USB stick. Files already there with the same bytes are
/// kept; a different file of the same name is never overwritten.
pub fn export(state: &Path, to: &Path) -> Result<Exported, Error> {
    let (state, recovered) = crate::instrument::journal::open_and_recover(state)?;
    let (key, _) = state.device_key(false)?;
    std::fs::create_dir_all(to).map_err(Error::io("cannot create", to))?;
    let mut names: Vec<String> = state
        .tree
        .names("receipts")
        .map_err(Error::io("cannot read", state.receipts()))?
        .into_iter()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    names.sort();
    let pub_name = format!("device-{}.pub", key.key_id());
    // One receipt in memory at a time.
    let put = |dest: PathBuf, bytes: &[u8]| -> Result<(), Error> {
        // Read no more of what is there than the receipt it is compared with.
        match read_at_most(&dest, bytes.len() as u64) {
            Ok(existing) if existing == bytes => Ok(()),
            Ok(_) | Err(ReadError::TooLarge | ReadError::NotARegularFile) => {
                Err(Error::Config(format!(
                    "{} already exists with other content; export into an empty directory",
                    dest.display()
                )))
            }
            Err(ReadError::Io(_)) => crate::instrument::state::write_atomic(&dest, bytes),
        }
    };
    put(to.join(&pub_name), key.public_key().to_pem().as_bytes())?;
    for n in &names {
        let src = Path::new("receipts").join(n);
        let bytes = read_in(&state.tree, &src, InputKind::Receipt)?.ok_or_else(|| {
            Error::io("cannot read", state.abs(&src))(std::io::ErrorKind::NotFound.into())
        })?;
        put(to.join(n), &bytes)?;
    }
    Ok(Exported {
        to: to.to_owned(),
        receipts: names,
        device_public_key: to.join(pub_name),
        recovered,
    })
}
