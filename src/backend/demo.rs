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
