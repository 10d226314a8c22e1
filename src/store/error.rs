//! [`StoreError`]: a store that could not answer.

crate::error::message_error! {
    /// A store (duplicates or ordering) that could not answer: unreachable, timed out, full, or
    /// holding data it did not write.
    pub struct StoreError;
}
