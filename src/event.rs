//! The App's one inbound event type and the producers that feed its channel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{KeyEvent, MouseEvent};
use tokio::sync::mpsc::UnboundedSender;

use crate::backend::{BackendEvent, EventSink};

#[derive(Clone, Debug)]
pub enum Event {
    Key(KeyEvent),
    /// A click or wheel turn (only with `mouse = true`).
    Mouse(MouseEvent),
    Resize,
    Tick,
    Backend(BackendEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// The input reader failed (terminal gone); the App exits.
    InputClosed(String),
    /// SIGHUP / SIGTERM / SIGINT: leave through the normal exit path.
    Signal(crate::signals::ExitSignal),
    /// A file read for the XML editor (Ctrl-O), for request `req`.
    FileRead {
        req: u64,
        result: Result<String, String>,
    },
}

/// Wraps the App's channel as the backend's event sink.
pub fn backend_sink(tx: UnboundedSender<Event>) -> EventSink {
    std::sync::Arc::new(move |ev| {
        let _ = tx.send(Event::Backend(ev));
    })
}

/// Set while an external program ($EDITOR) owns the terminal, so no key is stolen from it.
static INPUT_PAUSED: AtomicBool = AtomicBool::new(false);

/// Stops (or resumes) reading terminal input; the reader notices within ~50 ms.
pub fn pause_input(paused: bool) {
    INPUT_PAUSED.store(paused, Ordering::SeqCst);
}

/// Reads terminal input on a plain thread (crossterm's read blocks) until the App is gone.
pub fn spawn_input(tx: UnboundedSender<Event>) {
    let _ = std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            loop {
                if INPUT_PAUSED.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                // Poll rather than block, so a pause takes effect before $EDITOR starts.
                match crossterm::event::poll(Duration::from_millis(50)) {
                    Ok(false) => continue,
                    Ok(true) if INPUT_PAUSED.load(Ordering::SeqCst) => continue,
                    _ => {}
                }
                let ev = match crossterm::event::read() {
                    Ok(crossterm::event::Event::Key(k)) => Event::Key(k),
                    Ok(crossterm::event::Event::Paste(s)) => Event::Paste(s),
                    Ok(crossterm::event::Event::Mouse(m)) => Event::Mouse(m),
                    Ok(crossterm::event::Event::Resize(..)) => Event::Resize,
                    Ok(_) => continue,
                    Err(e) => {
                        let _ = tx.send(Event::InputClosed(e.to_string()));
                        return;
                    }
                };
                if tx.send(ev).is_err() {
                    return;
                }
            }
        });
}

/// A UI tick (status expiry and the like); stats come from the backend's own timer.
pub fn spawn_tick(tx: UnboundedSender<Event>, every: Duration) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if tx.send(Event::Tick).is_err() {
                return;
            }
        }
    });
}
