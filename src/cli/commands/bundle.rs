//! `sitroom bundle`: carry changes on a file between machines with no link (sneakernet)

use crate::app::Session;
use crate::cli::error::{io, usage, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::sync::bundle::Bundle;
use clap::Subcommand;
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

pub fn run(s: &mut Session, cmd: BundleCmd, p: &Printer, out: Out<'_>) -> Ran {
    let file_error = |path: &PathBuf, e: std::io::Error| usage(format!("{}: {e}", path.display()));
    match cmd {
        BundleCmd::Export { since, file } => {
            let bundle = s.export_bundle(since)?;
            let tmp = file.with_extension("partial");
            let f = std::fs::File::create(&tmp).map_err(|e| file_error(&tmp, e))?;
            bundle.write(std::io::BufWriter::new(f)).map_err(|e| file_error(&tmp, e))?;
            std::fs::rename(&tmp, &file).map_err(|e| file_error(&file, e))?;
            let (ops, through) = (bundle.ops.len(), bundle.through);
            either(out, p, &serde_json::json!({"ops": ops, "through": through}), |out| {
                let file = file.display();
                let said = crate::say!(
                    p.lang,
                    "{ops} endringer skrevet til {file}; neste gang: --since {through}",
                    "{ops} changes written to {file}; next time: --since {through}"
                );
                writeln!(out, "{said}").map_err(io)
            })?;
        }
        BundleCmd::Import { file, unverified } => {
            let f = std::fs::File::open(&file).map_err(|e| file_error(&file, e))?;
            let bundle = Bundle::read(std::io::BufReader::new(f))
                .map_err(|e| usage(format!("{}: {e}", file.display())))?;
            let done = s.import_bundle(&bundle, unverified)?;
            let summary = serde_json::json!({"applied": done.applied, "already_here": done.duplicates,
                "waiting": done.waiting, "failed": done.failed.len()});
            either(out, p, &summary, |out| {
                let (applied, here, waiting) = (done.applied, done.duplicates, done.waiting);
                let said = crate::say!(
                    p.lang,
                    "{applied} endringer tatt inn, {here} fantes her fra før, {waiting} venter på endringer som ikke er her ennå",
                    "{applied} changes applied, {here} already here, {waiting} waiting for changes not here yet"
                );
                writeln!(out, "{said}").map_err(io)?;
                for (id, why) in &done.failed {
                    let why = crate::text::safe(why);
                    let said =
                        crate::say!(p.lang, "kunne ikke ta inn {id}: {why}", "could not apply {id}: {why}");
                    writeln!(out, "{said}").map_err(io)?;
                }
                Ok(())
            })?;
        }
    }
    Ok(true)
}
