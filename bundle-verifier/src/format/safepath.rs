//! [`SafePath`]: the only way to name a file in a bundle. A `SafePath` is a
//! relative, `/`-separated, NFC-normalised UTF-8 path that means the same file
//! on Linux and Windows and can never leave the directory it is joined to.

use std::fmt;
use std::path::{Path, PathBuf};

use unicode_normalization::{is_nfc, UnicodeNormalization};

use crate::Limits;

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SafePath(String);

/// Why a path is not portable or not safe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("path is empty")]
    Empty,
    #[error("path is {len} bytes long; the limit is {max}")]
    TooLong { len: usize, max: usize },
    #[error("path is nested {depth} directories deep; the limit is {max}")]
    TooDeep { depth: usize, max: usize },
    #[error("path is absolute; bundle paths are relative to the instrument root")]
    Absolute,
    #[error("path has an empty component (\"//\" or a trailing \"/\")")]
    EmptyComponent,
    #[error("path has a \".\" or \"..\" component")]
    DotComponent,
    #[error("path contains a backslash; use \"/\" between directories")]
    Backslash,
    #[error("path contains the character {0:?}, which Windows does not allow in file names")]
    ForbiddenChar(char),
    #[error("path contains a control character (U+{0:04X})")]
    ControlChar(u32),
    #[error("component {0:?} ends with a dot or space, which Windows strips")]
    TrailingDotOrSpace(String),
    #[error("component {0:?} is a reserved device name on Windows")]
    ReservedName(String),
    #[error("component {comp:?} is {len} bytes long; the limit is {max}")]
    ComponentTooLong {
        comp: String,
        len: usize,
        max: usize,
    },
    #[error("path is not in Unicode normal form C (NFC)")]
    NotNfc,
}

const RESERVED: &[&str] = &["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];

fn is_reserved(component: &str) -> bool {
    // Windows ignores everything after the first dot, and trailing spaces.
    let stem = component
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    if RESERVED.contains(&stem.as_str()) {
        return true;
    }
    for prefix in ["COM", "LPT"] {
        if let Some(rest) = stem.strip_prefix(prefix) {
            if matches!(
                rest,
                "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
            ) {
                return true;
            }
        }
    }
    false
}

impl SafePath {
    pub fn parse(s: &str, limits: &Limits) -> Result<Self, PathError> {
        if s.is_empty() {
            return Err(PathError::Empty);
        }
        if s.len() > limits.max_path_bytes {
            return Err(PathError::TooLong {
                len: s.len(),
                max: limits.max_path_bytes,
            });
        }
        if s.starts_with('/') {
            return Err(PathError::Absolute);
        }
        for c in s.chars() {
            match c {
                '\\' => return Err(PathError::Backslash),
                ':' | '<' | '>' | '"' | '|' | '?' | '*' => return Err(PathError::ForbiddenChar(c)),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    return Err(PathError::ControlChar(c as u32))
                }
                _ => {}
            }
        }
        // ASCII is always NFC; the check costs more than the rest of parsing.
        if !s.is_ascii() && !is_nfc(s) {
            return Err(PathError::NotNfc);
        }
        let depth = s.split('/').count();
        if depth > limits.max_path_depth {
            return Err(PathError::TooDeep {
                depth,
                max: limits.max_path_depth,
            });
        }
        for comp in s.split('/') {
            match comp {
                "" => return Err(PathError::EmptyComponent),
                "." | ".." => return Err(PathError::DotComponent),
                _ => {}
            }
            if comp.len() > limits.max_component_bytes {
                return Err(PathError::ComponentTooLong {
                    comp: comp.to_owned(),
                    len: comp.len(),
                    max: limits.max_component_bytes,
                });
            }
            if comp.ends_with('.') || comp.ends_with(' ') {
                return Err(PathError::TrailingDotOrSpace(comp.to_owned()));
            }
            if is_reserved(comp) {
                return Err(PathError::ReservedName(comp.to_owned()));
            }
        }
        Ok(SafePath(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key under which two paths name the same file on a case-insensitive,
    /// normalising file system (Windows, macOS).
    pub fn fold_key(&self) -> String {
        fold(&self.0)
    }

    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// Every proper ancestor directory, shortest first ("a", "a/b" for "a/b/c").
    pub fn ancestors(&self) -> impl Iterator<Item = &str> {
        self.0.match_indices('/').map(|(i, _)| &self.0[..i])
    }

    /// `root` joined with this path, built component by component so the
    /// host's separator is used and nothing can climb out of `root`.
    pub fn join_to(&self, root: &Path) -> PathBuf {
        let mut p = root.to_path_buf();
        for c in self.components() {
            p.push(c);
        }
        p
    }
}

/// [`SafePath::fold_key`] of any part of a safe path (its ancestors).
pub(crate) fn fold(s: &str) -> String {
    // For ASCII, NFKC and NFC are the identity and lowercasing is ASCII's.
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    fold_unicode(s)
}

/// Case-fold and compatibility-normalise (NFKC, lowercase, NFC).
fn fold_unicode(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .nfc()
        .collect()
}

impl fmt::Display for SafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl serde::Serialize for SafePath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for SafePath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SafePath::parse(&s, &Limits::default())
            .map_err(|e| serde::de::Error::custom(format!("unsafe path {s:?}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<SafePath, PathError> {
        SafePath::parse(s, &Limits::default())
    }

    #[test]
    fn ordinary_paths_are_accepted() {
        for ok in [
            "a",
            "bin/lrm-patch",
            "Ä/ü.txt",
            "a.b/c-d_e",
            "COMPASS/x",
            "console.d/lpt10",
        ] {
            assert!(p(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn escaping_and_unportable_paths_are_refused() {
        let cases: &[(&str, PathError)] = &[
            ("", PathError::Empty),
            ("/etc/passwd", PathError::Absolute),
            ("../x", PathError::DotComponent),
            ("a/../../x", PathError::DotComponent),
            ("./x", PathError::DotComponent),
            ("a//b", PathError::EmptyComponent),
            ("a/", PathError::EmptyComponent),
            ("a\\..\\x", PathError::Backslash),
            ("C:/Windows", PathError::ForbiddenChar(':')),
            ("file:stream", PathError::ForbiddenChar(':')),
            ("a\0b", PathError::ControlChar(0)),
            ("a\nb", PathError::ControlChar(10)),
            ("dir./x", PathError::TrailingDotOrSpace("dir.".into())),
            ("x ", PathError::TrailingDotOrSpace("x ".into())),
            ("NUL", PathError::ReservedName("NUL".into())),
            ("sub/com1.txt", PathError::ReservedName("com1.txt".into())),
            ("LPT9", PathError::ReservedName("LPT9".into())),
            ("A\u{30A}", PathError::NotNfc),
        ];
        for (input, want) in cases {
            assert_eq!(p(input).unwrap_err(), *want, "{input:?}");
        }
        assert!(matches!(
            p(&"a".repeat(2000)),
            Err(PathError::TooLong { .. })
        ));
        assert!(matches!(
            p(&"a".repeat(300)),
            Err(PathError::ComponentTooLong { .. })
        ));
        assert!(matches!(
            p("a/".repeat(40).trim_end_matches('/')),
            Err(PathError::TooDeep { .. })
        ));
    }

    #[test]
    fn fold_key_equates_case_and_compatibility_forms() {
        assert_eq!(
            p("Bin/Tool").unwrap().fold_key(),
            p("bin/TOOL").unwrap().fold_key()
        );
        assert_eq!(p("ﬁle").unwrap().fold_key(), p("file").unwrap().fold_key());
    }

    #[test]
    fn ascii_shortcuts_agree_with_unicode_rules() {
        let all: String = (0x20u8..0x7f).map(char::from).collect();
        assert_eq!(all.to_ascii_lowercase(), fold_unicode(&all));
        assert!(is_nfc(&all));
    }

    #[test]
    fn ancestors_are_listed_shortest_first() {
        let a: Vec<_> = p("a/b/c").unwrap().ancestors().map(str::to_owned).collect();
        assert_eq!(a, ["a", "a/b"]);
    }
}
