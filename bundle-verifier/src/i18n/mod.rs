//! Every text a technician or auditor reads, looked up in the Fluent
//! catalogues under `bundle-verifier/i18n/<lang>/<area>.ftl` (embedded at
//! compile time by `build.rs`). English is complete and the fallback; a
//! translator adds a language by adding a folder. Machine output (`--json`,
//! CSV column names, reason codes) never comes from here.

mod escape;

pub use escape::{csv_cell, html, is_hidden, markdown, visible};

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));

/// A shipped language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lang(usize);

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [Bundle] {
    static B: OnceLock<Vec<Bundle>> = OnceLock::new();
    B.get_or_init(|| {
        CATALOGUES
            .iter()
            .map(|(tag, files)| {
                let id: LanguageIdentifier = tag.parse().expect("shipped tags parse");
                let mut b = FluentBundle::new_concurrent(vec![id]);
                // Terminals and plain-text documents show the isolation marks as noise.
                b.set_use_isolating(false);
                for (area, text) in files.iter() {
                    let res = FluentResource::try_new(text.to_string())
                        .unwrap_or_else(|(_, e)| panic!("i18n/{tag}/{area}.ftl: {e:?}"));
                    b.add_resource(res)
                        .unwrap_or_else(|e| panic!("i18n/{tag}/{area}.ftl: {e:?}"));
                }
                b
            })
            .collect()
    })
}

/// A value for a message variable: text or a number (numbers choose plurals).
/// Text is made [`visible`] on the way in: variables carry names, titles and
/// errors that may come from a bundle, a receipt or a file name.
pub struct Arg<'a>(pub FluentValue<'a>);

macro_rules! arg_from_number {
    ($($t:ty),*) => {$(
        impl<'a> From<$t> for Arg<'a> {
            fn from(v: $t) -> Self { Arg(FluentValue::from(v)) }
        }
    )*};
}
arg_from_number!(usize, u64, u32, i64);

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg(FluentValue::from(visible(s)))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::from(s.as_str())
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg(FluentValue::from(visible(&s).into_owned()))
    }
}

impl<'a> From<&'a std::path::Path> for Arg<'a> {
    fn from(p: &'a std::path::Path) -> Self {
        Arg::from(p.display().to_string())
    }
}

impl<'a> From<&'a std::path::PathBuf> for Arg<'a> {
    fn from(p: &'a std::path::PathBuf) -> Self {
        Arg::from(p.as_path())
    }
}

/// `fl!(lang, "message-id")` or `fl!(lang, "message-id", name = value, …)`:
/// the message in `lang`, English where `lang` lacks it.
#[macro_export]
macro_rules! fl {
    ($lang:expr, $id:literal) => {
        $lang.text($id, None)
    };
    ($lang:expr, $id:literal, $($k:ident = $v:expr),+ $(,)?) => {{
        let mut args = $crate::i18n::FluentArgs::new();
        $( args.set(stringify!($k), $crate::i18n::Arg::from($v).0); )+
        $lang.text($id, Some(&args))
    }};
}
pub use fl;
#[doc(hidden)]
pub use fluent_bundle::FluentArgs;

impl Lang {
    /// English: complete, and the fallback for every other language.
    pub const ENGLISH: Lang = Lang(0);

    /// Every shipped language, English first.
    pub fn all() -> impl Iterator<Item = Lang> {
        (0..CATALOGUES.len()).map(Lang)
    }

    /// The language tag (`en`, `de`, `fr`).
    pub fn tag(self) -> &'static str {
        CATALOGUES[self.0].0
    }

    /// A shipped language from a tag or a locale name: `de`, `de-AT`,
    /// `de_DE.UTF-8`, `fr_CH@euro`. `None` for anything not shipped.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.split(['.', '@']).next().unwrap_or("");
        let s = s.replace('_', "-").to_ascii_lowercase();
        let primary = s.split('-').next().unwrap_or("");
        Lang::all()
            .find(|l| l.tag().eq_ignore_ascii_case(&s))
            .or_else(|| Lang::all().find(|l| l.tag() == primary))
    }

    /// The user's language as the platform reports it; English when it
    /// names no shipped language.
    pub fn from_env() -> Lang {
        crate::platform::preferred_languages()
            .iter()
            .find_map(|l| Lang::parse(l))
            .unwrap_or(Lang::ENGLISH)
    }

    /// Whether this language's catalogue has the message `id`.
    pub fn has(self, id: &str) -> bool {
        bundles()[self.0].has_message(id)
    }

    /// The message `id` with `args`; English where this language lacks it,
    /// the id itself where English does too (a test forbids that).
    pub fn text(self, id: &str, args: Option<&FluentArgs>) -> String {
        let all = bundles();
        for b in [&all[self.0], &all[0]] {
            if let Some(pattern) = b.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return b.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        id.to_owned()
    }

    /// Whether a typed answer means yes, in any shipped language.
    pub fn is_yes(self, answer: &str) -> bool {
        let answer = answer.trim().to_lowercase();
        !answer.is_empty()
            && Lang::all().chain([self]).any(|l| {
                fl!(l, "answer-yes")
                    .split(',')
                    .any(|w| w.trim().to_lowercase() == answer)
            })
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::parse(s).ok_or_else(|| {
            let tags: Vec<&str> = Lang::all().map(Lang::tag).collect();
            format!(
                "{s:?} is not a language this tool speaks; use one of {}",
                tags.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests;
