//! Disk-only external snapshots: an overlay file per disk next to its current image
//! (`<image-stem>.<snapshot>.qcow2`), and, for a delete, exactly which files remain and
//! which disk's chain each belongs to.

use std::path::Path;

use quick_xml::escape::escape;

use super::disks::DiskInfo;

/// `/img/web.qcow2` + `before-upgrade` → `/img/web.before-upgrade.qcow2`.
pub fn overlay_path(image: &str, snapshot: &str) -> String {
    let p = Path::new(image);
    let stem = p
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "disk".into());
    let name = format!("{stem}.{snapshot}.qcow2");
    match p.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => dir.join(name).display().to_string(),
        None => name,
    }
}

/// Disks that can take an external overlay: writable file or block disks with a source.
pub fn snapshottable(d: &DiskInfo) -> bool {
    d.device == "disk"
        && !d.readonly
        && !d.shareable
        && d.source().is_some()
        && d.top()
            .is_some_and(|i| matches!(i.kind.as_str(), "file" | "block"))
}

/// The `<domainsnapshot>` for a disk-only external snapshot with one overlay per disk
/// (CD-ROMs, read-only and shared disks are left out with `snapshot='no'`). `files`
/// names the overlay of a disk (target, path); a disk it does not name gets the default
/// next to its image.
pub fn disk_only_xml(
    name: &str,
    description: &str,
    disks: &[DiskInfo],
    files: &[(String, String)],
) -> String {
    let mut x = format!("<domainsnapshot><name>{}</name>", escape(name));
    if !description.is_empty() {
        x.push_str(&format!(
            "<description>{}</description>",
            escape(description)
        ));
    }
    x.push_str("<memory snapshot='no'/><disks>");
    for d in disks.iter().filter(|d| !d.target.is_empty()) {
        match d.source() {
            Some(src) if snapshottable(d) => {
                let file = files
                    .iter()
                    .find(|(t, _)| *t == d.target)
                    .map_or_else(|| overlay_path(src, name), |(_, p)| p.clone());
                x.push_str(&format!(
                    "<disk name='{}' snapshot='external' type='file'><driver type='qcow2'/>\
                     <source file='{}'/></disk>",
                    escape(d.target.as_str()),
                    escape(file.as_str())
                ))
            }
            _ => x.push_str(&format!(
                "<disk name='{}' snapshot='no'/>",
                escape(d.target.as_str())
            )),
        }
    }
    x.push_str("</disks></domainsnapshot>");
    x
}

/// Where one file of an external snapshot stands today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemainingFile {
    pub path: String,
    /// The disk whose chain holds it, `None` when no current chain does (an orphan).
    pub disk: Option<String>,
    /// 0 = the image the domain writes to, 1 = its backing file, …
    pub depth: Option<usize>,
    /// The disk's chain top → base, for the message.
    pub chain: Vec<String>,
}

impl RemainingFile {
    pub fn describe(&self) -> String {
        match (&self.disk, self.depth) {
            (Some(disk), Some(0)) => format!(
                "{} stays: {disk} writes to it (chain {})",
                self.path,
                self.chain.join(" -> ")
            ),
            (Some(disk), Some(n)) => format!(
                "{} stays: backing image {n} of {disk} (chain {})",
                self.path,
                self.chain.join(" -> ")
            ),
            _ => format!(
                "{} stays on disk, used by no disk of this domain",
                self.path
            ),
        }
    }
}

/// Deleting an external snapshot's metadata removes no file: every file it made, and
/// the images below them, stay. Lists them with the chain each belongs to.
pub fn files_after_delete(snapshot_files: &[String], disks: &[DiskInfo]) -> Vec<RemainingFile> {
    snapshot_files
        .iter()
        .map(|path| {
            let hit = disks.iter().find_map(|d| {
                d.chain
                    .iter()
                    .position(|i| i.path.as_deref() == Some(path.as_str()))
                    .map(|depth| (d, depth))
            });
            match hit {
                Some((d, depth)) => RemainingFile {
                    path: path.clone(),
                    disk: Some(d.target.clone()),
                    depth: Some(depth),
                    chain: d.chain.iter().filter_map(|i| i.path.clone()).collect(),
                },
                None => RemainingFile {
                    path: path.clone(),
                    disk: None,
                    depth: None,
                    chain: Vec::new(),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::storage::disks::parse;

    const DOM: &str = r#"<domain><devices>
      <disk type='file' device='disk'><driver type='qcow2'/>
        <source file='/img/web.s1.qcow2'/>
        <backingStore type='file'><format type='qcow2'/><source file='/img/web.qcow2'/></backingStore>
        <target dev='vda' bus='virtio'/></disk>
      <disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>
    </devices></domain>"#;

    #[test]
    fn overlays_sit_next_to_the_current_image() {
        assert_eq!(overlay_path("/img/web.qcow2", "s2"), "/img/web.s2.qcow2");
        assert_eq!(overlay_path("/img/disk", "x"), "/img/disk.x.qcow2");
        let disks = parse(DOM).expect("parses");
        let x = disk_only_xml("s2", "", &disks, &[]);
        assert!(x.contains("<disk name='vda' snapshot='external' type='file'><driver type='qcow2'/><source file='/img/web.s1.s2.qcow2'/>"), "{x}");
        assert!(x.contains("<disk name='sda' snapshot='no'/>"), "{x}");
        // A path the user chose wins; a CD-ROM stays out whatever it is given.
        let chosen = [
            ("vda".to_string(), "/srv/o&v.qcow2".to_string()),
            ("sda".to_string(), "/srv/cd.qcow2".to_string()),
        ];
        let x = disk_only_xml("s2", "", &disks, &chosen);
        assert!(x.contains("<source file='/srv/o&amp;v.qcow2'/>"), "{x}");
        assert!(
            x.contains("<disk name='sda' snapshot='no'/>") && !x.contains("cd.qcow2"),
            "{x}"
        );
    }

    #[test]
    fn a_delete_names_every_remaining_file_and_its_chain() {
        let disks = parse(DOM).expect("parses");
        let files = [
            "/img/web.s1.qcow2".to_string(),
            "/img/old.qcow2".to_string(),
        ];
        let r = files_after_delete(&files, &disks);
        assert_eq!(r[0].disk.as_deref(), Some("vda"));
        assert_eq!(r[0].depth, Some(0));
        assert_eq!(
            r[0].describe(),
            "/img/web.s1.qcow2 stays: vda writes to it (chain /img/web.s1.qcow2 -> /img/web.qcow2)"
        );
        assert!(r[1].disk.is_none() && r[1].describe().contains("used by no disk"));
    }
}
