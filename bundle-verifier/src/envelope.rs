//! The outer container: a POSIX ustar archive with exactly four members in a
//! fixed order, whose every header block is the canonical one for its name
//! and size. Being a tar file, it opens with ordinary tools; being canonical,
//! no header byte can be changed without the bundle being refused.

use std::io::{self, Read};

use crate::error::Error;
use crate::Limits;

/// Contents of the first member: names the container format and its version.
pub const FORMAT_MARKER: &[u8] = b"offline-patch-bundle/1\n";
pub const MEMBER_FORMAT: &str = "format";
pub const MEMBER_MANIFEST: &str = "manifest.json";
pub const MEMBER_SIGNATURES: &str = "signatures.json";
pub const MEMBER_PAYLOAD: &str = "payload.tar.zst";

pub const BLOCK: usize = 512;

/// The one header block a conforming writer produces for a member: ustar,
/// regular file, mode 0644, owner 0:0 with empty names, mtime 0.
pub fn canonical_header(name: &str, size: u64) -> [u8; BLOCK] {
    let mut h = tar::Header::new_ustar();
    h.set_path(name).expect("member names are short ASCII");
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    *h.as_bytes()
}

/// Zero bytes that pad a member of `size` bytes to a whole block.
pub fn padding(size: u64) -> usize {
    ((BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64) as usize
}

/// Reads the container front to back, one member at a time, never seeking.
pub struct EnvelopeReader<R> {
    inner: R,
    /// Bytes consumed so far, for error messages that point at an offset.
    pub offset: u64,
}

fn read_exact_or_truncated<R: Read>(
    r: &mut R,
    buf: &mut [u8],
    offset: u64,
    what: &str,
) -> Result<(), Error> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => {
                return Err(Error::Truncated {
                    offset: offset + filled as u64,
                    what: what.to_owned(),
                })
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::ReadBundle(e)),
        }
    }
    Ok(())
}

impl<R: Read> EnvelopeReader<R> {
    pub fn new(inner: R) -> Self {
        EnvelopeReader { inner, offset: 0 }
    }

    fn read_exact(&mut self, buf: &mut [u8], what: &str) -> Result<(), Error> {
        read_exact_or_truncated(&mut self.inner, buf, self.offset, what)?;
        self.offset += buf.len() as u64;
        Ok(())
    }

    /// Reads a header block and returns the member size it declares, after
    /// checking the block is byte-for-byte the canonical one.
    pub fn read_header(&mut self, name: &str, max_size: u64) -> Result<u64, Error> {
        let at = self.offset;
        let mut block = [0u8; BLOCK];
        self.read_exact(&mut block, &format!("header of {name}"))?;
        if at == 0 && !block.starts_with(MEMBER_FORMAT.as_bytes()) {
            return Err(Error::NotABundle);
        }
        let size = tar::Header::from_byte_slice(&block)
            .size()
            .map_err(|_| Error::BadHeader {
                offset: at,
                member: name.to_owned(),
            })?;
        if block != canonical_header(name, size) {
            return Err(Error::BadHeader {
                offset: at,
                member: name.to_owned(),
            });
        }
        if size > max_size {
            return Err(Error::TooLarge {
                what: format!("{name} in bytes"),
                found: size,
                limit: max_size,
            });
        }
        Ok(size)
    }

    /// Reads a small member whole (header, data, padding).
    pub fn read_member(&mut self, name: &str, max_size: u64) -> Result<Vec<u8>, Error> {
        let size = self.read_header(name, max_size)?;
        let mut data = vec![0u8; size as usize];
        self.read_exact(&mut data, name)?;
        self.read_padding(size, name)?;
        Ok(data)
    }

    /// Reads the zero padding after a member of `size` bytes.
    pub fn read_padding(&mut self, size: u64, name: &str) -> Result<(), Error> {
        let mut pad = vec![0u8; padding(size)];
        let at = self.offset;
        self.read_exact(&mut pad, &format!("padding of {name}"))?;
        if pad.iter().any(|&b| b != 0) {
            return Err(Error::BadHeader {
                offset: at,
                member: name.to_owned(),
            });
        }
        Ok(())
    }

    /// Reads the two zero blocks that end the archive, then demands end of file.
    pub fn read_end(&mut self) -> Result<(), Error> {
        let at = self.offset;
        let mut end = [0u8; 2 * BLOCK];
        self.read_exact(&mut end, "end-of-archive blocks")?;
        if end.iter().any(|&b| b != 0) {
            return Err(Error::TrailingData { offset: at });
        }
        let mut one = [0u8; 1];
        loop {
            match self.inner.read(&mut one) {
                Ok(0) => return Ok(()),
                Ok(_) => {
                    return Err(Error::TrailingData {
                        offset: self.offset,
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::ReadBundle(e)),
            }
        }
    }

    /// Reads the format marker, manifest and signatures: everything before the payload.
    pub fn read_front(&mut self, limits: &Limits) -> Result<Front, Error> {
        let marker = self.read_member(MEMBER_FORMAT, 64)?;
        if marker != FORMAT_MARKER {
            return Err(Error::UnsupportedContainer {
                found: String::from_utf8_lossy(&marker).trim().to_owned(),
            });
        }
        let manifest = self.read_member(MEMBER_MANIFEST, limits.max_manifest_bytes)?;
        let signatures = self.read_member(MEMBER_SIGNATURES, limits.max_signatures_bytes)?;
        Ok(Front {
            manifest,
            signatures,
        })
    }

    pub fn inner_mut(&mut self) -> &mut R {
        &mut self.inner
    }
}

/// The unauthenticated front of a bundle, as read.
#[derive(Clone, Debug)]
pub struct Front {
    pub manifest: Vec<u8>,
    pub signatures: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_header_is_what_tar_builder_writes_with_fixed_fields() {
        let h = canonical_header("manifest.json", 1234);
        let parsed = tar::Header::from_byte_slice(&h);
        assert_eq!(parsed.path().unwrap().to_str(), Some("manifest.json"));
        assert_eq!(parsed.size().unwrap(), 1234);
        assert_eq!(parsed.mtime().unwrap(), 0);
        assert_eq!(&h[257..263], b"ustar\0");
    }

    #[test]
    fn padding_fills_to_a_block() {
        assert_eq!(padding(0), 0);
        assert_eq!(padding(1), 511);
        assert_eq!(padding(512), 0);
        assert_eq!(padding(513), 511);
    }
}
