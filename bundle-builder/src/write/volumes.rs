//! Split bundles (FORMAT.md 1.3): the container cut into volume files of at
//! most `--volume-size` bytes, the later ones bound by size and SHA-256 in
//! the signed manifest. The later volumes hold only payload bytes (and the
//! archive's end), so they are written and hashed before the manifest is
//! signed; the first holds everything before the payload and its start.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use bundle_verifier::format::digest::{Hasher, Sha256Digest};
use bundle_verifier::format::envelope::{padding, BLOCK};
use bundle_verifier::format::manifest::Volume;
use bundle_verifier::format::volumes::{volume_path, FAT32_MAX_FILE, MAX_VOLUMES, MIN_VOLUME_SIZE};
use bundle_verifier::{Limits, TrustedKeys, VerifyOptions};
use serde::Serialize;

use super::container::{out_dir, write_front, Front};
use crate::place::member_len;
use crate::{platform, BuildError};

/// Parses `--volume-size`: bytes, or a number with `K`, `M`, `G` or `T`
/// (binary units: 1K = 1024), or `fat32` (4 GiB − 1 byte).
pub fn parse_volume_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("fat32") {
        return Ok(FAT32_MAX_FILE);
    }
    let (digits, shift) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        Some('T') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let n: u64 = digits.parse().map_err(|_| {
        format!("{s:?} is not a size: write bytes, or a number with K, M, G or T (binary units), or fat32")
    })?;
    let size = n
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))?;
    if size < MIN_VOLUME_SIZE {
        return Err(format!(
            "{s:?} is below the smallest volume size, {MIN_VOLUME_SIZE} bytes (4K)"
        ));
    }
    Ok(size)
}

/// The warning for a single-file bundle that FAT32 cannot hold.
pub(super) fn fat32_warning(out: &Path, size: u64) -> Option<String> {
    (size > FAT32_MAX_FILE).then(|| {
        format!(
            "{} is {size} bytes: it will not fit on a FAT32 USB stick (at most 4 GiB - 1 byte per file). \
             Build it with `--volume-size fat32` to split it into volumes that do, or use an exFAT or NTFS stick",
            out.display()
        )
    })
}

/// Where the volumes cut the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Layout {
    /// Bytes before the payload's data (its header included).
    pub(super) payload_offset: u64,
    pub(super) first: u64,
    /// The later volumes, digests still zero until written.
    pub(super) later: Vec<Volume>,
}

/// The volume sizes of a container of `total` bytes.
fn cut(total: u64, volume_size: u64) -> Vec<Volume> {
    let mut later = Vec::new();
    let mut left = total.saturating_sub(volume_size);
    while left > 0 {
        let size = left.min(volume_size);
        later.push(Volume {
            sha256: Sha256Digest([0; 32]),
            size,
        });
        left -= size;
    }
    later
}

/// Plans the cut. The manifest lists the later volumes, so its length
/// depends on their count and sizes, which depend on its length; every
/// digest has 64 hex digits, so only the sizes' digits move it, and a few
/// rounds reach the fixed point (each round can only lengthen the
/// manifest). `None` when the bundle fits in one volume.
pub(super) fn plan(
    fixed: u64,
    manifest_len: u64,
    payload_size: u64,
    volume_size: u64,
) -> Result<Option<Layout>, BuildError> {
    let mut later: Vec<Volume> = Vec::new();
    for _ in 0..64 {
        let listed = if later.is_empty() {
            0
        } else {
            // `,"volumes":` and the list, after the last member `targets`.
            11 + serde_json::to_vec(&later).expect("serialises").len() as u64
        };
        let payload_offset = fixed + member_len(manifest_len + listed);
        let total = payload_offset + payload_size + padding(payload_size) as u64 + 2 * BLOCK as u64;
        let next = cut(total, volume_size);
        if next != later {
            later = next;
            continue;
        }
        if later.is_empty() {
            return Ok(None);
        }
        if payload_offset > volume_size {
            return Err(BuildError::Usage(format!(
                "--volume-size {volume_size} is too small: the first volume must hold the manifest, signatures and every other member before the payload, {payload_offset} bytes"
            )));
        }
        if later.len() + 1 > MAX_VOLUMES {
            return Err(BuildError::Usage(format!(
                "--volume-size {volume_size} would make {} volumes; at most {MAX_VOLUMES} are allowed: choose a larger size",
                later.len() + 1
            )));
        }
        return Ok(Some(Layout {
            payload_offset,
            first: volume_size,
            later,
        }));
    }
    unreachable!("the manifest's length grows with each round and is bounded")
}

/// The container from `from` bytes into the payload on: the payload from
/// the spool, then the zero padding and end blocks.
fn tail(spool: &mut File, payload_size: u64, from: u64) -> io::Result<impl Read + '_> {
    let zeros = padding(payload_size) as u64 + 2 * BLOCK as u64;
    let start = from.min(payload_size);
    spool.seek(io::SeekFrom::Start(start))?;
    let skip_zeros = from.saturating_sub(payload_size);
    Ok(spool
        .take(payload_size - start)
        .chain(io::repeat(0).take(zeros - skip_zeros)))
}

/// A split bundle being written: a private directory beside the output
/// holding the volumes under their final names, moved out once checked.
pub(super) struct Split {
    /// Removed, with anything left in it, when the split is dropped.
    _dir: tempfile::TempDir,
    first: PathBuf,
    layout: Layout,
}

/// One written volume, for the build report.
#[derive(Clone, Debug, Serialize)]
pub struct VolumeFile {
    pub file: PathBuf,
    pub size: u64,
    /// Absent for the first volume, which holds the manifest itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Sha256Digest>,
}

impl Split {
    /// Writes every later volume from the spooled payload and fills in
    /// their digests.
    pub(super) fn write_later(
        out: &Path,
        mut layout: Layout,
        spool: &mut File,
        payload_size: u64,
    ) -> Result<Self, BuildError> {
        let dir = tempfile::Builder::new()
            .prefix(".bundle-")
            .tempdir_in(out_dir(out))
            .map_err(BuildError::io(
                "cannot create a directory in",
                &out_dir(out),
            ))?;
        let name = out
            .file_name()
            .ok_or_else(|| BuildError::Usage(format!("{} does not name a file", out.display())))?;
        let first = dir.path().join(name);
        let from = layout.first - layout.payload_offset;
        let mut src =
            tail(spool, payload_size, from).map_err(BuildError::io("cannot read back", out))?;
        for (i, v) in layout.later.iter_mut().enumerate() {
            let path = volume_path(&first, i + 2);
            let werr = BuildError::io("cannot write", &path);
            let f = File::create(&path).map_err(werr)?;
            let mut w = BufWriter::with_capacity(1 << 20, &f);
            let mut h = Hasher::default();
            let mut buf = vec![0u8; 1 << 20];
            let mut left = v.size;
            while left > 0 {
                let n = left.min(buf.len() as u64) as usize;
                src.read_exact(&mut buf[..n])
                    .map_err(BuildError::io("cannot read back", out))?;
                h.update(&buf[..n]);
                w.write_all(&buf[..n])
                    .map_err(BuildError::io("cannot write", &path))?;
                left -= n as u64;
            }
            w.flush().map_err(BuildError::io("cannot write", &path))?;
            v.sha256 = h.finish();
        }
        Ok(Split {
            _dir: dir,
            first,
            layout,
        })
    }

    pub(super) fn volumes(&self) -> &[Volume] {
        &self.layout.later
    }

    /// Writes the first volume around the signed front, checks the whole
    /// set with the verifier, and moves it beside `out` (the first volume
    /// last, so `out` appears only when every volume is there).
    pub(super) fn finish(
        self,
        front: &Front,
        spool: &mut File,
        payload_size: u64,
        out: &Path,
        check: (&bundle_keys::PublicKey, &Limits),
    ) -> Result<(u64, Vec<VolumeFile>), BuildError> {
        let werr = |e| BuildError::io("cannot write", out)(e);
        let f = File::create(&self.first).map_err(werr)?;
        let mut w = BufWriter::with_capacity(1 << 20, &f);
        write_front(&mut w, front, payload_size).map_err(werr)?;
        if front.payload_offset() != self.layout.payload_offset {
            return Err(BuildError::Usage(
                "the signed manifest's length differs from the planned one; this is a bug, please report it".into(),
            ));
        }
        let first_payload = self.layout.first - self.layout.payload_offset;
        let mut src = tail(spool, payload_size, 0).map_err(werr)?;
        io::copy(&mut src.by_ref().take(first_payload), &mut w).map_err(werr)?;
        w.flush().map_err(werr)?;
        drop(w);
        let count = self.layout.later.len() + 1;
        let files: Vec<PathBuf> = (1..=count).map(|n| volume_path(&self.first, n)).collect();
        for p in &files {
            let f = File::options()
                .read(true)
                .write(true)
                .open(p)
                .map_err(BuildError::io("cannot open", p))?;
            platform::make_readable_by_all(&f)
                .map_err(BuildError::io("cannot set permissions on", p))?;
            f.sync_all().map_err(BuildError::io("cannot sync", p))?;
        }
        let (key, limits) = check;
        let trust = TrustedKeys::new(vec![key.clone()], 1).map_err(BuildError::SelfCheck)?;
        let opts = VerifyOptions {
            limits: limits.clone(),
            deep: false,
        };
        let r = bundle_verifier::verify(&self.first, &trust, &opts, &|_| {})
            .map_err(BuildError::SelfCheck)?;
        let mut report = Vec::new();
        // Later volumes first: the first names them all.
        for (i, p) in files.iter().enumerate().rev() {
            let to = volume_path(out, i + 1);
            std::fs::rename(p, &to).map_err(BuildError::io("cannot create", &to))?;
            report.push(VolumeFile {
                file: to,
                size: if i == 0 {
                    self.layout.first
                } else {
                    self.layout.later[i - 1].size
                },
                sha256: (i > 0).then(|| self.layout.later[i - 1].sha256),
            });
        }
        report.reverse();
        Ok((r.bundle_size, report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_binary_units_or_fat32() {
        assert_eq!(parse_volume_size("4K"), Ok(4096));
        assert_eq!(parse_volume_size("700M"), Ok(700 << 20));
        assert_eq!(parse_volume_size("4g"), Ok(4 << 30));
        assert_eq!(parse_volume_size("fat32"), Ok((4 << 30) - 1));
        assert_eq!(parse_volume_size("8192"), Ok(8192));
        for bad in ["", "4X", "-1K", "1K", "4095", "99999999999T"] {
            assert!(parse_volume_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_cut_fills_each_volume_but_the_last() {
        let sizes = |t, s| cut(t, s).iter().map(|v| v.size).collect::<Vec<_>>();
        assert_eq!(sizes(10_000, 4096), [4096, 1808]);
        assert_eq!(sizes(8192, 4096), [4096]);
        assert!(sizes(4096, 4096).is_empty());
    }

    #[test]
    fn the_plan_is_a_fixed_point_of_the_manifest_length() {
        // A bundle that fits is not split.
        assert_eq!(plan(2048, 1000, 100, 1 << 20).unwrap(), None);
        let l = plan(2048, 1000, 1 << 20, 64 << 10).unwrap().unwrap();
        let listed = 11 + serde_json::to_vec(&l.later).unwrap().len() as u64;
        assert_eq!(l.payload_offset, 2048 + member_len(1000 + listed));
        let total: u64 = l.first + l.later.iter().map(|v| v.size).sum::<u64>();
        assert_eq!(total, l.payload_offset + (1 << 20) + 1024);
        assert!(l.later.iter().all(|v| v.size <= 64 << 10));
        // A first volume too small for the members before the payload.
        assert!(plan(8192, 1000, 1 << 20, 4096).is_err());
    }

    #[test]
    fn only_a_bundle_over_four_gib_minus_one_gets_the_fat32_warning() {
        let out = Path::new("R.bundle");
        assert!(fat32_warning(out, FAT32_MAX_FILE).is_none());
        let w = fat32_warning(out, FAT32_MAX_FILE + 1).unwrap();
        assert!(
            w.contains("FAT32") && w.contains("--volume-size fat32"),
            "{w}"
        );
    }
}
