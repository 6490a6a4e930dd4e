//! Reading the SBOM a bundle carries.

use std::path::Path;

use bundle_verifier::format::read::{read_at_most, ReadError};

use bundle_verifier::format::sbom::SbomSummary;
use bundle_verifier::Limits;

use crate::error::read_error;
use crate::BuildError;

/// Reads and checks the SBOM file: a regular file, within the size limit,
/// CycloneDX or SPDX 2 JSON. Its bytes are carried as they are.
pub(super) fn read_sbom(
    path: &Path,
    limits: &Limits,
) -> Result<(Vec<u8>, SbomSummary), BuildError> {
    let err = |msg: String| BuildError::Sbom {
        path: path.to_owned(),
        msg,
    };
    // A regular file within the limit, else refused without reading it
    // (a FIFO or device is refused without waiting for it).
    let bytes = match read_at_most(path, limits.max_sbom_bytes) {
        Ok(b) => b,
        Err(ReadError::TooLarge) => {
            return Err(err(format!(
                "is larger than {} bytes, the most a bundle carries",
                limits.max_sbom_bytes
            )))
        }
        Err(e) => return Err(err(read_error("cannot open", e, limits.max_sbom_bytes))),
    };
    let summary = bundle_verifier::format::sbom::parse(&bytes).map_err(|e| err(e.to_string()))?;
    Ok((bytes, summary))
}
