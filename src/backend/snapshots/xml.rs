//! Snapshot XML: reading the fields the tree shows, and writing the XML for a new one.

use quick_xml::Reader;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};

use super::{CreateSpec, Location, SnapshotInfo};

/// Reads a `<domainsnapshot>` document. Only top-level fields count: the embedded
/// `<domain>` has its own `<name>` and `<description>`.
pub fn parse(xml: &str, current: bool) -> Result<SnapshotInfo, String> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut info = SnapshotInfo {
        name: String::new(),
        parent: None,
        created: 0,
        state: String::new(),
        description: String::new(),
        location: Location::None,
        memory: false,
        current,
        files: Vec::new(),
        xml: xml.to_string(),
    };
    let (mut internal, mut external) = (0, 0);
    let mut memory_attr: Option<String> = None;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("malformed snapshot XML: {e}"))?;
        match ev {
            Event::Start(e) => {
                text.clear();
                let name = local(&e);
                if is_disks(&path) && name == "disk" {
                    count_disk(&attr(&e, "snapshot"), &mut internal, &mut external);
                }
                path.push(name);
            }
            Event::Empty(e) => {
                let name = local(&e);
                if path.len() == 1 && name == "memory" {
                    memory_attr = attr(&e, "snapshot");
                    info.files.extend(attr(&e, "file"));
                } else if is_disks(&path) && name == "disk" {
                    count_disk(&attr(&e, "snapshot"), &mut internal, &mut external);
                } else if path.len() == 3 && path[1] == "disks" && name == "source" {
                    info.files.extend(attr(&e, "file"));
                }
            }
            Event::Text(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else if let Some(s) = resolve_predefined_entity(&name) {
                    text.push_str(s);
                }
            }
            Event::End(_) => {
                let rel: Vec<&str> = path.iter().skip(1).map(String::as_str).collect();
                match rel.as_slice() {
                    ["name"] => info.name = std::mem::take(&mut text),
                    ["description"] => info.description = std::mem::take(&mut text),
                    ["state"] => info.state = text.trim().to_string(),
                    ["creationTime"] => info.created = text.trim().parse().unwrap_or(0),
                    ["parent", "name"] => info.parent = Some(std::mem::take(&mut text)),
                    _ => {}
                }
                path.pop();
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if info.name.is_empty() {
        return Err("snapshot XML without a <name>".into());
    }
    info.location = match (internal, external) {
        (0, 0) => Location::None,
        (_, 0) => Location::Internal,
        (0, _) => Location::External,
        _ => Location::Mixed,
    };
    info.memory = match memory_attr.as_deref() {
        Some("internal") | Some("external") => true,
        Some(_) => false,
        // Old libvirt omits <memory>: memory was saved unless the domain was off or the
        // snapshot was disk-only.
        None => matches!(info.state.as_str(), "running" | "paused" | "blocked"),
    };
    Ok(info)
}

/// True inside `<domainsnapshot><disks>`.
fn is_disks(path: &[String]) -> bool {
    path.len() == 2 && path[1] == "disks"
}

fn count_disk(kind: &Option<String>, internal: &mut u32, external: &mut u32) {
    match kind.as_deref() {
        Some("internal") => *internal += 1,
        Some("external") => *external += 1,
        _ => {}
    }
}

fn local(e: &BytesStart) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// The `<domainsnapshot>` document for `virDomainSnapshotCreateXML`; every user string is
/// escaped. `name` is final (the quick name already generated).
pub fn build(name: &str, spec: &CreateSpec, running: bool) -> String {
    let mut x = String::from("<domainsnapshot>\n");
    x.push_str(&format!("  <name>{}</name>\n", escape(name)));
    if !spec.description.is_empty() {
        x.push_str(&format!(
            "  <description>{}</description>\n",
            escape(spec.description.as_str())
        ));
    }
    // A memory state only exists for a running guest; disk-only never has one.
    if running && !spec.disk_only && !spec.memory {
        x.push_str("  <memory snapshot='no'/>\n");
    }
    x.push_str("</domainsnapshot>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERNAL: &str = r#"<domainsnapshot>
  <name>s2</name>
  <description>after &lt;upgrade&gt; &amp; reboot</description>
  <state>running</state>
  <parent><name>s1</name></parent>
  <creationTime>1700000100</creationTime>
  <memory snapshot='internal'/>
  <disks><disk name='vda' snapshot='internal'/></disks>
  <domain type='qemu'><name>guest</name><description>the domain</description></domain>
</domainsnapshot>"#;

    const EXTERNAL: &str = r#"<domainsnapshot>
  <name>ext1</name>
  <state>disk-snapshot</state>
  <creationTime>1700000200</creationTime>
  <memory snapshot='no'/>
  <disks>
    <disk name='vda' snapshot='external' type='file'>
      <driver type='qcow2'/><source file='/images/g.ext1'/>
    </disk>
    <disk name='vdb' snapshot='no'/>
  </disks>
</domainsnapshot>"#;

    #[test]
    fn reads_top_level_fields_not_the_embedded_domains() {
        let s = parse(INTERNAL, true).expect("parses");
        assert_eq!(s.name, "s2");
        assert_eq!(s.description, "after <upgrade> & reboot");
        assert_eq!(s.parent.as_deref(), Some("s1"));
        assert_eq!(s.created, 1_700_000_100);
        assert_eq!(s.state, "running");
        assert_eq!(s.location, Location::Internal);
        assert!(s.memory && s.current);
        assert!(s.files.is_empty());
    }

    #[test]
    fn external_snapshots_list_their_files() {
        let s = parse(EXTERNAL, false).expect("parses");
        assert_eq!(s.location, Location::External);
        assert!(!s.memory);
        assert_eq!(s.parent, None);
        assert_eq!(s.files, vec!["/images/g.ext1".to_string()]);
    }

    #[test]
    fn malformed_xml_is_an_error_not_a_panic() {
        assert!(parse("<domainsnapshot><name>x</nam", false).is_err());
        assert!(parse("<domainsnapshot></domainsnapshot>", false).is_err());
    }

    #[test]
    fn built_xml_escapes_user_text_and_round_trips() {
        let spec = CreateSpec {
            description: "a <b> & 'c'".into(),
            memory: false,
            ..CreateSpec::default()
        };
        let xml = build("n&<x>", &spec, true);
        assert!(xml.contains("<memory snapshot='no'/>"));
        let back = parse(&xml, false).expect("own XML parses");
        assert_eq!(back.name, "n&<x>");
        assert_eq!(back.description, "a <b> & 'c'");
    }
}
