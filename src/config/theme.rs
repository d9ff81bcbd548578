//! Themes: a TOML palette plus semantic roles, embedded defaults, optional inheritance,
//! and a monochrome mode for NO_COLOR.

use std::collections::HashMap;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// Themes shipped in the binary (`themes/*.toml`).
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("16color", include_str!("../../themes/16color.toml")),
];

/// Where a style is used. Every role must resolve (the default theme defines them all).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Base,
    Title,
    Header,
    Border,
    Selected,
    Running,
    Paused,
    ShutOff,
    Crashed,
    Dim,
    Escaped,
    Info,
    Warn,
    Error,
    Key,
    Popup,
    TabActive,
}

impl Role {
    const ALL: [Role; 17] = [
        Role::Base,
        Role::Title,
        Role::Header,
        Role::Border,
        Role::Selected,
        Role::Running,
        Role::Paused,
        Role::ShutOff,
        Role::Crashed,
        Role::Dim,
        Role::Escaped,
        Role::Info,
        Role::Warn,
        Role::Error,
        Role::Key,
        Role::Popup,
        Role::TabActive,
    ];

    fn name(self) -> &'static str {
        match self {
            Role::Base => "base",
            Role::Title => "title",
            Role::Header => "header",
            Role::Border => "border",
            Role::Selected => "selected",
            Role::Running => "running",
            Role::Paused => "paused",
            Role::ShutOff => "shutoff",
            Role::Crashed => "crashed",
            Role::Dim => "dim",
            Role::Escaped => "escaped",
            Role::Info => "info",
            Role::Warn => "warn",
            Role::Error => "error",
            Role::Key => "key",
            Role::Popup => "popup",
            Role::TabActive => "tab_active",
        }
    }

    /// What a role keeps without colour, so NO_COLOR users still see selection and errors.
    fn monochrome(self) -> Style {
        let s = Style::default();
        match self {
            Role::Selected => s.add_modifier(Modifier::REVERSED),
            Role::Title | Role::Header | Role::Error | Role::TabActive => {
                s.add_modifier(Modifier::BOLD)
            }
            Role::Escaped => s.add_modifier(Modifier::UNDERLINED),
            Role::Crashed | Role::Key => s.add_modifier(Modifier::BOLD),
            _ => s,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    dim: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[allow(dead_code)]
    name: Option<String>,
    inherits: Option<String>,
    #[serde(default)]
    palette: HashMap<String, String>,
    #[serde(default)]
    roles: HashMap<String, RoleSpec>,
}

#[derive(Clone, Debug)]
pub struct Theme {
    pub name: String,
    styles: HashMap<Role, Style>,
    monochrome: bool,
}

impl Theme {
    /// Loads theme `name`: a user file `<themes_dir>/<name>.toml` if present, else a
    /// built-in one. `inherits` chains resolve the same way (at most 8 deep).
    pub fn load(
        name: &str,
        themes_dir: Option<&std::path::Path>,
        monochrome: bool,
    ) -> Result<Theme, String> {
        let mut chain = Vec::new();
        let mut next = Some(name.to_string());
        while let Some(n) = next {
            if chain.len() >= 8 {
                return Err(format!(
                    "theme '{name}': inheritance is too deep or circular"
                ));
            }
            let text = find_theme_text(&n, themes_dir)?;
            let file: ThemeFile =
                toml::from_str(&text).map_err(|e| format!("theme '{n}': {}", e.message()))?;
            next = file.inherits.clone();
            chain.push((n, file));
        }
        // Apply the base of the chain first so each child overrides its parent.
        let mut palette = HashMap::new();
        let mut roles: HashMap<String, RoleSpec> = HashMap::new();
        for (_, file) in chain.iter().rev() {
            palette.extend(file.palette.clone());
            roles.extend(file.roles.clone());
        }
        let mut styles = HashMap::new();
        for role in Role::ALL {
            let spec = roles
                .get(role.name())
                .ok_or_else(|| format!("theme '{name}': role '{}' is not defined", role.name()))?;
            styles.insert(
                role,
                build_style(spec, &palette)
                    .map_err(|e| format!("theme '{name}', role '{}': {e}", role.name()))?,
            );
        }
        if let Some(unknown) = roles
            .keys()
            .find(|k| !Role::ALL.iter().any(|r| r.name() == k.as_str()))
        {
            return Err(format!("theme '{name}': unknown role '{unknown}'"));
        }
        Ok(Theme {
            name: name.to_string(),
            styles,
            monochrome,
        })
    }

    pub fn style(&self, role: Role) -> Style {
        if self.monochrome {
            return role.monochrome();
        }
        self.styles.get(&role).copied().unwrap_or_default()
    }

    pub fn is_monochrome(&self) -> bool {
        self.monochrome
    }
}

fn find_theme_text(name: &str, dir: Option<&std::path::Path>) -> Result<String, String> {
    if let Some(dir) = dir {
        let path = dir.join(format!("{name}.toml"));
        if path.is_file() {
            return std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read theme {}: {e}", path.display()));
        }
    }
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t.to_string())
        .ok_or_else(|| {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            format!("unknown theme '{name}' (built-in: {})", names.join(", "))
        })
}

fn build_style(spec: &RoleSpec, palette: &HashMap<String, String>) -> Result<Style, String> {
    let mut s = Style::default();
    if let Some(fg) = &spec.fg {
        s = s.fg(parse_color(fg, palette)?);
    }
    if let Some(bg) = &spec.bg {
        s = s.bg(parse_color(bg, palette)?);
    }
    for (on, m) in [
        (spec.bold, Modifier::BOLD),
        (spec.italic, Modifier::ITALIC),
        (spec.underline, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
        (spec.dim, Modifier::DIM),
    ] {
        if on {
            s = s.add_modifier(m);
        }
    }
    Ok(s)
}

/// A palette entry name, `#rrggbb`, a 0–255 index, or an ANSI name (`green`, `lightred`).
fn parse_color(spec: &str, palette: &HashMap<String, String>) -> Result<Color, String> {
    let mut spec = spec;
    for _ in 0..8 {
        match palette.get(spec) {
            Some(v) => spec = v,
            None => break,
        }
    }
    if let Ok(i) = spec.parse::<u8>() {
        return Ok(Color::Indexed(i));
    }
    spec.parse::<Color>()
        .map_err(|_| format!("'{spec}' is not a colour or palette entry"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_define_every_role() {
        for (name, _) in BUILTIN {
            let t = Theme::load(name, None, false);
            assert!(t.is_ok(), "{name}: {:?}", t.err());
        }
    }

    #[test]
    fn sixteen_colour_theme_uses_only_ansi_colours() {
        let t = Theme::load("16color", None, false).expect("16color loads");
        for role in Role::ALL {
            let s = t.style(role);
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "{role:?} uses {c:?}"
                );
            }
        }
    }

    #[test]
    fn monochrome_drops_colour_but_keeps_selection_visible() {
        let t = Theme::load("default", None, true).expect("default loads");
        assert_eq!(t.style(Role::Running).fg, None);
        assert!(
            t.style(Role::Selected)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
    }

    #[test]
    fn user_theme_inherits_and_overrides() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("mine.toml"),
            "inherits = \"default\"\n[roles]\nrunning = { fg = \"#ff0000\" }\n",
        )
        .expect("write theme");
        let t = Theme::load("mine", Some(dir.path()), false).expect("mine loads");
        assert_eq!(t.style(Role::Running).fg, Some(Color::Rgb(255, 0, 0)));
        assert!(Theme::load("nope", Some(dir.path()), false).is_err());
    }
}
