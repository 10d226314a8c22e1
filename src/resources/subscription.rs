//! [`Subscription`] (to be completed).

use serde::{Deserialize, Serialize};

use super::common::HasId;

/// A Subscription. Placeholder: only the id is typed so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Subscription {
    /// Unique identifier.
    pub id: String,
}

impl HasId for Subscription {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}
