//! External snapshot files in the dialogs: the create form's overlay per disk (default
//! next to its current image, `<stem>.<snapshot>.qcow2`, editable per disk), and what a
//! delete leaves on disk, file by file, with the chain each belongs to.

use crate::backend::snapshots::DeleteMode;
use crate::backend::storage::DiskInfo;
use crate::backend::storage::external::{RemainingFile, overlay_path, snapshottable};
use crate::ui::widgets::LineInput;

/// One disk's overlay file in the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskFile {
    pub target: String,
    /// The image the disk writes to now (the overlay's backing file).
    pub source: String,
    pub input: LineInput,
    /// Typed by the user: a new snapshot name no longer rewrites it.
    pub edited: bool,
}

impl DiskFile {
    /// The disks that can take an overlay, each with its default file for `name`.
    pub fn for_disks(disks: &[DiskInfo], name: &str) -> Vec<DiskFile> {
        disks
            .iter()
            .filter(|d| snapshottable(d))
            .filter_map(|d| {
                let source = d.source()?.to_string();
                Some(DiskFile {
                    target: d.target.clone(),
                    input: LineInput::new(overlay_path(&source, name)),
                    source,
                    edited: false,
                })
            })
            .collect()
    }

    /// Follows a changed snapshot name, unless the user typed this path.
    pub fn rename(&mut self, name: &str) {
        if !self.edited {
            self.input = LineInput::new(overlay_path(&self.source, name));
        }
    }
}

/// The (target, path) pairs for the spec, or why they are refused: every path absolute,
/// none the image a disk writes to now, no two disks on one file.
pub fn check(files: &[DiskFile]) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(files.len());
    for f in files {
        let path = f.input.text.trim();
        if !path.starts_with('/') {
            return Err(format!(
                "{}: the overlay file must be an absolute path on the host",
                f.target
            ));
        }
        if files.iter().any(|o| o.source == path) {
            return Err(format!(
                "{}: {path} is a disk's current image; pick a new file",
                f.target
            ));
        }
        if let Some((other, _)) = out.iter().find(|(_, p)| p == path) {
            return Err(format!(
                "{} and {other} cannot share the overlay file {path}",
                f.target
            ));
        }
        out.push((f.target.clone(), path.to_string()));
    }
    Ok(out)
}

/// Which files remain after deleting the snapshot in `mode`, and in which chain: with
/// metadata only every file stays as it is; otherwise libvirt merges each overlay into
/// its backing image and deletes it, and that backing image remains in the chain.
pub fn remaining_lines(mode: DeleteMode, files: &[RemainingFile]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let chain = f.chain.join(" -> ");
        let line = match (mode, &f.disk, f.depth) {
            (DeleteMode::ChildrenOnly, ..) => format!("{} is not touched.", f.path),
            (DeleteMode::MetadataOnly, ..) | (_, None, _) | (_, _, None) => {
                f.describe().replacen(" stays", " remains", 1)
            }
            (_, Some(disk), Some(depth)) => match f.chain.get(depth + 1) {
                Some(below) if depth == 0 => format!(
                    "{} is merged into {below} and deleted; {below} remains and {disk} writes to it (chain now {}).",
                    f.path,
                    f.chain[1..].join(" -> ")
                ),
                Some(below) => format!(
                    "{} is merged into {below} and deleted; {below} remains in {disk}'s chain ({chain}).",
                    f.path
                ),
                None => format!(
                    "{} is the base of {disk}'s chain ({chain}): libvirt has nothing to merge it into and refuses.",
                    f.path
                ),
            },
        };
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::storage::disks::parse;

    const DOM: &str = r#"<domain><devices>
      <disk type='file' device='disk'><driver type='qcow2'/>
        <source file='/img/web.qcow2'/><target dev='vda' bus='virtio'/></disk>
      <disk type='file' device='disk'><driver type='qcow2'/>
        <source file='/data/db.qcow2'/><target dev='vdb' bus='virtio'/></disk>
      <disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>
    </devices></domain>"#;

    #[test]
    fn defaults_sit_next_to_each_image_and_follow_the_name_until_edited() {
        let disks = parse(DOM).expect("parses");
        let mut files = DiskFile::for_disks(&disks, "s1");
        let paths: Vec<&str> = files.iter().map(|f| f.input.text.as_str()).collect();
        assert_eq!(paths, ["/img/web.s1.qcow2", "/data/db.s1.qcow2"]);
        files[1].input = LineInput::new("/fast/db-top.qcow2");
        files[1].edited = true;
        files.iter_mut().for_each(|f| f.rename("nightly"));
        assert_eq!(files[0].input.text, "/img/web.nightly.qcow2");
        assert_eq!(files[1].input.text, "/fast/db-top.qcow2");
        assert_eq!(
            check(&files).expect("valid"),
            [
                ("vda".to_string(), "/img/web.nightly.qcow2".to_string()),
                ("vdb".to_string(), "/fast/db-top.qcow2".to_string())
            ]
        );
    }

    #[test]
    fn relative_shared_or_current_image_paths_are_refused() {
        let disks = parse(DOM).expect("parses");
        let mut files = DiskFile::for_disks(&disks, "s1");
        files[0].input = LineInput::new("web.qcow2");
        assert!(check(&files).unwrap_err().contains("absolute"));
        files[0].input = LineInput::new("/data/db.qcow2");
        assert!(check(&files).unwrap_err().contains("current image"));
        files[0].input = LineInput::new("/data/db.s1.qcow2");
        assert!(check(&files).unwrap_err().contains("cannot share"));
    }

    #[test]
    fn a_delete_names_the_files_that_remain_and_their_chain() {
        let f = RemainingFile {
            path: "/img/web.s2.qcow2".into(),
            disk: Some("vda".into()),
            depth: Some(0),
            chain: vec![
                "/img/web.s2.qcow2".into(),
                "/img/web.s1.qcow2".into(),
                "/img/web.qcow2".into(),
            ],
        };
        let meta = remaining_lines(DeleteMode::MetadataOnly, std::slice::from_ref(&f)).join(" ");
        assert!(
            meta.contains("/img/web.s2.qcow2 remains: vda writes to it (chain /img/web.s2.qcow2 -> /img/web.s1.qcow2 -> /img/web.qcow2)"),
            "{meta}"
        );
        let this = remaining_lines(DeleteMode::This, &[f]).join(" ");
        assert!(
            this.contains("merged into /img/web.s1.qcow2 and deleted")
                && this.contains("chain now /img/web.s1.qcow2 -> /img/web.qcow2"),
            "{this}"
        );
    }
}
