use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    sitroom::cli::run(sitroom::cli::Cli::parse())
}
