//! Applying a verified target to the instrument root: verify and stage
//! everything, check downgrade and confirmations, then run the journaled
//! transaction of [`crate::instrument::journal`] (back up, switch in, commit, receipt).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::format::digest::Sha256Digest;
use crate::format::envelope::EnvelopeReader;
use crate::format::manifest::InstallAction;
use crate::format::manifest::{Confirm, Manifest, Release, Target};
use crate::format::payload::Sink;
use crate::format::safepath::SafePath;
use crate::format::volumes::Volumes;
use crate::instrument::actions::{ActionRun, ActionsJournal};
use crate::instrument::config::Services;
use crate::instrument::identity::Identity;
use crate::instrument::intact::{differences, same_release};
pub use crate::instrument::journal::Action;
use crate::instrument::journal::{
    commit_install, open_and_recover, Journal, Kind, Op, Phase, Recovered, Transaction,
};
use crate::instrument::known::{foreign, Found};
pub use crate::instrument::plan::FREE_SPACE_ENV;
use crate::instrument::plan::{check_root_paths, check_space, dirs_to_create, plan};
use crate::instrument::receipt::{BundleRef, Confirmation, Receipt, ReleaseRef, RESULT_REFUSED};
use crate::instrument::state::{
    canonical_root, check_apart, now_rfc3339, remove_all, write_atomic_in, InstalledRecord,
    StateDir,
};
use crate::instrument::switch::{switch_or_undo, STAGED_MANIFEST, STAGED_SIGNATURES};
use crate::platform::Tree;
use crate::trust::{TrustedKeys, Verified};
use crate::verify::{open_verified, read_payload_blamed, sink_for, Opened, TargetSummary};
use crate::Limits;

/// Set to a number N to make the install fail before the N-th changed file
/// is switched, so tests can prove the root is restored. Never set in production.
pub const FAULT_ENV: &str = "BUNDLE_VERIFIER_FAIL_AFTER_FILES";

#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    pub limits: Limits,
    pub dry_run: bool,
    /// Allow applying the release with the highest applied sequence again.
    pub reinstall: bool,
    /// Confirmation IDs given with `--confirm`.
    pub confirmed: Vec<String>,
    /// Keep an extra copy of replaced files here (e.g. on the USB stick).
    pub backup_to: Option<PathBuf>,
    /// How services are stopped and started (the config file's `[services]`).
    pub services: Services,
}

/// The phases of apply, in order, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Reading the payload and checking every byte (a dry run's only phase).
    Verify,
    /// Reading, checking and unpacking the payload into staging.
    Stage,
    /// Keeping the files the install replaces.
    BackUp,
    /// Renaming the staged files into the root.
    Switch,
    /// The release's install actions (none yet: a later release format).
    Actions,
}

/// How apply talks to the technician while it runs.
pub trait Ui: Sync {
    /// A phase begins; `total` is the amount [`Ui::progress`] will count
    /// up to in it (payload bytes), 0 when it counts nothing. Called after
    /// every question was asked, so time spent at a prompt is no phase's.
    fn phase(&self, _step: Step, _total: u64) {}
    /// Bytes of the payload read so far in this phase (for a progress bar).
    fn progress(&self, _bytes: u64) {}
    /// Asks to confirm a step; `None` when nobody can be asked (no terminal).
    fn ask(&self, _step: &Confirm) -> Option<bool> {
        None
    }
    /// Shows the install's actions before the technician is asked to confirm.
    fn show_actions(&self, _actions: &[InstallAction]) {}
}

/// A `Ui` that shows nothing and can ask nothing.
pub struct Quiet;
impl Ui for Quiet {}

#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub path: SafePath,
    pub action: Action,
}

/// [`ApplyReport::result`] when the release is installed and intact already.
pub const RESULT_NOTHING_TO_DO: &str = "nothing-to-do";

/// What `apply` did (or, with `--dry-run`, would do).
#[derive(Clone, Debug, Serialize)]
pub struct ApplyReport {
    pub result: &'static str,
    pub identity: Identity,
    pub release: Release,
    pub manifest_sha256: Sha256Digest,
    pub signatures: Verified,
    pub target: TargetSummary,
    pub changes: Vec<Change>,
    pub installed_before: Option<ReleaseRef>,
    pub confirmations: Vec<Confirmation>,
    pub transaction: Option<String>,
    pub backup: Option<PathBuf>,
    pub backup_to: Option<PathBuf>,
    pub receipt: Option<PathBuf>,
    /// The device key that signed the receipt, and whether this run created it.
    pub device_key: Option<bundle_keys::KeyId>,
    pub device_key_created: bool,
    /// Other modes of this model the bundle carries: a dual-boot instrument needs each.
    pub other_modes: Vec<String>,
    /// An interrupted install or rollback this run finished or undid first.
    pub recovered: Option<Recovered>,
    /// Files found in the release's directories that it did not install and
    /// that were not there before it: left in place and not adopted, so
    /// `check-installed` goes on reporting them.
    pub not_adopted: Vec<String>,
    /// Files in directories the release owns that it does not carry: moved
    /// into the backup (`moved/`).
    pub moved: Vec<String>,
    /// The target's install actions (what a dry run lists) and how they ran.
    pub actions: Vec<InstallAction>,
    pub actions_run: Vec<ActionRun>,
}

/// Why apply did not install, with the receipt that records it.
#[derive(Debug)]
pub struct ApplyError {
    pub error: Error,
    pub receipt: Option<PathBuf>,
    pub recovered: Option<Recovered>,
}

impl From<Error> for Box<ApplyError> {
    fn from(error: Error) -> Self {
        Box::new(ApplyError {
            error,
            receipt: None,
            recovered: None,
        })
    }
}

/// Verifies `bundle` completely and installs the target that fits `identity`
/// under `root`. The root changes only after every check passed; a failure
/// or crash after that leaves it exactly as it was (see [`crate::instrument::journal`]).
/// Refusals at the instrument and failures are recorded in signed receipts.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    bundle: &Path,
    trust: &TrustedKeys,
    identity: &Identity,
    root: &Path,
    state: &Path,
    opts: &ApplyOptions,
    ui: &dyn Ui,
) -> Result<ApplyReport, Box<ApplyError>> {
    let meta = fs::metadata(root)
        .map_err(|e| Error::Config(format!("instrument root {}: {e}", root.display())))?;
    if !meta.is_dir() {
        return Err(Error::Config(format!(
            "instrument root {} is not a directory",
            root.display()
        ))
        .into());
    }
    let root = canonical_root(root)?;
    check_apart(&root, state)?;
    // A dry run creates nothing: a state directory that is not there stays
    // absent (nothing was installed with it, and no key is needed).
    let (state, recovered) = if opts.dry_run && !state.exists() {
        (None, None)
    } else {
        let (s, r) = open_and_recover(state)?;
        (Some(s), r)
    };
    let tree = Tree::open_ambient(&root).map_err(Error::io("cannot open", &root))?;
    let mut seen = Seen::default();
    let roots = Roots {
        path: &root,
        tree: &tree,
    };
    match run(
        bundle,
        trust,
        identity,
        roots,
        state.as_ref(),
        opts,
        ui,
        &mut seen,
    ) {
        Ok(mut report) => {
            report.recovered = recovered;
            Ok(report)
        }
        Err((error, mut receipt)) => {
            let error = disk_full(error);
            // Files held open refuse like a misfit bundle: before any change.
            let refused = matches!(
                error.class(),
                crate::ExitClass::Refused | crate::ExitClass::NotApplicable
            ) || matches!(error, Error::FilesInUse { .. });
            if let (true, false, Some(state)) = (refused, opts.dry_run, &state) {
                receipt = refusal_receipt(state, identity, &root, &seen, &error).ok();
            }
            Err(Box::new(ApplyError {
                error,
                receipt,
                recovered,
            }))
        }
    }
}

/// A full disk met while installing is [`Error::DiskFull`]: `run` meets one
/// only while the root is unchanged, before the switch or undone after it.
fn disk_full(error: Error) -> Error {
    match error {
        Error::Io { what, path, source } if crate::platform::is_disk_full(&source) => {
            Error::DiskFull { what, path, source }
        }
        e => e,
    }
}

/// What apply learnt before it stopped, for the refusal receipt.
#[derive(Default)]
struct Seen {
    bundle: Option<BundleRef>,
    confirmations: Vec<Confirmation>,
}

fn refusal_receipt(
    state: &StateDir,
    identity: &Identity,
    root: &Path,
    seen: &Seen,
    error: &Error,
) -> Result<PathBuf, Error> {
    let (key, _) = state.device_key(true)?;
    let name = state.new_txn(&now_rfc3339());
    let installed = state
        .installed_record(&identity.mode)?
        .map(|r| ReleaseRef::from(&r.release));
    let mut r = Receipt::new("apply", RESULT_REFUSED, identity, root, &name);
    r.bundle = seen.bundle.clone();
    r.confirmations = seen.confirmations.clone();
    r.detail = Some(error.to_string());
    r.installed_after = installed.clone();
    r.installed_before = installed;
    let rel = Path::new("receipts").join(format!("{name}-refusal.json"));
    write_atomic_in(&state.tree, &rel, &r.sign(&key))?;
    Ok(state.abs(rel))
}

pub(super) type Failed = (Error, Option<PathBuf>);

/// The instrument root: its canonical path (for records) and its handle.
#[derive(Clone, Copy)]
struct Roots<'a> {
    path: &'a Path,
    tree: &'a Tree,
}

#[allow(clippy::too_many_arguments)]
fn run(
    bundle: &Path,
    trust: &TrustedKeys,
    identity: &Identity,
    roots: Roots,
    state: Option<&StateDir>,
    opts: &ApplyOptions,
    ui: &dyn Ui,
    seen: &mut Seen,
) -> Result<ApplyReport, Failed> {
    let (root, tree) = (roots.path, roots.tree);
    let no_receipt = |e: Error| (e, None);
    // The instrument's own trust root (`<state>/trust/root.json`) rules; newer
    // versions are installed there before the bundle is judged.
    let trust = &match state {
        Some(s) => trust
            .with_state(s.tree.clone(), !opts.dry_run)
            .map_err(no_receipt)?,
        None => trust.clone(),
    };
    let mut o = open_verified(bundle, trust, &opts.limits).map_err(no_receipt)?;
    let release = o.manifest.release.clone();
    seen.bundle = Some(bundle_ref(bundle, &o));
    let selected = identity.select(&o.manifest).map_err(no_receipt)?;
    let at = o.manifest.index_of(selected);
    // Its files combined from the file sets it names (format 2), moved
    // rather than copied: apply needs no other target's files.
    let mut taken = o.manifest.take_target(at);
    let target: &Target = &taken;
    let installed_before = match state {
        Some(s) => s.installed_record(&identity.mode).map_err(no_receipt)?,
        None => None,
    };
    if let Some(s) = state {
        if let Some(done) = already_installed(s, roots, identity, &o, target, opts)? {
            return Ok(done);
        }
        check_sequence(s, &identity.mode, &release, opts.reinstall).map_err(no_receipt)?;
        check_space(s, target).map_err(no_receipt)?;
    }
    check_root_paths(tree, target).map_err(no_receipt)?;
    let found = match state {
        Some(s) => foreign(
            s,
            &identity.mode,
            (root, tree),
            target,
            &release,
            &opts.limits,
        )
        .map_err(no_receipt)?,
        None => Found::default(),
    };
    let Some(state) = state.filter(|_| !opts.dry_run) else {
        // Every byte is checked, nothing is written: no staging.
        ui.phase(Step::Verify, o.manifest.payload.size);
        read_payload_blamed(
            &mut o.env,
            &o.manifest,
            Some(&Sink::default()),
            &opts.limits,
            &|n| ui.progress(n),
        )
        .map_err(no_receipt)?;
        let ops = plan(tree, target).map_err(no_receipt)?;
        let before = installed_before.as_ref();
        let mut report = planned_report(&o, identity, target, &ops, before, seen, opts);
        found.describe(&mut report);
        return Ok(report);
    };
    ui.show_actions(&target.actions);
    seen.confirmations = confirm(&release.confirm, opts, ui).map_err(no_receipt)?;
    ui.phase(Step::Stage, o.manifest.payload.size);

    // The authenticated manifest and signatures wait in staging for the
    // backup (a rename there); their bytes need not stay in memory while
    // the payload is unpacked.
    let signed = [
        (STAGED_MANIFEST, std::mem::take(&mut o.manifest_bytes)),
        (STAGED_SIGNATURES, o.signatures.to_canonical_bytes()),
    ];
    let staging =
        stage(&mut o.env, &o.manifest, target, signed, state, opts, ui).map_err(no_receipt)?;
    let staged = staging.rel.join("tree");
    let ops = plan(tree, target).map_err(no_receipt)?;
    let before = installed_before.as_ref();
    let mut report = planned_report(&o, identity, target, &ops, before, seen, opts);
    found.describe(&mut report);
    // The plan says what happens now; the file list need not stay while
    // the journal and the receipt list the same files again.
    taken.files = Vec::new();

    let (key, created) = state.device_key(true).map_err(no_receipt)?;
    let started = now_rfc3339();
    let txn = state.new_txn(&started);
    let created_dirs = dirs_to_create(tree, &ops).map_err(no_receipt)?;
    let backup_to = opts
        .backup_to
        .as_ref()
        .map(|d| d.join(format!("{}-{}-{}", identity.serial, identity.mode, txn)));
    let mut journal = Journal {
        actions: ActionsJournal::new(&taken.actions, &opts.services),
        kind: Kind::Install,
        phase: Phase::Prepare,
        rollback: None,
        staging: Some(state.abs(&staging.rel)),
        repairs: Vec::new(),
        set_aside: Vec::new(),
        transaction: Transaction {
            backup_to: backup_to.clone(),
            base: found.base,
            bundle: seen.bundle.clone().expect("set above"),
            confirmations: seen.confirmations.clone(),
            created_dirs,
            identity: identity.clone(),
            installed_before,
            moved: found.moved,
            ops,
            release,
            root: root.to_owned(),
            started,
            transaction: txn.clone(),
        },
    };
    journal.write(state, Phase::Prepare).map_err(no_receipt)?;
    // The journal owns the staging directory now (recovery removes it).
    staging.keep();
    let staged_abs = state.abs(&staged);
    switch_or_undo(state, tree, &mut journal, &staged, &staged_abs, &key, ui)?;
    report.actions_run = journal
        .actions
        .iter()
        .flat_map(|a| a.done.clone())
        .collect();
    // The bundle's manifest is on disk now; what follows holds only the
    // journal (peak memory is what a release of 60,000 files must fit in).
    drop(o);
    let receipt = commit_install(state, tree, &journal, &key).map_err(no_receipt)?;
    report.transaction = Some(txn.clone());
    report.backup = Some(state.backup(&txn));
    report.backup_to = backup_to;
    report.receipt = Some(receipt);
    report.device_key = Some(key.key_id().clone());
    report.device_key_created = created;
    Ok(report)
}

/// The report of a run with nothing to do: this very release is installed
/// in this mode and the root still matches it. One that no longer matches
/// is refused (exit 4) with the way to repair it; `--reinstall` goes on.
fn already_installed<R>(
    state: &StateDir,
    roots: Roots,
    identity: &Identity,
    o: &Opened<R>,
    target: &Target,
    opts: &ApplyOptions,
) -> Result<Option<ApplyReport>, Failed> {
    let no_receipt = |e: Error| (e, None);
    if opts.reinstall {
        return Ok(None);
    }
    let mode = &identity.mode;
    let Some(record) = same_release(state, mode, roots.path, &o.manifest_sha256)
        .map_err(no_receipt)?
        .filter(|r| r.release.sequence == o.manifest.release.sequence)
    else {
        return Ok(None);
    };
    let d = differences(state, roots.path, roots.tree, target).map_err(no_receipt)?;
    if !d.intact() {
        return Err(no_receipt(Error::NotIntact {
            mode: mode.clone(),
            installed: format!("{} {}", record.release.id, record.release.version),
            modified: d.modified,
            missing: d.missing,
            unexpected: d.unexpected,
        }));
    }
    let ops = plan(roots.tree, target).map_err(no_receipt)?;
    let mut report = planned_report(
        o,
        identity,
        target,
        &ops,
        Some(&record),
        &Seen::default(),
        opts,
    );
    report.result = RESULT_NOTHING_TO_DO;
    Ok(Some(report))
}

/// What the receipts record about the bundle: its file name, manifest and signers.
fn bundle_ref<R>(bundle: &Path, o: &Opened<R>) -> BundleRef {
    BundleRef {
        file: bundle
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        manifest_sha256: o.manifest_sha256,
        release: (&o.manifest.release).into(),
        signed_by: o.verified.counted.clone(),
    }
}

/// A private staging directory in the state directory; removed (through
/// the state directory's handle) when dropped unless kept.
struct Staging<'a> {
    state: &'a StateDir,
    rel: PathBuf,
    keep: bool,
}

impl Staging<'_> {
    /// Keeps the directory (the journal now owns it).
    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        if !self.keep {
            let _ = remove_all(&self.state.tree, &self.rel);
        }
    }
}

/// Writes the bundle's `signed` files and reads the rest of the bundle, unpacking the target's files into a new
/// private staging directory (its `tree/`).
fn stage<'s>(
    env: &mut EnvelopeReader<Volumes>,
    manifest: &Manifest,
    target: &Target,
    signed: [(&str, Vec<u8>); 2],
    state: &'s StateDir,
    opts: &ApplyOptions,
    ui: &dyn Ui,
) -> Result<Staging<'s>, Error> {
    let rel = state
        .tree
        .create_unique_dir(Path::new("staging").join("apply-"))
        .map_err(Error::io(
            "cannot create staging directory in",
            state.staging(),
        ))?;
    let staging = Staging {
        state,
        rel,
        keep: false,
    };
    let dir = state
        .tree
        .open_dir(&staging.rel)
        .map_err(Error::io("cannot open", state.abs(&staging.rel)))?;
    for (name, bytes) in signed {
        write_atomic_in(&state.tree, staging.rel.join(name), &bytes)?;
    }
    let sink = sink_for(target, dir, Path::new("tree"));
    read_payload_blamed(env, manifest, Some(&sink), &opts.limits, &|n| {
        ui.progress(n)
    })?;
    Ok(staging)
}

/// The report of a dry run; a real install adds the transaction, backup and receipt.
fn planned_report<R>(
    o: &Opened<R>,
    identity: &Identity,
    target: &Target,
    ops: &[Op],
    installed_before: Option<&InstalledRecord>,
    seen: &Seen,
    opts: &ApplyOptions,
) -> ApplyReport {
    ApplyReport {
        result: if opts.dry_run { "dry-run" } else { "installed" },
        identity: identity.clone(),
        release: o.manifest.release.clone(),
        manifest_sha256: o.manifest_sha256,
        signatures: o.verified.clone(),
        target: TargetSummary::of(&o.manifest, target),
        changes: ops
            .iter()
            .map(|o| Change {
                path: o.path.clone(),
                action: o.action,
            })
            .collect(),
        installed_before: installed_before.map(|r| (&r.release).into()),
        confirmations: seen.confirmations.clone(),
        transaction: None,
        backup: None,
        backup_to: None,
        receipt: None,
        device_key: None,
        device_key_created: false,
        other_modes: o.manifest.other_modes(target),
        recovered: None,
        not_adopted: Vec::new(),
        moved: Vec::new(),
        actions: target.actions.clone(),
        actions_run: Vec::new(),
    }
}

/// Downgrade protection: the sequence must exceed the highest ever applied
/// in this mode; the same one only with `reinstall`.
pub(crate) fn check_sequence(
    state: &StateDir,
    mode: &str,
    release: &Release,
    reinstall: bool,
) -> Result<(), Error> {
    let Some(h) = state.highest(mode)? else {
        return Ok(());
    };
    let installed = format!("{} {}", h.release_id, h.version);
    if release.sequence < h.sequence {
        return Err(Error::Downgrade {
            mode: mode.into(),
            installed,
            installed_sequence: h.sequence,
            offered_sequence: release.sequence,
        });
    }
    if release.sequence == h.sequence && !reinstall {
        return Err(Error::Replay {
            mode: mode.into(),
            installed,
            sequence: h.sequence,
        });
    }
    Ok(())
}

/// Every declared step needs `--confirm ID` or a "yes" at the terminal.
fn confirm(
    steps: &[Confirm],
    opts: &ApplyOptions,
    ui: &dyn Ui,
) -> Result<Vec<Confirmation>, Error> {
    let mut done = Vec::new();
    let mut missing = Vec::new();
    for c in steps {
        let how = if opts.confirmed.iter().any(|id| id == &c.id) {
            "flag"
        } else if ui.ask(c) == Some(true) {
            "terminal"
        } else {
            missing.push(c.clone());
            continue;
        };
        done.push(Confirmation {
            how: how.into(),
            id: c.id.clone(),
            text: c.text_in(crate::format::manifest::ENGLISH).to_owned(),
        });
    }
    if missing.is_empty() {
        Ok(done)
    } else {
        Err(Error::NotConfirmed { missing })
    }
}
