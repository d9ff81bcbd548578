//! Logs go to a file in the user's state dir: never to the terminal the TUI owns.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;

/// Starts file logging (level from VIRTDECK_LOG, default info). Returns the guard that
/// flushes on drop and the log path, or `None` if no writable state dir exists.
pub fn init() -> Option<(WorkerGuard, PathBuf)> {
    let dir = crate::config::state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "virtdeck.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("VIRTDECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some((guard, dir.join("virtdeck.log")))
}
