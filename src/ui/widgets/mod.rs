//! Widgets every view shares: the popup frame and the one-line text input.

pub mod frame;
pub mod line_input;
pub mod sheet;

pub use frame::{centered, frame};
pub use line_input::{Edit, LineInput};
