//! Split bundles (FORMAT.md 1.3): one container cut into volume files
//! `NAME.bundle`, `NAME.bundle.002`, … that each fit on a FAT32 stick. The
//! signed manifest, in the first volume, gives every later volume's size
//! and SHA-256; [`Volumes`] reads them one after the other as one stream and
//! checks each when it ends, so the payload reader never sees a byte of a
//! volume that is not the one signed without the error naming it.

use std::cell::RefCell;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::error::Error;
use crate::format::digest::{Hasher, Sha256Digest};
use crate::format::envelope::{padding, BLOCK};
use crate::format::manifest::{Manifest, ManifestError, Volume};

/// Most volumes of one bundle: the first and `.002` to `.999`.
pub const MAX_VOLUMES: usize = 999;

/// The smallest volume size a builder accepts (tests use it; real sticks
/// take `fat32`).
pub const MIN_VOLUME_SIZE: u64 = 4096;

/// The largest file FAT32 holds: 4 GiB − 1 byte.
pub const FAT32_MAX_FILE: u64 = (4 << 30) - 1;

/// The file of volume `n` (1-based) of the bundle whose first volume is `first`:
/// `first` itself, else `first` with `.002`, `.003`, … appended.
pub fn volume_path(first: &Path, n: usize) -> PathBuf {
    if n <= 1 {
        return first.to_owned();
    }
    let mut s: OsString = first.as_os_str().to_owned();
    s.push(format!(".{n:03}"));
    PathBuf::from(s)
}

/// The manifest's rules for `volumes` (FORMAT.md 1.3).
pub(crate) fn validate(volumes: &[Volume]) -> Result<(), ManifestError> {
    if volumes.len() >= MAX_VOLUMES {
        return Err(ManifestError::TooLarge {
            what: "volumes",
            found: volumes.len() as u64 + 1,
            limit: MAX_VOLUMES as u64,
        });
    }
    if volumes.iter().any(|v| v.size == 0) {
        return Err(ManifestError::Invalid("a volume of 0 bytes".into()));
    }
    Ok(())
}

/// The length of the whole container of `manifest` when everything before
/// the payload's header takes `front` bytes.
pub fn container_len(manifest: &Manifest, front: u64) -> u64 {
    let p = manifest.payload.size;
    front + BLOCK as u64 + p + padding(p) as u64 + 2 * BLOCK as u64
}

/// What is wrong with one volume.
#[derive(Debug)]
pub enum VolumeProblem {
    /// No such file beside the first volume.
    Missing,
    /// Another size than the signed one (cut short by a copy, or another file).
    Size { expected: u64, found: u64 },
    /// The signed size but another SHA-256: altered, or from another release;
    /// `holds` when it is another volume of this release (swapped names).
    Digest {
        expected: Sha256Digest,
        found: Sha256Digest,
        holds: Option<usize>,
    },
    /// It could not be opened or read.
    Unreadable(io::Error),
    /// The signed list does not fit the container (a builder's bug).
    Layout,
}

/// Which volume is being read, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolumeAt {
    /// 1-based.
    pub index: usize,
    pub count: usize,
    /// Bytes of all volumes together.
    pub total: u64,
}

type Observer = Rc<dyn Fn(VolumeAt)>;

thread_local! {
    static OBSERVER: RefCell<Option<Observer>> = const { RefCell::new(None) };
}

/// Calls `f` on this thread whenever a split bundle's reader starts a
/// volume (and once when it learns the count), until the guard is dropped.
/// The CLI shows "volume N of M" with it.
pub fn observe(f: impl Fn(VolumeAt) + 'static) -> ObserverGuard {
    OBSERVER.with(|o| *o.borrow_mut() = Some(Rc::new(f)));
    ObserverGuard(())
}

/// Ends [`observe`].
pub struct ObserverGuard(());

impl Drop for ObserverGuard {
    fn drop(&mut self) {
        OBSERVER.with(|o| *o.borrow_mut() = None);
    }
}

fn notify(at: VolumeAt) {
    let f = OBSERVER.with(|o| o.borrow().clone());
    if let Some(f) = f {
        f(at)
    }
}

/// The bundle as one stream over its volume files. Until [`Volumes::expect`]
/// is given the signed list it reads the first file only, so a stray
/// `.002` beside a single-file bundle is never opened.
pub struct Volumes {
    first: PathBuf,
    file: File,
    /// 1-based number of the volume being read.
    index: usize,
    /// Bytes read from it.
    pos: u64,
    hasher: Hasher,
    plan: Option<Plan>,
}

struct Plan {
    first_size: u64,
    later: Vec<Volume>,
}

impl Volumes {
    /// Opens the first volume (the bundle file the user named).
    pub fn open(first: &Path) -> Result<Self, Error> {
        let file = File::open(first).map_err(|source| Error::OpenBundle {
            path: first.to_owned(),
            source,
        })?;
        Ok(Volumes {
            first: first.to_owned(),
            file,
            index: 1,
            pos: 0,
            hasher: Hasher::default(),
            plan: None,
        })
    }

    /// Number of volumes: 1 until a split manifest was given.
    pub fn count(&self) -> usize {
        self.plan.as_ref().map_or(1, |p| p.later.len() + 1)
    }

    /// Takes the authenticated manifest's volume list, once the reader has
    /// read `front` bytes (everything before the payload's header, all of
    /// it in the first volume). Checks the first volume's size at once.
    pub fn expect(&mut self, manifest: &Manifest, front: u64) -> Result<(), Error> {
        if manifest.volumes.is_empty() {
            return Ok(());
        }
        let count = manifest.volumes.len() + 1;
        let total = container_len(manifest, front);
        let later: u64 = manifest.volumes.iter().map(|v| v.size).sum();
        let first_size = total
            .checked_sub(later)
            .filter(|&f| f >= front + BLOCK as u64 && self.pos <= f)
            .ok_or_else(|| self.fault(1, count, VolumeProblem::Layout))?;
        let found = self
            .file
            .metadata()
            .map_err(|e| self.fault(1, count, VolumeProblem::Unreadable(e)))?
            .len();
        if found != first_size {
            let problem = VolumeProblem::Size {
                expected: first_size,
                found,
            };
            return Err(self.fault(1, count, problem));
        }
        self.plan = Some(Plan {
            first_size,
            later: manifest.volumes.clone(),
        });
        notify(VolumeAt {
            index: 1,
            count,
            total,
        });
        Ok(())
    }

    fn fault(&self, index: usize, count: usize, problem: VolumeProblem) -> Error {
        Error::Volume {
            index,
            count,
            path: volume_path(&self.first, index),
            problem: Box::new(problem),
        }
    }

    fn io_fault(&self, problem: VolumeProblem) -> io::Error {
        io::Error::other(self.fault(self.index, self.count(), problem))
    }

    /// The signed size of the volume being read.
    fn expected_size(&self, plan: &Plan) -> u64 {
        match self.index {
            1 => plan.first_size,
            i => plan.later[i - 2].size,
        }
    }

    /// After the payload failed a check while a later volume was being
    /// read: reads the rest of that volume and, when it is not the signed
    /// one, names it instead of `e` (earlier volumes matched, so it is the
    /// likelier cause, and the one a technician can replace).
    pub fn blame(&mut self, e: Error) -> Error {
        let Some(plan) = &self.plan else { return e };
        if self.index == 1 || matches!(e, Error::Volume { .. }) {
            return e;
        }
        let expected = self.expected_size(plan);
        let mut buf = vec![0u8; 64 << 10];
        while self.pos < expected {
            let want = buf
                .len()
                .min(usize::try_from(expected - self.pos).unwrap_or(usize::MAX));
            match self.file.read(&mut buf[..want]) {
                Ok(0) | Err(_) => return e,
                Ok(n) => {
                    self.hasher.update(&buf[..n]);
                    self.pos += n as u64;
                }
            }
        }
        match self.digest_problem() {
            Some(problem) => self.fault(self.index, self.count(), problem),
            None => e,
        }
    }

    /// The current later volume's digest, read whole, against the signed one.
    fn digest_problem(&mut self) -> Option<VolumeProblem> {
        let plan = self.plan.as_ref()?;
        let want = &plan.later[self.index - 2];
        let found = std::mem::take(&mut self.hasher).finish();
        (found != want.sha256).then(|| VolumeProblem::Digest {
            expected: want.sha256,
            found,
            holds: plan
                .later
                .iter()
                .position(|v| v.sha256 == found)
                .map(|i| i + 2),
        })
    }

    /// The current volume has all its bytes: demands its end, checks its
    /// digest, and opens the next one. False after the last.
    fn next_volume(&mut self) -> io::Result<bool> {
        let plan = self.plan.as_ref().expect("called with a plan");
        let expected = self.expected_size(plan);
        // Nothing more in the file: it did not grow while read.
        let mut one = [0u8; 1];
        let more = loop {
            match self.file.read(&mut one) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_fault(VolumeProblem::Unreadable(e))),
            }
        };
        if more != 0 {
            let found = self.file.metadata().map_or(expected + 1, |m| m.len());
            return Err(self.io_fault(VolumeProblem::Size { expected, found }));
        }
        if self.index > 1 {
            if let Some(problem) = self.digest_problem() {
                return Err(self.io_fault(problem));
            }
        }
        let plan = self.plan.as_ref().expect("called with a plan");
        let count = plan.later.len() + 1;
        if self.index == count {
            return Ok(false);
        }
        let total = plan.first_size + plan.later.iter().map(|v| v.size).sum::<u64>();
        self.index += 1;
        self.pos = 0;
        let path = volume_path(&self.first, self.index);
        self.file = File::open(&path).map_err(|e| {
            self.io_fault(match e.kind() {
                io::ErrorKind::NotFound => VolumeProblem::Missing,
                _ => VolumeProblem::Unreadable(e),
            })
        })?;
        let plan = self.plan.as_ref().expect("still there");
        let expected = self.expected_size(plan);
        let meta = self
            .file
            .metadata()
            .map_err(|e| self.io_fault(VolumeProblem::Unreadable(e)))?;
        if !meta.is_file() || meta.len() != expected {
            let found = if meta.is_file() { meta.len() } else { 0 };
            return Err(self.io_fault(VolumeProblem::Size { expected, found }));
        }
        notify(VolumeAt {
            index: self.index,
            count,
            total,
        });
        Ok(true)
    }
}

impl Read for Volumes {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(plan) = &self.plan else {
                let n = self.file.read(buf)?;
                self.pos += n as u64;
                return Ok(n);
            };
            let left = self.expected_size(plan) - self.pos;
            if left == 0 {
                if !self.next_volume()? {
                    return Ok(0);
                }
                continue;
            }
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = self.file.read(&mut buf[..want])?;
            if n == 0 {
                // Shorter now than when it was opened: changed while read.
                let expected = self.expected_size(plan);
                let found = self.pos;
                return Err(self.io_fault(VolumeProblem::Size { expected, found }));
            }
            if self.index > 1 {
                self.hasher.update(&buf[..n]);
            }
            self.pos += n as u64;
            return Ok(n);
        }
    }
}

/// The later volumes a split manifest names that are missing beside
/// `first` or have another size: the cheap check `scan` makes without
/// reading them.
pub fn check_present(first: &Path, manifest: &Manifest) -> Result<(), Error> {
    let count = manifest.volumes.len() + 1;
    for (i, v) in manifest.volumes.iter().enumerate() {
        let index = i + 2;
        let path = volume_path(first, index);
        let problem = match std::fs::metadata(&path) {
            Ok(m) if m.is_file() && m.len() == v.size => continue,
            Ok(m) => VolumeProblem::Size {
                expected: v.size,
                found: if m.is_file() { m.len() } else { 0 },
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => VolumeProblem::Missing,
            Err(e) => VolumeProblem::Unreadable(e),
        };
        return Err(Error::Volume {
            index,
            count,
            path,
            problem: Box::new(problem),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_volumes_are_named_by_appending_three_digits() {
        let first = Path::new("stick").join("R.bundle");
        assert_eq!(volume_path(&first, 1), first);
        assert_eq!(
            volume_path(&first, 2),
            Path::new("stick").join("R.bundle.002")
        );
        assert_eq!(
            volume_path(&first, 999),
            Path::new("stick").join("R.bundle.999")
        );
    }

    /// The test vector's three volumes, each announced as it starts.
    #[test]
    fn the_observer_hears_each_volume_as_it_starts() {
        let v = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
        let pem = std::fs::read_to_string(v.join("v1-minimal/test-key.pub")).unwrap();
        let key = bundle_keys::PublicKey::from_pem(&pem).unwrap();
        let trust = crate::TrustedKeys::new(vec![key], 1).unwrap();
        let seen = Rc::new(RefCell::new(Vec::new()));
        let heard = seen.clone();
        let guard = observe(move |at| heard.borrow_mut().push(at));
        let bundle = v.join("v1-volumes/vector.bundle");
        let r = crate::verify(&bundle, &trust, &Default::default(), &|_| {}).unwrap();
        drop(guard);
        let seen = seen.borrow();
        let total = r.bundle_size;
        let at = |index| VolumeAt {
            index,
            count: 3,
            total,
        };
        assert_eq!(*seen, [at(1), at(2), at(3)]);
        assert_eq!(total, 4096 + 4096 + 3584);
    }

    #[test]
    fn fat32_holds_one_byte_less_than_four_gib() {
        assert_eq!(FAT32_MAX_FILE, 4_294_967_295);
    }
}
