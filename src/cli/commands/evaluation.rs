//! `sitroom evaluation`: evaluation (evaluering) after an incident or exercise

use crate::app::{FollowUp, Session};
use crate::cli::common::parse_date;
use crate::cli::error::{io, Out, Ran};
use crate::cli::output::{json, Printer};
use crate::domain::evaluation::{NewPoint, PointKind};
use crate::text::safe_line;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum EvaluationCmd {
    /// Add a point: what went well (bra) or what to improve (forbedre); prints its number
    Add {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// bra or forbedre
        #[arg(long)]
        kind: String,
        /// The plan it concerns
        #[arg(long)]
        plan: Option<i64>,
        /// The ROS event it concerns
        #[arg(long)]
        ros: Option<i64>,
        /// Make the improvement a task
        #[arg(long)]
        task: bool,
        #[arg(long, requires = "task")]
        owner: Option<String>,
        #[arg(long, requires = "task", value_name = "DATE")]
        due: Option<String>,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// The incident's evaluation
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
}

pub fn run(s: &mut Session, cmd: EvaluationCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        EvaluationCmd::Add { incident, kind, plan, ros, task, owner, due, text } => {
            let incident = s.resolve_incident(incident)?;
            let due = due.map(|d| parse_date(&d)).transpose()?;
            let point = NewPoint { kind: PointKind::parse(&kind)?, text: text.join(" "), plan, ros };
            let follow_up = task.then_some(FollowUp { owner, due });
            let (point, _) = s.add_evaluation_point(&incident, point, follow_up)?;
            p.number_or_json(out, point.number, &point).map_err(io)?;
        }
        EvaluationCmd::List { incident } => {
            let incident = s.resolve_incident(incident)?;
            let all = s.evaluation(&incident)?;
            if p.json {
                json(out, &all)?;
            } else {
                for pt in all {
                    let mut links = Vec::new();
                    if let Some(t) = pt.task {
                        links.push(format!("{} {t}", p.lang.pick("oppgave", "task")));
                    }
                    if let Some(pl) = pt.plan {
                        links.push(format!("plan {pl}"));
                    }
                    if let Some(r) = pt.ros {
                        links.push(format!("ROS {r}"));
                    }
                    let links =
                        if links.is_empty() { String::new() } else { format!("  [{}]", links.join(", ")) };
                    writeln!(out, "{:>3}  {:<8} {}{links}", pt.number, pt.kind.name(), safe_line(&pt.text))
                        .map_err(io)?;
                }
            }
        }
    }
    Ok(true)
}
