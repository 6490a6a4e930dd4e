//! The form as Markdown, for a ticket or an e-mail.

use super::{fill, tick, Answer, Text, EMPTY};
use crate::audit::report::{Report, Status};
use crate::i18n::Lang;

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
    line(format!("**{}**\n", m(&f.notice)));
    if let Some(to) = &f.return_to {
        line(format!("{}\n", m(to)));
    }
    if f.unverified {
        line(format!("**{}**\n", m(&t.get("form-unverified"))));
    }
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
    for p in &f.products {
        let label = if p.model.is_empty() {
            m(&p.label)
        } else {
            format!("{} ({})", m(&p.label), m(&p.model))
        };
        line(format!(
            "| {} | {label} | {} | {} |",
            tick(p.ticked()),
            p.serials.len(),
            m(&p.serial_list(&t))
        ));
    }
    line(String::new());
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
    for (k, v) in &f.provenance {
        line(format!("{}: `{}`  ", m(k), m(v)));
    }
    line(String::new());
    line(format!("## {}\n", m(&t.annex())));
    line(format!(
        "| {} | {} | {} | {} | {} |",
        m(&t.serials()),
        m(&t.mode()),
        m(&t.status_col()),
        m(&t.when()),
        m(&t.evidence())
    ));
    line("|---|---|---|---|---|".into());
    for row in &r.rows {
        line(format!(
            "| {} | {} | {} | {} | {} |",
            m(&row.serial),
            m(&row.mode),
            m(&t.status(row.status)),
            m(row
                .time
                .as_deref()
                .filter(|_| row.status == Status::Patched)
                .unwrap_or("")),
            m(&super::evidence(row, lang))
        ));
    }
    o
}
