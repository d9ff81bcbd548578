//! The yes/no question before a network is stopped or undefined.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::action::{Action, Scope};
use crate::backend::Command;
use crate::backend::network::{NetCmd, NetOp, NetworkId};
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer, Level};
use crate::ui::text::escape;
use crate::ui::widgets::{centered, frame};

pub struct NetConfirm {
    pub id: NetworkId,
    pub name: String,
    pub op: NetOp,
}

/// Sends `op` for network `id`, saying so with the virsh equivalent.
pub fn send_net_op(cx: &mut Ctx, id: NetworkId, name: &str, op: NetOp) {
    let req = cx.reqs.allocate();
    cx.status(Level::Info, format!("{} {}…", op.label(), escape(name)));
    cx.send(Command::Network(id.host, NetCmd::Op { req, id, op }));
}

impl Layer for NetConfirm {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Confirm]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        if cx.action(&[Scope::Confirm], key) == Some(Action::ConfirmYes) {
            send_net_op(cx, self.id.clone(), &self.name, self.op);
        } else {
            cx.status(Level::Warn, format!("{}: cancelled", self.op.label()));
        }
        Flow::Close
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::ConfirmYes]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let t = &cx.config.theme;
        let rect = centered(area, area.width.clamp(20, 60), 7.min(area.height));
        f.render_widget(Clear, rect);
        let what = match self.op {
            NetOp::Destroy => "Guests on it lose their network until it is started again.",
            _ => "Its definition is removed from the host.",
        };
        let lines = vec![
            Line::from(vec![
                Span::raw("Network: "),
                Span::styled(escape(&self.name).into_owned(), t.style(Role::Title)),
            ]),
            Line::from(what),
            Line::from(""),
            Line::from(vec![
                Span::styled(
                    cx.config.keymap.keys_label(Action::ConfirmYes),
                    t.style(Role::Key),
                ),
                Span::raw(" to confirm, any other key cancels"),
            ]),
        ];
        let title = format!("{} network?", self.op.label());
        f.render_widget(
            Paragraph::new(lines)
                .block(frame(&title, true, t))
                .wrap(Wrap { trim: false }),
            rect,
        );
    }
}
