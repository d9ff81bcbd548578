//! OS variants from libosinfo (`osinfo-query os`) and the defaults a variant suggests
//! (memory, disk size, disk bus, NIC model); generic ones when libosinfo is not installed.

use std::process::Command;

/// One row of `osinfo-query os`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OsVariant {
    /// `debian12`, `win10`.
    pub short_id: String,
    pub name: String,
    /// `linux`, `winnt`, `freebsd`…
    pub family: String,
    /// `http://debian.org/debian/12`.
    pub id: String,
}

/// What a variant suggests for a new domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    pub memory_mib: u64,
    pub disk_gib: u64,
    pub disk_bus: &'static str,
    pub nic_model: &'static str,
}

/// The defaults when no variant is chosen (or libosinfo is missing): a small virtio guest.
pub const GENERIC: Defaults = Defaults {
    memory_mib: 1024,
    disk_gib: 10,
    disk_bus: "virtio",
    nic_model: "virtio",
};

/// The defaults for `os` (`None`: generic). Windows has no virtio drivers out of the box
/// (SATA and e1000e work from the installer on); old Windows wants IDE and an rtl8139.
pub fn defaults(os: Option<&OsVariant>) -> Defaults {
    let Some(os) = os else { return GENERIC };
    // Windows before Vista / Server 2008: no AHCI or e1000e drivers in the installer.
    let old_windows = matches!(os.family.as_str(), "win9x" | "win16")
        || ["winxp", "win2k", "win2k3", "win2k3r2", "winme"].contains(&os.short_id.as_str())
        || os.short_id.starts_with("winnt");
    match os.family.as_str() {
        "winnt" | "win9x" | "win16" if old_windows => Defaults {
            memory_mib: 2048,
            disk_gib: 40,
            disk_bus: "ide",
            nic_model: "rtl8139",
        },
        "winnt" | "win9x" => Defaults {
            memory_mib: 4096,
            disk_gib: 64,
            disk_bus: "sata",
            nic_model: "e1000e",
        },
        "linux" => Defaults {
            memory_mib: 2048,
            disk_gib: 20,
            ..GENERIC
        },
        _ => GENERIC,
    }
}

/// Parses `osinfo-query --fields=short-id,name,family,id os`: a header, a dashed rule,
/// then one `|`-separated row per OS. Rows without an id are skipped.
pub fn parse(text: &str) -> Vec<OsVariant> {
    let mut out: Vec<OsVariant> = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with('-'))
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('|').map(str::trim).collect();
            let [short_id, name, family, id] = cols[..] else {
                return None;
            };
            (!short_id.is_empty() && !id.is_empty()).then(|| OsVariant {
                short_id: short_id.to_string(),
                name: name.to_string(),
                family: family.to_string(),
                id: id.to_string(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.short_id.cmp(&b.short_id));
    out
}

/// Runs `osinfo-query` (blocking: call it off the UI thread). `Err` says why there is no
/// list (not installed, failed), for a line in the wizard.
pub fn query() -> Result<Vec<OsVariant>, String> {
    let out = Command::new("osinfo-query")
        .args(["--fields=short-id,name,family,id", "os"])
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                "libosinfo is not installed (osinfo-query): generic defaults".to_string()
            }
            _ => format!("cannot run osinfo-query: {e}"),
        })?;
    if !out.status.success() {
        return Err(format!(
            "osinfo-query failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(parse(&String::from_utf8_lossy(&out.stdout)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = " Short ID | Name | Family | ID \n\
-----------+------+--------+----\n\
 win10 | Microsoft Windows 10 | winnt | http://microsoft.com/win/10 \n\
 debian12 | Debian 12 | linux | http://debian.org/debian/12 \n\
 winxp | Microsoft Windows XP | winnt | http://microsoft.com/win/xp \n\
 win2k12 | Microsoft Windows Server 2012 | winnt | http://microsoft.com/win/2k12 \n\
 broken row without columns\n";

    #[test]
    fn parses_rows_sorted_and_skips_junk() {
        let v = parse(SAMPLE);
        let ids: Vec<&str> = v.iter().map(|o| o.short_id.as_str()).collect();
        assert_eq!(ids, ["debian12", "win10", "win2k12", "winxp"]);
        assert_eq!(v[0].id, "http://debian.org/debian/12");
        assert_eq!(v[0].name, "Debian 12");
    }

    #[test]
    fn windows_gets_sata_and_e1000e_linux_gets_virtio() {
        let v = parse(SAMPLE);
        let by = |s: &str| v.iter().find(|o| o.short_id == s).cloned();
        assert_eq!(defaults(by("win10").as_ref()).disk_bus, "sata");
        assert_eq!(defaults(by("win10").as_ref()).nic_model, "e1000e");
        assert_eq!(defaults(by("winxp").as_ref()).disk_bus, "ide");
        assert_eq!(
            defaults(by("win2k12").as_ref()).disk_bus,
            "sata",
            "2012 is not 2000"
        );
        assert_eq!(defaults(by("debian12").as_ref()).disk_bus, "virtio");
        assert_eq!(defaults(by("debian12").as_ref()).memory_mib, 2048);
        assert_eq!(defaults(None), GENERIC);
    }
}
