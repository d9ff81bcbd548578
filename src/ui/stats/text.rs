//! The text half of the Stats tab: the CPU summary, one line per disk and NIC, memory, and
//! the raw counters under the names `virsh domblkstat` / `domifstat` / `dommemstat` print.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::config::{Role, Theme};
use crate::state::stats::DomainHistory;
use crate::ui::format;
use crate::ui::text::escape_spans;

/// The styles the lines use.
pub struct Labels {
    label: Style,
    value: Style,
    warn: Style,
    escaped: Style,
    dim: Style,
}

impl Labels {
    pub fn new(t: &Theme) -> Labels {
        Labels {
            label: t.style(Role::Header),
            value: t.style(Role::Base),
            warn: t.style(Role::Warn),
            escaped: t.style(Role::Escaped),
            dim: t.style(Role::Dim),
        }
    }

    fn l(&self, s: impl Into<String>) -> Span<'static> {
        Span::styled(s.into(), self.label)
    }

    fn v(&self, s: impl Into<String>) -> Span<'static> {
        Span::styled(s.into(), self.value)
    }

    fn d(&self, s: impl Into<String>) -> Span<'static> {
        Span::styled(s.into(), self.dim)
    }

    /// Untrusted text (device names, paths) with control characters made visible.
    fn u(&self, s: &str) -> Vec<Span<'static>> {
        escape_spans(s, self.value, self.escaped)
    }
}

fn opt_rate(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{}/s", format::rate(v)))
}

fn opt_per_sec(v: Option<f64>) -> String {
    v.map_or("-".into(), format::per_sec)
}

fn opt(v: Option<u64>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

/// KiB compactly, down to KiB for small figures.
fn kib(v: Option<u64>) -> String {
    match v {
        None => "-".into(),
        Some(k) if k < 1024 => format!("{k}K"),
        Some(k) => format::mem(k),
    }
}

pub fn cpu_line(h: &DomainHistory, l: &Labels) -> Line<'static> {
    let mut spans = vec![
        l.l(" CPU "),
        l.v(h.cpu_pct.map_or("-".into(), |p| format!("{p:.1}%"))),
    ];
    spans.push(l.d(" of one host CPU"));
    if let (Some(p), Some(n)) = (h.vcpu_pct, h.latest.vcpu_current) {
        spans.push(l.d(", "));
        spans.push(l.v(format!("{p:.1}%")));
        spans.push(l.d(format!(" of {}", format::count(n, "vCPU"))));
        if p > 100.0 {
            spans.push(l.d(" (QEMU's own threads count too)"));
        }
    }
    if h.stale() {
        spans.push(Span::styled("  STALE", l.warn));
        spans.push(l.d(" (busy host: last figures)"));
    }
    if h.per_vcpu.len() > 1 {
        spans.push(l.d("  "));
        for (i, p) in h.per_vcpu.iter().enumerate().take(16) {
            spans.push(l.d(format!(" {i}:")));
            spans.push(l.v(p.map_or("-".into(), |p| format!("{p:.0}%"))));
        }
    }
    Line::from(spans)
}

/// One line per disk and NIC, then memory: rates and the figures worth watching.
pub fn device_lines(h: &DomainHistory, l: &Labels) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for d in &h.disks {
        let raw = h.latest.disks.iter().find(|r| r.name == d.name);
        let mut s = vec![l.l(" ")];
        s.extend(l.u(&format!("{:<5}", d.name)));
        s.push(l.d(" rd "));
        s.push(l.v(opt_rate(d.now.rd_bps)));
        s.push(l.d(format!(" {} IOPS  wr ", opt_per_sec(d.now.rd_iops))));
        s.push(l.v(opt_rate(d.now.wr_bps)));
        s.push(
            l.d(format!(
                " {} IOPS  fl {}/s",
                opt_per_sec(d.now.wr_iops),
                opt_per_sec(d.now.fl_ps)
            )
            .replace("-/s", "-")),
        );
        if let Some(e) = raw.and_then(|r| r.errs) {
            s.push(l.d(format!("  errs {e}")));
        }
        if let Some(p) = raw.and_then(|r| r.path.as_deref()) {
            s.push(l.d("  "));
            s.extend(escape_spans(p, l.dim, l.escaped));
        }
        out.push(Line::from(s));
    }
    for n in &h.nics {
        let raw = h.latest.nics.iter().find(|r| r.name == n.name);
        let mut s = vec![l.l(" ")];
        s.extend(l.u(&format!("{:<5}", n.name)));
        s.push(l.d(" rx "));
        s.push(l.v(opt_rate(n.now.rx_bps)));
        s.push(l.d(format!(" {} pk/s  tx ", opt_per_sec(n.now.rx_pps))));
        s.push(l.v(opt_rate(n.now.tx_bps)));
        s.push(l.d(format!(" {} pk/s", opt_per_sec(n.now.tx_pps))));
        if let Some(r) = raw {
            let errs = r.rx_errs.unwrap_or(0) + r.tx_errs.unwrap_or(0);
            let drops = r.rx_drop.unwrap_or(0) + r.tx_drop.unwrap_or(0);
            s.push(l.d(format!("  err {errs} drop {drops}")));
            if let Some(mac) = &r.mac {
                s.push(l.d("  "));
                s.extend(escape_spans(mac, l.dim, l.escaped));
            }
            if let Some(src) = &r.source {
                s.push(l.d(" → "));
                s.extend(escape_spans(src, l.dim, l.escaped));
            }
        }
        out.push(Line::from(s));
    }
    out.extend(memory_lines(h, l));
    out
}

fn memory_lines(h: &DomainHistory, l: &Labels) -> Vec<Line<'static>> {
    let Some(b) = &h.latest.balloon else {
        return vec![Line::from(vec![
            l.l(" mem   "),
            l.d("no balloon statistics from this driver"),
        ])];
    };
    let mut first = vec![l.l(" mem  ")];
    for (name, v) in [
        (" actual ", b.current),
        (" rss ", b.rss),
        (" unused ", b.unused),
        (" avail ", b.available),
        (" usable ", b.usable),
        (" caches ", b.disk_caches),
    ] {
        first.push(l.d(name));
        first.push(l.v(kib(v)));
    }
    if h.mem.stale {
        first.push(Span::styled("  STALE", l.warn));
        first.push(l.d(" (guest stopped reporting)"));
    }
    if b.last_update.is_none() && !h.mem.stale {
        // Swap and faults come from the guest too: say why they are missing instead.
        // Only the XML knows whether a period is set; a slow guest looks the same.
        let second = vec![
            l.l("      "),
            l.d(" no guest figures yet: balloon stats period unset, or no report"),
        ];
        return vec![Line::from(first), Line::from(second)];
    }
    let second = vec![
        l.l("      "),
        l.d(format!(
            " swap in {} out {}  faults major {} minor {}  updated {}",
            opt(b.swap_in),
            opt(b.swap_out),
            opt(b.major_fault),
            opt(b.minor_fault),
            b.last_update
                .map_or("-".into(), |t| format::age(t, format::now_epoch()))
        )),
    ];
    vec![Line::from(first), Line::from(second)]
}

/// Lays `title` then `key value` pairs into lines of at most `width` cells, never
/// splitting a pair (a wrapped number is easy to misread).
fn pack(
    title: Vec<Span<'static>>,
    pairs: &[(String, Option<u64>)],
    width: usize,
    l: &Labels,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut used: usize = title.iter().map(|s| s.content.chars().count()).sum();
    let mut cur = title;
    for (k, v) in pairs {
        let v = opt(*v);
        let w = k.len() + v.len() + 2;
        if used + w > width && used > 4 {
            out.push(Line::from(std::mem::take(&mut cur)));
            cur.push(l.d("   "));
            used = 3;
        }
        cur.push(l.d(format!(" {k} ")));
        cur.push(l.v(v));
        used += w;
    }
    out.push(Line::from(cur));
    out
}

/// Raw cumulative counters, as `virsh domblkstat` / `domifstat` / `dommemstat` print them.
pub fn raw_lines(h: &DomainHistory, l: &Labels, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let mut out = Vec::new();
    let kv = |k: &str, v: Option<u64>| (k.to_string(), v);
    for d in &h.latest.disks {
        let mut title = vec![l.l(" domblkstat ")];
        title.extend(l.u(&d.name));
        let pairs = [
            kv("rd_req", d.rd_reqs),
            kv("rd_bytes", d.rd_bytes),
            kv("wr_req", d.wr_reqs),
            kv("wr_bytes", d.wr_bytes),
            kv("errs", d.errs),
            kv("flush_operations", d.fl_reqs),
            kv("rd_total_times", d.rd_times),
            kv("wr_total_times", d.wr_times),
            kv("flush_total_times", d.fl_times),
        ];
        out.extend(pack(title, &pairs, width, l));
    }
    for n in &h.latest.nics {
        let mut title = vec![l.l(" domifstat ")];
        title.extend(l.u(&n.name));
        let pairs = [
            kv("rx_bytes", n.rx_bytes),
            kv("rx_packets", n.rx_pkts),
            kv("rx_errs", n.rx_errs),
            kv("rx_drop", n.rx_drop),
            kv("tx_bytes", n.tx_bytes),
            kv("tx_packets", n.tx_pkts),
            kv("tx_errs", n.tx_errs),
            kv("tx_drop", n.tx_drop),
        ];
        out.extend(pack(title, &pairs, width, l));
    }
    if let Some(b) = &h.latest.balloon {
        let pairs = [
            kv("actual", b.current),
            kv("swap_in", b.swap_in),
            kv("swap_out", b.swap_out),
            kv("major_fault", b.major_fault),
            kv("minor_fault", b.minor_fault),
            kv("unused", b.unused),
            kv("available", b.available),
            kv("usable", b.usable),
            kv("last_update", b.last_update),
            kv("disk_caches", b.disk_caches),
            kv("rss", b.rss),
        ];
        out.extend(pack(vec![l.l(" dommemstat")], &pairs, width, l));
    }
    out
}
