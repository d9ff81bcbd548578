//! Where the console is drawn: the Console tab of the lower pane, or full screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use super::App;
use crate::action::Action;
use crate::config::Role;
use crate::ui::console::widget::{self, Hints};

impl App {
    pub fn console_session(&self) -> Option<&crate::ui::console::session::ConsoleSession> {
        self.console.session.as_ref()
    }

    /// Bytes the open console has received so far (0 without one), for frame pacing.
    pub fn console_received(&self) -> u64 {
        self.console.received()
    }

    pub(super) fn console_fullscreen(&self) -> bool {
        self.console.fullscreen()
    }

    fn console_hints(&self) -> Hints {
        let k = |a| self.config.keymap.keys_label(a);
        Hints {
            detach: k(Action::ConsoleDetach),
            focus: k(Action::Console),
            force: k(Action::ConsoleForce),
            scroll_up: k(Action::ConsoleScrollUp),
            scroll_down: k(Action::ConsoleScrollDown),
            live: k(Action::ConsoleLive),
            save: k(Action::ConsoleSave),
            fullscreen: k(Action::ConsoleFullscreen),
            terminal_scroll: format!(
                "{}/{}",
                k(Action::TerminalPageUp),
                k(Action::TerminalPageDown)
            ),
            terminal_live: k(Action::TerminalLive),
            choose: format!("{}/{}", k(Action::Up), k(Action::Down)),
            accept: k(Action::InputAccept),
            cancel: k(Action::InputCancel),
            search: k(Action::ConsoleSearch),
            search_older: k(Action::SearchOlder),
            search_newer: k(Action::SearchNewer),
            search_end: k(Action::SearchEnd),
        }
    }

    /// The Console tab's body.
    pub(super) fn render_console_pane(&mut self, f: &mut Frame, area: Rect) {
        let hints = self.console_hints();
        match self.console.session.as_mut() {
            Some(s) => widget::render(f, area, s, &hints, &self.config.theme),
            None if self.domains.list.selected().is_some() => f.render_widget(
                Paragraph::new(Span::styled(
                    format!(
                        " {} opens the serial console of the selected domain \
                         ({} full screen, {} back to virtdeck)",
                        hints.focus, hints.fullscreen, hints.detach
                    ),
                    self.config.theme.style(Role::Dim),
                )),
                area,
            ),
            None => {}
        }
    }

    /// Full screen: the header line, the console, the status line.
    pub(super) fn render_console_full(&mut self, f: &mut Frame) {
        let [header, body, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(f.area());
        self.render_header(f, header);
        self.render_console_pane(f, body);
        self.render_status(f, status);
    }
}
