//! A domain's Disks tab: target, bus, device, format and source as `virsh domblklist
//! --details` shows them, each disk's backing chain from the top image to the base, and
//! the block jobs started from a disk (commit, pull, copy; pivot, abort, speed).

pub mod blockjobs;
pub mod tab;

pub use tab::DisksTab;
