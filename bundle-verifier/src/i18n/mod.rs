//! Every message the verifier shows a technician, in English and German, in
//! one place. English error texts live on the error variants (error.rs); their
//! German twins are in [`Lang::error`], whose match is exhaustive so a new
//! error cannot be added without its German text.

use crate::error::Error;
use crate::format::manifest::Confirm;
use crate::trust::{Clock, IgnoredSignature, Why};
use crate::ExitClass;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

/// Picks the English or the German `format!` of the same arguments.
macro_rules! tr {
    ($lang:expr, $en:literal, $de:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            Lang::En => format!($en $(, $arg)*),
            Lang::De => format!($de $(, $arg)*),
        }
    };
}

impl Lang {
    /// `en` or `de`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    /// From the usual locale variables: German when the first one set starts with `de`.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() {
                    return if v.to_ascii_lowercase().starts_with("de") {
                        Lang::De
                    } else {
                        Lang::En
                    };
                }
            }
        }
        Lang::En
    }

    pub fn error_prefix(self) -> &'static str {
        match self {
            Lang::En => "error",
            Lang::De => "Fehler",
        }
    }

    /// The text of a confirmation step in this language (English if the release has no German).
    pub fn confirm_text(self, c: &Confirm) -> String {
        match (self, &c.text_de) {
            (Lang::De, Some(de)) => de.clone(),
            _ => c.text.clone(),
        }
    }

    pub fn confirm_prompt(self, c: &Confirm) -> String {
        tr!(
            self,
            "Please confirm [{}]: {}\nType yes to confirm: ",
            "Bitte bestätigen [{}]: {}\nZum Bestätigen ja eingeben: ",
            c.id,
            self.confirm_text(c)
        )
    }

    /// Whether a typed answer means yes.
    pub fn is_yes(self, answer: &str) -> bool {
        matches!(
            answer.trim().to_lowercase().as_str(),
            "y" | "yes" | "j" | "ja"
        )
    }

    pub fn release_name(self, id: &str, version: &str, sequence: u64) -> String {
        tr!(
            self,
            "{} {} (sequence {})",
            "{} {} (Sequenz {})",
            id,
            version,
            sequence
        )
    }

    pub fn verified(self, bundle: &str) -> String {
        tr!(
            self,
            "OK: {} is authentic and intact.",
            "OK: {} ist echt und unversehrt.",
            bundle
        )
    }

    pub fn unverified(self) -> String {
        tr!(self, "UNVERIFIED: signatures were not checked; use `verify` with a trusted key", "UNGEPRÜFT: Signaturen wurden nicht geprüft; verwenden Sie `verify` mit einem vertrauenswürdigen Schlüssel")
    }

    pub fn extracted(self, files: usize, model: &str, mode: &str, out: &str) -> String {
        tr!(
            self,
            "OK: extracted {} files of {} / {} into {}",
            "OK: {} Dateien von {} / {} nach {} entpackt",
            files,
            model,
            mode,
            out
        )
    }

    pub fn dry_run(self) -> String {
        tr!(
            self,
            "DRY RUN: the bundle is authentic and fits this instrument; nothing was changed.",
            "PROBELAUF: Das Paket ist echt und passt zu diesem Gerät; es wurde nichts verändert."
        )
    }

    pub fn installed(self, release: &str, model: &str, serial: &str, mode: &str) -> String {
        tr!(
            self,
            "INSTALLED: {} on {} (serial {}), mode {}.",
            "INSTALLIERT: {} auf {} (Seriennummer {}), Modus {}.",
            release,
            model,
            serial,
            mode
        )
    }

    /// What judged the signatures: a trust root version, or the keys given.
    pub fn judged_by(self, root: Option<u64>) -> String {
        match (self, root) {
            (Lang::En, Some(n)) => format!("trust root version {n}"),
            (Lang::En, None) => "the trusted keys given".into(),
            (Lang::De, Some(n)) => format!("Vertrauensanker Version {n}"),
            (Lang::De, None) => "den angegebenen vertrauenswürdigen Schlüsseln".into(),
        }
    }

    pub fn signed_by_under(
        self,
        ids: &str,
        counted: usize,
        threshold: usize,
        root: Option<u64>,
    ) -> String {
        let by = self.judged_by(root);
        tr!(
            self,
            "  signed by {} ({} of {} needed under {})",
            "  signiert von {} ({} von {} nötig unter {})",
            ids,
            counted,
            threshold,
            by
        )
    }

    pub fn not_counted(self, i: &IgnoredSignature) -> String {
        tr!(
            self,
            "  not counted: signature by {}: {}",
            "  nicht gezählt: Signatur von {}: {}",
            i.key_id,
            self.not_counted_reason(&i.why)
        )
    }

    /// Why a signature did not count, in this language.
    pub fn not_counted_reason(self, why: &Why) -> String {
        match (self, why) {
            (Lang::En, _) => why.to_string(),
            (Lang::De, Why::Revoked { version }) => {
                format!("widerrufen in Trust-Root-Version {version}")
            }
            (Lang::De, Why::RootKey { version }) => format!(
                "ein Root-Schlüssel der Trust-Root-Version {version}, kein Freigabeschlüssel"
            ),
            (Lang::De, Why::NotReleaseKey { version }) => {
                format!("kein Freigabeschlüssel der Trust-Root-Version {version}")
            }
            (Lang::De, Why::NotTrusted) => {
                "dieser Schlüssel ist auf diesem Gerät nicht vertrauenswürdig".into()
            }
            (
                Lang::De,
                Why::Expired {
                    expires,
                    judged_on,
                    clock,
                },
            ) => format!(
                "Schlüssel am {expires} abgelaufen (beurteilt am {judged_on}, {})",
                self.clock(clock)
            ),
            (Lang::De, Why::OutOfScope { scope, outside }) => format!(
                "Schlüssel darf nur für {} signieren, das Paket gilt aber auch für {}",
                scope.join(", "),
                outside.join(", ")
            ),
        }
    }

    /// Which day expiry was judged on and why, in this language.
    pub fn clock(self, clock: &Clock) -> String {
        match (self, clock) {
            (Lang::En, _) => clock.to_string(),
            (Lang::De, Clock::System) => "die Systemuhr".into(),
            (Lang::De, Clock::RootIssued { version, system }) => format!(
                "das Ausstellungsdatum der Trust-Root-Version {version}; die Systemuhr zeigt {system}"
            ),
        }
    }

    pub fn trust_root_accepted(self, version: u64) -> String {
        tr!(
            self,
            "  trust root version {} carried by the bundle was accepted",
            "  der vom Paket mitgebrachte Vertrauensanker Version {} wurde angenommen",
            version
        )
    }

    pub fn expiry_judged(self, day: &str, clock: &Clock) -> String {
        tr!(
            self,
            "  expiry judged on {} ({})",
            "  Ablauf beurteilt am {} ({})",
            day,
            self.clock(clock)
        )
    }

    pub fn counts(self, add: usize, replace: usize, same: usize) -> String {
        tr!(
            self,
            "  {} files added, {} replaced, {} already up to date",
            "  {} Dateien hinzugefügt, {} ersetzt, {} bereits aktuell",
            add,
            replace,
            same
        )
    }

    pub fn verb_add(self) -> &'static str {
        match self {
            Lang::En => "add",
            Lang::De => "neu",
        }
    }

    pub fn verb_replace(self) -> &'static str {
        match self {
            Lang::En => "replace",
            Lang::De => "ersetzen",
        }
    }

    pub fn installed_before(self, release: &str) -> String {
        tr!(
            self,
            "  installed before: {}",
            "  vorher installiert: {}",
            release
        )
    }

    pub fn needs_confirmation(self, c: &Confirm) -> String {
        tr!(
            self,
            "  must be confirmed before install (--confirm {}): {}",
            "  vor der Installation zu bestätigen (--confirm {}): {}",
            c.id,
            self.confirm_text(c)
        )
    }

    pub fn confirmed(self, id: &str, how: &str) -> String {
        let how = match (self, how) {
            (Lang::De, "flag") => "mit --confirm",
            (Lang::De, _) => "am Terminal",
            (Lang::En, "flag") => "with --confirm",
            (Lang::En, _) => "at the terminal",
        };
        tr!(self, "  confirmed [{}] {}", "  bestätigt [{}] {}", id, how)
    }

    pub fn backup_kept(self, dir: &str) -> String {
        tr!(
            self,
            "  replaced files are kept in {}",
            "  ersetzte Dateien sind gesichert in {}",
            dir
        )
    }

    pub fn backup_copy(self, dir: &str) -> String {
        tr!(
            self,
            "  an extra copy of the replaced files is in {}",
            "  eine zusätzliche Kopie der ersetzten Dateien liegt in {}",
            dir
        )
    }

    pub fn receipt(self, path: &str) -> String {
        tr!(self, "  receipt: {}", "  Beleg: {}", path)
    }

    pub fn refusal_receipt(self, path: &str) -> String {
        tr!(
            self,
            "  this refusal is recorded in the receipt {}",
            "  diese Ablehnung ist im Beleg {} festgehalten",
            path
        )
    }

    pub fn device_key_created(self, id: &str) -> String {
        tr!(self, "  this instrument's device key {} was created now; register it with `bundle-verifier device pubkey`", "  der Geräteschlüssel {} dieses Geräts wurde jetzt erzeugt; registrieren Sie ihn mit `bundle-verifier device pubkey`", id)
    }

    pub fn other_modes(self, modes: &str) -> String {
        tr!(self, "  REMINDER: this instrument also boots in mode {}. Start it in that mode and apply this bundle there too.", "  ERINNERUNG: Dieses Gerät startet auch im Modus {}. Starten Sie es in diesem Modus und installieren Sie das Paket dort ebenfalls.", modes)
    }

    pub fn recovered(self, outcome: &str, kind: &str, release: &str, root: &str) -> String {
        match (self, outcome) {
            (Lang::En, "completed") => format!("NOTE: an interrupted {kind} of {release} into {root} was completed first."),
            (Lang::En, _) => format!("NOTE: an interrupted {kind} of {release} into {root} was undone first; the root is as it was before."),
            (Lang::De, "completed") => format!("HINWEIS: Eine unterbrochene {} von {release} in {root} wurde zuerst abgeschlossen.", self.kind(kind)),
            (Lang::De, _) => format!("HINWEIS: Eine unterbrochene {} von {release} in {root} wurde zuerst rückgängig gemacht; das Verzeichnis ist wie vorher.", self.kind(kind)),
        }
    }

    fn kind(self, kind: &str) -> &'static str {
        match (self, kind) {
            (Lang::De, "rollback") => "Rücknahme",
            (Lang::De, _) => "Installation",
            (Lang::En, "rollback") => "rollback",
            (Lang::En, _) => "install",
        }
    }

    pub fn rolled_back(self, release: &str, mode: &str, files: usize) -> String {
        tr!(
            self,
            "ROLLED BACK: {} in mode {}; {} files restored to what they were before.",
            "ZURÜCKGENOMMEN: {} im Modus {}; {} Dateien wie vorher wiederhergestellt.",
            release,
            mode,
            files
        )
    }

    pub fn rollback_dry_run(self, release: &str, mode: &str, files: usize) -> String {
        tr!(self, "DRY RUN: rollback would undo {} in mode {} ({} files); nothing was changed.", "PROBELAUF: Die Rücknahme würde {} im Modus {} zurücknehmen ({} Dateien); es wurde nichts verändert.", release, mode, files)
    }

    pub fn installed_now(self, release: Option<&str>) -> String {
        match release {
            Some(r) => tr!(self, "  installed now: {}", "  jetzt installiert: {}", r),
            None => tr!(
                self,
                "  installed now: nothing from a bundle",
                "  jetzt installiert: nichts aus einem Paket"
            ),
        }
    }

    pub fn check_ok(self, files: usize) -> String {
        tr!(self, "OK: all {} installed files match their signed manifests; no unexpected files.", "OK: Alle {} installierten Dateien stimmen mit ihren signierten Manifesten überein; keine unerwarteten Dateien.", files)
    }

    pub fn check_differs(self) -> String {
        tr!(
            self,
            "DIFFERENT: the instrument root does not match what was installed.",
            "ABWEICHUNG: Das Verzeichnis des Geräts stimmt nicht mit dem Installierten überein."
        )
    }

    pub fn check_installed_release(self, release: &str, mode: &str, when: &str) -> String {
        tr!(
            self,
            "  {} in mode {}, installed {}",
            "  {} im Modus {}, installiert {}",
            release,
            mode,
            when
        )
    }

    pub fn check_modified(self) -> &'static str {
        match self {
            Lang::En => "modified",
            Lang::De => "verändert",
        }
    }

    pub fn check_missing(self) -> &'static str {
        match self {
            Lang::En => "missing",
            Lang::De => "fehlt",
        }
    }

    pub fn check_unexpected(self) -> &'static str {
        match self {
            Lang::En => "unexpected",
            Lang::De => "unerwartet",
        }
    }

    pub fn check_advice(self) -> String {
        tr!(self, "  If you suspect tampering, contact the vendor; `apply --reinstall` puts the signed files back.", "  Bei Verdacht auf Manipulation wenden Sie sich an den Hersteller; `apply --reinstall` stellt die signierten Dateien wieder her.")
    }

    pub fn scan_none(self, dir: &str) -> String {
        tr!(
            self,
            "No bundles found in {}.",
            "Keine Pakete in {} gefunden.",
            dir
        )
    }

    pub fn scan_applies(self, release: &str) -> String {
        tr!(self, "APPLIES    {}", "PASST      {}", release)
    }

    pub fn scan_not_for_this(self) -> String {
        tr!(self, "NOT HERE  ", "NICHT HIER")
    }

    pub fn scan_refused(self) -> String {
        tr!(self, "REFUSED   ", "ABGELEHNT ")
    }

    pub fn scan_unverified_payload(self) -> String {
        tr!(self, "Signatures and the manifest were checked; the payload is checked in full when the bundle is applied.", "Signaturen und Manifest wurden geprüft; der Inhalt wird bei der Installation vollständig geprüft.")
    }

    /// After the payload digest: how far `verify` looked into the payload.
    pub fn payload_depth(self, deep: bool) -> String {
        match deep {
            true => tr!(self, ", every file checked", ", jede Datei geprüft"),
            false => tr!(
                self,
                "; files are checked when applied, or now with --deep",
                "; Dateien werden bei der Installation geprüft, oder jetzt mit --deep"
            ),
        }
    }

    pub fn sbom_extracted(self, kind: &str, components: usize, out: &str) -> String {
        tr!(
            self,
            "Signed SBOM ({}, {} components) written to {}.",
            "Signierte Stückliste (SBOM; {}, {} Komponenten) nach {} geschrieben.",
            kind,
            components,
            out
        )
    }

    pub fn device_created(self, id: &str) -> String {
        tr!(self, "Device key {} created. Send this public key to the vendor's registry:", "Geräteschlüssel {} erzeugt. Senden Sie diesen öffentlichen Schlüssel an das Register des Herstellers:", id)
    }

    pub fn exported(self, n: usize, dir: &str) -> String {
        tr!(
            self,
            "Copied {} receipts and the device public key to {}.",
            "{} Belege und der öffentliche Geräteschlüssel wurden nach {} kopiert.",
            n,
            dir
        )
    }

    /// The error in this language. English is the variant's own text.
    pub fn error(self, e: &Error) -> String {
        if self == Lang::En {
            return e.to_string();
        }
        use Error::*;
        match e {
            Config(m) => format!("Konfigurationsfehler: {m}"),
            OpenBundle { path, source } => format!("Paket {} kann nicht geöffnet werden: {source}", path.display()),
            NotABundle => "Dies ist kein Update-Paket (es beginnt nicht mit dem Eintrag \"format\").".into(),
            UnsupportedContainer { found } => format!("Paketformat ist {found:?}; dieses Prüfprogramm liest \"offline-patch-bundle/1\"."),
            Truncated { offset, what } => format!("Das Paket ist unvollständig: es endet bei Byte {offset}, innerhalb von {what}."),
            ReadBundle(err) => format!("Das Paket konnte nicht gelesen werden: {err}"),
            BadHeader { offset, member } => format!("Der Kopf von {member} bei Byte {offset} ist nicht der vorgeschriebene; das Paket wurde verändert."),
            TooLarge { what, found, limit } => format!("{what}: {found} überschreitet die Grenze von {limit}."),
            TrailingData { offset } => format!("Unerwartete Daten nach dem Ende des Pakets, bei Byte {offset}."),
            Manifest(m) => format!("Das Manifest ist ungültig: {m}"),
            BadSignatureFile(m) => format!("signatures.json ist fehlerhaft: {m}"),
            BadSignature { key_id } => format!("Die Signatur des vertrauenswürdigen Schlüssels {key_id} passt nicht zum Manifest; das Paket wurde verändert."),
            NotTrusted { counted, ignored, threshold, trust_root } => format!(
                "Nicht von genügend vertrauenswürdigen Schlüsseln signiert: {} von {threshold} nötig (unter {}). Gezählt: {}; nicht gezählt: {}.",
                counted.len(),
                self.judged_by(*trust_root),
                ids(counted),
                if ignored.is_empty() {
                    "(keine)".to_owned()
                } else {
                    ignored.iter().map(|i| format!("{} ({})", i.key_id, self.not_counted_reason(&i.why))).collect::<Vec<_>>().join("; ")
                }
            ),
            TrustRootDocument { source_name, error } => format!("Vertrauensanker (Trust Root) in {source_name}: {error}"),
            TrustRootInvalid { source_name, msg } => format!("{source_name} ist nicht annehmbar: {msg}"),
            TrustRootBelowThreshold { version, whose, counted, threshold } => format!(
                "Trust-Root-Version {version} ist nur von {counted} der {whose} signiert (mindestens {threshold} nötig); ihr wird nicht vertraut."
            ),
            TrustRootBadSignature { version, key_id } => format!(
                "Die Signatur des Root-Schlüssels {key_id} auf Trust-Root-Version {version} ist ungültig; die Trust Root wurde verändert."
            ),
            TrustRootRollback { found, have } => format!(
                "Trust-Root-Version {found} ist älter als Version {have}, der dieses Gerät schon vertraut; eine Trust Root geht nie zurück."
            ),
            TrustRootConflict { version } => format!(
                "Es gibt zwei verschiedene Trust Roots mit Version {version}; die angebotene ist nicht die hier vertraute."
            ),
            TrustRootGap { have, found } => format!(
                "Trust-Root-Version {found} kann nicht gegen Version {have} geprüft werden: jede Version dazwischen wird gebraucht."
            ),
            PayloadDigest { expected, found, expected_size, found_size } => format!(
                "Der Inhalt ist beschädigt: erwartet {expected_size} Bytes mit SHA-256 {expected}, gefunden {found_size} Bytes mit SHA-256 {found}."
            ),
            PayloadMalformed(m) => format!("Der Inhalt ist fehlerhaft: {m}"),
            SbomDigest { expected, found, expected_size, found_size } => format!(
                "Die Stückliste (SBOM) ist beschädigt: das Manifest signiert {expected_size} Bytes mit SHA-256 {expected}, sbom.json hat {found_size} Bytes mit SHA-256 {found}."
            ),
            Sbom(m) => format!("Die Stückliste (SBOM) ist ungültig: {m}"),
            WrongModel { expected, found } => format!("Dieses Paket ist für {expected}; dieses Gerät ist ein {found}."),
            WrongMode { model, expected, found } => format!("Dieses Paket hat für {model} keinen Modus {found}; es ist für Modus {expected}."),
            WrongUdiDi { model, expected, found } => format!("Dieses Paket ist für {model} mit Gerätekennung (UDI-DI) {expected}; dieses Gerät hat {found}."),
            WrongVersion { required, found } => format!("Dieses Paket braucht die installierte Softwareversion {required}; dieses Gerät hat {found}."),
            Downgrade { mode, installed, installed_sequence, offered_sequence } => format!(
                "{installed} (Sequenz {installed_sequence}) wurde im Modus {mode} bereits installiert; dieses Paket ist älter (Sequenz {offered_sequence}) und würde es herabstufen."
            ),
            Replay { mode, installed, sequence } => format!(
                "{installed} (Sequenz {sequence}) wurde im Modus {mode} bereits installiert; mit --reinstall wird dieselbe Version erneut installiert."
            ),
            NotConfirmed { missing } => format!(
                "Dieses Paket darf erst installiert werden, wenn diese Schritte bestätigt sind: {}",
                missing.iter().map(|c| format!("[{}] {}", c.id, self.confirm_text(c))).collect::<Vec<_>>().join("; ")
            ),
            NothingToRollBack { root } => format!("In {} gibt es keine Installation, die zurückgenommen werden könnte.", root.display()),
            NothingInstalled { root } => format!("Mit diesem Zustandsverzeichnis wurde nichts in {} installiert.", root.display()),
            ChangedSinceInstall { release, files } => format!(
                "Dateien von {release} wurden seit der Installation verändert ({}); eine Rücknahme würde diese Änderungen verlieren, daher wurde nichts verändert.",
                files.join(", ")
            ),
            Io { what, path, source } => format!("E/A-Fehler ({what}) bei {}: {source}", path.display()),
            InstallFailed { reason } => format!("Die Installation ist fehlgeschlagen: {reason}; das Verzeichnis des Geräts wurde in den vorherigen Zustand zurückversetzt."),
            NoSpace { dir, needed, available } => format!(
                "Zu wenig freier Speicherplatz in {}: die neuen Dateien brauchen {} MiB, frei sind {} MiB; es wurde nichts verändert.",
                dir.display(),
                crate::error::mib(*needed),
                crate::error::mib(*available)
            ),
            RestoreFailed { reason, restore, backup } => format!(
                "Die Installation ist fehlgeschlagen: {reason}; die Wiederherstellung ist EBENFALLS fehlgeschlagen: {restore}. Die Sicherung liegt in {}.",
                backup.display()
            ),
        }
    }

    /// What the technician can do about `e`, in one sentence.
    pub fn hint(self, e: &Error) -> String {
        match e {
            Error::NotConfirmed { .. } => {
                return tr!(self, "Nothing was changed. Do each step, then run apply again and confirm it (at the prompt or with --confirm ID).", "Es wurde nichts verändert. Führen Sie jeden Schritt aus und starten Sie apply erneut mit Bestätigung (an der Eingabeaufforderung oder mit --confirm ID).")
            }
            Error::Downgrade { .. } | Error::Replay { .. } => {
                return tr!(self, "Nothing was changed. Use the newest bundle for this instrument.", "Es wurde nichts verändert. Verwenden Sie das neueste Paket für dieses Gerät.")
            }
            _ => {}
        }
        match e.class() {
            ExitClass::Usage => tr!(self, "Check the command line and the files it names.", "Prüfen Sie die Befehlszeile und die darin genannten Dateien."),
            ExitClass::Refused => tr!(self, "Do not install this file. Get a fresh copy of the bundle from the vendor and check it again.", "Installieren Sie diese Datei nicht. Besorgen Sie eine neue Kopie des Pakets vom Hersteller und prüfen Sie sie erneut."),
            ExitClass::NotApplicable => tr!(self, "Nothing was changed. Use the bundle made for this instrument, or check the identity file.", "Es wurde nichts verändert. Verwenden Sie das Paket für dieses Gerät oder prüfen Sie die Identitätsdatei."),
            ExitClass::InstallFailed => tr!(self, "Nothing was changed. Fix the cause (disk space, permissions) and run apply again.", "Es wurde nichts verändert. Beheben Sie die Ursache (Speicherplatz, Berechtigungen) und starten Sie apply erneut."),
            ExitClass::Other => tr!(self, "Contact the vendor's technical support with this message.", "Wenden Sie sich mit dieser Meldung an den technischen Support des Herstellers."),
        }
    }
}

fn ids(v: &[bundle_keys::KeyId]) -> String {
    if v.is_empty() {
        return "(keine)".into();
    }
    v.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}
