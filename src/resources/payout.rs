//! [`Payout`] (to be completed).

use serde::{Deserialize, Serialize};

use super::common::HasId;

/// A Payout. Placeholder: only the id is typed so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Payout {
    /// Unique identifier.
    pub id: String,
}

impl HasId for Payout {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}
