//! The libvirt side: a worker thread per connection and the event plumbing. No UI here.

pub mod bulk;
pub mod clone;
pub mod command;
pub mod console;
pub mod console_xml;
pub mod create;
pub mod demo;
pub mod devices;
mod domains;
mod eventloop;
pub mod events;
mod ffi;
pub mod jobs;
pub mod message;
pub mod model;
pub mod network;
pub mod node;
pub mod rename;
mod session;
pub mod snapshots;
pub mod stats;
pub mod storage;
mod worker;
pub mod xmldef;
pub mod xmltree;

pub use bulk::BulkOp;
pub use command::Command;
pub use ffi::auth::{Asker, CredKind, CredRequest, OpenAuthError, open_auth, wipe};
pub use ffi::{LocalTime, local_time};
pub use message::{AuthReply, BackendEvent, LifecycleEventKind};
pub use model::{
    DomainId, DomainInfo, DomainState, HostFacts, HostId, LifecycleOp, RequestId, RunState,
    version_string,
};
pub use session::{ConnectError, Refusal};
pub use stats::{DomainStats, StatsCounters};
pub use worker::{
    Backend, BackendConfig, CommandLog, CommandSender, EventSink, StartupAsker, uses_auth_callback,
};
pub use xmldef::Defined;
