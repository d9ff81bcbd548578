//! What each device dialog asks (its fields) and the `DeviceOp` its answers make:
//! add a disk, add a NIC, detach, change media, link up / down.

use crate::backend::devices::fragment::{DiskSource, DiskSpec, NicSource, NicSpec, free_target};
use crate::backend::devices::parse::DiskInfo;
use crate::backend::devices::{Affect, DeviceOp, DeviceRef};
use crate::ui::devices::form::{Field, Form};

/// Which dialog is open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    AddDisk,
    AddNic,
    /// The device and a few words naming it (`disk vdb (/images/x.qcow2)`).
    Detach(DeviceRef, String),
    Media {
        target: String,
    },
    Link {
        mac: String,
    },
}

pub const BUSES: &[&str] = &["virtio", "sata", "scsi", "usb", "ide"];
pub const NIC_MODELS: &[&str] = &["virtio", "e1000", "e1000e", "rtl8139"];
pub const DIRECT_MODES: &[&str] = &["bridge", "vepa", "private", "passthrough"];

/// The scopes a domain in this state can take, the default first: live and persistent
/// while running (persistent), live only when transient, persistent only when shut off.
pub fn affect_choices(active: bool, persistent: bool) -> Vec<Affect> {
    match (active, persistent) {
        (true, true) => vec![Affect::Both, Affect::Live, Affect::Config],
        (true, false) => vec![Affect::Live],
        (false, _) => vec![Affect::Config],
    }
}

pub fn affect_field(active: bool, persistent: bool) -> Field {
    let labels: Vec<&str> = affect_choices(active, persistent)
        .into_iter()
        .map(Affect::label)
        .collect();
    Field::choice("apply", "Apply to", &labels, labels[0])
}

/// The scope the form's "Apply to" names.
pub fn affect_of(form: &Form) -> Affect {
    let v = form.value("apply");
    [Affect::Both, Affect::Live, Affect::Config]
        .into_iter()
        .find(|a| a.label() == v)
        .unwrap_or(Affect::Auto)
}

pub fn disk_fields(disks: &[DiskInfo], active: bool, persistent: bool) -> Form {
    let mut form = Form::new(vec![
        Field::choice("source", "Source", &["volume", "path"], "volume"),
        Field::choice("pool", "Pool", &[], ""),
        Field::choice("volume", "Volume", &[], ""),
        Field::text("path", "Path", ""),
        Field::choice("device", "Device", &["disk", "cdrom"], "disk"),
        Field::choice("bus", "Bus", BUSES, "virtio"),
        Field::text("target", "Target", &free_target("virtio", disks)),
        affect_field(active, persistent),
    ]);
    form.show("path", false);
    form
}

/// Shows the fields the chosen source needs.
pub fn disk_source_changed(form: &mut Form) {
    let volume = form.value("source") == "volume";
    form.show("pool", volume);
    form.show("volume", volume);
    form.show("path", !volume);
}

pub fn nic_fields(active: bool, persistent: bool) -> Form {
    let mut form = Form::new(vec![
        Field::choice("type", "Type", &["network", "bridge", "direct"], "network"),
        Field::choice("network", "Network", &[], ""),
        Field::text("bridge", "Bridge", ""),
        Field::text("dev", "Host device", ""),
        Field::choice("mode", "Mode", DIRECT_MODES, "bridge"),
        Field::choice("model", "Model", NIC_MODELS, "virtio"),
        Field::text("mac", "MAC", ""),
        affect_field(active, persistent),
    ]);
    nic_type_changed(&mut form);
    form
}

pub fn nic_type_changed(form: &mut Form) {
    let t = form.value("type");
    form.show("network", t == "network");
    form.show("bridge", t == "bridge");
    form.show("dev", t == "direct");
    form.show("mode", t == "direct");
}

pub fn media_fields(loaded: bool, active: bool, persistent: bool) -> Form {
    let mut form = Form::new(vec![
        Field::choice(
            "media",
            "Media",
            &["insert", "eject"],
            if loaded { "eject" } else { "insert" },
        ),
        Field::text("path", "ISO path", ""),
        affect_field(active, persistent),
    ]);
    media_changed(&mut form);
    form
}

pub fn media_changed(form: &mut Form) {
    let insert = form.value("media") == "insert";
    form.show("path", insert);
}

pub fn link_fields(up_now: bool, active: bool, persistent: bool) -> Form {
    Form::new(vec![
        Field::choice(
            "link",
            "Link",
            &["down", "up"],
            if up_now { "down" } else { "up" },
        ),
        affect_field(active, persistent),
    ])
}

fn absolute(path: &str, what: &str) -> Result<String, String> {
    if path.is_empty() {
        return Err(format!("type the {what}'s path on the host"));
    }
    if !path.starts_with('/') {
        return Err(format!("the {what} must be an absolute path on the host"));
    }
    Ok(path.to_string())
}

/// The operation the form's values describe, or what is missing.
/// `volume_format`: the chosen volume's format when the pool listed it.
pub fn op_of(kind: &Kind, form: &Form, volume_format: Option<String>) -> Result<DeviceOp, String> {
    let v = |k: &str| form.value(k);
    Ok(match kind {
        Kind::AddDisk => {
            let (source, format) = if v("source") == "volume" {
                if v("pool").is_empty() || v("volume").is_empty() {
                    return Err("choose a pool and one of its volumes (or Source: path)".into());
                }
                let s = DiskSource::Volume {
                    pool: v("pool"),
                    volume: v("volume"),
                };
                (s, volume_format)
            } else {
                (DiskSource::Path(absolute(&v("path"), "disk")?), None)
            };
            let target = Some(v("target")).filter(|t| !t.is_empty());
            DeviceOp::AttachDisk(DiskSpec {
                source,
                readonly: v("device") == "cdrom",
                device: v("device"),
                bus: v("bus"),
                target,
                format,
            })
        }
        Kind::AddNic => {
            let source = match v("type").as_str() {
                "network" if v("network").is_empty() => {
                    return Err("no network to choose: define one first (:net)".into());
                }
                "network" => NicSource::Network(v("network")),
                "bridge" if v("bridge").is_empty() => {
                    return Err("type the host bridge's name (e.g. br0)".into());
                }
                "bridge" => NicSource::Bridge(v("bridge")),
                _ if v("dev").is_empty() => {
                    return Err("type the host interface the NIC sits on (e.g. eth0)".into());
                }
                _ => NicSource::Direct {
                    dev: v("dev"),
                    mode: v("mode"),
                },
            };
            DeviceOp::AttachNic(NicSpec {
                source,
                model: Some(v("model")),
                mac: Some(v("mac")).filter(|m| !m.is_empty()),
            })
        }
        Kind::Detach(what, _) => DeviceOp::Detach(what.clone()),
        Kind::Media { target } => DeviceOp::ChangeMedia {
            target: target.clone(),
            media: if v("media") == "insert" {
                Some(absolute(&v("path"), "ISO")?)
            } else {
                None
            },
        },
        Kind::Link { mac } => DeviceOp::SetLink {
            mac: mac.clone(),
            up: v("link") == "up",
        },
    })
}

/// The change in a few words, for titles and the status line.
pub fn describe(op: &DeviceOp) -> String {
    match op {
        DeviceOp::AttachDisk(s) => {
            let src = match &s.source {
                DiskSource::Path(p) => p.clone(),
                DiskSource::Volume { pool, volume } => format!("{pool}/{volume}"),
            };
            match &s.target {
                Some(t) => format!("attach {} {t} ({src})", s.device),
                None => format!("attach {} {src}", s.device),
            }
        }
        DeviceOp::AttachNic(n) => match &n.source {
            NicSource::Network(x) => format!("attach a NIC on network {x}"),
            NicSource::Bridge(x) => format!("attach a NIC on bridge {x}"),
            NicSource::Direct { dev, .. } => format!("attach a NIC on {dev} (direct)"),
        },
        DeviceOp::AttachHostdev(_) => "attach a host device".into(),
        DeviceOp::Detach(DeviceRef::Disk(t)) => format!("detach disk {t}"),
        DeviceOp::Detach(DeviceRef::Nic(m)) => format!("detach NIC {m}"),
        DeviceOp::Detach(DeviceRef::Hostdev(a)) => format!("detach host device {a}"),
        DeviceOp::ChangeMedia {
            target,
            media: Some(p),
        } => format!("insert {p} into {target}"),
        DeviceOp::ChangeMedia {
            target,
            media: None,
        } => format!("eject {target}"),
        DeviceOp::SetLink { mac, up } => {
            format!("set link {} on NIC {mac}", if *up { "up" } else { "down" })
        }
    }
}

/// The `virsh` line that makes the same change (the fragment saved to a file).
pub fn virsh_line(op: &DeviceOp, domain: &str, affect: Affect) -> String {
    let flags = match affect {
        Affect::Both => " --live --config",
        Affect::Live => " --live",
        Affect::Config => " --config",
        Affect::Auto => "",
    };
    match op {
        DeviceOp::AttachDisk(_) | DeviceOp::AttachNic(_) | DeviceOp::AttachHostdev(_) => {
            format!("virsh attach-device {domain} FRAGMENT.xml{flags}")
        }
        DeviceOp::Detach(_) => format!("virsh detach-device {domain} FRAGMENT.xml{flags}"),
        DeviceOp::ChangeMedia {
            target,
            media: Some(p),
        } => format!("virsh change-media {domain} {target} {p} --insert{flags}"),
        DeviceOp::ChangeMedia {
            target,
            media: None,
        } => format!("virsh change-media {domain} {target} --eject{flags}"),
        // domif-setlink changes one definition per call: the live one, or with --config
        // the persistent one.
        DeviceOp::SetLink { mac, up } => {
            let line = format!(
                "virsh domif-setlink {domain} {mac} {}",
                if *up { "up" } else { "down" }
            );
            match affect {
                Affect::Both => format!("{line}; {line} --config"),
                Affect::Config => format!("{line} --config"),
                Affect::Live | Affect::Auto => line,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scope_defaults_to_what_the_domain_state_allows() {
        assert_eq!(affect_choices(true, true)[0], Affect::Both);
        assert_eq!(affect_choices(true, false), [Affect::Live]);
        assert_eq!(affect_choices(false, true), [Affect::Config]);
        let form = Form::new(vec![affect_field(false, true)]);
        assert_eq!(affect_of(&form), Affect::Config);
    }

    #[test]
    fn the_virsh_line_names_the_same_scope() {
        let eject = DeviceOp::ChangeMedia {
            target: "hdc".into(),
            media: None,
        };
        assert_eq!(
            virsh_line(&eject, "web", Affect::Both),
            "virsh change-media web hdc --eject --live --config"
        );
        let detach = DeviceOp::Detach(DeviceRef::Disk("vdb".into()));
        assert_eq!(
            virsh_line(&detach, "web", Affect::Config),
            "virsh detach-device web FRAGMENT.xml --config"
        );
    }

    #[test]
    fn a_path_disk_needs_an_absolute_path() {
        let mut form = disk_fields(&[], true, true);
        form.fields[0].value = crate::ui::devices::form::Value::Choice {
            options: vec!["volume".into(), "path".into()],
            index: 1,
        };
        form.set_text("path", "rel.img");
        assert!(op_of(&Kind::AddDisk, &form, None).is_err());
        form.set_text("path", "/srv/x.img");
        let op = op_of(&Kind::AddDisk, &form, None).expect("op");
        assert_eq!(
            op,
            DeviceOp::AttachDisk(DiskSpec {
                source: DiskSource::Path("/srv/x.img".into()),
                device: "disk".into(),
                bus: "virtio".into(),
                target: Some("vda".into()),
                format: None,
                readonly: false,
            })
        );
    }
}
