//! The App's one inbound event type and the producers that feed its channel.

use std::time::Duration;

use crossterm::event::KeyEvent;
use tokio::sync::mpsc::UnboundedSender;

use crate::backend::{BackendEvent, EventSink};

#[derive(Clone, Debug)]
pub enum Event {
    Key(KeyEvent),
    Resize,
    Tick,
    Backend(BackendEvent),
    /// The input reader failed (terminal gone); the App exits.
    InputClosed(String),
}

/// Wraps the App's channel as the backend's event sink.
pub fn backend_sink(tx: UnboundedSender<Event>) -> EventSink {
    std::sync::Arc::new(move |ev| {
        let _ = tx.send(Event::Backend(ev));
    })
}

/// Reads terminal input on a plain thread (crossterm's read blocks) until the App is gone.
pub fn spawn_input(tx: UnboundedSender<Event>) {
    let _ = std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            loop {
                let ev = match crossterm::event::read() {
                    Ok(crossterm::event::Event::Key(k)) => Event::Key(k),
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
