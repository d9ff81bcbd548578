//! The App's main loop: events in, at most one frame per burst out, with frames spaced
//! out while a console floods.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use tokio::sync::mpsc::UnboundedReceiver;

use super::App;
use crate::event::Event;

/// Shortest time between two frames: a console flood arrives in many small batches, and
/// redrawing each one would cost more than the output is worth (and flood an SSH link).
const FRAME_MIN: Duration = Duration::from_millis(16);

/// Console output since the last frame above which the console counts as flooding.
const FLOOD_BYTES: u64 = 8 * 1024;

/// Frame spacing while a console floods: nobody reads text scrolling that fast, and on a
/// small host every frame's CPU is taken from the guest producing the output.
const FRAME_FLOOD: Duration = Duration::from_millis(100);

/// Shortest time between frames given how much console output arrived since the last one:
/// 16 ms for typing and ordinary output (echo stays immediate), 100 ms during a flood.
pub fn frame_interval(console_bytes_since_last_frame: u64) -> Duration {
    if console_bytes_since_last_frame > FLOOD_BYTES {
        FRAME_FLOOD
    } else {
        FRAME_MIN
    }
}

impl App {
    /// Runs the App on `terminal` until the user quits or the channel closes.
    pub async fn run<B: ratatui::backend::Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        rx: &mut UnboundedReceiver<Event>,
    ) -> Result<(), String> {
        self.draw(terminal)?;
        let mut last_draw = Instant::now();
        let mut drawn_bytes = self.console_received();
        while !self.quit {
            let Some(ev) = rx.recv().await else { break };
            self.handle(ev);
            // Drain everything queued before drawing once: a burst of events costs one frame.
            while !self.quit {
                match rx.try_recv() {
                    Ok(ev) => self.handle(ev),
                    Err(_) => break,
                }
            }
            if self.quit {
                // A hung-up terminal cannot take a last frame, and a leaving App needs none.
                break;
            }
            if self.take_external_edit() {
                self.run_external_editor(terminal);
                self.dirty = true;
            }
            if let Some(host) = self.interactive_pending.take() {
                self.connect_interactively(terminal, rx, host).await;
                self.dirty = true;
            }
            let since = last_draw.elapsed();
            let min = frame_interval(self.console_received().saturating_sub(drawn_bytes));
            if self.dirty && since < min {
                tokio::time::sleep(min - since).await;
                while !self.quit {
                    match rx.try_recv() {
                        Ok(ev) => self.handle(ev),
                        Err(_) => break,
                    }
                }
            }
            if self.take_dirty() {
                self.draw(terminal)?;
                last_draw = Instant::now();
                drawn_bytes = self.console_received();
            }
        }
        self.flush_drafts();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_slow_down_only_while_a_console_floods() {
        assert_eq!(frame_interval(0), FRAME_MIN);
        assert_eq!(
            frame_interval(200),
            FRAME_MIN,
            "typing and echo stay at 60 fps"
        );
        assert_eq!(frame_interval(64 * 1024), FRAME_FLOOD);
    }
}
