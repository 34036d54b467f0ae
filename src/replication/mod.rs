//! The replication vocabulary, pure like the domain it sits beside: the hybrid logical
//! clock (`hlc`) that orders changes, the op (`op`), the unit replicas exchange, and the
//! kinds of record that replicate; the one judgement every op pushed to a server goes
//! through (`authorize`); and signed checkpoints of the log's hash chains
//! (`checkpoint`). No I/O here: the store applies ops, `sync` carries them.

pub mod authorize;
pub mod checkpoint;
pub mod hlc;
pub mod kind;
pub mod op;

pub use hlc::Hlc;
pub use op::{Action, Kind, Op};
