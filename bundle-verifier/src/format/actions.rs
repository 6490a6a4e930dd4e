//! A target's install actions (`actions` in the signed manifest): services
//! to stop and start and programs of the target's own files to run, in three
//! phases around the switch. One set of rules, used by the builder on its
//! spec and by the verifier on every manifest (it never trusts the builder).

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;

use crate::format::manifest::FileEntry;
use crate::format::safepath::SafePath;

/// Most actions one target may declare.
pub const MAX_ACTIONS: usize = 32;
/// Most arguments of one `run`, and the longest one in bytes.
pub const MAX_ARGS: usize = 32;
pub const MAX_ARG_BYTES: usize = 1024;
/// Most exit codes in `ok_exit_codes` or `reboot_exit_codes`.
pub const MAX_EXIT_CODES: usize = 16;
/// Longest service name (Windows allows 256 characters).
pub const MAX_SERVICE_NAME: usize = 256;
/// The bounds of `timeout_s`.
pub const TIMEOUT_S: std::ops::RangeInclusive<u32> = 1..=3600;

/// When an action runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionPhase {
    /// After every check and staging, before the first file is switched.
    Before,
    /// After the switch.
    After,
    /// Health checks after `after`; the install commits only if all pass.
    Check,
}

impl ActionPhase {
    pub const ALL: [ActionPhase; 3] = [ActionPhase::Before, ActionPhase::After, ActionPhase::Check];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionPhase::Before => "before",
            ActionPhase::After => "after",
            ActionPhase::Check => "check",
        }
    }
}

/// One action as the manifest holds it: exactly one of `run`,
/// `start_service`, `stop_service`. Fields sorted (canonical JSON); a run
/// always states its timeout and accepted exit codes, a service step none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstallAction {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ok_exit_codes: Vec<i32>,
    pub phase: ActionPhase,
    /// Exit codes that mean "done, reboot required" (Windows installers: 3010).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reboot_exit_codes: Vec<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<SafePath>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<u32>,
}

/// What an action does, borrowed from an [`InstallAction`] that passed
/// [`check_actions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    Stop(&'a str),
    Start(&'a str),
    Run(&'a SafePath),
}

impl InstallAction {
    /// What it does; `None` only for an action [`check_actions`] refuses.
    pub fn step(&self) -> Option<Step<'_>> {
        match (&self.stop_service, &self.start_service, &self.run) {
            (Some(s), None, None) => Some(Step::Stop(s)),
            (None, Some(s), None) => Some(Step::Start(s)),
            (None, None, Some(p)) => Some(Step::Run(p)),
            _ => None,
        }
    }

    /// `stop_service`, `start_service` or `run`: the receipt's `kind`.
    pub fn kind(&self) -> &'static str {
        match self.step() {
            Some(Step::Stop(_)) => "stop_service",
            Some(Step::Start(_)) => "start_service",
            _ => "run",
        }
    }

    /// The service name or the path run.
    pub fn target(&self) -> &str {
        match self.step() {
            Some(Step::Stop(s) | Step::Start(s)) => s,
            Some(Step::Run(p)) => p.as_str(),
            None => "",
        }
    }
}

/// A service name is passed as one argument to a service manager (and shown
/// to people): letters, digits and `-_.@`, not starting with `-` (it must
/// never read as an option), at most [`MAX_SERVICE_NAME`] bytes.
pub fn valid_service_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_SERVICE_NAME
        && !name.starts_with(['-', '.'])
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'))
}

/// Checks one target's actions against its files; the message names the
/// action by its number (from 1) and says what is expected.
pub fn check_actions<F: Borrow<FileEntry>>(
    actions: &[InstallAction],
    files: &[F],
) -> Result<(), String> {
    if actions.len() > MAX_ACTIONS {
        return Err(format!(
            "{} actions; at most {MAX_ACTIONS} are allowed",
            actions.len()
        ));
    }
    for (i, a) in actions.iter().enumerate() {
        check_one(a, files).map_err(|e| format!("action {} ({}): {e}", i + 1, a.phase.as_str()))?;
    }
    Ok(())
}

fn check_one<F: Borrow<FileEntry>>(a: &InstallAction, files: &[F]) -> Result<(), String> {
    let Some(step) = a.step() else {
        return Err("give exactly one of `stop_service`, `start_service` or `run`".into());
    };
    let service = |name: &str| {
        if !valid_service_name(name) {
            return Err(format!(
                "service name {name:?} must be 1 to {MAX_SERVICE_NAME} letters, digits, '-', '_', '.' or '@', not starting with '-' or '.'"
            ));
        }
        if a.phase == ActionPhase::Check {
            return Err("a `check` may only `run` a program".into());
        }
        let run_only = !a.args.is_empty()
            || a.timeout_s.is_some()
            || !a.ok_exit_codes.is_empty()
            || !a.reboot_exit_codes.is_empty();
        if run_only {
            return Err(
                "`args`, `timeout_s`, `ok_exit_codes` and `reboot_exit_codes` belong to `run` only"
                    .into(),
            );
        }
        Ok(())
    };
    match step {
        Step::Stop(name) | Step::Start(name) => service(name),
        Step::Run(path) => {
            match files.iter().map(Borrow::borrow).find(|f| f.path == *path) {
                None => {
                    return Err(format!(
                        "`run` = {:?} is not a file of this target (give a path of the target's own files)",
                        path.as_str()
                    ))
                }
                Some(f) if !f.executable => {
                    return Err(format!(
                        "`run` = {:?} is not marked executable (list it in the target's `executable` patterns)",
                        path.as_str()
                    ))
                }
                Some(_) => {}
            }
            match a.timeout_s {
                Some(t) if TIMEOUT_S.contains(&t) => {}
                t => {
                    return Err(format!(
                        "`timeout_s` must be {} to {} seconds, found {t:?}",
                        TIMEOUT_S.start(),
                        TIMEOUT_S.end()
                    ))
                }
            }
            if a.args.len() > MAX_ARGS {
                return Err(format!("more than {MAX_ARGS} `args`"));
            }
            if let Some(bad) = a
                .args
                .iter()
                .find(|s| s.len() > MAX_ARG_BYTES || s.chars().any(char::is_control))
            {
                return Err(format!(
                    "argument {bad:?} must be at most {MAX_ARG_BYTES} bytes without control characters"
                ));
            }
            let (ok, reboot) = (&a.ok_exit_codes, &a.reboot_exit_codes);
            if ok.is_empty() || ok.len() > MAX_EXIT_CODES || reboot.len() > MAX_EXIT_CODES {
                return Err(format!(
                    "`ok_exit_codes` must list 1 to {MAX_EXIT_CODES} codes, `reboot_exit_codes` at most {MAX_EXIT_CODES}"
                ));
            }
            if let Some(c) = reboot.iter().find(|c| ok.contains(c)) {
                return Err(format!(
                    "exit code {c} is both in `ok_exit_codes` and in `reboot_exit_codes`"
                ));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::digest::Sha256Digest;
    use crate::Limits;

    fn file(p: &str, executable: bool) -> FileEntry {
        FileEntry {
            executable,
            path: SafePath::parse(p, &Limits::default()).unwrap(),
            sha256: Sha256Digest([0; 32]),
            size: 0,
        }
    }

    fn run(p: &str) -> InstallAction {
        InstallAction {
            args: vec!["--port".into(), "8080".into()],
            ok_exit_codes: vec![0],
            phase: ActionPhase::After,
            reboot_exit_codes: vec![3010],
            run: Some(SafePath::parse(p, &Limits::default()).unwrap()),
            start_service: None,
            stop_service: None,
            timeout_s: Some(60),
        }
    }

    fn stop(name: &str) -> InstallAction {
        InstallAction {
            args: vec![],
            ok_exit_codes: vec![],
            phase: ActionPhase::Before,
            reboot_exit_codes: vec![],
            run: None,
            start_service: None,
            stop_service: Some(name.into()),
            timeout_s: None,
        }
    }

    #[test]
    fn the_contract_passes_and_each_rule_refuses() {
        let files = [file("tools/ok", true), file("tools/data.txt", false)];
        let good = [stop("LocalRunManager"), run("tools/ok")];
        check_actions(&good, &files).unwrap();
        let refused = |a: InstallAction, why: &str| {
            let e = check_actions(std::slice::from_ref(&a), &files).unwrap_err();
            assert!(e.contains(why), "{a:?}: {e}");
        };
        refused(run("tools/other"), "is not a file of this target");
        refused(run("tools/data.txt"), "not marked executable");
        for t in [None, Some(0), Some(3601)] {
            refused(
                InstallAction {
                    timeout_s: t,
                    ..run("tools/ok")
                },
                "`timeout_s` must be 1 to 3600",
            );
        }
        refused(
            InstallAction {
                ok_exit_codes: vec![],
                ..run("tools/ok")
            },
            "`ok_exit_codes` must list",
        );
        refused(
            InstallAction {
                reboot_exit_codes: vec![0],
                ..run("tools/ok")
            },
            "both in",
        );
        refused(
            InstallAction {
                args: vec!["a\u{1b}[2J".into()],
                ..run("tools/ok")
            },
            "control characters",
        );
        for name in ["", "a;rm -rf /", "-x", "a b", "$(x)", &"a".repeat(257)] {
            refused(stop(name), "service name");
        }
        refused(
            InstallAction {
                phase: ActionPhase::Check,
                ..stop("S")
            },
            "a `check` may only `run`",
        );
        refused(
            InstallAction {
                timeout_s: Some(5),
                ..stop("S")
            },
            "belong to `run` only",
        );
        refused(
            InstallAction {
                start_service: Some("S".into()),
                ..stop("S")
            },
            "exactly one of",
        );
        let many = vec![stop("S"); MAX_ACTIONS + 1];
        assert!(check_actions(&many, &files)
            .unwrap_err()
            .contains("at most"));
    }
}
