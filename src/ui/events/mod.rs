//! The events view (`:events`): every libvirt event received on every host, newest first,
//! like `virsh event --all --loop`. The App folds events into the bounded log in the Store;
//! this view only draws and scrolls it.

pub mod view;

pub use view::EventsView;
