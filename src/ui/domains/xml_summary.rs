//! What the Overview reads from a domain's XML (title, description, sizes, devices) and
//! how the live and persistent definitions differ: the changes waiting for the next boot.

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

/// The parts of a definition a user changes and expects to see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub title: Option<String>,
    pub description: Option<String>,
    /// `<vcpu>`'s maximum and its `current` attribute (the maximum when absent).
    pub vcpus: Option<u64>,
    pub vcpus_current: Option<u64>,
    pub memory_kib: Option<u64>,
    pub current_memory_kib: Option<u64>,
    /// Disk target names (`vda`, `sdb`) in document order.
    pub disks: Vec<String>,
    /// Interface MAC addresses in document order.
    pub nics: Vec<String>,
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// A memory figure with libvirt's `unit` (KiB when none) in KiB.
fn to_kib(value: &str, unit: Option<&str>) -> Option<u64> {
    let v: u64 = value.trim().parse().ok()?;
    let factor_bytes: u64 = match unit.unwrap_or("KiB") {
        "b" | "bytes" => 1,
        "KB" => 1000,
        "k" | "KiB" => 1 << 10,
        "MB" => 1_000_000,
        "M" | "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "G" | "GiB" => 1 << 30,
        "TB" => 1_000_000_000_000,
        "T" | "TiB" => 1 << 40,
        _ => return None,
    };
    Some(v.saturating_mul(factor_bytes) / 1024)
}

/// Reads the summary; malformed XML gives what was read before the error.
pub fn summarize(xml: &str) -> Summary {
    let mut s = Summary::default();
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut unit: Option<String> = None;
    let mut text = String::new();
    loop {
        let ev = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(ev) => ev,
        };
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let parent = stack.last().map(String::as_str);
                match (parent, name.as_str()) {
                    (Some("domain"), "vcpu") => {
                        s.vcpus_current = attr(e, "current").and_then(|v| v.parse().ok());
                    }
                    (Some("domain"), "memory" | "currentMemory") => unit = attr(e, "unit"),
                    (Some("disk"), "target") => s.disks.extend(attr(e, "dev")),
                    (Some("interface"), "mac") => s.nics.extend(attr(e, "address")),
                    _ => {}
                }
                if matches!(ev, Event::Start(_)) {
                    stack.push(name);
                    text.clear();
                }
            }
            Event::Text(t) => text.push_str(&String::from_utf8_lossy(t)),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(t)),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(r).into_owned();
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else if let Some(v) = resolve_predefined_entity(&name) {
                    text.push_str(v);
                }
            }
            Event::End(_) => {
                let top = stack.len() == 2 && stack[0] == "domain";
                let t = std::mem::take(&mut text);
                match stack.last().map(String::as_str) {
                    Some("title") if top => s.title = Some(t.trim().to_string()),
                    Some("description") if top => s.description = Some(t.trim().to_string()),
                    Some("vcpu") if top => s.vcpus = t.trim().parse().ok(),
                    Some("memory") if top => s.memory_kib = to_kib(&t, unit.as_deref()),
                    Some("currentMemory") if top => {
                        s.current_memory_kib = to_kib(&t, unit.as_deref())
                    }
                    _ => {}
                }
                stack.pop();
            }
            _ => {}
        }
    }
    if s.vcpus_current.is_none() {
        s.vcpus_current = s.vcpus;
    }
    s
}

/// What the next boot changes: the persistent definition against the running one, in
/// words ("vCPUs 1 → 2"). Empty when they agree on what [`Summary`] covers.
pub fn pending(live: &Summary, next: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    let num = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    let mem = |v: Option<u64>| v.map_or("-".to_string(), crate::ui::format::mem);
    if live.vcpus_current != next.vcpus_current || live.vcpus != next.vcpus {
        out.push(format!(
            "vCPUs {} → {}",
            num(live.vcpus_current),
            num(next.vcpus_current)
        ));
    }
    if live.memory_kib != next.memory_kib {
        out.push(format!(
            "max memory {} → {}",
            mem(live.memory_kib),
            mem(next.memory_kib)
        ));
    }
    if live.current_memory_kib != next.current_memory_kib {
        out.push(format!(
            "memory {} → {}",
            mem(live.current_memory_kib),
            mem(next.current_memory_kib)
        ));
    }
    let added: Vec<&String> = next
        .disks
        .iter()
        .filter(|d| !live.disks.contains(d))
        .collect();
    let gone: Vec<&String> = live
        .disks
        .iter()
        .filter(|d| !next.disks.contains(d))
        .collect();
    for d in added {
        out.push(format!("disk {d} added"));
    }
    for d in gone {
        out.push(format!("disk {d} removed"));
    }
    let nics_added = next.nics.iter().filter(|m| !live.nics.contains(m)).count();
    let nics_gone = live.nics.iter().filter(|m| !next.nics.contains(m)).count();
    if nics_added + nics_gone > 0 {
        out.push(format!("interfaces +{nics_added} −{nics_gone}"));
    }
    if live.title != next.title || live.description != next.description {
        out.push("title/description".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIVE: &str = "<domain type='kvm' id='3'><name>a</name>\
        <title>web front</title><description>serves &lt;b&gt; pages</description>\
        <memory unit='KiB'>1048576</memory><currentMemory unit='KiB'>1048576</currentMemory>\
        <vcpu placement='static'>1</vcpu><devices>\
        <disk type='file'><target dev='vda' bus='virtio'/></disk>\
        <interface type='network'><mac address='52:54:00:00:00:01'/></interface>\
        </devices></domain>";

    #[test]
    fn reads_title_description_sizes_and_devices() {
        let s = summarize(LIVE);
        assert_eq!(s.title.as_deref(), Some("web front"));
        assert_eq!(s.description.as_deref(), Some("serves <b> pages"));
        assert_eq!((s.vcpus, s.vcpus_current), (Some(1), Some(1)));
        assert_eq!(s.memory_kib, Some(1_048_576));
        assert_eq!(s.disks, vec!["vda"]);
        assert_eq!(s.nics, vec!["52:54:00:00:00:01"]);
    }

    #[test]
    fn a_change_for_the_next_boot_is_named_and_units_are_honoured() {
        let next = LIVE
            .replace("<vcpu placement='static'>1</vcpu>", "<vcpu>2</vcpu>")
            .replace(
                "<memory unit='KiB'>1048576</memory>",
                "<memory unit='GiB'>2</memory>",
            );
        let p = pending(&summarize(LIVE), &summarize(&next));
        assert_eq!(p, vec!["vCPUs 1 → 2", "max memory 1.0G → 2.0G"]);
        assert!(pending(&summarize(LIVE), &summarize(LIVE)).is_empty());
    }

    #[test]
    fn malformed_xml_gives_what_was_read() {
        let s = summarize("<domain><title>x</title><vcpu>4</vcpu><devices><disk");
        assert_eq!(s.title.as_deref(), Some("x"));
        assert_eq!(s.vcpus, Some(4));
    }
}
