//! The Stats tab: graphs and per-device figures of the selected domain.

pub mod pane;
pub mod text;
pub mod view;
