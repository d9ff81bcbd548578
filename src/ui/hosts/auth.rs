//! The credentials popup: libvirt's auth callback (a libssh key passphrase or password, a
//! SASL name) asks through the worker; one input per question, secrets drawn as dots.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::action::{Action, Scope};
use crate::app::Level;
use crate::backend::{AuthReply, BackendEvent, CredRequest, HostId, wipe};
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer};
use crate::ui::popups::ask::popup;
use crate::ui::text::escape;
use crate::ui::widgets::{Edit, LineInput};

/// The mask drawn for each character of a secret answer.
const DOT: &str = "•";

/// One credential question from a host's worker, waiting for its answers.
pub struct AuthPopup {
    host: HostId,
    name: String,
    uri: String,
    requests: Vec<CredRequest>,
    inputs: Vec<LineInput>,
    /// The input keys go to.
    focus: usize,
    reply: AuthReply,
    /// The worker stopped waiting (it answered itself, or the time ran out).
    expired: bool,
}

impl AuthPopup {
    pub fn new(
        host: HostId,
        name: &str,
        uri: &str,
        requests: Vec<CredRequest>,
        reply: AuthReply,
    ) -> AuthPopup {
        let inputs = requests
            .iter()
            .map(|r| {
                // A default (libvirt's suggested user name) is offered, never a secret.
                let init = r.default.as_deref().filter(|_| !r.kind.secret());
                LineInput::new(init.unwrap_or(""))
            })
            .collect();
        AuthPopup {
            host,
            name: name.to_string(),
            uri: uri.to_string(),
            requests,
            inputs,
            focus: 0,
            reply,
            expired: false,
        }
    }

    /// Hands the answers to the worker; the popup keeps no copy.
    fn submit(&mut self, cx: &mut Ctx) {
        let answers: Vec<String> = self
            .inputs
            .iter_mut()
            .map(|i| std::mem::take(&mut i.text))
            .collect();
        if self.reply.answer(Some(answers)) {
            cx.status(
                Level::Info,
                format!("{}: credentials sent", escape(&self.name)),
            );
        } else {
            cx.status(
                Level::Warn,
                format!("{}: the connection stopped waiting", escape(&self.name)),
            );
        }
    }

    fn cancel(&mut self, cx: &mut Ctx) {
        self.reply.answer(None);
        cx.status(
            Level::Warn,
            format!(
                "{}: credentials not given; {} in the hosts view retries",
                escape(&self.name),
                cx.config.keymap.keys_label(Action::HostsReconnect)
            ),
        );
    }
}

impl Drop for AuthPopup {
    /// Closing unanswered cancels (the worker must not wait out its timeout), and typed
    /// secrets are overwritten before their memory is freed.
    fn drop(&mut self) {
        self.reply.answer(None);
        for i in &mut self.inputs {
            wipe(std::mem::take(&mut i.text));
        }
    }
}

impl Layer for AuthPopup {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Input]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        if self.expired {
            return Flow::Close;
        }
        let Some(input) = self.inputs.get_mut(self.focus) else {
            // Nothing asked: any key answers with nothing.
            self.submit(cx);
            return Flow::Close;
        };
        match input.on_key(&cx.config.keymap, key) {
            Edit::Cancel => {
                self.cancel(cx);
                Flow::Close
            }
            // Enter moves to the next question; on the last one it sends them all.
            Edit::Accept if self.focus + 1 < self.inputs.len() => {
                self.focus += 1;
                Flow::Consumed
            }
            Edit::Accept => {
                self.submit(cx);
                Flow::Close
            }
            Edit::Changed | Edit::Ignored => Flow::Consumed,
        }
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        if let Some(input) = self.inputs.get_mut(self.focus) {
            input.paste(text);
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, _cx: &mut Ctx) {
        if let BackendEvent::Connected { host, .. } | BackendEvent::ConnectFailed { host, .. } = ev
            && *host == self.host
        {
            self.expired = true;
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::InputAccept, Action::InputCancel]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let theme = &cx.config.theme;
        let k = |a| cx.config.keymap.keys_label(a);
        let title = format!("Credentials for {} ({})", self.name, self.uri);
        let body = vec![format!(
            "libvirt asks for credentials to connect to {}.",
            self.uri
        )];
        let mut tail = Vec::new();
        if self.expired {
            tail.push(Line::from(Span::styled(
                "The connection stopped waiting for these answers; any key closes.",
                theme.style(Role::Warn),
            )));
        }
        for (i, (req, input)) in self.requests.iter().zip(&self.inputs).enumerate() {
            let label = if req.prompt.trim().is_empty() {
                format!("{:?}", req.kind)
            } else {
                req.prompt.trim().to_string()
            };
            let focused = i == self.focus && !self.expired;
            let role = if focused { Role::Title } else { Role::Dim };
            tail.push(Line::from(Span::styled(
                escape(&label).into_owned(),
                theme.style(role),
            )));
            let mut typed = vec![Span::raw(if focused { "> " } else { "  " })];
            if req.kind.secret() {
                typed.push(Span::styled(
                    DOT.repeat(input.text.chars().count()),
                    theme.style(Role::Base),
                ));
                if focused {
                    typed.push(Span::styled("█", theme.style(Role::Dim)));
                }
            } else if focused {
                typed.extend(input.spans(theme));
            } else {
                typed.push(Span::raw(escape(&input.text).into_owned()));
            }
            tail.push(Line::from(typed));
        }
        tail.push(Line::from(vec![
            Span::styled(k(Action::InputAccept), theme.style(Role::Key)),
            Span::raw(" next / send   "),
            Span::styled(k(Action::InputCancel), theme.style(Role::Key)),
            Span::raw(" cancel"),
        ]));
        popup(f, area, &escape(&title), &body, tail, true, cx.config);
    }
}
