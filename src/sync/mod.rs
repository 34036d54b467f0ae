//! Sync: carrying ops between replicas, above the store. `wire` is the protocol's
//! messages, `client` signs in and runs rounds against a server, `sso` waits for a single sign-on, `background` is the
//! TUI's sync thread, `bundle` carries ops on a USB stick. What an op is and who may make
//! it is the replication vocabulary below the store (`crate::replication`).

pub mod background;
pub mod bundle;
pub mod client;
pub mod sso;
pub mod wire;
