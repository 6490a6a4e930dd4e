//! Signed texts in several languages (release title, notes, confirmation
//! steps): the map type and the rules its tags and texts follow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::format::manifest::ManifestError;
use crate::Limits;

/// The language every text of a release must have (where it has any).
pub const ENGLISH: &str = "en";

/// A signed text in several languages: language tag → text. A `BTreeMap`,
/// so the tags serialise sorted and the manifest stays canonical (tags are
/// ASCII, where byte order is RFC 8785's UTF-16 order).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Texts(pub BTreeMap<String, String>);

impl Texts {
    /// English only.
    pub fn en(text: impl Into<String>) -> Self {
        Texts(BTreeMap::from([(ENGLISH.to_owned(), text.into())]))
    }

    /// Adds (or replaces) the text in language `tag`.
    pub fn with(mut self, tag: &str, text: impl Into<String>) -> Self {
        self.0.insert(tag.to_owned(), text.into());
        self
    }

    /// The text in language `tag`, else English, else "" (no text at all).
    pub fn get_or_en(&self, tag: &str) -> &str {
        self.0
            .get(tag)
            .or_else(|| self.0.get(ENGLISH))
            .map_or("", String::as_str)
    }

    pub fn get(&self, tag: &str) -> Option<&str> {
        self.0.get(tag).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// A well-formed language tag of a text: a lowercase BCP 47 tag of the
/// simple kind, 2 or 3 letters with at most one subtag of 2 to 8 letters
/// or digits (`en`, `de`, `fr`, `pt-br`, `zh-hans`).
pub fn valid_language_tag(tag: &str) -> bool {
    let (lang, sub) = match tag.split_once('-') {
        Some((l, s)) => (l, Some(s)),
        None => (tag, None),
    };
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && sub.is_none_or(|s| {
            (2..=8).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Why a text field of the release is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    #[error("has no English text (language \"en\"), which is required")]
    NoEnglish,
    #[error(
        "language tag {0:?} is not a lowercase language tag such as \"de\", \"fr\" or \"pt-br\""
    )]
    BadTag(String),
    #[error("the text in language {0:?} is empty or only white space")]
    Empty(String),
    #[error("has {found} languages; at most {limit} are allowed")]
    TooManyLanguages { found: usize, limit: usize },
}

/// Checks one text field: tags well formed, no empty text, each text within
/// `max_text_bytes`, at most `max_text_languages` languages, and English
/// present (required, or whenever the field has any text). `what` names the
/// field in messages (`release title`); `bytes_what` names its size limit.
pub fn check_texts(
    what: &str,
    bytes_what: &'static str,
    texts: &Texts,
    english_required: bool,
    limits: &Limits,
) -> Result<(), ManifestError> {
    let bad = |problem| ManifestError::Text {
        field: what.to_owned(),
        problem,
    };
    if texts.0.len() > limits.max_text_languages {
        return Err(bad(TextProblem::TooManyLanguages {
            found: texts.0.len(),
            limit: limits.max_text_languages,
        }));
    }
    for (tag, text) in texts.iter() {
        if !valid_language_tag(tag) {
            return Err(bad(TextProblem::BadTag(tag.to_owned())));
        }
        if text.trim().is_empty() {
            return Err(bad(TextProblem::Empty(tag.to_owned())));
        }
        if text.len() > limits.max_text_bytes {
            return Err(ManifestError::TooLarge {
                what: bytes_what,
                found: text.len() as u64,
                limit: limits.max_text_bytes as u64,
            });
        }
    }
    if (english_required || !texts.is_empty()) && texts.get(ENGLISH).is_none() {
        return Err(bad(TextProblem::NoEnglish));
    }
    Ok(())
}
