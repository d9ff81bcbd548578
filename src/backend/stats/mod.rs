//! Live statistics: the typed model, the bulk-record parser, device names from the domain
//! XML, and the reader that makes one bulk call per tick.

pub mod devices;
pub mod model;
mod parse;
mod reader;

use virt::connect::Connect;
use virt::error::Error;
use virt::sys;

use super::domains::is_invalid_arg;
use super::ffi;

pub use model::{BalloonStats, DiskStats, DomainStats, Groups, NicStats, StatsSource, VcpuStats};
pub(super) use parse::parse_record;
pub use reader::{StatsCounters, StatsReader};

/// One bulk stats call, with NOWAIT while `*nowait` holds: a domain busy with a job comes
/// back without the groups it could not give instead of blocking the call. A driver that
/// rejects the flag clears `*nowait` and is asked again without it. Returns the records
/// and how many calls that took.
pub(super) fn bulk_call(
    conn: &Connect,
    groups: u32,
    flags: u32,
    nowait: &mut bool,
) -> (Result<Vec<ffi::StatsRecord>, Error>, u64) {
    with_nowait(|f| ffi::all_domain_stats(conn, groups, f), flags, nowait)
}

/// [`bulk_call`] for just these domains (`virDomainListGetStats`).
pub(super) fn list_call(
    doms: &[virt::domain::Domain],
    groups: u32,
    flags: u32,
    nowait: &mut bool,
) -> (Result<Vec<ffi::StatsRecord>, Error>, u64) {
    with_nowait(|f| ffi::list_domain_stats(doms, groups, f), flags, nowait)
}

fn with_nowait(
    call: impl Fn(u32) -> Result<Vec<ffi::StatsRecord>, Error>,
    flags: u32,
    nowait: &mut bool,
) -> (Result<Vec<ffi::StatsRecord>, Error>, u64) {
    if !*nowait {
        return (call(flags), 1);
    }
    match call(flags | sys::VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT) {
        Err(e) if is_invalid_arg(&e) => {
            *nowait = false;
            (call(flags), 2)
        }
        other => (other, 1),
    }
}
