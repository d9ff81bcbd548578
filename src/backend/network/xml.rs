//! What the networks list shows, read from a network's XML: bridge, forward mode, IP
//! ranges and DHCP ranges.

use crate::backend::xmltree;

/// One `<ip>` element: address/prefix and its DHCP range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpRange {
    /// `ipv4` or `ipv6`.
    pub family: String,
    pub address: String,
    pub prefix: u32,
    /// (start, end) of the first `<dhcp><range>`.
    pub dhcp: Option<(String, String)>,
}

/// The parts of a network's XML the list needs.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NetworkXml {
    pub name: String,
    pub uuid: String,
    pub bridge: Option<String>,
    /// `nat`, `route`, `open`, `bridge`, `passthrough`, ... or `isolated` without `<forward>`.
    pub forward: String,
    pub ips: Vec<IpRange>,
}

/// Dotted netmask to prefix length; `None` for a non-contiguous or malformed mask.
fn netmask_prefix(mask: &str) -> Option<u32> {
    let ip: std::net::Ipv4Addr = mask.parse().ok()?;
    let bits = u32::from(ip);
    let ones = bits.leading_ones();
    (bits.checked_shl(ones).unwrap_or(0) == 0).then_some(ones)
}

pub fn parse(xml: &str) -> Result<NetworkXml, String> {
    let root = xmltree::parse(xml).map_err(|e| format!("network XML: {e}"))?;
    if root.name != "network" {
        return Err(format!(
            "network XML: root is <{}>, not <network>",
            root.name
        ));
    }
    let forward = match root.child("forward") {
        None => "isolated".to_string(),
        Some(f) => f.attr("mode").unwrap_or("nat").to_string(),
    };
    let ips = root
        .children_named("ip")
        .filter_map(|ip| {
            let address = ip.attr("address")?.to_string();
            let family = ip.attr("family").unwrap_or("ipv4").to_string();
            let prefix = ip
                .attr("prefix")
                .and_then(|p| p.parse().ok())
                .or_else(|| ip.attr("netmask").and_then(netmask_prefix))
                .unwrap_or(if family == "ipv6" { 64 } else { 24 });
            let dhcp = ip
                .at("dhcp/range")
                .and_then(|r| Some((r.attr("start")?.to_string(), r.attr("end")?.to_string())));
            Some(IpRange {
                family,
                address,
                prefix,
                dhcp,
            })
        })
        .collect();
    Ok(NetworkXml {
        name: root.text_at("name").unwrap_or_default(),
        uuid: root.text_at("uuid").unwrap_or_default(),
        bridge: root.attr_at("bridge", "name"),
        forward,
        ips,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nat_network_with_dhcp() {
        let n = parse(
            "<network><name>default</name><uuid>u-1</uuid><forward mode='nat'/>\
             <bridge name='virbr0' stp='on'/><ip address='192.168.122.1' netmask='255.255.255.0'>\
             <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>\
             <ip family='ipv6' address='fd00::1' prefix='64'/></network>",
        )
        .expect("parse");
        assert_eq!(n.forward, "nat");
        assert_eq!(n.bridge.as_deref(), Some("virbr0"));
        assert_eq!(n.ips[0].prefix, 24);
        assert_eq!(
            n.ips[0].dhcp,
            Some(("192.168.122.2".into(), "192.168.122.254".into()))
        );
        assert_eq!(n.ips[1].family, "ipv6");
        assert_eq!(n.ips[1].dhcp, None);
    }

    #[test]
    fn no_forward_is_isolated_and_bad_xml_is_an_error() {
        let n = parse("<network><name>iso</name></network>").expect("parse");
        assert_eq!(n.forward, "isolated");
        assert!(parse("<domain/>").is_err());
        assert!(parse("<network><name>x</network>").is_err());
    }

    #[test]
    fn netmask_to_prefix() {
        assert_eq!(netmask_prefix("255.255.0.0"), Some(16));
        assert_eq!(netmask_prefix("255.0.255.0"), None);
        assert_eq!(netmask_prefix("0.0.0.0"), Some(0));
    }
}
