//! Saved hosts (`[[hosts]]` in the config file) and editing that list in place
//! (`:host add` / `:host rm`) without losing the user's comments or layout.

use std::path::Path;

use serde::Deserialize;

/// One saved host.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HostEntry {
    pub name: String,
    pub uri: String,
    /// Connect when virtdeck starts (default); `false` lists the host, unconnected,
    /// until Enter in the hosts view.
    #[serde(default = "yes")]
    pub autoconnect: bool,
    #[serde(default)]
    pub readonly: bool,
    /// Seconds between keepalive probes (default 4: a lost host shows within ~16 s).
    pub keepalive_interval: Option<i32>,
    /// Unanswered probes before the host counts as lost (default 3).
    pub keepalive_count: Option<u32>,
}

fn yes() -> bool {
    true
}

impl HostEntry {
    /// An unnamed host from `-c URI`; its name is the URI's host part.
    pub fn from_uri(uri: &str) -> HostEntry {
        HostEntry {
            name: short_name(uri),
            uri: uri.to_string(),
            autoconnect: true,
            readonly: false,
            keepalive_interval: None,
            keepalive_count: None,
        }
    }

    /// (interval, count) for libvirt's keepalive.
    pub fn keepalive(&self) -> (i32, u32) {
        (
            self.keepalive_interval.unwrap_or(4).max(1),
            self.keepalive_count.unwrap_or(3),
        )
    }
}

/// `qemu+ssh://root@db1:22/system` → `db1`, `qemu:///system` → `local`,
/// `test:///path/node.xml` → `node.xml`.
pub fn short_name(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_string();
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    if !host.is_empty() {
        return host.to_string();
    }
    if scheme.starts_with("test") {
        return rest.rsplit('/').next().unwrap_or("test").to_string();
    }
    let kind = rest.trim_start_matches('/');
    if kind == "system" || kind.is_empty() {
        "local".into()
    } else {
        format!("local-{kind}")
    }
}

/// Checks a URI well enough to say what is wrong before libvirt does.
pub fn check_uri(uri: &str) -> Result<(), String> {
    let Some((scheme, _)) = uri.split_once(':') else {
        return Err(format!(
            "'{uri}' is not a URI (expected e.g. qemu+ssh://user@host/system)"
        ));
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        || uri.chars().any(char::is_whitespace)
    {
        return Err(format!("'{uri}' is not a valid URI: bad scheme or spaces"));
    }
    Ok(())
}

/// Adds `[[hosts]] name/uri` to the file at `path` (created if missing), keeping every
/// comment and the order of what is there. A host of that name is an error.
pub fn add_to_file(path: &Path, name: &str, uri: &str) -> Result<(), String> {
    check_uri(uri)?;
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("'{name}' is not a usable host name (no spaces)"));
    }
    let mut doc = read_doc(path)?;
    let hosts = doc
        .entry("hosts")
        .or_insert(toml_edit::Item::ArrayOfTables(Default::default()))
        .as_array_of_tables_mut()
        .ok_or("the config's 'hosts' is not a [[hosts]] list")?;
    if hosts
        .iter()
        .any(|t| t.get("name").and_then(|v| v.as_str()) == Some(name))
    {
        return Err(format!("a host named '{name}' is already saved"));
    }
    let mut t = toml_edit::Table::new();
    t["name"] = toml_edit::value(name);
    t["uri"] = toml_edit::value(uri);
    hosts.push(t);
    write_doc(path, &doc)
}

/// Removes the `[[hosts]]` entry called `name`, keeping everything else as written.
pub fn remove_from_file(path: &Path, name: &str) -> Result<(), String> {
    let mut doc = read_doc(path)?;
    let Some(hosts) = doc
        .get_mut("hosts")
        .and_then(toml_edit::Item::as_array_of_tables_mut)
    else {
        return Err(format!("no saved host named '{name}'"));
    };
    let before = hosts.len();
    hosts.retain(|t| t.get("name").and_then(|v| v.as_str()) != Some(name));
    if hosts.len() == before {
        return Err(format!("no saved host named '{name}'"));
    }
    write_doc(path, &doc)
}

fn read_doc(path: &Path) -> Result<toml_edit::DocumentMut, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    text.parse()
        .map_err(|e: toml_edit::TomlError| format!("{}: {}", path.display(), e.message()))
}

/// Writes through a temporary file and a rename, so a crash never leaves half a config.
fn write_doc(path: &Path, doc: &toml_edit::DocumentMut) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, doc.to_string())
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_uri() {
        assert_eq!(short_name("qemu+ssh://root@db1:22/system"), "db1");
        assert_eq!(short_name("qemu:///system"), "local");
        assert_eq!(short_name("qemu:///session"), "local-session");
        assert_eq!(short_name("test:///tmp/x/node.xml"), "node.xml");
    }

    #[test]
    fn add_and_remove_keep_the_users_comments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        let original = "# my theme\ntheme = \"16color\" # dark room\n\n# the lab\n[[hosts]]\nname = \"lab\"\nuri = \"qemu+ssh://lab/system\" # via bastion\n";
        std::fs::write(&path, original).expect("write");
        add_to_file(&path, "db1", "qemu+ssh://root@db1/system").expect("add");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with(original), "kept as written:\n{text}");
        assert!(text.contains("name = \"db1\""));
        assert!(
            add_to_file(&path, "db1", "qemu:///system").is_err(),
            "duplicate name"
        );
        assert!(add_to_file(&path, "x", "not a uri").is_err());
        remove_from_file(&path, "lab").expect("rm");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("# dark room") && !text.contains("via bastion"));
        assert!(text.contains("db1"));
        assert!(remove_from_file(&path, "nope").is_err());
        let cfg = crate::config::Config::load(Some(&path), None, false).expect("loads");
        assert_eq!(cfg.hosts.len(), 1);
        assert_eq!(cfg.hosts[0].name, "db1");
        assert!(cfg.hosts[0].autoconnect);
    }
}
