//! Popups: layers pushed over the main screen (help, confirmations, the filter prompt). Each owns its state, keys, drawing and footer hints.

pub mod ask;
pub mod bulk;
pub mod confirm;
pub mod filter;
pub mod help;

pub use crate::ui::widgets::{centered, frame};
