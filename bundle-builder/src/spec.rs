//! The release spec (TOML), the pipeline's input. Paths are relative to the spec file.

use std::path::{Path, PathBuf};

use bundle_verifier::format::actions::{ActionPhase, InstallAction};
use bundle_verifier::format::manifest::{check_texts, validate_notice, Notice, Texts};
use bundle_verifier::format::read::read_at_most;
use bundle_verifier::format::safepath::SafePath;
use bundle_verifier::Limits;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::error::read_error;
use crate::layers::Layers;
use crate::BuildError;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub release: ReleaseSpec,
    /// Steps the technician must confirm before install, in the order shown.
    #[serde(default)]
    pub confirm: Vec<ConfirmSpec>,
    #[serde(rename = "target")]
    pub targets: Vec<TargetSpec>,
    /// Directory the spec was read from; `files` paths are relative to it.
    #[serde(skip)]
    pub base: PathBuf,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSpec {
    pub id: String,
    pub version: String,
    pub sequence: u64,
    /// `title = "…"` (English only) or `title = { en = "…", de = "…" }`.
    pub title: SpecTexts,
    /// Like `title`; absent or `""` when the release has no notes.
    #[serde(default)]
    pub notes: SpecTexts,
    /// CycloneDX or SPDX 2 JSON SBOM of the release, carried signed.
    pub sbom: Option<PathBuf>,
    /// `[release.notice]`: the field safety notice's `id`, `date` and
    /// `return_to`, signed in the manifest for the auditor's form.
    #[serde(default)]
    pub notice: Option<Notice>,
}

/// `[[confirm]] id = "backup" text = "..."` or
/// `text = { en = "...", de = "...", fr = "..." }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmSpec {
    pub id: String,
    pub text: SpecTexts,
    /// The old key for the German text; refused with a pointer to `text`.
    #[serde(default)]
    text_de: Option<toml::Value>,
}

/// A text of the spec in one or more languages: a plain string is English,
/// a table maps language tags to texts. A plain `""` means no text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpecTexts(pub Texts);

impl<'de> Deserialize<'de> for SpecTexts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SpecTexts;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(r#"a string (English) or a table of texts by language, such as { en = "…", de = "…" }"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SpecTexts, E> {
                Ok(SpecTexts(if v.is_empty() {
                    Texts::default()
                } else {
                    Texts::en(v)
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SpecTexts, A::Error> {
                let mut texts = Texts::default();
                while let Some((tag, text)) = map.next_entry::<String, String>()? {
                    if texts.0.insert(tag.clone(), text).is_some() {
                        return Err(de::Error::custom(format!(
                            "language {tag:?} is given twice"
                        )));
                    }
                }
                Ok(SpecTexts(texts))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    pub model: String,
    #[serde(default)]
    pub udi_di: Vec<String>,
    #[serde(default)]
    pub catalog: Vec<String>,
    pub modes: Vec<String>,
    pub requires_version: Option<String>,
    /// The payload folders, layered in order (see [`Layers`]).
    pub files: Layers,
    /// Glob patterns over the paths in `files` naming the executable files;
    /// when given, the only source of executable bits (file modes ignored).
    pub executable: Option<Vec<String>>,
    /// Directories (relative to `files`) the release owns: an install moves
    /// files in them that the release does not carry into its backup.
    #[serde(default)]
    pub owns: Vec<String>,
    /// Paths longer than [`MAX_PATH_CHARS`] are allowed: every instrument
    /// of this target has Windows long-path support turned on.
    #[serde(default)]
    pub long_paths: bool,
    /// `[[target.action]]`: install actions around the switch, in order.
    #[serde(default, rename = "action")]
    pub actions: Vec<ActionSpec>,
}

/// One `[[target.action]]`; checked by the verifier's rules
/// ([`bundle_verifier::format::actions::check_actions`]) once the files are known.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    pub phase: ActionPhase,
    pub stop_service: Option<String>,
    pub start_service: Option<String>,
    pub run: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    pub timeout_s: Option<u32>,
    pub ok_exit_codes: Option<Vec<i32>>,
    #[serde(default)]
    pub reboot_exit_codes: Vec<i32>,
}

/// A run's timeout when the spec gives none.
pub const DEFAULT_TIMEOUT_S: u32 = 60;

impl TargetSpec {
    /// The actions as the manifest holds them: a run states its timeout
    /// and accepted exit codes (`[0]` unless given).
    pub fn actions(&self) -> Vec<InstallAction> {
        self.actions
            .iter()
            .map(|a| {
                let run = a.run.as_ref().map(|p| {
                    SafePath::parse(p, &Limits::default()).expect("checked in Spec::parse")
                });
                let is_run = run.is_some();
                InstallAction {
                    args: a.args.clone(),
                    ok_exit_codes: match (&a.ok_exit_codes, is_run) {
                        (Some(c), _) => c.clone(),
                        (None, true) => vec![0],
                        (None, false) => vec![],
                    },
                    phase: a.phase,
                    reboot_exit_codes: a.reboot_exit_codes.clone(),
                    run,
                    start_service: a.start_service.clone(),
                    stop_service: a.stop_service.clone(),
                    timeout_s: a.timeout_s.or(is_run.then_some(DEFAULT_TIMEOUT_S)),
                }
            })
            .collect()
    }
}

/// The longest path (in characters, relative to the target's folder)
/// accepted without `long_paths = true`: what is left of Windows' 260
/// for the install root in front of it.
pub const MAX_PATH_CHARS: usize = 200;

/// The boot modes instruments report; a mode differing from one of them
/// only by case would match no instrument.
pub const KNOWN_MODES: [&str; 2] = ["Dx", "RUO"];

/// A target's `executable` patterns, compiled. `*` and `?` stay within one
/// path component, `**` spans any number; matching is case-sensitive, as
/// bundle paths are. The same on every OS, so builds agree byte for byte.
#[derive(Clone, Debug)]
pub struct ExecPatterns {
    pub patterns: Vec<String>,
    set: globset::GlobSet,
}

impl ExecPatterns {
    pub fn new(patterns: &[String]) -> Result<Self, String> {
        let mut set = globset::GlobSetBuilder::new();
        for p in patterns {
            // An escape to globset, a separator to a Windows user: refused.
            if p.contains('\\') {
                return Err(format!(
                    "executable pattern {p:?}: use `/` between directories, not `\\`"
                ));
            }
            if p.is_empty() || p.starts_with('/') {
                return Err(format!(
                    "executable pattern {p:?}: give a path relative to the target's `files` directory, such as \"bin/*\""
                ));
            }
            let glob = globset::GlobBuilder::new(p)
                .literal_separator(true)
                .backslash_escape(false)
                .build()
                .map_err(|e| format!("executable pattern {p:?}: {}", e.kind()))?;
            set.add(glob);
        }
        let set = set
            .build()
            .map_err(|e| format!("executable patterns: {e}"))?;
        Ok(ExecPatterns {
            patterns: patterns.to_vec(),
            set,
        })
    }

    /// The indices of the patterns that match `path` (a path in the target).
    pub fn matching(&self, path: &str) -> Vec<usize> {
        self.set.matches(path)
    }
}

impl Spec {
    pub fn load(path: &Path) -> Result<Spec, BuildError> {
        let err = |msg: String| BuildError::Spec {
            path: path.to_owned(),
            msg,
        };
        let limit = Limits::default().max_spec_bytes;
        let bytes =
            read_at_most(path, limit).map_err(|e| err(read_error("cannot read", e, limit)))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| err(format!("cannot read: it is not UTF-8 text ({e})")))?;
        Self::parse(text, path)
    }

    /// Parses and checks spec TOML; `path` names it in messages and anchors `files`.
    pub fn parse(text: &str, path: &Path) -> Result<Spec, BuildError> {
        let err = |msg: String| BuildError::Spec {
            path: path.to_owned(),
            msg,
        };
        let mut spec: Spec = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        spec.base = path.parent().map(Path::to_owned).unwrap_or_default();
        if spec.targets.is_empty() {
            return Err(err("no [[target]] is given".into()));
        }
        if semver::Version::parse(&spec.release.version).is_err() {
            return Err(err(format!(
                "release version {:?} is not a semantic version: expected MAJOR.MINOR.PATCH, e.g. 4.1.0 \
                 (instruments compare versions as semver)",
                spec.release.version
            )));
        }
        check_mode_case(&spec.targets).map_err(err)?;
        // The same rules as the verifier's, checked here to name the spec.
        let limits = Limits::default();
        let text_err = |e: bundle_verifier::format::manifest::ManifestError| err(e.to_string());
        check_texts(
            "release title",
            "release title bytes",
            &spec.release.title.0,
            true,
            &limits,
        )
        .map_err(text_err)?;
        check_texts(
            "release notes",
            "release notes bytes",
            &spec.release.notes.0,
            false,
            &limits,
        )
        .map_err(text_err)?;
        if let Some(n) = &spec.release.notice {
            validate_notice(n).map_err(text_err)?;
        }
        for c in &spec.confirm {
            if c.text_de.is_some() {
                return Err(err(format!(
                    "confirmation {:?}: `text_de` is no longer read; give every language in `text`: \
                     text = {{ en = \"…\", de = \"…\" }}",
                    c.id
                )));
            }
            check_texts(
                &format!("confirmation {:?}", c.id),
                "confirmation text bytes",
                &c.text.0,
                true,
                &limits,
            )
            .map_err(text_err)?;
        }
        let mut seen = Vec::new();
        for t in &spec.targets {
            if let Some(p) = &t.executable {
                ExecPatterns::new(p).map_err(|e| err(format!("target {:?}: {e}", t.model)))?;
            }
            t.files
                .check()
                .map_err(|e| err(format!("target {:?}: {e}", t.model)))?;
            for (i, a) in t.actions.iter().enumerate() {
                if let Some(p) = &a.run {
                    SafePath::parse(p, &limits).map_err(|e| {
                        err(format!(
                            "target {:?}: action {} (`run` = {p:?}): {e}; give a path of the target's own files, relative to `files`",
                            t.model,
                            i + 1
                        ))
                    })?;
                }
            }
            if t.modes.is_empty() {
                return Err(err(format!("target {:?} lists no modes", t.model)));
            }
            for d in &t.owns {
                SafePath::parse(d, &limits).map_err(|e| {
                    err(format!(
                        "target {:?}: owns {d:?}: {e}; give a directory relative to the target's `files` directory, such as \"bin\"",
                        t.model
                    ))
                })?;
            }
            for m in &t.modes {
                let pair = (t.model.clone(), m.clone());
                if seen.contains(&pair) {
                    return Err(err(format!(
                        "model {:?} mode {:?} is given twice",
                        t.model, m
                    )));
                }
                seen.push(pair);
            }
        }
        Ok(spec)
    }

    /// The SBOM file the spec names, relative to the spec.
    pub fn sbom_path(&self) -> Option<PathBuf> {
        self.release.sbom.as_ref().map(|p| self.base.join(p))
    }
}

/// Refuses a mode that differs from a known mode, or from another mode of
/// the release, only by case: instruments compare modes exactly, so
/// `dx` would match no instrument in mode `Dx`.
fn check_mode_case(targets: &[TargetSpec]) -> Result<(), String> {
    let mut all: Vec<&str> = KNOWN_MODES.to_vec();
    for t in targets {
        for m in &t.modes {
            if let Some(k) = all
                .iter()
                .find(|k| **k != m.as_str() && k.eq_ignore_ascii_case(m))
            {
                return Err(format!(
                    "target {:?}: mode {m:?} differs from mode {k:?} only by case, and modes are compared exactly; did you mean {k}?",
                    t.model
                ));
            }
            all.push(m);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bundle_verifier::format::manifest::Texts;

    const TARGET: &str = "[[target]]\nmodel = \"M\"\nmodes = [\"Dx\"]\nfiles = \"payload\"\n";

    fn parse(release: &str, confirm: &str) -> Result<Spec, String> {
        let text = format!(
            "[release]\nid = \"R\"\nversion = \"1.0.0\"\nsequence = 1\n{release}\n{confirm}\n{TARGET}"
        );
        Spec::parse(&text, Path::new("release.toml")).map_err(|e| e.to_string())
    }

    fn refused(release: &str, confirm: &str, why: &str) {
        match parse(release, confirm) {
            Ok(s) => panic!("accepted {release:?} {confirm:?}: {s:?}"),
            Err(e) => assert!(e.contains(why), "{e:?} does not say {why:?}"),
        }
    }

    #[test]
    fn a_plain_string_is_english_and_a_table_maps_languages() {
        let s = parse(
            "title = \"Title\"",
            "[[confirm]]\nid = \"backup\"\ntext = { en = \"Saved.\", de = \"Gesichert.\", pt-br = \"Salvo.\" }",
        )
        .unwrap();
        assert_eq!(s.release.title.0, Texts::en("Title"));
        assert_eq!(s.release.notes.0, Texts::default());
        assert_eq!(
            s.confirm[0].text.0,
            Texts::en("Saved.")
                .with("de", "Gesichert.")
                .with("pt-br", "Salvo.")
        );
        let s = parse(
            "[release.title]\nen = \"Title\"\nfr = \"Titre\"\n[release.notes]\nen = \"Notes\"",
            "",
        )
        .unwrap();
        assert_eq!(s.release.title.0, Texts::en("Title").with("fr", "Titre"));
        assert_eq!(s.release.notes.0, Texts::en("Notes"));
        // `notes = ""` is no notes.
        let s = parse("title = \"T\"\nnotes = \"\"", "").unwrap();
        assert!(s.release.notes.0.is_empty());
    }

    #[test]
    fn texts_without_english_are_refused() {
        refused(
            "title = { de = \"Titel\" }",
            "",
            "release title: has no English",
        );
        refused("title = \"\"", "", "release title: has no English");
        refused(
            "title = \"T\"\nnotes = { fr = \"Notes\" }",
            "",
            "release notes: has no English",
        );
        refused(
            "title = \"T\"",
            "[[confirm]]\nid = \"backup\"\ntext = { de = \"Gesichert.\" }",
            "confirmation \"backup\": has no English",
        );
    }

    #[test]
    fn bad_tags_and_empty_texts_are_refused() {
        for tag in ["EN", "de_DE", "pt-BR", "english", "\"d e\""] {
            refused(
                &format!("title = {{ en = \"T\", {tag} = \"x\" }}"),
                "",
                "is not a lowercase language tag",
            );
        }
        refused(
            "title = { en = \"T\", de = \"\" }",
            "",
            "the text in language \"de\" is empty",
        );
        refused(
            "title = \"T\"",
            "[[confirm]]\nid = \"backup\"\ntext = { en = \"  \" }",
            "the text in language \"en\" is empty",
        );
        refused("title = 1", "", "a string (English) or a table");
        refused("title = { en = 1 }", "", "invalid type");
    }

    #[test]
    fn the_old_text_de_key_is_refused_with_the_new_spelling() {
        refused(
            "title = \"T\"",
            "[[confirm]]\nid = \"backup\"\ntext = \"Saved.\"\ntext_de = \"Gesichert.\"",
            "`text_de` is no longer read; give every language in `text`: text = { en = \"…\", de = \"…\" }",
        );
    }

    fn exec(patterns: &[&str]) -> Result<ExecPatterns, String> {
        ExecPatterns::new(&patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn executable_patterns_match_paths_in_the_target() {
        let e = exec(&["bin/*", "**/*.exe", "tools/run-?.sh"]).unwrap();
        let hits = |p: &str| e.matching(p);
        assert_eq!(hits("bin/tool"), [0]);
        // `*` stays within one directory; `**/` spans any, none included.
        assert!(hits("bin/sub/tool").is_empty());
        assert_eq!(hits("setup.exe"), [1]);
        assert_eq!(hits("a/b/c/setup.exe"), [1]);
        assert_eq!(hits("bin/setup.exe"), [0, 1]);
        assert_eq!(hits("tools/run-1.sh"), [2]);
        assert!(hits("tools/run-10.sh").is_empty());
        // Case-sensitive, as bundle paths are; anchored at the target's top.
        assert!(hits("BIN/tool").is_empty());
        assert!(hits("setup.EXE").is_empty());
        assert!(hits("lib/bin/tool").is_empty());
        assert!(hits("bin").is_empty());
        let none = exec(&[]).unwrap();
        assert!(none.matching("bin/tool").is_empty());
    }

    #[test]
    fn bad_executable_patterns_are_refused_with_the_spec_named() {
        for (p, why) in [
            ("bin\\*", "use `/` between directories"),
            ("/bin/*", "relative to the target's `files` directory"),
            ("", "relative to the target's `files` directory"),
            ("bin/[a", "unclosed character class"),
            ("{a,b", "unclosed alternate group"),
        ] {
            let text = format!(
                "[release]\nid = \"R\"\nversion = \"1.0.0\"\nsequence = 1\ntitle = \"T\"\n{TARGET}executable = [{p:?}]\n"
            );
            let e = Spec::parse(&text, Path::new("release.toml"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("release.toml"), "{e}");
            assert!(
                e.contains(&format!("target \"M\": executable pattern {p:?}")),
                "{e}"
            );
            assert!(e.contains(why), "{e:?} does not say {why:?}");
        }
        let text = format!(
            "[release]\nid = \"R\"\nversion = \"1.0.0\"\nsequence = 1\ntitle = \"T\"\n{TARGET}executable = [\"bin/*\"]\n"
        );
        let s = Spec::parse(&text, Path::new("release.toml")).unwrap();
        assert_eq!(
            s.targets[0].executable.as_deref(),
            Some(&["bin/*".to_owned()][..])
        );
    }

    #[test]
    fn a_notice_table_is_read_and_its_date_checked() {
        let notice = "title = \"T\"\n[release.notice]\nid = \"FSN2022-1230\"\ndate = \"2022-05-04\"\nreturn_to = \"qa@example.com\"";
        let s = parse(notice, "").unwrap();
        let n = s.release.notice.unwrap();
        assert_eq!(
            (n.id.as_str(), n.date.as_str()),
            ("FSN2022-1230", "2022-05-04")
        );
        assert!(parse("title = \"T\"", "").unwrap().release.notice.is_none());
        for (bad, why) in [
            ("2022-5-4", "YYYY-MM-DD"),
            ("2022-13-01", "YYYY-MM-DD"),
            ("04.05.2022", "YYYY-MM-DD"),
            ("", "printable"),
        ] {
            refused(&notice.replace("2022-05-04", bad), "", why);
        }
        refused(
            &notice.replace("qa@example.com", "a\\u001b[2Jb"),
            "",
            "printable",
        );
        refused(&format!("{notice}\nphone = \"1\""), "", "unknown field");
    }
}
