//! `sitroom task`: tasks and measures (oppgaver og tiltak)

use crate::app::{AppError, Session};
use crate::cli::error::{Out, Ran};
use crate::cli::output::Printer;
use crate::domain::time::parse_due;
use chrono::Local;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum TaskCmd {
    /// Create a task (`task add Ring alle BST-brukere`); prints its number. With --from
    /// SEQ the entry's text and @name are used where no title or --assignee is given.
    Add {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// What is to be done (or give it with --title)
        #[arg(value_name = "TEXT", conflicts_with = "title")]
        text: Vec<String>,
        #[arg(long, required_unless_present_any = ["from", "text"])]
        title: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// A user name or a free-text contact
        #[arg(long)]
        assignee: Option<String>,
        /// lav, normal, høy or kritisk
        #[arg(long, default_value = "normal")]
        priority: String,
        /// HH:MM (today) or an RFC 3339 time
        #[arg(long, value_name = "TIME")]
        due: Option<String>,
        /// The log entry (its number) the task comes from
        #[arg(long, value_name = "SEQ")]
        from: Option<i64>,
    },
    /// List the incident's tasks
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// Only tasks with this status
        #[arg(long)]
        status: Option<String>,
    },
    /// Give a task to someone (or to no one with --none)
    Assign {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        task: i64,
        #[arg(required_unless_present = "none")]
        assignee: Option<String>,
        #[arg(long, conflicts_with = "assignee")]
        none: bool,
    },
    /// Change a task's deadline, priority or description (each change is logged)
    Set {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        task: i64,
        /// The new deadline: HH:MM (the next) or an RFC 3339 time
        #[arg(long, value_name = "TIME", conflicts_with = "no_due")]
        due: Option<String>,
        /// Take the deadline away
        #[arg(long)]
        no_due: bool,
        /// lav, normal, høy, kritisk
        #[arg(long)]
        priority: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Move a task: ny, pågår, utført, avbrutt
    Status {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        task: i64,
        status: String,
    },
}

pub fn run(s: &mut Session, cmd: TaskCmd, p: &Printer, out: Out<'_>) -> Ran {
    use crate::domain::task::{NewTask, Priority, TaskStatus};
    match cmd {
        TaskCmd::Add { incident, text, title, description, assignee, priority, due, from } => {
            let title = title.or_else(|| (!text.is_empty()).then(|| text.join(" ")));
            let incident = s.resolve_incident(incident)?;
            let mut new = match from {
                Some(seq) => s.task_from_entry(&incident, seq)?,
                None => NewTask::default(),
            };
            if let Some(t) = title {
                new.title = t;
            }
            if assignee.is_some() {
                new.assignee = assignee;
            }
            new.description = description;
            new.priority = Priority::parse(&priority)?;
            // --due overrides a deadline read from the entry ("før 11:45").
            if let Some(d) = due {
                new.due = Some(parse_due(&d, &Local::now()).map_err(AppError::Usage)?);
            }
            let (t, _) = s.add_task(&incident, new)?;
            p.task_created(out, &t)?;
        }
        TaskCmd::List { incident, status } => {
            let incident = s.resolve_incident(incident)?;
            let only = status.map(|st| TaskStatus::parse(&st)).transpose()?;
            let tasks: Vec<_> =
                s.tasks(&incident)?.into_iter().filter(|t| only.is_none_or(|o| t.status == o)).collect();
            p.tasks(out, &tasks)?;
        }
        TaskCmd::Assign { incident, task, assignee, none } => {
            let incident = s.resolve_incident(incident)?;
            let (t, _) = s.assign_task(&incident, task, if none { None } else { assignee })?;
            p.task(out, &t)?;
        }
        TaskCmd::Set { incident, task, due, no_due, priority, description } => {
            let incident = s.resolve_incident(incident)?;
            let mut changes = Vec::new();
            if no_due {
                changes.push(crate::store::TaskChange::Due(None));
            } else if let Some(d) = due {
                let due = parse_due(&d, &Local::now()).map_err(AppError::Usage)?;
                changes.push(crate::store::TaskChange::Due(Some(due)));
            }
            if let Some(p) = priority {
                changes.push(crate::store::TaskChange::Priority(Priority::parse(&p)?));
            }
            if let Some(d) = description {
                changes.push(crate::store::TaskChange::Description(d));
            }
            if changes.is_empty() {
                return Err(AppError::Usage(
                    "say what to change: --due, --no-due, --priority or --description".into(),
                )
                .into());
            }
            for change in changes {
                s.change_task_detail(&incident, task, change)?;
            }
            p.task(out, &s.task(&incident, task)?)?;
        }
        TaskCmd::Status { incident, task, status } => {
            let incident = s.resolve_incident(incident)?;
            let (t, _) = s.set_task_status(&incident, task, TaskStatus::parse(&status)?)?;
            p.task(out, &t)?;
        }
    }
    Ok(true)
}
