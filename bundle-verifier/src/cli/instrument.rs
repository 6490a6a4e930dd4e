//! `apply`, `rollback`, `check-installed`, `scan`, `device`, `receipts`:
//! the technician at the instrument.

use bundle_verifier::i18n::{fl, visible, Lang};
use bundle_verifier::instrument::install::{apply, Action, ApplyOptions, ApplyReport};
use bundle_verifier::instrument::state::StateDir;
use bundle_verifier::{Error, ExitClass, Identity, Limits};

use super::args::{ApplyArgs, CheckInstalledArgs, DeviceCmd, ReceiptsCmd, RollbackArgs, ScanArgs};
use super::out::{out, outln};
use super::read::print_signatures;
use super::{name, print_json, progress_bar, recovered, release_name, Failure, Outcome, Terminal};

pub fn run_apply(a: ApplyArgs, lang: Lang) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let trust = a.trust.load(Some(&a.state))?;
        let identity = Identity::load(&a.instrument)?;
        let ui = Terminal {
            bar: progress_bar(&a.bundle, fl!(lang, "progress-stage")),
            lang,
        };
        let _volumes = super::show_volumes(&ui.bar, lang);
        let opts = ApplyOptions {
            limits: Limits::default(),
            dry_run: a.dry_run,
            reinstall: a.reinstall,
            confirmed: a.confirm,
            backup_to: a.backup_to,
        };
        let r = apply(&a.bundle, &trust, &identity, &a.root, &a.state, &opts, &ui);
        ui.bar.finish_and_clear();
        let r = r.map_err(Failure::Apply)?;
        if a.json {
            print_json(&serde_json::json!({"ok": true, "applied": r}));
        } else {
            print_apply(lang, &r);
        }
        Ok(())
    })();
    (a.json, r)
}

fn print_apply(lang: Lang, r: &ApplyReport) {
    let count = |a: Action| r.changes.iter().filter(|c| c.action == a).count();
    let id = &r.identity;
    if let Some(rec) = &r.recovered {
        outln!("{}", recovered(lang, rec));
    }
    let release = name(lang, &r.release.id, &r.release.version, r.release.sequence);
    if r.result == "dry-run" {
        outln!("{}", fl!(lang, "dry-run"));
    } else {
        let model = match &id.udi_di {
            Some(u) => format!("{} {u}", id.model),
            None => id.model.clone(),
        };
        let text = fl!(
            lang,
            "installed",
            release = release,
            model = model,
            serial = &id.serial,
            mode = &id.mode
        );
        outln!("{text}");
    }
    print_signatures(lang, &r.signatures);
    if let Some(b) = &r.installed_before {
        let before = release_name(lang, b);
        outln!("  {}", fl!(lang, "installed-before", release = before));
    }
    let text = fl!(
        lang,
        "counts",
        add = count(Action::Add),
        replace = count(Action::Replace),
        same = count(Action::Unchanged)
    );
    outln!("  {text}");
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
    if r.result == "dry-run" {
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
    if !r.other_modes.is_empty() {
        let modes = r.other_modes.join(", ");
        outln!("  {}", fl!(lang, "other-modes", modes = modes));
    }
}

pub fn run_rollback(a: RollbackArgs, lang: Lang) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let r = bundle_verifier::instrument::rollback::rollback(&a.root, &a.state, a.dry_run)?;
        if let Some(rec) = &r.recovered {
            eprintln!("{}", recovered(lang, rec));
        }
        if a.json {
            print_json(&serde_json::json!({"ok": true, "rollback": r}));
            return Ok(());
        }
        let release = release_name(lang, &r.rolled_back);
        let (mode, files) = (&r.mode, r.files);
        if a.dry_run {
            let text = fl!(
                lang,
                "rollback-dry-run",
                release = release,
                mode = mode,
                files = files
            );
            outln!("{text}");
        } else {
            let text = fl!(
                lang,
                "rolled-back",
                release = release,
                mode = mode,
                files = files
            );
            outln!("{text}");
        }
        match &r.installed_now {
            Some(x) => {
                let now = release_name(lang, x);
                outln!("  {}", fl!(lang, "installed-now", release = now));
            }
            None => outln!("  {}", fl!(lang, "installed-now-nothing")),
        }
        if let Some(p) = &r.receipt {
            outln!("  {}", fl!(lang, "receipt", path = p));
        }
        Ok(())
    })();
    (a.json, r)
}

pub fn run_device(cmd: DeviceCmd, lang: Lang) -> Outcome {
    match cmd {
        DeviceCmd::Init { state, json } => {
            let r = (|| -> Result<(), Failure> {
                let state = StateDir::open(&state)?;
                if state.has_device_key()? {
                    let (k, _) = state.device_key(false)?;
                    let text = fl!(lang, "device-exists", id = k.key_id().as_str());
                    return Err(Error::Config(text).into());
                }
                let (k, _) = state.device_key(true)?;
                let pem = k.public_key().to_pem();
                if json {
                    print_json(&serde_json::json!({
                        "ok": true, "key_id": k.key_id(), "public_key": pem,
                        "public_key_file": state.device_pub_path(),
                    }));
                } else {
                    outln!("{}", fl!(lang, "device-created", id = k.key_id().as_str()));
                    out!("{pem}");
                }
                Ok(())
            })();
            (json, r)
        }
        DeviceCmd::Pubkey { state } => {
            let r = (|| -> Result<(), Failure> {
                let state = StateDir::open(&state)?;
                let (k, _) = state.device_key(false)?;
                out!("{}", k.public_key().to_pem());
                Ok(())
            })();
            (false, r)
        }
    }
}

pub fn run_receipts(cmd: ReceiptsCmd, lang: Lang) -> Outcome {
    let ReceiptsCmd::Export { state, to, json } = cmd;
    let r = (|| -> Result<(), Failure> {
        let r = bundle_verifier::instrument::export::export(&state, &to)?;
        if json {
            print_json(&serde_json::json!({"ok": true, "exported": r}));
        } else {
            let n = r.receipts.len();
            outln!("{}", fl!(lang, "exported", count = n, dir = &r.to));
        }
        Ok(())
    })();
    (json, r)
}

pub fn run_check_installed(a: CheckInstalledArgs, lang: Lang) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let trust = if a.trust.trust_root.is_none() && a.trust.trusted_key.is_empty() {
            None
        } else {
            Some(a.trust.load(None)?)
        };
        let r =
            bundle_verifier::instrument::check::check_installed(&a.root, &a.state, trust.as_ref())?;
        if let Some(rec) = &r.recovered {
            eprintln!("{}", recovered(lang, rec));
        }
        if a.json {
            print_json(&r);
        } else {
            if r.ok {
                outln!("{}", fl!(lang, "check-ok", files = r.files_checked));
            } else {
                outln!("{}", fl!(lang, "check-differs"));
            }
            for i in &r.installed {
                let text = fl!(
                    lang,
                    "check-installed-release",
                    release = release_name(lang, &i.release),
                    mode = &i.mode,
                    when = &i.installed_at
                );
                outln!("  {text}");
            }
            for (label, list) in [
                (fl!(lang, "check-modified"), &r.modified),
                (fl!(lang, "check-missing"), &r.missing),
                (fl!(lang, "check-unexpected"), &r.unexpected),
            ] {
                for f in list {
                    outln!("    {label:11} {}", visible(f));
                }
            }
            if !r.ok {
                outln!("  {}", fl!(lang, "check-advice"));
            }
        }
        if r.ok {
            Ok(())
        } else {
            Err(Failure::Found(ExitClass::Refused))
        }
    })();
    (a.json, r)
}

pub fn run_scan(a: ScanArgs, lang: Lang) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let trust = a.trust.load(a.state.as_deref())?;
        let identity = Identity::load(&a.instrument)?;
        let found = bundle_verifier::instrument::scan::scan(
            &a.dir,
            &trust,
            &identity,
            a.state.as_deref(),
            &Limits::default(),
        )?;
        if a.json {
            print_json(&serde_json::json!({"ok": true, "bundles": found}));
            return Ok(());
        }
        if found.is_empty() {
            outln!("{}", fl!(lang, "scan-none", dir = &a.dir));
            return Ok(());
        }
        let labels = [
            fl!(lang, "scan-applies"),
            fl!(lang, "scan-not-for-this"),
            fl!(lang, "scan-refused"),
        ];
        let width = labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
            .max(10);
        for e in &found {
            let file = e
                .file
                .strip_prefix(&a.dir)
                .unwrap_or(&e.file)
                .display()
                .to_string();
            let mut file = visible(&file).into_owned();
            if e.volumes > 1 {
                file = format!(
                    "{file} {}",
                    fl!(lang, "scan-volumes", count = e.volumes as u64)
                );
            }
            match &e.error {
                None => {
                    let release = e
                        .release
                        .as_ref()
                        .map(|x| release_name(lang, x))
                        .unwrap_or_default();
                    outln!("{:width$} {release}  {file}", labels[0]);
                    if !e.other_modes.is_empty() {
                        let modes = e.other_modes.join(", ");
                        outln!("  {}", fl!(lang, "other-modes", modes = modes));
                    }
                }
                Some(err) => {
                    let label = if err.class() == ExitClass::NotApplicable {
                        &labels[1]
                    } else {
                        &labels[2]
                    };
                    outln!("{label:width$} {file}\n{:width$} {}", "", err.text(lang));
                }
            }
        }
        outln!("{}", fl!(lang, "scan-unverified-payload"));
        Ok(())
    })();
    (a.json, r)
}
