//! Dialogs that act on a guest itself: send-key, and its memory and vCPUs.

pub mod resources;
pub mod sendkey;

use crate::action::Action;
use crate::ui::layer::Ctx;

pub use resources::{Resource, ResourceDialog};
pub use sendkey::SendKeyDialog;

/// Opens the dialog an action of the domain list stands for; false when it is not one.
pub fn on_action(action: Action, cx: &mut Ctx) -> bool {
    match action {
        Action::SendKey => {
            if let Some(row) = cx.selected_row() {
                sendkey::open(row.info.id, cx);
            }
        }
        Action::SetMemory => resources::open(Resource::Memory, cx),
        Action::SetVcpus => resources::open(Resource::Vcpus, cx),
        _ => return false,
    }
    true
}
