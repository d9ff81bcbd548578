//! Typed per-domain statistics as one tick reads them: CPU, vCPUs, balloon, disks, NICs.

use super::super::model::DomainId;

/// Where a domain's device and memory figures came from this tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatsSource {
    /// The bulk `virConnectGetAllDomainStats` record alone.
    #[default]
    Bulk,
    /// The bulk record plus per-domain calls for groups the driver did not return.
    Fallback,
}

/// A set of bulk stats groups.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Groups {
    pub cpu: bool,
    pub balloon: bool,
    pub block: bool,
    pub net: bool,
    pub vcpu: bool,
}

impl Groups {
    pub const ALL: Groups = Groups {
        cpu: true,
        balloon: true,
        block: true,
        net: true,
        vcpu: true,
    };

    pub fn any(self) -> bool {
        self.cpu || self.balloon || self.block || self.net || self.vcpu
    }

    pub fn union(self, o: Groups) -> Groups {
        Groups {
            cpu: self.cpu || o.cpu,
            balloon: self.balloon || o.balloon,
            block: self.block || o.block,
            net: self.net || o.net,
            vcpu: self.vcpu || o.vcpu,
        }
    }

    /// The groups in `self` that are not in `o`.
    pub fn minus(self, o: Groups) -> Groups {
        Groups {
            cpu: self.cpu && !o.cpu,
            balloon: self.balloon && !o.balloon,
            block: self.block && !o.block,
            net: self.net && !o.net,
            vcpu: self.vcpu && !o.vcpu,
        }
    }
}

/// Everything one tick knows about one active domain. Counters are cumulative, as libvirt
/// reports them; `None` means the driver did not report that figure.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DomainStats {
    pub id: DomainId,
    pub state: Option<i32>,
    /// Why it is in that state (`state.reason`, as `virsh domstate --reason`).
    pub state_reason: Option<i32>,
    /// Cumulative CPU time of the whole domain, ns (`cpu.time`).
    pub cpu_time_ns: Option<u64>,
    pub cpu_user_ns: Option<u64>,
    pub cpu_system_ns: Option<u64>,
    /// vCPUs online now (`vcpu.current`); the vCPU % divides by this.
    pub vcpu_current: Option<u32>,
    pub vcpu_maximum: Option<u32>,
    pub vcpus: Vec<VcpuStats>,
    pub balloon: Option<BalloonStats>,
    pub disks: Vec<DiskStats>,
    pub nics: Vec<NicStats>,
    pub source: StatsSource,
    /// Groups the driver reports but this record lacked: the domain was busy (a job held
    /// it and NOWAIT skipped it). Their figures are unknown this tick, not zero.
    pub absent: Groups,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct VcpuStats {
    pub index: u32,
    pub state: Option<i32>,
    pub time_ns: Option<u64>,
    pub wait_ns: Option<u64>,
}

/// The guest's memory as the balloon driver reports it (`virsh dommemstat`), KiB except the
/// fault and swap counters (pages / KiB as libvirt gives them) and `last_update` (seconds).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BalloonStats {
    /// `actual` in dommemstat: the balloon's current size.
    pub current: Option<u64>,
    pub maximum: Option<u64>,
    pub swap_in: Option<u64>,
    pub swap_out: Option<u64>,
    pub major_fault: Option<u64>,
    pub minor_fault: Option<u64>,
    pub unused: Option<u64>,
    pub available: Option<u64>,
    pub usable: Option<u64>,
    pub rss: Option<u64>,
    pub disk_caches: Option<u64>,
    pub hugetlb_pgalloc: Option<u64>,
    pub hugetlb_pgfail: Option<u64>,
    /// When the guest last refreshed its figures (guest clock, seconds); stops moving when
    /// the guest's balloon driver stops reporting.
    pub last_update: Option<u64>,
}

/// One disk, named by its target (`vda`), with the counters `virsh domblkstat` prints.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiskStats {
    pub name: String,
    pub path: Option<String>,
    pub rd_reqs: Option<u64>,
    pub rd_bytes: Option<u64>,
    pub rd_times: Option<u64>,
    pub wr_reqs: Option<u64>,
    pub wr_bytes: Option<u64>,
    pub wr_times: Option<u64>,
    pub fl_reqs: Option<u64>,
    pub fl_times: Option<u64>,
    /// Only some drivers count errors (`errs` in domblkstat).
    pub errs: Option<u64>,
    pub capacity: Option<u64>,
    pub allocation: Option<u64>,
}

/// One interface, named by its host-side device (`vnet0`), with `virsh domifstat`'s counters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NicStats {
    pub name: String,
    pub mac: Option<String>,
    /// Network, bridge or device the NIC is plugged into, from the domain XML.
    pub source: Option<String>,
    pub rx_bytes: Option<u64>,
    pub rx_pkts: Option<u64>,
    pub rx_errs: Option<u64>,
    pub rx_drop: Option<u64>,
    pub tx_bytes: Option<u64>,
    pub tx_pkts: Option<u64>,
    pub tx_errs: Option<u64>,
    pub tx_drop: Option<u64>,
}
