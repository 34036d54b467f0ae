//! The integration tests: one binary, so the crate and its heavy dependencies
//! (tokio, axum, reqwest, rustls, lettre, ratatui, SQLite) are linked once. Each module
//! is named after what it tests; `common` holds the shared fixtures (a temp home, the
//! staff room, a real server, tmux, an SMTP sink, a slow link).

mod common;

mod alerting;
mod architecture;
mod archive;
mod boards;
mod cards_plans_eps;
mod cli;
mod contacts;
mod exercises;
mod failover;
mod forged_requests;
mod forgery_properties;
mod journal;
mod mail;
mod meetings;
mod messages;
mod migrate;
mod mouse;
mod no_mode_errors;
mod nothing_lost;
mod printing;
mod remote_terminal;
mod render_log;
mod render_preparedness;
mod render_time_travel;
mod reports;
mod service;
mod several_servers;
mod sharing;
mod ssh_keys;
mod ssh_load;
mod ssh_sessions;
mod sso;
mod staff_meeting;
mod sync_merge;
mod sync_properties;
mod sync_server;
mod tasks_and_roles;
mod terminal_bytes;
mod text_properties;
mod time_travel;
mod translations;
mod tui_log;
mod tui_preparedness;
mod tui_sync;
mod workspaces;
