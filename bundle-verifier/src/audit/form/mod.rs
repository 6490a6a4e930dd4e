//! The field safety notice's verification form, filled from a [`Report`]:
//! Markdown (`markdown.rs`) or printable HTML (`html.rs`, well-formed XHTML,
//! A4 pages), in any shipped language. All the form's texts are looked up
//! through `Text` (`audit.ftl`). A statement the evidence does not support is
//! left unticked and the form says why.

use std::collections::BTreeMap;

use crate::audit::report::{Report, Row, Status};
use crate::i18n::{fl, Lang};

mod html;
mod markdown;

pub use html::html;
pub use markdown::markdown;

/// Every text of the form, per language.
struct Text {
    lang: Lang,
}

impl Text {
    fn title(&self) -> String {
        fl!(self.lang, "form-title")
    }
    fn intro(&self, release: &str) -> String {
        fl!(self.lang, "form-intro", release = release)
    }
    fn company(&self) -> String {
        fl!(self.lang, "form-company")
    }
    fn product(&self) -> String {
        fl!(self.lang, "form-product")
    }
    fn quantity(&self) -> String {
        fl!(self.lang, "form-quantity")
    }
    fn serials(&self) -> String {
        fl!(self.lang, "form-serials")
    }
    fn mark_all(&self) -> String {
        fl!(self.lang, "form-mark-all")
    }
    fn standalone(&self) -> String {
        fl!(self.lang, "form-standalone")
    }
    fn your_details(&self) -> String {
        fl!(self.lang, "form-your-details")
    }
    fn name_print(&self) -> String {
        fl!(self.lang, "form-name-print")
    }
    fn job_title(&self) -> String {
        fl!(self.lang, "form-job-title")
    }
    fn customer(&self) -> String {
        fl!(self.lang, "form-customer")
    }
    fn s_received(&self) -> String {
        fl!(self.lang, "form-s-received")
    }
    fn s_software(&self) -> String {
        fl!(self.lang, "form-s-software")
    }
    fn s_users(&self) -> String {
        fl!(self.lang, "form-s-users")
    }
    fn s_patched(&self) -> String {
        fl!(self.lang, "form-s-patched")
    }
    fn yes(&self) -> String {
        fl!(self.lang, "form-yes")
    }
    fn no(&self) -> String {
        fl!(self.lang, "form-no")
    }
    fn distributor(&self) -> String {
        fl!(self.lang, "form-distributor")
    }
    fn not_applicable(&self) -> String {
        fl!(self.lang, "form-not-applicable")
    }
    fn d_identified(&self) -> String {
        fl!(self.lang, "form-d-identified")
    }
    fn d_informed(&self) -> String {
        fl!(self.lang, "form-d-informed")
    }
    fn acknowledgement(&self) -> String {
        fl!(self.lang, "form-acknowledgement")
    }
    fn signature(&self) -> String {
        fl!(self.lang, "form-signature")
    }
    fn date(&self) -> String {
        fl!(self.lang, "form-date")
    }
    fn evidence(&self) -> String {
        fl!(self.lang, "form-evidence")
    }
    fn not_from_receipts(&self) -> String {
        fl!(self.lang, "form-not-from-receipts")
    }
    fn distributor_why(&self) -> String {
        fl!(self.lang, "form-distributor-why")
    }
    fn software_yes(&self, n: usize) -> String {
        fl!(self.lang, "form-software-yes", n = n)
    }
    fn software_why(&self, serials: &str) -> String {
        fl!(self.lang, "form-software-why", serials = serials)
    }
    fn patched_yes(&self, rows: usize, release: &str) -> String {
        fl!(
            self.lang,
            "form-patched-yes",
            release = release,
            rows = rows
        )
    }
    fn patched_why(&self, open: &str) -> String {
        fl!(self.lang, "form-patched-why", open = open)
    }
    fn ack_evidence(&self, both: usize, dual: usize, sa: usize, sa_all: usize) -> String {
        fl!(
            self.lang,
            "form-ack-evidence",
            both = both,
            dual = dual,
            sa = sa,
            sa_all = sa_all
        )
    }
    fn annex(&self) -> String {
        fl!(self.lang, "form-annex")
    }
    fn mode(&self) -> String {
        fl!(self.lang, "form-mode")
    }
    fn status_col(&self) -> String {
        fl!(self.lang, "form-status-col")
    }
    fn when(&self) -> String {
        fl!(self.lang, "form-when")
    }
    fn status(&self, s: Status) -> String {
        crate::audit::report::status_word(self.lang, s)
    }
    /// A text without variables.
    fn get(&self, id: &str) -> String {
        self.lang.text(id, None)
    }
    fn notice(&self, id: &str, date: &str) -> String {
        fl!(self.lang, "form-notice", id = id, date = date)
    }
    fn return_to(&self, to: &str) -> String {
        fl!(self.lang, "form-return-to", to = to)
    }
    fn more(&self, n: usize) -> String {
        fl!(self.lang, "form-more-in-annex", n = n)
    }
}

/// A yes/no statement: which box the evidence ticks, and why.
struct Answer {
    yes: bool,
    why: String,
}

/// One line of the product checklist.
struct ProductLine {
    /// The model, or for standalone software the form's words for it.
    label: String,
    /// The model under a standalone label; empty otherwise.
    model: String,
    serials: Vec<String>,
}

/// Serials listed on page 1 per product; the rest are in the annex.
const SERIALS_ON_FORM: usize = 30;

impl ProductLine {
    fn ticked(&self) -> bool {
        !self.serials.is_empty()
    }
    /// The serials as the form lists them: at most [`SERIALS_ON_FORM`].
    fn serial_list(&self, t: &Text) -> String {
        let mut s = self
            .serials
            .iter()
            .take(SERIALS_ON_FORM)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if self.serials.len() > SERIALS_ON_FORM {
            s += &format!(" {}", t.more(self.serials.len() - SERIALS_ON_FORM));
        }
        s
    }
}

/// What the form says, before it is laid out as Markdown or HTML.
struct Filled {
    companies: String,
    products: Vec<ProductLine>,
    software: Answer,
    patched: Answer,
    ack: String,
    /// The notice's reference line, where to send the form, and whether
    /// they come from a bundle whose signatures were not checked.
    notice: String,
    return_to: Option<String>,
    unverified: bool,
    /// Generation time, receipts read, registry and manifest digests.
    provenance: Vec<(String, String)>,
}

/// Standalone install: one expected mode, RUO.
fn is_standalone(modes: &[&str]) -> bool {
    modes == ["RUO"]
}

fn fill(r: &Report, t: &Text) -> Filled {
    // Per serial, in registry order of first appearance: modes and statuses.
    let mut order: Vec<&str> = Vec::new();
    let mut by_serial: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in &r.rows {
        let e = by_serial.entry(&row.serial).or_default();
        if e.is_empty() {
            order.push(&row.serial);
        }
        e.push(row);
    }
    let mut companies: Vec<&str> = r.rows.iter().map(|x| x.company.as_str()).collect();
    companies.sort();
    companies.dedup();
    let (mut dual, mut both, mut sa_done, mut sa_all) = (0, 0, 0, 0);
    let mut silent = Vec::new();
    // model → (standalone, serials), in registry order.
    let mut models: Vec<(String, bool, Vec<String>)> = Vec::new();
    for s in &order {
        let rows = &by_serial[s];
        let modes: Vec<&str> = rows.iter().map(|x| x.mode.as_str()).collect();
        let all = rows.iter().all(|x| x.status == Status::Patched);
        let standalone = is_standalone(&modes);
        if standalone {
            sa_all += 1;
            sa_done += usize::from(all);
        }
        match models.iter_mut().find(|m| m.0 == rows[0].model) {
            Some(m) => m.2.push(s.to_string()),
            None => models.push((rows[0].model.clone(), standalone, vec![s.to_string()])),
        }
        if rows[0].dual_boot {
            dual += 1;
            both += usize::from(all);
        }
        if rows.iter().all(|x| x.valid_receipts == 0) {
            silent.push(s.to_string());
        }
    }
    let software = if silent.is_empty() && !order.is_empty() {
        Answer {
            yes: true,
            why: t.software_yes(order.len()),
        }
    } else {
        Answer {
            yes: false,
            why: t.software_why(&silent.join(", ")),
        }
    };
    let open: Vec<String> = r
        .rows
        .iter()
        .filter(|x| x.status != Status::Patched)
        .map(|x| format!("{} {} ({})", x.serial, x.mode, t.status(x.status)))
        .collect();
    let patched = if r.summary.all_patched {
        Answer {
            yes: true,
            why: t.patched_yes(r.summary.rows, &r.release),
        }
    } else {
        Answer {
            yes: false,
            why: t.patched_why(&open.join(", ")),
        }
    };
    let notice = r.bundle.as_ref().and_then(|b| b.notice.as_ref());
    Filled {
        companies: companies.join("; "),
        ack: t.ack_evidence(both, dual, sa_done, sa_all),
        products: checklist(r, models, t),
        software,
        patched,
        notice: notice.map_or_else(|| r.release.clone(), |n| t.notice(&n.id, &n.date)),
        return_to: notice.map(|n| t.return_to(&n.return_to)),
        unverified: r.bundle.as_ref().is_some_and(|b| !b.verified),
        provenance: provenance(r, t),
    }
}

/// The product checklist: with a bundle, every product of the release in
/// the manifest's order (quantity 0 where the registry has none), then any
/// other model the registry lists; without, the registry's instrument
/// models by name, then the standalone installs.
fn checklist(
    r: &Report,
    mut models: Vec<(String, bool, Vec<String>)>,
    t: &Text,
) -> Vec<ProductLine> {
    let line = |model: String, standalone: bool, serials: Vec<String>| {
        if standalone {
            ProductLine {
                label: t.standalone(),
                model,
                serials,
            }
        } else {
            ProductLine {
                label: model,
                model: String::new(),
                serials,
            }
        }
    };
    let mut out = Vec::new();
    match &r.bundle {
        Some(b) => {
            for p in &b.products {
                let serials = match models.iter().position(|m| m.0 == p.model) {
                    Some(i) => models.remove(i).2,
                    None => Vec::new(),
                };
                out.push(line(p.model.clone(), p.standalone, serials));
            }
            out.extend(models.into_iter().map(|(m, sa, s)| line(m, sa, s)));
        }
        None => {
            models.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
            let (sa, inst): (Vec<_>, Vec<_>) = models.into_iter().partition(|m| m.1);
            out.extend(inst.into_iter().map(|(m, _, s)| line(m, false, s)));
            // One line for every standalone install, as the notice's form has.
            let serials: Vec<String> = sa.into_iter().flat_map(|m| m.2).collect();
            out.push(ProductLine {
                label: t.standalone(),
                model: String::new(),
                serials,
            });
        }
    }
    out
}

/// What ties the paper to the data, as (label, value) pairs.
fn provenance(r: &Report, t: &Text) -> Vec<(String, String)> {
    let none = || t.get("form-none");
    let mut v = vec![
        (t.get("form-generated"), r.generated.clone()),
        (t.get("form-receipts-read"), r.receipts_read.to_string()),
        (
            t.get("form-registry-sha256"),
            r.registry_sha256.map_or_else(none, |d| d.to_string()),
        ),
        (
            t.get("form-manifest-sha256"),
            r.bundle
                .as_ref()
                .map_or_else(none, |b| b.manifest_sha256.to_string()),
        ),
    ];
    if let Some(b) = &r.bundle {
        let how = if b.verified {
            t.get("form-bundle-verified")
        } else {
            t.get("form-bundle-unverified")
        };
        v.push((t.get("form-bundle"), how));
    }
    v
}

const TICKED: &str = "☒";
const EMPTY: &str = "☐";

fn tick(b: bool) -> &'static str {
    if b {
        TICKED
    } else {
        EMPTY
    }
}

/// A row's evidence for the annex: why it has its status, and the deciding receipt.
fn evidence(row: &Row, lang: Lang) -> String {
    let note = row.note.as_ref().map(|n| n.text(lang)).unwrap_or_default();
    match &row.receipt {
        Some(file) => format!("{note} ({file})"),
        None => note,
    }
}
