//! The terminal UI.
pub mod action;
pub mod keymap;
pub mod theme;

pub fn run(_settings: &crate::cli::Settings, _cli: &crate::cli::Cli) -> Result<(), String> {
    Err("TUI not built yet".into())
}
