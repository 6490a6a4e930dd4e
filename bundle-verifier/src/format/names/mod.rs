//! Names that deceive or collide on the instruments' file systems (Linux
//! ext4, Windows NTFS): the character rules [`SafePath::parse`] applies to
//! every component, and the collision rules a target's files are judged by
//! (FORMAT.md section 2.1).
//!
//! [`SafePath::parse`]: crate::format::safepath::SafePath::parse

use std::collections::HashMap;
use std::fmt;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::format::safepath::SafePath;
use crate::i18n::visible;

mod ascii;

/// A character that hides, reorders or breaks the text of a name, so that a
/// listing shows something other than what the file system stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hidden {
    /// C0 and C1 controls and DEL (U+0000–U+001F, U+007F–U+009F).
    Control,
    /// U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069.
    Bidi,
    /// U+200B–U+200D, U+2060–U+2064.
    ZeroWidth,
    /// U+2028, U+2029.
    Separator,
    /// U+FEFF.
    ByteOrderMark,
    /// Other default-ignorable characters, which draw nothing: U+00AD soft
    /// hyphen, U+034F, U+115F, U+1160, U+17B4, U+17B5, U+180B–U+180F,
    /// U+3164, variation selectors U+FE00–U+FE0F and U+E0100–U+E01EF,
    /// U+FFA0, U+1BCA0–U+1BCA3, U+1D173–U+1D17A, tags U+E0000–U+E007F.
    Ignorable,
}

impl Hidden {
    /// The class of `c`, or `None` for a character a path may hold.
    pub fn of(c: char) -> Option<Hidden> {
        Some(match c {
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => Hidden::Control,
            '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => Hidden::Bidi,
            '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' => Hidden::ZeroWidth,
            '\u{2028}' | '\u{2029}' => Hidden::Separator,
            '\u{feff}' => Hidden::ByteOrderMark,
            '\u{ad}'
            | '\u{34f}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{ffa0}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e007f}'
            | '\u{e0100}'..='\u{e01ef}' => Hidden::Ignorable,
            _ => return None,
        })
    }
}

impl fmt::Display for Hidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hidden::Control => "a control character",
            Hidden::Bidi => "a bidirectional control",
            Hidden::ZeroWidth => "a zero-width character",
            Hidden::Separator => "a line or paragraph separator",
            Hidden::ByteOrderMark => "a byte-order mark",
            Hidden::Ignorable => "an invisible character (soft hyphen, variation selector, …)",
        })
    }
}

/// The combining mark (general category M) a component starts with: it
/// would attach to the `/` or to whatever a listing shows before the name.
pub fn leading_mark(component: &str) -> Option<char> {
    component.chars().next().filter(|&c| is_combining_mark(c))
}

/// The last character of `component` when it is white space (Unicode
/// White_Space: no-break, ideographic and every other space) or a dot,
/// also in compatibility form (`U+FF0E` fullwidth full stop, `U+2024` one
/// dot leader): Windows strips trailing spaces and dots, and a reader
/// cannot see the others.
pub fn trailing_space_or_dot(component: &str) -> Option<char> {
    let c = component.chars().next_back()?;
    let dot_or_space = |c: char| c == '.' || c.is_whitespace();
    (dot_or_space(c) || std::iter::once(c).nfkc().last().is_some_and(dot_or_space)).then_some(c)
}

/// Whether `component` has the shape of an 8.3 short name that NTFS may
/// already have given another file as its alias: a base of 1 to 6
/// characters other than `~`, then `~` and ASCII digits, optionally
/// followed by `.` and an extension of 1 to 3 characters (`PROGRA~1`,
/// `lrm~2.dll`).
pub fn is_short_name_shape(component: &str) -> bool {
    fn base(s: &str) -> bool {
        let Some((name, digits)) = s.rsplit_once('~') else {
            return false;
        };
        !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (1..=6).contains(&name.chars().count())
            && !name.contains('~')
    }
    if base(component) {
        return true;
    }
    match component.rsplit_once('.') {
        Some((stem, ext)) => (1..=3).contains(&ext.chars().count()) && base(stem),
        None => false,
    }
}

/// How NTFS compares names: each UTF-16 code unit mapped through the
/// volume's `$UpCase` table, then compared unit by unit.
///
/// Approximation of `$UpCase`: a character of the Basic Multilingual Plane
/// whose Unicode uppercase (Rust's [`char::to_uppercase`]) is exactly one
/// BMP character maps to it; every other character is left as it is (`ß`,
/// whose uppercase is `SS`; characters outside the BMP, which NTFS sees as
/// two surrogates its table does not map). So `ς`, `σ` and `Σ` are one
/// name, so are `ı`, `i` and `I`, and `ǅ` and `Ǆ`, but `ß` and `SS` are
/// not. The real table was written when the volume was formatted, from the
/// simple uppercase mappings of that Windows version's Unicode: letters
/// newer than the volume may not be mapped (we refuse more, never less
/// there), and the few letters whose full uppercase is longer than their
/// simple one (Greek with ypogegrammeni, `ᾳ`) are left unmapped here; case
/// folding ([`case_fold`]) equates those.
pub fn ntfs_upcase(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    s.chars()
        .map(|c| {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) if c <= '\u{ffff}' && u <= '\u{ffff}' => u,
                _ => c,
            }
        })
        .collect()
}

/// Unicode full case folding (CaseFolding.txt, statuses C and F, as a
/// case-insensitive tool or file system compares names), then NFC.
///
/// Approximation: each character is lowercased, uppercased and lowercased
/// again (full mappings), which equals full case folding for every
/// character but U+0131 `ı`, which case folding leaves alone (its only
/// folding is Turkic, status T, not used) and is left alone here too. So
/// `ß`, `ẞ`, `SS` and `ss` fold alike, as do `ς`, `σ` and `Σ`, `ﬁ` and
/// `FI`, and letters outside the BMP (Deseret `𐐀`, `𐐨`); `ı` and `i` do not.
pub fn case_fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\u{131}' {
            out.push(c);
            continue;
        }
        for l in c.to_lowercase() {
            for u in l.to_uppercase() {
                out.extend(u.to_lowercase());
            }
        }
    }
    out.nfc().collect()
}

/// Compatibility caseless form: NFKC, [`case_fold`], NFKC again (so `ﬁle`
/// and `FILE`, `x²` and `X2`, fullwidth `ａ` and `a` are one name).
pub fn compat_key(s: &str) -> String {
    // For ASCII, NFKC is the identity and folding is lowercasing.
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    case_fold(&s.nfkc().collect::<String>()).nfkc().collect()
}

/// By which rule two spellings name one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The same bytes.
    Exact,
    /// [`ntfs_upcase`]: the same file on Windows.
    Ntfs,
    /// [`case_fold`].
    CaseFold,
    /// [`compat_key`].
    Compat,
}

impl Rule {
    /// In the order a clash is reported: the first rule that equates two
    /// names is the one named.
    pub const ALL: [Rule; 4] = [Rule::Exact, Rule::Ntfs, Rule::CaseFold, Rule::Compat];

    /// The key under which names equal by this rule are equal.
    pub fn key(self, s: &str) -> String {
        match self {
            Rule::Exact => s.to_owned(),
            Rule::Ntfs => ntfs_upcase(s),
            Rule::CaseFold => case_fold(s),
            Rule::Compat => compat_key(s),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::Exact => "",
            Rule::Ntfs => " on Windows (NTFS compares names upper-cased)",
            Rule::CaseFold => {
                " under Unicode case folding (as case-insensitive tools compare them)"
            }
            Rule::Compat => " after Unicode compatibility normalisation (NFKC) and case folding",
        })
    }
}

/// Two files of one target that one of the instruments' file systems (or a
/// tool on them) would take for one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Clash {
    #[error("\"{}\" and \"{}\" name the same file{rule}", visible(.first), visible(.second))]
    SameFile {
        first: String,
        second: String,
        rule: Rule,
    },
    #[error("\"{}\" is a file but \"{}\" needs it to be a directory{rule}", visible(.file), visible(.path))]
    FileAsDirectory {
        file: String,
        path: String,
        rule: Rule,
    },
    /// One directory spelled two ways (`A/x` and `a/y`): one directory on
    /// Windows, two on Linux, so the trees would differ.
    #[error("the directory \"{}\" is also spelled \"{}\"{rule}; spell it one way in every path", visible(.first), visible(.second))]
    DirectorySpelling {
        first: String,
        second: String,
        rule: Rule,
    },
}

/// A name as one rule compares it, without a copy where it can: the name
/// itself under `Exact`, compared ignoring ASCII case where every name is
/// ASCII (there NTFS upper-casing is just that), else the rule's key. A
/// target of 100,000 files kept two sets of key copies, the largest part
/// of a manifest check. All keys of one map are of one kind.
#[derive(Clone, Debug)]
enum Key<'a> {
    Exact(&'a str),
    AsciiCase(&'a str),
    Owned(String),
}

impl<'a> Key<'a> {
    fn of(rule: Rule, s: &'a str, ascii: bool) -> Key<'a> {
        match rule {
            Rule::Exact => Key::Exact(s),
            Rule::Ntfs if ascii => Key::AsciiCase(s),
            _ => Key::Owned(rule.key(s)),
        }
    }
}

impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Key::Exact(s) => s.hash(state),
            Key::AsciiCase(s) => ascii::Folded(s).hash(state),
            Key::Owned(s) => s.hash(state),
        }
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Key::Exact(a), Key::Exact(b)) => a == b,
            (Key::AsciiCase(a), Key::AsciiCase(b)) => ascii::Folded(a) == ascii::Folded(b),
            (Key::Owned(a), Key::Owned(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Key<'_> {}

/// Refuses two paths that name one file, and a file where another path
/// needs a directory, by any [`Rule`].
pub fn check_clashes<'a>(paths: impl IntoIterator<Item = &'a SafePath>) -> Result<(), Clash> {
    let paths: Vec<&SafePath> = paths.into_iter().collect();
    // For ASCII names every rule but `Exact` is ASCII case-insensitivity.
    let ascii = paths.iter().all(|p| p.as_str().is_ascii());
    if ascii {
        return ascii::check_clashes(&paths);
    }
    check_rules(&paths, false)
}

/// [`check_clashes`] by every rule that applies, one map per rule.
fn check_rules(paths: &[&SafePath], ascii: bool) -> Result<(), Clash> {
    let rules: &[Rule] = if ascii { &Rule::ALL[..2] } else { &Rule::ALL };
    let mut seen: Vec<HashMap<Key, &SafePath>> = Vec::with_capacity(rules.len());
    for &rule in rules {
        let mut keys: HashMap<Key, &SafePath> = HashMap::with_capacity(paths.len());
        for p in paths {
            if let Some(other) = keys.insert(Key::of(rule, p.as_str(), ascii), p) {
                return Err(Clash::SameFile {
                    first: other.as_str().to_owned(),
                    second: p.as_str().to_owned(),
                    rule,
                });
            }
        }
        seen.push(keys);
    }
    // Each directory's first spelling under each rule but `Exact`.
    let mut dirs: Vec<HashMap<Key, &str>> = vec![HashMap::new(); rules.len()];
    for p in paths {
        for dir in p.ancestors() {
            for ((&rule, keys), spelled) in rules.iter().zip(&seen).zip(&mut dirs) {
                let key = Key::of(rule, dir, ascii);
                if let Some(file) = keys.get(&key) {
                    return Err(Clash::FileAsDirectory {
                        file: file.as_str().to_owned(),
                        path: p.as_str().to_owned(),
                        rule,
                    });
                }
                if rule == Rule::Exact {
                    continue;
                }
                match spelled.get(&key) {
                    Some(&first) if first != dir => {
                        return Err(Clash::DirectorySpelling {
                            first: first.to_owned(),
                            second: dir.to_owned(),
                            rule,
                        })
                    }
                    Some(_) => {}
                    None => {
                        spelled.insert(key, dir);
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    fn sp(s: &str) -> SafePath {
        SafePath::parse(s, &Limits::default()).unwrap()
    }

    fn clash(a: &str, b: &str) -> Option<Rule> {
        match check_clashes([&sp(a), &sp(b)]) {
            Ok(()) => None,
            Err(
                Clash::SameFile { rule, .. }
                | Clash::FileAsDirectory { rule, .. }
                | Clash::DirectorySpelling { rule, .. },
            ) => Some(rule),
        }
    }

    #[test]
    fn hidden_classes_are_exactly_what_the_escaper_makes_visible() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            assert_eq!(Hidden::of(c).is_some(), crate::i18n::is_hidden(c), "{c:?}");
        }
        for (c, class) in [
            ('\u{9b}', Hidden::Control),
            ('\u{202e}', Hidden::Bidi),
            ('\u{61c}', Hidden::Bidi),
            ('\u{2067}', Hidden::Bidi),
            ('\u{200d}', Hidden::ZeroWidth),
            ('\u{2064}', Hidden::ZeroWidth),
            ('\u{2029}', Hidden::Separator),
            ('\u{feff}', Hidden::ByteOrderMark),
            ('\u{ad}', Hidden::Ignorable),
            ('\u{fe0f}', Hidden::Ignorable),
            ('\u{e0101}', Hidden::Ignorable),
            ('\u{e0041}', Hidden::Ignorable),
        ] {
            assert_eq!(Hidden::of(c), Some(class), "{c:?}");
        }
    }

    #[test]
    fn short_name_shapes() {
        for yes in [
            "PROGRA~1",
            "progra~12",
            "lrm~2.dll",
            "A~1",
            "a.b~1",
            "ÄÖÜ~9.txt",
            "x~1.a",
        ] {
            assert!(is_short_name_shape(yes), "{yes}");
        }
        for no in [
            "PROGRAM~1",
            "~1",
            "a~",
            "a~1b",
            "a~b",
            "lrm~2.dlls",
            "a~~1",
            "backup~",
            "lrm-2.dll",
        ] {
            assert!(!is_short_name_shape(no), "{no}");
        }
    }

    #[test]
    fn trailing_white_space_and_dots_in_any_form() {
        for (comp, want) in [
            ("a\u{a0}", Some('\u{a0}')),
            ("a\u{3000}", Some('\u{3000}')),
            ("a\u{2009}", Some('\u{2009}')),
            ("a\u{ff0e}", Some('\u{ff0e}')),
            ("a\u{2024}", Some('\u{2024}')),
            ("a.", Some('.')),
            ("a ", Some(' ')),
            ("a\u{a0}b", None),
            ("a.b", None),
            ("a\u{3002}", None),
        ] {
            assert_eq!(trailing_space_or_dot(comp), want, "{comp:?}");
        }
    }

    #[test]
    fn ntfs_upcase_maps_bmp_letters_with_one_uppercase_only() {
        assert_eq!(ntfs_upcase("ς"), "Σ");
        assert_eq!(ntfs_upcase("σ"), "Σ");
        assert_eq!(ntfs_upcase("ı"), "I");
        assert_eq!(ntfs_upcase("i"), "I");
        assert_eq!(ntfs_upcase("ǅ"), "Ǆ");
        assert_eq!(ntfs_upcase("ǆ"), "Ǆ");
        assert_eq!(ntfs_upcase("ß"), "ß");
        assert_eq!(ntfs_upcase("ﬁ"), "ﬁ");
        assert_eq!(ntfs_upcase("𐐨"), "𐐨");
        assert_eq!(ntfs_upcase("straße"), "STRAßE");
    }

    #[test]
    fn case_fold_is_full_folding() {
        assert_eq!(case_fold("Straße"), "strasse");
        assert_eq!(case_fold("STRAẞE"), "strasse");
        assert_eq!(case_fold("ς"), case_fold("Σ"));
        assert_eq!(case_fold("ﬁ"), "fi");
        assert_eq!(case_fold("𐐀"), "𐐨");
        assert_eq!(case_fold("ı"), "ı");
        assert_eq!(case_fold("İ"), "i\u{307}");
        assert_eq!(case_fold("\u{212a}"), "k"); // Kelvin sign
    }

    #[test]
    fn ascii_shortcuts_agree_with_the_unicode_rules() {
        let all: String = (0x20u8..0x7f).map(char::from).collect();
        let u: String = all.chars().flat_map(char::to_uppercase).collect::<String>();
        assert_eq!(ntfs_upcase(&all), u);
        let folded: String = all
            .chars()
            .flat_map(char::to_lowercase)
            .flat_map(char::to_uppercase)
            .flat_map(char::to_lowercase)
            .collect();
        assert_eq!(case_fold(&all), folded);
        assert_eq!(
            compat_key(&all),
            all.nfkc().collect::<String>().to_lowercase()
        );
    }

    #[test]
    fn each_rule_equates_what_its_file_system_does() {
        let cases: &[(&str, &str, Option<Rule>)] = &[
            ("a", "b", None),
            ("Readme", "README", Some(Rule::Ntfs)),
            // Final and medial sigma: one name on NTFS.
            ("ς", "σ", Some(Rule::Ntfs)),
            ("ς", "Σ", Some(Rule::Ntfs)),
            // Dotless i upper-cases to I on NTFS; case folding keeps it apart.
            ("fıle", "FILE", Some(Rule::Ntfs)),
            ("fıle", "file", Some(Rule::Ntfs)),
            ("ǅ", "Ǆ", Some(Rule::Ntfs)),
            // ß is not SS on NTFS, but is under full case folding.
            ("straße", "STRASSE", Some(Rule::CaseFold)),
            ("straße", "strasse", Some(Rule::CaseFold)),
            ("ﬁle", "FILE", Some(Rule::CaseFold)),
            ("𐐀", "𐐨", Some(Rule::CaseFold)),
            // Compatibility forms, whatever the case.
            ("tool²", "tool2", Some(Rule::Compat)),
            ("ＴＯＯＬ", "tool", Some(Rule::Compat)),
            ("Ⅸ", "ix", Some(Rule::Compat)),
            // Different names everywhere.
            ("ß", "ss2", None),
            ("ı", "ı2", None),
            ("é", "e", None),
        ];
        for &(a, b, want) in cases {
            assert_eq!(clash(a, b), want, "{a:?} vs {b:?}");
            assert_eq!(clash(b, a), want, "{b:?} vs {a:?}");
        }
        assert_eq!(clash("a", "a"), Some(Rule::Exact));
        assert!(case_fold("ı") != case_fold("i") && compat_key("ı") != compat_key("i"));
        assert!(ntfs_upcase("ß") != ntfs_upcase("SS"));
    }

    #[test]
    fn a_file_where_a_directory_is_needed_by_any_rule() {
        assert_eq!(clash("lib", "lib/x"), Some(Rule::Exact));
        assert_eq!(clash("LIB", "lib/x"), Some(Rule::Ntfs));
        assert_eq!(clash("lıb", "LIB/x"), Some(Rule::Ntfs));
        assert_eq!(clash("straße", "STRASSE/x"), Some(Rule::CaseFold));
        assert_eq!(clash("lib²", "lib2/x"), Some(Rule::Compat));
        assert_eq!(clash("lib", "libx/y"), None);
    }

    #[test]
    fn a_directory_spelled_two_ways_is_refused_by_each_rule_but_exact() {
        let check = |a: &str, b: &str| check_clashes([&sp(a), &sp(b)]);
        assert_eq!(
            check("A/x", "a/y"),
            Err(Clash::DirectorySpelling {
                first: "A".into(),
                second: "a".into(),
                rule: Rule::Ntfs
            })
        );
        assert!(check("lib/Bin/x", "lib/bin/y").is_err());
        assert!(check("stra\u{df}e/x", "STRASSE/y").is_err());
        // The same spelling, or different directories, are fine.
        assert_eq!(check("A/x", "A/y"), Ok(()));
        assert_eq!(check("a/b/x", "a/c/y"), Ok(()));
        let e = check("Bin/x", "bin/y").unwrap_err().to_string();
        assert!(
            e.contains("the directory \"Bin\" is also spelled \"bin\""),
            "{e}"
        );
    }

    #[test]
    fn clashes_name_both_paths_and_the_rule() {
        let e = check_clashes([&sp("bin/fıle"), &sp("bin/FILE")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"bin/fıle\" and \"bin/FILE\" name the same file on Windows (NTFS compares names upper-cased)"
        );
        let e = check_clashes([&sp("a/tool²"), &sp("a/tool2/x")]).unwrap_err();
        assert!(
            e.to_string().contains(
                "needs it to be a directory after Unicode compatibility normalisation (NFKC)"
            ),
            "{e}"
        );
    }
}
