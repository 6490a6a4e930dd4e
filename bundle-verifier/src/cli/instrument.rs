//! `apply`, `rollback`, `check-installed`, `scan`, `device`, `receipts`:
//! the technician at the instrument.

use bundle_verifier::i18n::{fl, visible, Lang};
use bundle_verifier::instrument::install::{apply, ApplyOptions};
use bundle_verifier::instrument::known::rollback_notes;
use bundle_verifier::instrument::state::StateDir;
use bundle_verifier::{Error, ExitClass, Identity, Limits};

use super::args::{ApplyArgs, CheckInstalledArgs, DeviceCmd, ReceiptsCmd, RollbackArgs, ScanArgs};
use super::config::Settings;
use super::out::{out, outln};
use super::summary::print_apply;
use super::{announce, print_json, release_name, Failure, Outcome, Terminal};

pub fn run_apply(a: ApplyArgs, lang: Lang, cfg: &Settings) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let (root, state) = (cfg.root(&a.root)?, cfg.state(&a.state)?);
        let trust = cfg.trust(&a.trust, Some(&state))?;
        let identity = cfg.identity(&a.instrument)?;
        let ui = Terminal::new(lang);
        let _volumes = ui.progress.show_volumes();
        let opts = ApplyOptions {
            limits: Limits::default(),
            dry_run: a.dry_run,
            reinstall: a.reinstall,
            confirmed: a.confirm,
            backup_to: a.backup_to,
            services: cfg
                .file
                .as_ref()
                .map(|c| c.services.clone())
                .unwrap_or_default(),
        };
        let r = apply(&a.bundle, &trust, &identity, &root, &state, &opts, &ui);
        ui.progress.finish();
        let r = r.map_err(Failure::Apply)?;
        announce(lang, r.recovered.as_ref());
        if a.json {
            print_json(&serde_json::json!({"ok": true, "applied": r}));
        } else {
            print_apply(lang, &r, a.list);
        }
        Ok(())
    })();
    (a.json, r)
}

pub fn run_rollback(a: RollbackArgs, lang: Lang, cfg: &Settings) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let (root, state) = (cfg.root(&a.root)?, cfg.state(&a.state)?);
        let r = bundle_verifier::instrument::rollback::rollback(&root, &state, a.dry_run)?;
        announce(lang, r.recovered.as_ref());
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
        for line in rollback_notes(lang, &r.set_aside) {
            outln!("  {line}");
        }
        if let Some(p) = &r.receipt {
            outln!("  {}", fl!(lang, "receipt", path = p));
        }
        Ok(())
    })();
    (a.json, r)
}

pub fn run_device(cmd: DeviceCmd, lang: Lang, cfg: &Settings) -> Outcome {
    match cmd {
        DeviceCmd::Init {
            state,
            instrument,
            json,
        } => {
            let r = (|| -> Result<(), Failure> {
                let identity = cfg.identity_opt(&instrument)?;
                let state = StateDir::open(&cfg.state(&state)?)?;
                if state.has_device_key()? {
                    let (k, _) = state.device_key(false)?;
                    let text = fl!(lang, "device-exists", id = k.key_id().as_str());
                    return Err(Error::Config(text).into());
                }
                let (k, _) = state.device_key(true)?;
                let pem = k.public_key().to_pem();
                let install = identity.as_ref().map(registry_lines);
                if json {
                    print_json(&serde_json::json!({
                        "ok": true, "key_id": k.key_id(), "public_key": pem,
                        "public_key_file": state.device_pub_path(),
                        "serial": identity.as_ref().map(|i| &i.serial),
                        "mode": identity.as_ref().map(|i| &i.mode),
                        "registry": install.as_ref().map(|(_, lines)| lines),
                    }));
                } else {
                    outln!("{}", fl!(lang, "device-created", id = k.key_id().as_str()));
                    out!("{pem}");
                    if let Some((file, lines)) = install {
                        outln!();
                        outln!("{}", fl!(lang, "device-registry-lines", file = file));
                        for l in lines.lines() {
                            outln!("  {}", visible(l));
                        }
                    }
                }
                Ok(())
            })();
            (json, r)
        }
        DeviceCmd::Pubkey { state } => {
            let r = (|| -> Result<(), Failure> {
                let state = StateDir::open(&cfg.state(&state)?)?;
                let (k, _) = state.device_key(false)?;
                out!("{}", k.public_key().to_pem());
                Ok(())
            })();
            (false, r)
        }
    }
}

pub fn run_receipts(cmd: ReceiptsCmd, lang: Lang, cfg: &Settings) -> Outcome {
    let ReceiptsCmd::Export { state, to, json } = cmd;
    let r = (|| -> Result<(), Failure> {
        let state = cfg.state(&state)?;
        let r = bundle_verifier::instrument::export::export(&state, &to)?;
        announce(lang, r.recovered.as_ref());
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

pub fn run_check_installed(a: CheckInstalledArgs, lang: Lang, cfg: &Settings) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let trust = cfg.trust_opt(&a.trust)?;
        let (root, state) = (cfg.root(&a.root)?, cfg.state(&a.state)?);
        let r = bundle_verifier::instrument::check::check_installed(&root, &state, trust.as_ref())?;
        announce(lang, r.recovered.as_ref());
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
            Err(Failure::Found(ExitClass::NotAsItShouldBe))
        }
    })();
    (a.json, r)
}

pub fn run_scan(a: ScanArgs, lang: Lang, cfg: &Settings) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let state = cfg.state_opt(&a.state);
        let trust = cfg.trust(&a.trust, state.as_deref())?;
        let identity = cfg.identity(&a.instrument)?;
        let found = bundle_verifier::instrument::scan::scan(
            &a.dir,
            &trust,
            &identity,
            state.as_deref(),
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

/// The registry's `[[device]]` and `[[device.install]]` lines for this
/// install (TOML, values quoted as TOML strings), and the key file they name.
fn registry_lines(id: &Identity) -> (String, String) {
    let q = |s: &str| toml::Value::String(s.into()).to_string();
    let file = format!("keys/{}-{}.pub", id.serial, id.mode);
    let mut lines = format!(
        "[[device]]\nserial = {}\nmodel = {}\n",
        q(&id.serial),
        q(&id.model)
    );
    if let Some(u) = &id.udi_di {
        lines.push_str(&format!("udi_di = {}\n", q(u)));
    }
    lines.push_str(&format!(
        "[[device.install]]\nmode = {}\npublic_key_file = {}\n",
        q(&id.mode),
        q(&file)
    ));
    (file, lines)
}
