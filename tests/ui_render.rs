//! What the screen shows: unsafe names escaped with the table aligned, 80x24 layout,
//! themes and NO_COLOR, filter, sort and help.

mod common;

use std::time::Duration;

use common::testdrv;
use common::{Harness, Options};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;
use virtdeck::config::Config;

const T: Duration = Duration::from_secs(5);

/// Display column where `needle` starts in `line`.
fn column_of(line: &str, needle: &str) -> Option<usize> {
    line.find(needle).map(|i| line[..i].width())
}

#[test]
fn names_with_tab_c1_and_bidi_controls_are_escaped_and_the_table_stays_aligned() {
    let conn = testdrv::connect();
    let names = [
        "vd-esc\ttab",
        "vd-esc\u{9b}31mred",
        "vd-esc\u{202e}txt.exe",
        "vd-esc-plain",
    ];
    for n in names {
        testdrv::remove(&conn, n);
        testdrv::define(&conn, n);
    }
    let mut h = Harness::start(Options {
        width: 100,
        ..Options::new(testdrv::URI)
    });
    h.wait_until(T, |app| {
        app.store
            .rows()
            .filter(|r| r.info.name.starts_with("vd-esc"))
            .count()
            == 4
    });
    h.press("/vd-esc<Enter>");
    let screen = h.screen();
    let text = screen.join("\n");
    for raw in ['\t', '\u{9b}', '\u{202e}'] {
        assert!(
            !text.contains(raw),
            "raw {raw:?} reached the screen:\n{text}"
        );
    }
    for shown in [
        "vd-esc\\ttab",
        "vd-esc\\u{9b}31mred",
        "vd-esc\\u{202e}txt.exe",
    ] {
        assert!(text.contains(shown), "{shown} not shown:\n{text}");
    }
    let rows: Vec<&String> = screen.iter().filter(|l| l.starts_with("vd-esc")).collect();
    assert_eq!(rows.len(), 4, "{text}");
    let cols: Vec<Option<usize>> = rows.iter().map(|l| column_of(l, "shut off")).collect();
    assert!(
        cols.iter().all(|c| c.is_some() && *c == cols[0]),
        "state column misaligned: {cols:?}\n{text}"
    );
    // The escape is drawn differently from the name, so it cannot pass for real text.
    let buf = h.terminal.backend().buffer().clone();
    let y = screen
        .iter()
        .position(|l| l.starts_with("vd-esc\\ttab"))
        .expect("row") as u16;
    let plain = buf[(0, y)].style();
    let esc = buf[(6, y)].style();
    assert_ne!(plain, esc, "escape sequence styled like the name");
    for n in names {
        testdrv::remove(&conn, n);
    }
}

#[test]
fn demo_fits_80x24_with_header_list_detail_status_and_keys() {
    let mut h = Harness::demo(Options::new(""));
    let screen = h.screen();
    assert_eq!(screen.len(), 24);
    assert!(
        screen[0].contains("virtdeck") && screen[0].contains("12 domains, 6 running"),
        "{}",
        screen[0]
    );
    assert!(screen[1].contains("Domains 12"));
    assert!(
        screen[2].starts_with("Name") && screen[2].contains("State") && screen[2].contains("CPU%"),
        "{}",
        screen[2]
    );
    assert!(
        screen
            .iter()
            .any(|l| l.contains("Overview") && l.contains("Console"))
    );
    assert!(
        screen[23].contains("? more") && screen[23].contains("q quit"),
        "{}",
        screen[23]
    );
    for l in &screen {
        assert!(l.width() <= 80, "line wider than the terminal: {l}");
    }
}

#[test]
fn long_and_wide_names_are_cut_with_an_ellipsis_not_wrapped() {
    let mut h = Harness::demo(Options::new(""));
    h.press("G");
    let text = h.screen_text();
    // At 80 columns Name gets what the live columns and the (short) states leave.
    assert!(text.contains("build-runner-ci-pipel…"), "{text}");
    assert!(
        !text.contains("build-runner-ci-pipeline-worker-eu"),
        "{text}"
    );
    assert!(text.contains("数据库服务器"), "{text}");
}

#[test]
fn filter_substring_regex_inverse_and_escape() {
    let mut h = Harness::demo(Options::new(""));
    h.press("/web");
    let live = h.screen_text();
    assert!(
        live.contains("Domains 2 of 12"),
        "filter applies while typing:\n{live}"
    );
    h.press("<Enter>");
    assert!(h.screen_text().contains("filter: web"));
    h.press("/<Ctrl-u>re:^(db|cache)-<Enter>");
    let text = h.screen_text();
    assert!(
        text.contains("Domains 3 of 12")
            && text.contains("cache-redis-01")
            && !text.contains("web-01"),
        "{text}"
    );
    h.press("/<Ctrl-u>!web<Enter>");
    assert!(h.screen_text().contains("Domains 10 of 12"));
    h.press("/<Ctrl-u>nothing-matches<Enter>");
    assert!(h.screen_text().contains("no domain matches"));
    h.press("<Esc>");
    assert!(h.screen_text().contains("Domains 12 "));
}

#[test]
fn sorting_by_state_puts_running_domains_first_and_selection_stays() {
    let mut h = Harness::demo(Options {
        height: 40,
        ..Options::new("")
    });
    h.select("web-02");
    h.press(">");
    let screen = h.screen();
    assert!(screen[2].contains("State▼"), "{}", screen[2]);
    let first = &screen[3];
    assert!(first.contains("running"), "{first}");
    let sel = h
        .app
        .domains
        .list
        .selected()
        .and_then(|id| h.app.store.get(id))
        .map(|r| r.info.name.clone());
    assert_eq!(sel.as_deref(), Some("web-02"));
    h.press("I");
    assert!(h.screen()[3].contains("shut off"));
}

#[test]
fn help_lists_the_live_keymap() {
    let mut h = Harness::demo(Options {
        height: 50,
        ..Options::new("")
    });
    h.press("?");
    let text = h.screen_text();
    assert!(
        text.contains("force off, asks first (virsh destroy)"),
        "{text}"
    );
    assert!(text.contains("q/Ctrl-c"), "{text}");
    h.press("<Esc>");
    assert!(!h.screen_text().contains("virsh destroy"));
}

#[test]
fn sixteen_colour_theme_and_no_color_keep_states_and_selection_visible() {
    let mut h = Harness::demo(Options::new(""));
    h.app.config = Config::load(None, Some("16color"), false).expect("16color");
    h.select("web-01");
    let screen = h.screen();
    let y = screen
        .iter()
        .position(|l| l.starts_with("web-01"))
        .expect("row") as u16;
    let buf = h.terminal.backend().buffer().clone();
    let sel_bg = buf[(0, y)].style().bg;
    assert_eq!(sel_bg, Some(Color::Cyan), "selection uses an ANSI colour");
    let y2 = screen
        .iter()
        .position(|l| l.starts_with("web-02"))
        .expect("row") as u16;
    let x = column_of(&screen[y2 as usize], "running").expect("state") as u16;
    assert_eq!(buf[(x, y2)].style().fg, Some(Color::Green));

    h.app.config = Config::load(None, None, true).expect("monochrome");
    let _ = h.screen();
    let buf = h.terminal.backend().buffer().clone();
    for yy in 0..buf.area.height {
        for xx in 0..buf.area.width {
            let s = buf[(xx, yy)].style();
            assert!(
                matches!(s.fg, None | Some(Color::Reset))
                    && matches!(s.bg, None | Some(Color::Reset)),
                "colour at {xx},{yy}: {s:?}"
            );
        }
    }
    assert!(
        buf[(0, y)]
            .style()
            .add_modifier
            .contains(Modifier::REVERSED),
        "selection shown in reverse video"
    );
}
