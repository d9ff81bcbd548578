//! SIGHUP, SIGTERM and SIGINT become an `Event`, so the App leaves through its normal exit
//! path (drafts kept, consoles closed, temp files removed, terminal restored) instead of dying.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::UnboundedSender;

use crate::event::Event;

/// Which signal asked virtdeck to leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitSignal {
    /// The terminal went away (an SSH connection dropped): nothing more may be drawn.
    Hangup,
    Terminate,
    Interrupt,
}

impl ExitSignal {
    pub fn name(self) -> &'static str {
        match self {
            ExitSignal::Hangup => "SIGHUP",
            ExitSignal::Terminate => "SIGTERM",
            ExitSignal::Interrupt => "SIGINT",
        }
    }
}

/// Installs the handlers (replacing the default "die at once") and forwards each signal to
/// the App's channel. Must run inside the tokio runtime.
pub fn spawn(tx: UnboundedSender<Event>) -> std::io::Result<()> {
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        loop {
            let sig = tokio::select! {
                Some(()) = hup.recv() => ExitSignal::Hangup,
                Some(()) = term.recv() => ExitSignal::Terminate,
                Some(()) = int.recv() => ExitSignal::Interrupt,
                else => return,
            };
            tracing::info!("{} received: leaving", sig.name());
            if tx.send(Event::Signal(sig)).is_err() {
                return;
            }
        }
    });
    Ok(())
}
