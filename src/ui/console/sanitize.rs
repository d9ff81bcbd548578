//! Guest output before the emulator: bidi controls and invisible format characters become
//! the same visible escapes domain names get (`\u{202e}`), so a guest cannot reorder or hide
//! text on the user's terminal.

use crate::ui::text::needs_escape;

/// Rewrites a byte stream chunk by chunk, holding back a UTF-8 sequence cut at a chunk end.
#[derive(Default)]
pub struct Sanitizer {
    carry: Vec<u8>,
}

/// Printable characters that must not reach the terminal raw. C0/C1 controls are left to
/// the emulator, which interprets or drops them and never stores them in a cell.
fn escaped(c: char) -> bool {
    needs_escape(c) && !c.is_control()
}

/// Length of the UTF-8 sequence a lead byte starts (0 for a continuation or invalid byte).
fn seq_len(b: u8) -> usize {
    match b {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 0,
    }
}

impl Sanitizer {
    /// `bytes` with every escaped character replaced; borrowed when nothing changes.
    pub fn apply<'a>(&mut self, bytes: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        if self.carry.is_empty() && bytes.is_ascii() {
            return std::borrow::Cow::Borrowed(bytes);
        }
        let mut input = std::mem::take(&mut self.carry);
        input.extend_from_slice(bytes);
        let mut out = Vec::with_capacity(input.len() + 16);
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            let n = seq_len(b);
            if n == 0 {
                out.push(b);
                i += 1;
                continue;
            }
            if i + n > input.len() {
                // A sequence cut by the chunk boundary: finish it with the next chunk (only
                // if what is here is a valid start of one).
                if input[i + 1..].iter().all(|c| (0x80..0xc0).contains(c)) {
                    self.carry = input[i..].to_vec();
                    break;
                }
                out.push(b);
                i += 1;
                continue;
            }
            match std::str::from_utf8(&input[i..i + n])
                .ok()
                .and_then(|s| s.chars().next())
            {
                Some(c) if escaped(c) => {
                    out.extend_from_slice(format!("\\u{{{:x}}}", c as u32).as_bytes());
                    i += n;
                }
                Some(_) => {
                    out.extend_from_slice(&input[i..i + n]);
                    i += n;
                }
                None => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        std::borrow::Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_format_characters_become_escapes_even_split_across_chunks() {
        let mut s = Sanitizer::default();
        let text = "ab\u{202e}cd\u{feff}\u{200c}\u{ad}\u{61c}\u{600}é数\x1b[31m";
        assert_eq!(
            String::from_utf8_lossy(&s.apply(text.as_bytes())),
            "ab\\u{202e}cd\\u{feff}\\u{200c}\\u{ad}\\u{61c}\\u{600}é数\x1b[31m"
        );
        let bytes = "x\u{202e}y".as_bytes();
        let mut out = s.apply(&bytes[..2]).into_owned();
        out.extend_from_slice(&s.apply(&bytes[2..]));
        assert_eq!(String::from_utf8_lossy(&out), "x\\u{202e}y");
        // Invalid bytes pass through for the emulator to replace.
        assert_eq!(&*s.apply(b"\xff\xe2a"), b"\xff\xe2a");
    }
}
