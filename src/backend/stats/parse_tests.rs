//! Parser tests on records captured from the rig's QEMU guest and the test driver.

use super::*;
use TypedValue::{Int, LLong, String, UInt, ULLong};

fn p(k: &str, v: TypedValue) -> (std::string::String, TypedValue) {
    (k.to_string(), v)
}

/// `virsh domstats --state --cpu-total --balloon --vcpu --interface --block` on the rig
/// guest (libvirt 9.0, QEMU 7.2), with the types libvirt declares for each field.
fn qemu_record() -> Vec<(std::string::String, TypedValue)> {
    vec![
        p("state.state", Int(1)),
        p("state.reason", Int(1)),
        p("cpu.time", ULLong(7_040_000_000)),
        p("cpu.user", ULLong(6_410_000_000)),
        p("cpu.system", ULLong(630_000_000)),
        p("cpu.cache.monitor.count", UInt(0)),
        p("cpu.haltpoll.success.time", ULLong(0)),
        p("balloon.current", ULLong(262_144)),
        p("balloon.maximum", ULLong(262_144)),
        p("balloon.swap_in", ULLong(0)),
        p("balloon.swap_out", ULLong(0)),
        p("balloon.major_fault", ULLong(0)),
        p("balloon.minor_fault", ULLong(1410)),
        p("balloon.unused", ULLong(193_732)),
        p("balloon.available", ULLong(223_612)),
        p("balloon.usable", ULLong(196_992)),
        p("balloon.last-update", ULLong(1_795_316_253)),
        p("balloon.disk_caches", ULLong(2592)),
        p("balloon.hugetlb_pgalloc", ULLong(0)),
        p("balloon.hugetlb_pgfail", ULLong(0)),
        p("balloon.rss", ULLong(236_748)),
        p("vcpu.current", UInt(1)),
        p("vcpu.maximum", UInt(1)),
        p("vcpu.0.state", Int(1)),
        p("vcpu.0.time", ULLong(6_560_000_000)),
        p("vcpu.0.wait", ULLong(0)),
        p("vcpu.0.delay", ULLong(9_924_137)),
        p("net.count", UInt(1)),
        p("net.0.name", String("vnet9".into())),
        p("net.0.rx.bytes", ULLong(586)),
        p("net.0.rx.pkts", ULLong(7)),
        p("net.0.rx.errs", ULLong(0)),
        p("net.0.rx.drop", ULLong(0)),
        p("net.0.tx.bytes", ULLong(266)),
        p("net.0.tx.pkts", ULLong(3)),
        p("net.0.tx.errs", ULLong(0)),
        p("net.0.tx.drop", ULLong(0)),
        p("block.count", UInt(1)),
        p("block.0.name", String("vda".into())),
        p(
            "block.0.path",
            String("/var/lib/libvirt/images/vdtest-stats-cap.qcow2".into()),
        ),
        p("block.0.backingIndex", UInt(1)),
        p("block.0.rd.reqs", ULLong(2)),
        p("block.0.rd.bytes", ULLong(4608)),
        p("block.0.rd.times", ULLong(3_125_052)),
        p("block.0.wr.reqs", ULLong(0)),
        p("block.0.wr.bytes", ULLong(0)),
        p("block.0.wr.times", ULLong(0)),
        p("block.0.fl.reqs", ULLong(0)),
        p("block.0.fl.times", ULLong(0)),
        p("block.0.allocation", ULLong(0)),
        p("block.0.capacity", ULLong(67_108_864)),
        p("block.0.physical", ULLong(200_704)),
    ]
}

#[test]
fn a_qemu_record_yields_every_group() {
    let (s, g) = parse_record(HostId::FIRST, "u-1", &qemu_record());
    assert_eq!(
        g,
        Groups {
            cpu: true,
            balloon: true,
            block: true,
            net: true,
            vcpu: true
        }
    );
    assert_eq!(s.id, DomainId::new(HostId::FIRST, "u-1"));
    assert_eq!(s.state, Some(1));
    assert_eq!(s.state_reason, Some(1), "booted, as domstate --reason says");
    assert_eq!(s.cpu_time_ns, Some(7_040_000_000));
    assert_eq!(s.cpu_system_ns, Some(630_000_000));
    assert_eq!(s.vcpu_current, Some(1));
    assert_eq!(s.vcpus.len(), 1);
    assert_eq!(s.vcpus[0].time_ns, Some(6_560_000_000));
    let b = s.balloon.expect("balloon group");
    assert_eq!(b.current, Some(262_144));
    assert_eq!(b.unused, Some(193_732));
    assert_eq!(b.rss, Some(236_748));
    assert_eq!(b.last_update, Some(1_795_316_253));
    assert_eq!(b.minor_fault, Some(1410));
    assert_eq!(s.disks.len(), 1);
    let d = &s.disks[0];
    assert_eq!(d.name, "vda");
    assert_eq!(
        d.path.as_deref(),
        Some("/var/lib/libvirt/images/vdtest-stats-cap.qcow2")
    );
    assert_eq!(
        (d.rd_reqs, d.rd_bytes, d.rd_times),
        (Some(2), Some(4608), Some(3_125_052))
    );
    assert_eq!((d.wr_bytes, d.fl_reqs, d.errs), (Some(0), Some(0), None));
    assert_eq!(s.nics.len(), 1);
    let n = &s.nics[0];
    assert_eq!(n.name, "vnet9");
    assert_eq!(
        (n.rx_bytes, n.rx_pkts, n.tx_bytes, n.tx_pkts),
        (Some(586), Some(7), Some(266), Some(3))
    );
    assert_eq!(
        n.mac, None,
        "the MAC comes from the domain XML, not the record"
    );
}

#[test]
fn the_test_driver_record_has_only_state_and_asks_for_the_fallback() {
    let (s, g) = parse_record(
        HostId::FIRST,
        "u-2",
        &[p("state.state", Int(3)), p("state.reason", Int(0))],
    );
    assert_eq!(g, Groups::default());
    assert_eq!(s.state, Some(3));
    assert_eq!((s.cpu_time_ns, s.balloon.as_ref()), (None, None));
    assert!(s.disks.is_empty() && s.nics.is_empty() && s.vcpus.is_empty());
}

#[test]
fn several_devices_keep_their_order_and_a_domain_without_nics_still_has_the_group() {
    let rec = vec![
        p("net.count", UInt(0)),
        p("block.count", UInt(2)),
        p("block.1.name", String("sda".into())),
        p("block.1.wr.bytes", ULLong(9)),
        p("block.0.name", String("vda".into())),
        p("block.0.wr.bytes", ULLong(7)),
    ];
    let (s, g) = parse_record(HostId::FIRST, "u", &rec);
    assert!(g.net && g.block);
    assert!(s.nics.is_empty());
    let names: Vec<_> = s
        .disks
        .iter()
        .map(|d| (d.name.as_str(), d.wr_bytes))
        .collect();
    assert_eq!(names, [("vda", Some(7)), ("sda", Some(9))]);
}

#[test]
fn odd_values_are_dropped_not_misread() {
    let rec = vec![
        // Wrong type, negative value, absurd index, index gap without a name, unknown field.
        p("cpu.time", String("lots".into())),
        p("block.0.name", String("vda".into())),
        p("block.0.rd.bytes", LLong(-1)),
        p("block.0.wr.bytes", Int(12)),
        p("block.99999999999.rd.bytes", ULLong(1)),
        p("block.3.rd.bytes", ULLong(5)),
        p("net.0.name", UInt(4)),
        p("balloon.some_future_field", ULLong(1)),
        p("nodot", ULLong(1)),
    ];
    let (s, g) = parse_record(HostId::FIRST, "u", &rec);
    assert!(g.cpu, "the group was there, its value was not usable");
    assert_eq!(s.cpu_time_ns, None);
    assert_eq!(s.disks.len(), 1, "{:?}", s.disks);
    assert_eq!((s.disks[0].rd_bytes, s.disks[0].wr_bytes), (None, Some(12)));
    assert!(
        s.nics.is_empty(),
        "a NIC without a usable name is not shown"
    );
    assert_eq!(s.balloon, Some(BalloonStats::default()));
}
