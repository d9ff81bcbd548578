//! The host view (`:node`): one host's CPU, memory, versions, capabilities and node
//! devices (PCI with vendor / product, driver and IOMMU group; USB) with the domains using
//! each; attach / detach of a device to a domain (`hostdev`).

pub mod hostdev;
pub mod view;

pub use view::HostView;
