//! The form as printable HTML (also well-formed XML), laid out for A4 paper
//! as Chromium prints it: page 1 is the form itself, statements with the
//! signature and date directly under them; the annex (every serial × mode
//! and its evidence) starts on a new page; every page carries the notice's
//! reference and its page number in the `@page` margin boxes.

use super::{evidence, fill, tick, Answer, Text, EMPTY};
use crate::audit::report::{Report, Status};
use crate::i18n::{visible, Lang};

fn esc(s: &str) -> String {
    crate::i18n::html(s)
}

/// `s` as a CSS string literal: anything but letters, digits and spaces as a
/// hex escape, so no text can end the string, the rule or the `<style>`.
fn css_string(s: &str) -> String {
    let mut o = String::from("\"");
    for c in visible(s).chars() {
        if c.is_alphanumeric() || c == ' ' {
            o.push(c);
        } else {
            o += &format!("\\{:x} ", c as u32);
        }
    }
    o.push('"');
    o
}

const CSS: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:8.5pt;line-height:1.25;margin:0}\
h1{font-size:14pt;margin:0 0 1mm}h2{font-size:10pt;margin:2.5mm 0 1mm;break-after:avoid}\
p{margin:1mm 0}table{border-collapse:collapse;width:100%;margin:1mm 0}\
td,th{border:0.5pt solid #000;padding:0.8mm 1.5mm;text-align:left;vertical-align:top}\
.notice{font-weight:bold;font-size:10pt}.unverified{font-weight:bold;border:1pt solid #000;padding:1mm}\
.box{font-size:1em;white-space:nowrap}.yn{white-space:nowrap;width:25mm}.quantity{width:16mm}\
.why{font-style:italic;font-size:7.5pt;color:#333}.model{font-size:7.5pt}\
.fill td{height:6mm}.fill th{width:50%}.tick{width:6mm}.sign td{height:13mm;vertical-align:bottom;width:50%}\
.provenance{font-size:6.5pt;color:#333;margin-top:1.5mm}.provenance td{border:none;padding:0 1.5mm 0 0}\
.digest{font-family:'DejaVu Sans Mono',monospace;word-break:break-all}\
.form{break-inside:avoid}.annex{break-before:page}#annex td{font-size:7.5pt}tr{break-inside:avoid}\
@media screen{body{max-width:180mm;margin:1em auto}}";

/// The `@page` rule: A4, the notice's reference at the top of every page
/// and the page number at the bottom.
fn page_css(t: &Text, reference: &str) -> String {
    format!(
        "@page{{size:A4;margin:14mm 14mm 16mm 14mm;font-family:'DejaVu Sans',Arial,sans-serif;\
         @top-left{{content:{};font-size:7.5pt;font-family:sans-serif}}\
         @top-right{{content:{};font-size:7.5pt;font-family:sans-serif}}\
         @bottom-right{{content:{} counter(page) {} counter(pages);font-size:7.5pt;font-family:sans-serif}}}}",
        css_string(reference),
        css_string(&t.title()),
        css_string(&format!("{} ", t.get("form-page"))),
        css_string(&format!(" {} ", t.get("form-page-of"))),
    )
}

/// The form as printable HTML; also well-formed XML.
pub fn html(r: &Report, lang: Lang) -> String {
    let t = Text { lang };
    let f = fill(r, &t);
    let code = lang.tag();
    let mut o = format!(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"{code}\" xml:lang=\"{code}\">\n<head><meta charset=\"utf-8\"/><title>{}</title><style>{}{CSS}</style></head>\n<body>\n<div class=\"form\">\n",
        esc(&t.title()),
        page_css(&t, &f.notice)
    );
    o += &format!(
        "<h1>{}</h1>\n<p class=\"notice\" id=\"notice\">{}</p>\n",
        esc(&t.title()),
        esc(&f.notice)
    );
    if let Some(to) = &f.return_to {
        o += &format!("<p id=\"return-to\">{}</p>\n", esc(to));
    }
    if f.unverified {
        o += &format!(
            "<p class=\"unverified\" id=\"unverified\">{}</p>\n",
            esc(&t.get("form-unverified"))
        );
    }
    o += &format!("<p>{}</p>\n", esc(&t.intro(&r.release)));
    o += &format!(
        "<table><tr><th>{}</th><td id=\"company\">{}</td></tr></table>\n",
        esc(&t.company()),
        esc(&f.companies)
    );
    o += &format!(
        "<p>{}</p>\n<table id=\"products\"><tr><th class=\"tick\"></th><th>{}</th><th class=\"quantity\">{}</th><th>{}</th></tr>\n",
        esc(&t.mark_all()),
        esc(&t.product()),
        esc(&t.quantity()),
        esc(&t.serials())
    );
    for p in &f.products {
        let model = if p.model.is_empty() {
            String::new()
        } else {
            format!("<div class=\"model\">{}</div>", esc(&p.model))
        };
        o += &format!(
            "<tr class=\"product\"><td class=\"box\">{}</td><td>{}{model}</td><td class=\"quantity\">{}</td><td class=\"serials\">{}</td></tr>\n",
            tick(p.ticked()),
            esc(&p.label),
            p.serials.len(),
            esc(&p.serial_list(&t))
        );
    }
    o += "</table>\n";
    o += &format!(
        "<h2>{}</h2>\n<table class=\"fill\"><tr><th>{}</th><td></td></tr><tr><th>{}</th><td></td></tr></table>\n",
        esc(&t.your_details()),
        esc(&t.name_print()),
        esc(&t.job_title())
    );
    let stmt = |id: &str, text: String, a: Option<&Answer>, why: String| {
        let yes = a.is_some_and(|a| a.yes);
        format!(
            "<tr class=\"statement\" id=\"{id}\" data-ticked=\"{}\"><td>{}<div class=\"why\">{}: {}</div></td><td class=\"yn\">{} {} {} {}</td></tr>\n",
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
        "<h2>{} <span class=\"box\">({} {EMPTY})</span></h2>\n<table>\n",
        esc(&t.distributor()),
        esc(&t.not_applicable())
    );
    o += &stmt("identified", t.d_identified(), None, t.distributor_why());
    o += &format!(
        "<tr id=\"informed\"><td>{}<div class=\"why\">{}: {}</div></td><td class=\"yn\"></td></tr>\n</table>\n",
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
        "<table class=\"sign\" id=\"signature\"><tr><td>{}</td><td>{}</td></tr></table>\n",
        esc(&t.signature()),
        esc(&t.date())
    );
    o += "<table class=\"provenance\" id=\"provenance\">\n";
    for (k, v) in &f.provenance {
        o += &format!(
            "<tr><td>{}</td><td class=\"digest\">{}</td></tr>\n",
            esc(k),
            esc(v)
        );
    }
    o += "</table>\n</div>\n";
    o += &format!(
        "<h2 class=\"annex\">{}</h2>\n<table id=\"annex\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        esc(&t.annex()),
        esc(&t.serials()),
        esc(&t.mode()),
        esc(&t.status_col()),
        esc(&t.when()),
        esc(&t.evidence())
    );
    for row in &r.rows {
        o += &format!(
            "<tr class=\"row\" data-status=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            row.status.as_str(),
            esc(&row.serial),
            esc(&row.mode),
            esc(&t.status(row.status)),
            esc(row.time.as_deref().filter(|_| row.status == Status::Patched).unwrap_or("")),
            esc(&evidence(row, lang))
        );
    }
    o += "</table>\n</body>\n</html>\n";
    o
}

#[cfg(test)]
mod tests {
    use super::css_string;

    #[test]
    fn css_strings_cannot_end_the_string_rule_or_style() {
        let s = css_string("a\"}</style><script>\\ b");
        assert_eq!(&s[..2], "\"a");
        assert!(!s[1..s.len() - 1].contains(['"', '}', '<', '>']), "{s}");
        assert!(s.ends_with('"'));
    }
}
