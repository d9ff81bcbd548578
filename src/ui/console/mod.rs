//! The serial console pane: key encoding, terminal emulator, session state and drawing.

pub mod keys;
pub mod sanitize;
pub mod search;
pub mod session;
pub mod store;
pub mod term;
pub mod view;
pub mod widget;
