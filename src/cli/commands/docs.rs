//! `sitroom completions SHELL` and `sitroom man`: made from the clap tree each time,
//! so they never fall behind the commands.

use crate::cli::error::{usage, Out, Ran};
use crate::cli::Cli;
use clap::CommandFactory;
use std::path::Path;

/// The completion script for `shell` (bash, zsh, fish, elvish, powershell).
pub fn completions(shell: clap_complete::Shell, out: Out<'_>) -> Ran {
    // Made in memory first: the generator panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sitroom", &mut script);
    out.write_all(&script)?;
    Ok(true)
}

/// The man page of sitroom on standard output, or with `dir` one page for sitroom and
/// for each of its commands written there (sitroom.1, sitroom-log.1, …).
pub fn man(dir: Option<&Path>, out: Out<'_>) -> Ran {
    let cmd = Cli::command();
    match dir {
        None => clap_mangen::Man::new(cmd).render(out)?,
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| usage(format!("cannot make {}: {e}", dir.display())))?;
            clap_mangen::generate_to(cmd, dir)
                .map_err(|e| usage(format!("cannot write to {}: {e}", dir.display())))?;
        }
    }
    Ok(true)
}
