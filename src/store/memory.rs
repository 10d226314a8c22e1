//! The in-process backends: bounded, with nothing to run, seen by one process only.

mod dedup;
mod ordering;

pub use dedup::MemoryDedupStore;
pub use ordering::MemoryOrderingStore;
