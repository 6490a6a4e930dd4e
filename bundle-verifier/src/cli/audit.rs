//! `report`: the auditor's fleet report and verification form.

use std::path::Path;

use bundle_verifier::audit::{form, registry::Registry, report};
use bundle_verifier::i18n::Lang;
use bundle_verifier::{ExitClass, Limits};

use super::args::ReportArgs;
use super::out::out;
use super::{print_json, Failure, Outcome};

pub fn run_report(a: ReportArgs, lang: Lang) -> Outcome {
    let r = (|| -> Result<(), Failure> {
        let registry = Registry::load(&a.registry)?;
        // A bundle names its release; its signatures are `verify`'s business.
        let release = if Path::new(&a.release).is_file() {
            bundle_verifier::inspect(Path::new(&a.release), &Limits::default())?
                .manifest
                .release
                .id
        } else {
            a.release
        };
        let r = report::report(&a.receipts, &registry, &release)?;
        match a.form.as_deref() {
            Some("html") => out!("{}", form::html(&r, lang)),
            Some(_) => out!("{}", form::markdown(&r, lang)),
            None if a.json => print_json(&r),
            None if a.csv => out!("{}", report::to_csv(&r)),
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
