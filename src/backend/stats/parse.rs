//! Turns a bulk stats record's typed parameters (`cpu.time`, `block.0.wr.bytes`, …) into
//! [`DomainStats`]. Safe code only: the FFI layer has already copied the values out.

use super::super::ffi::TypedValue;
use super::super::model::{DomainId, HostId};
use super::model::{BalloonStats, DiskStats, DomainStats, Groups, NicStats};

/// Any non-negative integer as u64: drivers differ in which integer type they use.
fn as_u64(v: &TypedValue) -> Option<u64> {
    match *v {
        TypedValue::Int(i) => u64::try_from(i).ok(),
        TypedValue::UInt(u) => Some(u64::from(u)),
        TypedValue::LLong(l) => u64::try_from(l).ok(),
        TypedValue::ULLong(u) => Some(u),
        _ => None,
    }
}

fn as_i32(v: &TypedValue) -> Option<i32> {
    match *v {
        TypedValue::Int(i) => Some(i),
        TypedValue::UInt(u) => i32::try_from(u).ok(),
        TypedValue::LLong(l) => i32::try_from(l).ok(),
        TypedValue::ULLong(u) => i32::try_from(u).ok(),
        _ => None,
    }
}

fn as_string(v: &TypedValue) -> Option<String> {
    match v {
        TypedValue::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Splits `block.3.rd.bytes` into (3, "rd.bytes"); `None` for `block.count`.
fn indexed(rest: &str) -> Option<(usize, &str)> {
    let (idx, field) = rest.split_once('.')?;
    // Indices are small; a huge one is a corrupt record, not a reason to allocate.
    let idx: usize = idx.parse().ok().filter(|i| *i < 4096)?;
    Some((idx, field))
}

/// Grows `v` so that `v[idx]` exists and returns it.
fn slot<T: Default>(v: &mut Vec<T>, idx: usize) -> &mut T {
    if v.len() <= idx {
        v.resize_with(idx + 1, T::default);
    }
    &mut v[idx]
}

/// Parses one record and says which groups it carried (missing ones need the per-domain
/// fallback or were skipped for a busy domain). Unknown fields are ignored (newer libvirt adds some every release).
pub fn parse_record(
    host: HostId,
    uuid: &str,
    params: &[(String, TypedValue)],
) -> (DomainStats, Groups) {
    let mut s = DomainStats {
        id: DomainId::new(host, uuid),
        ..DomainStats::default()
    };
    let mut g = Groups::default();
    let mut balloon = BalloonStats::default();
    for (key, v) in params {
        let Some((group, rest)) = key.split_once('.') else {
            continue;
        };
        match group {
            "state" if rest == "state" => s.state = as_i32(v),
            "state" if rest == "reason" => s.state_reason = as_i32(v),
            "cpu" => {
                let slot = match rest {
                    "time" => {
                        g.cpu = true;
                        &mut s.cpu_time_ns
                    }
                    "user" => &mut s.cpu_user_ns,
                    "system" => &mut s.cpu_system_ns,
                    _ => continue,
                };
                *slot = as_u64(v);
            }
            "balloon" => {
                g.balloon = true;
                balloon_field(&mut balloon, rest, v);
            }
            "vcpu" => {
                g.vcpu = true;
                match rest {
                    "current" => s.vcpu_current = as_u64(v).and_then(|n| u32::try_from(n).ok()),
                    "maximum" => s.vcpu_maximum = as_u64(v).and_then(|n| u32::try_from(n).ok()),
                    _ => {
                        let Some((idx, field)) = indexed(rest) else {
                            continue;
                        };
                        let c = slot(&mut s.vcpus, idx);
                        c.index = idx as u32;
                        match field {
                            "state" => c.state = as_i32(v),
                            "time" => c.time_ns = as_u64(v),
                            "wait" => c.wait_ns = as_u64(v),
                            _ => {}
                        }
                    }
                }
            }
            "block" => {
                g.block = true;
                if let Some((idx, field)) = indexed(rest) {
                    disk_field(slot(&mut s.disks, idx), field, v);
                }
            }
            "net" => {
                g.net = true;
                if let Some((idx, field)) = indexed(rest) {
                    nic_field(slot(&mut s.nics, idx), field, v);
                }
            }
            _ => {}
        }
    }
    if g.balloon {
        s.balloon = Some(balloon);
    }
    // A record with gaps in its indices (corrupt or truncated) must not show nameless rows.
    s.disks.retain(|d| !d.name.is_empty());
    s.nics.retain(|n| !n.name.is_empty());
    (s, g)
}

fn balloon_field(b: &mut BalloonStats, field: &str, v: &TypedValue) {
    let slot = match field {
        "current" => &mut b.current,
        "maximum" => &mut b.maximum,
        "swap_in" => &mut b.swap_in,
        "swap_out" => &mut b.swap_out,
        "major_fault" => &mut b.major_fault,
        "minor_fault" => &mut b.minor_fault,
        "unused" => &mut b.unused,
        "available" => &mut b.available,
        "usable" => &mut b.usable,
        "rss" => &mut b.rss,
        "disk_caches" => &mut b.disk_caches,
        "hugetlb_pgalloc" => &mut b.hugetlb_pgalloc,
        "hugetlb_pgfail" => &mut b.hugetlb_pgfail,
        "last-update" => &mut b.last_update,
        _ => return,
    };
    *slot = as_u64(v);
}

fn disk_field(d: &mut DiskStats, field: &str, v: &TypedValue) {
    let slot = match field {
        "name" => {
            d.name = as_string(v).unwrap_or_default();
            return;
        }
        "path" => {
            d.path = as_string(v);
            return;
        }
        "rd.reqs" => &mut d.rd_reqs,
        "rd.bytes" => &mut d.rd_bytes,
        "rd.times" => &mut d.rd_times,
        "wr.reqs" => &mut d.wr_reqs,
        "wr.bytes" => &mut d.wr_bytes,
        "wr.times" => &mut d.wr_times,
        "fl.reqs" => &mut d.fl_reqs,
        "fl.times" => &mut d.fl_times,
        "errors" => &mut d.errs,
        "capacity" => &mut d.capacity,
        "allocation" => &mut d.allocation,
        _ => return,
    };
    *slot = as_u64(v);
}

fn nic_field(n: &mut NicStats, field: &str, v: &TypedValue) {
    let slot = match field {
        "name" => {
            n.name = as_string(v).unwrap_or_default();
            return;
        }
        "rx.bytes" => &mut n.rx_bytes,
        "rx.pkts" => &mut n.rx_pkts,
        "rx.errs" => &mut n.rx_errs,
        "rx.drop" => &mut n.rx_drop,
        "tx.bytes" => &mut n.tx_bytes,
        "tx.pkts" => &mut n.tx_pkts,
        "tx.errs" => &mut n.tx_errs,
        "tx.drop" => &mut n.tx_drop,
        _ => return,
    };
    *slot = as_u64(v);
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
