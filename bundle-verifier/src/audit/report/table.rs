//! The report as people and spreadsheets read it: the terminal table (in the
//! user's language) and CSV (RFC 4180, cells a spreadsheet would run as formulas neutralised). Formatting only; nothing is judged here.

use super::{Report, Status};
use crate::i18n::{csv_cell, fl, visible, Lang};

/// A status as a person reads it in `lang` (`as_str` is for machines).
pub fn status_word(lang: Lang, s: Status) -> String {
    match s {
        Status::Patched => fl!(lang, "status-patched"),
        Status::NotPatched => fl!(lang, "status-not-patched"),
        Status::Failed => fl!(lang, "status-failed"),
        Status::RolledBack => fl!(lang, "status-rolled-back"),
        Status::InvalidReceipt => fl!(lang, "status-invalid-receipt"),
    }
}

/// The byte-order mark `--csv` starts with: spreadsheets (Excel) then read
/// the file as UTF-8, umlauts intact, rather than in the locale's code page.
pub const CSV_BOM: &str = "\u{feff}";

/// `--csv`: one line per serial × mode, in the order of [`Report::rows`],
/// fields separated by `delimiter` (a cell holding it is quoted).
pub fn to_csv(r: &Report, delimiter: char) -> String {
    let sep = delimiter.to_string();
    let mut out = String::from(CSV_BOM);
    out.push_str(
        &"serial,mode,model,udi_di,company,status,patched_in_one_mode_only,release,version,time,transaction,receipt,detail"
            .replace(',', &sep),
    );
    out.push_str("\r\n");
    for row in &r.rows {
        let f = [
            row.serial.as_str(),
            &row.mode,
            &row.model,
            &row.udi_di,
            &row.company,
            row.status.as_str(),
            if row.patched_in_one_mode_only {
                "yes"
            } else {
                "no"
            },
            row.release.as_ref().map_or("", |x| x.id.as_str()),
            row.release.as_ref().map_or("", |x| x.version.as_str()),
            row.time.as_deref().unwrap_or(""),
            row.transaction.as_deref().unwrap_or(""),
            row.receipt.as_deref().unwrap_or(""),
            row.detail.as_deref().unwrap_or(""),
        ];
        let line: Vec<String> = f.iter().map(|s| csv_cell(s)).collect();
        out.push_str(&line.join(&sep));
        out.push_str("\r\n");
    }
    out
}

/// The terminal table: one line per serial × mode, then the summary.
pub fn to_table(r: &Report, lang: Lang) -> String {
    let head = [
        "report-serial",
        "report-mode",
        "report-model",
        "report-status",
        "report-release",
        "report-time",
        "report-detail",
    ]
    .map(|id| lang.text(id, None));
    let cells: Vec<[String; 7]> = r
        .rows
        .iter()
        .map(|row| {
            let flag = if row.patched_in_one_mode_only {
                " (!)"
            } else {
                ""
            };
            // Registry and receipt fields are shown, never obeyed.
            let v = |s: &str| visible(s).into_owned();
            [
                v(&row.serial),
                v(&row.mode),
                v(&row.model),
                format!("{}{flag}", status_word(lang, row.status)),
                row.release.as_ref().map_or(String::new(), |x| v(&x.id)),
                v(row.time.as_deref().unwrap_or_default()),
                row.note.as_ref().map(|n| n.text(lang)).unwrap_or_default(),
            ]
        })
        .collect();
    let mut width = head.clone().map(|h| h.chars().count());
    for c in &cells {
        for (w, s) in width.iter_mut().zip(c) {
            *w = (*w).max(s.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |c: &[String]| {
        let parts: Vec<String> = c
            .iter()
            .zip(width)
            .enumerate()
            .map(|(i, (s, w))| if i == 6 { s.clone() } else { format!("{s:w$}") })
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&head);
    for c in &cells {
        line(c);
    }
    let s = &r.summary;
    let summary = fl!(
        lang,
        "report-summary",
        release = &r.release,
        instruments = s.instruments,
        rows = s.rows,
        patched = s.patched,
        not_patched = s.not_patched,
        failed = s.failed,
        rolled_back = s.rolled_back,
        invalid = s.invalid_receipt,
        unknown = s.unknown_receipts,
        unreadable = s.unreadable_receipts,
        read = r.receipts_read
    );
    out.push_str(&format!("\n{summary}\n"));
    if !s.patched_in_one_mode_only.is_empty() {
        let serials = s.patched_in_one_mode_only.join(", ");
        out.push_str(&fl!(lang, "report-one-mode-only", serials = serials));
        out.push('\n');
    }
    for u in &r.unknown_receipts {
        let text = fl!(lang, "report-unknown", file = &u.file, detail = &u.detail);
        out.push_str(&format!("{text}\n"));
    }
    for u in &r.unreadable_receipts {
        let text = fl!(lang, "report-unreadable", file = &u.file, detail = &u.error);
        out.push_str(&format!("{text}\n"));
    }
    out
}
