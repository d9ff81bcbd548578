//! Configuration: the embedded default merged with the user's file in the XDG config dir.

pub mod hosts;
pub mod keymap;
pub mod theme;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use keymap::Keymap;
pub use theme::{Role, Theme};

/// The built-in configuration, also the reference for users.
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/default-config.toml");

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    theme: Option<String>,
    reconcile_secs: Option<u64>,
    cpu_interval_ms: Option<u64>,
    snapshot_safety: Option<bool>,
    balloon_period_secs: Option<u32>,
    mouse: Option<bool>,
    clipboard: Option<bool>,
    console_scrollback_lines: Option<usize>,
    console_idle_close_mins: Option<u64>,
    #[serde(default)]
    keys: keymap::KeysTable,
    #[serde(default)]
    hosts: Vec<hosts::HostEntry>,
}

/// Everything configurable, resolved.
#[derive(Clone, Debug)]
pub struct Config {
    pub theme: Theme,
    pub keymap: Keymap,
    pub reconcile_every: Option<Duration>,
    pub cpu_interval: Duration,
    /// Take a safety snapshot before reverting.
    pub snapshot_safety: bool,
    /// Balloon stats period the balloon_period action sets (seconds).
    pub balloon_period_secs: u32,
    /// Take the mouse (click selects, wheel scrolls); off keeps terminal text selection.
    pub mouse: bool,
    /// `y` writes the clipboard with OSC 52; off: it only shows what it would copy.
    pub clipboard: bool,
    /// Saved hosts (`[[hosts]]`), in file order.
    pub hosts: Vec<hosts::HostEntry>,
    /// Lines a console keeps above its screen.
    pub console_scrollback_lines: usize,
    /// Close a detached, silent console after this long (`None` = never).
    pub console_idle_close: Option<Duration>,
}

/// `~/.config/virtdeck` (honours XDG_CONFIG_HOME).
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "virtdeck").map(|d| d.config_dir().to_path_buf())
}

/// `~/.local/state/virtdeck` (honours XDG_STATE_HOME), else the cache dir.
pub fn state_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "virtdeck").map(|d| {
        d.state_dir()
            .map_or_else(|| d.cache_dir().to_path_buf(), Path::to_path_buf)
    })
}

impl Config {
    /// Loads the default config, then `user_file` (if it exists), then the CLI's theme.
    pub fn load(
        user_file: Option<&Path>,
        theme_override: Option<&str>,
        monochrome: bool,
    ) -> Result<Config, String> {
        let base: ConfigFile = toml::from_str(DEFAULT_CONFIG)
            .map_err(|e| format!("built-in config: {}", e.message()))?;
        let user: ConfigFile = match user_file {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?
            }
            _ => ConfigFile::default(),
        };
        let keymap = Keymap::from_tables([&base.keys, &user.keys])?;
        let theme_name = theme_override
            .map(str::to_string)
            .or(user.theme)
            .or(base.theme)
            .unwrap_or_else(|| "default".into());
        let themes_dir = user_file.and_then(Path::parent).map(|p| p.join("themes"));
        let theme = Theme::load(&theme_name, themes_dir.as_deref(), monochrome)?;
        let reconcile_secs = user.reconcile_secs.or(base.reconcile_secs).unwrap_or(30);
        let cpu_ms = user
            .cpu_interval_ms
            .or(base.cpu_interval_ms)
            .unwrap_or(1000)
            .max(100);
        Ok(Config {
            theme,
            keymap,
            reconcile_every: (reconcile_secs > 0).then(|| Duration::from_secs(reconcile_secs)),
            cpu_interval: Duration::from_millis(cpu_ms),
            snapshot_safety: user
                .snapshot_safety
                .or(base.snapshot_safety)
                .unwrap_or(true),
            balloon_period_secs: user
                .balloon_period_secs
                .or(base.balloon_period_secs)
                .unwrap_or(2)
                .clamp(1, 3600),
            mouse: user.mouse.or(base.mouse).unwrap_or(false),
            clipboard: user.clipboard.or(base.clipboard).unwrap_or(true),
            hosts: user.hosts,
            console_scrollback_lines: user
                .console_scrollback_lines
                .or(base.console_scrollback_lines)
                .unwrap_or(10_000)
                .min(10_000_000),
            console_idle_close: user
                .console_idle_close_mins
                .or(base.console_idle_close_mins)
                .filter(|m| *m > 0)
                .map(|m| Duration::from_secs(m.saturating_mul(60))),
        })
    }

    /// The built-in configuration (tests, benchmarks).
    pub fn builtin() -> Result<Config, String> {
        Config::load(None, None, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_file_overrides_theme_keys_and_timers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "theme = \"16color\"\nreconcile_secs = 0\n[keys]\nquit = [\"Q\"]\n",
        )
        .expect("write config");
        let cfg = Config::load(Some(&path), None, false).expect("config loads");
        assert_eq!(cfg.theme.name, "16color");
        assert_eq!(cfg.reconcile_every, None);
        assert_eq!(cfg.keymap.keys_label(crate::action::Action::Quit), "Q");
        // The CLI's --theme wins over the file.
        let cfg = Config::load(Some(&path), Some("default"), false).expect("config loads");
        assert_eq!(cfg.theme.name, "default");
    }

    #[test]
    fn scoped_tables_load_and_a_clash_with_a_global_key_names_both_actions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[keys.snapshots]\nsnapshot_quick = [\"Q\"]\n").expect("write");
        let cfg = Config::load(Some(&path), None, false).expect("config loads");
        assert_eq!(
            cfg.keymap.keys_label(crate::action::Action::SnapshotQuick),
            "Q"
        );
        std::fs::write(&path, "[keys.snapshots]\nsnapshot_quick = [\"q\"]\n").expect("write");
        let err = Config::load(Some(&path), None, false).expect_err("clash refused");
        assert!(
            err.contains("quit") && err.contains("snapshot_quick"),
            "{err}"
        );
    }

    #[test]
    fn a_typo_in_the_user_file_is_reported_with_its_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "themme = \"x\"\n").expect("write config");
        let err = Config::load(Some(&path), None, false).expect_err("typo refused");
        assert!(err.contains("config.toml"), "{err}");
    }
}
