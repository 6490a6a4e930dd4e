//! The outer container: a POSIX ustar archive with four members in a fixed
//! order (plus optional trust roots after the first), whose every header block is the canonical one for its name
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
/// Optional, between the signatures and the payload, present exactly when
/// the manifest has an `sbom` entry.
pub const MEMBER_SBOM: &str = "sbom.json";

/// Name of the optional member carrying trust root version `version`
/// (between `format` and `manifest.json`, FORMAT.md "Trust root").
pub fn trust_root_member(version: u64) -> String {
    format!("trust-root.{version}.json")
}

/// The version in a trust root member name, if `name` is one (canonical
/// decimal, no leading zero).
pub fn parse_trust_root_member(name: &str) -> Option<u64> {
    let v = name.strip_prefix("trust-root.")?.strip_suffix(".json")?;
    let n: u64 = v.parse().ok()?;
    (n.to_string() == v && n > 0).then_some(n)
}

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
            Err(e) => return Err(Error::read_bundle(e)),
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
        let block = self.read_block(name)?;
        check_header(&block, at, name, max_size)
    }

    fn read_block(&mut self, name: &str) -> Result<[u8; BLOCK], Error> {
        let at = self.offset;
        let mut block = [0u8; BLOCK];
        let read = self.read_exact(&mut block, &format!("header of {name}"));
        if at == 0 {
            // Whatever was read must start like a bundle. A short file that
            // does not is not a bundle, rather than a truncated one (an
            // empty file may be either; a failed copy is the likelier, so it
            // stays truncated).
            let got = match &read {
                Ok(()) => BLOCK,
                Err(Error::Truncated { offset, .. }) => *offset as usize,
                Err(_) => 0, // a read error says more than a guess
            };
            let n = got.min(MEMBER_FORMAT.len());
            if got > 0 && block[..n] != MEMBER_FORMAT.as_bytes()[..n] {
                return Err(Error::NotABundle);
            }
        }
        read.map(|()| block)
    }

    fn read_data(&mut self, name: &str, size: u64) -> Result<Vec<u8>, Error> {
        let mut data = vec![0u8; size as usize];
        self.read_exact(&mut data, name)?;
        self.read_padding(size, name)?;
        Ok(data)
    }

    /// Reads a small member whole (header, data, padding).
    pub fn read_member(&mut self, name: &str, max_size: u64) -> Result<Vec<u8>, Error> {
        let size = self.read_header(name, max_size)?;
        self.read_data(name, size)
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
                Err(e) => return Err(Error::read_bundle(e)),
            }
        }
    }

    /// Reads the format marker, any trust roots, the manifest and the
    /// signatures: everything before the payload.
    pub fn read_front(&mut self, limits: &Limits) -> Result<Front, Error> {
        let marker = self.read_member(MEMBER_FORMAT, 64)?;
        if marker != FORMAT_MARKER {
            return Err(Error::UnsupportedContainer {
                found: String::from_utf8_lossy(&marker).trim().to_owned(),
            });
        }
        let mut trust_roots: Vec<(u64, Vec<u8>)> = Vec::new();
        let manifest = loop {
            let at = self.offset;
            let block = self.read_block(MEMBER_MANIFEST)?;
            let name = header_name(&block);
            if name == MEMBER_MANIFEST.as_bytes() {
                let size = check_header(&block, at, MEMBER_MANIFEST, limits.max_manifest_bytes)?;
                break self.read_data(MEMBER_MANIFEST, size)?;
            }
            let version = std::str::from_utf8(name)
                .ok()
                .and_then(parse_trust_root_member);
            let expected = match trust_roots.last() {
                Some((v, _)) => trust_root_member(v + 1),
                None => "trust-root.<version>.json".into(),
            };
            let bad = || Error::BadHeader {
                offset: at,
                member: format!("{MEMBER_MANIFEST} or {expected}"),
            };
            let version = version.ok_or_else(bad)?;
            if trust_roots.last().is_some_and(|(v, _)| *v + 1 != version) {
                return Err(bad());
            }
            if trust_roots.len() >= limits.max_trust_roots {
                return Err(Error::TooLarge {
                    what: "number of trust roots".into(),
                    found: trust_roots.len() as u64 + 1,
                    limit: limits.max_trust_roots as u64,
                });
            }
            let member = trust_root_member(version);
            let size = check_header(&block, at, &member, limits.max_trust_root_bytes)?;
            trust_roots.push((version, self.read_data(&member, size)?));
        };
        let signatures = self.read_member(MEMBER_SIGNATURES, limits.max_signatures_bytes)?;
        Ok(Front {
            trust_roots,
            manifest,
            signatures,
        })
    }

    pub fn inner_mut(&mut self) -> &mut R {
        &mut self.inner
    }
}

/// The name field of a header block (up to its first NUL).
fn header_name(block: &[u8; BLOCK]) -> &[u8] {
    let field = &block[..100];
    &field[..field.iter().position(|&b| b == 0).unwrap_or(100)]
}

/// Checks that `block` is the canonical header of member `name` and returns
/// the size it declares.
fn check_header(block: &[u8; BLOCK], at: u64, name: &str, max_size: u64) -> Result<u64, Error> {
    let size = tar::Header::from_byte_slice(block)
        .size()
        .map_err(|_| Error::BadHeader {
            offset: at,
            member: name.to_owned(),
        })?;
    if *block != canonical_header(name, size) {
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

/// The unauthenticated front of a bundle, as read.
#[derive(Clone, Debug)]
pub struct Front {
    /// Trust root members as (version from the member name, exact bytes), in order.
    pub trust_roots: Vec<(u64, Vec<u8>)>,
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
    fn a_short_file_is_not_a_bundle_unless_it_starts_like_one() {
        let first = |bytes: &[u8]| EnvelopeReader::new(bytes).read_header(MEMBER_FORMAT, 64);
        assert!(matches!(first(b"hello, world\n"), Err(Error::NotABundle)));
        assert!(matches!(
            first(&[0x28, 0xb5, 0x2f, 0xfd]),
            Err(Error::NotABundle)
        ));
        // A prefix of a real bundle, or nothing at all: cut short.
        let h = canonical_header(MEMBER_FORMAT, 10);
        for cut in [0, 3, 100, 511] {
            assert!(
                matches!(first(&h[..cut]), Err(Error::Truncated { offset, .. }) if offset == cut as u64),
                "{cut}"
            );
        }
        assert_eq!(first(&h).unwrap(), 10);
    }

    #[test]
    fn padding_fills_to_a_block() {
        assert_eq!(padding(0), 0);
        assert_eq!(padding(1), 511);
        assert_eq!(padding(512), 0);
        assert_eq!(padding(513), 511);
    }
}
