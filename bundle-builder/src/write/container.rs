//! The container (FORMAT.md, "Container"): the members before the payload,
//! the payload's padding and the end of the archive, and the temporary
//! files a bundle is written into. Knows nothing of how the payload is made.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use bundle_verifier::format::envelope::{
    canonical_header, padding, trust_root_member, BLOCK, FORMAT_MARKER, MEMBER_FORMAT,
    MEMBER_MANIFEST, MEMBER_PAYLOAD, MEMBER_SBOM, MEMBER_SIGNATURES,
};

use crate::BuildError;

/// The members before the payload, as bytes.
pub(super) struct Front<'a> {
    pub(super) trust_roots: &'a [(u64, Vec<u8>)],
    pub(super) manifest: &'a [u8],
    pub(super) sigs: &'a [u8],
    pub(super) sbom: Option<&'a [u8]>,
}

impl Front<'_> {
    /// Where the payload's data starts: what `write_front` writes.
    pub(super) fn payload_offset(&self) -> u64 {
        let mut c = Count(0);
        write_front(&mut c, self, 0).expect("counting does not fail");
        c.0
    }
}

/// A writer that only counts what it is given.
pub(super) struct Count(pub(super) u64);

impl Write for Count {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(super) fn out_dir(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// An empty temporary file beside `out`, to become it.
pub(super) fn new_temp(out: &Path) -> Result<tempfile::NamedTempFile, BuildError> {
    let dir = out_dir(out);
    tempfile::Builder::new()
        .prefix(".bundle-")
        .tempfile_in(&dir)
        .map_err(BuildError::io("cannot create a file in", &dir))
}

/// Writes the whole container into `tmp`, the payload from `payload`.
pub(super) fn write_container_to(
    tmp: &tempfile::NamedTempFile,
    front: &Front,
    payload: &mut impl Read,
    payload_size: u64,
    out: &Path,
) -> Result<(), BuildError> {
    let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
    write_container(&mut w, front, payload, payload_size)
        .and_then(|()| w.flush())
        .map_err(BuildError::io("cannot write", out))
}

/// Finishes the container around a payload already written: in `bundle`
/// when it sits at its offset there, else copied from where it is into a
/// new file. The finished file, and whether the payload was in place.
pub(super) fn complete(
    bundle: tempfile::NamedTempFile,
    spool: &mut File,
    placed: Option<u64>,
    front: &Front,
    payload_size: u64,
    out: &Path,
) -> Result<(tempfile::NamedTempFile, bool), BuildError> {
    let werr = |e: io::Error| BuildError::io("cannot write", out)(e);
    let offset = front.payload_offset();
    let in_place = placed == Some(offset);
    let tmp = match placed {
        // The payload is where it belongs: write what goes around it.
        Some(at) if at == offset => {
            let mut f = bundle.as_file();
            f.rewind().map_err(werr)?;
            let mut w = BufWriter::with_capacity(1 << 20, f);
            write_front(&mut w, front, payload_size).map_err(werr)?;
            w.flush().map_err(werr)?;
            drop(w);
            f.seek(io::SeekFrom::Start(at + payload_size))
                .map_err(werr)?;
            write_tail(&mut f, payload_size).map_err(werr)?;
            bundle
        }
        // Not where it belongs (cannot happen unless `place` is wrong):
        // copy it from there into a new file.
        Some(at) => {
            let mut src = bundle.as_file();
            src.seek(io::SeekFrom::Start(at)).map_err(werr)?;
            let tmp = new_temp(out)?;
            write_container_to(&tmp, front, &mut src, payload_size, out)?;
            tmp
        }
        None => {
            let dir = out_dir(out);
            spool
                .rewind()
                .map_err(BuildError::io("cannot read back", &dir))?;
            write_container_to(&bundle, front, spool, payload_size, out)?;
            bundle
        }
    };
    Ok((tmp, in_place))
}

fn write_member(w: &mut impl Write, name: &str, data: &[u8]) -> io::Result<()> {
    w.write_all(&canonical_header(name, data.len() as u64))?;
    w.write_all(data)?;
    w.write_all(&vec![0u8; padding(data.len() as u64)])
}

/// The container, member by member (FORMAT.md, "Container").
fn write_container(
    w: &mut impl Write,
    front: &Front,
    payload: &mut impl Read,
    payload_size: u64,
) -> io::Result<()> {
    write_front(w, front, payload_size)?;
    let copied = io::copy(&mut payload.take(payload_size), w)?;
    if copied != payload_size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "payload shorter than its size",
        ));
    }
    write_tail(w, payload_size)
}

/// Every member before the payload, and the payload's header.
pub(super) fn write_front(w: &mut impl Write, front: &Front, payload_size: u64) -> io::Result<()> {
    write_member(w, MEMBER_FORMAT, FORMAT_MARKER)?;
    for (version, bytes) in front.trust_roots {
        write_member(w, &trust_root_member(*version), bytes)?;
    }
    write_member(w, MEMBER_MANIFEST, front.manifest)?;
    write_member(w, MEMBER_SIGNATURES, front.sigs)?;
    if let Some(sbom) = front.sbom {
        write_member(w, MEMBER_SBOM, sbom)?;
    }
    w.write_all(&canonical_header(MEMBER_PAYLOAD, payload_size))
}

/// The payload's padding and the end of the archive.
fn write_tail(w: &mut impl Write, payload_size: u64) -> io::Result<()> {
    w.write_all(&vec![0u8; padding(payload_size)])?;
    w.write_all(&[0u8; 2 * BLOCK])
}
