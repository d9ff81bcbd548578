//! Key names `virsh send-key` accepts (linux codeset) and the usual combinations.

/// Linux input keycodes by the names `virsh send-key` uses (`KEY_` prefix optional).
const KEYS: &[(&str, u32)] = &[
    ("ESC", 1),
    ("1", 2),
    ("2", 3),
    ("3", 4),
    ("4", 5),
    ("5", 6),
    ("6", 7),
    ("7", 8),
    ("8", 9),
    ("9", 10),
    ("0", 11),
    ("MINUS", 12),
    ("EQUAL", 13),
    ("BACKSPACE", 14),
    ("TAB", 15),
    ("Q", 16),
    ("W", 17),
    ("E", 18),
    ("R", 19),
    ("T", 20),
    ("Y", 21),
    ("U", 22),
    ("I", 23),
    ("O", 24),
    ("P", 25),
    ("LEFTBRACE", 26),
    ("RIGHTBRACE", 27),
    ("ENTER", 28),
    ("LEFTCTRL", 29),
    ("A", 30),
    ("S", 31),
    ("D", 32),
    ("F", 33),
    ("G", 34),
    ("H", 35),
    ("J", 36),
    ("K", 37),
    ("L", 38),
    ("SEMICOLON", 39),
    ("APOSTROPHE", 40),
    ("GRAVE", 41),
    ("LEFTSHIFT", 42),
    ("BACKSLASH", 43),
    ("Z", 44),
    ("X", 45),
    ("C", 46),
    ("V", 47),
    ("B", 48),
    ("N", 49),
    ("M", 50),
    ("COMMA", 51),
    ("DOT", 52),
    ("SLASH", 53),
    ("RIGHTSHIFT", 54),
    ("KPASTERISK", 55),
    ("LEFTALT", 56),
    ("SPACE", 57),
    ("CAPSLOCK", 58),
    ("F1", 59),
    ("F2", 60),
    ("F3", 61),
    ("F4", 62),
    ("F5", 63),
    ("F6", 64),
    ("F7", 65),
    ("F8", 66),
    ("F9", 67),
    ("F10", 68),
    ("NUMLOCK", 69),
    ("SCROLLLOCK", 70),
    ("F11", 87),
    ("F12", 88),
    ("KPENTER", 96),
    ("RIGHTCTRL", 97),
    ("SYSRQ", 99),
    ("RIGHTALT", 100),
    ("HOME", 102),
    ("UP", 103),
    ("PAGEUP", 104),
    ("LEFT", 105),
    ("RIGHT", 106),
    ("END", 107),
    ("DOWN", 108),
    ("PAGEDOWN", 109),
    ("INSERT", 110),
    ("DELETE", 111),
    ("POWER", 116),
    ("PAUSE", 119),
    ("LEFTMETA", 125),
    ("RIGHTMETA", 126),
    ("COMPOSE", 127),
];

/// libvirt's VIR_DOMAIN_SEND_KEY_MAX_KEYS.
pub const MAX_KEYS: usize = 16;

/// One key: `KEY_LEFTCTRL`, `leftctrl`, `c`, or a number (`29`, `0x1d`).
pub fn keycode(name: &str) -> Result<u32, String> {
    let t = name.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).map_err(|_| format!("invalid keycode {t:?}"));
    }
    // A bare digit is the key with that label, as in virsh; longer numbers are codes.
    if t.len() > 1 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| format!("invalid keycode {t:?}"));
    }
    let upper = t.to_ascii_uppercase();
    let bare = upper.strip_prefix("KEY_").unwrap_or(&upper);
    KEYS.iter()
        .find(|(n, _)| *n == bare)
        .map(|(_, c)| *c)
        .ok_or_else(|| format!("unknown key {t:?} (use linux names like KEY_LEFTCTRL or a number)"))
}

/// The `KEY_` name of a linux keycode, as `virsh send-key` prints it; the number otherwise.
pub fn key_name(code: u32) -> String {
    KEYS.iter()
        .find(|(_, c)| *c == code)
        .map_or_else(|| code.to_string(), |(n, _)| format!("KEY_{n}"))
}

/// A whitespace- or comma-separated key list, as typed after `virsh send-key DOMAIN`.
pub fn parse_keys(list: &str) -> Result<Vec<u32>, String> {
    let codes: Vec<u32> = list
        .split(|c: char| c.is_whitespace() || c == ',' || c == '+')
        .filter(|s| !s.is_empty())
        .map(keycode)
        .collect::<Result<_, _>>()?;
    if codes.is_empty() {
        return Err("no keys given".into());
    }
    if codes.len() > MAX_KEYS {
        return Err(format!(
            "at most {MAX_KEYS} keys at once ({} given)",
            codes.len()
        ));
    }
    Ok(codes)
}

/// The combinations offered without typing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPreset {
    CtrlAltDel,
    CtrlC,
    CtrlD,
    /// Ctrl-Alt-F1 .. F12: switch virtual console.
    CtrlAltF(u8),
    /// Alt-SysRq-<letter>: `h` help, `s` sync, `u` remount ro, `b` reboot, ...
    SysRq(char),
}

impl KeyPreset {
    pub fn codes(self) -> Result<Vec<u32>, String> {
        match self {
            KeyPreset::CtrlAltDel => Ok(vec![29, 56, 111]),
            KeyPreset::CtrlC => Ok(vec![29, 46]),
            KeyPreset::CtrlD => Ok(vec![29, 32]),
            KeyPreset::CtrlAltF(n) if (1..=12).contains(&n) => {
                Ok(vec![29, 56, keycode(&format!("F{n}"))?])
            }
            KeyPreset::CtrlAltF(n) => Err(format!("there is no F{n} key")),
            KeyPreset::SysRq(c) if c.is_ascii_alphanumeric() => {
                Ok(vec![56, 99, keycode(&c.to_string())?])
            }
            KeyPreset::SysRq(c) => Err(format!("{c:?} is not a SysRq command key")),
        }
    }

    pub fn label(self) -> String {
        match self {
            KeyPreset::CtrlAltDel => "Ctrl-Alt-Del".into(),
            KeyPreset::CtrlC => "Ctrl-C".into(),
            KeyPreset::CtrlD => "Ctrl-D".into(),
            KeyPreset::CtrlAltF(n) => format!("Ctrl-Alt-F{n}"),
            KeyPreset::SysRq(c) => format!("Alt-SysRq-{c}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_virsh_accepts_them() {
        assert_eq!(
            parse_keys("KEY_LEFTCTRL KEY_LEFTALT KEY_DELETE"),
            Ok(vec![29, 56, 111])
        );
        assert_eq!(parse_keys("leftctrl,c"), Ok(vec![29, 46]));
        assert_eq!(
            parse_keys("KEY_SYSRQ KEY_H 0x1d 97"),
            Ok(vec![99, 35, 29, 97])
        );
        assert_eq!(parse_keys("1"), Ok(vec![2]));
        assert_eq!(key_name(29), "KEY_LEFTCTRL");
        assert_eq!(key_name(500), "500");
    }

    #[test]
    fn bad_lists_are_refused_with_a_reason() {
        assert!(parse_keys("KEY_NOPE").unwrap_err().contains("KEY_NOPE"));
        assert!(parse_keys("").is_err());
        assert!(parse_keys(&"a ".repeat(17)).unwrap_err().contains("16"));
    }

    #[test]
    fn presets() {
        assert_eq!(KeyPreset::CtrlAltDel.codes(), Ok(vec![29, 56, 111]));
        assert_eq!(KeyPreset::SysRq('b').codes(), Ok(vec![56, 99, 48]));
        assert_eq!(KeyPreset::CtrlAltF(2).codes(), Ok(vec![29, 56, 60]));
        assert!(KeyPreset::CtrlAltF(13).codes().is_err());
    }
}
