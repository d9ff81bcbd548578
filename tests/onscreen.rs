//! What is on screen drives the work a stats tick causes: a tick that changes only
//! off-screen domains draws no frame, the workers are told which domains are shown (and
//! only those get per-domain fallback calls), and shown domains keep full-resolution graphs.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::stats::DomainStats;
use virtdeck::backend::{
    BackendEvent, Command, CommandSender, DomainId, DomainInfo, DomainState, HostId,
};
use virtdeck::config::Config;
use virtdeck::event::Event;

fn info(n: usize) -> DomainInfo {
    DomainInfo {
        id: DomainId::new(HostId::FIRST, format!("00000000-0000-4000-8000-{n:012x}")),
        name: format!("vm-{n:04}"),
        state: DomainState::from_raw(1, 1),
        dom_id: Some(n as u32 + 1),
        vcpus: 1,
        memory_kib: 1024 * 1024,
        max_memory_kib: 1024 * 1024,
        cpu_time_ns: 0,
        autostart: false,
        persistent: true,
        managed_save: false,
    }
}

/// A host's tick: every active domain, `top` at `top_ns` of CPU time, the rest at `rest_ns`.
fn tick(top: &DomainId, rest: &[DomainId], at: Instant, top_ns: u64, rest_ns: u64) -> Event {
    let sample = |id: &DomainId, ns: u64| DomainStats {
        id: id.clone(),
        cpu_time_ns: Some(ns),
        ..DomainStats::default()
    };
    Event::Backend(BackendEvent::Stats {
        host: HostId::FIRST,
        at,
        domains: std::iter::once(sample(top, top_ns))
            .chain(rest.iter().map(|id| sample(id, rest_ns)))
            .collect(),
    })
}

#[test]
fn a_tick_redraws_only_when_a_figure_on_screen_changed() {
    let (sender, log) = CommandSender::detached();
    let mut app = App::new(Config::builtin().expect("config"), sender, false);
    app.clipboard_out = Box::new(std::io::sink());
    let mut term = Terminal::new(TestBackend::new(120, 30)).expect("terminal");
    let doms: Vec<DomainInfo> = (0..500).map(info).collect();
    let ids: Vec<DomainId> = doms.iter().map(|d| d.id.clone()).collect();
    app.handle(Event::Backend(BackendEvent::DomainList(
        HostId::FIRST,
        doms,
    )));
    app.draw(&mut term).expect("draw");
    app.take_dirty();

    // The worker is told which domains the frame showed: the top rows, not all 500.
    let shown: Vec<DomainId> = log
        .drain()
        .into_iter()
        .filter_map(|c| match c {
            Command::Visible(_, ids) => Some(ids),
            _ => None,
        })
        .next_back()
        .expect("a Visible command after the frame");
    assert!(
        shown.contains(&ids[0]) && !shown.contains(&ids[499]),
        "{shown:?}"
    );
    assert!(shown.len() < 40, "only the rows on screen: {}", shown.len());

    // Busy domains far down the list: their figures change, the screen does not.
    let t0 = Instant::now();
    let at = |s: u64| t0 + Duration::from_secs(s);
    let (top, far) = (&ids[0], &ids[400..]);
    app.handle(tick(top, far, at(0), 0, 0));
    app.handle(tick(top, far, at(1), 0, 0));
    app.take_dirty();
    app.handle(tick(top, far, at(2), 0, 500_000_000));
    assert!(
        !app.take_dirty(),
        "a tick that changes only off-screen domains must not redraw"
    );
    assert!(
        app.store.get(&ids[450]).and_then(|r| r.cpu_pct) == Some(50.0),
        "their figures are kept all the same"
    );

    // The first row's CPU moves: that is on screen.
    app.handle(tick(top, far, at(3), 250_000_000, 500_000_000));
    assert!(app.take_dirty(), "a shown row's CPU changed: redraw");
    assert!(
        app.store
            .stats
            .get(&ids[0])
            .is_some_and(|h| h.is_full_resolution()),
        "a shown domain's graphs keep every sample"
    );
    assert!(
        !app.store
            .stats
            .get(&ids[450])
            .expect("history")
            .is_full_resolution(),
        "one never shown keeps one peak per ten"
    );
}
