//! The instrument config file (TOML): the root, the state directory, the
//! instrument identity, the trust, the language and the service commands of
//! one install, so that a technician's command is `apply BUNDLE`. Found by
//! `--config FILE`, else `BUNDLE_VERIFIER_CONFIG`, else the platform's
//! default place ([`crate::platform::default_config_path`]). The command
//! line merges it: an option given always wins over the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::format::read::{read_input, InputKind};
use crate::i18n::Lang;
use crate::instrument::identity::Identity;
use crate::Limits;

/// The environment variable that names the config file.
pub const ENV: &str = "BUNDLE_VERIFIER_CONFIG";

/// The placeholder in a service command that the service's name replaces.
pub const NAME_PLACEHOLDER: &str = "{name}";

/// How the config file was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundBy {
    /// `--config FILE`.
    Flag,
    /// `BUNDLE_VERIFIER_CONFIG`.
    Env,
    /// The platform's default place.
    Default,
}

/// Why the config file was not used.
#[derive(Debug)]
pub enum ConfigProblem {
    /// A file named by `--config` or the environment variable is not there.
    Missing { named_by: FoundBy },
    /// It could not be read (permissions, not UTF-8, ...).
    Unreadable(String),
    /// Not TOML, a value of the wrong type, or an unknown key (the TOML
    /// reader's words, which name the line and key).
    Invalid(String),
    /// A path or list that is empty.
    Empty { key: &'static str },
    /// Both `trust_root` and `trusted_keys`.
    BothTrust,
    /// A `[services]` command without `{name}`.
    NoName { key: String },
    /// Writable by other users, or owned by another user: whoever can change
    /// it chooses what the instrument trusts. The reason code of
    /// [`crate::platform::check_private_file`].
    NotPrivate { why: &'static str },
    /// A language this tool does not speak.
    BadLang { value: String },
    /// The inline `[instrument]` table is not a valid identity.
    BadIdentity(String),
}

/// Where the instrument's identity comes from.
#[derive(Clone, Debug)]
pub enum InstrumentSource {
    /// `instrument = "path.toml"`: an identity file.
    File(PathBuf),
    /// An inline `[instrument]` table.
    Inline(Identity),
}

impl InstrumentSource {
    pub fn load(&self) -> Result<Identity, Error> {
        match self {
            InstrumentSource::File(p) => Identity::load(p),
            InstrumentSource::Inline(id) => Ok(id.clone()),
        }
    }
}

/// Which keys to trust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrustSource {
    Root(PathBuf),
    Keys(Vec<PathBuf>),
}

/// One of the service commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Stop,
    Start,
    IsActive,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Stop, Service::Start, Service::IsActive];

    /// Its key in `[services]`.
    pub fn key(self) -> &'static str {
        match self {
            Service::Stop => "stop",
            Service::Start => "start",
            Service::IsActive => "is_active",
        }
    }
}

/// How a service is stopped, started or checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceCommand {
    /// A program and its arguments; `{name}` stands for the service's name.
    Argv(Vec<String>),
    /// Windows' Service Control Manager, asked directly.
    ServiceControlManager,
}

/// The `[services]` table: each command as configured, `None` for the default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Services {
    pub stop: Option<Vec<String>>,
    pub start: Option<Vec<String>>,
    pub is_active: Option<Vec<String>>,
}

impl Services {
    /// What is configured for `s`, if anything.
    pub fn configured(&self, s: Service) -> Option<&Vec<String>> {
        match s {
            Service::Stop => self.stop.as_ref(),
            Service::Start => self.start.as_ref(),
            Service::IsActive => self.is_active.as_ref(),
        }
    }

    /// The command for `s`: as configured, else the platform's default
    /// (`systemctl` on Linux, the Service Control Manager on Windows).
    pub fn command(&self, s: Service) -> ServiceCommand {
        if let Some(argv) = self.configured(s) {
            return ServiceCommand::Argv(argv.clone());
        }
        Self::default_command(s)
    }

    /// The platform's default for `s`.
    pub fn default_command(s: Service) -> ServiceCommand {
        if crate::platform::SERVICE_CONTROL_MANAGER {
            return ServiceCommand::ServiceControlManager;
        }
        let argv: &[&str] = match s {
            Service::Stop => &["systemctl", "stop", NAME_PLACEHOLDER],
            Service::Start => &["systemctl", "start", NAME_PLACEHOLDER],
            Service::IsActive => &["systemctl", "is-active", "--quiet", NAME_PLACEHOLDER],
        };
        ServiceCommand::Argv(argv.iter().map(|a| a.to_string()).collect())
    }
}

/// A config file as read: every path made absolute against the file's folder.
#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    pub found_by: FoundBy,
    pub root: Option<PathBuf>,
    pub state: Option<PathBuf>,
    pub instrument: Option<InstrumentSource>,
    pub trust: Option<TrustSource>,
    pub lang: Option<Lang>,
    pub services: Services,
}

/// The file's keys; anything else is refused (a typo must not be ignored).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    root: Option<PathBuf>,
    state: Option<PathBuf>,
    instrument: Option<toml::Value>,
    trust_root: Option<PathBuf>,
    trusted_keys: Option<Vec<PathBuf>>,
    lang: Option<String>,
    #[serde(default)]
    services: Services,
}

impl Config {
    /// The config file to use: `flag`, else the file named by
    /// [`ENV`], else the default place. A file named by the flag or the
    /// variable must exist; the default file may be absent (`Ok(None)`).
    pub fn locate(flag: Option<&Path>) -> Result<Option<Config>, Error> {
        let env = std::env::var_os(ENV).filter(|v| !v.is_empty());
        let (path, found_by) = match (flag, env) {
            (Some(p), _) => (p.to_owned(), FoundBy::Flag),
            (None, Some(p)) => (PathBuf::from(p), FoundBy::Env),
            (None, None) => (crate::platform::default_config_path(), FoundBy::Default),
        };
        let present = std::fs::symlink_metadata(&path).is_ok();
        match (present, found_by) {
            (false, FoundBy::Default) => Ok(None),
            (false, named_by) => Err(Error::ConfigFile {
                path,
                problem: ConfigProblem::Missing { named_by },
            }),
            (true, _) => Self::load(&path, found_by).map(Some),
        }
    }

    /// Reads and checks the config file at `path`.
    pub fn load(path: &Path, found_by: FoundBy) -> Result<Config, Error> {
        let bad = |problem| Error::ConfigFile {
            path: path.to_owned(),
            problem,
        };
        // It names the keys to trust and where to install, as root.
        if let Ok(Err(why)) = crate::platform::check_private_file(path) {
            return Err(bad(ConfigProblem::NotPrivate { why }));
        }
        let bytes =
            read_input(path, InputKind::Config, &Limits::default()).map_err(|e| match e {
                Error::Io { source, .. } => bad(ConfigProblem::Unreadable(source.to_string())),
                e => e,
            })?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| bad(ConfigProblem::Unreadable(format!("not UTF-8 text ({e})"))))?;
        let raw: Raw =
            toml::from_str(text).map_err(|e| bad(ConfigProblem::Invalid(one_line(text, &e))))?;
        // Relative paths are relative to the file's folder, wherever the
        // command is run from.
        let base = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_owned))
            .unwrap_or_default();
        let abs = |key: &'static str, p: PathBuf| -> Result<PathBuf, Error> {
            if p.as_os_str().is_empty() {
                return Err(bad(ConfigProblem::Empty { key }));
            }
            Ok(base.join(p))
        };
        let instrument = match raw.instrument {
            None => None,
            Some(toml::Value::String(p)) => {
                Some(InstrumentSource::File(abs("instrument", PathBuf::from(p))?))
            }
            Some(toml::Value::Table(t)) => {
                let text = toml::to_string(&t)
                    .map_err(|e| bad(ConfigProblem::BadIdentity(e.to_string())))?;
                let id = Identity::parse(&text, path)
                    .map_err(|e| bad(ConfigProblem::BadIdentity(e.to_string())))?;
                Some(InstrumentSource::Inline(id))
            }
            Some(other) => {
                return Err(bad(ConfigProblem::Invalid(format!(
                    "instrument: expected a path (string) or an [instrument] table, found a {}",
                    other.type_str()
                ))))
            }
        };
        let trust = match (raw.trust_root, raw.trusted_keys) {
            (Some(_), Some(_)) => return Err(bad(ConfigProblem::BothTrust)),
            (Some(r), None) => Some(TrustSource::Root(abs("trust_root", r)?)),
            (None, Some(keys)) if keys.is_empty() => {
                return Err(bad(ConfigProblem::Empty {
                    key: "trusted_keys",
                }))
            }
            (None, Some(keys)) => Some(TrustSource::Keys(
                keys.into_iter()
                    .map(|k| abs("trusted_keys", k))
                    .collect::<Result<_, _>>()?,
            )),
            (None, None) => None,
        };
        let lang = raw
            .lang
            .map(|l| Lang::parse(&l).ok_or(bad(ConfigProblem::BadLang { value: l })))
            .transpose()?;
        for s in Service::ALL {
            if let Some(argv) = raw.services.configured(s) {
                if argv.first().is_none_or(|p| p.is_empty()) {
                    return Err(bad(ConfigProblem::Empty {
                        key: match s {
                            Service::Stop => "services.stop",
                            Service::Start => "services.start",
                            Service::IsActive => "services.is_active",
                        },
                    }));
                }
                if !argv.iter().any(|a| a.contains(NAME_PLACEHOLDER)) {
                    return Err(bad(ConfigProblem::NoName {
                        key: format!("services.{}", s.key()),
                    }));
                }
            }
        }
        Ok(Config {
            path: std::path::absolute(path).unwrap_or_else(|_| path.to_owned()),
            found_by,
            root: raw.root.map(|p| abs("root", p)).transpose()?,
            state: raw.state.map(|p| abs("state", p)).transpose()?,
            instrument,
            trust,
            lang,
            services: raw.services,
        })
    }
}

/// The TOML reader's complaint on one line, with its line number (its own
/// text draws the line with a caret over several lines).
fn one_line(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", e.message().trim_end())
        }
        None => e.message().trim_end().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, Error> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config.toml");
        std::fs::write(&p, text).unwrap();
        Config::load(&p, FoundBy::Flag)
    }

    #[test]
    fn relative_paths_are_relative_to_the_file() {
        let c = load(
            "root = \"r\"\nstate = \"s\"\ninstrument = \"id.toml\"\ntrusted_keys = [\"k.pub\"]\n",
        )
        .unwrap();
        let dir = c.path.parent().unwrap();
        assert_eq!(c.root.unwrap(), dir.join("r"));
        assert_eq!(c.state.unwrap(), dir.join("s"));
        assert!(
            matches!(c.instrument, Some(InstrumentSource::File(p)) if p == dir.join("id.toml"))
        );
        assert_eq!(c.trust, Some(TrustSource::Keys(vec![dir.join("k.pub")])));
    }

    #[test]
    fn an_inline_identity_is_checked_like_a_file() {
        let ok = "[instrument]\nmodel = \"M\"\nserial = \"S1\"\nmode = \"Dx\"\ninstalled_version = \"1.0.0\"\n";
        let c = load(ok).unwrap();
        let id = c.instrument.unwrap().load().unwrap();
        assert_eq!((id.serial.as_str(), id.mode.as_str()), ("S1", "Dx"));
        let bad = ok.replace("1.0.0", "one");
        assert!(matches!(
            load(&bad),
            Err(Error::ConfigFile {
                problem: ConfigProblem::BadIdentity(_),
                ..
            })
        ));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let invalid = |t: &str| match load(t) {
            Err(Error::ConfigFile { problem, .. }) => problem,
            other => panic!("{t:?} gave {other:?}"),
        };
        assert!(
            matches!(invalid("root = 'r'\nroots = \"x\"\n"), ConfigProblem::Invalid(m) if m.starts_with("line 2: unknown field `roots`"))
        );
        assert!(matches!(
            invalid("[services]\nrestart = [\"x\"]\n"),
            ConfigProblem::Invalid(_)
        ));
        assert!(matches!(
            invalid("trust_root = \"r\"\ntrusted_keys = [\"k\"]\n"),
            ConfigProblem::BothTrust
        ));
        assert!(matches!(
            invalid("trusted_keys = []\n"),
            ConfigProblem::Empty { .. }
        ));
        assert!(matches!(
            invalid("root = \"\"\n"),
            ConfigProblem::Empty { key: "root" }
        ));
        assert!(matches!(
            invalid("lang = \"xx\"\n"),
            ConfigProblem::BadLang { .. }
        ));
        assert!(matches!(
            invalid("[services]\nstop = [\"sc\", \"stop\"]\n"),
            ConfigProblem::NoName { .. }
        ));
        assert!(matches!(
            invalid("[services]\nstop = []\n"),
            ConfigProblem::Empty { .. }
        ));
        assert!(matches!(
            invalid("instrument = 3\n"),
            ConfigProblem::Invalid(_)
        ));
    }

    #[test]
    fn services_default_to_the_platform_and_can_be_set() {
        let c = load("[services]\nstop = [\"svc\", \"down\", \"{name}\"]\n").unwrap();
        assert_eq!(
            c.services.command(Service::Stop),
            ServiceCommand::Argv(vec!["svc".into(), "down".into(), "{name}".into()])
        );
        assert_eq!(
            c.services.command(Service::Start),
            Services::default_command(Service::Start)
        );
        if !crate::platform::SERVICE_CONTROL_MANAGER {
            assert_eq!(
                Services::default_command(Service::IsActive),
                ServiceCommand::Argv(
                    ["systemctl", "is-active", "--quiet", "{name}"]
                        .map(String::from)
                        .to_vec()
                )
            );
        }
    }

    #[test]
    fn a_named_file_must_exist() {
        let d = tempfile::tempdir().unwrap();
        let r = Config::locate(Some(&d.path().join("none.toml")));
        assert!(matches!(
            r,
            Err(Error::ConfigFile {
                problem: ConfigProblem::Missing {
                    named_by: FoundBy::Flag
                },
                ..
            })
        ));
    }
}
