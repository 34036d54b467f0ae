//! sitroom: a keyboard-driven terminal application for crisis staff rooms.
//!
//! Layers, arrows pointing one way (docs/architecture.md draws them, and
//! tests/integration/architecture.rs holds them): `cli`, `tui` and `server` call `app`
//! (the operations a user performs), which uses `store` (SQL) and `sync` (carrying
//! ops), which use `replication` and `domain` (pure rules); `i18n`, `config`, `lang`,
//! `text` and `keys` are below everything that uses them. `ssh` is a front end like
//! `cli`: it joins the `server` (who connects, the data) to the `tui` (what they see).

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
pub mod qr;
pub mod replication;
#[cfg(feature = "server")]
pub mod server;
#[cfg(all(feature = "server", feature = "tui"))]
pub mod ssh;
pub mod store;
pub mod sync;
pub mod text;
#[cfg(feature = "tui")]
pub mod tui;
