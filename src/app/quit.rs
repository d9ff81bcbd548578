//! Quitting while virtdeck's own jobs run (clones, volume transfers): ask first, then
//! cancel them and wait for each to clean up before the process goes.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::App;
use crate::event::Event;
use crate::ui::popups::ask::Ask;

impl App {
    /// `q`, `:q`: quits, or first asks when clones or transfers would be cut half-way.
    pub(super) fn request_quit(&mut self) {
        if self.inflight.is_empty() || self.quit_confirmed {
            self.leave();
            return;
        }
        let n = self.inflight.len();
        let mut body = vec![if n == 1 {
            "1 job is still running:".to_string()
        } else {
            format!("{n} jobs are still running:")
        }];
        body.extend(self.inflight.labels().map(|l| format!("  {l}")));
        body.push(String::new());
        body.push(
            "Quitting cancels them, and each removes what it made: a clone its volumes and \
             domain, a download its partial file (an upload leaves the volume's content \
             partial). virtdeck exits once they have cleaned up."
                .into(),
        );
        self.layers
            .push(Box::new(Ask::quit("Quit with jobs running?", body)));
        self.dirty = true;
    }

    /// After `run`: cancels every clone or transfer still running and waits, up to
    /// `limit` or until a signal (a second Ctrl-C), for each to end. One line per job
    /// says what became of it; a job still running when the wait ends says so.
    pub async fn wind_down(
        &mut self,
        rx: &mut UnboundedReceiver<Event>,
        limit: Duration,
    ) -> Vec<String> {
        if self.inflight.is_empty() {
            return Vec::new();
        }
        for cmd in self.inflight.cancels() {
            self.send(cmd);
        }
        let deadline = tokio::time::Instant::now() + limit;
        let mut out = Vec::new();
        while !self.inflight.is_empty() {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(Event::Backend(ev))) => out.extend(self.inflight.on_event(&ev)),
                Ok(Some(Event::Signal(_))) | Ok(None) | Err(_) => break,
                Ok(Some(_)) => {}
            }
        }
        out.extend(
            self.inflight
                .labels()
                .map(|l| format!("{l}: still running when virtdeck left; what it made may remain")),
        );
        out
    }
}
