//! The Devices tab of the domain detail pane and its dialogs: add a disk or a NIC, detach,
//! change media, link up / down, each showing the XML fragment before it is sent.

pub mod dialog;
pub mod form;
pub mod kinds;
pub mod rows;
pub mod tab;

pub use tab::DevicesTab;
