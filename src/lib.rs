//! virtdeck: a terminal UI for libvirt. The library holds everything; `main` only wires it.

pub mod action;
pub mod app;
pub mod backend;
pub mod bulk;
pub mod cli;
pub mod clipboard;
pub mod cmdline;
pub mod config;
pub mod event;
pub mod logging;
pub mod palette;
pub mod signals;
pub mod state;
pub mod terminal;
pub mod tty_auth;
pub mod ui;
pub mod xml;
