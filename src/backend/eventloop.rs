//! libvirt's default event loop, registered once per process and run on its own thread.

use std::sync::OnceLock;

static STARTED: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers libvirt's default event implementation and starts the thread that runs it.
/// Must happen before the first connection is opened; later calls are no-ops.
pub fn ensure_started() -> Result<(), String> {
    STARTED
        .get_or_init(|| {
            // libvirt would otherwise print every error to stderr, over the TUI.
            virt::error::clear_error_callback();
            virt::event::event_register_default_impl()
                .map_err(|e| format!("cannot register libvirt's event loop: {e}"))?;
            std::thread::Builder::new()
                .name("libvirt-events".into())
                .spawn(|| {
                    loop {
                        if let Err(e) = virt::event::event_run_default_impl() {
                            tracing::warn!("libvirt event loop iteration failed: {e}");
                        }
                    }
                })
                .map(|_| ())
                .map_err(|e| format!("cannot start the libvirt event thread: {e}"))
        })
        .clone()
}
