//! Console scrollback memory and scrolling speed, no guest needed: a recorded boot log is
//! replayed until 10,000 lines have scrolled off, at 80, 120 and 200 columns, once into
//! virtdeck's console emulator (compact history) and once into plain vt100 with a
//! 10,000-line scrollback (how the console kept history before). Each measurement runs in
//! a fresh process so RSS figures do not inherit freed memory. Then frame times of
//! scrolling from live to the top and back, page by page, for both.
//! Run with `cargo bench --bench console_memory`.

use std::process::Command;
use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_term::widget::PseudoTerminal;
use virtdeck::backend::{DomainId, HostId};
use virtdeck::config::Config;
use virtdeck::ui::console::session::ConsoleSession;
use virtdeck::ui::console::term::ConsoleTerm;
use virtdeck::ui::console::widget::{self, Hints};

#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

const BOOT_LOG: &[u8] = include_bytes!("../tests/fixtures/console/boot.log");
const ROWS: u16 = 40;

fn full() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// 10,000 lines under `cargo bench`; 1,000 when `cargo test --all-targets` runs it.
fn lines() -> usize {
    if full() { 10_000 } else { 1_000 }
}

fn heap() -> i64 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

fn rss_kib() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4
}

/// The boot log, one replay; its lines are the "typical boot-log output".
fn replay_chunks() -> impl Iterator<Item = &'static [u8]> {
    // Serial reads arrive in pieces of a few hundred bytes.
    BOOT_LOG.chunks(509)
}

/// One measurement in this process: prints "heap_bytes rss_kib feed_secs lines".
fn measure(kind: &str, cols: u16) {
    // "light": a console that has shown only a little (memory follows what is held).
    let target = if kind == "light" { 100 } else { lines() };
    let (h0, r0) = (heap(), rss_kib());
    let t0 = Instant::now();
    let held = if kind == "compact" || kind == "light" {
        let mut t = ConsoleTerm::new(ROWS, cols);
        while t.history().len() < target {
            for c in replay_chunks() {
                t.feed(c);
            }
            t.feed(b"\r\n");
        }
        let held = t.history().len();
        // Kept alive (not dropped) until the figures are taken.
        std::mem::forget(t);
        held
    } else {
        let mut p = vt100::Parser::new(ROWS, cols, target);
        let mut held = 0;
        while held < target {
            for c in replay_chunks() {
                p.process(c);
            }
            p.process(b"\r\n");
            p.screen_mut().set_scrollback(usize::MAX);
            held = p.screen().scrollback();
            p.screen_mut().set_scrollback(0);
        }
        std::mem::forget(p);
        held
    };
    let secs = t0.elapsed().as_secs_f64();
    println!("{} {} {secs} {held}", heap() - h0, rss_kib() - r0);
}

fn run_child(kind: &str, cols: u16) -> (f64, f64, f64, usize) {
    let exe = std::env::current_exe().expect("own path");
    let mut cmd = Command::new(exe);
    cmd.args(["--measure", kind, &cols.to_string()]);
    if full() {
        cmd.arg("--bench");
    }
    let out = cmd.output().expect("run the measurement");
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = text.split_whitespace().collect();
    assert!(
        f.len() == 4,
        "measurement failed: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let num = |i: usize| f[i].parse::<f64>().unwrap_or(0.0);
    (num(0), num(1), num(2), num(3) as usize)
}

fn hints() -> Hints {
    let s = |x: &str| x.to_string();
    Hints {
        detach: s("Ctrl-]"),
        focus: s("c"),
        force: s("f"),
        scroll_up: s("["),
        scroll_down: s("]"),
        live: s("="),
        save: s("w"),
        fullscreen: s("z"),
        terminal_scroll: s("Shift-PgUp/Shift-PgDn"),
        terminal_live: s("Shift-End"),
        choose: s("k/↑/j/↓"),
        accept: s("Enter"),
        cancel: s("Esc"),
        search: s("Ctrl-s"),
        search_older: s("n"),
        search_newer: s("N"),
        search_end: s("Esc"),
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Frame times (ms) scrolling a page at a time from live to the top and back.
fn scroll_frames_compact(cols: u16) -> Vec<f64> {
    let theme = Config::builtin().expect("built-in config").theme;
    let mut s = ConsoleSession::new(1, DomainId::new(HostId::FIRST, "u"), "guest".into());
    let mut term = Terminal::new(TestBackend::new(cols, ROWS + 1)).expect("terminal");
    term.draw(|f| widget::render(f, f.area(), &mut s, &hints(), &theme))
        .expect("draw");
    while s.term.history().len() < lines() {
        for c in replay_chunks() {
            s.term.feed(c);
        }
        s.term.feed(b"\r\n");
    }
    let page = (ROWS - 1) as isize;
    let mut times = Vec::new();
    let mut frame = |s: &mut ConsoleSession| {
        let t0 = Instant::now();
        term.draw(|f| widget::render(f, f.area(), s, &hints(), &theme))
            .expect("draw");
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
    };
    frame(&mut s);
    while s.term.offset() < s.term.history().len() {
        s.term.scroll(page);
        frame(&mut s);
    }
    while s.term.offset() > 0 {
        s.term.scroll(-page);
        frame(&mut s);
    }
    times
}

/// The same walk on vt100's own scrollback drawn by tui-term (the previous console).
fn scroll_frames_vt100(cols: u16) -> Vec<f64> {
    let mut p = vt100::Parser::new(ROWS, cols, lines());
    let mut term = Terminal::new(TestBackend::new(cols, ROWS)).expect("terminal");
    loop {
        for c in replay_chunks() {
            p.process(c);
        }
        p.process(b"\r\n");
        p.screen_mut().set_scrollback(usize::MAX);
        let held = p.screen().scrollback();
        p.screen_mut().set_scrollback(0);
        if held >= lines() {
            break;
        }
    }
    let page = usize::from(ROWS - 1);
    let mut times = Vec::new();
    let mut frame = |p: &vt100::Parser| {
        let t0 = Instant::now();
        term.draw(|f| f.render_widget(PseudoTerminal::new(p.screen()), f.area()))
            .expect("draw");
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
    };
    frame(&p);
    let top = lines();
    let mut o = 0;
    while o < top {
        o = (o + page).min(top);
        p.screen_mut().set_scrollback(o);
        frame(&p);
    }
    while o > 0 {
        o = o.saturating_sub(page);
        p.screen_mut().set_scrollback(o);
        frame(&p);
    }
    times
}

/// MiB/s of parsing (and, for virtdeck, harvesting into the history) on `input`, fed in
/// 64 KiB reads, for virtdeck's emulator and for vt100 with its own 10,000-line scrollback.
fn throughput(input: &[u8], total: usize) -> (f64, f64) {
    let mut chunk = Vec::new();
    while chunk.len() < 64 * 1024 {
        chunk.extend_from_slice(input);
    }
    let mib = |fed: usize, secs: f64| fed as f64 / 1048576.0 / secs;
    let mut t = ConsoleTerm::new(38, 120);
    let t0 = Instant::now();
    let mut fed = 0;
    while fed < total {
        t.feed(&chunk);
        fed += chunk.len();
    }
    let ours = mib(fed, t0.elapsed().as_secs_f64());
    let mut p = vt100::Parser::new(38, 120, 10_000);
    let t0 = Instant::now();
    let mut fed = 0;
    while fed < total {
        p.process(&chunk);
        fed += chunk.len();
    }
    (ours, mib(fed, t0.elapsed().as_secs_f64()))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        let kind = args.get(i + 1).map_or("compact", String::as_str);
        let cols = args.get(i + 2).and_then(|c| c.parse().ok()).unwrap_or(80);
        measure(kind, cols);
        return;
    }
    let log_lines = String::from_utf8_lossy(BOOT_LOG).lines().count();
    println!(
        "console memory bench: boot log of {} bytes / {log_lines} lines replayed until {} \
         lines have scrolled off a {ROWS}-row screen",
        BOOT_LOG.len(),
        lines()
    );
    for cols in [80u16, 120, 200] {
        let (ch, cr, cs, cl) = run_child("compact", cols);
        let (vh, vr, vs, vl) = run_child("vt100", cols);
        println!(
            "  {cols:3} cols: virtdeck heap +{:.2} MiB, RSS +{:.2} MiB ({:.0} B/line, {cl} lines, \
             fed in {:.3} s) | vt100 scrollback heap +{:.2} MiB, RSS +{:.2} MiB ({:.0} B/line, \
             {vl} lines, fed in {:.3} s)",
            ch / 1048576.0,
            cr / 1024.0,
            ch / cl as f64,
            cs,
            vh / 1048576.0,
            vr / 1024.0,
            vh / vl as f64,
            vs
        );
    }
    let (lh, lr, _, ll) = run_child("light", 120);
    println!(
        "  a console that has scrolled only {ll} lines at 120 cols: heap +{:.0} KiB, RSS +{:.0} KiB",
        lh / 1024.0,
        lr
    );
    let total = if full() { 20 << 20 } else { 1 << 20 };
    for (what, input) in [
        (
            "short coloured lines",
            &b"[   12.345678] \x1b[32mOK\x1b[0m some boot line text\r\n"[..],
        ),
        ("the boot log", BOOT_LOG),
    ] {
        let (ours, theirs) = throughput(input, total);
        println!(
            "  emulator throughput on {what} at 120x38: virtdeck {ours:.1} MiB/s, \
             vt100 with its own scrollback {theirs:.1} MiB/s"
        );
    }
    for cols in [120u16, 200] {
        let mut a = scroll_frames_compact(cols);
        let mut b = scroll_frames_vt100(cols);
        let n = a.len();
        println!(
            "  scroll live -> top -> live at {cols}x{ROWS}, {n} frames: virtdeck p50 {:.3} ms, \
             p99 {:.3} ms, max {:.3} ms | vt100+tui-term p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            percentile(&mut a, 0.5),
            percentile(&mut a, 0.99),
            percentile(&mut a, 1.0),
            percentile(&mut b, 0.5),
            percentile(&mut b, 0.99),
            percentile(&mut b, 1.0),
        );
    }
}
