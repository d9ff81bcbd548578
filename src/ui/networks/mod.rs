//! The networks view (`:net`): the list of a host's virtual networks (`list.rs`), its
//! DHCP leases (`leases.rs`) and the yes/no question before a stop or undefine
//! (`confirm.rs`). Rows come from `BackendEvent::Network` and are kept current by network
//! lifecycle events.

pub mod confirm;
pub mod leases;
pub mod list;
pub mod table;

pub use leases::LeasesView;
pub use list::NetworksView;
