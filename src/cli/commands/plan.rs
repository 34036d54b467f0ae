//! `sitroom plan`: contingency plans (beredskapsplaner) and sub-plans

use crate::app::Session;
use crate::cli::common::parse_date;
use crate::cli::error::{io, usage, CliError, Out, Ran};
use crate::cli::output::{either, json, Printer};
use crate::domain::plan::{tree, LinkKind, Plan};
use crate::i18n::{Label, Lang};
use crate::store::NewPlan;
use crate::text::safe_line;
use chrono::{Local, Utc};
use clap::Subcommand;

// ---- plans --------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum PlanCmd {
    /// Add a plan or, with --parent, a sub-plan; prints its number
    New {
        #[arg(long)]
        title: String,
        #[arg(long, value_name = "PLAN")]
        parent: Option<i64>,
        #[arg(long, default_value = "")]
        owner: String,
        /// When it must be revised: 2027-03-01
        #[arg(long, value_name = "DATE")]
        revise_by: Option<String>,
        #[arg(long, default_value = "")]
        text: String,
    },
    /// The plans as a tree; overdue revisions are marked
    List,
    /// One plan with its links
    Show { number: i64 },
    /// Record a revision today, and the next revision date
    Revise {
        number: i64,
        #[arg(long, value_name = "DATE")]
        next: Option<String>,
    },
    /// Link an alert list, a card or a resource to a plan
    Link {
        number: i64,
        #[arg(long)]
        alert_list: Option<String>,
        #[arg(long)]
        card: Option<String>,
        #[arg(long)]
        resource: Option<i64>,
    },
}

pub fn print_plan(out: Out<'_>, depth: usize, plan: &Plan, lang: Lang) -> Result<(), CliError> {
    let now = Utc::now();
    let revise = match plan.revise_by {
        Some(d) if plan.overdue(now) => {
            let d = d.with_timezone(&Local).format("%d.%m.%Y");
            crate::say!(lang, "  REVISJON FORFALT {d}", "  REVISION OVERDUE {d}")
        }
        Some(d) => {
            let d = d.with_timezone(&Local).format("%d.%m.%Y");
            crate::say!(lang, "  revideres innen {d}", "  to be revised by {d}")
        }
        None => String::new(),
    };
    let owner = if plan.owner.is_empty() { String::new() } else { format!("  ({})", safe_line(&plan.owner)) };
    writeln!(out, "{:>3}  {}{}{owner}{revise}", plan.number, "  ".repeat(depth), safe_line(&plan.title))
        .map_err(io)
}

pub fn run(s: &mut Session, cmd: PlanCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        PlanCmd::New { title, parent, owner, revise_by, text } => {
            let revise_by = revise_by.map(|d| parse_date(&d)).transpose()?;
            let plan = s.create_plan(NewPlan { title, parent, owner, revised_at: None, revise_by, text })?;
            p.number_or_json(out, plan.number, &plan).map_err(io)?;
        }
        PlanCmd::List => {
            let plans = s.plans()?;
            if p.json {
                json(out, &plans)?;
            } else {
                for (depth, plan) in tree(&plans) {
                    print_plan(out, depth, plan, p.lang)?;
                }
            }
        }
        PlanCmd::Show { number } => {
            let plan = s.plan(number)?;
            if p.json {
                json(out, &plan)?;
            } else {
                print_plan(out, 0, &plan, p.lang)?;
                for l in &plan.links {
                    writeln!(out, "     {}: {}", l.kind.label().get(p.lang), safe_line(&l.target))
                        .map_err(io)?;
                }
                if !plan.text.is_empty() {
                    writeln!(out, "\n{}", crate::text::safe(&plan.text)).map_err(io)?;
                }
            }
        }
        PlanCmd::Revise { number, next } => {
            let next = next.map(|d| parse_date(&d)).transpose()?;
            let plan = s.revise_plan(number, next)?;
            either(out, p, &plan, |out| print_plan(out, 0, &plan, p.lang))?;
        }
        PlanCmd::Link { number, alert_list, card, resource } => {
            let mut plan = None;
            if let Some(l) = alert_list {
                plan = Some(s.link_plan(number, LinkKind::AlertList, &l)?);
            }
            if let Some(c) = card {
                plan = Some(s.link_plan(number, LinkKind::Card, &c)?);
            }
            if let Some(r) = resource {
                plan = Some(s.link_plan(number, LinkKind::Resource, &r.to_string())?);
            }
            let plan =
                plan.ok_or_else(|| usage("say what to link: --alert-list, --card or --resource".into()))?;
            either(out, p, &plan, |out| print_plan(out, 0, &plan, p.lang))?;
        }
    }
    Ok(true)
}
