//! One module per command group (as atuin's `command/client/*.rs`): its clap
//! subcommands and `run`, which does the work through `app::Session` and prints
//! through `output::Printer`.

#[cfg(feature = "server")]
pub mod admin;
pub mod alert;
pub mod archive;
pub mod bundle;
pub mod card;
pub mod conflict;
pub mod contact;
pub mod docs;
pub mod eps;
pub mod evaluation;
pub mod exercise;
pub mod history;
pub mod incident;
pub mod log;
pub mod login;
pub mod mail;
pub mod media;
pub mod meeting;
pub mod plan;
pub mod print;
pub mod report;
pub mod resource;
pub mod ros;
#[cfg(feature = "server")]
pub mod serve;
pub mod share;
pub mod sync;
pub mod task;
pub mod user;
