//! Copy to the user's clipboard over the terminal (OSC 52), which works through SSH and,
//! with passthrough, inside tmux and GNU screen.
//!
//! Wiring: the `y` key in the domain list formats [`yank_line`] for the selected domain and,
//! unless the config flag turns clipboard writes off, writes [`osc52`] (with
//! [`Mux::from_env`]) to the terminal between frames, then says "copied" in the status line.

use std::fmt::Write as _;

/// Largest text (bytes, after cleaning) sent: terminals drop bigger OSC 52 payloads.
pub const MAX_TEXT_BYTES: usize = 74_000;

/// A terminal multiplexer between us and the real terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mux {
    None,
    /// tmux: DCS passthrough (needs `set -g allow-passthrough on` in tmux >= 3.3).
    Tmux,
    /// GNU screen: DCS passthrough, in chunks (screen caps one DCS string).
    Screen,
}

impl Mux {
    /// From the values of `$TMUX` and `$STY`.
    pub fn detect(tmux: Option<&str>, sty: Option<&str>) -> Mux {
        if tmux.is_some_and(|v| !v.is_empty()) {
            Mux::Tmux
        } else if sty.is_some_and(|v| !v.is_empty()) {
            Mux::Screen
        } else {
            Mux::None
        }
    }

    pub fn from_env() -> Mux {
        let tmux = std::env::var("TMUX").ok();
        let sty = std::env::var("STY").ok();
        Mux::detect(tmux.as_deref(), sty.as_deref())
    }
}

/// Why nothing was copied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClipError {
    #[error("nothing to copy")]
    Empty,
    #[error("too long to copy through the terminal ({0} bytes)")]
    TooLong(usize),
}

/// The text without control characters (a domain name full of escape codes must not be
/// pasted back into someone's shell); tabs and newlines become spaces.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Standard base64 with padding (RFC 4648), as OSC 52 expects.
pub fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The escape sequence putting `text` (cleaned) on the clipboard, wrapped for `mux`.
pub fn osc52(text: &str, mux: Mux) -> Result<String, ClipError> {
    let text = clean(text);
    if text.trim().is_empty() {
        return Err(ClipError::Empty);
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(ClipError::TooLong(text.len()));
    }
    let seq = format!("\x1b]52;c;{}\x07", base64(text.as_bytes()));
    Ok(match mux {
        Mux::None => seq,
        // Inside the DCS every ESC of the wrapped sequence is doubled.
        Mux::Tmux => format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b")),
        Mux::Screen => {
            // screen limits one DCS string to 768 bytes: send the sequence in pieces.
            let mut out = String::new();
            let bytes = seq.as_bytes();
            for piece in bytes.chunks(240) {
                // Pieces split ASCII only (ESC, "]52;c;", base64, BEL), so each is UTF-8.
                let piece = String::from_utf8_lossy(piece);
                let _ = write!(out, "\x1bP{piece}\x1b\\");
            }
            out
        }
    })
}

/// What `y` copies: "name UUID IP…" (IPs omitted when unknown), one clean line.
pub fn yank_line(name: &str, uuid: &str, ips: &[String]) -> String {
    let mut parts = vec![clean(name), clean(uuid)];
    parts.extend(ips.iter().map(|ip| clean(ip)));
    parts.retain(|p| !p.trim().is_empty());
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in cases {
            assert_eq!(base64(plain.as_bytes()), enc, "{plain}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn plain_osc52() {
        assert_eq!(
            osc52("web-01", Mux::None),
            Ok("\x1b]52;c;d2ViLTAx\x07".to_string())
        );
    }

    #[test]
    fn tmux_wraps_in_dcs_with_doubled_escapes() {
        assert_eq!(
            osc52("web-01", Mux::Tmux),
            Ok("\x1bPtmux;\x1b\x1b]52;c;d2ViLTAx\x07\x1b\\".to_string())
        );
    }

    #[test]
    fn screen_splits_into_short_dcs_pieces() {
        let text = "x".repeat(2000);
        let seq = osc52(&text, Mux::Screen).expect("fits");
        let pieces: Vec<&str> = seq.split("\x1b\\").filter(|p| !p.is_empty()).collect();
        assert!(pieces.len() > 1);
        assert!(
            pieces
                .iter()
                .all(|p| p.starts_with("\x1bP") && p.len() < 768)
        );
        let joined: String = pieces.iter().map(|p| &p[2..]).collect();
        assert_eq!(joined, osc52(&text, Mux::None).expect("fits"));
    }

    #[test]
    fn control_characters_never_reach_the_clipboard() {
        let seq = osc52("evil\x1b]0;pwned\x07\nname", Mux::None).expect("copy");
        // Decoding the payload gives the cleaned text only.
        assert_eq!(
            seq,
            format!("\x1b]52;c;{}\x07", base64(b"evil]0;pwned name"))
        );
        assert_eq!(osc52("\x1b\x07", Mux::None), Err(ClipError::Empty));
        assert_eq!(
            osc52(&"a".repeat(MAX_TEXT_BYTES + 1), Mux::None),
            Err(ClipError::TooLong(MAX_TEXT_BYTES + 1))
        );
    }

    #[test]
    fn mux_detection_prefers_tmux_and_ignores_empty_values() {
        assert_eq!(
            Mux::detect(Some("/tmp/tmux-0/default,1,0"), Some("1.pts")),
            Mux::Tmux
        );
        assert_eq!(Mux::detect(Some(""), Some("123.pts-0.host")), Mux::Screen);
        assert_eq!(Mux::detect(None, None), Mux::None);
    }

    #[test]
    fn yank_line_is_name_uuid_ips() {
        let uuid = "6695eb01-f6a4-8304-79aa-97f2502e193f";
        assert_eq!(
            yank_line(
                "web-01",
                uuid,
                &["192.168.122.10".into(), "fd00::10".into()]
            ),
            format!("web-01 {uuid} 192.168.122.10 fd00::10")
        );
        assert_eq!(yank_line("db\x1b[31m", uuid, &[]), format!("db[31m {uuid}"));
    }
}
