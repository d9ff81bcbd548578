//! The Snapshots view: the tree pane, its keys and jobs, and the snapshot dialogs.

pub mod dialog;
pub mod dialogs;
pub mod disk_files;
pub mod keys;
pub mod pane;
pub mod tree;
