//! Everything drawn on screen: one folder per view (state, keys, drawing), shared widgets,
//! and the layer vocabulary. Reads the Store; never talks to libvirt.

pub mod clone;
pub mod cmdline;
pub mod console;
pub mod devices;
pub mod disks;
pub mod domains;
pub mod events;
pub mod format;
pub mod guest;
pub mod host;
pub mod hosts;
pub mod jobs;
pub mod layer;
pub mod networks;
pub mod palette;
pub mod pools;
pub mod popups;
pub mod snapshots;
pub mod stats;
pub mod text;
pub mod volumes;
pub mod widgets;
pub mod wizard;
pub mod xml_editor;
