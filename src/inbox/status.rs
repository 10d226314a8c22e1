//! [`EntryStatus`]: where an event is in the inbox.

crate::label_enum::label_enum! {
    /// Where an inbox entry is. `pending` → `processing` → `handled`, or → `retrying` (after a
    /// backoff, `processing` again) → … → `failed` (the dead letters: a permanent error, or
    /// the attempts used up). A `processing` entry whose lease ran out (its worker died) is
    /// due again at once. [`Inbox::replay`](super::Inbox::replay) makes any entry but a
    /// `processing` one `pending` again.
    pub enum EntryStatus {
        /// Stored, not yet run.
        Pending => "pending",
        /// A worker holds its lease and is running the handler.
        Processing => "processing",
        /// The handler succeeded.
        Handled => "handled",
        /// The handler failed with a transient error (or panicked); due again after a backoff.
        Retrying => "retrying",
        /// The handler failed permanently, or the attempts were used up: a dead letter, kept
        /// until replayed or pruned.
        Failed => "failed",
    }
}

impl EntryStatus {
    /// Whether the entry has reached an end (`handled` or `failed`): only those are pruned.
    #[must_use]
    pub fn is_finished(self) -> bool {
        matches!(self, EntryStatus::Handled | EntryStatus::Failed)
    }
}
