//! [`SafePath`]: the only way to name a file in a bundle. A `SafePath` is a
//! relative, `/`-separated, NFC-normalised UTF-8 path that means the same file
//! on Linux and Windows and can never leave the directory it is joined to.
//! It also shows as what it is: no character that hides or reorders text,
//! and no component shaped to pass for another name (the character rules
//! live in [`crate::format::names`], with the collision rules a target's
//! paths are judged by).

use std::fmt;
use std::path::{Path, PathBuf};

use unicode_normalization::is_nfc;

use crate::format::names::{self, Hidden};
use crate::i18n::visible;
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
    #[error("path \"{}\" contains {class} (U+{ch:04X}), which hides or reorders what a name shows", visible(.path))]
    Hidden {
        path: String,
        ch: u32,
        class: Hidden,
    },
    #[error("component {0:?} ends with a dot or space, which Windows strips")]
    TrailingDotOrSpace(String),
    #[error("component \"{}\" of path \"{}\" ends with U+{ch:04X}, white space or a dot that a reader cannot see", visible(.comp), visible(.path))]
    TrailingSpaceLike { path: String, comp: String, ch: u32 },
    #[error("component \"{}\" of path \"{}\" starts with the combining mark U+{ch:04X}, which joins whatever is shown before it", visible(.comp), visible(.path))]
    LeadingMark { path: String, comp: String, ch: u32 },
    #[error("component \"{}\" of path \"{}\" has the shape of a Windows 8.3 short name (NAME~1.EXT), which NTFS may already give another file", visible(.comp), visible(.path))]
    ShortName { path: String, comp: String },
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

impl PathError {
    /// Whether the message quotes the whole path already.
    pub fn names_path(&self) -> bool {
        matches!(
            self,
            PathError::Hidden { .. }
                | PathError::TrailingSpaceLike { .. }
                | PathError::LeadingMark { .. }
                | PathError::ShortName { .. }
        )
    }

    /// What to rename, for someone who can (the builder's user).
    pub fn advice(&self) -> &'static str {
        match self {
            PathError::Hidden { .. } => "rename it without the invisible character",
            PathError::TrailingSpaceLike { .. } | PathError::TrailingDotOrSpace(_) => {
                "rename it without the trailing space or dot"
            }
            PathError::LeadingMark { .. } => {
                "rename it so that the name starts with a letter, digit or symbol, not an accent"
            }
            PathError::ShortName { .. } => {
                "rename it so that it does not end in \"~\" and digits (before any extension)"
            }
            PathError::ReservedName(_) => "rename it: Windows reserves the name with any extension",
            PathError::Backslash | PathError::ForbiddenChar(_) => {
                "rename it without that character"
            }
            PathError::NotNfc => "rename it in Unicode normal form C (composed accents)",
            _ => "rename or move it",
        }
    }
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
                _ => {}
            }
            if let Some(class) = Hidden::of(c) {
                return Err(PathError::Hidden {
                    path: s.to_owned(),
                    ch: c as u32,
                    class,
                });
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
            // Only names with a non-ASCII character or a "~" can break these.
            if comp.is_ascii() && !comp.contains('~') {
                continue;
            }
            let bad = |comp: &str| (s.to_owned(), comp.to_owned());
            if let Some(ch) = names::trailing_space_or_dot(comp) {
                let (path, comp) = bad(comp);
                let ch = ch as u32;
                return Err(PathError::TrailingSpaceLike { path, comp, ch });
            }
            if let Some(ch) = names::leading_mark(comp) {
                let (path, comp) = bad(comp);
                let ch = ch as u32;
                return Err(PathError::LeadingMark { path, comp, ch });
            }
            if names::is_short_name_shape(comp) {
                let (path, comp) = bad(comp);
                return Err(PathError::ShortName { path, comp });
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

/// [`SafePath::fold_key`] of any part of a safe path (its ancestors):
/// [`names::compat_key`] (NFKC, full case folding, NFKC).
pub(crate) fn fold(s: &str) -> String {
    names::compat_key(s)
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
        SafePath::parse(&s, &Limits::default()).map_err(|e| {
            serde::de::Error::custom(if e.names_path() {
                e.to_string()
            } else {
                format!("unsafe path \"{}\": {e}", visible(&s))
            })
        })
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

    fn hidden(path: &str, ch: char, class: Hidden) -> PathError {
        let (path, ch) = (path.to_owned(), ch as u32);
        PathError::Hidden { path, ch, class }
    }

    fn comp_err(path: &str, comp: &str, ch: Option<char>, kind: &str) -> PathError {
        let (path, comp) = (path.to_owned(), comp.to_owned());
        let ch = ch.map_or(0, |c| c as u32);
        match kind {
            "trailing" => PathError::TrailingSpaceLike { path, comp, ch },
            "mark" => PathError::LeadingMark { path, comp, ch },
            _ => PathError::ShortName { path, comp },
        }
    }

    #[test]
    fn deceptive_names_are_refused_and_their_neighbours_accepted() {
        use Hidden::*;
        let refused: Vec<(&str, PathError)> = vec![
            ("a\0b", hidden("a\0b", '\0', Control)),
            ("a\nb", hidden("a\nb", '\n', Control)),
            ("a\u{7f}", hidden("a\u{7f}", '\u{7f}', Control)),
            ("a\u{85}b", hidden("a\u{85}b", '\u{85}', Control)),
            ("a/\u{9b}2J", hidden("a/\u{9b}2J", '\u{9b}', Control)),
            (
                "gpj\u{202e}exe.x",
                hidden("gpj\u{202e}exe.x", '\u{202e}', Bidi),
            ),
            ("a\u{202a}", hidden("a\u{202a}", '\u{202a}', Bidi)),
            ("a\u{2066}b", hidden("a\u{2066}b", '\u{2066}', Bidi)),
            ("a\u{2069}b", hidden("a\u{2069}b", '\u{2069}', Bidi)),
            ("a\u{200e}b", hidden("a\u{200e}b", '\u{200e}', Bidi)),
            ("a\u{200f}b", hidden("a\u{200f}b", '\u{200f}', Bidi)),
            ("a\u{61c}b", hidden("a\u{61c}b", '\u{61c}', Bidi)),
            ("a\u{200b}b", hidden("a\u{200b}b", '\u{200b}', ZeroWidth)),
            ("a\u{200d}b", hidden("a\u{200d}b", '\u{200d}', ZeroWidth)),
            ("a\u{2060}b", hidden("a\u{2060}b", '\u{2060}', ZeroWidth)),
            ("a\u{2064}b", hidden("a\u{2064}b", '\u{2064}', ZeroWidth)),
            ("a\u{2028}b", hidden("a\u{2028}b", '\u{2028}', Separator)),
            ("a\u{2029}b", hidden("a\u{2029}b", '\u{2029}', Separator)),
            ("\u{feff}a", hidden("\u{feff}a", '\u{feff}', ByteOrderMark)),
            (
                "a\u{feff}b",
                hidden("a\u{feff}b", '\u{feff}', ByteOrderMark),
            ),
            (
                "d/\u{301}x",
                comp_err("d/\u{301}x", "\u{301}x", Some('\u{301}'), "mark"),
            ),
            // A variation selector is a mark too, but refused anywhere.
            ("\u{fe0f}x", hidden("\u{fe0f}x", '\u{fe0f}', Ignorable)),
            ("a\u{ad}b", hidden("a\u{ad}b", '\u{ad}', Ignorable)),
            (
                "\u{903}x",
                comp_err("\u{903}x", "\u{903}x", Some('\u{903}'), "mark"),
            ),
            (
                "\u{20dd}x",
                comp_err("\u{20dd}x", "\u{20dd}x", Some('\u{20dd}'), "mark"),
            ),
            (
                "x\u{a0}/y",
                comp_err("x\u{a0}/y", "x\u{a0}", Some('\u{a0}'), "trailing"),
            ),
            (
                "y/x\u{3000}",
                comp_err("y/x\u{3000}", "x\u{3000}", Some('\u{3000}'), "trailing"),
            ),
            (
                "x\u{2003}",
                comp_err("x\u{2003}", "x\u{2003}", Some('\u{2003}'), "trailing"),
            ),
            (
                "x\u{ff0e}",
                comp_err("x\u{ff0e}", "x\u{ff0e}", Some('\u{ff0e}'), "trailing"),
            ),
            (
                "PROGRA~1/x",
                comp_err("PROGRA~1/x", "PROGRA~1", None, "short"),
            ),
            (
                "bin/lrm~2.dll",
                comp_err("bin/lrm~2.dll", "lrm~2.dll", None, "short"),
            ),
            (
                "bin/LRM~12.DLL",
                comp_err("bin/LRM~12.DLL", "LRM~12.DLL", None, "short"),
            ),
            ("COM\u{b9}", PathError::ReservedName("COM\u{b9}".into())),
            (
                "lpt\u{b3}.log",
                PathError::ReservedName("lpt\u{b3}.log".into()),
            ),
            ("aux.tar.gz", PathError::ReservedName("aux.tar.gz".into())),
            ("conout$", PathError::ReservedName("conout$".into())),
            ("a<b", PathError::ForbiddenChar('<')),
            ("a>b", PathError::ForbiddenChar('>')),
            ("a\"b", PathError::ForbiddenChar('"')),
            ("a|b", PathError::ForbiddenChar('|')),
            ("a?b", PathError::ForbiddenChar('?')),
            ("a*b", PathError::ForbiddenChar('*')),
        ];
        for (input, want) in &refused {
            assert_eq!(p(input).unwrap_err(), *want, "{input:?}");
        }
        for ok in [
            "a\u{a0}b",
            "x\u{301}",
            "caf\u{e9}",
            "PROGRAM~1",
            "a~b",
            "lrm~2.conf",
            "~1x",
            "backup~",
            "COM10",
            "COM\u{2074}",
            "CONSOLE",
            "\u{a1}x",
            "日本語",
            "\u{130}stanbul",
            "stra\u{df}e",
        ] {
            assert!(p(ok).is_ok(), "{ok:?}: {:?}", p(ok));
        }
    }

    #[test]
    fn messages_quote_the_path_escaped() {
        let e = p("bin/gpj\u{202e}exe.x").unwrap_err().to_string();
        assert_eq!(
            e,
            "path \"bin/gpj\\u{202e}exe.x\" contains a bidirectional control (U+202E), \
             which hides or reorders what a name shows"
        );
        let e = p("x\u{a0}").unwrap_err().to_string();
        assert!(e.contains("\"x\u{a0}\"") && e.contains("U+00A0"), "{e}");
        let e = serde_json::from_str::<SafePath>("\"a\\u200bb\"").unwrap_err();
        assert!(
            e.to_string().starts_with("path \"a\\u{200b}b\" contains"),
            "{e}"
        );
        let e = serde_json::from_str::<SafePath>("\"../x\"").unwrap_err();
        assert!(e.to_string().starts_with("unsafe path \"../x\": "), "{e}");
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
    fn ancestors_are_listed_shortest_first() {
        let a: Vec<_> = p("a/b/c").unwrap().ancestors().map(str::to_owned).collect();
        assert_eq!(a, ["a", "a/b"]);
    }
}
