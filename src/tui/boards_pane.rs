//! Information boards (informasjonstavler): one board at a time, its key figures on
//! top and the notices that are up below, each with what became of the log entry it
//! came from. ←/→ choose the board (the incident's and the organisation's standing
//! ones the user may see), `n` puts up a notice («tittel: tekst»), `f` sets a key
//! figure («navn verdi»), Delete takes the chosen notice down; each shows what it
//! will write first. [`ChooseBoard`] is the box the log's `b` opens to put an entry
//! up on a board.

use super::action::{does, Keys, AROUND, LIST};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::list::{Handled, List};
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::widgets::{centered, cut, hints, list_window, pane_block};
use crate::app::Session;
use crate::domain::board::{Board, KeyFigure, NewNotice, Notice, NoticeStatus};
use crate::domain::task::Priority;
use crate::domain::{Incident, LogEntry};
use crate::lang::{Lang, Text};
use crate::text::safe_line;
use chrono::{Local, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// What the keys do on the boards.
pub const KEYS: Keys = Keys {
    context: Context::Boards,
    heading: Text::new("Informasjonstavler", "Information boards"),
    groups: &[
        LIST,
        &[
            does(Action::PreviousSource, "Forrige tavle", "Previous board", "forrige", "previous"),
            does(Action::NextSource, "Neste tavle", "Next board", "neste", "next"),
            does(
                Action::NewNotice,
                "Sett opp et oppslag («tittel: tekst»)",
                "Put up a notice («title: text»)",
                "oppslag",
                "notice",
            ),
            does(
                Action::SetFigure,
                "Sett et nøkkeltall («navn verdi»)",
                "Set a key figure («name value»)",
                "nøkkeltall",
                "figure",
            ),
            does(
                Action::TakeDown,
                "Ta ned valgt oppslag",
                "Take the chosen notice down",
                "ta ned",
                "take down",
            ),
        ],
        AROUND,
    ],
    hints: &[Action::NewNotice, Action::SetFigure, Action::TakeDown, Action::NextSource, Action::Help],
};

/// What the keys do when choosing a board.
pub const CHOOSE: Keys = Keys {
    context: Context::Choose,
    heading: Text::new("Velg tavle", "Choose a board"),
    groups: &[&[
        does(Action::Up, "Opp", "Up", "opp", "up"),
        does(Action::Down, "Ned", "Down", "ned", "down"),
        does(Action::Confirm, "Vis hva som settes opp", "Show what will be put up", "velg", "choose"),
        does(Action::Cancel, "Avbryt", "Cancel", "avbryt", "cancel"),
    ]],
    hints: &[Action::Confirm, Action::Cancel],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    Notice,
    Figure,
}

pub struct BoardsPane {
    incident: Incident,
    boards: Vec<Board>,
    /// The board shown.
    at: usize,
    figures: Vec<KeyFigure>,
    /// The notices up on it.
    list: List<Notice, Asking>,
}

impl BoardsPane {
    pub fn open(session: &Session, incident: Incident) -> crate::app::Result<BoardsPane> {
        let mut pane = BoardsPane {
            incident,
            boards: Vec::new(),
            at: 0,
            figures: Vec::new(),
            // A correction of an entry a notice came from shows on the notice.
            list: List::new("notice", |a: &Notice, b: &Notice| a.id == b.id)
                .watching("board")
                .watching("key_figure")
                .watching("log_entry"),
        };
        pane.load(session)?;
        Ok(pane)
    }

    fn board(&self) -> Option<&Board> {
        self.boards.get(self.at)
    }

    fn load(&mut self, session: &Session) -> crate::app::Result<()> {
        let Self { incident, boards, at, figures, list } = self;
        list.reload(session, |s| load(s, incident, boards, at, figures))
    }

    /// Show another board (`step` along).
    fn turn(&mut self, session: &Session, step: isize) -> Result<(), String> {
        let n = self.boards.len();
        if n < 2 {
            return Ok(());
        }
        self.at = (self.at as isize + step).rem_euclid(n as isize) as usize;
        self.list.row = 0;
        let id = self.board().map(|b| b.id);
        let Self { incident, boards, at, figures, list } = self;
        list.reload(session, |s| {
            let got = load(s, incident, boards, at, figures);
            // Stay on the board turned to, wherever it now stands.
            if let Some(i) = id.and_then(|id| boards.iter().position(|b| b.id == id)) {
                *at = i;
            }
            got
        })
        .map_err(|e| e.said(session.lang))
    }
}

/// The boards, the one shown (kept by id), its figures, and its notices that are up.
fn load(
    s: &Session,
    incident: &Incident,
    boards: &mut Vec<Board>,
    at: &mut usize,
    figures: &mut Vec<KeyFigure>,
) -> crate::app::Result<Vec<Notice>> {
    let shown = boards.get(*at).map(|b| b.id);
    *boards = s.boards_of(incident)?;
    *at = shown
        .and_then(|id| boards.iter().position(|b| b.id == id))
        .unwrap_or(0)
        .min(boards.len().saturating_sub(1));
    let Some(board) = boards.get(*at) else {
        figures.clear();
        return Ok(Vec::new());
    };
    *figures = s.figures(board)?;
    let now = Utc::now();
    let mut up: Vec<Notice> = s.notices(board)?.into_iter().filter(|n| n.is_current(now)).collect();
    // The most urgent first, then the newest.
    up.sort_by_key(|n| (std::cmp::Reverse(n.priority), std::cmp::Reverse(n.created_at)));
    Ok(up)
}

/// A notice's priority as a mark before its title.
pub fn mark(p: Priority) -> &'static str {
    match p {
        Priority::Kritisk => "‼ ",
        Priority::Høy => "! ",
        _ => "",
    }
}

/// What became of the entry a notice came from, in words, if anything.
pub fn entry_fate(n: &Notice, lang: Lang) -> Option<String> {
    if n.entry_retracted() {
        return Some(lang.pick("Loggføringen er trukket tilbake", "The log entry was retracted"));
    }
    n.correction.as_deref().map(|c| format!("{} {}", lang.pick("Rettet:", "Corrected:"), safe_line(c)))
}

impl Pane for BoardsPane {
    fn context(&self) -> Context {
        self.list.context(Context::Boards)
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let lang = cx.lang;
        let action = match self.list.handle(input) {
            Handled::Done(outcome) => return outcome,
            Handled::Answered(asking, text) => {
                let Some(board) = self.board().cloned() else { return Outcome::Consumed };
                match asking {
                    Asking::Notice => {
                        let (title, text) = match text.split_once(':') {
                            Some((t, rest)) => (t.trim().to_string(), rest.trim().to_string()),
                            None => (text.trim().to_string(), String::new()),
                        };
                        let new = NewNotice {
                            title,
                            text,
                            priority: Priority::Normal,
                            valid_until: None,
                            entry: None,
                        };
                        let mut lines = vec![format!("«{}»", new.title)];
                        if !new.text.is_empty() {
                            lines.push(new.text.clone());
                        }
                        let heading = crate::say!(lang, "Sett opp på «{}»", "Put up on '{}'", board.title);
                        cx.confirm(Pending::new(heading, lines, move |s| {
                            s.post_notice(&board, new).map(|(n, _)| {
                                crate::say!(lang, "Oppslag {} satt opp", "Notice {} put up", n.number)
                            })
                        }));
                    }
                    Asking::Figure => {
                        let text = text.trim();
                        let parsed = text.rsplit_once(char::is_whitespace).and_then(|(name, value)| {
                            Some((name.trim().to_string(), value.trim().parse::<i64>().ok()?))
                        });
                        let Some((name, value)) = parsed else {
                            cx.post(UiEvent::Error(lang.pick(
                                "Skriv navnet og tallet: «evakuerte 36»",
                                "Type the name and the number: «evacuated 36»",
                            )));
                            return Outcome::Consumed;
                        };
                        let was = self
                            .figures
                            .iter()
                            .find(|f| crate::text::fold(&f.name) == crate::text::fold(&name));
                        let line = match was {
                            Some(f) => format!("{}: {} → {value}", f.name, f.value),
                            None => format!("{name}: {value}"),
                        };
                        let heading =
                            crate::say!(lang, "Nøkkeltall på «{}»", "Key figure on '{}'", board.title);
                        cx.confirm(Pending::new(heading, vec![line], move |s| {
                            s.set_figure(&board, &name, value, None)
                                .map(|f| format!("{}: {}", f.name, f.value))
                        }));
                    }
                }
                return Outcome::Consumed;
            }
            Handled::Action(action) => action,
        };
        match action {
            Action::PreviousSource | Action::NextSource => {
                let step = if action == Action::NextSource { 1 } else { -1 };
                if let Err(e) = self.turn(cx.session, step) {
                    cx.post(UiEvent::Error(e));
                }
            }
            Action::NewNotice | Action::SetFigure if self.board().is_none() => {
                cx.post(UiEvent::Error(lang.pick(
                    "Ingen tavle å skrive på: lag en med `sitroom board new NAVN`",
                    "No board to write on: make one with `sitroom board new NAME`",
                )));
            }
            Action::NewNotice => self.list.ask(Asking::Notice, ""),
            Action::SetFigure => self.list.ask(Asking::Figure, ""),
            Action::TakeDown => {
                let (Some(board), Some(n)) = (self.board().cloned(), self.list.selected()) else {
                    return Outcome::Consumed;
                };
                let number = n.number;
                let heading = crate::say!(lang, "Ta ned fra «{}»", "Take down from '{}'", board.title);
                cx.confirm(Pending::new(heading, vec![format!("{number}: «{}»", n.title)], move |s| {
                    s.set_notice_status(&board, number, NoticeStatus::Down)
                        .map(|n| crate::say!(lang, "Oppslag {} tatt ned", "Notice {} taken down", n.number))
                }));
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        let Self { incident, boards, at, figures, list } = self;
        list.refresh(session, |s| load(s, incident, boards, at, figures))
    }

    /// Out of view it waits: what it shows is read again when it comes into view
    /// (`on_show`), not on every change (a log entry written elsewhere).
    fn refresh_hidden(&mut self, _session: &Session) -> Result<bool, String> {
        Ok(false)
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        self.list.paste(text)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let mut title = vec![Span::styled(format!(" {} ", KEYS.heading.get(lang)), t.heading)];
        if let Some(b) = self.board() {
            title.push(Span::styled(format!("· {} ", safe_line(&b.title)), t.heading));
            if b.audience.restricted() {
                let readers: Vec<&str> = b.audience.readers.iter().map(|r| r.name()).collect();
                title.push(Span::styled(format!("[{}] ", readers.join(", ")), t.dim));
            }
            if self.boards.len() > 1 {
                title.push(Span::styled(format!("{}/{} ←→ ", self.at + 1, self.boards.len()), t.dim));
            }
        }
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        if self.board().is_none() {
            let none = Text::new(
                "Ingen informasjonstavler i denne hendelsen ennå. Lag en med `sitroom board new NAVN`.",
                "No information boards in this incident yet. Make one with `sitroom board new NAME`.",
            )
            .get(lang);
            f.render_widget(Paragraph::new(Span::styled(none, t.dim)).wrap(Wrap { trim: true }), inner);
            return;
        }
        let figure_rows =
            if self.figures.is_empty() { 0 } else { 1 + (self.figures.len() as u16).div_ceil(3).min(3) };
        // The chosen notice in full below the list, when there is room.
        let detail_rows =
            if self.list.items.is_empty() || inner.height < 12 { 0 } else { (inner.height / 3).min(8) };
        let [figures_area, rows_area, detail_area, prompt_area] = Layout::vertical([
            Constraint::Length(figure_rows),
            Constraint::Min(1),
            Constraint::Length(detail_rows),
            Constraint::Length(u16::from(self.list.prompt.is_some())),
        ])
        .areas(inner);
        if !self.figures.is_empty() {
            let mut lines: Vec<Line> = self
                .figures
                .chunks(3)
                .map(|row| {
                    let mut spans = Vec::new();
                    for fig in row {
                        spans.push(Span::styled(format!("{} ", safe_line(&fig.name)), t.dim));
                        spans.push(Span::styled(fig.value.to_string(), t.heading));
                        if !fig.unit.is_empty() {
                            spans.push(Span::styled(format!(" {}", safe_line(&fig.unit)), t.dim));
                        }
                        spans.push(Span::raw("   "));
                    }
                    cut(Line::from(spans), figures_area.width)
                })
                .collect();
            lines.push(Line::from(Span::styled("─".repeat(figures_area.width as usize), t.border)));
            f.render_widget(Paragraph::new(lines), figures_area);
        }
        let rows: Vec<Line<'static>> = self
            .list
            .items
            .iter()
            .map(|n| {
                let style = match n.priority {
                    Priority::Kritisk => t.error,
                    Priority::Høy => t.warning,
                    _ => t.base,
                };
                let mut spans = vec![Span::styled(format!("{:>3} ", n.number), t.dim)];
                // What became of the entry is flagged first: a long title must not hide it.
                if entry_fate(n, lang).is_some() {
                    spans.push(Span::styled("⚠ ", t.warning));
                }
                spans.push(Span::styled(
                    format!("{} ", n.created_at.with_timezone(&Local).format("%H:%M")),
                    t.author,
                ));
                spans.push(Span::styled(format!("{}{}", mark(n.priority), safe_line(&n.title)), style));
                if !n.text.is_empty() && n.text != n.title {
                    spans.push(Span::styled(format!(" — {}", safe_line(&n.text)), t.dim));
                }
                Line::from(spans)
            })
            .collect();
        if rows.is_empty() {
            let none =
                Text::new("Ingen oppslag oppe. n setter opp et.", "No notices up. n puts one up.").get(lang);
            f.render_widget(Paragraph::new(Span::styled(none, t.dim)).wrap(Wrap { trim: true }), rows_area);
        } else {
            f.render_widget(Paragraph::new(list_window(rows, self.list.row, rows_area, cx)), rows_area);
        }
        if let (Some(n), true) = (self.list.selected(), detail_rows > 0) {
            let mut lines = vec![Line::from(Span::styled("─".repeat(detail_area.width as usize), t.border))];
            if let Some(fate) = entry_fate(n, lang) {
                lines.push(Line::from(Span::styled(format!("⚠ {fate}"), t.warning)));
            }
            let by = format!(
                "{} {}, {}",
                lang.pick("Satt opp av", "Put up by"),
                safe_line(&n.created_by),
                n.created_at.with_timezone(&Local).format("%d.%m %H:%M")
            );
            let until = n.valid_until.map(|u| {
                format!(
                    "  · {} {}",
                    lang.pick("gjelder til", "valid until"),
                    u.with_timezone(&Local).format("%d.%m %H:%M")
                )
            });
            lines.push(Line::from(Span::styled(format!("{by}{}", until.unwrap_or_default()), t.author)));
            lines.extend(n.text.lines().map(|l| Line::from(Span::styled(safe_line(l).into_owned(), t.base))));
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), detail_area);
        }
        if let Some(asked) = &self.list.prompt {
            let label = match asked.asking {
                Asking::Notice => Text::new("Tittel: tekst", "Title: text"),
                Asking::Figure => Text::new("Navn verdi", "Name value"),
            };
            f.render_widget(Paragraph::new(asked.line(label.get(lang), t, prompt_area.width)), prompt_area);
        }
    }
}

/// The box the log's `b` opens: the boards the user may write on, ↑/↓ and Enter to
/// choose one; then what will be put up is shown for confirmation.
pub struct ChooseBoard {
    boards: Vec<Board>,
    row: usize,
    entry: LogEntry,
}

impl ChooseBoard {
    pub fn new(boards: Vec<Board>, entry: LogEntry) -> ChooseBoard {
        ChooseBoard { boards, row: 0, entry }
    }

    /// What putting `entry` up on `board` will write, waiting for its confirmation.
    pub fn pending(board: Board, entry: LogEntry, lang: Lang) -> Pending {
        let new = NewNotice::from_entry(entry.id, &entry.text);
        let heading = crate::say!(lang, "Sett opp på «{}»", "Put up on '{}'", board.title);
        let mut lines = vec![format!("«{}»", new.title)];
        if new.text != new.title {
            lines.push(new.text.clone());
        }
        lines.push(crate::say!(lang, "Fra loggføring #{}", "From log entry #{}", entry.seq));
        Pending::new(heading, lines, move |s| {
            s.post_entry(&board, &entry).map(|(n, _)| {
                crate::say!(
                    lang,
                    "Oppslag {} satt opp på «{}»",
                    "Notice {} put up on '{}'",
                    n.number,
                    board.title
                )
            })
        })
    }
}

impl Pane for ChooseBoard {
    fn context(&self) -> Context {
        Context::Choose
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        match input {
            Input::Action(Action::Up) => self.row = self.row.saturating_sub(1),
            Input::Action(Action::Down) => self.row = (self.row + 1).min(self.boards.len().saturating_sub(1)),
            Input::Pick(i) if i < self.boards.len() => self.row = i,
            Input::Action(Action::Confirm) => {
                cx.post(UiEvent::CloseOverlay);
                if let Some(board) = self.boards.get(self.row).cloned() {
                    cx.confirm(ChooseBoard::pending(board, self.entry.clone(), cx.lang));
                }
            }
            Input::Action(Action::Cancel) => cx.post(UiEvent::CloseOverlay),
            _ => {}
        }
        Outcome::Consumed
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let width = area.width.saturating_sub(4).min(60);
        let height = (self.boards.len() as u16 + 4).min(area.height);
        let popup = centered(area, width, height);
        super::widgets::clear_for_popup(f, popup, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(format!(" {} ", CHOOSE.heading.get(cx.lang)), t.heading));
        let inner = block.inner(popup);
        f.render_widget(block, popup);
        let [rows_area, keys_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
        let rows: Vec<Line<'static>> = self
            .boards
            .iter()
            .map(|b| {
                let whose = match b.incident {
                    Some(_) => String::new(),
                    None => format!("  ({})", cx.lang.pick("stående", "standing")),
                };
                Line::from(Span::styled(format!("{}{whose}", safe_line(&b.title)), t.base))
            })
            .collect();
        f.render_widget(Paragraph::new(list_window(rows, self.row, rows_area, cx)), rows_area);
        let keys = hints(cx, Context::Choose, CHOOSE.hints, keys_area.width as usize);
        f.render_widget(Paragraph::new(Line::from(keys)), keys_area);
    }
}
