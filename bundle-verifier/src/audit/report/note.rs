//! Why a row of the report has its status, as data, worded in the reader's
//! language when shown.

use super::{table, Status};
use crate::i18n::{fl, Lang};

/// Why a row has its status; worded by [`Note::text`].
#[derive(Clone, Debug)]
pub enum Note {
    NoReceipt {
        release: String,
    },
    Installed,
    Superseded {
        by: String,
    },
    InstalledOver {
        by: Option<String>,
    },
    RolledBack,
    RolledBackTo,
    /// A receipt of a failure; `why` is the instrument's own words.
    Failed {
        result: String,
        why: String,
    },
    /// Receipts that did not verify; `valid` is what the others alone say.
    Invalid {
        count: usize,
        file: String,
        why: String,
        valid: Status,
        inner: Box<Note>,
    },
}

impl Note {
    /// This note in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Note::NoReceipt { release } => fl!(lang, "note-no-receipt", release = release),
            Note::Installed => fl!(lang, "note-installed"),
            Note::Superseded { by } => fl!(lang, "note-superseded", release = by),
            Note::InstalledOver { by: Some(by) } => {
                fl!(lang, "note-installed-over", release = by)
            }
            Note::InstalledOver { by: None } => fl!(lang, "note-another-installed-over"),
            Note::RolledBack => fl!(lang, "note-rolled-back"),
            Note::RolledBackTo => fl!(lang, "note-rolled-back-to"),
            Note::Failed { result, why } => {
                fl!(lang, "note-failed", result = result, why = why)
            }
            Note::Invalid {
                count,
                file,
                why,
                valid,
                inner,
            } => fl!(
                lang,
                "note-invalid",
                count = *count,
                file = file,
                why = why,
                status = table::status_word(lang, *valid),
                inner = inner.text(lang)
            ),
        }
    }
}
