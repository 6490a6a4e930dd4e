//! Why a signature did not count: the specifics (`Why`, `Clock`) for people
//! and the codes (`NotCounted`) for machines. Describes verdicts; never judges.

use bundle_keys::{Date, KeyId};
use serde::Serialize;

use crate::i18n::{fl, Lang};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IgnoredSignature {
    pub key_id: KeyId,
    pub code: NotCounted,
    /// The same, for people, with the specifics (versions, dates, models).
    pub reason: String,
    /// The specifics, for wording the reason in the user's language (`crate::i18n`).
    #[serde(skip)]
    pub why: Why,
}

impl IgnoredSignature {
    pub(super) fn new(key_id: &KeyId, why: Why) -> Self {
        IgnoredSignature {
            key_id: key_id.clone(),
            code: why.code(),
            reason: why.to_string(),
            why,
        }
    }
}

/// Why a signature did not count, with its specifics. Displays in English;
/// `i18n::Lang::why` words it in the user's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    Revoked {
        version: u64,
    },
    RootKey {
        version: u64,
    },
    NotReleaseKey {
        version: u64,
    },
    NotTrusted,
    Expired {
        expires: Date,
        judged_on: Date,
        clock: Clock,
    },
    OutOfScope {
        scope: Vec<String>,
        outside: Vec<String>,
    },
}

impl Why {
    pub fn code(&self) -> NotCounted {
        match self {
            Why::Revoked { .. } => NotCounted::Revoked,
            Why::RootKey { .. } => NotCounted::RootKeyNotReleaseKey,
            Why::NotReleaseKey { .. } | Why::NotTrusted => NotCounted::UnknownKey,
            Why::Expired { .. } => NotCounted::Expired,
            Why::OutOfScope { .. } => NotCounted::OutOfScope,
        }
    }
}

impl Why {
    /// Why a signature did not count, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Why::Revoked { version } => fl!(lang, "why-revoked", version = *version),
            Why::RootKey { version } => fl!(lang, "why-root-key", version = *version),
            Why::NotReleaseKey { version } => {
                fl!(lang, "why-not-release-key", version = *version)
            }
            Why::NotTrusted => fl!(lang, "why-not-trusted"),
            Why::Expired {
                expires,
                judged_on,
                clock,
            } => fl!(
                lang,
                "why-expired",
                expires = expires.to_string(),
                judged_on = judged_on.to_string(),
                clock = clock.text(lang)
            ),
            Why::OutOfScope { scope, outside } => fl!(
                lang,
                "why-out-of-scope",
                scope = scope.join(", "),
                outside = outside.join(", ")
            ),
        }
    }
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::ENGLISH))
    }
}

/// Serialises a value as its `Display` text.
pub(super) fn as_text<S: serde::Serializer>(
    v: &impl std::fmt::Display,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Which day expiry is judged on, and why (the clock policy, FORMAT.md 9.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The system date.
    System,
    /// The issue date of the trust root in force, later than the system date.
    RootIssued { version: u64, system: Date },
}

impl Clock {
    /// Which day expiry was judged on and why.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Clock::System => fl!(lang, "clock-system"),
            Clock::RootIssued { version, system } => fl!(
                lang,
                "clock-root-issued",
                version = *version,
                system = system.to_string()
            ),
        }
    }
}

impl std::fmt::Display for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::ENGLISH))
    }
}

/// What judged the signatures: a trust root version, or the keys given.
pub fn judged_by(lang: Lang, root: Option<u64>) -> String {
    match root {
        Some(version) => fl!(lang, "judged-by-root", version = version),
        None => fl!(lang, "judged-by-keys"),
    }
}

/// Key IDs, comma-separated, or "(none)" in `lang`.
pub fn key_list(lang: Lang, v: &[KeyId]) -> String {
    if v.is_empty() {
        return fl!(lang, "list-none");
    }
    v.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

/// Why a signature did not count (FORMAT.md 9.5), for machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotCounted {
    /// Revoked in the trust root in force.
    Revoked,
    /// A root key of the trust root in force, which signs trust roots only.
    RootKeyNotReleaseKey,
    /// Neither a trusted key nor a key of the trust root in force.
    UnknownKey,
    /// A release key past its `expires` day on the judging day.
    Expired,
    /// A release key whose model scope does not cover every target.
    OutOfScope,
}
