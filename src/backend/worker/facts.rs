//! The host's facts a worker reads for the hosts view: versions and node size once per
//! connection, CPU % and free memory every few ticks.

use super::*;

/// How many stats ticks between host CPU / free memory readings.
const FACTS_EVERY: u64 = 5;

impl Worker {
    /// Versions and node size once per connection; an older libvirt or a driver lacking
    /// one of these calls leaves that field empty instead of failing the host.
    pub(super) fn read_facts(&mut self) {
        let Some(s) = &self.session else { return };
        let c = &s.conn;
        let hv_type = c.driver_type().unwrap_or_default();
        let hypervisor = match c.hyp_version() {
            Ok(v) if v > 0 => format!("{hv_type} {}", version_string(v)),
            _ => hv_type,
        };
        let node = c.node_info().ok();
        self.node_cpu = crate::backend::ffi::node::node_cpu_times(c);
        self.facts = Some(HostFacts {
            libvirt: c.lib_version().map(version_string).unwrap_or_default(),
            hypervisor,
            cpus: node.as_ref().map_or(0, |n| n.cpus),
            cpu_pct: None,
            mem_total_kib: node.as_ref().map_or(0, |n| n.memory),
            mem_free_kib: c.free_memory().ok().map(|b| b / 1024),
        });
        self.emit_facts();
    }

    pub(super) fn emit_facts(&self) {
        if let Some(f) = &self.facts {
            self.emit(BackendEvent::HostFacts(self.cfg.host, f.clone()));
        }
    }

    /// Host CPU % and free memory: two cheap calls every few stats ticks.
    pub(super) fn refresh_facts(&mut self) {
        self.ticks += 1;
        if !self.ticks.is_multiple_of(FACTS_EVERY) {
            return;
        }
        let Some(s) = &self.session else { return };
        let now = crate::backend::ffi::node::node_cpu_times(&s.conn);
        let free = s.conn.free_memory().ok().map(|b| b / 1024);
        let Some(f) = self.facts.as_mut() else { return };
        if let (Some((b0, t0)), Some((b1, t1))) = (self.node_cpu, now)
            && t1 > t0
        {
            f.cpu_pct = Some(b1.saturating_sub(b0) as f64 * 100.0 / (t1 - t0) as f64);
        }
        self.node_cpu = now;
        f.mem_free_kib = free;
        self.emit_facts();
    }
}
