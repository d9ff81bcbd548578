//! Node info, versions and the capabilities summary.

use virt::connect::Connect;

use super::{GuestCaps, HostInfo};
use crate::backend::xmltree;

fn version(v: u32) -> String {
    format!("{}.{}.{}", v / 1_000_000, (v / 1000) % 1000, v % 1000)
}

/// (host arch, guest kinds) from the capabilities XML.
pub fn summarize_caps(xml: &str) -> Result<(String, Vec<GuestCaps>), String> {
    let root = xmltree::parse(xml).map_err(|e| format!("capabilities XML: {e}"))?;
    let arch = root.text_at("host/cpu/arch").unwrap_or_default();
    let guests = root
        .children_named("guest")
        .map(|g| {
            let a = g.child("arch");
            GuestCaps {
                os_type: g.text_at("os_type").unwrap_or_default(),
                arch: a
                    .and_then(|a| a.attr("name"))
                    .unwrap_or_default()
                    .to_string(),
                domain_types: a
                    .map(|a| {
                        a.children_named("domain")
                            .filter_map(|d| d.attr("type").map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok((arch, guests))
}

pub fn read_host(conn: &Connect) -> Result<HostInfo, String> {
    let msg = |e: virt::error::Error| e.message().to_string();
    let ni = conn.node_info().map_err(msg)?;
    let (arch, guests) = conn
        .capabilities()
        .map_err(msg)
        .and_then(|x| summarize_caps(&x))?;
    let hv_type = conn.driver_type().unwrap_or_default();
    let hypervisor = match conn.hyp_version() {
        Ok(v) if v > 0 => format!("{hv_type} {}", version(v)),
        _ => hv_type,
    };
    Ok(HostInfo {
        hostname: conn.hostname().unwrap_or_default(),
        cpu_model: ni.model,
        arch,
        cpus: ni.cpus,
        mhz: ni.mhz,
        numa_nodes: ni.nodes,
        sockets: ni.sockets,
        cores: ni.cores,
        threads: ni.threads,
        memory_kib: ni.memory,
        // The test driver has no free-memory figure; 0 says "unknown".
        free_memory_bytes: conn.free_memory().unwrap_or(0),
        libvirt_version: conn.lib_version().map(version).unwrap_or_default(),
        hypervisor,
        guests,
    })
}
