//! `sitroom exercise`: exercises (øvelser): inject scripts on the exercise clock

use crate::app::Session;
use crate::cli::common::read_input;
use crate::cli::error::{io, usage, Out, Ran};
use crate::cli::output::{either, json, Printer};
use crate::text::safe_line;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use std::path::PathBuf;

// ---- exercises and evaluation -------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum ExerciseCmd {
    /// Load an inject script into an exercise incident and start its clock now
    Start {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// Lines like `+00:05 Strømmen går i sentrum`, or TOML [[inject]] tables
        #[arg(long)]
        script: PathBuf,
    },
    /// The exercise clock and which injects are delivered
    Status {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Deliver injects as they fall due until all are delivered (the TUI does this too)
    Run,
    /// Deliver the injects due now, once
    Tick {
        /// As if it were this time (RFC 3339), for rehearsing a script
        #[arg(long, hide = true)]
        at: Option<String>,
    },
}

pub fn run(s: &mut Session, cmd: ExerciseCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        ExerciseCmd::Start { incident, script } => {
            let incident = s.resolve_incident(incident)?;
            let text = String::from_utf8(read_input(&script)?)
                .map_err(|_| usage("the script is not UTF-8 text".into()))?;
            let n = s.start_exercise(&incident, &text, Utc::now())?;
            either(out, p, &serde_json::json!({ "injects": n }), |out| {
                writeln!(out, "{n} injects; the exercise clock runs from now").map_err(io)
            })?;
            // Whatever is due at +00:00 goes in at once.
            s.deliver_injects(Utc::now())?;
        }
        ExerciseCmd::Status { incident } => {
            let incident = s.resolve_incident(incident)?;
            let run = s
                .exercise(&incident)?
                .ok_or_else(|| usage(format!("incident {} has no exercise running", incident.number)))?;
            let elapsed = (Utc::now() - run.started_at).num_seconds().max(0);
            if p.json {
                let v: Vec<_> = run
                    .injects
                    .iter()
                    .map(|(i, d)| serde_json::json!({"at": i.offset, "from": i.from, "text": i.text, "delivered": d.map(crate::domain::time::rfc3339)}))
                    .collect();
                json(
                    out,
                    &serde_json::json!({"started_at": crate::domain::time::rfc3339(run.started_at), "elapsed": elapsed, "injects": v}),
                )?;
            } else {
                let clock = crate::domain::exercise::format_offset(elapsed);
                writeln!(out, "{}", crate::say!(p.lang, "øvelsesklokke {clock}", "exercise clock {clock}"))
                    .map_err(io)?;
                for (i, d) in &run.injects {
                    writeln!(
                        out,
                        "  {} {} {}",
                        if d.is_some() { "✓" } else { " " },
                        crate::domain::exercise::format_offset(i.offset),
                        safe_line(&crate::domain::exercise::entry_text(i))
                    )
                    .map_err(io)?;
                }
            }
        }
        ExerciseCmd::Run => loop {
            for e in s.deliver_injects(Utc::now())? {
                writeln!(out, "{}", safe_line(&e.text)).map_err(io)?;
                out.flush().map_err(io)?;
            }
            if s.store.running_exercises()?.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
        },
        ExerciseCmd::Tick { at } => {
            let now = match at {
                Some(a) => DateTime::parse_from_rfc3339(&a)
                    .map_err(|e| usage(format!("--at: {e}")))?
                    .with_timezone(&Utc),
                None => Utc::now(),
            };
            let entries = s.deliver_injects(now)?;
            if p.json {
                json(out, &entries)?;
            } else {
                for e in entries {
                    writeln!(out, "{}", safe_line(&e.text)).map_err(io)?;
                }
            }
        }
    }
    Ok(true)
}
