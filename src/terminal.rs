//! Entering and leaving the full-screen terminal, including on panic.

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Whether virtdeck takes the mouse (config `mouse = true`); off leaves the terminal's
/// own text selection alone.
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Sets whether [`enter`] and [`resume`] capture the mouse.
pub fn set_mouse(on: bool) {
    MOUSE.store(on, Ordering::SeqCst);
}

/// Raw mode + alternate screen, and a panic hook that restores the terminal before the
/// panic message is printed (otherwise it lands, garbled, in the alternate screen).
pub fn enter() -> io::Result<Tui> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    resume()?;
    Terminal::new(CrosstermBackend::new(io::stdout()))
}

/// Leaves raw mode and the alternate screen; safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        crossterm::event::DisableBracketedPaste,
        crossterm::event::DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Hands the terminal to another program ($EDITOR) until [`resume`].
pub fn suspend() {
    restore();
}

/// Takes the terminal back after [`suspend`] (and takes it the first time, for [`enter`]):
/// raw mode, alternate screen, bracketed paste, the mouse when configured.
pub fn resume() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        crossterm::event::EnableBracketedPaste
    )?;
    if MOUSE.load(Ordering::SeqCst) {
        execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    Ok(())
}
