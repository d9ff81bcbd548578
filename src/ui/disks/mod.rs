//! A domain's disks (`B` on the domain list): target, bus, device, format and source as
//! `virsh domblklist --details` shows them, each disk's backing chain from the top image
//! to the base, and the block jobs started from a disk (commit, pull, copy).

pub mod blockjobs;
pub mod view;

pub use view::DisksView;
