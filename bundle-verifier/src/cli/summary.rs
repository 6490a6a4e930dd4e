//! What `apply` (and `apply --dry-run`) prints for a person: a summary of a
//! few lines however many files the release has (what, where, how many
//! files added, replaced and unchanged, the confirmations, the backup, the
//! receipt, what to do next), and the file list only when asked (`--list`).
//! `--json` prints the full report instead (see `instrument.rs`).

use bundle_verifier::i18n::{fl, visible, Lang};
use bundle_verifier::instrument::install::{Action, ApplyReport, RESULT_NOTHING_TO_DO};
use bundle_verifier::instrument::known::install_notes;

use super::out::outln;
use super::read::print_signatures;
use super::{name, release_name};

/// How many files of each kind a report changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub add: usize,
    pub replace: usize,
    pub same: usize,
}

impl Counts {
    pub fn of(r: &ApplyReport) -> Counts {
        let mut c = Counts::default();
        for ch in &r.changes {
            match ch.action {
                Action::Add => c.add += 1,
                Action::Replace => c.replace += 1,
                Action::Unchanged => c.same += 1,
            }
        }
        c
    }
}

/// Prints the summary of `r`, and every changed file with `list`.
pub fn print_apply(lang: Lang, r: &ApplyReport, list: bool) {
    let id = &r.identity;
    let release = name(lang, &r.release.id, &r.release.version, r.release.sequence);
    let dry_run = r.result == "dry-run";
    let nothing = r.result == RESULT_NOTHING_TO_DO;
    let counts = Counts::of(r);
    if dry_run {
        outln!("{}", fl!(lang, "dry-run"));
    } else if nothing {
        let files = r.changes.len();
        let text = fl!(
            lang,
            "nothing-to-do",
            release = release.clone(),
            mode = &id.mode,
            files = files
        );
        outln!("{text}");
    } else {
        let model = match &id.udi_di {
            Some(u) => format!("{} {u}", id.model),
            None => id.model.clone(),
        };
        let text = fl!(
            lang,
            "installed",
            release = release.clone(),
            model = model,
            serial = &id.serial,
            mode = &id.mode
        );
        outln!("{text}");
    }
    print_signatures(lang, &r.signatures);
    let t = &r.target;
    let mib = format!("{:.1}", t.bytes as f64 / f64::from(1 << 20));
    let text = fl!(
        lang,
        "summary-target",
        model = &t.model,
        mode = &t.mode,
        files = t.files,
        mib = mib
    );
    outln!("  {text}");
    if let (false, Some(b)) = (nothing, &r.installed_before) {
        let before = release_name(lang, b);
        outln!("  {}", fl!(lang, "installed-before", release = before));
    }
    if !nothing {
        let text = fl!(
            lang,
            "counts",
            add = counts.add,
            replace = counts.replace,
            same = counts.same
        );
        outln!("  {text}");
    }
    if list {
        print_list(lang, r);
    }
    print_actions(lang, r);
    if dry_run {
        for c in &r.release.confirm {
            let text = c.text_in(lang.tag()).to_owned();
            let line = fl!(lang, "needs-confirmation", id = &c.id, text = text);
            outln!("  {line}");
        }
    }
    for c in &r.confirmations {
        let how = match c.how.as_str() {
            "flag" => fl!(lang, "how-flag"),
            _ => fl!(lang, "how-terminal"),
        };
        outln!("  {}", fl!(lang, "confirmed", id = &c.id, how = how));
    }
    for line in install_notes(lang, &r.not_adopted, &r.moved) {
        outln!("  {line}");
    }
    if let Some(b) = &r.backup {
        outln!("  {}", fl!(lang, "backup-kept", dir = b));
    }
    if let Some(b) = &r.backup_to {
        outln!("  {}", fl!(lang, "backup-copy", dir = b));
    }
    if let Some(p) = &r.receipt {
        outln!("  {}", fl!(lang, "receipt", path = p));
    }
    if let (true, Some(k)) = (r.device_key_created, &r.device_key) {
        outln!("  {}", fl!(lang, "device-key-created", id = k.as_str()));
    }
    if !list && !nothing && counts.add + counts.replace > 0 {
        outln!("  {}", fl!(lang, "summary-list-hint"));
    }
    if !r.other_modes.is_empty() {
        let modes = r.other_modes.join(", ");
        outln!("  {}", fl!(lang, "other-modes", modes = modes));
    }
    if dry_run {
        outln!("  {}", fl!(lang, "next-dry-run"));
    } else if !nothing {
        outln!("  {}", fl!(lang, "next-installed"));
    }
}

/// Every file the install adds or replaces, one a line (`--list`).
fn print_list(lang: Lang, r: &ApplyReport) {
    let (add, replace) = (fl!(lang, "verb-add"), fl!(lang, "verb-replace"));
    let width = add.chars().count().max(replace.chars().count()).max(8);
    for c in &r.changes {
        let verb = match c.action {
            Action::Add => &add,
            Action::Replace => &replace,
            Action::Unchanged => continue,
        };
        outln!("    {verb:width$} {}", visible(c.path.as_str()));
    }
}

/// The install actions in plain words; after an install, how each ended.
fn print_actions(lang: Lang, r: &ApplyReport) {
    if r.actions.is_empty() {
        return;
    }
    outln!("  {}", fl!(lang, "actions-heading"));
    let lines = bundle_verifier::instrument::actions::describe(lang, &r.actions);
    for (i, line) in lines.iter().enumerate() {
        match r.actions_run.get(i) {
            Some(run) => {
                let result = match run.result.as_str() {
                    "ok" => fl!(lang, "action-result-ok"),
                    "reboot-required" => fl!(lang, "action-result-reboot-required"),
                    "not-running" => fl!(lang, "action-result-not-running"),
                    "already-running" => fl!(lang, "action-result-already-running"),
                    "timed-out" => fl!(lang, "action-result-timed-out"),
                    _ => fl!(lang, "action-result-failed"),
                };
                outln!("    {line}: {result}");
            }
            None => outln!("    {line}"),
        }
    }
    if r.actions_run.iter().any(|a| a.reboot_required()) {
        outln!("  {}", fl!(lang, "actions-reboot-required"));
    }
}
