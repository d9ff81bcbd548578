//! The jobs view (`:jobs`, `J`): every block job (commit, pull, copy) and save / restore
//! on the host with progress, rate and time left; pivot (only after READY), abort, speed.

pub mod block_ask;
pub mod save;
pub mod view;

pub use view::JobsView;
