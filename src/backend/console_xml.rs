//! Finds a domain's consoles and serial ports (alias, type, target) in its live XML.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// One character device a console can be opened on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleDevice {
    /// libvirt's alias ("serial0", "console1"), what virDomainOpenConsole takes.
    pub alias: String,
    /// "console" or "serial".
    pub kind: String,
    /// The source type: "pty", "file", "tcp", …; only "pty" can be opened.
    pub source_type: String,
    /// Target type and port, e.g. "serial port 0" or "virtio port 1", for the picker.
    pub target: String,
    /// The target port; a `<console>` whose target is "serial" mirrors the serial port
    /// with the same number.
    pub port: Option<String>,
}

impl ConsoleDevice {
    pub fn is_pty(&self) -> bool {
        self.source_type == "pty"
    }
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Lists `<console>` and `<serial>` devices in document order, consoles first, dropping
/// a serial that a console mirrors (same alias, or a serial-type console on its port: on
/// x86 libvirt shows serial0 twice). Devices without an alias (inactive XML, the test
/// driver) keep an empty alias.
pub fn parse_devices(xml: &str) -> Result<Vec<ConsoleDevice>, String> {
    let mut reader = Reader::from_str(xml);
    let mut consoles = Vec::new();
    let mut serials = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut current: Option<ConsoleDevice> = None;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("cannot parse the domain XML: {e}"))?;
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
            let in_devices = stack.len() == 2 && stack[1] == "devices";
            if in_devices && (name == "console" || name == "serial") {
                current = Some(ConsoleDevice {
                    alias: String::new(),
                    kind: name.clone(),
                    source_type: attr(e, "type").unwrap_or_else(|| "pty".into()),
                    target: String::new(),
                    port: None,
                });
            } else if let Some(dev) = current.as_mut() {
                match name.as_str() {
                    "alias" => dev.alias = attr(e, "name").unwrap_or_default(),
                    "target" if stack.len() == 3 => {
                        let ty = attr(e, "type").unwrap_or_else(|| dev.kind.clone());
                        dev.port = attr(e, "port");
                        dev.target = match &dev.port {
                            Some(p) => format!("{ty} port {p}"),
                            None => ty,
                        };
                    }
                    _ => {}
                }
            }
            if !empty {
                stack.push(name);
            } else if stack.len() == 2 {
                finish(&mut current, &mut consoles, &mut serials);
            }
        }
        match ev {
            Event::End(_) => {
                stack.pop();
                if stack.len() == 2 {
                    finish(&mut current, &mut consoles, &mut serials);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut out = consoles;
    for s in serials {
        let mirrored = out.iter().any(|c| {
            (!s.alias.is_empty() && c.alias == s.alias)
                || (c.target.starts_with("serial") && s.port.is_some() && c.port == s.port)
        });
        if !mirrored {
            out.push(s);
        }
    }
    Ok(out)
}

fn finish(
    current: &mut Option<ConsoleDevice>,
    consoles: &mut Vec<ConsoleDevice>,
    serials: &mut Vec<ConsoleDevice>,
) {
    if let Some(dev) = current.take() {
        if dev.kind == "console" {
            consoles.push(dev);
        } else {
            serials.push(dev);
        }
    }
}

/// What to tell a user whose domain has no console virtdeck can open.
pub const NO_PTY_HINT: &str = "this domain has no pty console. Add to its XML (virsh edit): \
<serial type='pty'><target port='0'/></serial> <console type='pty'><target type='serial' \
port='0'/></console>, restart it, and boot the guest with console=ttyS0";

#[cfg(test)]
mod tests {
    use super::*;

    const LIVE: &str = r#"<domain type='qemu' id='3'><name>g</name><devices>
      <disk type='file'><target dev='vda'/><alias name='virtio-disk0'/></disk>
      <serial type='pty'><source path='/dev/pts/4'/><log file='/x.log'/>
        <target type='isa-serial' port='0'><model name='isa-serial'/></target>
        <alias name='serial0'/></serial>
      <serial type='file'><source path='/tmp/s1'/><target type='isa-serial' port='1'/>
        <alias name='serial1'/></serial>
      <console type='pty' tty='/dev/pts/4'><source path='/dev/pts/4'/>
        <target type='serial' port='0'/><alias name='serial0'/></console>
      <console type='pty'><target type='virtio' port='1'/><alias name='console1'/></console>
    </devices></domain>"#;

    #[test]
    fn lists_consoles_then_serials_without_the_mirrored_serial() {
        let devs = parse_devices(LIVE).expect("parses");
        let aliases: Vec<_> = devs.iter().map(|d| d.alias.as_str()).collect();
        assert_eq!(aliases, ["serial0", "console1", "serial1"]);
        assert_eq!(devs[0].target, "serial port 0");
        assert_eq!(devs[1].target, "virtio port 1");
        assert!(devs[0].is_pty() && devs[1].is_pty());
        assert!(!devs[2].is_pty());
        assert_eq!(devs[2].source_type, "file");
    }

    #[test]
    fn without_aliases_the_mirrored_serial_is_still_dropped() {
        let xml = "<domain><devices><serial type='pty'><target port='0'/></serial>\
            <console type='pty'><target type='serial' port='0'/></console></devices></domain>";
        let devs = parse_devices(xml).expect("parses");
        assert_eq!(devs.len(), 1, "{devs:?}");
        assert_eq!(devs[0].kind, "console");
    }

    #[test]
    fn a_domain_without_consoles_has_none_and_bad_xml_is_an_error() {
        let none = parse_devices("<domain><devices><disk/></devices></domain>").expect("ok");
        assert!(none.is_empty());
        assert!(parse_devices("<domain><devices><serial></devices>").is_err());
    }
}
