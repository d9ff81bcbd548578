//! Live statistics on the App side: pure rate maths, bounded rings, per-domain histories.

mod book;
mod history;
pub mod rate;
mod ring;

pub use book::{StatsBook, capacity_for};
pub use history::{DeviceHistory, DiskRates, DomainHistory, MemFreshness, NicRates};
pub use ring::Ring;
