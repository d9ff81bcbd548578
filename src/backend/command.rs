//! Commands the UI sends to the backend worker.

use super::model::{DomainId, LifecycleOp, RequestId};

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Run a lifecycle operation on one domain.
    Lifecycle {
        req: RequestId,
        id: DomainId,
        /// The name the user saw, for messages only.
        name: String,
        op: LifecycleOp,
    },
    /// Re-read the whole domain list now (the user asked; normally events keep it current).
    Refresh,
    /// Close the connection and stop the worker.
    Quit,
}
