//! Everything drawn on screen. Reads the App's state; never talks to libvirt.

pub mod console;
pub mod editor;
pub mod format;
pub mod layer;
pub mod list_view;
pub mod panes;
pub mod popups;
pub mod text;
pub mod widgets;
