//! The event log's memory stays bounded: after it is full, 90,000 more events (each owning
//! heap strings, like real ones) do not raise the bytes the allocator says are held.

use std::alloc::System;
use std::time::SystemTime;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use virtdeck::backend::DomainId;
use virtdeck::backend::HostId;
use virtdeck::backend::events::{DomainEventDetail, DomainEventRecord};
use virtdeck::state::eventlog::EventLog;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn event(i: usize) -> DomainEventRecord {
    DomainEventRecord {
        at: SystemTime::now(),
        id: DomainId::new(HostId::FIRST, format!("6f1c0000-0000-4000-8000-{i:012x}")),
        name: format!("vm-{:05}", i % 1000),
        detail: DomainEventDetail::DeviceAdded {
            alias: format!("virtio-disk{}", i % 7),
        },
    }
}

fn held(r: &Region<System>) -> isize {
    let s = r.change();
    // stats_alloc already counts realloc growth in bytes_allocated.
    s.bytes_allocated as isize - s.bytes_deallocated as isize
}

#[test]
fn a_hundred_thousand_pushes_keep_memory_bounded() {
    let region = Region::new(GLOBAL);
    let mut log = EventLog::new(10_000);
    for i in 0..10_000 {
        log.push(event(i));
    }
    let full = held(&region);
    for i in 10_000..100_000 {
        log.push(event(i));
    }
    let after = held(&region);
    assert_eq!(log.len(), 10_000);
    assert_eq!(log.dropped(), 90_000);
    // Same number of live entries with strings of the same lengths: the same bytes.
    assert!(
        after <= full + 4096,
        "memory grew from {full} to {after} bytes"
    );
    let per_entry = full as f64 / 10_000.0;
    assert!(per_entry < 400.0, "{per_entry} bytes per entry");
    drop(log);
}
