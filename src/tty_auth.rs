//! libvirt's credential questions (a libssh key passphrase, a password) answered on the
//! terminal for the connection made before the screen is taken, as ssh itself would ask.

use std::io::{self, BufRead, IsTerminal, Write};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal::{disable_raw_mode, enable_raw_mode};

use crate::backend::CredRequest;
use crate::ui::text::escape;

/// Asks each question on the terminal, secrets without echo; `None` (the connection is
/// refused for want of credentials) when there is no terminal or the user cancels with
/// Esc, Ctrl-C or Ctrl-D.
pub fn ask(reqs: &[CredRequest]) -> Option<Vec<String>> {
    if !io::stdin().is_terminal() {
        return None;
    }
    let mut answers = Vec::with_capacity(reqs.len());
    for r in reqs {
        // The prompt comes from the remote end: escaped like anything else it sends.
        let mut prompt = escape(r.prompt.trim_end_matches([':', ' '])).into_owned();
        if let Some(c) = r
            .challenge
            .as_deref()
            .filter(|c| !c.is_empty() && *c != r.prompt)
        {
            prompt.push_str(&format!(" ({})", escape(c)));
        }
        let default = r
            .default
            .as_deref()
            .filter(|d| !d.is_empty() && !r.kind.secret());
        let mut err = io::stderr();
        let _ = match default {
            Some(d) => write!(err, "{prompt} [{}]: ", escape(d)),
            None => write!(err, "{prompt}: "),
        };
        let _ = err.flush();
        let answer = if r.kind.secret() {
            read_secret()?
        } else {
            read_line()?
        };
        answers.push(match default {
            Some(d) if answer.is_empty() => d.to_string(),
            _ => answer,
        });
    }
    Some(answers)
}

fn read_line() -> Option<String> {
    let mut line = String::new();
    match io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

/// Reads keys in raw mode (nothing echoed) until Enter.
fn read_secret() -> Option<String> {
    enable_raw_mode().ok()?;
    let mut secret = String::new();
    let done = loop {
        let Ok(Event::Key(k)) = event::read() else {
            continue;
        };
        if k.kind == KeyEventKind::Release {
            continue;
        }
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Enter => break true,
            KeyCode::Esc => break false,
            KeyCode::Char('c' | 'd') if ctrl => break false,
            KeyCode::Char('u') if ctrl => secret.clear(),
            KeyCode::Backspace => {
                secret.pop();
            }
            KeyCode::Char(c) if !ctrl => secret.push(c),
            _ => {}
        }
    };
    let _ = disable_raw_mode();
    let _ = writeln!(io::stderr());
    if done {
        Some(secret)
    } else {
        crate::backend::wipe(secret);
        None
    }
}
