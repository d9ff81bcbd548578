//! The volumes view of one pool (Enter on a pool, `:vol POOL`): format, sizes, backing
//! store and the domains using each volume; create, delete, wipe, resize, clone, and
//! upload / download with progress, rate and cancel.

pub mod actions;
pub mod view;

pub use view::VolumesView;
