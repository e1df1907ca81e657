//! Escaping of target-controlled bytes before they reach a terminal or a
//! trace line. Everything the target hands us (paths, argv, comm) may hold
//! control characters or invalid UTF-8; printing it raw could rewrite the
//! user's terminal.

use std::fmt::Write;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Escapes `bytes` for display: valid UTF-8 printable characters stay as
/// they are, `\` and `"` are backslash-escaped, well-known controls become
/// `\n`, `\t`, `\r`, `\e`, other controls and invalid bytes become `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            escape_char(&mut out, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

fn escape_char(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '"' => out.push_str("\\\""),
        c => escape_control(out, c),
    }
}

/// Controls and invisible format characters only; quotes and backslashes
/// stay as they are.
fn escape_control(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\x1b' => out.push_str("\\e"),
        c if c.is_control() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if invisible(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Characters that change how text reads without showing themselves:
/// format characters (category Cf: zero-width spaces and joiners, bidi
/// embeddings, overrides and isolates, the BOM), the line and paragraph
/// separators (Zl, Zp), which break a terminal row, and the Bidi_Control
/// property (the "Trojan Source" set), which today is all Cf but is named
/// by its own property.
fn invisible(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::Control
    ) || is_bidi_control(c)
}

/// Unicode's Bidi_Control property (PropList.txt).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Makes a message that quotes user input safe to print on one line:
/// control and format characters are escaped as in [`escape_bytes`], but
/// quotes and backslashes are left alone, as the message's own text uses
/// them.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        escape_control(&mut out, c);
    }
    out
}

/// Escapes a `str` the same way (used for text that came from the target
/// but already went through a lossy conversion).
pub fn escape_str(s: &str) -> String {
    escape_bytes(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(escape_bytes(b"/tmp/x y"), "/tmp/x y");
        assert_eq!(escape_bytes("/tmp/ü".as_bytes()), "/tmp/ü");
    }

    #[test]
    fn controls_and_invalid_bytes_are_escaped() {
        assert_eq!(escape_bytes(b"a\x1b[31mb"), "a\\e[31mb");
        assert_eq!(escape_bytes(b"a\nb\x07"), "a\\nb\\x07");
        assert_eq!(escape_bytes(b"\xff\xfe"), "\\xff\\xfe");
        assert_eq!(escape_bytes(b"q\"\\"), "q\\\"\\\\");
        assert_eq!(escape_bytes("x\u{202e}y".as_bytes()), "x\\u{202e}y");
        assert_eq!(escape_bytes("\u{9b}".as_bytes()), "\\x9b");
    }

    #[test]
    fn one_line_keeps_quotes_and_escapes_controls() {
        assert_eq!(
            one_line("unknown `a\nb` in \"x\\y\""),
            "unknown `a\\nb` in \"x\\y\""
        );
        assert_eq!(one_line("\x1b[2J\u{202e}"), "\\e[2J\\u{202e}");
    }

    #[test]
    fn invisible_and_direction_changing_characters_are_escaped() {
        let cases = [
            ('\u{2028}', "\\u{2028}"), // line separator (Zl)
            ('\u{2029}', "\\u{2029}"), // paragraph separator (Zp)
            ('\u{200b}', "\\u{200b}"), // zero-width space (Cf)
            ('\u{200d}', "\\u{200d}"),
            ('\u{200e}', "\\u{200e}"), // bidi marks
            ('\u{061c}', "\\u{61c}"),
            ('\u{202a}', "\\u{202a}"),
            ('\u{202e}', "\\u{202e}"),
            ('\u{2060}', "\\u{2060}"), // word joiner
            ('\u{2064}', "\\u{2064}"),
            ('\u{2066}', "\\u{2066}"), // isolates
            ('\u{2069}', "\\u{2069}"),
            ('\u{feff}', "\\u{feff}"),   // BOM
            ('\u{00ad}', "\\u{ad}"),     // soft hyphen (Cf)
            ('\u{e0001}', "\\u{e0001}"), // language tag (Cf)
        ];
        for (c, want) in cases {
            let s = format!("a{c}b");
            assert_eq!(escape_bytes(s.as_bytes()), format!("a{want}b"), "{c:?}");
            assert_eq!(one_line(&s), format!("a{want}b"), "{c:?}");
        }
        // Visible text of other scripts stays as it is.
        assert_eq!(
            escape_bytes("/tmp/日本 ünï ا".as_bytes()),
            "/tmp/日本 ünï ا"
        );
    }

    #[test]
    fn every_character_the_classes_name_is_escaped() {
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            let shown = escape_bytes(c.to_string().as_bytes());
            let hidden = matches!(
                c.general_category(),
                GeneralCategory::Control
                    | GeneralCategory::Format
                    | GeneralCategory::LineSeparator
                    | GeneralCategory::ParagraphSeparator
            );
            if hidden {
                assert!(shown.starts_with('\\'), "{:x} shown as {shown:?}", c as u32);
            }
        }
    }
}
