//! A target's payload layers (`files = ["payload/common", "payload/nextseq"]`)
//! and the file sets they become in the manifest: each distinct layer is
//! walked and listed once, however many targets install it.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use bundle_verifier::format::fileset::{valid_set_name, SetRef};
use bundle_verifier::format::names::check_clashes;
use bundle_verifier::Limits;
use serde::de::{self, value::MapAccessDeserializer, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::collect::{collect_layer, unused_pattern, CollectOptions, Collected};
use crate::error::{Problem, Problems};
use crate::{BuildError, Spec};

/// One payload folder of a target, relative to the spec.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub dir: PathBuf,
    /// Its files replace those of earlier layers at the same path; without
    /// it such a path is refused.
    #[serde(default, rename = "override")]
    pub replaces: bool,
}

/// `files = "dir"`, or a list of layers in order, each `"dir"` or
/// `{ dir = "dir", override = true }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layers(pub Vec<Layer>);

impl<'de> Deserialize<'de> for Layers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Layers;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a folder ("payload/nextseq") or a list of folders, each a string or { dir = "…", override = true }"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Layers, E> {
                Ok(Layers(vec![Layer {
                    dir: v.into(),
                    replaces: false,
                }]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Layers, A::Error> {
                let mut out = Vec::new();
                while let Some(LayerItem(l)) = seq.next_element()? {
                    out.push(l);
                }
                Ok(Layers(out))
            }
        }
        d.deserialize_any(V)
    }
}

struct LayerItem(Layer);

impl<'de> Deserialize<'de> for LayerItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LayerItem;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a folder ("payload/common") or { dir = "…", override = true }"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LayerItem, E> {
                Ok(LayerItem(Layer {
                    dir: v.into(),
                    replaces: false,
                }))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<LayerItem, A::Error> {
                Layer::deserialize(MapAccessDeserializer::new(map)).map(LayerItem)
            }
        }
        d.deserialize_any(V)
    }
}

impl Layers {
    /// The rules the spec alone can check.
    pub fn check(&self) -> Result<(), String> {
        let Some(first) = self.0.first() else {
            return Err("`files` lists no folder".into());
        };
        if first.replaces {
            return Err(format!(
                "the first folder of `files`, {:?}, is marked override, but there is nothing before it to override",
                first.dir
            ));
        }
        for (i, l) in self.0.iter().enumerate() {
            if self.0[..i].iter().any(|e| e.dir == l.dir) {
                return Err(format!("`files` lists {:?} twice", l.dir));
            }
        }
        Ok(())
    }
}

/// One distinct layer: a folder walked with one target's executable
/// patterns (the same folder with other patterns is another set).
#[derive(Clone, Debug)]
pub struct SetPlan {
    pub name: String,
    pub dir: PathBuf,
    pub executable: Option<Vec<String>>,
    /// Paths over the length limit allowed (the target's `long_paths`).
    pub long_paths: bool,
}

/// The distinct layers of a spec and each target spec's references to them.
#[derive(Clone, Debug)]
pub struct Layout {
    pub sets: Vec<SetPlan>,
    /// Per target spec, in spec order.
    pub refs: Vec<Vec<SetRef>>,
    /// Whether the manifest lists file sets (format 2): some target has
    /// several layers or some layer is used by several targets. Otherwise
    /// each target lists its files itself, as format 1 does.
    pub shared: bool,
}

impl Layout {
    pub fn of(spec: &Spec) -> Layout {
        let mut sets: Vec<SetPlan> = Vec::new();
        let mut refs = Vec::new();
        for t in &spec.targets {
            let mut mine = Vec::new();
            for l in &t.files.0 {
                let found = sets.iter().position(|s| {
                    s.dir == l.dir && s.executable == t.executable && s.long_paths == t.long_paths
                });
                let i = found.unwrap_or_else(|| {
                    let name = set_name(&l.dir, sets.len(), |n| sets.iter().any(|s| s.name == n));
                    sets.push(SetPlan {
                        name,
                        dir: l.dir.clone(),
                        executable: t.executable.clone(),
                        long_paths: t.long_paths,
                    });
                    sets.len() - 1
                });
                mine.push(SetRef {
                    name: sets[i].name.clone(),
                    replaces: l.replaces,
                });
            }
            refs.push(mine);
        }
        let mut layout = Layout {
            sets,
            refs,
            shared: false,
        };
        layout.shared = layout.is_shared();
        layout
    }

    fn is_shared(&self) -> bool {
        let mut uses: HashMap<&str, usize> = HashMap::new();
        for r in self.refs.iter().flatten() {
            *uses.entry(r.name.as_str()).or_default() += 1;
        }
        uses.values().any(|&u| u > 1) || self.refs.iter().any(|r| r.len() > 1)
    }

    /// One set for a folder whose files came out the same under two
    /// targets' executable patterns.
    fn merge_equal(&mut self, lists: &mut Vec<Vec<Collected>>) {
        let same = |a: &[Collected], b: &[Collected]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.path == y.path && x.executable == y.executable)
        };
        let mut j = 1;
        while j < self.sets.len() {
            let twin = (0..j)
                .find(|&i| self.sets[i].dir == self.sets[j].dir && same(&lists[i], &lists[j]));
            if let Some(i) = twin {
                let (from, to) = (self.sets[j].name.clone(), self.sets[i].name.clone());
                for r in self.refs.iter_mut().flatten() {
                    if r.name == from {
                        r.name = to.clone();
                    }
                }
                self.sets.remove(j);
                lists.remove(j);
            } else {
                j += 1;
            }
        }
        self.shared = self.is_shared();
    }

    /// Walks every distinct layer once, then checks each target's layers
    /// together: its executable patterns, paths in two layers, clashes.
    /// Every problem found is reported together, not only the first.
    pub fn collect(
        &mut self,
        spec: &Spec,
        limits: &Limits,
    ) -> Result<Vec<Vec<Collected>>, BuildError> {
        let mut problems = Problems::default();
        let mut lists = Vec::with_capacity(self.sets.len());
        let mut used = Vec::with_capacity(self.sets.len());
        for s in &self.sets {
            let opts = CollectOptions {
                executable: s.executable.as_deref(),
                long_paths: s.long_paths,
            };
            let (files, u) = collect_layer(&spec.base.join(&s.dir), opts, limits, &mut problems);
            lists.push(files);
            used.push(u);
        }
        for (t, refs) in spec.targets.iter().zip(&self.refs) {
            let idx: Vec<usize> = refs.iter().map(|r| self.index(&r.name)).collect();
            let dir = |i: usize| spec.base.join(&self.sets[i].dir);
            if let Some(patterns) = &t.executable {
                for (p, pattern) in patterns.iter().enumerate() {
                    if !idx.iter().any(|&i| used[i][p]) {
                        problems.push(unused_pattern(&dir(idx[0]), pattern));
                    }
                }
            }
            if let Err(p) = self.check_target(&idx, refs, &lists, dir) {
                problems.push(p);
            }
        }
        problems.into_result()?;
        self.merge_equal(&mut lists);
        Ok(lists)
    }

    /// The files of the `at`th target spec, from all its layers.
    pub fn target_files<'a>(&self, at: usize, lists: &'a [Vec<Collected>]) -> Vec<&'a Collected> {
        self.refs[at]
            .iter()
            .flat_map(|r| &lists[self.index(&r.name)])
            .collect()
    }

    /// The first folder of the `at`th target spec, to name it in a message.
    pub fn first_dir(&self, spec: &Spec, at: usize) -> PathBuf {
        spec.base
            .join(&self.sets[self.index(&self.refs[at][0].name)].dir)
    }

    fn index(&self, name: &str) -> usize {
        self.sets
            .iter()
            .position(|s| s.name == name)
            .expect("a reference of this layout")
    }

    /// One target's layers: a path in two of them only when the later one
    /// overrides; no clash in the combined tree.
    fn check_target(
        &self,
        idx: &[usize],
        refs: &[SetRef],
        lists: &[Vec<Collected>],
        dir: impl Fn(usize) -> PathBuf,
    ) -> Result<(), Problem> {
        // Each path's layer (position in `idx`) and place in `combined`.
        let mut at: HashMap<&str, (usize, usize)> = HashMap::new();
        let mut combined: Vec<&Collected> = Vec::new();
        for (k, (&i, r)) in idx.iter().zip(refs).enumerate() {
            for c in &lists[i] {
                match at.entry(c.path.as_str()) {
                    Entry::Occupied(e) if !r.replaces => {
                        let earlier = dir(idx[e.get().0]);
                        return Err(Problem::new(
                            &dir(i),
                            format!(
                                "{} is also in the earlier layer {}",
                                c.path,
                                earlier.display()
                            ),
                            "mark this layer `{ dir = \"…\", override = true }` if its files are \
                             meant to replace that layer's, or remove one of them",
                        ));
                    }
                    Entry::Occupied(mut e) => {
                        let pos = e.get().1;
                        e.insert((k, pos));
                        combined[pos] = c;
                    }
                    Entry::Vacant(e) => {
                        e.insert((k, combined.len()));
                        combined.push(c);
                    }
                }
            }
        }
        drop(at);
        check_clashes(combined.iter().map(|c| &c.path)).map_err(|e| {
            Problem::new(
                &layers_display(idx.iter().map(|&i| dir(i))),
                e.to_string(),
                "rename one of them so that the instruments can tell them apart",
            )
        })
    }
}

/// The layers of a target, named together in a message.
fn layers_display(dirs: impl Iterator<Item = PathBuf>) -> PathBuf {
    let v: Vec<String> = dirs.map(|d| d.display().to_string()).collect();
    PathBuf::from(v.join(" + "))
}

/// The folder as the spec spells it (with `/`), when that is a valid set
/// name not taken yet; else a numbered one.
fn set_name(dir: &Path, n: usize, taken: impl Fn(&str) -> bool) -> String {
    let spelled = dir.to_string_lossy().replace('\\', "/");
    let base = if valid_set_name(&spelled) {
        spelled
    } else {
        format!("layer-{}", n + 1)
    };
    let mut name = base.clone();
    let mut k = 2;
    while taken(&name) {
        name = format!("{base}~{k}");
        k += 1;
    }
    name
}

/// One folder, as `files = "dir"` gives it.
impl From<&str> for Layers {
    fn from(dir: &str) -> Self {
        Layers(vec![Layer {
            dir: dir.into(),
            replaces: false,
        }])
    }
}
