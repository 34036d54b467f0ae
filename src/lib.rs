//! sitroom: a keyboard-driven terminal application for crisis staff rooms.
//!
//! Layers, arrows pointing one way: `cli` and `tui` call `app` (the operations a user
//! performs), which uses `domain` (pure rules) and `store` (the only code that speaks
//! SQL). `text` holds string helpers every layer shares.

pub mod app;
pub mod archive;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod doc;
pub mod domain;
pub mod i18n;
pub mod keys;
pub mod lang;
pub mod pdf;
pub mod replication;
#[cfg(feature = "server")]
pub mod server;
pub mod store;
pub mod sync;
pub mod text;
#[cfg(feature = "tui")]
pub mod tui;
