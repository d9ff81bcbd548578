//! Live statistics: the typed model, the bulk-record parser, device names from the domain
//! XML, and the reader that makes one bulk call per tick.

pub mod devices;
pub mod model;
mod parse;
mod reader;

pub use model::{BalloonStats, DiskStats, DomainStats, Groups, NicStats, StatsSource, VcpuStats};
pub use reader::{StatsCounters, StatsReader};
