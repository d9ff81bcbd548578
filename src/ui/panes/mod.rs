//! The panes of the main screen.

pub mod detail;
pub mod domains;
pub mod snapshots;
pub mod stats;
pub mod stats_text;
