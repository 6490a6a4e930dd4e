//! Untrusted text made safe to show: a name, title or error quoting input
//! must never move the cursor, clear the screen, reorder what follows it or
//! hide in plain sight. Such characters are shown as `\u{…}` instead.

use std::borrow::Cow;

/// Whether `c` would act on a terminal or on how text is laid out, rather
/// than be seen: C0 and C1 controls, DEL, bidirectional controls, zero-width
/// characters, line and paragraph separators, the byte-order mark.
pub fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        // Default-ignorable: they draw nothing.
        | '\u{ad}' | '\u{34f}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{ffa0}'
        | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e007f}' | '\u{e0100}'..='\u{e01ef}')
}

/// `s` with every hidden character written as `\u{…}`; borrowed when there
/// is none (the common case).
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text for HTML (and XHTML): visible, with markup characters as entities.
pub fn html(s: &str) -> String {
    visible(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Text for Markdown, also inside a table cell: visible, every character
/// Markdown or a renderer's HTML could act on escaped.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in visible(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // Without `[` and `]` no link or image can form, so `(`, `)`
            // and `!` stay; our own texts keep their punctuation.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// One CSV cell (RFC 4180): visible; a cell a spreadsheet would run as a
/// formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`.
pub fn csv_cell(s: &str) -> String {
    let s = visible(s);
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.into_owned()
    };
    // Quoted whenever it holds any separator `--csv-delimiter` may choose.
    if s.contains([',', ';', '|', '\t', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_controls_are_shown_not_obeyed() {
        assert_eq!(visible("\u{1b}[2J\u{1b}[32mOK"), "\\u{1b}[2J\\u{1b}[32mOK");
        assert_eq!(visible("evil\u{202e}fdp.exe"), "evil\\u{202e}fdp.exe");
        assert_eq!(
            visible("a\u{9b}b\u{200b}c\u{2028}d\u{feff}"),
            "a\\u{9b}b\\u{200b}c\\u{2028}d\\u{feff}"
        );
        assert_eq!(visible("line\nbreak\ttab"), "line\\u{a}break\\u{9}tab");
        assert!(matches!(visible("Zürich Ünïcödé 東京"), Cow::Borrowed(_)));
    }

    #[test]
    fn documents_get_text_not_markup() {
        assert_eq!(
            html("<script>alert(1)</script> & \"x\""),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"
        );
        assert_eq!(
            markdown("<b>[x](javascript:1)</b>|*_`"),
            "&lt;b&gt;\\[x\\](javascript:1)&lt;/b&gt;\\|\\*\\_\\`"
        );
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("NB551234"), "NB551234");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
    }
}
