//! `sitroom bundle`: carry changes on a file between machines with no link (sneakernet)

use crate::app::{AppError, Session};
use crate::cli::error::Ran;
use crate::sync::bundle::Bundle;
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum BundleCmd {
    /// Write this replica's changes to a file
    Export {
        /// Only changes after this position (printed by the previous export)
        #[arg(long, value_name = "CURSOR", default_value_t = 0)]
        since: i64,
        file: PathBuf,
    },
    /// Apply the changes in a bundle (importing twice changes nothing)
    Import {
        file: PathBuf,
        /// Import a bundle whose writer your sync server has not vouched for (checked
        /// against its own signature only): only if you trust how it came
        #[arg(long)]
        unverified: bool,
    },
}

pub fn run(s: &mut Session, cmd: BundleCmd, json: bool) -> Ran {
    let mut out = std::io::stdout().lock();
    let io = |path: &PathBuf, e: std::io::Error| AppError::Usage(format!("{}: {e}", path.display()));
    match cmd {
        BundleCmd::Export { since, file } => {
            let bundle = s.export_bundle(since)?;
            let tmp = file.with_extension("partial");
            let f = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
            bundle.write(std::io::BufWriter::new(f)).map_err(|e| io(&tmp, e))?;
            std::fs::rename(&tmp, &file).map_err(|e| io(&file, e))?;
            if json {
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::json!({"ops": bundle.ops.len(), "through": bundle.through})
                );
            } else {
                let _ = writeln!(
                    out,
                    "{} changes written to {}; next time: --since {}",
                    bundle.ops.len(),
                    file.display(),
                    bundle.through
                );
            }
        }
        BundleCmd::Import { file, unverified } => {
            let f = std::fs::File::open(&file).map_err(|e| io(&file, e))?;
            let bundle = Bundle::read(std::io::BufReader::new(f))
                .map_err(|e| AppError::Usage(format!("{}: {e}", file.display())))?;
            let done = s.import_bundle(&bundle, unverified)?;
            if json {
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::json!({"applied": done.applied, "already_here": done.duplicates,
                        "waiting": done.waiting, "failed": done.failed.len()})
                );
            } else {
                let _ = writeln!(
                    out,
                    "{} changes applied, {} already here, {} waiting for changes not here yet",
                    done.applied, done.duplicates, done.waiting
                );
                for (id, why) in &done.failed {
                    let _ = writeln!(out, "could not apply {id}: {}", crate::text::safe(why));
                }
            }
        }
    }
    Ok(true)
}
