//! Events: [`Event`] (snapshot), [`ThinEvent`], [`EventType`] and [`EventObject`], re-exported
//! at the crate root.

mod envelope;
mod event_type;
mod object;
mod object_ref;
mod one_pass;
mod raw;
mod scan;
mod shape_path;
mod thin;
mod wire;

pub use envelope::{Event, RequestInfo};
pub use event_type::EventType;
#[cfg(test)]
pub(crate) use object::parse_as;
pub use object::EventObject;
pub use object_ref::ObjectRef;
pub(crate) use one_pass::from_text;
pub use thin::{RelatedObject, ThinEvent};
