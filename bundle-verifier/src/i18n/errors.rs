//! Errors, their hints and the reasons inside them, worded from the
//! catalogues (`errors.ftl`). The English `Display` of [`Error`], [`Why`]
//! and [`Clock`] comes from here too, so English lives only in the catalogue.

use bundle_keys::KeyId;

use super::{fl, Lang};
use crate::error::Error;
use crate::format::manifest::Confirm;
use crate::trust::{Clock, IgnoredSignature, Why};
use crate::ExitClass;

fn ids(lang: Lang, v: &[KeyId]) -> String {
    if v.is_empty() {
        return fl!(lang, "list-none");
    }
    v.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

/// `Error::io`'s `what` ("cannot read") as the message `io-cannot-read`.
fn io_what(lang: Lang, what: &str) -> String {
    let id: String = what
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let id = format!("io-{id}");
    if Lang::ENGLISH.has(&id) {
        lang.text(&id, None)
    } else {
        what.to_owned()
    }
}

impl Lang {
    /// The key IDs, comma-separated, or "(none)".
    pub fn key_ids(self, v: &[KeyId]) -> String {
        ids(self, v)
    }

    /// What judged the signatures: a trust root version, or the keys given.
    pub fn judged_by(self, root: Option<u64>) -> String {
        match root {
            Some(version) => fl!(self, "judged-by-root", version = version),
            None => fl!(self, "judged-by-keys"),
        }
    }

    /// Which day expiry was judged on and why.
    pub fn clock(self, clock: &Clock) -> String {
        match clock {
            Clock::System => fl!(self, "clock-system"),
            Clock::RootIssued { version, system } => fl!(
                self,
                "clock-root-issued",
                version = *version,
                system = system.to_string()
            ),
        }
    }

    /// Why a signature did not count.
    pub fn why(self, why: &Why) -> String {
        match why {
            Why::Revoked { version } => fl!(self, "why-revoked", version = *version),
            Why::RootKey { version } => fl!(self, "why-root-key", version = *version),
            Why::NotReleaseKey { version } => {
                fl!(self, "why-not-release-key", version = *version)
            }
            Why::NotTrusted => fl!(self, "why-not-trusted"),
            Why::Expired {
                expires,
                judged_on,
                clock,
            } => fl!(
                self,
                "why-expired",
                expires = expires.to_string(),
                judged_on = judged_on.to_string(),
                clock = self.clock(clock)
            ),
            Why::OutOfScope { scope, outside } => fl!(
                self,
                "why-out-of-scope",
                scope = scope.join(", "),
                outside = outside.join(", ")
            ),
        }
    }

    fn ignored(self, v: &[IgnoredSignature]) -> String {
        if v.is_empty() {
            return fl!(self, "list-none");
        }
        v.iter()
            .map(|i| format!("{} ({})", i.key_id, self.why(&i.why)))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The text of a confirmation step in this language (English where the
    /// release has none in it).
    pub fn confirm_text(self, c: &Confirm) -> String {
        c.text_in(self.tag()).to_owned()
    }

    fn confirm_list(self, c: &[Confirm]) -> String {
        c.iter()
            .map(|c| format!("[{}] {}", c.id, self.confirm_text(c)))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The error in this language.
    pub fn error(self, e: &Error) -> String {
        self.container_error(e)
            .or_else(|| self.trust_error(e))
            .or_else(|| self.instrument_error(e))
            .expect("every error variant is worded in one group")
    }

    /// Errors of reading the bytes: the container, manifest, payload and SBOM.
    fn container_error(self, e: &Error) -> Option<String> {
        use Error::*;
        let l = self;
        Some(match e {
            Config(m) => fl!(l, "error-config", detail = m),
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
            _ => return None,
        })
    }

    /// Errors of judging signatures and trust roots.
    fn trust_error(self, e: &Error) -> Option<String> {
        use Error::*;
        let l = self;
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
                judged_by = l.judged_by(*trust_root),
                counted_ids = ids(l, counted),
                ignored = l.ignored(ignored)
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
    fn instrument_error(self, e: &Error) -> Option<String> {
        use Error::*;
        let l = self;
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
            NotConfirmed { missing } => {
                fl!(l, "error-not-confirmed", steps = l.confirm_list(missing))
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

    /// What the user can do about `e`, in one sentence.
    pub fn hint(self, e: &Error) -> String {
        match e {
            Error::NotConfirmed { .. } => return fl!(self, "hint-not-confirmed"),
            Error::Downgrade { .. } | Error::Replay { .. } => return fl!(self, "hint-use-newest"),
            _ => {}
        }
        match e.class() {
            ExitClass::Usage => fl!(self, "hint-usage"),
            ExitClass::Refused => fl!(self, "hint-refused"),
            ExitClass::NotApplicable => fl!(self, "hint-not-applicable"),
            ExitClass::InstallFailed => fl!(self, "hint-install-failed"),
            ExitClass::Other => fl!(self, "hint-other"),
        }
    }
}
