//! The serial console pane: key encoding, terminal emulator, session state and drawing.

pub mod keys;
pub mod session;
pub mod term;
pub mod view;
pub mod widget;
