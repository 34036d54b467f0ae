//! The task board (oppgaver og tiltak): a column per status, or a list; move a task
//! with one key; new tasks and assignments through a one-line prompt. Overdue tasks
//! stand out. The state machine and the permission table decide what may happen; the
//! board only asks.

use super::action::{does, Keys, Meaning, AROUND, COPY, DOWN, FIRST, LAST, UP};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::list::{status_for, List};
use super::pane::UiEvent;
use super::pane::{Cx, Outcome, Pane, RenderCx};
use crate::app::Session;
use crate::domain::roles::Permission;
use crate::domain::task::{NewTask, Priority, Task, TaskStatus, STATUSES};
use crate::domain::Incident;
use crate::i18n::{Label, Lang};
use crate::lang::Text;
use crate::store::TaskChange;
use crate::text::safe_line;
use chrono::{DateTime, Local, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// The status keys and assigning, the same on the board and in a task shown in full.
const STATUS_AND_ASSIGN: &[Meaning] = &[
    does(Action::StatusNew, "Status: ny", "Status: new", "ny", "new"),
    does(Action::StatusStarted, "Status: pågår", "Status: in progress", "pågår", "in progress"),
    does(Action::StatusDone, "Status: utført", "Status: done", "utført", "done"),
    does(Action::StatusCancelled, "Status: avbrutt", "Status: cancelled", "avbrutt", "cancelled"),
    does(Action::AssignTask, "Tildel oppgaven", "Assign the task", "tildel", "assign"),
];

/// What the keys do on the task board.
pub const KEYS: Keys = Keys {
    context: Context::Tasks,
    heading: Text::new("Oppgaver", "Tasks"),
    groups: &[
        &[
            UP,
            DOWN,
            does(Action::Left, "Kolonnen til venstre", "The column to the left", "←", "←"),
            does(Action::Right, "Kolonnen til høyre", "The column to the right", "→", "→"),
            FIRST,
            LAST,
            does(
                Action::MoveRight,
                "Flytt til neste kolonne",
                "Move to the next column",
                "flytt →",
                "move →",
            ),
            does(
                Action::MoveLeft,
                "Flytt til forrige kolonne",
                "Move to the previous column",
                "flytt ←",
                "move ←",
            ),
            does(Action::NewTask, "Ny oppgave", "New task", "ny", "new"),
            does(Action::ToggleView, "Tavle eller liste", "Board or list", "tavle/liste", "board/list"),
            does(Action::Details, "Vis oppgaven i sin helhet", "Show the task in full", "vis", "show"),
            COPY,
            does(
                Action::MineOnly,
                "Bare mine oppgaver (av/på)",
                "Only my tasks (on/off)",
                "bare mine",
                "only mine",
            ),
        ],
        STATUS_AND_ASSIGN,
        AROUND,
    ],
    hints: &[
        Action::Details,
        Action::MoveRight,
        Action::StatusDone,
        Action::NewTask,
        Action::AssignTask,
        Action::MineOnly,
        Action::ToggleView,
        Action::NextPane,
        Action::Help,
    ],
};

/// What the keys do with one task shown in full.
pub const DETAIL: Keys = Keys {
    context: Context::TaskDetail,
    heading: Text::new("Oppgave", "Task"),
    groups: &[
        &[
            does(Action::Cancel, "Tilbake til tavla", "Back to the board", "tilbake", "back"),
            does(Action::Up, "Rull opp", "Scroll up", "opp", "up"),
            does(Action::Down, "Rull ned", "Scroll down", "ned", "down"),
            does(
                Action::SetDeadline,
                "Sett eller endre fristen",
                "Set or change the deadline",
                "frist",
                "deadline",
            ),
            does(Action::SetPriority, "Endre prioriteten", "Change the priority", "prioritet", "priority"),
            does(
                Action::SetDescription,
                "Skriv eller endre beskrivelsen",
                "Write or change the description",
                "beskrivelse",
                "description",
            ),
            does(Action::MoveRight, "Flytt til neste status", "Move to the next status", "flytt →", "move →"),
            does(
                Action::MoveLeft,
                "Flytt til forrige status",
                "Move to the previous status",
                "flytt ←",
                "move ←",
            ),
        ],
        STATUS_AND_ASSIGN,
        AROUND,
    ],
    hints: &[
        Action::Cancel,
        Action::SetDeadline,
        Action::SetPriority,
        Action::SetDescription,
        Action::AssignTask,
        Action::MoveRight,
        Action::Help,
    ],
};

/// Narrower than this the board is shown as a list: four columns need room to be read.
const BOARD_MIN_WIDTH: u16 = 72;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Board,
    List,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    NewTitle,
    Assignee,
    Deadline,
    Priority,
    Description,
}

/// One task shown in full: the entries it came from and its history, read when it
/// opens (and again when tasks change).
struct Detail {
    number: i64,
    from: Vec<crate::domain::LogEntry>,
    history: Vec<crate::domain::LogEntry>,
    scroll: u16,
}

pub struct TaskBoard {
    incident: Incident,
    /// The tasks one column after another (the list view's order), the list view's
    /// selection, the prompt and freshness.
    list: List<Task, Asking>,
    /// Per status, the positions of its tasks in `list.items`.
    columns: [Vec<usize>; 4],
    view: View,
    /// The board's own cursor: a column and a row in it.
    column: usize,
    row: usize,
    can_write: bool,
    /// The task shown in full, if one is.
    detail: Option<Detail>,
    /// Only the tasks given to this user (by name or one of their roles)?
    mine: Option<Vec<String>>,
    /// Who "mine" means: the user's name and roles.
    me: Vec<String>,
}

/// The column (by status) a task stands in.
fn column_of(task: &Task) -> usize {
    STATUSES.iter().position(|s| *s == task.status).unwrap_or(0)
}

/// Column by column: open tasks by deadline (none last), then priority; finished
/// ones newest first.
fn in_board_order(mut tasks: Vec<Task>) -> Vec<Task> {
    tasks.sort_by(|a, b| {
        let key = |t: &Task| column_of(t);
        key(a).cmp(&key(b)).then_with(|| {
            if key(a) < 2 {
                let open = |t: &Task| (t.due.is_none(), t.due, std::cmp::Reverse(t.priority), t.number);
                open(a).cmp(&open(b))
            } else {
                b.updated_at.cmp(&a.updated_at)
            }
        })
    });
    tasks
}

fn columns(tasks: &[Task]) -> [Vec<usize>; 4] {
    let mut cols: [Vec<usize>; 4] = Default::default();
    for (i, t) in tasks.iter().enumerate() {
        cols[column_of(t)].push(i);
    }
    cols
}

impl TaskBoard {
    pub fn open(session: &Session, incident: Incident) -> crate::app::Result<TaskBoard> {
        let mut pane = TaskBoard {
            incident,
            list: List::new("task", |a, b| a.id == b.id),
            columns: Default::default(),
            view: View::Board,
            column: 0,
            row: 0,
            can_write: session.may(Permission::ManageTasks)?,
            detail: None,
            mine: None,
            me: std::iter::once(session.user.clone())
                .chain(session.roles()?.unwrap_or_default().iter().map(|r| r.name().to_string()))
                .map(|w| crate::text::fold(&w))
                .collect(),
        };
        pane.reload(session)?;
        Ok(pane)
    }

    pub fn tasks(&self) -> &[Task] {
        &self.list.items
    }

    fn reload(&mut self, session: &Session) -> crate::app::Result<()> {
        let selected = self.selected().map(|t| t.id);
        let (incident, mine) = (&self.incident, &self.mine);
        self.list.reload(session, |s| s.tasks(incident).map(|t| in_board_order(only_mine(t, mine))))?;
        self.loaded(selected);
        self.read_detail(session)?;
        Ok(())
    }

    /// Read the shown task's story afresh (its history grows as it changes).
    fn read_detail(&mut self, session: &Session) -> crate::app::Result<()> {
        if let Some(d) = &mut self.detail {
            (d.from, d.history) = session.task_story(&self.incident, d.number)?;
        }
        Ok(())
    }

    fn detail_task(&self) -> Option<&Task> {
        let n = self.detail.as_ref()?.number;
        self.list.items.iter().find(|t| t.number == n)
    }

    /// After a load: the columns made again, the same task selected where it went.
    fn loaded(&mut self, selected: Option<uuid::Uuid>) {
        self.columns = columns(&self.list.items);
        if let Some(id) = selected {
            self.select(id);
        }
        self.clamp();
    }

    /// Select the task with this id in the current view.
    fn select(&mut self, id: uuid::Uuid) {
        let Some(i) = self.list.items.iter().position(|t| t.id == id) else { return };
        match self.view {
            View::List => self.list.row = i,
            View::Board => {
                self.column = column_of(&self.list.items[i]);
                self.row = self.columns[self.column].iter().position(|&j| j == i).unwrap_or(0);
            }
        }
    }

    fn clamp(&mut self) {
        let len = self.columns[self.column].len();
        self.row = self.row.min(len.saturating_sub(1));
        self.list.row = self.list.row.min(self.list.items.len().saturating_sub(1));
    }

    fn selected(&self) -> Option<&Task> {
        if self.detail.is_some() {
            return self.detail_task();
        }
        match self.view {
            View::Board => self.list.items.get(*self.columns[self.column].get(self.row)?),
            View::List => self.list.selected(),
        }
    }

    /// Moving on the board: up and down its column, left and right across columns.
    fn move_on_board(&mut self, action: Action) -> bool {
        match action {
            Action::Up => self.row = self.row.saturating_sub(1),
            Action::Down => self.row += 1,
            Action::Left => self.column = self.column.saturating_sub(1),
            Action::Right => self.column = (self.column + 1).min(3),
            Action::First => self.row = 0,
            Action::Last => self.row = usize::MAX,
            _ => return false,
        }
        self.clamp();
        true
    }

    /// Ask before a change to a task: what it will be, then the change once confirmed,
    /// and the status line says that change was made (the deadline set, not the status
    /// the task happens to have).
    fn ask(
        &self,
        cx: &mut Cx<'_>,
        title: Text,
        line: String,
        f: impl FnOnce(&mut Session, &Incident) -> crate::app::Result<(Task, crate::domain::LogEntry)> + 'static,
    ) {
        let (said, incident) = (format!("✓ {line}"), self.incident.clone());
        cx.confirm(Pending::new(title.get(cx.lang), vec![line], move |s| f(s, &incident).map(|_| said)));
    }

    /// `Oppgave 3 «Bestille drivstoff»`.
    fn named(task: &Task, lang: Lang) -> String {
        format!("{} {} «{}»", Text::new("Oppgave", "Task").get(lang), task.number, task.title)
    }

    fn set_status(&mut self, cx: &mut Cx<'_>, to: TaskStatus) {
        let Some(task) = self.selected() else { return };
        let (n, lang) = (task.number, cx.lang);
        let line = format!(
            "{}: {} → {}",
            Self::named(task, lang),
            task.status.label().get(lang),
            to.label().get(lang)
        );
        self.ask(cx, Text::new("Endre status", "Change the status"), line, move |s, i| {
            s.set_task_status(i, n, to)
        });
    }

    fn answer(&mut self, cx: &mut Cx<'_>, asking: Asking, text: String) {
        match asking {
            Asking::NewTitle => {
                let new = NewTask { title: text, priority: Priority::Normal, ..NewTask::default() };
                cx.confirm(new_task_pending(cx.lang, self.incident.clone(), new, None));
            }
            Asking::Assignee => {
                let Some(task) = self.selected() else { return };
                let (n, lang) = (task.number, cx.lang);
                let who = Some(text).filter(|t| !t.trim().is_empty());
                let line = match &who {
                    Some(w) => {
                        format!("{}: {} {w}", Self::named(task, lang), lang.pick("tildeles", "is given to"))
                    }
                    None => format!(
                        "{}: {}",
                        Self::named(task, lang),
                        lang.pick("ingen tildelt", "no one assigned")
                    ),
                };
                self.ask(cx, Text::new("Tildel", "Assign"), line, move |s, i| s.assign_task(i, n, who));
            }
            Asking::Deadline | Asking::Priority | Asking::Description => {
                let Some(task) = self.selected() else { return };
                let (n, lang) = (task.number, cx.lang);
                let change = match detail_change(asking, &text, lang) {
                    Ok(change) => change,
                    Err(e) => {
                        cx.post(UiEvent::Error(e));
                        return;
                    }
                };
                let what = match &change {
                    TaskChange::Due(Some(d)) => format!(
                        "{} {}",
                        lang.pick("frist", "deadline"),
                        d.with_timezone(&Local).format("%d.%m %H:%M")
                    ),
                    TaskChange::Due(None) => lang.pick("uten frist", "no deadline").to_string(),
                    TaskChange::Priority(p) => {
                        format!("{} {}", lang.pick("prioritet", "priority"), p.label().get(lang))
                    }
                    _ => format!("{} «{}»", lang.pick("beskrivelse", "description"), text.trim()),
                };
                let line = format!("{}: {what}", Self::named(task, lang));
                let title = Text::new("Endre oppgaven", "Change the task");
                self.ask(cx, title, line, move |s, i| s.change_task_detail(i, n, change));
            }
        }
    }

    /// The keys of one task shown in full: moving closes nothing, every change asks.
    fn handle_detail(&mut self, action: Action, cx: &mut Cx<'_>) -> Outcome {
        let Some(task) = self.detail_task().cloned() else {
            self.detail = None;
            return Outcome::Consumed;
        };
        if action.changes_records() && cx.refused(self.can_write, Permission::ManageTasks) {
            return Outcome::Consumed;
        }
        let lang = cx.lang;
        match action {
            Action::Cancel => self.detail = None,
            Action::Up => {
                if let Some(d) = &mut self.detail {
                    d.scroll = d.scroll.saturating_sub(1);
                }
            }
            Action::Down => {
                if let Some(d) = &mut self.detail {
                    d.scroll = d.scroll.saturating_add(1);
                }
            }
            Action::SetDeadline => {
                let now = task.due.map(|d| d.with_timezone(&Local).format("%d.%m %H:%M").to_string());
                self.list.offer(Asking::Deadline, now.unwrap_or_default());
            }
            Action::SetPriority => self.list.offer(Asking::Priority, task.priority.label().get(lang)),
            Action::SetDescription => self.list.offer(Asking::Description, task.description.clone()),
            Action::AssignTask => {
                self.list.offer(Asking::Assignee, task.assignee.clone().unwrap_or_default())
            }
            Action::MoveRight
            | Action::MoveLeft
            | Action::StatusNew
            | Action::StatusStarted
            | Action::StatusDone
            | Action::StatusCancelled => {
                if let Some(to) = status_for(&STATUSES, task.status, action) {
                    self.set_status(cx, to);
                }
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }
}

/// A new task, shown before it is made: its title, who gets it, its deadline and
/// priority, and the entry it comes from.
pub fn new_task_pending(lang: Lang, incident: Incident, new: NewTask, from: Option<i64>) -> Pending {
    let mut lines = vec![format!("«{}»", new.title)];
    if let Some(a) = &new.assignee {
        lines.push(format!("{}: {a}", lang.pick("Tildelt", "Assigned to")));
    }
    if let Some(due) = new.due {
        lines.push(format!(
            "{}: {}",
            lang.pick("Frist", "Deadline"),
            due.with_timezone(&Local).format("%d.%m %H:%M")
        ));
    }
    if new.priority != Priority::Normal {
        lines.push(format!("{}: {}", lang.pick("Prioritet", "Priority"), new.priority.label().get(lang)));
    }
    if let Some(seq) = from {
        lines.push(format!("{} #{seq}", lang.pick("Fra loggføring", "From entry")));
    }
    Pending::new(lang.pick("Ny oppgave", "New task"), lines, move |s| {
        let (task, _) = s.add_task(&incident, new)?;
        let n = task.number;
        Ok(match from {
            Some(seq) => crate::say!(lang, "Oppgave {n} opprettet fra #{seq}", "Task {n} made from #{seq}"),
            None => crate::say!(lang, "Oppgave {n} opprettet", "Task {n} made"),
        })
    })
}

impl TaskBoard {
    /// One task in full: what, who, by when, how urgent, why (the entries it came
    /// from) and what has happened to it (its automatic entries).
    fn render_detail(&self, f: &mut Frame<'_>, area: Rect, d: &Detail, task: &Task, cx: &RenderCx<'_>) {
        let (t, lang) = (cx.theme, cx.lang);
        let now = cx.now.with_timezone(&Utc);
        let field = |label: &str, value: String, style| {
            Line::from(vec![Span::styled(format!("{label:<13}"), t.heading), Span::styled(value, style)])
        };
        let mut lines = vec![
            Line::from(Span::styled(format!("#{} {}", task.number, safe_line(&task.title)), t.heading)),
            Line::raw(""),
            field(lang.pick("Status", "Status").as_str(), task.status.label().get(lang).into(), t.base),
            field(
                lang.pick("Prioritet", "Priority").as_str(),
                task.priority.label().get(lang).into(),
                if task.priority >= Priority::Høy { t.significant } else { t.base },
            ),
            field(
                lang.pick("Ansvarlig", "Assigned to").as_str(),
                task.assignee.as_deref().map_or("–".into(), |a| safe_line(a).into_owned()),
                t.author,
            ),
        ];
        let due = match task.due {
            Some(due) => {
                let at = due.with_timezone(&Local).format("%d.%m %H:%M");
                let minutes = (due - now).num_minutes();
                // "13 t 9 min" reads at a glance where "789 min" must be worked out.
                let hours = lang.pick("t", "h");
                let span = |m: i64| match (m / 60, m % 60) {
                    (0, m) => format!("{m} min"),
                    (h, 0) => format!("{h} {hours}"),
                    (h, m) => format!("{h} {hours} {m} min"),
                };
                let left = if !task.status.is_open() {
                    String::new()
                } else if minutes >= 0 {
                    crate::say!(lang, " (om {})", " (in {})", span(minutes))
                } else {
                    crate::say!(lang, " ({} over fristen)", " ({} past it)", span(-minutes))
                };
                (format!("{at}{left}"), if task.is_overdue(now) { t.error } else { t.time })
            }
            None => ("–".into(), t.dim),
        };
        lines.push(field(lang.pick("Frist", "Deadline").as_str(), due.0, due.1));
        lines.push(field(
            lang.pick("Beskrivelse", "Description").as_str(),
            if task.description.is_empty() {
                "–".into()
            } else {
                safe_line(&task.description).into_owned()
            },
            t.base,
        ));
        lines.push(field(
            lang.pick("Opprettet", "Made").as_str(),
            format!(
                "{} {}",
                task.created_at.with_timezone(&Local).format("%d.%m %H:%M"),
                safe_line(&task.created_by)
            ),
            t.dim,
        ));
        let entry = |e: &crate::domain::LogEntry| {
            Line::from(vec![
                Span::styled(format!("  #{} ", e.seq), t.dim),
                Span::styled(e.reported_at.with_timezone(&Local).format("%H:%M ").to_string(), t.time),
                Span::styled(format!("{} ", safe_line(&e.author)), t.author),
                Span::styled(safe_line(&e.text).into_owned(), t.base),
            ])
        };
        if !d.from.is_empty() {
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(lang.pick("Fra loggen", "From the log"), t.heading)));
            lines.extend(d.from.iter().map(entry));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(lang.pick("Historikk", "History"), t.heading)));
        lines.extend(d.history.iter().map(entry));
        let wrap = ratatui::widgets::Wrap { trim: false };
        f.render_widget(Paragraph::new(lines).wrap(wrap).scroll((d.scroll, 0)), area);
    }
}

/// Only the tasks given to the user, by name or by one of their roles, when asked.
fn only_mine(tasks: Vec<Task>, mine: &Option<Vec<String>>) -> Vec<Task> {
    match mine {
        None => tasks,
        Some(me) => tasks
            .into_iter()
            .filter(|t| t.assignee.as_ref().is_some_and(|a| me.contains(&crate::text::fold(a))))
            .collect(),
    }
}

/// What a typed answer about a task's deadline, priority or description asks for.
fn detail_change(asking: Asking, text: &str, lang: Lang) -> Result<TaskChange, String> {
    let text = text.trim();
    Ok(match asking {
        Asking::Deadline if text.is_empty() => TaskChange::Due(None),
        Asking::Deadline => {
            let now = Local::now();
            let due = match crate::domain::time::ClockTime::parse(text) {
                Some(clock) => clock.resolve_ahead(&now),
                None => match crate::domain::time::deadline_in(&format!("frist {text}")) {
                    Some((clock, true)) => clock.resolve_ahead(&(now + chrono::Duration::days(1)).date_naive().and_hms_opt(0, 0, 0).and_then(|d| d.and_local_timezone(Local).earliest()).unwrap_or(now)),
                    _ => crate::domain::time::parse_moment(text, &now).map_err(|_| {
                        crate::say!(
                            lang,
                            "«{text}» er ikke en frist: skriv 14:30, i morgen 08:00 eller 24.11 14:30 (tomt fjerner fristen)",
                            "«{text}» is no deadline: write 14:30, tomorrow 08:00 or 24.11 14:30 (empty removes it)"
                        )
                    })?,
                },
            };
            TaskChange::Due(Some(due))
        }
        Asking::Priority => {
            TaskChange::Priority(Priority::parse(text).map_err(|e| e.said(lang).to_string())?)
        }
        _ => TaskChange::Description(text.to_string()),
    })
}

impl Pane for TaskBoard {
    fn context(&self) -> Context {
        if self.detail.is_some() {
            return self.list.context(Context::TaskDetail);
        }
        self.list.context(Context::Tasks)
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        if self.detail.is_some() && self.list.prompt.is_none() {
            if let Input::Action(action) = input {
                return self.handle_detail(action, cx);
            }
        }
        // A click on a task selects it, on the board or in the list.
        if let (Input::Pick(i), None) = (input, &self.list.prompt) {
            if let Some(id) = self.list.items.get(i).map(|t| t.id) {
                self.select(id);
                return Outcome::Consumed;
            }
        }
        if let (View::Board, None, Input::Action(action)) = (self.view, &self.list.prompt, input) {
            if self.move_on_board(action) {
                return Outcome::Consumed;
            }
        }
        let action = match self.list.handle(input).action(|asking, text| self.answer(cx, asking, text)) {
            Ok(action) => action,
            Err(outcome) => return outcome,
        };
        if action.changes_records() && cx.refused(self.can_write, Permission::ManageTasks) {
            return Outcome::Consumed;
        }
        match action {
            Action::ToggleView => {
                let id = self.selected().map(|t| t.id);
                self.view = if self.view == View::Board { View::List } else { View::Board };
                if let Some(id) = id {
                    self.select(id);
                }
            }
            Action::NewTask => self.list.ask(Asking::NewTitle, ""),
            Action::Copy => {
                if let Some(t) = self.selected() {
                    let mut text = format!("Oppgave {}: {}", t.number, t.title);
                    if let Some(a) = &t.assignee {
                        text.push_str(&format!(" · {a}"));
                    }
                    if let Some(d) = t.due {
                        text.push_str(&format!(" · {}", d.with_timezone(&Local).format("%d.%m %H:%M")));
                    }
                    cx.post(UiEvent::Copy(text));
                }
            }
            Action::Details => {
                if let Some(number) = self.selected().map(|t| t.number) {
                    self.detail = Some(Detail { number, from: Vec::new(), history: Vec::new(), scroll: 0 });
                    if let Err(e) = self.read_detail(cx.session) {
                        cx.post(UiEvent::Error(e.said(cx.lang)));
                    }
                }
            }
            Action::MineOnly => {
                self.mine = if self.mine.is_some() { None } else { Some(self.me.clone()) };
                if let Err(e) = self.reload(cx.session) {
                    cx.post(UiEvent::Error(e.said(cx.lang)));
                }
                let s = if self.mine.is_some() {
                    cx.lang.pick("Bare mine oppgaver", "Only my tasks")
                } else {
                    cx.lang.pick("Alle oppgaver", "All tasks")
                };
                cx.post(UiEvent::Status(s.to_string()));
            }
            Action::AssignTask => {
                if let Some(assignee) = self.selected().map(|t| t.assignee.clone().unwrap_or_default()) {
                    self.list.offer(Asking::Assignee, assignee);
                }
            }
            Action::MoveRight
            | Action::MoveLeft
            | Action::StatusNew
            | Action::StatusStarted
            | Action::StatusDone
            | Action::StatusCancelled => {
                if let Some(to) = self.selected().and_then(|t| status_for(&STATUSES, t.status, action)) {
                    self.set_status(cx, to);
                }
            }
            _ => return Outcome::Ignored,
        }
        self.clamp();
        Outcome::Consumed
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        let selected = self.selected().map(|t| t.id);
        let (incident, mine) = (&self.incident, &self.mine);
        let reloaded =
            self.list.refresh(session, |s| s.tasks(incident).map(|t| in_board_order(only_mine(t, mine))))?;
        if reloaded {
            self.loaded(selected);
            self.read_detail(session).map_err(|e| e.said(session.lang))?;
        }
        Ok(reloaded)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let (s, t) = (cx.strings, cx.theme);
        let lang = cx.lang;
        let now = cx.now.with_timezone(&Utc);
        let open = self.list.items.iter().filter(|t| t.status.is_open()).count();
        let late = self.list.items.iter().filter(|t| t.is_overdue(now)).count();
        let word = if open == 1 { s.open_one } else { s.open_tasks };
        let mut title = vec![Span::styled(format!(" {} · {open} {word} ", s.tasks), t.heading)];
        if self.mine.is_some() {
            title.push(Span::styled(format!("[{}] ", lang.pick("mine", "mine")), t.key));
        }
        if late > 0 {
            title.push(Span::styled(format!(" {late} {} ", s.overdue), t.error));
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if cx.focused { t.border_focus } else { t.border })
            .title(Line::from(title));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [body, prompt_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(u16::from(self.list.prompt.is_some()))])
                .areas(inner);
        if let (Some(d), Some(task)) = (&self.detail, self.detail_task()) {
            self.render_detail(f, body, d, task, cx);
        } else if self.list.items.is_empty() {
            f.render_widget(
                Paragraph::new(Span::styled(s.no_tasks, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                body,
            );
        } else if self.view == View::Board && body.width >= BOARD_MIN_WIDTH {
            let cols = Layout::horizontal([Constraint::Ratio(1, 4); 4]).split(body);
            for (c, rect) in cols.iter().enumerate() {
                // The column the cursor is in is marked, also when it is empty and no
                // card shows the selection.
                let here = cx.focused && c == self.column;
                let heading = Line::from(Span::styled(
                    format!(
                        "{}{} ({})",
                        if here { "▸ " } else { "" },
                        STATUSES[c].label().get(lang),
                        self.columns[c].len()
                    ),
                    if here { t.key } else { t.heading },
                ));
                let height = rect.height.saturating_sub(1) as usize;
                let sel = (cx.focused && c == self.column).then_some(self.row);
                // A card takes two lines when its title would not fit beside who and
                // when: scroll so that the selected one shows whole.
                // Only the cards that can be on screen are made (10,000 tasks cost the
                // same as 20): at most `height` above the selected one and below it.
                let len = self.columns[c].len();
                let at = sel.unwrap_or(0).min(len.saturating_sub(1));
                let (lo, hi) = (at.saturating_sub(height), (at + height + 1).min(len));
                let cards: Vec<Vec<Line>> = (lo..hi)
                    .map(|r| {
                        let task = &self.list.items[self.columns[c][r]];
                        // (a column short of its width: a gap between the columns)
                        board_card(task, now, rect.width.saturating_sub(1), sel == Some(r), cx)
                    })
                    .collect();
                let mut first = at - lo;
                let mut used = cards.get(first).map_or(0, Vec::len);
                while first > 0 && used + cards[first - 1].len() <= height {
                    first -= 1;
                    used += cards[first].len();
                }
                if sel.is_none() {
                    first = 0;
                }
                // Each card shown is a place a click selects.
                let mut y = rect.y + 1;
                for (r, card) in cards.iter().enumerate().skip(first) {
                    let h = (card.len() as u16).min(rect.bottom().saturating_sub(y));
                    cx.hit(Rect { y, height: h, ..*rect }, self.columns[c][lo + r]);
                    y += h;
                }
                let mut lines = vec![heading];
                lines.extend(cards.into_iter().skip(first).flatten().take(height));
                f.render_widget(Paragraph::new(lines), *rect);
            }
        } else {
            // The list, also where a board would not fit: the same task stays selected.
            let selected = self.selected().map(|t| t.id);
            let at = self.list.items.iter().position(|t| Some(t.id) == selected).unwrap_or(0);
            let height = body.height as usize;
            let first = at.saturating_sub(height.saturating_sub(1));
            let status_w = if body.width < 50 { 7 } else { 12 };
            let lines: Vec<Line> = self
                .list
                .items
                .iter()
                .enumerate()
                .skip(first)
                .take(height)
                .map(|(r, task)| {
                    cx.hit(Rect { y: body.y + (r - first) as u16, height: 1, ..body }, r);
                    let width = body.width.saturating_sub(status_w as u16);
                    let mut line = card(task, now, width, cx.focused && r == at, cx);
                    let label: String = task.status.label().get(lang).chars().take(status_w - 1).collect();
                    line.spans.insert(0, Span::styled(format!("{label:<status_w$}"), t.dim));
                    line
                })
                .collect();
            f.render_widget(Paragraph::new(lines), body);
        }
        if let Some(asked) = &self.list.prompt {
            let label: String = match asked.asking {
                Asking::NewTitle => s.new_task.into(),
                Asking::Assignee => s.assign_to.into(),
                Asking::Deadline => lang.pick(
                    "Frist (14:30, i morgen 08:00, 24.11 14:30; tomt: ingen)",
                    "Deadline (14:30, tomorrow 08:00, 24.11 14:30; empty: none)",
                ),
                Asking::Priority => lang
                    .pick("Prioritet (lav, normal, høy, kritisk)", "Priority (low, normal, high, critical)"),
                Asking::Description => lang.pick("Beskrivelse", "Description"),
            };
            f.render_widget(Paragraph::new(asked.line(&label, t, prompt_area.width)), prompt_area);
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        self.list.paste(text)
    }
}

/// One task on the board: on one line when its title fits beside who has it and by
/// when, else the title on a line of its own (cut only if even that is too narrow) and
/// who and when below it, indented.
fn board_card(
    task: &Task,
    now: DateTime<Utc>,
    width: u16,
    selected: bool,
    cx: &RenderCx<'_>,
) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthStr;
    let one = card(task, now, width, selected, cx);
    // Whole: nothing cut, and the title there at all (where who and when leave it no
    // room, it is not cut but left out).
    let title = safe_line(&task.title);
    let whole = |l: &Line| {
        l.spans.iter().all(|s| !s.content.ends_with('…')) && l.spans.iter().any(|s| s.content == title)
    };
    if whole(&one) || task.assignee.is_none() && task.due.is_none() {
        return vec![one];
    }
    let bare = Task { assignee: None, due: None, ..task.clone() };
    let first = card(&bare, now, width, selected, cx);
    // The second line: who and when, indented under the title; the deadline first
    // when both do not fit (a late one in the error style).
    let number = format!("#{} ", task.number).width();
    let t = cx.theme;
    let mut second = vec![Span::raw(" ".repeat(number))];
    if let Some(d) = task.due {
        let local = d.with_timezone(&Local);
        let when = if local.date_naive() == cx.now.date_naive() {
            local.format("%H:%M")
        } else {
            local.format("%d.%m %H:%M")
        };
        second.push(Span::styled(format!("{when} "), if task.is_overdue(now) { t.error } else { t.time }));
    }
    if let Some(a) = &task.assignee {
        second.push(Span::styled(safe_line(a).into_owned(), t.author));
    }
    let mut second = super::widgets::cut(Line::from(second), width);
    if selected {
        for span in &mut second.spans {
            span.style = span.style.patch(t.selected);
        }
    }
    vec![first, second]
}

/// One task as a line: `#3 ‼ Ring BST-brukere · lars · 12:00`, late ones in the
/// error style. In a narrow column the title gives way, not who has it and by when:
/// those are what a meeting reads the board for (the assignee goes only when even a
/// short title would not fit).
fn card(task: &Task, now: DateTime<Utc>, width: u16, selected: bool, cx: &RenderCx<'_>) -> Line<'static> {
    use unicode_width::UnicodeWidthStr;
    let t = cx.theme;
    let late = task.is_overdue(now);
    let base = if late { t.error } else { t.base };
    let mut spans = vec![Span::styled(format!("#{} ", task.number), t.dim)];
    if task.priority >= Priority::Høy {
        spans.push(Span::styled("‼ ", t.significant));
    }
    let mut after = Vec::new();
    if let Some(a) = &task.assignee {
        after.push(Span::styled(format!(" · {}", safe_line(a)), t.author));
    }
    if let Some(d) = task.due {
        let local = d.with_timezone(&Local);
        let when = if local.date_naive() == cx.now.date_naive() {
            local.format("%H:%M")
        } else {
            local.format("%d.%m %H:%M")
        };
        after.push(Span::styled(format!(" · {when}"), if late { t.error } else { t.time }));
    }
    let used = |spans: &[Span]| spans.iter().map(|s| s.content.width()).sum::<usize>();
    if (width as usize).saturating_sub(used(&spans) + used(&after)) < 8 && task.assignee.is_some() {
        after.remove(0);
    }
    let room = (width as usize).saturating_sub(used(&spans) + used(&after));
    let title = super::widgets::cut(Line::from(safe_line(&task.title).into_owned()), room as u16);
    spans.extend(title.spans.into_iter().map(|s| Span::styled(s.content, base)));
    spans.extend(after);
    let mut line = super::widgets::cut(Line::from(spans), width);
    if selected {
        for span in &mut line.spans {
            span.style = span.style.patch(t.selected);
        }
    }
    line
}
