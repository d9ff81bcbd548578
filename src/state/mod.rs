//! The App's model of the host, changed only by applying backend events.

pub mod event_entry;
pub mod eventlog;
pub mod hosts;
pub mod stats;
mod store;

pub use hosts::{HostConn, HostRow, HostTable};
pub use store::{ConnState, DomainRow, Store};
