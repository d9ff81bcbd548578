//! Pure XML support for the editor: libvirt's schema index and well-formedness checks.

pub mod context;
pub mod drafts;
pub mod fileload;
pub mod rng;
pub mod schema;
pub mod validate;
pub mod wellformed;
