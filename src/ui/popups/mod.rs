//! Popups: layers pushed over the main screen (help, confirmations, the filter prompt,
//! the snapshot dialogs). Each owns its state, keys, drawing and footer hints.

pub mod confirm;
pub mod filter;
pub mod help;
pub mod snapshot_dialog;
pub mod snapshot_dialogs;

pub use crate::ui::widgets::{centered, frame};
