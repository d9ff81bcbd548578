//! The App's model of the host, changed only by applying backend events.

mod cpu;
mod store;

pub use cpu::cpu_percent;
pub use store::{ConnState, DomainRow, Store};
