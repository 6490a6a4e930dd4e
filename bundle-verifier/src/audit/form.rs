//! The field safety notice's verification form, filled from a [`Report`]:
//! Markdown or printable HTML (well-formed XHTML), in any shipped language. All
//! the form's texts are looked up through `Text` (`audit.ftl`). A statement the
//! evidence does not support is left unticked and the form says why.

use std::collections::BTreeMap;

use crate::audit::report::{Report, Status};
use crate::i18n::{fl, Lang};

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
}

/// A yes/no statement: which box the evidence ticks, and why.
struct Answer {
    yes: bool,
    why: String,
}

/// What the form says, before it is laid out as Markdown or HTML.
struct Filled {
    companies: String,
    /// model → serials (instruments, not standalone installs)
    products: BTreeMap<String, Vec<String>>,
    standalone: Vec<String>,
    software: Answer,
    patched: Answer,
    ack: String,
}

/// Standalone install: one expected mode, RUO.
fn is_standalone(modes: &[&str]) -> bool {
    modes == ["RUO"]
}

fn fill(r: &Report, t: &Text) -> Filled {
    // Per serial, in registry order of first appearance: modes and statuses.
    let mut order: Vec<&str> = Vec::new();
    let mut by_serial: BTreeMap<&str, Vec<&crate::audit::report::Row>> = BTreeMap::new();
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
    let mut products: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut standalone = Vec::new();
    let (mut dual, mut both, mut sa_done) = (0, 0, 0);
    let mut silent = Vec::new();
    for s in &order {
        let rows = &by_serial[s];
        let modes: Vec<&str> = rows.iter().map(|x| x.mode.as_str()).collect();
        let all = rows.iter().all(|x| x.status == Status::Patched);
        if is_standalone(&modes) {
            standalone.push(s.to_string());
            sa_done += usize::from(all);
        } else {
            products
                .entry(rows[0].model.clone())
                .or_default()
                .push(s.to_string());
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
    Filled {
        companies: companies.join("; "),
        ack: t.ack_evidence(both, dual, sa_done, standalone.len()),
        products,
        standalone,
        software,
        patched,
    }
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

/// The form as Markdown.
pub fn markdown(r: &Report, lang: Lang) -> String {
    let t = Text { lang };
    let f = fill(r, &t);
    let mut o = String::new();
    let m = crate::i18n::markdown;
    let mut line = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    line(format!("# {}\n", m(&t.title())));
    line(format!("{}\n", m(&t.intro(&r.release))));
    line(format!("**{}:** {}\n", m(&t.company()), m(&f.companies)));
    line(format!("{}\n", m(&t.mark_all())));
    line(format!(
        "| | {} | {} | {} |",
        m(&t.product()),
        m(&t.quantity()),
        m(&t.serials())
    ));
    line("|---|---|---|---|".into());
    for (model, serials) in &f.products {
        line(format!(
            "| {TICKED} | {} | {} | {} |",
            m(model),
            serials.len(),
            m(&serials.join(", "))
        ));
    }
    line(format!(
        "| {} | {} | {} | {} |\n",
        tick(!f.standalone.is_empty()),
        m(&t.standalone()),
        f.standalone.len(),
        m(&f.standalone.join(", "))
    ));
    line(format!("## {}\n", m(&t.your_details())));
    line(format!("{} ____________________\n", m(&t.name_print())));
    line(format!("{} ____________________\n", m(&t.job_title())));
    line(format!("## {}\n", m(&t.customer())));
    let stmt = |o: &mut Vec<String>, text: String, a: Option<&Answer>, why: String| {
        let yes = a.is_some_and(|a| a.yes);
        o.push(format!(
            "- {text}  \n  {} {} {} {}  \n  *{}: {}*",
            m(&t.yes()),
            tick(yes),
            m(&t.no()),
            EMPTY,
            m(&t.evidence()),
            m(&a.map_or(why, |a| a.why.clone()))
        ));
    };
    let mut items = Vec::new();
    stmt(&mut items, m(&t.s_received()), None, t.not_from_receipts());
    stmt(
        &mut items,
        m(&t.s_software()),
        Some(&f.software),
        String::new(),
    );
    stmt(&mut items, m(&t.s_users()), None, t.not_from_receipts());
    stmt(
        &mut items,
        m(&t.s_patched()),
        Some(&f.patched),
        String::new(),
    );
    line(items.join("\n") + "\n");
    line(format!(
        "## {} — {} {EMPTY}\n",
        m(&t.distributor()),
        m(&t.not_applicable())
    ));
    let mut items = Vec::new();
    stmt(&mut items, m(&t.d_identified()), None, t.distributor_why());
    line(items.join("\n"));
    line(format!(
        "- {} ____________  \n  *{}: {}*\n",
        m(&t.d_informed()),
        m(&t.evidence()),
        m(&t.distributor_why())
    ));
    line(format!("{}\n", m(&t.acknowledgement())));
    line(format!("*{}: {}*\n", m(&t.evidence()), m(&f.ack)));
    line(format!("____________________ {}\n", m(&t.signature())));
    line(format!("____________________ {}\n", m(&t.date())));
    line(format!("## {}\n", m(&t.annex())));
    line(format!(
        "| {} | {} | {} | {} |",
        m(&t.serials()),
        m(&t.mode()),
        m(&t.status_col()),
        m(&t.when())
    ));
    line("|---|---|---|---|".into());
    for row in &r.rows {
        line(format!(
            "| {} | {} | {} | {} |",
            m(&row.serial),
            m(&row.mode),
            m(&t.status(row.status)),
            m(row
                .time
                .as_deref()
                .filter(|_| row.status == Status::Patched)
                .unwrap_or(""))
        ));
    }
    o
}

fn esc(s: &str) -> String {
    crate::i18n::html(s)
}

const CSS: &str = "body{font-family:sans-serif;max-width:50em;margin:2em auto;font-size:11pt}\
table{border-collapse:collapse;width:100%;margin:0.5em 0}td,th{border:1px solid #000;padding:0.3em;text-align:left;vertical-align:top}\
.box{font-size:1.2em}.why{font-style:italic;font-size:0.9em;color:#333}.line{border-bottom:1px solid #000;min-height:1.5em;margin:1.5em 0 0.2em}\
@media print{body{margin:0;max-width:none;font-size:10pt}h2{page-break-after:avoid}tr{page-break-inside:avoid}.annex{page-break-before:always}}";

/// The form as printable HTML; also well-formed XML.
pub fn html(r: &Report, lang: Lang) -> String {
    let t = Text { lang };
    let f = fill(r, &t);
    let code = lang.tag();
    let mut o = format!(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"{code}\" xml:lang=\"{code}\">\n<head><meta charset=\"utf-8\"/><title>{}</title><style>{CSS}</style></head>\n<body>\n",
        esc(&t.title())
    );
    o += &format!(
        "<h1>{}</h1>\n<p>{}</p>\n",
        esc(&t.title()),
        esc(&t.intro(&r.release))
    );
    o += &format!(
        "<table><tr><th>{}</th><td id=\"company\">{}</td></tr></table>\n",
        esc(&t.company()),
        esc(&f.companies)
    );
    o += &format!(
        "<p>{}</p>\n<table id=\"products\"><tr><th></th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        esc(&t.mark_all()),
        esc(&t.product()),
        esc(&t.quantity()),
        esc(&t.serials())
    );
    let product_row = |ticked: bool, name: &str, serials: &[String]| {
        format!(
            "<tr class=\"product\"><td class=\"box\">{}</td><td>{}</td><td class=\"quantity\">{}</td><td class=\"serials\">{}</td></tr>\n",
            tick(ticked),
            esc(name),
            serials.len(),
            esc(&serials.join(", "))
        )
    };
    for (model, serials) in &f.products {
        o += &product_row(true, model, serials);
    }
    o += &product_row(!f.standalone.is_empty(), &t.standalone(), &f.standalone);
    o += "</table>\n";
    o += &format!(
        "<h2>{}</h2>\n<p>{}</p><div class=\"line\"></div>\n<p>{}</p><div class=\"line\"></div>\n",
        esc(&t.your_details()),
        esc(&t.name_print()),
        esc(&t.job_title())
    );
    let stmt = |id: &str, text: String, a: Option<&Answer>, why: String| {
        let yes = a.is_some_and(|a| a.yes);
        format!(
            "<tr class=\"statement\" id=\"{id}\" data-ticked=\"{}\"><td>{}<div class=\"why\">{}: {}</div></td><td class=\"box\">{} {} {} {}</td></tr>\n",
            if yes { "yes" } else { "none" },
            esc(&text),
            esc(&t.evidence()),
            esc(&a.map_or(why, |a| a.why.clone())),
            esc(&t.yes()),
            tick(yes),
            esc(&t.no()),
            EMPTY
        )
    };
    o += &format!("<h2>{}</h2>\n<table>\n", esc(&t.customer()));
    o += &stmt("received", t.s_received(), None, t.not_from_receipts());
    o += &stmt("software", t.s_software(), Some(&f.software), String::new());
    o += &stmt("users", t.s_users(), None, t.not_from_receipts());
    o += &stmt("patched", t.s_patched(), Some(&f.patched), String::new());
    o += "</table>\n";
    o += &format!(
        "<h2>{} <span class=\"box\">{} {EMPTY}</span></h2>\n<table>\n",
        esc(&t.distributor()),
        esc(&t.not_applicable())
    );
    o += &stmt("identified", t.d_identified(), None, t.distributor_why());
    o += &format!(
        "<tr id=\"informed\"><td>{}<div class=\"why\">{}: {}</div></td><td><div class=\"line\"></div></td></tr>\n</table>\n",
        esc(&t.d_informed()),
        esc(&t.evidence()),
        esc(&t.distributor_why())
    );
    o += &format!(
        "<p id=\"acknowledgement\">{}</p>\n<p class=\"why\">{}: {}</p>\n",
        esc(&t.acknowledgement()),
        esc(&t.evidence()),
        esc(&f.ack)
    );
    o += &format!(
        "<table><tr><td><div class=\"line\"></div>{}</td><td><div class=\"line\"></div>{}</td></tr></table>\n",
        esc(&t.signature()),
        esc(&t.date())
    );
    o += &format!(
        "<h2 class=\"annex\">{}</h2>\n<table id=\"annex\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        esc(&t.annex()),
        esc(&t.serials()),
        esc(&t.mode()),
        esc(&t.status_col()),
        esc(&t.when())
    );
    for row in &r.rows {
        o += &format!(
            "<tr class=\"row\" data-status=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            row.status.as_str(),
            esc(&row.serial),
            esc(&row.mode),
            esc(&t.status(row.status)),
            esc(row.time.as_deref().filter(|_| row.status == Status::Patched).unwrap_or(""))
        );
    }
    o += "</table>\n</body>\n</html>\n";
    o
}
