//! Shared file sets (FORMAT.md 2.4): a manifest of format 2 lists each set
//! of files once, and a target names the sets it installs, in layer order.
//! A target's files are the union of its sets; a path in two of them is
//! refused unless the later reference is an override, which then wins.
//! Every rule on a target's files is checked on that combined tree.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::format::manifest::{FileEntry, Manifest, ManifestError, Target};

/// The value of `format` in a manifest with file sets.
pub const MANIFEST_FORMAT_SETS: &str = "offline-patch-bundle/2";

/// Longest name of a file set, in bytes.
pub const MAX_SET_NAME: usize = 128;

/// One set of files, listed once however many targets install it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSet {
    pub files: Vec<FileEntry>,
    pub name: String,
}

/// A target's reference to a file set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetRef {
    pub name: String,
    /// Whether this set's files replace those of earlier sets at the same
    /// path; without it, such a path is refused.
    #[serde(default, rename = "override", skip_serializing_if = "is_false")]
    pub replaces: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Set names are printable ASCII without spaces: they are shown and logged.
pub fn valid_set_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_SET_NAME && name.bytes().all(|b| b.is_ascii_graphic())
}

fn invalid(msg: impl Into<String>) -> ManifestError {
    ManifestError::Invalid(msg.into())
}

impl Manifest {
    /// The set named `name`.
    pub fn set(&self, name: &str) -> Option<&FileSet> {
        self.sets.iter().find(|s| s.name == name)
    }

    /// The files `t` installs: its own list, or its sets combined in order
    /// (an override replacing the earlier entry at its place). Sets the
    /// manifest lacks are skipped; a validated manifest has them all.
    pub fn files_of<'a>(&'a self, t: &'a Target) -> Vec<&'a FileEntry> {
        if t.sets.is_empty() {
            return t.files.iter().collect();
        }
        let sets: Vec<&FileSet> = t.sets.iter().filter_map(|r| self.set(&r.name)).collect();
        let mut out: Vec<&FileEntry> = Vec::with_capacity(sets.iter().map(|s| s.files.len()).sum());
        if !t.sets.iter().any(|r| r.replaces) {
            out.extend(sets.iter().flat_map(|s| &s.files));
            return out;
        }
        let mut at: HashMap<&str, usize> = HashMap::with_capacity(out.capacity());
        for f in sets.iter().flat_map(|s| &s.files) {
            match at.entry(f.path.as_str()) {
                Entry::Occupied(e) => out[*e.get()] = f,
                Entry::Vacant(e) => {
                    e.insert(out.len());
                    out.push(f);
                }
            }
        }
        out
    }

    /// Target `at` with its files combined, taken out of the manifest: the
    /// sets' entries are moved, not copied (a copy of 100,000 entries was
    /// 10 MiB of an apply's peak), so the manifest keeps no file lists
    /// afterwards and its other targets cannot be resolved any more.
    pub fn take_target(&mut self, at: usize) -> Target {
        let t = &self.targets[at];
        // The manifest keeps the target's names (other modes, reports).
        let kept = Target {
            actions: t.actions.clone(),
            catalog: t.catalog.clone(),
            files: Vec::new(),
            mode: t.mode.clone(),
            model: t.model.clone(),
            owns: t.owns.clone(),
            requires_version: t.requires_version.clone(),
            sets: Vec::new(),
            udi_di: t.udi_di.clone(),
        };
        let mut t = std::mem::replace(&mut self.targets[at], kept);
        if t.sets.is_empty() {
            return t;
        }
        let order: Vec<usize> = t
            .sets
            .iter()
            .filter_map(|r| self.sets.iter().position(|s| s.name == r.name))
            .collect();
        // The first set's list becomes the target's (moved: no second list
        // of 100,000 entries); a later set's entry replaces the one at its
        // path (validation allows that only for an override) or follows,
        // which is the order of `files_of`.
        let overrides = t.sets.iter().any(|r| r.replaces);
        let mut files: Vec<FileEntry> = Vec::new();
        for (n, &i) in order.iter().enumerate() {
            let set = std::mem::take(&mut self.sets[i].files);
            if n == 0 {
                files = set;
                continue;
            }
            if !overrides {
                files.extend(set);
                continue;
            }
            let mut by_path: Vec<usize> = (0..files.len()).collect();
            by_path.sort_unstable_by(|&a, &b| files[a].path.cmp(&files[b].path));
            for f in set {
                match by_path.binary_search_by(|&k| files[k].path.cmp(&f.path)) {
                    Ok(p) => files[by_path[p]] = f,
                    Err(_) => files.push(f),
                }
            }
        }
        t.files = files;
        t.sets = Vec::new();
        t
    }

    /// Where `t`, a target of this manifest, is in `targets`: what
    /// [`Manifest::take_target`] takes once the borrow `t` has ended.
    pub fn index_of(&self, t: &Target) -> usize {
        self.targets
            .iter()
            .position(|x| std::ptr::eq(x, t))
            .expect("a target of this manifest")
    }
}

/// The sets on their own: names, no empty set, each used by a target.
pub(crate) fn validate_sets(m: &Manifest) -> Result<(), ManifestError> {
    let sets_format = m.format == MANIFEST_FORMAT_SETS;
    if sets_format == m.sets.is_empty() {
        return Err(invalid(format!(
            "a manifest of format {:?} {} file sets",
            m.format,
            if sets_format {
                "must list"
            } else {
                "cannot list"
            }
        )));
    }
    let mut names = HashSet::new();
    for s in &m.sets {
        if !valid_set_name(&s.name) {
            return Err(invalid(format!(
                "file set name {:?} must be 1 to {MAX_SET_NAME} printable ASCII characters without spaces",
                s.name
            )));
        }
        if !names.insert(s.name.as_str()) {
            return Err(invalid(format!("file set {:?} is listed twice", s.name)));
        }
        if s.files.is_empty() {
            return Err(invalid(format!("file set {:?} holds no files", s.name)));
        }
    }
    let mut used = HashSet::new();
    for t in &m.targets {
        let name = format!("target {:?}/{:?}", t.model, t.mode);
        if !t.sets.is_empty() && !t.files.is_empty() {
            return Err(invalid(format!(
                "{name} lists files and file sets; a target has one or the other"
            )));
        }
        let mut mine = HashSet::new();
        for (i, r) in t.sets.iter().enumerate() {
            if !names.contains(r.name.as_str()) {
                return Err(invalid(format!(
                    "{name} refers to file set {:?}, which the manifest does not list",
                    r.name
                )));
            }
            if !mine.insert(r.name.as_str()) {
                return Err(invalid(format!(
                    "{name} refers to file set {:?} twice",
                    r.name
                )));
            }
            if i == 0 && r.replaces {
                return Err(invalid(format!(
                    "{name}: its first file set {:?} is marked override, but there is nothing before it",
                    r.name
                )));
            }
            used.insert(r.name.as_str());
        }
    }
    if let Some(s) = m.sets.iter().find(|s| !used.contains(s.name.as_str())) {
        return Err(invalid(format!(
            "file set {:?} is installed by no target",
            s.name
        )));
    }
    Ok(())
}

/// A path in two of `t`'s sets is refused unless the later one overrides;
/// a path twice in one set always.
pub(crate) fn check_layers(name: &str, m: &Manifest, t: &Target) -> Result<(), ManifestError> {
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, r) in t.sets.iter().enumerate() {
        let Some(set) = m.set(&r.name) else { continue };
        for f in &set.files {
            match at.entry(f.path.as_str()) {
                Entry::Occupied(mut e) => {
                    let first = &t.sets[*e.get()].name;
                    if *e.get() == i {
                        return Err(invalid(format!(
                            "file set {first:?} lists {} twice",
                            f.path
                        )));
                    }
                    if !r.replaces {
                        return Err(invalid(format!(
                            "{name}: {} is in file set {first:?} and in file set {:?}, which is not marked override",
                            f.path, r.name
                        )));
                    }
                    e.insert(i);
                }
                Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::format::manifest::Manifest;
    use crate::Limits;

    const V2: &[u8] = include_bytes!("../../../tests/vectors/v2-sets/manifest.json");

    #[test]
    fn taking_a_target_gives_the_files_its_sets_combine_to() {
        let m = Manifest::parse(V2, &Limits::default()).unwrap();
        for (at, t) in m.targets.iter().enumerate() {
            let want: Vec<_> = m.files_of(t).into_iter().cloned().collect();
            assert_eq!(m.index_of(t), at);
            let mut taken = m.clone();
            let got = taken.take_target(at);
            assert_eq!(got.files, want, "{}/{}", t.model, t.mode);
            assert!(got.sets.is_empty());
            assert_eq!((&got.model, &got.mode), (&t.model, &t.mode));
        }
        // Model B's override: its settings.ini, in common's place.
        let b = &m.targets[1];
        let files = m.files_of(b);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["lib/core.txt", "settings.ini", "lib/plugin.txt"]);
        assert_eq!(files[1].sha256, m.set("model-b").unwrap().files[1].sha256);
    }
}
