//! Sync: replicas that work offline and merge later. `hlc` orders changes, `op` is the
//! unit replicas exchange; the store applies ops (`store::replica`), the client pushes
//! and pulls them, the server authorises and relays them.

pub mod hlc;
pub mod op;

pub use hlc::Hlc;
pub use op::{Action, Kind, Op};
pub mod authorize;
pub mod background;
pub mod bundle;
pub mod checkpoint;
pub mod client;
pub mod keys;
pub mod wire;
