//! The host view (`:node`): one host's CPU, memory, versions, capabilities and node
//! devices (PCI with vendor / product, driver and IOMMU group; USB) with the domains using
//! each.

pub mod view;

pub use view::HostView;
