//! `report`: the auditor's fleet report and verification form.

use std::path::Path;

use bundle_verifier::audit::{form, registry::Registry, report};
use bundle_verifier::i18n::Lang;
use bundle_verifier::{Error, ExitClass, Limits};

use super::args::ReportArgs;
use super::out::out;
use super::{print_json, Failure, Outcome};

pub fn run_report(a: ReportArgs, lang: Lang) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let registry = Registry::load(&a.registry)?;
        let limits = Limits::default();
        let trust = match (&a.trust.trust_root, a.trust.trusted_key.is_empty()) {
            (None, true) => None,
            _ => Some(a.trust.load(None)?),
        };
        let bundle = match &a.bundle {
            Some(b) => Some(report::read_bundle(b, trust.as_ref(), &limits)?),
            None => None,
        };
        let release = match (a.release, &bundle) {
            (Some(id), Some((from_bundle, _))) if &id != from_bundle => {
                return Err(Error::Config(format!(
                    "--release {id} names another release than --bundle, which is {from_bundle}; give one of them"
                ))
                .into())
            }
            (_, Some((id, _))) => id.clone(),
            // A bundle names its release; its signatures are `verify`'s business.
            (Some(r), None) if Path::new(&r).is_file() => {
                bundle_verifier::inspect(Path::new(&r), &limits)?
                    .manifest
                    .release
                    .id
            }
            (Some(r), None) => r,
            (None, None) => unreachable!("clap requires --release or --bundle"),
        };
        let mut r = report::report(&a.receipts, &registry, &release)?;
        r.bundle = bundle.map(|(_, b)| b);
        let delimiter = match a.csv_delimiter.as_str() {
            "tab" => '\t',
            d => d.chars().next().unwrap_or(','),
        };
        match a.form.as_deref() {
            Some("html") => out!("{}", form::html(&r, lang)),
            Some(_) => out!("{}", form::markdown(&r, lang)),
            None if a.json => print_json(&r),
            None if a.csv => out!("{}", report::to_csv(&r, delimiter)),
            None => out!("{}", report::to_table(&r, lang)),
        }
        // Any serial × mode not patched, or a receipt in doubt: the answer is "no".
        if !r.summary.all_patched {
            return Err(Failure::Found(ExitClass::NotAsItShouldBe));
        }
        Ok(())
    })();
    (a.json, r)
}
