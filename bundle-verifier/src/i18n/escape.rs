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
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
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
}
