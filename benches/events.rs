//! Event log and network list figures: 100,000 events pushed into the 10,000-entry log
//! (time per push, bytes held, allocator-counted) and listing 500 networks on a test-driver
//! node through the backend API. Run with `cargo bench --bench events` (or `make bench`).
//! Prints figures; asserts nothing.

use std::alloc::System;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use virtdeck::backend::HostId;
use virtdeck::backend::demo::NodeFile;
use virtdeck::backend::events::{DomainEventDetail, DomainEventRecord};
use virtdeck::backend::network::{NetCmd, NetEvent};
use virtdeck::backend::{Backend, BackendConfig, BackendEvent, Command, DomainId};
use virtdeck::state::eventlog::EventLog;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn event(i: usize) -> DomainEventRecord {
    DomainEventRecord {
        at: SystemTime::now(),
        id: DomainId::new(HostId::FIRST, format!("6f1c0000-0000-4000-8000-{i:012x}")),
        name: format!("vm-{:05}", i % 1000),
        detail: DomainEventDetail::BalloonChange {
            actual_kib: i as u64,
        },
    }
}

fn ring() {
    const N: usize = 100_000;
    let events: Vec<DomainEventRecord> = (0..N).map(event).collect();
    let mut log = EventLog::new(10_000);
    let t = Instant::now();
    for ev in events {
        log.push(ev);
    }
    let elapsed = t.elapsed();
    println!(
        "event log: {N} pushes into {} slots in {:.2} ms ({:.1} ns/push); {} kept, {} dropped",
        log.capacity(),
        elapsed.as_secs_f64() * 1000.0,
        elapsed.as_nanos() as f64 / N as f64,
        log.len(),
        log.dropped()
    );
    drop(log);

    // Memory: everything allocated while 100,000 events are made and pushed, minus what
    // was freed, is what the log holds at the end (slots + the kept entries' strings).
    let region = Region::new(GLOBAL);
    let mut log = EventLog::new(10_000);
    let after_fill = {
        for i in 0..10_000 {
            log.push(event(i));
        }
        let s = region.change();
        s.bytes_allocated as isize - s.bytes_deallocated as isize
    };
    for i in 10_000..N {
        log.push(event(i));
    }
    let s = region.change();
    let held = s.bytes_allocated as isize - s.bytes_deallocated as isize;
    println!(
        "event log: {} KiB held after 10,000 events, {} KiB after {N} ({} B/entry slot, {:.0} B/entry \
         with strings); live allocations {}",
        after_fill / 1024,
        held / 1024,
        std::mem::size_of::<DomainEventRecord>(),
        held as f64 / log.len() as f64,
        s.allocations as isize - s.deallocations as isize
    );
}

fn node(count: usize) -> String {
    let mut xml = String::from("<node>\n");
    for i in 0..count {
        xml.push_str(&format!(
            "<network><name>net-{i:04}</name><bridge name='vbr{i}'/>{fwd}\
             <ip address='10.{a}.{b}.1' prefix='24'><dhcp><range start='10.{a}.{b}.10' \
             end='10.{a}.{b}.200'/></dhcp></ip></network>\n",
            fwd = if i % 2 == 0 {
                "<forward mode='nat'/>"
            } else {
                ""
            },
            a = i / 256,
            b = i % 256,
        ));
    }
    xml.push_str("</node>\n");
    xml
}

fn network_list() {
    const COUNT: usize = 500;
    let file = NodeFile::write(&node(COUNT)).expect("node file");
    let (tx, rx) = mpsc::channel();
    let sink = Arc::new(move |ev| {
        let _ = tx.send(ev);
    });
    let cfg = BackendConfig {
        uri: Some(file.uri()),
        reconcile_every: None,
        cpu_interval: Duration::from_secs(3600),
        ..BackendConfig::default()
    };
    let backend = Backend::start(cfg, sink).expect("backend");
    let mut times = Vec::new();
    for round in 0..11u64 {
        // Drain whatever came before (the unasked initial list).
        while rx.try_recv().is_ok() {}
        let t = Instant::now();
        backend
            .sender()
            .send(Command::Network(HostId::FIRST, NetCmd::List { req: round }));
        loop {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(BackendEvent::Network(_, n)) => {
                    if let NetEvent::List(l) = *n {
                        assert_eq!(l.len(), COUNT);
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => panic!("no network list: {e}"),
            }
        }
        if round > 0 {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "network list: {COUNT} networks (test driver, one XML parse each): median {:.2} ms, \
         max {:.2} ms over {} runs",
        times[times.len() / 2],
        times[times.len() - 1],
        times.len()
    );
}

fn main() {
    ring();
    network_list();
}
