//! The config file merged with the command line (an option always wins),
//! and `config show`, which says where each effective setting comes from.

use std::path::{Path, PathBuf};

use bundle_verifier::i18n::{fl, visible, Lang};
use bundle_verifier::instrument::config::{
    Config, FoundBy, InstrumentSource, Service, ServiceCommand, TrustSource, ENV,
};
use bundle_verifier::{Error, Identity, TrustedKeys};
use serde_json::json;

use super::args::{ConfigShowArgs, Trust};
use super::out::outln;
use super::{print_json, Failure, Outcome};

/// The config file in effect, if any.
pub struct Settings {
    pub file: Option<Config>,
}

impl Settings {
    pub fn load(flag: Option<&Path>) -> Result<Settings, Error> {
        Ok(Settings {
            file: Config::locate(flag)?,
        })
    }

    pub fn lang(&self) -> Option<Lang> {
        self.file.as_ref().and_then(|c| c.lang)
    }

    pub fn root(&self, flag: &Option<PathBuf>) -> Result<PathBuf, Error> {
        pick(flag, self.file.as_ref().and_then(|c| c.root.as_ref())).ok_or(Error::NotSet {
            flag: "--root DIR",
            key: "root",
        })
    }

    pub fn state(&self, flag: &Option<PathBuf>) -> Result<PathBuf, Error> {
        self.state_opt(flag).ok_or(Error::NotSet {
            flag: "--state DIR",
            key: "state",
        })
    }

    pub fn state_opt(&self, flag: &Option<PathBuf>) -> Option<PathBuf> {
        pick(flag, self.file.as_ref().and_then(|c| c.state.as_ref()))
    }

    /// The identity from `--instrument`, else the config file.
    pub fn identity(&self, flag: &Option<PathBuf>) -> Result<Identity, Error> {
        self.identity_opt(flag)?.ok_or(Error::NotSet {
            flag: "--instrument ID.toml",
            key: "instrument",
        })
    }

    pub fn identity_opt(&self, flag: &Option<PathBuf>) -> Result<Option<Identity>, Error> {
        match (flag, self.file.as_ref().and_then(|c| c.instrument.as_ref())) {
            (Some(p), _) => Identity::load(p).map(Some),
            (None, Some(src)) => src.load().map(Some),
            (None, None) => Ok(None),
        }
    }

    /// The keys to trust: the options, else the config file, else (on an
    /// instrument, `state`) the trust root installed there.
    pub fn trust(&self, t: &Trust, state: Option<&Path>) -> Result<TrustedKeys, Error> {
        match self.trust_opt(t)? {
            Some(k) => Ok(k),
            None => match state {
                Some(s) => TrustedKeys::from_state_dir(s),
                None => Err(Error::NotSet {
                    flag: "--trust-root ROOT.json or --trusted-key KEY.pub",
                    key: "trust_root or trusted_keys",
                }),
            },
        }
    }

    /// The keys the options or the config file name, if any.
    pub fn trust_opt(&self, t: &Trust) -> Result<Option<TrustedKeys>, Error> {
        if t.trust_root.is_some() || !t.trusted_key.is_empty() {
            return t.load(None).map(Some);
        }
        match self.file.as_ref().and_then(|c| c.trust.as_ref()) {
            Some(TrustSource::Root(r)) => TrustedKeys::from_root_file(r).map(Some),
            Some(TrustSource::Keys(k)) => TrustedKeys::from_pem_files(k).map(Some),
            None => Ok(None),
        }
    }
}

fn pick(flag: &Option<PathBuf>, file: Option<&PathBuf>) -> Option<PathBuf> {
    flag.clone().or_else(|| file.cloned())
}

/// One line of `config show`: the value and where it comes from.
struct Line {
    key: String,
    value: Option<String>,
    /// `flag`, `config`, `env`, `default`, `system`, `state` or `unset`.
    source: &'static str,
    /// The source in words.
    words: String,
}

pub fn run_config_show(a: ConfigShowArgs, lang: Lang, lang_flag: bool, s: &Settings) -> Outcome {
    let file_words =
        |c: &Config| format!("{} {}", fl!(lang, "config-source-file"), c.path.display());
    let flag = |f: &str| fl!(lang, "config-source-flag", flag = f);
    let unset = || (None, "unset", fl!(lang, "config-not-set"));
    let path_line = |key: &str, f: &Option<PathBuf>, c: Option<&PathBuf>, opt: &str| {
        let (value, source, words) = match (f, c, &s.file) {
            (Some(p), _, _) => (Some(p.display().to_string()), "flag", flag(opt)),
            (None, Some(p), Some(file)) => {
                (Some(p.display().to_string()), "config", file_words(file))
            }
            _ => unset(),
        };
        Line {
            key: key.into(),
            value,
            source,
            words,
        }
    };
    let file = s.file.as_ref();
    let mut lines = vec![
        path_line(
            "root",
            &a.root,
            file.and_then(|c| c.root.as_ref()),
            "--root",
        ),
        path_line(
            "state",
            &a.state,
            file.and_then(|c| c.state.as_ref()),
            "--state",
        ),
    ];
    let (value, source, words) = match (&a.instrument, file.and_then(|c| c.instrument.as_ref())) {
        (Some(p), _) => (Some(p.display().to_string()), "flag", flag("--instrument")),
        (None, Some(InstrumentSource::File(p))) => (
            Some(p.display().to_string()),
            "config",
            file_words(file.expect("has a file")),
        ),
        (None, Some(InstrumentSource::Inline(id))) => {
            let text = fl!(
                lang,
                "config-inline-identity",
                serial = &id.serial,
                mode = &id.mode
            );
            (Some(text), "config", file_words(file.expect("has a file")))
        }
        (None, None) => unset(),
    };
    lines.push(Line {
        key: "instrument".into(),
        value,
        source,
        words,
    });
    let join = |v: &[PathBuf]| {
        v.iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let state = s.state_opt(&a.state);
    let (key, value, source, words) = match (&a.trust, file.and_then(|c| c.trust.as_ref())) {
        (
            Trust {
                trust_root: Some(r),
                ..
            },
            _,
        ) => (
            "trust_root",
            Some(r.display().to_string()),
            "flag",
            flag("--trust-root"),
        ),
        (t, _) if !t.trusted_key.is_empty() => (
            "trusted_keys",
            Some(join(&t.trusted_key)),
            "flag",
            flag("--trusted-key"),
        ),
        (_, Some(TrustSource::Root(r))) => (
            "trust_root",
            Some(r.display().to_string()),
            "config",
            file_words(file.expect("has a file")),
        ),
        (_, Some(TrustSource::Keys(k))) => (
            "trusted_keys",
            Some(join(k)),
            "config",
            file_words(file.expect("has a file")),
        ),
        (_, None) => match &state {
            Some(st) => (
                "trust_root",
                Some(st.join("trust").join("root.json").display().to_string()),
                "state",
                fl!(lang, "config-source-installed"),
            ),
            None => {
                let (v, s, w) = unset();
                ("trust_root", v, s, w)
            }
        },
    };
    lines.push(Line {
        key: key.into(),
        value,
        source,
        words,
    });
    let (source, words) = match (lang_flag, s.lang()) {
        (true, _) => ("flag", flag("--lang")),
        (false, Some(_)) => ("config", file_words(file.expect("has a file"))),
        (false, None) => ("system", fl!(lang, "config-source-system")),
    };
    lines.push(Line {
        key: "lang".into(),
        value: Some(lang.tag().into()),
        source,
        words,
    });
    let services = file.map(|c| c.services.clone()).unwrap_or_default();
    for svc in Service::ALL {
        let value = Some(match services.command(svc) {
            ServiceCommand::Argv(v) => v.join(" "),
            ServiceCommand::ServiceControlManager => fl!(lang, "config-scm"),
        });
        let (source, words) = match (services.configured(svc), file) {
            (Some(_), Some(c)) => ("config", file_words(c)),
            _ => ("default", fl!(lang, "config-source-builtin")),
        };
        lines.push(Line {
            key: format!("services.{}", svc.key()),
            value,
            source,
            words,
        });
    }
    let found = match file.map(|c| c.found_by) {
        Some(FoundBy::Flag) => "flag",
        Some(FoundBy::Env) => "env",
        Some(FoundBy::Default) => "default",
        None => "none",
    };
    if a.json {
        let settings: serde_json::Map<String, serde_json::Value> = lines
            .iter()
            .map(|l| (l.key.clone(), json!({"value": l.value, "source": l.source})))
            .collect();
        print_json(&json!({
            "ok": true,
            "config_file": {
                "path": file.map(|c| c.path.clone()),
                "found_by": found,
                "default_path": bundle_verifier::platform::default_config_path(),
            },
            "settings": settings,
        }));
        return (true, Ok(()));
    }
    let (path, how) = match file {
        Some(c) => {
            let how = match c.found_by {
                FoundBy::Flag => flag("--config"),
                FoundBy::Env => fl!(lang, "config-source-env", var = ENV),
                FoundBy::Default => fl!(lang, "config-source-default"),
            };
            (c.path.display().to_string(), how)
        }
        None => {
            let p = bundle_verifier::platform::default_config_path();
            (
                fl!(lang, "config-file-none", path = p.display().to_string()),
                String::new(),
            )
        }
    };
    let width = lines.iter().map(|l| l.key.len()).max().unwrap_or(0).max(12);
    let title = fl!(lang, "config-file");
    if how.is_empty() {
        outln!("{title}: {}", visible(&path));
    } else {
        outln!("{title}: {}  ({how})", visible(&path));
    }
    for l in &lines {
        let value = l.value.clone().unwrap_or_else(|| "-".into());
        outln!(
            "  {:width$} {}  ({})",
            l.key,
            visible(&value),
            visible(&l.words)
        );
    }
    (false, Ok::<(), Failure>(()))
}
