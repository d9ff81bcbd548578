//! A domain's disks and their backing chains, read from its live XML (what `virsh
//! domblklist --details` shows, plus each `<backingStore>` from the top image to the base).

use virt::domain::Domain;

use crate::backend::xmltree::{self, Element};

/// One image of a chain.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ChainImage {
    /// file, block, network, volume…
    pub kind: String,
    /// The file or device path (or `pool/volume`, or the network name); `None` when empty
    /// (a CD-ROM without media).
    pub path: Option<String>,
    /// raw, qcow2… as libvirt reports it.
    pub format: Option<String>,
    /// libvirt's index of this image (`vda[2]`), usable as a block job top/base.
    pub index: Option<u32>,
    /// Virtual size in bytes, when known (filled by [`fill_sizes`]).
    pub capacity: Option<u64>,
    /// Bytes used on the host, when known.
    pub allocation: Option<u64>,
}

/// A block job libvirt shows in the XML (`<mirror>`): copy or active commit.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Mirror {
    /// copy, active-commit.
    pub job: String,
    pub path: Option<String>,
    pub format: Option<String>,
    /// libvirt set `ready='yes'`: a pivot is possible.
    pub ready: bool,
}

/// One `<disk>` of a domain.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DiskInfo {
    /// vda, sdb…
    pub target: String,
    pub bus: String,
    /// disk, cdrom, floppy, lun.
    pub device: String,
    pub readonly: bool,
    pub shareable: bool,
    /// The active image first, then each backing image down to the base.
    pub chain: Vec<ChainImage>,
    pub mirror: Option<Mirror>,
}

impl DiskInfo {
    /// The active image (the domain writes here).
    pub fn top(&self) -> Option<&ChainImage> {
        self.chain.first()
    }

    /// The source path of the active image.
    pub fn source(&self) -> Option<&str> {
        self.top().and_then(|i| i.path.as_deref())
    }
}

fn source_path(kind: &str, source: Option<&Element>) -> Option<String> {
    let s = source?;
    let p = match kind {
        "file" => s.attr("file"),
        "block" => s.attr("dev"),
        "dir" => s.attr("dir"),
        "network" => s.attr("name"),
        "volume" => {
            return Some(format!(
                "{}/{}",
                s.attr("pool").unwrap_or(""),
                s.attr("volume").unwrap_or("")
            ));
        }
        _ => s.attr("file").or(s.attr("dev")),
    };
    p.filter(|p| !p.is_empty()).map(str::to_string)
}

fn image(el: &Element, format: Option<&str>) -> ChainImage {
    let kind = el.attr("type").unwrap_or("file").to_string();
    ChainImage {
        path: source_path(&kind, el.child("source")),
        kind,
        format: format.map(str::to_string),
        index: el
            .attr("index")
            .or_else(|| el.child("source").and_then(|s| s.attr("index")))
            .and_then(|i| i.parse().ok()),
        capacity: None,
        allocation: None,
    }
}

fn chain(disk: &Element) -> Vec<ChainImage> {
    let top_format = disk.child("driver").and_then(|d| d.attr("type"));
    let mut out = vec![image(disk, top_format)];
    let mut cur = disk.child("backingStore");
    // An empty <backingStore/> ends the chain; depth is bounded by the document itself.
    while let Some(b) = cur {
        if b.attrs.is_empty() && b.children.is_empty() {
            break;
        }
        let format = b.child("format").and_then(|f| f.attr("type"));
        out.push(image(b, format));
        cur = b.child("backingStore");
    }
    out
}

/// The disks of a domain XML, in document order.
pub fn parse(xml: &str) -> Result<Vec<DiskInfo>, String> {
    let root = xmltree::parse(xml)?;
    let Some(devices) = root.child("devices") else {
        return Ok(Vec::new());
    };
    Ok(devices
        .children_named("disk")
        .map(|d| {
            let target = d.child("target");
            DiskInfo {
                target: target.and_then(|t| t.attr("dev")).unwrap_or("").to_string(),
                bus: target.and_then(|t| t.attr("bus")).unwrap_or("").to_string(),
                device: d.attr("device").unwrap_or("disk").to_string(),
                readonly: d.child("readonly").is_some(),
                shareable: d.child("shareable").is_some(),
                chain: chain(d),
                mirror: d.child("mirror").map(|m| {
                    let kind = m.attr("type").unwrap_or("file");
                    Mirror {
                        job: m.attr("job").unwrap_or("copy").to_string(),
                        path: m
                            .attr("file")
                            .map(str::to_string)
                            .or_else(|| source_path(kind, m.child("source"))),
                        format: m
                            .child("format")
                            .and_then(|f| f.attr("type"))
                            .map(str::to_string),
                        ready: m.attr("ready") == Some("yes"),
                    }
                }),
            }
        })
        .collect())
}

/// Reads the live XML of `dom` and fills each image's sizes: the active layer from
/// `virDomainGetBlockInfo`, backing images from the storage volume at that path.
pub fn read(dom: &Domain) -> Result<Vec<DiskInfo>, String> {
    let xml = dom.xml_desc(0).map_err(|e| e.message().to_string())?;
    let mut disks = parse(&xml)?;
    fill_sizes(dom, &mut disks);
    Ok(disks)
}

/// Best effort: a size that cannot be read stays `None` (an image outside any pool).
pub fn fill_sizes(dom: &Domain, disks: &mut [DiskInfo]) {
    let conn = dom.connect().ok();
    let active = dom.is_active().unwrap_or(false);
    for d in disks.iter_mut() {
        for (i, img) in d.chain.iter_mut().enumerate() {
            if i == 0
                && active
                && !d.target.is_empty()
                && let Ok((cap, alloc, _)) =
                    crate::backend::ffi::blockjob::block_info(dom, &d.target)
            {
                img.capacity = Some(cap);
                img.allocation = Some(alloc);
                continue;
            }
            let (Some(conn), Some(path)) = (&conn, img.path.as_deref()) else {
                continue;
            };
            if let Ok(vol) = conn.lookup_storage_vol_by_path(path)
                && let Ok(info) = vol.info()
            {
                img.capacity = Some(info.capacity);
                img.allocation = Some(info.allocation);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<domain type='kvm'><name>d</name><devices>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='/img/d.s2.qcow2' index='3'/>
        <backingStore type='file' index='2'>
          <format type='qcow2'/>
          <source file='/img/d.s1.qcow2'/>
          <backingStore type='file' index='1'>
            <format type='qcow2'/>
            <source file='/img/d.qcow2'/>
            <backingStore/>
          </backingStore>
        </backingStore>
        <mirror type='file' job='active-commit' ready='yes'><format type='qcow2'/><source file='/img/d.qcow2'/></mirror>
        <target dev='vda' bus='virtio'/>
      </disk>
      <disk type='file' device='cdrom'>
        <driver name='qemu' type='raw'/>
        <target dev='sda' bus='sata'/>
        <readonly/>
      </disk>
    </devices></domain>"#;

    #[test]
    fn chains_run_from_the_top_image_to_the_base() {
        let disks = parse(XML).expect("parses");
        assert_eq!(disks.len(), 2);
        let vda = &disks[0];
        assert_eq!((vda.target.as_str(), vda.bus.as_str()), ("vda", "virtio"));
        let paths: Vec<_> = vda.chain.iter().map(|i| i.path.as_deref()).collect();
        assert_eq!(
            paths,
            [
                Some("/img/d.s2.qcow2"),
                Some("/img/d.s1.qcow2"),
                Some("/img/d.qcow2")
            ]
        );
        assert_eq!(vda.chain[1].index, Some(2));
        assert!(
            vda.chain
                .iter()
                .all(|i| i.format.as_deref() == Some("qcow2"))
        );
        let m = vda.mirror.as_ref().expect("mirror");
        assert!(m.ready && m.job == "active-commit");
        assert_eq!(m.path.as_deref(), Some("/img/d.qcow2"));
        let cd = &disks[1];
        assert!(cd.readonly && cd.device == "cdrom" && cd.source().is_none());
    }
}
