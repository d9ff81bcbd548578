//! The storage pools view (`:pool`, `P`): every pool of the host with its state and usage;
//! start, stop, refresh, build, autostart, undefine and delete; Enter opens its volumes.

pub mod view;

pub use view::PoolsView;
