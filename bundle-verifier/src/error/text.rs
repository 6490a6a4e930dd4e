//! Errors and their hints worded from the catalogues (`errors.ftl`). The
//! English `Display` of [`Error`] comes from here, so English lives only in
//! the catalogue.

use crate::error::{Error, HeldFile};
use crate::format::manifest::Confirm;
use crate::format::read::InputKind;
use crate::i18n::{fl, Lang};
use crate::trust::{judged_by, key_list, IgnoredSignature};
use crate::ExitClass;

/// `Error::io`'s `what` ("cannot read") as the message `io-cannot-read`.
/// The message id of `Error::io`'s `what`: "cannot read" is `io-cannot-read`.
pub(crate) fn io_id(what: &str) -> String {
    let slug: String = what
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("io-{slug}")
}

fn io_what(lang: Lang, what: &str) -> String {
    let id = io_id(what);
    if Lang::ENGLISH.has(&id) {
        lang.text(&id, None)
    } else {
        what.to_owned()
    }
}

/// The name of a kind of input file ("instrument identity").
pub fn input_kind(l: Lang, kind: InputKind) -> String {
    match kind {
        InputKind::KeyFile => fl!(l, "input-key-file"),
        InputKind::Identity => fl!(l, "input-identity"),
        InputKind::Config => fl!(l, "input-config"),
        InputKind::Registry => fl!(l, "input-registry"),
        InputKind::Receipt => fl!(l, "input-receipt"),
        InputKind::TrustRoot => fl!(l, "input-trust-root"),
        InputKind::StateRecord => fl!(l, "input-state-record"),
        InputKind::Manifest => fl!(l, "input-manifest"),
        InputKind::Signatures => fl!(l, "input-signatures"),
        InputKind::Sbom => fl!(l, "input-sbom"),
        InputKind::Spec => fl!(l, "input-spec"),
    }
}

fn ignored_list(l: Lang, v: &[IgnoredSignature]) -> String {
    if v.is_empty() {
        return fl!(l, "list-none");
    }
    v.iter()
        .map(|i| format!("{} ({})", i.key_id, i.why.text(l)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// "C:\\lrm\\app.exe (open in App (PID 7))", one per held file, then how
/// many more there are.
/// The last lines of an action's output on one line, each made visible.
fn output_lines(tail: &str) -> String {
    let lines: Vec<&str> = tail.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = &lines[lines.len().saturating_sub(5)..];
    last.iter()
        .map(|l| crate::i18n::visible(l).into_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn held_list(l: Lang, files: &[HeldFile], total: usize) -> String {
    let mut out: Vec<String> = files
        .iter()
        .map(|f| {
            let holders = if f.holders.is_empty() {
                fl!(l, "in-use-unknown")
            } else {
                f.holders
                    .iter()
                    .map(|h| match &h.service {
                        Some(s) => fl!(
                            l,
                            "in-use-service",
                            name = &h.name,
                            service = s,
                            pid = h.pid
                        ),
                        None => fl!(l, "in-use-holder", name = &h.name, pid = h.pid),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            fl!(l, "in-use-file", path = &f.path, holders = holders)
        })
        .collect();
    if total > files.len() {
        out.push(fl!(l, "in-use-more", more = total - files.len()));
    }
    out.join("; ")
}

fn confirm_list(l: Lang, c: &[Confirm]) -> String {
    c.iter()
        .map(|c| format!("[{}] {}", c.id, c.text_in(l.tag())))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// This error in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        container_error(self, lang)
            .or_else(|| trust_error(self, lang))
            .or_else(|| instrument_error(self, lang))
            .expect("every error variant is worded in one group")
    }

    /// What the user can do about it, in one sentence, in `lang`.
    pub fn hint_in(&self, lang: Lang) -> String {
        match self {
            Error::NotConfirmed { .. } => return fl!(lang, "hint-not-confirmed"),
            Error::Downgrade { .. } | Error::Replay { .. } => return fl!(lang, "hint-use-newest"),
            Error::NotIntact { .. } => return fl!(lang, "hint-not-intact"),
            Error::FilesInUse { .. } => return fl!(lang, "hint-files-in-use"),
            Error::ChangedSinceInstall { .. } => return fl!(lang, "hint-changed-since-install"),
            Error::NothingToRollBack { .. } => return fl!(lang, "hint-nothing-to-roll-back"),
            Error::ActionFailed(_) => return fl!(lang, "hint-action-failed"),
            Error::ConfigFile { .. } => return fl!(lang, "hint-config-file"),
            Error::NotSet { .. } => return fl!(lang, "hint-not-set"),
            Error::Volume { problem, .. }
                if matches!(
                    **problem,
                    crate::format::volumes::VolumeProblem::Missing
                        | crate::format::volumes::VolumeProblem::Size { .. }
                ) =>
            {
                return fl!(lang, "hint-volume-copy")
            }
            _ => {}
        }
        match self.class() {
            ExitClass::Usage => fl!(lang, "hint-usage"),
            ExitClass::Refused => fl!(lang, "hint-refused"),
            ExitClass::NotApplicable => fl!(lang, "hint-not-applicable"),
            ExitClass::InstallFailed => fl!(lang, "hint-install-failed"),
            ExitClass::Other => fl!(lang, "hint-other"),
            ExitClass::NotAsItShouldBe => fl!(lang, "hint-not-as-it-should-be"),
        }
    }
}

/// Why the config file at `path` was not used.
fn config_problem(
    l: Lang,
    path: &std::path::Path,
    p: &crate::instrument::config::ConfigProblem,
) -> String {
    use crate::instrument::config::{ConfigProblem::*, FoundBy, ENV};
    match p {
        Missing { named_by } => {
            let by = match named_by {
                FoundBy::Env => ENV,
                _ => "--config",
            };
            fl!(l, "error-config-missing", path = path, by = by)
        }
        Unreadable(d) => fl!(l, "error-config-unreadable", path = path, detail = d),
        Invalid(d) => fl!(l, "error-config-invalid", path = path, detail = d),
        Empty { key } => fl!(l, "error-config-empty", path = path, key = *key),
        BothTrust => fl!(l, "error-config-both-trust", path = path),
        NoName { key } => fl!(l, "error-config-no-name", path = path, key = key),
        BadLang { value } => fl!(l, "error-config-lang", path = path, value = value),
        NotPrivate {
            why: "owned-by-other",
        } => fl!(l, "error-config-owner", path = path),
        NotPrivate { .. } => fl!(l, "error-config-writable", path = path),
        BadIdentity(d) => fl!(l, "error-config-identity", path = path, detail = d),
    }
}

/// Errors of reading the bytes: the container, manifest, payload and SBOM.
fn container_error(e: &Error, l: Lang) -> Option<String> {
    use Error::*;
    Some(match e {
        Config(m) => fl!(l, "error-config", detail = m),
        ConfigFile { path, problem } => config_problem(l, path, problem),
        NotSet { flag, key } => fl!(l, "error-not-set", flag = *flag, key = *key),
        InputTooLarge { kind, path, limit } => fl!(
            l,
            "error-input-too-large",
            kind = input_kind(l, *kind),
            path = path,
            limit = *limit
        ),
        NotARegularFile { kind, path, limit } => fl!(
            l,
            "error-not-a-regular-file",
            kind = input_kind(l, *kind),
            path = path,
            limit = *limit
        ),
        OpenBundle { path, source } => {
            fl!(
                l,
                "error-open-bundle",
                path = path,
                detail = source.to_string()
            )
        }
        NotABundle => fl!(l, "error-not-a-bundle"),
        UnsupportedContainer { found } => {
            fl!(
                l,
                "error-unsupported-container",
                found = format!("{found:?}")
            )
        }
        Truncated { offset, what } => {
            fl!(l, "error-truncated", offset = *offset, what = what)
        }
        ReadBundle(err) => fl!(l, "error-read-bundle", detail = err.to_string()),
        BadHeader { offset, member } => {
            fl!(l, "error-bad-header", offset = *offset, member = member)
        }
        TooLarge { what, found, limit } => fl!(
            l,
            "error-too-large",
            what = what,
            found = *found,
            limit = *limit
        ),
        TrailingData { offset } => fl!(l, "error-trailing-data", offset = *offset),
        Manifest(m) => fl!(l, "error-manifest", detail = m.to_string()),
        BadSignatureFile(m) => fl!(l, "error-bad-signature-file", detail = m),
        PayloadDigest {
            expected,
            found,
            expected_size,
            found_size,
        } => fl!(
            l,
            "error-payload-digest",
            expected = expected.to_string(),
            found = found.to_string(),
            expected_size = *expected_size,
            found_size = *found_size
        ),
        PayloadMalformed(m) => fl!(l, "error-payload-malformed", detail = m),
        SbomDigest {
            expected,
            found,
            expected_size,
            found_size,
        } => fl!(
            l,
            "error-sbom-digest",
            expected = expected.to_string(),
            found = found.to_string(),
            expected_size = *expected_size,
            found_size = *found_size
        ),
        Sbom(m) => fl!(l, "error-sbom", detail = m.to_string()),
        Volume {
            index,
            count,
            path,
            problem,
        } => volume_error(l, *index, *count, path, problem),
        _ => return None,
    })
}

/// A volume of a split bundle, named by number and file.
fn volume_error(
    l: Lang,
    index: usize,
    count: usize,
    path: &std::path::Path,
    problem: &crate::format::volumes::VolumeProblem,
) -> String {
    use crate::format::volumes::VolumeProblem::*;
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
        _ => ".".into(),
    };
    let first = file.rsplit_once('.').map_or(file.as_str(), |(f, _)| f);
    let (n, m) = (index as u64, count as u64);
    match problem {
        Missing => fl!(
            l,
            "error-volume-missing",
            n = n,
            count = m,
            file = file.as_str(),
            first = first,
            dir = dir
        ),
        Size { expected, found } => fl!(
            l,
            "error-volume-size",
            n = n,
            count = m,
            path = path,
            expected = *expected,
            found = *found
        ),
        Digest {
            holds: Some(other), ..
        } => fl!(
            l,
            "error-volume-swapped",
            n = n,
            count = m,
            path = path,
            other = *other as u64
        ),
        Digest {
            expected, found, ..
        } => fl!(
            l,
            "error-volume-digest",
            n = n,
            count = m,
            path = path,
            expected = expected.to_string(),
            found = found.to_string()
        ),
        Unreadable(e) => fl!(
            l,
            "error-volume-unreadable",
            n = n,
            count = m,
            path = path,
            detail = e.to_string()
        ),
        Layout => fl!(l, "error-volume-layout", count = m),
    }
}

/// Errors of judging signatures and trust roots.
fn trust_error(e: &Error, l: Lang) -> Option<String> {
    use Error::*;
    Some(match e {
        BadSignature { key_id } => fl!(l, "error-bad-signature", key_id = key_id.as_str()),
        NotTrusted {
            counted,
            ignored,
            threshold,
            trust_root,
        } => fl!(
            l,
            "error-not-trusted",
            counted = counted.len(),
            threshold = *threshold,
            judged_by = judged_by(l, *trust_root),
            counted_ids = key_list(l, counted),
            ignored = ignored_list(l, ignored)
        ),
        TrustRootDocument { source_name, error } => fl!(
            l,
            "error-trust-root-document",
            source_name = source_name,
            detail = error.to_string()
        ),
        TrustRootInvalid { source_name, msg } => fl!(
            l,
            "error-trust-root-invalid",
            source_name = source_name,
            detail = msg
        ),
        TrustRootBelowThreshold {
            version,
            whose,
            counted,
            threshold,
        } => fl!(
            l,
            "error-trust-root-below-threshold",
            version = *version,
            whose = whose,
            counted = *counted,
            threshold = *threshold
        ),
        TrustRootBadSignature { version, key_id } => fl!(
            l,
            "error-trust-root-bad-signature",
            version = *version,
            key_id = key_id.as_str()
        ),
        TrustRootRollback { found, have } => {
            fl!(l, "error-trust-root-rollback", found = *found, have = *have)
        }
        TrustRootConflict { version } => {
            fl!(l, "error-trust-root-conflict", version = *version)
        }
        TrustRootGap { have, found } => {
            fl!(l, "error-trust-root-gap", have = *have, found = *found)
        }
        _ => return None,
    })
}

/// Errors at the instrument: fit, order, confirmations, files.
fn instrument_error(e: &Error, l: Lang) -> Option<String> {
    use Error::*;
    Some(match e {
        WrongModel { expected, found } => {
            fl!(l, "error-wrong-model", expected = expected, found = found)
        }
        WrongMode {
            model,
            expected,
            found,
        } => fl!(
            l,
            "error-wrong-mode",
            model = model,
            expected = expected,
            found = found
        ),
        WrongUdiDi {
            model,
            expected,
            found,
        } => fl!(
            l,
            "error-wrong-udi-di",
            model = model,
            expected = expected,
            found = found
        ),
        WrongVersion { required, found } => {
            fl!(l, "error-wrong-version", required = required, found = found)
        }
        Downgrade {
            mode,
            installed,
            installed_sequence,
            offered_sequence,
        } => fl!(
            l,
            "error-downgrade",
            mode = mode,
            installed = installed,
            installed_sequence = *installed_sequence,
            offered_sequence = *offered_sequence
        ),
        Replay {
            mode,
            installed,
            sequence,
        } => fl!(
            l,
            "error-replay",
            mode = mode,
            installed = installed,
            sequence = *sequence
        ),
        NotIntact {
            mode,
            installed,
            modified,
            missing,
            unexpected,
        } => fl!(
            l,
            "error-not-intact",
            mode = mode,
            installed = installed,
            modified = *modified,
            missing = *missing,
            unexpected = *unexpected
        ),
        NotConfirmed { missing } => {
            fl!(l, "error-not-confirmed", steps = confirm_list(l, missing))
        }
        NothingToRollBack { root } => fl!(l, "error-nothing-to-roll-back", root = root),
        NothingInstalled { root } => fl!(l, "error-nothing-installed", root = root),
        StateDirWritable { path } => fl!(l, "error-state-dir-writable", path = path),
        StateDirOwner { path } => fl!(l, "error-state-dir-owner", path = path),
        StateLink { path } => fl!(l, "error-state-link", path = path),
        StateInsideRoot { state, root } => {
            fl!(l, "error-state-inside-root", state = state, root = root)
        }
        RootInsideState { root, state } => {
            fl!(l, "error-root-inside-state", root = root, state = state)
        }
        ChangedSinceInstall { release, files } => fl!(
            l,
            "error-changed-since-install",
            release = release,
            count = files.len(),
            files = files.join(", ")
        ),
        Io { what, path, source } => fl!(
            l,
            "error-io",
            what = io_what(l, what),
            path = path,
            detail = source.to_string()
        ),
        InstallFailed { reason } => fl!(l, "error-install-failed", reason = reason),
        ActionFailed(f) => {
            let how = match &f.why {
                crate::error::ActionWhy::Exit(Some(c)) => {
                    fl!(l, "action-why-exit", code = c.to_string())
                }
                crate::error::ActionWhy::Exit(None) => fl!(l, "action-why-killed"),
                crate::error::ActionWhy::TimedOut(s) => {
                    fl!(l, "action-why-timeout", seconds = s.to_string())
                }
                crate::error::ActionWhy::Io(e) => fl!(l, "action-why-io", detail = e),
            };
            fl!(
                l,
                "error-action-failed",
                phase = f.phase,
                kind = f.kind,
                target = crate::i18n::visible(&f.target).into_owned(),
                how = how,
                output = output_lines(&f.tail)
            )
        }
        DiskFull { what, path, source } => fl!(
            l,
            "error-disk-full",
            what = io_what(l, what),
            path = path,
            detail = source.to_string()
        ),
        NoSpace {
            dir,
            needed,
            available,
        } => fl!(
            l,
            "error-no-space",
            dir = dir,
            needed = crate::error::mib(*needed),
            available = crate::error::mib(*available)
        ),
        FilesInUse { files, total } => fl!(
            l,
            "error-files-in-use",
            count = *total,
            files = held_list(l, files, *total)
        ),
        RestoreFailed {
            reason,
            restore,
            backup,
        } => fl!(
            l,
            "error-restore-failed",
            reason = reason,
            restore = restore,
            backup = backup
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::Holder;

    #[test]
    fn files_in_use_name_each_file_its_holders_and_how_many_more() {
        let holder = |name: &str, pid, service: Option<&str>| Holder {
            name: name.into(),
            pid,
            service: service.map(Into::into),
        };
        let e = Error::FilesInUse {
            files: vec![
                HeldFile {
                    path: "/root/lrm/bin/lrm".into(),
                    holders: vec![
                        holder("LRM Service", 4242, Some("lrmsvc")),
                        holder("Notepad", 7, None),
                    ],
                },
                HeldFile {
                    path: "/root/lrm/a.txt".into(),
                    holders: Vec::new(),
                },
            ],
            total: 12,
        };
        let en = e.text(Lang::ENGLISH);
        for part in [
            "12 files that would be replaced or removed are open",
            "/root/lrm/bin/lrm (open in LRM Service, service lrmsvc (PID 4242), Notepad (PID 7))",
            "/root/lrm/a.txt (open in a program Windows did not name)",
            "and 10 more",
        ] {
            assert!(en.contains(part), "{part} in {en}");
        }
        assert_eq!(e.class(), ExitClass::InstallFailed);
        assert!(e.hint().contains("stop the service"), "{}", e.hint());
        for l in Lang::all() {
            assert!(e.text(l).contains("lrmsvc"));
        }
    }
}
