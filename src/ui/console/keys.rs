//! Encodes keys and pasted text as the bytes a VT100/xterm sends to the guest.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::keymap::Key;

/// Legacy terminals send Ctrl-\ … Ctrl-_ as 0x1c–0x1f, which crossterm reports as
/// Ctrl-4 … Ctrl-7; map them back to the punctuation users configure ("Ctrl-]").
pub fn normalize(k: &KeyEvent) -> Key {
    let mut key = Key::from_event(k);
    if key.ctrl
        && let KeyCode::Char(c) = key.code
    {
        key.code = KeyCode::Char(match c {
            '4' => '\\',
            '5' => ']',
            '6' => '^',
            '7' => '_',
            other => other.to_ascii_lowercase(),
        });
    }
    key
}

/// xterm's modifier parameter: 1 + Shift + 2·Alt + 4·Ctrl (1 = none).
fn modifier_param(m: KeyModifiers) -> u8 {
    1 + u8::from(m.contains(KeyModifiers::SHIFT))
        + 2 * u8::from(m.contains(KeyModifiers::ALT))
        + 4 * u8::from(m.contains(KeyModifiers::CONTROL))
}

/// The control byte for Ctrl+`c`, if there is one.
fn ctrl_byte(c: char) -> Option<u8> {
    Some(match c.to_ascii_lowercase() {
        c @ 'a'..='z' => c as u8 - b'a' + 1,
        '@' | ' ' | '2' => 0,
        '[' | '3' => 0x1b,
        '\\' | '4' => 0x1c,
        ']' | '5' => 0x1d,
        '^' | '6' | '~' => 0x1e,
        '_' | '7' | '/' | '-' => 0x1f,
        '?' | '8' => 0x7f,
        _ => return None,
    })
}

/// Bytes for one key press. `app_cursor` is DECCKM (the guest asked for application
/// cursor keys, as `vi` and `top` do). `None` for keys a terminal sends nothing for.
pub fn encode(k: &KeyEvent, app_cursor: bool) -> Option<Vec<u8>> {
    let m = k.modifiers;
    let ctrl = m.contains(KeyModifiers::CONTROL);
    let alt = m.contains(KeyModifiers::ALT);
    let modp = modifier_param(m);
    // CSI letter keys: arrows, Home, End, F1–F4.
    let csi_letter = |letter: char, ss3: bool| -> Vec<u8> {
        if modp > 1 {
            format!("\x1b[1;{modp}{letter}").into_bytes()
        } else if ss3 {
            format!("\x1bO{letter}").into_bytes()
        } else {
            format!("\x1b[{letter}").into_bytes()
        }
    };
    let tilde = |n: u8| -> Vec<u8> {
        if modp > 1 {
            format!("\x1b[{n};{modp}~").into_bytes()
        } else {
            format!("\x1b[{n}~").into_bytes()
        }
    };
    let bytes = match k.code {
        KeyCode::Char(c) if ctrl => {
            let b = ctrl_byte(c)?;
            if alt { vec![0x1b, b] } else { vec![b] }
        }
        KeyCode::Char(c) => {
            let mut v = Vec::new();
            if alt {
                v.push(0x1b);
            }
            let mut buf = [0u8; 4];
            v.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            v
        }
        KeyCode::Enter => alt_prefixed(alt, b"\r"),
        KeyCode::Tab => alt_prefixed(alt, b"\t"),
        KeyCode::BackTab => b"\x1b[Z".to_vec(),
        KeyCode::Backspace if ctrl => vec![0x08],
        KeyCode::Backspace => alt_prefixed(alt, b"\x7f"),
        KeyCode::Esc => vec![0x1b],
        KeyCode::Up => csi_letter('A', app_cursor),
        KeyCode::Down => csi_letter('B', app_cursor),
        KeyCode::Right => csi_letter('C', app_cursor),
        KeyCode::Left => csi_letter('D', app_cursor),
        KeyCode::Home => csi_letter('H', app_cursor),
        KeyCode::End => csi_letter('F', app_cursor),
        KeyCode::Insert => tilde(2),
        KeyCode::Delete => tilde(3),
        KeyCode::PageUp => tilde(5),
        KeyCode::PageDown => tilde(6),
        KeyCode::F(n @ 1..=4) => csi_letter((b'P' + n - 1) as char, true),
        KeyCode::F(n @ 5..=12) => tilde([15, 17, 18, 19, 20, 21, 23, 24][usize::from(n - 5)]),
        _ => return None,
    };
    Some(bytes)
}

fn alt_prefixed(alt: bool, b: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(b.len() + 1);
    if alt {
        v.push(0x1b);
    }
    v.extend_from_slice(b);
    v
}

/// Pasted text as typed input: newlines become Enter (CR); wrapped in bracketed-paste
/// markers when the guest enabled that mode, with any marker inside the text removed so
/// a paste cannot end the bracket early.
pub fn encode_paste(text: &str, bracketed: bool) -> Vec<u8> {
    let normalized = text.replace("\r\n", "\r").replace('\n', "\r");
    if bracketed {
        let inner = normalized.replace("\x1b[201~", "");
        format!("\x1b[200~{inner}\x1b[201~").into_bytes()
    } else {
        normalized.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> Vec<u8> {
        encode(&KeyEvent::new(code, m), false).expect("key has an encoding")
    }
    const N: KeyModifiers = KeyModifiers::NONE;
    const C: KeyModifiers = KeyModifiers::CONTROL;

    #[test]
    fn arrows_follow_the_cursor_key_mode_and_modifiers() {
        assert_eq!(key(KeyCode::Up, N), b"\x1b[A");
        assert_eq!(key(KeyCode::Left, N), b"\x1b[D");
        let app = encode(&KeyEvent::new(KeyCode::Down, N), true);
        assert_eq!(app.as_deref(), Some(&b"\x1bOB"[..]));
        assert_eq!(key(KeyCode::Right, C), b"\x1b[1;5C");
        assert_eq!(key(KeyCode::Up, KeyModifiers::SHIFT), b"\x1b[1;2A");
        assert_eq!(key(KeyCode::Home, N), b"\x1b[H");
        assert_eq!(key(KeyCode::End, N), b"\x1b[F");
        assert_eq!(key(KeyCode::PageUp, N), b"\x1b[5~");
        assert_eq!(key(KeyCode::Delete, N), b"\x1b[3~");
    }

    #[test]
    fn function_keys_use_ss3_then_tilde_codes() {
        assert_eq!(key(KeyCode::F(1), N), b"\x1bOP");
        assert_eq!(key(KeyCode::F(4), N), b"\x1bOS");
        assert_eq!(key(KeyCode::F(5), N), b"\x1b[15~");
        assert_eq!(key(KeyCode::F(10), N), b"\x1b[21~");
        assert_eq!(key(KeyCode::F(12), N), b"\x1b[24~");
        assert_eq!(key(KeyCode::F(2), KeyModifiers::SHIFT), b"\x1b[1;2Q");
        assert_eq!(key(KeyCode::F(5), C), b"\x1b[15;5~");
        assert_eq!(encode(&KeyEvent::new(KeyCode::F(20), N), false), None);
    }

    #[test]
    fn control_combinations_become_c0_bytes() {
        assert_eq!(key(KeyCode::Char('c'), C), [0x03]);
        assert_eq!(key(KeyCode::Char('d'), C), [0x04]);
        assert_eq!(key(KeyCode::Char('C'), C | KeyModifiers::SHIFT), [0x03]);
        assert_eq!(key(KeyCode::Char('z'), C), [0x1a]);
        assert_eq!(key(KeyCode::Char('@'), C), [0x00]);
        assert_eq!(key(KeyCode::Char(' '), C), [0x00]);
        assert_eq!(key(KeyCode::Char('['), C), [0x1b]);
        // crossterm reports the byte 0x1d (Ctrl-]) as Ctrl-5.
        assert_eq!(key(KeyCode::Char('5'), C), [0x1d]);
        assert_eq!(key(KeyCode::Char('x'), C | KeyModifiers::ALT), [0x1b, 0x18]);
        assert_eq!(encode(&KeyEvent::new(KeyCode::Char('é'), C), false), None);
    }

    #[test]
    fn editing_keys_and_text() {
        assert_eq!(key(KeyCode::Enter, N), b"\r");
        assert_eq!(key(KeyCode::Tab, N), b"\t");
        assert_eq!(key(KeyCode::BackTab, KeyModifiers::SHIFT), b"\x1b[Z");
        assert_eq!(key(KeyCode::Backspace, N), [0x7f]);
        assert_eq!(key(KeyCode::Esc, N), [0x1b]);
        assert_eq!(key(KeyCode::Char('A'), KeyModifiers::SHIFT), b"A");
        assert_eq!(key(KeyCode::Char('b'), KeyModifiers::ALT), b"\x1bb");
        assert_eq!(key(KeyCode::Char('€'), N), "€".as_bytes());
    }

    #[test]
    fn paste_turns_newlines_into_enter_and_cannot_escape_the_bracket() {
        assert_eq!(encode_paste("ls\nuname -a\r\n", false), b"ls\runame -a\r");
        assert_eq!(
            encode_paste("a\x1b[201~b", true),
            b"\x1b[200~ab\x1b[201~".to_vec()
        );
    }

    #[test]
    fn ctrl_right_bracket_normalizes_from_either_report() {
        let legacy = normalize(&KeyEvent::new(KeyCode::Char('5'), C));
        let kitty = normalize(&KeyEvent::new(KeyCode::Char(']'), C));
        let spec = Key::parse("Ctrl-]").expect("valid spec");
        assert_eq!(legacy, spec);
        assert_eq!(kitty, spec);
        assert_ne!(normalize(&KeyEvent::new(KeyCode::Char('5'), N)), spec);
    }
}
