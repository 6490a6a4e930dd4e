//! Running a target's install actions (`format/actions.rs`) inside the
//! journaled transaction: `before` after staging and before the switch
//! (a `run` executes the staged, verified copy), `after` once the new files
//! are in place, `check` last. Which services were running and were stopped
//! is in the journal before they are stopped, so every failure path (and
//! recovery after a crash) stops what the install started, puts the files
//! back and starts again what was running before.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{ActionFailure, ActionWhy, Error};
use crate::format::actions::{ActionPhase, InstallAction, Step};
use crate::format::digest::Sha256Digest;
use crate::instrument::config::{Service, ServiceCommand, Services, NAME_PLACEHOLDER};
use crate::instrument::journal::{crash_point, Journal};
use crate::instrument::state::{now_rfc3339, StateDir};
use crate::platform::{run_captured, scm, Ran, ScmOp};

/// How much of an action's output the receipt keeps (its end).
pub const TAIL_BYTES: usize = 8 << 10;
/// How long a service may take to stop or start.
pub const SERVICE_TIMEOUT: Duration = Duration::from_secs(120);

/// One action as it ran, for the receipt and the technician. Fields sorted
/// (the receipt is canonical JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRun {
    pub end: String,
    /// The program's exit code; null for a timeout, a signal, or a service
    /// asked through the Service Control Manager.
    pub exit_code: Option<i32>,
    /// `stop_service`, `start_service` or `run`.
    pub kind: String,
    /// SHA-256 of everything it wrote to stdout and stderr.
    pub output_sha256: Option<Sha256Digest>,
    /// The end of that output (at most [`TAIL_BYTES`]), as UTF-8 with
    /// replacement characters; untrusted text, escaped wherever shown.
    pub output_tail: String,
    pub phase: ActionPhase,
    /// `ok`, `reboot-required`, `not-running` (a stop of a stopped service),
    /// `already-running` (a start of a running one), `failed` or `timed-out`.
    pub result: String,
    pub start: String,
    /// The service name or the path run.
    pub target: String,
}

impl ActionRun {
    pub fn reboot_required(&self) -> bool {
        self.result == "reboot-required"
    }
}

/// The actions' part of the journal: what to run, with which service
/// commands, which services this install stopped (they were running) or
/// started, and what ran so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionsJournal {
    pub actions: Vec<InstallAction>,
    pub done: Vec<ActionRun>,
    pub services: Services,
    /// Services this install started that were not running before.
    pub started: Vec<String>,
    /// Services that were running before and that this install stopped
    /// (written before the stop is asked).
    pub stopped: Vec<String>,
}

impl ActionsJournal {
    pub fn new(actions: &[InstallAction], services: &Services) -> Option<ActionsJournal> {
        (!actions.is_empty()).then(|| ActionsJournal {
            actions: actions.to_vec(),
            services: services.clone(),
            ..Default::default()
        })
    }
}

/// What one program or service request gave.
struct Outcome {
    ran: Option<Ran>,
    error: Option<String>,
}

impl Outcome {
    fn code(&self) -> Option<i32> {
        self.ran.as_ref().and_then(|r| r.code)
    }
}

/// Asks the configured service command (or the Service Control Manager).
fn service(services: &Services, op: Service, name: &str, cwd: &Path) -> Outcome {
    match services.command(op) {
        ServiceCommand::Argv(argv) => {
            let argv: Vec<String> = argv
                .iter()
                .map(|a| a.replace(NAME_PLACEHOLDER, name))
                .collect();
            match run_captured(
                Path::new(&argv[0]),
                &argv[1..],
                cwd,
                SERVICE_TIMEOUT,
                TAIL_BYTES,
            ) {
                Ok(ran) => Outcome {
                    ran: Some(ran),
                    error: None,
                },
                Err(e) => Outcome {
                    ran: None,
                    error: Some(format!("{}: {e}", argv[0])),
                },
            }
        }
        ServiceCommand::ServiceControlManager => {
            let scm_op = match op {
                Service::Stop => ScmOp::Stop,
                Service::Start => ScmOp::Start,
                Service::IsActive => ScmOp::Query,
            };
            match scm(scm_op, name, SERVICE_TIMEOUT) {
                // The manager answers without a program: success is code 0.
                Ok(yes) => Outcome {
                    ran: Some(Ran {
                        code: Some(if yes { 0 } else { 1 }),
                        timed_out: false,
                        tail: Vec::new(),
                        sha256: [0; 32],
                        bytes: 0,
                    }),
                    error: None,
                },
                Err(e) => Outcome {
                    ran: None,
                    error: Some(e.to_string()),
                },
            }
        }
    }
}

/// Whether `name` runs; a failing query counts as "not running".
fn is_active(services: &Services, name: &str, cwd: &Path) -> bool {
    service(services, Service::IsActive, name, cwd).code() == Some(0)
}

/// A path of the target inside `base`, one component at a time.
fn program_path(base: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(base.to_owned(), |p, c| p.join(c))
}

/// Runs the actions of `phase` in order, journaling each; the first that
/// fails is the error (the caller undoes the install). `staged` is the
/// staged tree (absolute), where a `before` run is executed from.
pub fn run_phase(
    state: &StateDir,
    j: &mut Journal,
    phase: ActionPhase,
    staged: &Path,
) -> Result<(), Error> {
    let Some(aj) = j.actions.clone() else {
        return Ok(());
    };
    let root = j.transaction.root.clone();
    for a in aj.actions.iter().filter(|a| a.phase == phase) {
        let Some(step) = a.step() else { continue };
        let start = now_rfc3339();
        let outcome = match step {
            Step::Stop(name) => {
                let services = &j.actions.as_ref().expect("checked").services;
                if !is_active(services, name, &root) {
                    None
                } else {
                    let aj = j.actions.as_mut().expect("checked");
                    if !aj.stopped.iter().any(|s| s == name) {
                        aj.stopped.push(name.to_owned());
                    }
                    // Recorded before the stop: a crash from here on restarts it.
                    j.write(state, j.phase)?;
                    let services = &j.actions.as_ref().expect("checked").services;
                    Some(service(services, Service::Stop, name, &root))
                }
            }
            Step::Start(name) => {
                let aj = j.actions.as_mut().expect("checked");
                if is_active(&aj.services, name, &root) {
                    // Some managers refuse to start what runs; it runs.
                    None
                } else {
                    if !aj.stopped.iter().chain(&aj.started).any(|s| s == name) {
                        // Recorded before the start: an undo stops it again.
                        aj.started.push(name.to_owned());
                        j.write(state, j.phase)?;
                    }
                    let services = &j.actions.as_ref().expect("checked").services;
                    Some(service(services, Service::Start, name, &root))
                }
            }
            Step::Run(path) => {
                let base = if phase == ActionPhase::Before {
                    staged
                } else {
                    &root
                };
                let program = program_path(base, path.as_str());
                let timeout = Duration::from_secs(a.timeout_s.unwrap_or(1).into());
                Some(
                    match run_captured(&program, &a.args, &root, timeout, TAIL_BYTES) {
                        Ok(ran) => Outcome {
                            ran: Some(ran),
                            error: None,
                        },
                        Err(e) => Outcome {
                            ran: None,
                            error: Some(e.to_string()),
                        },
                    },
                )
            }
        };
        crash_point();
        let (record, failed) = judge(a, phase, start, outcome);
        j.actions.as_mut().expect("checked").done.push(record);
        j.write(state, j.phase)?;
        if let Some(why) = failed {
            let r = j
                .actions
                .as_ref()
                .and_then(|a| a.done.last())
                .expect("pushed");
            return Err(Error::ActionFailed(Box::new(ActionFailure {
                phase: phase.as_str(),
                kind: a.kind(),
                target: a.target().to_owned(),
                why,
                tail: r.output_tail.clone(),
            })));
        }
    }
    Ok(())
}

/// The receipt's record of an action and, if it failed, why.
fn judge(
    a: &InstallAction,
    phase: ActionPhase,
    start: String,
    outcome: Option<Outcome>,
) -> (ActionRun, Option<ActionWhy>) {
    let ran = outcome.as_ref().and_then(|o| o.ran.as_ref());
    let code = ran.and_then(|r| r.code);
    let (result, why) = match (&outcome, ran) {
        (None, _) if a.stop_service.is_some() => ("not-running", None),
        (None, _) => ("already-running", None),
        (Some(Outcome { error: Some(e), .. }), _) => ("failed", Some(ActionWhy::Io(e.clone()))),
        (Some(_), Some(r)) if r.timed_out => (
            "timed-out",
            Some(ActionWhy::TimedOut(a.timeout_s.unwrap_or(0))),
        ),
        (Some(_), _) if a.run.is_none() => match code {
            Some(0) => ("ok", None),
            c => ("failed", Some(ActionWhy::Exit(c))),
        },
        (Some(_), _) => match code {
            Some(c) if a.ok_exit_codes.contains(&c) => ("ok", None),
            Some(c) if a.reboot_exit_codes.contains(&c) => ("reboot-required", None),
            c => ("failed", Some(ActionWhy::Exit(c))),
        },
    };
    let record = ActionRun {
        end: now_rfc3339(),
        exit_code: code,
        kind: a.kind().into(),
        output_sha256: ran.filter(|r| r.bytes > 0).map(|r| Sha256Digest(r.sha256)),
        output_tail: ran
            .map(|r| String::from_utf8_lossy(&r.tail).into_owned())
            .unwrap_or_default(),
        phase,
        result: result.into(),
        start,
        target: a.target().into(),
    };
    (record, why)
}

/// Before the old files go back: stops every service this install stopped
/// or started that runs now (it may run the new files). Best effort, safe
/// to repeat; returns what failed, for the receipt.
pub fn stop_touched(j: &Journal) -> Vec<String> {
    let Some(aj) = &j.actions else {
        return Vec::new();
    };
    let root = &j.transaction.root;
    let mut failed = Vec::new();
    for name in aj.stopped.iter().chain(&aj.started) {
        if is_active(&aj.services, name, root) {
            let o = service(&aj.services, Service::Stop, name, root);
            if o.code() != Some(0) {
                failed.push(format!("stopping service {name} failed"));
            }
        }
        crash_point();
    }
    failed
}

/// After the old files are back: starts again every service that was
/// running before the install stopped it. Best effort, safe to repeat.
pub fn restart_stopped(j: &Journal) -> Vec<String> {
    let Some(aj) = &j.actions else {
        return Vec::new();
    };
    let root = &j.transaction.root;
    let mut failed = Vec::new();
    for name in &aj.stopped {
        let o = service(&aj.services, Service::Start, name, root);
        if o.code() != Some(0) {
            failed.push(format!("starting service {name} again failed"));
        }
        crash_point();
    }
    failed
}

/// The actions of `t` in plain words, one per action, in the order they
/// run ("stop service LocalRunManager", "run lrm/tools/x --port 8080").
pub fn describe(l: crate::i18n::Lang, actions: &[InstallAction]) -> Vec<String> {
    use crate::i18n::{fl, visible};
    let mut out = Vec::new();
    for phase in ActionPhase::ALL {
        for a in actions.iter().filter(|a| a.phase == phase) {
            let line = match a.step() {
                Some(Step::Stop(s)) => fl!(l, "action-stop-service", name = s),
                Some(Step::Start(s)) => fl!(l, "action-start-service", name = s),
                Some(Step::Run(p)) => {
                    let mut cmd = p.as_str().to_owned();
                    for arg in &a.args {
                        cmd.push(' ');
                        cmd.push_str(arg);
                    }
                    if phase == ActionPhase::Check {
                        fl!(l, "action-check", command = visible(&cmd).into_owned())
                    } else {
                        fl!(l, "action-run", command = visible(&cmd).into_owned())
                    }
                }
                None => continue,
            };
            out.push(line);
        }
    }
    out
}
