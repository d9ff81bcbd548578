//! The networks view with 500 networks and the events view after 100,000 events pushed
//! into the App's event log (a ring of 10,000): time of one frame at 160x45 after a key.
//! Target: p99 <= 2 ms each. Also prints the bytes the log's slots hold (its bound).
//! Run with `cargo bench --bench netviews` (or `make bench`). Prints figures; asserts nothing.

use std::time::{Duration, Instant, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use virtdeck::app::App;
use virtdeck::backend::events::{DomainEventDetail, DomainEventRecord};
use virtdeck::backend::network::{IpRange, NetEvent, NetworkId, NetworkInfo};
use virtdeck::backend::{BackendEvent, CommandSender, DomainId, HostId};
use virtdeck::config::Config;
use virtdeck::event::Event;
use virtdeck::state::event_entry::EventEntry;
use virtdeck::ui::layer::ViewRequest;

const H: HostId = HostId::FIRST;
const NETWORKS: usize = 500;
const EVENTS: usize = 100_000;

fn rounds() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        400
    } else {
        2
    }
}

fn app() -> App {
    let (tx, _log) = CommandSender::detached();
    let mut app = App::new(Config::builtin().expect("config"), tx, false);
    app.drafts_dir = None;
    app.handle(Event::Backend(BackendEvent::Connected {
        host: H,
        uri: "test:///bench".into(),
        hostname: "bench".into(),
        readonly: false,
    }));
    app.handle(Event::Backend(BackendEvent::DomainList(H, Vec::new())));
    app
}

fn network(i: usize) -> NetworkInfo {
    NetworkInfo {
        id: NetworkId::new(H, format!("6e000000-0000-4000-8000-{i:012x}")),
        name: format!("net-{i:04}"),
        active: !i.is_multiple_of(3),
        autostart: i.is_multiple_of(2),
        persistent: true,
        bridge: Some(format!("vbr{i}")),
        forward: "nat".into(),
        ips: vec![IpRange {
            family: "ipv4".into(),
            address: format!("10.{}.{}.1", i / 256, i % 256),
            prefix: 24,
            dhcp: Some(("10.0.0.2".into(), "10.0.0.254".into())),
        }],
        lease_count: Some(i % 7),
    }
}

fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    let p = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
    (p(0.5), p(0.99), v.last().copied().unwrap_or(Duration::ZERO))
}

/// Wall time and this thread's CPU time per frame: on a shared, loaded machine the wall
/// figure includes time the thread waited for a core; the CPU figure is the frame's cost.
fn measure(name: &str, app: &mut App, keys: &[KeyCode]) {
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for r in 0..rounds() {
        let k = keys[r % keys.len()];
        app.handle(Event::Key(KeyEvent::new(k, KeyModifiers::NONE)));
        let t0 = Instant::now();
        let c0 = cpu_time::ThreadTime::now();
        term.draw(|f| app.render(f)).expect("draw");
        cpu.push(c0.elapsed());
        wall.push(t0.elapsed());
    }
    let n = wall.len();
    let (w50, w99, wmax) = percentiles(wall);
    let (c50, c99, cmax) = percentiles(cpu);
    println!(
        "{name}: frame CPU p50 {c50:?}, p99 {c99:?}, max {cmax:?}; wall p50 {w50:?}, p99 {w99:?}, max {wmax:?} (target p99 <= 2 ms) over {n} frames"
    );
}

fn main() {
    let mut a = app();
    a.open_view(ViewRequest::Networks);
    let list: Vec<NetworkInfo> = (0..NETWORKS).map(network).collect();
    a.handle(Event::Backend(BackendEvent::Network(
        H,
        Box::new(NetEvent::List(list)),
    )));
    let keys = [
        KeyCode::Char('j'),
        KeyCode::PageDown,
        KeyCode::Char('j'),
        KeyCode::End,
    ];
    measure("networks view, 500 networks", &mut a, &keys);

    let mut a = app();
    let t0 = Instant::now();
    for i in 0..EVENTS {
        a.handle(Event::Backend(BackendEvent::DomainEvent(
            H,
            Box::new(DomainEventRecord {
                at: UNIX_EPOCH + Duration::from_secs(i as u64),
                id: DomainId::new(H, format!("6f1c0000-0000-4000-8000-{i:012x}")),
                name: format!("guest-{}", i % 300),
                detail: DomainEventDetail::BalloonChange {
                    actual_kib: 1024 * (i as u64 % 4096),
                },
            }),
        )));
    }
    println!(
        "pushed {EVENTS} events through App::handle in {:?}; log holds {} (capacity {}), {} dropped; slots {} bytes ({} bytes per entry + its strings)",
        t0.elapsed(),
        a.store.events.len(),
        a.store.events.capacity(),
        a.store.events.dropped(),
        a.store.events.capacity() * std::mem::size_of::<EventEntry>(),
        std::mem::size_of::<EventEntry>(),
    );
    a.open_view(ViewRequest::Events);
    let keys = [
        KeyCode::Char('j'),
        KeyCode::PageDown,
        KeyCode::Char('j'),
        KeyCode::End,
    ];
    measure("events view, 100000 events pushed", &mut a, &keys);
}
