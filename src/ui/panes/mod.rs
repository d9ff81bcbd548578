//! The panes of the main screen.

pub mod detail;
pub mod domains;
pub mod snapshots;
