//! [`Tree`]: a directory reached through a handle, and everything below it
//! reached relative to handles, never through a symbolic link.
//!
//! The instrument root and the state directory are each opened once, by
//! path ([`Tree::open_ambient`], the only place a path is resolved the
//! ordinary way). Every later operation names a file by a path relative to
//! that handle; the path is walked one component at a time, each directory
//! opened relative to the one before without following a link, and the last
//! component is created, opened, renamed or removed relative to its parent's
//! handle, again without following a link. A link anywhere on the way is an
//! error, not a detour; a directory swapped for a link while a command runs
//! cannot redirect a write out of the tree. Relative paths may hold only
//! plain names (no `..`, `.`, roots or prefixes).

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt};
use cap_std::fs::{Dir, OpenOptions};

use super::os;

/// Permissions of a created file: `0644`, `0755` (executable) or `0600`
/// (private, e.g. a secret key) on Unix; Windows has none of these bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perm {
    Plain,
    Exec,
    Private,
}

impl Perm {
    pub fn exec(exec: bool) -> Perm {
        if exec {
            Perm::Exec
        } else {
            Perm::Plain
        }
    }
}

/// What is at a path, without following a link there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Link,
    Other,
}

/// A directory handle and the path it was opened as (for messages only).
#[derive(Debug)]
pub struct Tree {
    dir: Dir,
    path: PathBuf,
}

/// The error of a path that meets a symbolic link.
fn link_error(path: &Path) -> io::Error {
    io::Error::other(format!(
        "{} is a symbolic link or not a directory; links are never followed here",
        path.display()
    ))
}

/// The plain names of a relative path; anything else is refused.
fn names(rel: &Path) -> io::Result<Vec<&OsStr>> {
    rel.components()
        .map(|c| match c {
            Component::Normal(n) => Ok(n),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a plain relative path", rel.display()),
            )),
        })
        .collect()
}

/// A borrowed or freshly opened directory handle.
enum Handle<'a> {
    Base(&'a Dir),
    Opened(Dir),
}

impl std::ops::Deref for Handle<'_> {
    type Target = Dir;
    fn deref(&self) -> &Dir {
        match self {
            Handle::Base(d) => d,
            Handle::Opened(d) => d,
        }
    }
}

/// The directory `dir` opened for reading, so it can be synced (a bare
/// directory handle may be one that can only name paths).
fn readable(dir: &Dir) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).maybe_dir(true);
    Ok(dir.open_with(".", &o)?.into_std())
}

fn nofollow() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.follow(FollowSymlinks::No);
    o
}

impl Tree {
    /// Opens `path` (normally an absolute, canonical path) as a tree. This is
    /// the only operation that resolves a path the ordinary way.
    pub fn open_ambient(path: &Path) -> io::Result<Tree> {
        let dir = Dir::open_ambient_dir(path, cap_std::ambient_authority())?;
        Ok(Tree {
            dir,
            path: path.to_owned(),
        })
    }

    /// The path this tree was opened as, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `rel` below the tree, as a path for messages.
    pub fn display(&self, rel: impl AsRef<Path>) -> PathBuf {
        let rel = rel.as_ref();
        if rel.as_os_str().is_empty() {
            self.path.clone()
        } else {
            self.path.join(rel)
        }
    }

    /// Opens each directory of `dirs` in turn without following a link.
    fn walk(&self, dirs: &[&OsStr]) -> io::Result<Handle<'_>> {
        let mut h = Handle::Base(&self.dir);
        let mut at = PathBuf::new();
        for n in dirs {
            at.push(n);
            h = match h.open_dir_nofollow(n) {
                Ok(d) => Handle::Opened(d),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(e),
                Err(e) => match h.symlink_metadata(n) {
                    Ok(m) if !m.is_dir() => return Err(link_error(&self.display(&at))),
                    _ => return Err(e),
                },
            };
        }
        Ok(h)
    }

    /// The handle of `rel`'s parent directory and `rel`'s last name.
    fn parent<'p>(&self, rel: &'p Path) -> io::Result<(Handle<'_>, &'p OsStr)> {
        let n = names(rel)?;
        let Some((last, dirs)) = n.split_last() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an empty path names no file",
            ));
        };
        Ok((self.walk(dirs)?, last))
    }

    /// The directory `rel` as a tree of its own (`""`: this one again).
    pub fn open_dir(&self, rel: impl AsRef<Path>) -> io::Result<Tree> {
        let rel = rel.as_ref();
        let dir = match self.walk(&names(rel)?)? {
            Handle::Base(d) => d.try_clone()?,
            Handle::Opened(d) => d,
        };
        Ok(Tree {
            dir,
            path: self.display(rel),
        })
    }

    /// What is at `rel`, without following a link there; `None` if nothing.
    pub fn kind(&self, rel: impl AsRef<Path>) -> io::Result<Option<Kind>> {
        let rel = rel.as_ref();
        if rel.as_os_str().is_empty() {
            return Ok(Some(Kind::Dir));
        }
        let (dir, name) = match self.parent(rel) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            r => r?,
        };
        match dir.symlink_metadata(name) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
            Ok(m) => {
                let t = m.file_type();
                Ok(Some(if t.is_symlink() {
                    Kind::Link
                } else if t.is_dir() {
                    Kind::Dir
                } else if t.is_file() {
                    Kind::File
                } else {
                    Kind::Other
                }))
            }
        }
    }

    /// Opens whatever is at `rel` for reading, without following a link
    /// and without waiting at the open (a FIFO with no writer opens at once,
    /// see [`super::open_for_reading`]); the caller checks what it opened.
    pub fn open_for_reading(&self, rel: impl AsRef<Path>) -> io::Result<File> {
        let (dir, name) = self.parent(rel.as_ref())?;
        let mut o = nofollow();
        o.read(true);
        os::nonblocking(&mut o);
        Ok(dir.open_with(name, &o)?.into_std())
    }

    /// Opens a regular file for reading; a link or anything else is refused.
    pub fn open_file(&self, rel: impl AsRef<Path>) -> io::Result<File> {
        let f = self.open_for_reading(rel.as_ref())?;
        if !f.metadata()?.is_file() {
            return Err(io::Error::other(format!(
                "{} is not a regular file",
                self.display(rel).display()
            )));
        }
        Ok(f)
    }

    /// Opens a file for reading; `None` if there is none.
    pub fn open_file_opt(&self, rel: impl AsRef<Path>) -> io::Result<Option<File>> {
        match self.open_file(rel) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            r => r.map(Some),
        }
    }

    /// Creates a new file for writing, never an existing one (nor a link).
    pub fn create_new(&self, rel: impl AsRef<Path>, perm: Perm) -> io::Result<File> {
        let (dir, name) = self.parent(rel.as_ref())?;
        let mut o = nofollow();
        o.write(true).create_new(true);
        os::file_mode(&mut o, perm);
        Ok(dir.open_with(name, &o)?.into_std())
    }

    /// Opens (creating if needed, never truncating) a file for writing, e.g.
    /// a lock file.
    pub fn open_lock(&self, rel: impl AsRef<Path>) -> io::Result<File> {
        let (dir, name) = self.parent(rel.as_ref())?;
        let mut o = nofollow();
        o.write(true).create(true).truncate(false);
        os::file_mode(&mut o, Perm::Plain);
        Ok(dir.open_with(name, &o)?.into_std())
    }

    /// Creates a new directory `<rel>-…` with a name no other has; returns its path.
    pub fn create_unique_dir(&self, rel: impl AsRef<Path>) -> io::Result<PathBuf> {
        static N: AtomicU64 = AtomicU64::new(0);
        let rel = rel.as_ref();
        loop {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let mut name = rel.as_os_str().to_owned();
            name.push(format!(
                "{}-{}-{nanos}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let p = PathBuf::from(name);
            match self.create_dir(&p) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                r => return r.map(|()| p),
            }
        }
    }

    /// Creates one directory; its parent must exist.
    pub fn create_dir(&self, rel: impl AsRef<Path>) -> io::Result<()> {
        let (dir, name) = self.parent(rel.as_ref())?;
        dir.create_dir_with(name, &os::dir_builder())
    }

    /// Creates a directory and any missing parents; an existing link on the
    /// way is refused.
    pub fn create_dir_all(&self, rel: impl AsRef<Path>) -> io::Result<()> {
        let rel = rel.as_ref();
        let mut h = Handle::Base(&self.dir);
        let mut at = PathBuf::new();
        for n in names(rel)? {
            at.push(n);
            match h.create_dir_with(n, &os::dir_builder()) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                _ => {}
            }
            h = Handle::Opened(
                h.open_dir_nofollow(n)
                    .map_err(|_| link_error(&self.display(&at)))?,
            );
        }
        Ok(())
    }

    /// Renames the file `from` in this tree to `to` in `dest` (the same
    /// file system), replacing a file there. Neither name is followed if it
    /// is a link. Across file systems it fails with an error that
    /// [`super::crosses_devices`] recognises.
    pub fn rename(
        &self,
        from: impl AsRef<Path>,
        dest: &Tree,
        to: impl AsRef<Path>,
    ) -> io::Result<()> {
        let (a, an) = self.parent(from.as_ref())?;
        let (b, bn) = dest.parent(to.as_ref())?;
        os::rename(&a, an, &b, bn)
    }

    /// Whether another process holds the file `rel` open so that it cannot
    /// be replaced now (Windows); always false on Unix, where a rename over
    /// an open file works. The file is not changed.
    pub fn held_open(&self, rel: impl AsRef<Path>) -> io::Result<bool> {
        let (dir, name) = self.parent(rel.as_ref())?;
        os::held_open(&dir, name)
    }

    /// A second name `to` in `dest` for the file `from`; never replaces.
    pub fn hard_link(
        &self,
        from: impl AsRef<Path>,
        dest: &Tree,
        to: impl AsRef<Path>,
    ) -> io::Result<()> {
        let (a, an) = self.parent(from.as_ref())?;
        let (b, bn) = dest.parent(to.as_ref())?;
        a.hard_link(an, &b, bn)
    }

    /// Removes a file (or a link itself, never what it points to).
    pub fn remove_file(&self, rel: impl AsRef<Path>) -> io::Result<()> {
        let (dir, name) = self.parent(rel.as_ref())?;
        dir.remove_file_or_symlink(name)
    }

    /// Removes an empty directory.
    pub fn remove_dir(&self, rel: impl AsRef<Path>) -> io::Result<()> {
        let (dir, name) = self.parent(rel.as_ref())?;
        dir.remove_dir(name)
    }

    /// Removes a file, a link or a directory tree; nothing there is fine.
    /// Links inside are removed themselves, never followed.
    pub fn remove_all(&self, rel: impl AsRef<Path>) -> io::Result<()> {
        let rel = rel.as_ref();
        let (dir, name) = match self.parent(rel) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            r => r?,
        };
        remove_in(&dir, name)
    }

    /// The names in directory `rel` (`""`: this one), unsorted.
    pub fn names(&self, rel: impl AsRef<Path>) -> io::Result<Vec<OsString>> {
        let d = self.walk(&names(rel.as_ref())?)?;
        d.entries()?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<Vec<_>>>()
    }

    /// Makes renames in directory `rel` (`""`: this one) durable; where
    /// directories cannot be synced (Windows), nothing.
    pub fn sync_dir(&self, rel: impl AsRef<Path>) {
        let Ok(n) = names(rel.as_ref()) else { return };
        if let Ok(d) = self.walk(&n) {
            if let Ok(f) = readable(&d) {
                os::sync_dir_handle(&f);
            }
        }
    }

    /// Copies the file `from` to `to` in `dest` (replacing a file there,
    /// never through a link), with its permission bits, and syncs the copy.
    pub fn copy(
        &self,
        from: impl AsRef<Path>,
        dest: &Tree,
        to: impl AsRef<Path>,
    ) -> io::Result<()> {
        let mut src = self.open_file(from)?;
        let (b, bn) = dest.parent(to.as_ref())?;
        let mut o = nofollow();
        o.write(true).create(true).truncate(true);
        let mut out = b.open_with(bn, &o)?.into_std();
        io::copy(&mut src, &mut out)?;
        out.set_permissions(src.metadata()?.permissions())?;
        out.sync_all()
    }

    /// Writes through a temporary file, fsync, rename and a sync of the
    /// directory: a reader (or the next run after a crash) sees the old
    /// bytes or the new ones, never a mix.
    pub fn write_atomic(&self, rel: impl AsRef<Path>, bytes: &[u8], perm: Perm) -> io::Result<()> {
        self.write_atomic_with(rel, perm, |w| w.write_all(bytes))
    }

    /// [`Tree::write_atomic`] for content that `write` streams (through a
    /// buffer): large records are never held whole in memory.
    pub fn write_atomic_with(
        &self,
        rel: impl AsRef<Path>,
        perm: Perm,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let rel = rel.as_ref();
        let (tmp, f) = self.create_temp(rel, perm)?;
        let mut w = io::BufWriter::with_capacity(64 * 1024, f);
        let written = write(&mut w)
            .and_then(|()| w.into_inner().map_err(io::IntoInnerError::into_error))
            .and_then(|f| f.sync_all());
        let renamed = written.and_then(|()| self.rename(&tmp, self, rel));
        if let Err(e) = renamed {
            let _ = self.remove_file(&tmp);
            return Err(e);
        }
        self.sync_dir(rel.parent().unwrap_or(Path::new("")));
        Ok(())
    }

    /// A new file `.tmp-…` beside `rel`, with its path.
    pub fn create_temp(&self, rel: &Path, perm: Perm) -> io::Result<(PathBuf, File)> {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = rel.parent().unwrap_or(Path::new(""));
        loop {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let name = format!(
                ".tmp-{}-{}-{nanos}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            );
            let tmp = dir.join(name);
            match self.create_new(&tmp, perm) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                r => return r.map(|f| (tmp, f)),
            }
        }
    }

    /// Whether `a` here and `b` in `other` are the same file (Unix: same
    /// device and inode; Windows: same volume and file index).
    pub fn same_file(&self, a: impl AsRef<Path>, other: &Tree, b: impl AsRef<Path>) -> bool {
        match (self.open_file(a), other.open_file(b)) {
            (Ok(x), Ok(y)) => os::same_file(&x, &y),
            _ => false,
        }
    }

    /// Returns once every file in `rels` (all in this tree) is on disk: one
    /// file-system sync on Linux, one flush per file elsewhere.
    pub fn sync_files<P: AsRef<Path>>(&self, rels: impl IntoIterator<Item = P>) -> io::Result<()> {
        let mut rels = rels.into_iter().peekable();
        if rels.peek().is_none() {
            return Ok(());
        }
        if os::sync_file_system(&readable(&self.dir)?)? {
            return Ok(());
        }
        for rel in rels {
            let (dir, name) = self.parent(rel.as_ref())?;
            let mut o = nofollow();
            o.read(true).write(os::SYNC_NEEDS_WRITE);
            dir.open_with(name, &o)?.sync_all()?;
        }
        Ok(())
    }

    /// Metadata of the tree's own directory, through its handle.
    pub fn own_metadata(&self) -> io::Result<std::fs::Metadata> {
        readable(&self.dir)?.metadata()
    }

    /// Refuses a directory others could change (Unix: group- or
    /// other-writable, or owned by someone but this user or root). The
    /// reason in words when it is refused.
    pub fn check_private(&self) -> io::Result<Result<(), &'static str>> {
        Ok(os::check_private(&self.own_metadata()?))
    }

    /// Bytes an unprivileged process may still write on the tree's file
    /// system; `None` where the platform is not asked.
    pub fn free_bytes(&self) -> io::Result<Option<u64>> {
        super::free_bytes(&self.path)
    }
}

/// Removes `name` in `dir`: a directory's entries first, links as links.
fn remove_in(dir: &Dir, name: &OsStr) -> io::Result<()> {
    let m = match dir.symlink_metadata(name) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        r => r?,
    };
    if !m.is_dir() {
        return match dir.remove_file_or_symlink(name) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            r => r,
        };
    }
    {
        let sub = dir.open_dir_nofollow(name)?;
        for e in sub.entries()? {
            remove_in(&sub, &e?.file_name())?;
        }
    }
    match dir.remove_dir(name) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Reads are bounded by their callers (`format::read`); tests read whole.
    fn read(t: &Tree, rel: &str) -> Vec<u8> {
        let mut out = Vec::new();
        t.open_file(rel).unwrap().read_to_end(&mut out).unwrap();
        out
    }

    fn setup() -> (tempfile::TempDir, Tree, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("in/a/b")).unwrap();
        let outside = d.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("canary"), b"keep").unwrap();
        let t = Tree::open_ambient(&d.path().join("in")).unwrap();
        (d, t, outside)
    }

    #[test]
    fn files_are_created_read_renamed_and_removed_relative_to_the_handle() {
        let (_d, t, _) = setup();
        t.create_new("a/b/f", Perm::Plain)
            .unwrap()
            .write_all(b"x")
            .unwrap();
        assert!(t.create_new("a/b/f", Perm::Plain).is_err());
        assert_eq!(read(&t, "a/b/f"), b"x");
        t.create_dir_all("c/d").unwrap();
        t.rename("a/b/f", &t, "c/d/g").unwrap();
        assert_eq!(t.kind("c/d/g").unwrap(), Some(Kind::File));
        assert_eq!(t.kind("a/b/f").unwrap(), None);
        t.write_atomic("c/d/g", b"new", Perm::Plain).unwrap();
        assert_eq!(read(&t, "c/d/g"), b"new");
        let mut n = t.names("c/d").unwrap();
        n.sort();
        assert_eq!(n, ["g"]);
        t.remove_all("c").unwrap();
        assert_eq!(t.kind("c").unwrap(), None);
        // Directories can really be synced, not only named, where a
        // directory handle can be flushed at all (not on Windows).
        if !os::SYNC_NEEDS_WRITE {
            readable(&t.dir).unwrap().sync_all().unwrap();
        }
        t.create_new("a/b/s", Perm::Plain).unwrap();
        t.sync_files([Path::new("a/b/s")]).unwrap();
        for bad in ["../x", "/etc/passwd", "a/../b", "./a", ""] {
            assert!(t.create_new(bad, Perm::Plain).is_err(), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn no_link_is_followed_at_any_component() {
        let (d, t, outside) = setup();
        let inside = d.path().join("in");
        std::os::unix::fs::symlink(&outside, inside.join("link")).unwrap();
        std::os::unix::fs::symlink("a", inside.join("rel")).unwrap();
        std::os::unix::fs::symlink(outside.join("canary"), inside.join("a/file")).unwrap();
        for dir in ["link", "rel"] {
            let f = format!("{dir}/new");
            assert!(t.create_new(&f, Perm::Plain).is_err(), "{f}");
            assert!(t.create_dir_all(format!("{dir}/x")).is_err());
            assert!(t.open_dir(dir).is_err());
            assert!(t.open_file(format!("{dir}/canary")).is_err());
            assert!(t.names(dir).is_err());
            assert_eq!(t.kind(dir).unwrap(), Some(Kind::Link));
        }
        assert!(t.open_file("a/file").is_err());
        assert!(t.copy("a/b", &t, "a/file").is_err());
        std::fs::write(inside.join("a/b/src"), b"x").unwrap();
        assert!(t.copy("a/b/src", &t, "a/file").is_err());
        assert!(t.rename("a/b/src", &t, "link/src").is_err());
        // Removing removes links themselves, never what they point to.
        t.remove_all("link").unwrap();
        t.remove_all("a").unwrap();
        assert_eq!(std::fs::read(outside.join("canary")).unwrap(), b"keep");
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1);
    }
}
