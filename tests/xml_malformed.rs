//! Every document in tests/fixtures/xml-malformed gives an error at the right line and
//! column with a message that says what is wrong.

use std::path::Path;

use virtdeck::xml::wellformed::check;

#[test]
fn each_malformed_document_gives_a_positioned_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xml-malformed");
    let manifest = std::fs::read_to_string(dir.join("expected.txt")).expect("expected.txt");
    let mut n = 0;
    let mut failures = Vec::new();
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut parts = line.splitn(4, ' ');
        let (file, l, c, want) = (
            parts.next().expect("file"),
            parts
                .next()
                .expect("line")
                .parse::<usize>()
                .expect("line number"),
            parts
                .next()
                .expect("column")
                .parse::<usize>()
                .expect("column number"),
            parts.next().expect("message"),
        );
        let text = std::fs::read_to_string(dir.join(file)).expect("fixture");
        n += 1;
        match check(&text) {
            Ok(()) => failures.push(format!("{file}: accepted")),
            Err(e) if (e.line, e.col) != (l, c) || !e.message.contains(want) => {
                failures.push(format!(
                    "{file}: want {l}:{c} '{want}', got {}:{} '{}'",
                    e.line, e.col, e.message
                ))
            }
            Err(_) => {}
        }
    }
    assert!(n >= 30, "only {n} documents in the corpus");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
