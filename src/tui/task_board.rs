//! The task board (oppgaver og tiltak): a column per status, or a list; move a task
//! with one key; new tasks and assignments through a one-line prompt. Overdue tasks
//! stand out. The state machine and the permission table decide what may happen; the
//! board only asks.

use super::action::{does, Keys, AROUND, DOWN, FIRST, LAST, UP};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::list::{status_for, List};
use super::pane::{Cx, Outcome, Pane, RenderCx};
use crate::app::Session;
use crate::domain::roles::Permission;
use crate::domain::task::{NewTask, Priority, Task, TaskStatus, STATUSES};
use crate::domain::Incident;
use crate::i18n::{Label, Lang};
use crate::lang::Text;
use crate::text::safe_line;
use chrono::{DateTime, Local, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

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
            does(Action::StatusNew, "Status: ny", "Status: new", "ny", "new"),
            does(Action::StatusStarted, "Status: pågår", "Status: in progress", "pågår", "in progress"),
            does(Action::StatusDone, "Status: utført", "Status: done", "utført", "done"),
            does(Action::StatusCancelled, "Status: avbrutt", "Status: cancelled", "avbrutt", "cancelled"),
            does(Action::NewTask, "Ny oppgave", "New task", "ny", "new"),
            does(Action::AssignTask, "Tildel oppgaven", "Assign the task", "tildel", "assign"),
            does(Action::ToggleView, "Tavle eller liste", "Board or list", "tavle/liste", "board/list"),
        ],
        AROUND,
    ],
    hints: &[
        Action::MoveRight,
        Action::StatusDone,
        Action::NewTask,
        Action::AssignTask,
        Action::ToggleView,
        Action::NextPane,
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
        };
        pane.reload(session)?;
        Ok(pane)
    }

    pub fn tasks(&self) -> &[Task] {
        &self.list.items
    }

    fn reload(&mut self, session: &Session) -> crate::app::Result<()> {
        let selected = self.selected().map(|t| t.id);
        let incident = &self.incident;
        self.list.reload(session, |s| s.tasks(incident).map(in_board_order))?;
        self.loaded(selected);
        Ok(())
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

    /// Ask before a change to a task: what it will be, then the change once confirmed.
    fn ask(
        &self,
        cx: &mut Cx<'_>,
        title: Text,
        line: String,
        f: impl FnOnce(&mut Session, &Incident) -> crate::app::Result<(Task, crate::domain::LogEntry)> + 'static,
    ) {
        let (lang, incident) = (cx.lang, self.incident.clone());
        cx.confirm(Pending::new(title.get(lang), vec![line], move |s| {
            f(s, &incident).map(|(t, _)| {
                format!(
                    "{} {}: {}",
                    Text::new("Oppgave", "Task").get(lang),
                    t.number,
                    t.status.label().get(lang)
                )
            })
        }));
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
        }
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

impl Pane for TaskBoard {
    fn context(&self) -> Context {
        self.list.context(Context::Tasks)
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
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
        let incident = &self.incident;
        let reloaded = self.list.refresh(session, |s| s.tasks(incident).map(in_board_order))?;
        if reloaded {
            self.loaded(selected);
        }
        Ok(reloaded)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let (s, t) = (cx.strings, cx.theme);
        let lang = cx.lang;
        let now = cx.now.with_timezone(&Utc);
        let open = self.list.items.iter().filter(|t| t.status.is_open()).count();
        let late = self.list.items.iter().filter(|t| t.is_overdue(now)).count();
        let mut title = vec![Span::styled(format!(" {} · {open} {} ", s.tasks, s.open_tasks), t.heading)];
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
        if self.list.items.is_empty() {
            f.render_widget(Paragraph::new(Span::styled(s.no_tasks, t.dim)), body);
        } else if self.view == View::Board && body.width >= BOARD_MIN_WIDTH {
            let cols = Layout::horizontal([Constraint::Ratio(1, 4); 4]).split(body);
            for (c, rect) in cols.iter().enumerate() {
                let heading = Line::from(Span::styled(
                    format!("{} ({})", STATUSES[c].label().get(lang), self.columns[c].len()),
                    if cx.focused && c == self.column { t.key } else { t.heading },
                ));
                let height = rect.height.saturating_sub(1) as usize;
                let sel = (cx.focused && c == self.column).then_some(self.row);
                let first = sel.map_or(0, |r| r.saturating_sub(height.saturating_sub(1)));
                let mut lines = vec![heading];
                for (r, &i) in self.columns[c].iter().enumerate().skip(first).take(height) {
                    lines.push(card(&self.list.items[i], now, rect.width, sel == Some(r), cx));
                }
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
            let label = match asked.asking {
                Asking::NewTitle => s.new_task,
                Asking::Assignee => s.assign_to,
            };
            f.render_widget(Paragraph::new(asked.line(label, t)), prompt_area);
        }
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        self.list.paste(text)
    }
}

/// One task as a line: `#3 ‼ Ring BST-brukere · lars · 12:00`, late ones in the
/// error style, cut to `width`.
fn card(task: &Task, now: DateTime<Utc>, width: u16, selected: bool, cx: &RenderCx<'_>) -> Line<'static> {
    let t = cx.theme;
    let late = task.is_overdue(now);
    let base = if late { t.error } else { t.base };
    let mut spans = vec![Span::styled(format!("#{} ", task.number), t.dim)];
    if task.priority >= Priority::Høy {
        spans.push(Span::styled("‼ ", t.significant));
    }
    spans.push(Span::styled(safe_line(&task.title).into_owned(), base));
    if let Some(a) = &task.assignee {
        spans.push(Span::styled(format!(" · {}", safe_line(a)), t.author));
    }
    if let Some(d) = task.due {
        let local = d.with_timezone(&Local);
        let when = if local.date_naive() == cx.now.date_naive() {
            local.format("%H:%M")
        } else {
            local.format("%d.%m %H:%M")
        };
        spans.push(Span::styled(format!(" · {when}"), if late { t.error } else { t.time }));
    }
    let mut line = super::widgets::cut(Line::from(spans), width);
    if selected {
        for span in &mut line.spans {
            span.style = span.style.patch(t.selected);
        }
    }
    line
}
