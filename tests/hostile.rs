//! Hostile input that must stay harmless: a set of domain names built to fool a terminal or a
//! reader (controls, bidi, invisible and format characters, look-alikes, blanks, huge and wide
//! names), and a storm of random keys on the demo host. Nothing raw reaches the screen, every
//! name stays distinguishable, the table stays aligned, and nothing panics.

mod common;

use std::time::Duration;

use common::{Harness, Options};
use unicode_width::UnicodeWidthStr;

const T: Duration = Duration::from_secs(10);

/// Each name as libvirt stores it. XML 1.0 cannot carry C0 controls other than tab, newline
/// and carriage return, so libvirt cannot hold those in a name; everything else is here.
fn hostile_names() -> Vec<String> {
    let mut v: Vec<String> = [
        "vdh-tab\there",
        "vdh-nl\nline",
        "vdh-cr\rret",
        "vdh-csi\u{9b}2J",
        "vdh-c1sgr\u{9b}31mred",
        "vdh-osc\u{9d}52;c;ZXZpbA==\u{9c}",
        "vdh-nel\u{85}x",
        "vdh-del\u{7f}x",
        "vdh-rlo\u{202e}exe.txt",
        "vdh-lri\u{2066}x\u{2069}",
        "vdh-zwsp\u{200b}a",
        "vdh-zwj\u{200d}b",
        "vdh-bom\u{feff}c",
        "vdh-shy\u{ad}d",
        "vdh-alm\u{61c}e",
        "vdh-arabicnum\u{600}f",
        "vdh-linesep\u{2028}x",
        "vdh-tag\u{e0041}x",
        "vdh-literal\\u{9b}",
        "vdh-back\\slash",
        "vdh-宽字符名称很长很长很长很长很长很长很长很长很长很长",
        "vdh-combining-e\u{301}\u{301}\u{301}",
        "vdh-emoji-🚀🔥",
        "   ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("vdh-long-{}", "x".repeat(200)));
    v
}

fn xml_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '\t' | '\n' | '\r' => format!("&#{};", c as u32),
            c => c.to_string(),
        })
        .collect()
}

fn node_xml(names: &[String]) -> String {
    let mut xml = String::from("<node>\n");
    for (i, n) in names.iter().enumerate() {
        xml.push_str(&format!(
            "<domain type='test'><name>{}</name><uuid>6f1c0000-0000-4000-8000-{i:012x}</uuid>\
             <memory unit='MiB'>512</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n",
            xml_text(n)
        ));
    }
    xml.push_str("</node>\n");
    xml
}

/// Characters that must never be written raw to the user's terminal: controls, bidi,
/// invisible and format characters, tag characters.
fn dangerous(c: char) -> bool {
    virtdeck::ui::text::needs_escape(c)
        || matches!(c, '\u{e0000}'..='\u{e007f}' | '\u{600}'..='\u{605}')
}

fn assert_nothing_raw(screen: &[String]) {
    for line in screen {
        for c in line.chars() {
            assert!(
                !dangerous(c),
                "raw U+{:04X} reached the screen:\n{}",
                c as u32,
                screen.join("\n")
            );
        }
    }
}

#[test]
fn hostile_names_never_reach_the_screen_raw_and_stay_distinguishable() {
    let names = hostile_names();
    let mut h = Harness::on_node(
        &node_xml(&names),
        Options {
            width: 120,
            height: 40,
            ..Options::new("")
        },
    );
    assert!(
        h.wait_until(T, |app| app.store.len() == names.len()),
        "libvirt took every hostile name: {} of {}",
        h.app.store.len(),
        names.len()
    );
    let screen = h.screen();
    let text = screen.join("\n");
    assert_nothing_raw(&screen);
    // Every row is there and the State column lines up whatever the name did.
    let rows: Vec<&String> = screen.iter().filter(|l| l.contains("512M/512M")).collect();
    assert_eq!(rows.len(), names.len(), "{text}");
    let cols: Vec<usize> = rows
        .iter()
        .map(|l| l[..l.find("running").expect("state")].width())
        .collect();
    assert!(
        cols.iter().all(|c| *c == cols[0]),
        "State column misaligned: {cols:?}\n{text}"
    );
    // Look-alikes look different: a literal `\u{9b}` is not the escape of a real U+009B, and a
    // name of blanks is not a blank row.
    assert!(text.contains("vdh-literal\\\\u{9b}"), "{text}");
    assert!(text.contains("vdh-c1sgr\\u{9b}31mred"), "{text}");
    assert!(text.contains("vdh-back\\\\slash"), "{text}");
    assert!(text.contains("\\x20\\x20\\x20"), "{text}");
    assert!(text.contains("vdh-rlo\\u{202e}exe.txt"), "{text}");
    assert!(text.contains("vdh-arabicnum\\u{600}f"), "{text}");
    assert!(text.contains("vdh-tab\\there"), "{text}");
    assert!(text.contains("vdh-nl\\nline"), "{text}");
}

#[test]
fn hostile_names_stay_escaped_in_the_overview_confirmations_and_status() {
    let names = hostile_names();
    let mut h = Harness::on_node(
        &node_xml(&names),
        Options {
            width: 120,
            height: 40,
            ..Options::new("")
        },
    );
    assert!(h.wait_until(T, |app| app.store.len() == names.len()));
    for n in [
        "vdh-rlo\u{202e}exe.txt",
        "vdh-osc\u{9d}52;c;ZXZpbA==\u{9c}",
        "   ",
    ] {
        h.select(n);
        assert_nothing_raw(&h.screen());
        // Start it: it runs already, and libvirt's refusal in the status line names it.
        h.press("s");
        assert!(
            h.wait_until(T, |app| app
                .status
                .as_ref()
                .is_some_and(|s| s.text.contains("failed"))),
            "{n:?}: no refusal shown"
        );
        assert_nothing_raw(&h.screen());
        // Ask to force it off (the dialog names it), and cancel.
        h.press("F");
        let screen = h.screen();
        assert_nothing_raw(&screen);
        assert!(
            screen.join("\n").contains("Force off?"),
            "{}",
            screen.join("\n")
        );
        h.press("n");
        assert_nothing_raw(&h.screen());
    }
}

/// A small deterministic generator (xorshift), so a failing storm can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn a_storm_of_random_keys_on_the_demo_never_panics() {
    let mut h = Harness::demo(Options {
        width: 80,
        height: 24,
        ..Options::new("")
    });
    assert!(h.wait_until(T, |app| app.store.len() == 12));
    // Drafts of whatever the storm types into the editor stay in a private directory.
    let drafts = tempfile::tempdir().expect("tempdir");
    h.app.drafts_dir = Some(drafts.path().to_path_buf());
    // Every key a user could press, except the ones that leave the app.
    let keys: Vec<&str> = vec![
        "j",
        "k",
        "g",
        "G",
        "/",
        "<Esc>",
        "<Enter>",
        "<Tab>",
        "<BackTab>",
        ">",
        "<",
        "I",
        "s",
        "d",
        "R",
        "X",
        "F",
        "p",
        "r",
        "U",
        "a",
        "e",
        "N",
        "S",
        "t",
        "T",
        "v",
        "D",
        "<Space>",
        "i",
        "c",
        "z",
        "C",
        "f",
        "[",
        "]",
        "=",
        "w",
        "Z",
        "E",
        "b",
        "y",
        "n",
        "?",
        "<F1>",
        "<F5>",
        "<Up>",
        "<Down>",
        "<Left>",
        "<Right>",
        "<PgUp>",
        "<PgDn>",
        "<Home>",
        "<End>",
        "<Backspace>",
        "<Del>",
        "<Ctrl-z>",
        "<Ctrl-y>",
        "<Ctrl-f>",
        "<F3>",
        "<Ctrl-l>",
        "<Ctrl-t>",
        "<Ctrl-s>",
        "<Ctrl-Space>",
        "<Ctrl-]>",
        "<Ctrl-u>",
        "<Ctrl-r>",
        "<Ctrl-o>",
        "<Ctrl-e>",
        "x",
        "1",
        "0",
        "-",
        "'",
        "\"",
        "<",
        "&",
        "é",
        "数",
        "\u{202e}",
    ];
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    for round in 0..300 {
        // One key at a time: "<" is a key of its own, not the start of a <Spec>.
        for _ in 0..100 {
            h.press(rng.pick(&keys));
        }
        h.pump();
        assert!(
            !h.app.should_quit(),
            "round {round}: the storm made the app quit"
        );
        // Drawing after every batch, at the smallest size people use.
        let _ = h.screen();
    }
}
