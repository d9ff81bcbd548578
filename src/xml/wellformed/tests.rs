//! Unit tests of the well-formedness checker.

use super::*;

#[test]
fn accepts_a_domain() {
    let x = "<?xml version='1.0'?>\n<!-- c -->\n<domain type='kvm'>\n  <name>a &amp; b</name>\n  <devices><disk type=\"file\" device='disk'/></devices>\n</domain>\n";
    assert_eq!(check(x), Ok(()));
}

#[test]
fn typographic_quote_is_named_at_its_place() {
    let e = check("<domain>\n  <disk type=“file”/>\n</domain>").expect_err("bad");
    assert_eq!((e.line, e.col), (2, 14));
    assert!(e.message.contains("typographic quote"), "{e}");
}

#[test]
fn non_ascii_names_and_text_are_read_whole() {
    let x = "<domaine><é x='ü'>ça « va »</é><b x='1'/><c x='2' y=\"3\"/></domaine>";
    assert_eq!(check(x), Ok(()));
    let e = check("<a>\n  çé ]]> x\n</a>").expect_err("]]> in text");
    assert_eq!((e.line, e.col), (2, 6));
    assert!(e.message.contains("]]&gt;"), "{e}");
    // At the end of the second value, where libxml2 reports it.
    let e = check("<a>\n<b é='1' é='2'/></a>").expect_err("twice");
    assert_eq!((e.line, e.col), (2, 15));
    assert!(e.message.contains("appears twice"), "{e}");
}

#[test]
fn line_col_counts_characters() {
    assert_eq!(line_col("ab\nc“d", 7), (2, 3));
}

/// The line and column of `text`'s error, and its message.
fn error_of(text: &str) -> (usize, usize, String) {
    let e = well_formed(text).expect_err(text);
    (e.line, e.col, e.message)
}

#[test]
fn control_characters_are_rejected_everywhere_at_their_place() {
    for c in ['\u{1}', '\u{7}', '\u{1b}'] {
        for (doc, col) in [
            (format!("<a>\n<!-- x{c} --></a>"), 7),
            (format!("<a>\n<b o='u{c}'/></a>"), 8),
            (format!("<a>\n<![CDATA[x{c}]]></a>"), 11),
            (format!("<a>\n<?pi x{c}?></a>"), 7),
            (format!("<a>\nx{c}</a>"), 2),
        ] {
            let (l, c2, m) = error_of(&doc);
            assert_eq!((l, c2), (2, col), "{doc:?}: {m}");
            assert!(m.contains("control character"), "{doc:?}: {m}");
        }
    }
}

#[test]
fn non_characters_are_rejected() {
    for c in ['\u{fffe}', '\u{ffff}'] {
        let (l, col, m) = error_of(&format!("<a>\n é{c}</a>"));
        assert_eq!((l, col), (2, 3), "{m}");
        assert!(m.contains("non-character"), "{m}");
        let (l, col, _) = error_of(&format!("<a b='{c}'/>"));
        assert_eq!((l, col), (1, 7));
    }
}

#[test]
fn character_references_must_name_xml_characters() {
    // libxml2 reports a bad value just after the ';'.
    for r in [
        "&#0;",
        "&#x1;",
        "&#x1b;",
        "&#xFFFE;",
        "&#xffff;",
        "&#xD800;",
        "&#x110000;",
    ] {
        let doc = format!("<a>\nx{r}</a>");
        let (l, col, m) = error_of(&doc);
        assert_eq!((l, col), (2, 2 + r.chars().count()), "{doc}: {m}");
        assert!(m.contains("character reference"), "{doc}: {m}");
        let doc = format!("<a b='{r}'/>");
        assert!(well_formed(&doc).is_err(), "{doc}");
    }
    for r in ["&#9;", "&#x41;", "&#x1F600;", "&#x10FFFF;", "&#xE000;"] {
        assert_eq!(well_formed(&format!("<a b='{r}'>{r}</a>")), Ok(()), "{r}");
    }
}

#[test]
fn a_lt_in_a_value_is_reported_at_the_lt() {
    let (l, col, m) = error_of("<domain>\n  <cpu offset='u<tc'/></domain>");
    assert_eq!((l, col), (2, 17), "{m}");
    assert!(m.contains("'<' in the value of attribute offset"), "{m}");
}

#[test]
fn a_bad_doctype_is_reported_where_it_breaks() {
    let (l, col, m) = error_of("<?xml version='1.0'?>\n<!DOCTYPE>\n<a/>");
    assert_eq!((l, col), (2, 10), "{m}");
    let (l, col, m) = error_of("<!DOCTYPE d [\n  <!ENTITY e x>\n]>\n<d/>");
    assert_eq!((l, col), (2, 14), "{m}");
    let (l, col, m) = error_of("<!DOCTYPE d [\n  <!ENTITY e 'x'>\n  junk\n]>\n<d/>");
    assert_eq!((l, col), (3, 3), "{m}");
}

#[test]
fn declared_internal_entities_are_known() {
    assert_eq!(
        well_formed("<!DOCTYPE d [<!ENTITY e \"x\">]>\n<d a='&e;'>&e;</d>"),
        Ok(())
    );
    let (l, col, m) = error_of("<!DOCTYPE d [<!ENTITY e \"x\">]>\n<d>&f;</d>");
    assert_eq!((l, col), (2, 7), "{m}");
    assert!(m.contains("unknown entity &f;"), "{m}");
}

#[test]
fn names_follow_the_xml_name_production() {
    assert_eq!(well_formed("<a😀 b😀='1'/>"), Ok(()));
    assert!(well_formed("<a b×='1'/>").is_err());
}

#[test]
fn deep_nesting_does_not_overflow() {
    let doc = format!("{}{}", "<a>".repeat(200_000), "</a>".repeat(200_000));
    assert_eq!(well_formed(&doc), Ok(()));
}

#[test]
fn a_leading_byte_order_mark_is_not_content() {
    assert_eq!(well_formed("\u{FEFF}<a/>"), Ok(()));
    assert_eq!(well_formed("\u{FEFF}<?xml version='1.0'?>\n<a/>"), Ok(()));
    assert_eq!(well_formed("<a>\u{FEFF}</a>"), Ok(()));
    assert!(well_formed("<a/>\u{FEFF}").is_err());
}
