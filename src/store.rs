//! State that outlives a request: which events were handled ([`DedupStore`]), and the newest
//! event applied per object ([`OrderingStore`], read through [`EventOrder`]).
//!
//! Each store is a trait with an in-memory backend built in (bounded, for one process) and,
//! with the `redis` feature, a Redis backend for several instances of one endpoint:
//!
//! | concern | trait | in memory | in Redis (`redis`) |
//! |---|---|---|---|
//! | duplicates | [`DedupStore`] | [`MemoryDedupStore`] | `RedisDedupStore` |
//! | ordering | [`OrderingStore`] | [`MemoryOrderingStore`] | `RedisOrderingStore` |
//!
//! Both report failures as [`StoreError`].

mod bounded;
mod dedup;
mod error;
mod memory;
mod ordering;
#[cfg(feature = "redis")]
pub(crate) mod redis;

pub(crate) use bounded::BoundedMap;
pub use dedup::{
    Claim, ClaimToken, DedupStore, NoDedup, Settle, Settled, DEFAULT_CAPACITY, DEFAULT_DONE_TTL,
    DEFAULT_LEASE,
};
pub use error::StoreError;
pub use memory::{MemoryDedupStore, MemoryOrderingStore};
pub use ordering::{EventOrder, Freshness, OrderingStore};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{RedisDedupStore, RedisOrderingStore};
