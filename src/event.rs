//! Events: [`Event`] (snapshot), [`ThinEvent`], [`EventType`] and [`EventObject`].
//!
//! Use the types from the crate root.

mod envelope;
mod event_type;
pub(crate) mod object;
mod thin;

pub use envelope::{Event, ObjectRef, RequestInfo};
pub use event_type::EventType;
pub use object::EventObject;
pub use thin::{RelatedObject, ThinEvent};
