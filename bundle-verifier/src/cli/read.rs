//! `verify`, `inspect`, `extract`, `trust show`: reading bundles and trust
//! roots, changing nothing on the instrument.

use std::path::Path;

use bundle_verifier::audit::record::{ErrorRecord, VerifyRecord};
use bundle_verifier::format::sbom::SbomSummary;
use bundle_verifier::i18n::{fl, visible, Lang};
use bundle_verifier::trust::read_root_file;
use bundle_verifier::trust::{judged_by, key_list};
use bundle_verifier::{
    extract, extract_sbom, inspect, verify, Error, Limits, TrustedKeys, Verified, VerifyOptions,
    VerifyReport,
};

use super::args::{ExtractArgs, InspectArgs, VerifyArgs};
use super::out::outln;
use super::{labelled, name, print_json, progress_bar, Failure, Outcome};

pub fn run_verify(a: VerifyArgs, lang: Lang) -> Outcome {
    let limits = Limits::default();
    let r = (|| -> Result<_, Error> {
        let trust = a.trust.load(None)?;
        let bar = progress_bar(&a.bundle, fl!(lang, "progress-verify"));
        let _volumes = super::show_volumes(&bar, lang);
        let opts = VerifyOptions {
            limits,
            deep: a.deep,
        };
        let r = verify(&a.bundle, &trust, &opts, &|n| bar.inc(n));
        bar.finish_and_clear();
        r
    })();
    let now = bundle_verifier::instrument::state::now_rfc3339();
    match r {
        Ok(r) if a.json => print_json(&VerifyRecord::new(&r, now)),
        Ok(r) => print_verified(lang, &r),
        // The error record replaces the generic error object.
        Err(e) if a.json => {
            print_json(&ErrorRecord::new(&a.bundle, &e, now));
            return (false, Err(e.into()));
        }
        Err(e) => return (false, Err(e.into())),
    }
    (a.json, Ok(()))
}

pub fn run_inspect(a: InspectArgs, lang: Lang) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let i = inspect(&a.bundle, &Limits::default())?;
        if a.json {
            print_json(&i);
            return Ok(());
        }
        outln!("{}", fl!(lang, "unverified"));
        let r = &i.manifest.release;
        release_line(lang, &r.id, &r.version, r.sequence, r.title_in(lang.tag()));
        let notes = r.notes_in(lang.tag());
        if !notes.is_empty() {
            labelled(fl!(lang, "label-notes"), visible(notes).into_owned());
        }
        outln!(
            "  {}",
            fl!(
                lang,
                "claims-signatures",
                ids = key_list(lang, &i.signed_by)
            )
        );
        if !i.trust_roots.is_empty() {
            let v: Vec<String> = i.trust_roots.iter().map(|v| v.to_string()).collect();
            outln!("  {}", fl!(lang, "carries-roots", versions = v.join(", ")));
        }
        labelled(
            fl!(lang, "label-manifest"),
            format!("sha256 {}", i.manifest_sha256),
        );
        for t in &i.manifest.targets {
            let requires = t
                .requires_version
                .clone()
                .unwrap_or_else(|| fl!(lang, "any-version"));
            let text = fl!(
                lang,
                "target-claim",
                model = &t.model,
                mode = &t.mode,
                udi_di = t.udi_di.join(", "),
                catalog = t.catalog.join(", "),
                requires = requires,
                files = i.manifest.files_of(t).len()
            );
            labelled(fl!(lang, "label-target"), text);
            print_target_actions(lang, &t.actions);
        }
        if let Some(s) = &i.sbom {
            print_sbom(lang, s);
        }
        Ok(())
    })();
    (a.json, r)
}

pub fn run_extract(a: ExtractArgs, lang: Lang) -> Outcome {
    let limits = Limits::default();
    let r = (|| -> Result<(), Failure> {
        let trust = a.trust.load(None)?;
        if let Some(file) = &a.sbom {
            let r = extract_sbom(&a.bundle, &trust, file, &limits)?;
            if a.json {
                print_json(&serde_json::json!({"ok": true, "sbom": r}));
            } else {
                let kind = format!("{} {}", r.sbom.format.name(), r.sbom.spec_version);
                let n = r.sbom.components.len();
                let out = &r.out;
                outln!(
                    "{}",
                    fl!(
                        lang,
                        "sbom-extracted",
                        kind = kind,
                        components = n,
                        out = out
                    )
                );
            }
            if a.model.is_none() {
                return Ok(());
            }
        }
        let (Some(model), Some(mode), Some(out)) = (a.model, a.mode, a.out) else {
            unreachable!("clap requires --model, --mode and --out together")
        };
        let bar = progress_bar(&a.bundle, fl!(lang, "progress-stage"));
        let _volumes = super::show_volumes(&bar, lang);
        let r = extract(&a.bundle, &trust, &model, &mode, &out, &limits, &|n| {
            bar.inc(n)
        });
        bar.finish_and_clear();
        let r = r?;
        if a.json {
            print_json(&serde_json::json!({"ok": true, "extracted": r}));
        } else {
            let text = fl!(
                lang,
                "extracted",
                files = r.files,
                model = &r.model,
                mode = &r.mode,
                out = &r.out
            );
            outln!("{text}");
        }
        Ok(())
    })();
    (a.json, r)
}

fn release_line(lang: Lang, id: &str, version: &str, sequence: u64, title: &str) {
    let release = name(lang, id, version, sequence);
    labelled(
        fl!(lang, "label-release"),
        fl!(lang, "release-line", release = release, title = title),
    );
}

fn print_verified(lang: Lang, r: &VerifyReport) {
    let bundle = &r.bundle;
    outln!("{}", fl!(lang, "verified", bundle = bundle));
    let rel = r.release();
    release_line(
        lang,
        &rel.id,
        &rel.version,
        rel.sequence,
        rel.title_in(lang.tag()),
    );
    print_signatures(lang, &r.signatures);
    labelled(
        fl!(lang, "label-manifest"),
        format!("sha256 {}", r.manifest_sha256),
    );
    let p = &r.manifest.payload;
    let deep = if r.deep { "yes" } else { "no" };
    let text = fl!(
        lang,
        "payload-line",
        sha256 = p.sha256.to_string(),
        size = p.size,
        deep = deep
    );
    labelled(fl!(lang, "label-payload"), text);
    for t in r.targets() {
        let text = fl!(
            lang,
            "target-line",
            model = &t.model,
            mode = &t.mode,
            files = t.files,
            bytes = t.bytes
        );
        labelled(fl!(lang, "label-target"), text);
        print_target_actions(lang, &t.actions);
    }
    if let Some(s) = &r.sbom {
        print_sbom(lang, s);
    }
}

/// A target's install actions in plain words, under its line.
fn print_target_actions(lang: Lang, actions: &[bundle_verifier::format::manifest::InstallAction]) {
    if actions.is_empty() {
        return;
    }
    outln!("  {}", fl!(lang, "actions-heading"));
    for line in bundle_verifier::instrument::actions::describe(lang, actions) {
        outln!("    {line}");
    }
}

/// At most this many SBOM components are listed on a terminal; `--json` has all.
const SBOM_SHOWN: usize = 40;

fn print_sbom(lang: Lang, s: &SbomSummary) {
    let kind = format!("{} {}", s.format.name(), s.spec_version);
    let text = fl!(
        lang,
        "sbom-line",
        kind = kind,
        components = s.components.len(),
        sha256 = s.sha256.to_string()
    );
    labelled(fl!(lang, "label-sbom"), text);
    for c in s.components.iter().take(SBOM_SHOWN) {
        let version = c
            .version
            .clone()
            .unwrap_or_else(|| fl!(lang, "sbom-no-version"));
        let purl = c
            .purl
            .as_deref()
            .map(|p| format!("  {p}"))
            .unwrap_or_default();
        outln!("            {} {version}{purl}", c.name);
    }
    if s.components.len() > SBOM_SHOWN {
        let more = s.components.len() - SBOM_SHOWN;
        outln!("            {}", fl!(lang, "sbom-more", more = more));
    }
}

pub fn print_signatures(lang: Lang, v: &Verified) {
    let text = fl!(
        lang,
        "signed-by",
        ids = key_list(lang, &v.counted),
        counted = v.counted.len(),
        threshold = v.threshold,
        judged_by = judged_by(lang, v.trust_root)
    );
    outln!("  {text}");
    for s in &v.ignored {
        let why = s.why.text(lang);
        let text = fl!(lang, "not-counted", key_id = s.key_id.as_str(), why = why);
        outln!("  {text}");
    }
    for n in &v.trust_root_updates {
        outln!("  {}", fl!(lang, "trust-root-accepted", version = *n));
    }
    let day = v.judged_on.to_string();
    let clock = v.clock.text(lang);
    outln!("  {}", fl!(lang, "expiry-judged", day = day, clock = clock));
}

pub fn trust_show(path: &Path, json: bool, lang: Lang) -> Outcome {
    (json, show_root(path, json, lang).map_err(Failure::from))
}

fn show_root(path: &Path, json: bool, lang: Lang) -> Result<(), Error> {
    let doc = read_root_file(path)?;
    let status = TrustedKeys::from_root(doc.clone()).map(|_| ());
    let s = doc.signed();
    if json {
        print_json(&serde_json::json!({
            "ok": true,
            "valid": status.is_ok(),
            "problem": status.as_ref().err().map(|e| e.to_string()),
            "signed_by": doc.file.signatures.iter().map(|s| &s.key_id).collect::<Vec<_>>(),
            "trust_root": s,
        }));
        return Ok(());
    }
    let head = fl!(
        lang,
        "trust-show-head",
        version = s.version,
        issued = s.issued.to_string(),
        path = path
    );
    outln!("{head}");
    match &status {
        Ok(()) => {
            let t = s.root_threshold;
            outln!("  {}", fl!(lang, "trust-show-valid", threshold = t));
        }
        Err(e) => outln!(
            "  {}",
            fl!(lang, "trust-show-invalid", problem = e.text(lang))
        ),
    }
    let (t, n) = (s.root_threshold, s.root_keys.len());
    outln!(
        "  {}",
        fl!(lang, "trust-show-root-keys", threshold = t, count = n)
    );
    for k in &s.root_keys {
        outln!("    {}", k.key_id);
    }
    let (t, n) = (s.release_threshold, s.release_keys.len());
    outln!(
        "  {}",
        fl!(lang, "trust-show-release-keys", threshold = t, count = n)
    );
    for k in &s.release_keys {
        let expires = k
            .expires
            .as_ref()
            .map_or_else(|| fl!(lang, "trust-show-never"), |d| d.to_string());
        let models = k
            .scope
            .as_ref()
            .map_or_else(|| fl!(lang, "trust-show-all"), |m| m.join(", "));
        let text = fl!(
            lang,
            "trust-show-key",
            key_id = k.key_id.as_str(),
            expires = expires,
            models = models
        );
        outln!("    {text}");
    }
    let revoked = key_list(lang, &s.revoked);
    outln!("  {}", fl!(lang, "trust-show-revoked", ids = revoked));
    let signers: Vec<_> = doc
        .file
        .signatures
        .iter()
        .map(|s| s.key_id.clone())
        .collect();
    let signers = key_list(lang, &signers);
    outln!("  {}", fl!(lang, "trust-show-signed-by", ids = signers));
    Ok(())
}
