//! Where the payload starts in the bundle file, known before the payload is
//! finished, so the compressed stream can be written straight into the
//! bundle instead of into a spool file that is copied at the end (a copy,
//! and a disk write the final sync then waits for).
//!
//! The members before the payload (format, trust roots, manifest,
//! signatures, SBOM) are known once every file is hashed, except for the
//! payload's own digest and size in the manifest. The digest is always 64
//! hex digits; the size's digit count is bounded by what is already written
//! and by zstd's worst case. When every digit count in that range gives the
//! same number of 512-byte blocks, the offset is certain. Otherwise the
//! builder spools and copies, as it always could; the final layout is
//! computed from the real manifest either way and the bytes are the same.

use bundle_verifier::format::envelope::BLOCK;

/// Bytes of a member (header, data, zero padding to a whole block).
pub fn member_len(data: u64) -> u64 {
    BLOCK as u64 + data.div_ceil(BLOCK as u64) * BLOCK as u64
}

/// The payload's offset in the bundle for each digit count of its size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// `offsets[d]`: where the payload data starts when its size has `d`
    /// decimal digits (index 0 unused).
    offsets: [u64; 21],
    /// More than the compressed payload can be (zstd's worst case).
    max_size: u64,
}

impl Plan {
    /// `fixed`: the bytes of every member before the payload's data but the
    /// manifest (the payload's header included); `manifest_len_one_digit`:
    /// the manifest's length with a one-digit payload size; `tar_size`: the
    /// payload before compression.
    pub fn new(fixed: u64, manifest_len_one_digit: u64, tar_size: u64) -> Self {
        let mut offsets = [0; 21];
        for (d, o) in offsets.iter_mut().enumerate().skip(1) {
            *o = fixed + member_len(manifest_len_one_digit + d as u64 - 1);
        }
        // zstd's bound for one frame, with room for the block headers of
        // every multithreaded job. Were it ever too low, the builder would
        // find the payload elsewhere than planned and copy it into place.
        let max_size =
            zstd::zstd_safe::compress_bound(tar_size as usize) as u64 + tar_size / 4096 + 4096;
        Plan { offsets, max_size }
    }

    /// The payload's offset, if its size can no longer change it: the size
    /// is at least `written` and at most the worst case.
    pub fn offset(&self, written: u64) -> Option<u64> {
        let lo = digits(written);
        let hi = digits(self.max_size.max(written));
        let first = self.offsets[lo];
        (lo..=hi).all(|d| self.offsets[d] == first).then_some(first)
    }
}

/// Decimal digits of `n` as a JSON integer.
fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_counts_are_those_of_json_integers() {
        for (n, d) in [(0, 1), (9, 1), (10, 2), (999_999, 6), (u64::MAX, 20)] {
            assert_eq!(digits(n), d, "{n}");
            assert_eq!(n.to_string().len(), d);
        }
    }

    #[test]
    fn the_offset_is_given_only_when_no_possible_size_moves_it() {
        // A manifest far from a block boundary: any size gives one offset.
        let p = Plan::new(2048, 1000, 1 << 30);
        assert_eq!(p.offset(1), Some(2048 + 512 + 1024));
        // 510 bytes with one digit: four or more digits cross into a third
        // block, so a size that may still have fewer leaves it open.
        let p = Plan::new(0, 510, 1 << 30);
        assert_eq!(p.offset(5), None);
        assert_eq!(p.offset(999), None);
        assert_eq!(p.offset(1000), Some(1536));
        // Written beyond the worst case (a wrong bound): still consistent.
        assert_eq!(p.offset(u64::MAX), Some(1536));
    }
}
