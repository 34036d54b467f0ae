//! `sitroom board`: information boards (informasjonstavler), their notices and key
//! figures. A board is named by its title (a unique beginning will do).

use crate::app::{AppError, Session};
use crate::cli::error::{io, CliError, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::domain::board::{Audience, Board, KeyFigure, NewBoard, NewNotice, Notice, NoticeStatus};
use crate::domain::roles::Role;
use crate::domain::task::Priority;
use crate::domain::time::parse_due;
use crate::i18n::{Label, Lang};
use crate::text::{safe, safe_line};
use chrono::Local;
use clap::Subcommand;
use serde::Serialize;

/// `sitroom board`: a subcommand, or `--wall` for the wall display.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BoardArgs {
    /// Fill the screen with the situation, for a TV in the staff room or a second
    /// monitor: the clock, the incident, these boards (or every board you may see),
    /// overdue tasks and the newest decisions, updating live and needing no keys
    /// (Ctrl-Q quits)
    #[arg(long)]
    pub wall: bool,
    /// The boards the wall display shows, by title
    #[arg(value_name = "BOARD", requires = "wall")]
    pub boards: Vec<String>,
    /// The incident the wall display shows (default: the active one)
    #[arg(long, value_name = "N", requires = "wall")]
    pub incident: Option<i64>,
    #[command(subcommand)]
    pub cmd: Option<BoardCmd>,
}

#[derive(Subcommand, Debug)]
pub enum BoardCmd {
    /// Make a board: of the incident (the active one, or --incident N), or with
    /// --standing one of the organisation ("Vakttelefoner")
    New {
        #[arg(required = true, num_args = 1.., value_name = "TITLE")]
        title: Vec<String>,
        #[arg(long, value_name = "N", conflicts_with = "standing")]
        incident: Option<i64>,
        #[arg(long)]
        standing: bool,
        /// The roles that may see it, comma-separated (default: everyone)
        #[arg(long, value_name = "ROLES", value_delimiter = ',')]
        readers: Vec<String>,
        /// The roles that may write on it (default: everyone who may post notices)
        #[arg(long, value_name = "ROLES", value_delimiter = ',')]
        writers: Vec<String>,
    },
    /// The boards you may see
    List {
        /// Archived ones too
        #[arg(long)]
        all: bool,
    },
    /// A board: its key figures and the notices that are up (--all: taken down too)
    Show {
        board: String,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        all: bool,
    },
    /// Put up a notice (`board post Stab "Stengt: Fv. 120" Omkjøring via Ask`), or
    /// with --entry SEQ the log entry of that number
    Post {
        board: String,
        /// The title, then the text (not with --entry)
        #[arg(value_name = "TITLE [TEXT]", required_unless_present = "entry")]
        words: Vec<String>,
        #[arg(long, value_name = "SEQ", conflicts_with = "words")]
        entry: Option<i64>,
        /// lav, normal, høy, kritisk
        #[arg(long, default_value = "normal")]
        priority: String,
        /// Valid until: HH:MM (the next one) or an RFC 3339 time
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Change a notice's title, text, priority or valid-until
    Edit {
        board: String,
        number: i64,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        text: Option<String>,
        #[arg(long)]
        priority: Option<String>,
        #[arg(long, value_name = "TIME", conflicts_with = "forever")]
        until: Option<String>,
        /// No valid-until
        #[arg(long)]
        forever: bool,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Take a notice down
    TakeDown {
        board: String,
        number: i64,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Put a notice that was taken down back up
    PutBack {
        board: String,
        number: i64,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Set a key figure (`board figure Stab evakuerte 36`); made if the board has none
    /// by that name
    Figure {
        board: String,
        name: String,
        #[arg(allow_negative_numbers = true)]
        value: i64,
        /// personer, biler …
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Every value a key figure has had: when, who, what
    History {
        board: String,
        name: String,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Say who sees and who writes on a board (empty: everyone)
    Access {
        board: String,
        #[arg(long, value_name = "ROLES", value_delimiter = ',')]
        readers: Vec<String>,
        #[arg(long, value_name = "ROLES", value_delimiter = ',')]
        writers: Vec<String>,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Put a board away (--undo: back)
    Archive {
        board: String,
        #[arg(long)]
        undo: bool,
    },
}

fn roles(names: &[String]) -> Result<Vec<Role>, CliError> {
    Ok(names.iter().filter(|n| !n.trim().is_empty()).map(|n| Role::parse(n)).collect::<Result<_, _>>()?)
}

fn priority(s: &str) -> Result<Priority, CliError> {
    Ok(Priority::parse(s)?)
}

fn until(s: Option<String>) -> Result<Option<chrono::DateTime<chrono::Utc>>, CliError> {
    Ok(s.map(|d| parse_due(&d, &Local::now())).transpose().map_err(AppError::Usage)?)
}

/// A board found by name near the incident given (or the default one).
fn find(s: &Session, name: &str, incident: Option<i64>) -> Result<Board, CliError> {
    let near = match incident {
        Some(n) => Some(s.incident(n)?),
        None => s.default_incident()?,
    };
    Ok(s.find_board(name, near.as_ref())?)
}

fn print_board(out: Out<'_>, b: &Board, lang: Lang) -> Result<(), CliError> {
    let whose = match b.incident {
        Some((_, n)) => lang.pick(format!("hendelse {n}"), format!("incident {n}")),
        None => lang.pick("stående", "standing"),
    };
    let readers: Vec<&str> = b.audience.readers.iter().map(|r| r.name()).collect();
    let seen = if readers.is_empty() { String::new() } else { format!("  [{}]", readers.join(", ")) };
    let archived = if b.archived { lang.pick("  (arkivert)", "  (archived)") } else { String::new() };
    writeln!(out, "{}  ({whose}){seen}{archived}", safe_line(&b.title)).map_err(io)
}

fn print_notice(out: Out<'_>, n: &Notice, lang: Lang) -> Result<(), CliError> {
    let mark = match n.priority {
        Priority::Kritisk => "!! ",
        Priority::Høy => "! ",
        _ => "",
    };
    let status = if n.status == NoticeStatus::Down {
        format!("  ({})", n.status.label().get(lang))
    } else {
        String::new()
    };
    let until = n
        .valid_until
        .map(|u| {
            format!(
                "  ({} {})",
                lang.pick("gjelder til", "valid until"),
                u.with_timezone(&Local).format("%d.%m %H:%M")
            )
        })
        .unwrap_or_default();
    writeln!(
        out,
        "{:>3}  {mark}{}{status}{until}  — {}, {}",
        n.number,
        safe_line(&n.title),
        safe_line(&n.created_by),
        n.created_at.with_timezone(&Local).format("%d.%m %H:%M")
    )
    .map_err(io)?;
    if !n.text.is_empty() && n.text != n.title {
        for line in safe(&n.text).lines() {
            writeln!(out, "     {line}").map_err(io)?;
        }
    }
    if n.entry_retracted() {
        writeln!(
            out,
            "     {}",
            lang.pick("⚠ loggføringen er trukket tilbake", "⚠ the log entry was retracted")
        )
        .map_err(io)?;
    } else if let Some(c) = &n.correction {
        writeln!(out, "     {} {}", lang.pick("⚠ rettet i loggen:", "⚠ corrected in the log:"), safe_line(c))
            .map_err(io)?;
    }
    Ok(())
}

fn print_figure(out: Out<'_>, f: &KeyFigure) -> Result<(), CliError> {
    let unit = if f.unit.is_empty() { String::new() } else { format!(" {}", safe_line(&f.unit)) };
    writeln!(out, "  {:<24} {:>6}{unit}", safe_line(&f.name), f.value).map_err(io)
}

/// A board as `show --json` gives it.
#[derive(Serialize)]
struct Shown<'a> {
    board: &'a Board,
    figures: &'a [KeyFigure],
    notices: &'a [Notice],
}

pub fn run(s: &mut Session, cmd: BoardCmd, p: &Printer, out: Out<'_>) -> Ran {
    let lang = p.lang;
    match cmd {
        BoardCmd::New { title, incident, standing, readers, writers } => {
            let incident = if standing { None } else { Some(s.resolve_incident(incident)?.id) };
            let audience = Audience { readers: roles(&readers)?, writers: roles(&writers)? };
            let b = s.create_board(NewBoard { title: title.join(" "), incident, audience })?;
            either(out, p, &b, |out| print_board(out, &b, lang))?;
        }
        BoardCmd::List { all } => {
            let list = s.boards(all)?;
            either(out, p, &list, |out| list.iter().try_for_each(|b| print_board(out, b, lang)))?;
        }
        BoardCmd::Show { board, incident, all } => {
            let b = find(s, &board, incident)?;
            let figures = s.figures(&b)?;
            let now = chrono::Utc::now();
            let notices: Vec<Notice> =
                s.notices(&b)?.into_iter().filter(|n| all || n.is_current(now)).collect();
            let shown = Shown { board: &b, figures: &figures, notices: &notices };
            either(out, p, &shown, |out| {
                print_board(out, &b, lang)?;
                figures.iter().try_for_each(|f| print_figure(out, f))?;
                notices.iter().try_for_each(|n| print_notice(out, n, lang))
            })?;
        }
        BoardCmd::Post { board, words, entry, priority: pr, until: u, incident } => {
            let b = find(s, &board, incident)?;
            let (n, _) = match entry {
                Some(seq) => {
                    let inc = s.resolve_incident(incident)?;
                    let e = s.entry(&inc, seq)?;
                    let mut new = NewNotice::from_entry(e.id, &e.text);
                    new.priority = priority(&pr)?;
                    new.valid_until = until(u)?;
                    s.post_notice(&b, new)?
                }
                None => {
                    let mut words = words.into_iter();
                    let title = words.next().unwrap_or_default();
                    let text: Vec<String> = words.collect();
                    let new = NewNotice {
                        title,
                        text: text.join(" "),
                        priority: priority(&pr)?,
                        valid_until: until(u)?,
                        entry: None,
                    };
                    s.post_notice(&b, new)?
                }
            };
            p.number_or_json(out, n.number, &n).map_err(io)?;
        }
        BoardCmd::Edit { board, number, title, text, priority: pr, until: u, forever, incident } => {
            let b = find(s, &board, incident)?;
            let was = s.notice(&b, number)?;
            let new = NewNotice {
                title: title.unwrap_or(was.title),
                text: text.unwrap_or(was.text),
                priority: pr.map(|x| priority(&x)).transpose()?.unwrap_or(was.priority),
                valid_until: if forever { None } else { until(u)?.or(was.valid_until) },
                entry: was.entry,
            };
            let n = s.change_notice(&b, number, new)?;
            either(out, p, &n, |out| print_notice(out, &n, lang))?;
        }
        BoardCmd::TakeDown { board, number, incident } => {
            let b = find(s, &board, incident)?;
            let n = s.set_notice_status(&b, number, NoticeStatus::Down)?;
            either(out, p, &n, |out| print_notice(out, &n, lang))?;
        }
        BoardCmd::PutBack { board, number, incident } => {
            let b = find(s, &board, incident)?;
            let n = s.set_notice_status(&b, number, NoticeStatus::Up)?;
            either(out, p, &n, |out| print_notice(out, &n, lang))?;
        }
        BoardCmd::Figure { board, name, value, unit, incident } => {
            let b = find(s, &board, incident)?;
            let f = s.set_figure(&b, &name, value, unit.as_deref())?;
            either(out, p, &f, |out| print_figure(out, &f))?;
        }
        BoardCmd::History { board, name, incident } => {
            let b = find(s, &board, incident)?;
            let folded = crate::text::fold(&name);
            let f = s.figures(&b)?.into_iter().find(|f| crate::text::fold(&f.name) == folded).ok_or_else(
                || {
                    AppError::Usage(lang.pick(
                        format!("tavla «{}» har ikke nøkkeltallet «{name}»", b.title),
                        format!("the board '{}' has no key figure '{name}'", b.title),
                    ))
                },
            )?;
            let history = s.figure_history(&f)?;
            either(out, p, &history, |out| {
                history.iter().try_for_each(|h| {
                    writeln!(
                        out,
                        "{}  {:>6}  {}",
                        h.at.with_timezone(&Local).format("%d.%m %H:%M:%S"),
                        h.value,
                        safe_line(&h.by)
                    )
                    .map_err(io)
                })
            })?;
        }
        BoardCmd::Access { board, readers, writers, incident } => {
            let b = find(s, &board, incident)?;
            let audience = Audience { readers: roles(&readers)?, writers: roles(&writers)? };
            let b = s.set_board_audience(&b, audience)?;
            either(out, p, &b, |out| print_board(out, &b, lang))?;
        }
        BoardCmd::Archive { board, undo } => {
            let b = find(s, &board, None)?;
            let b = s.archive_board(&b, !undo)?;
            either(out, p, &b, |out| print_board(out, &b, lang))?;
        }
    }
    Ok(true)
}
