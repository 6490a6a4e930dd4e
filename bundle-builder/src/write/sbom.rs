//! Reading the SBOM a bundle carries.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use bundle_verifier::format::sbom::SbomSummary;
use bundle_verifier::Limits;

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
    let f = File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
    let meta = f.metadata().map_err(|e| err(format!("cannot stat: {e}")))?;
    if !meta.is_file() {
        return Err(err("is not a regular file".into()));
    }
    let mut bytes = Vec::new();
    f.take(limits.max_sbom_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > limits.max_sbom_bytes {
        return Err(err(format!(
            "is larger than {} bytes, the most a bundle carries",
            limits.max_sbom_bytes
        )));
    }
    let summary = bundle_verifier::format::sbom::parse(&bytes).map_err(|e| err(e.to_string()))?;
    Ok((bytes, summary))
}
