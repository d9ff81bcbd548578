//! Bulk actions: marks (which domains) and the bounded runner with its summary (how it
//! went). Marks live with the list view; the runner lives on the backend's job side.

pub mod marks;
pub mod runner;
pub mod summary;

pub use marks::Marks;
pub use runner::{CANCELLED, Options, Target, run};
pub use summary::{Outcome, Report};
