//! `usb [DIR]`: the technician's one step. Finds the stick, picks the newest
//! bundle that applies here (one line each on why the others do not), shows
//! what it would change, asks, installs through `apply`'s own handler, and
//! puts the receipts and a summary on the stick.
//!
//! Exit codes are apply's; no stick or no bundle on it is 2, bundles of
//! which none applies here is 4.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use bundle_verifier::i18n::{fl, visible, Lang};
use bundle_verifier::instrument::config::FoundBy;
use bundle_verifier::instrument::scan::{scan, ScanEntry};
use bundle_verifier::instrument::usb::{deliver, newest, preview, why_not, NotChosen, Preview};
use bundle_verifier::{Error, ExitClass, Identity, Limits};

use super::args::{ApplyArgs, Trust, UsbArgs};
use super::config::Settings;
use super::instrument::run_apply;
use super::out::outln;
use super::{release_name, Failure, Outcome};

pub fn run_usb(a: UsbArgs, lang: Lang, cfg: &Settings) -> Outcome {
    (false, usb(a, lang, cfg))
}

fn usb(a: UsbArgs, lang: Lang, cfg: &Settings) -> Result<(), Failure> {
    let (root, state) = (cfg.root(&a.root)?, cfg.state(&a.state)?);
    let identity = cfg.identity(&a.instrument)?;
    let trust = cfg.trust(&a.trust, Some(&state))?;
    let sticks = match &a.dir {
        Some(d) => vec![d.clone()],
        None => bundle_verifier::platform::removable_media(),
    };
    if sticks.is_empty() {
        return Err(Error::Config(fl!(lang, "usb-no-stick")).into());
    }
    let limits = Limits::default();
    // Every bundle of every stick, with the stick it is on.
    let mut found: Vec<(PathBuf, ScanEntry)> = Vec::new();
    for stick in &sticks {
        let entries = match scan(stick, &trust, &identity, Some(&state), &limits) {
            Ok(e) => e,
            // A drive letter without a medium in it is no error when looking for sticks.
            Err(_) if a.dir.is_none() => continue,
            Err(e) => return Err(e.into()),
        };
        found.extend(entries.into_iter().map(|e| (stick.clone(), e)));
    }
    if found.is_empty() {
        let dirs: Vec<String> = sticks.iter().map(|s| s.display().to_string()).collect();
        return Err(Error::Config(fl!(lang, "usb-no-bundles", dir = dirs.join(", "))).into());
    }
    let (stick_of, entries): (Vec<PathBuf>, Vec<ScanEntry>) = found.into_iter().unzip();
    let chosen = newest(&entries);
    let show = |i: usize| {
        let f = &entries[i].file;
        let shown = f.strip_prefix(&stick_of[i]).unwrap_or(f);
        visible(&shown.display().to_string()).into_owned()
    };
    for i in 0..entries.len() {
        if Some(i) == chosen {
            continue;
        }
        let line = match why_not(&entries, i, chosen) {
            NotChosen::Older { newest } => {
                let release = entries[i].release.as_ref().expect("applies");
                let id = if release.sequence == newest.sequence {
                    "usb-same"
                } else {
                    "usb-older"
                };
                let (r, n) = (release_name(lang, release), release_name(lang, newest));
                match id {
                    "usb-same" => fl!(lang, "usb-same", file = show(i), release = r),
                    _ => fl!(lang, "usb-older", file = show(i), release = r, newest = n),
                }
            }
            NotChosen::Refused(e) => {
                let reason = e.text(lang);
                let first = reason.lines().next().unwrap_or_default().to_owned();
                fl!(lang, "usb-skipped", file = show(i), reason = first)
            }
        };
        outln!("  {line}");
    }
    // The newest here already installed: apply says whether it is intact
    // ("nothing to do", exit 0) or what to do about it.
    let replay = entries
        .iter()
        .position(|e| matches!(e.error, Some(Error::Replay { .. })));
    if let (None, Some(r)) = (chosen, replay) {
        let args = apply_args(&a, entries[r].file.clone());
        let (_, applied) = run_apply(args, lang, cfg);
        return applied;
    }
    let Some(c) = chosen else {
        let text = fl!(
            lang,
            "usb-none-applies",
            model = &identity.model,
            serial = &identity.serial,
            mode = &identity.mode
        );
        eprintln!("{text}");
        return Err(Failure::Found(ExitClass::NotApplicable));
    };
    let bundle = entries[c].file.clone();
    let stick = stick_of[c].clone();
    let p = preview(&bundle, &trust, &identity, &root, &limits)?;
    let summary = summary(lang, &p, &identity, &a.confirm, &show(c));
    for l in &summary {
        outln!("{l}");
    }
    if !a.yes && !ask(lang)? {
        outln!("{}", fl!(lang, "usb-cancelled"));
        return Ok(());
    }
    // The install is `apply`'s: the same handler, options and output.
    let (_, applied) = run_apply(apply_args(&a, bundle), lang, cfg);
    applied?;
    let next = match p.other_modes.is_empty() {
        true => fl!(lang, "usb-next-done"),
        false => fl!(
            lang,
            "usb-next-other-mode",
            modes = p.other_modes.join(", ")
        ),
    };
    let mut file = summary;
    file.push(fl!(lang, "usb-file-installed"));
    file.push(next.clone());
    let text = file.join("\n") + "\n";
    match deliver(&state, &stick, &identity, p.release.sequence, &text) {
        Ok(d) => outln!("{}", fl!(lang, "usb-receipts-written", dir = &d.dir)),
        Err(e) => {
            let dir = bundle_verifier::instrument::usb::receipts_dir(&stick, &identity);
            let command = export_command(&a.state, cfg, &dir);
            let kept = state.join("receipts");
            let text = fl!(
                lang,
                "usb-receipts-not-written",
                reason = e.text(lang),
                dir = &kept,
                command = command
            );
            outln!("{text}");
        }
    }
    outln!("{next}");
    Ok(())
}

/// `apply`'s arguments for installing `bundle` as `usb` was asked to.
fn apply_args(a: &UsbArgs, bundle: PathBuf) -> ApplyArgs {
    ApplyArgs {
        bundle,
        trust: Trust {
            trust_root: a.trust.trust_root.clone(),
            trusted_key: a.trust.trusted_key.clone(),
        },
        instrument: a.instrument.clone(),
        root: a.root.clone(),
        state: a.state.clone(),
        confirm: a.confirm.clone(),
        ..Default::default()
    }
}

/// The lines shown before asking, and written to the stick afterwards.
fn summary(
    lang: Lang,
    p: &Preview,
    id: &Identity,
    confirmed: &[String],
    file: &str,
) -> Vec<String> {
    let mut out = vec![
        fl!(
            lang,
            "usb-newest",
            release = release_name(lang, &p.release),
            file = file
        ),
        format!("  {}", visible(p.title.get_or_en(lang.tag()))),
        fl!(
            lang,
            "usb-instrument",
            model = &id.model,
            serial = &id.serial,
            mode = &id.mode
        ),
        fl!(
            lang,
            "usb-counts",
            added = p.added,
            replaced = p.replaced,
            removed = p.removed,
            unchanged = p.unchanged
        ),
    ];
    if !p.actions.is_empty() {
        out.push(fl!(lang, "actions-heading"));
        for line in bundle_verifier::instrument::actions::describe(lang, &p.actions) {
            out.push(format!("  {line}"));
        }
    }
    for c in &p.confirm {
        let text = c.text_in(lang.tag()).to_owned();
        out.push(match confirmed.contains(&c.id) {
            true => fl!(lang, "usb-confirmed", id = &c.id, text = text),
            false => fl!(lang, "usb-confirm", id = &c.id, text = text),
        });
    }
    out
}

/// Asks before installing; an error when nobody is at a terminal to answer.
fn ask(lang: Lang) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Config(fl!(lang, "usb-no-terminal")).into());
    }
    eprint!("{}", fl!(lang, "usb-ask"));
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let answer = std::io::stdin().lock().read_line(&mut line).map(|_| line);
    Ok(answer.is_ok_and(|a| lang.is_yes(&a)))
}

/// The command that exports the receipts later, to `dir`.
fn export_command(state_flag: &Option<PathBuf>, cfg: &Settings, dir: &Path) -> String {
    let quote = |p: &Path| format!("\"{}\"", p.display());
    let named = cfg.file.as_ref().filter(|c| c.found_by == FoundBy::Flag);
    match state_flag {
        None if named.is_some() => format!(
            "bundle-verifier --config {} receipts export --to {}",
            quote(&named.expect("checked").path),
            quote(dir)
        ),
        Some(s) => format!(
            "bundle-verifier receipts export --state {} --to {}",
            quote(s),
            quote(dir)
        ),
        None => format!("bundle-verifier receipts export --to {}", quote(dir)),
    }
}
