//! The built-in demo host: libvirt's test driver on a node file shipped in the binary.

use std::io::Write;

/// The demo node, embedded so `virtdeck --demo` works from any directory.
pub const DEMO_HOST_XML: &str = include_str!("../../assets/demo-host.xml");

/// A node file written to a temporary path (the test driver needs an absolute path).
/// Keep it alive as long as the connection may reconnect.
pub struct NodeFile {
    file: tempfile::NamedTempFile,
}

impl NodeFile {
    pub fn write(xml: &str) -> std::io::Result<NodeFile> {
        let mut file = tempfile::Builder::new()
            .prefix("virtdeck-node-")
            .suffix(".xml")
            .tempfile()?;
        file.write_all(xml.as_bytes())?;
        file.flush()?;
        Ok(NodeFile { file })
    }

    /// `test:///ABS/PATH.xml` for this node.
    pub fn uri(&self) -> String {
        format!("test://{}", self.file.path().display())
    }
}

/// A test-driver node with `count` domains in mixed states (a third running, a sixth
/// paused, the rest shut off), each with a disk and a NIC: for benchmarks at scale.
pub fn synthetic_node(count: usize) -> String {
    let mut xml = String::with_capacity(count * 900 + 512);
    xml.push_str(
        "<node>\n<network><name>default</name><bridge name='virbr0'/><forward/>\
         <ip address='192.168.122.1' netmask='255.255.255.0'/></network>\n",
    );
    for i in 0..count {
        let state = match i % 6 {
            0 | 1 => 1,
            2 => 3,
            _ => 5,
        };
        let mem_mib = 512 << (i % 5);
        xml.push_str(&format!(
            "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\
             <name>vm-{i:05}</name><uuid>6f1c0000-0000-4000-8000-{i:012x}</uuid>\
             <memory unit='MiB'>{mem_mib}</memory><vcpu>{vcpu}</vcpu>\
             <os><type>hvm</type></os><devices>\
             <disk type='file' device='disk'><source file='/var/lib/libvirt/images/vm-{i:05}.qcow2'/>\
             <target dev='vda' bus='virtio'/></disk>\
             <interface type='network'><mac address='52:54:00:{a:02x}:{b:02x}:{c:02x}'/>\
             <source network='default'/><model type='virtio'/></interface>\
             </devices><test:runstate>{state}</test:runstate></domain>\n",
            vcpu = 1 + i % 8,
            a = (i >> 16) & 0xff,
            b = (i >> 8) & 0xff,
            c = i & 0xff,
        ));
    }
    xml.push_str("</node>\n");
    xml
}
