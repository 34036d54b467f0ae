//! Time travel (tidsreise): the log, the task board and the latest approved sitrep as
//! they stood at a chosen time, rebuilt from the stored history (`Store::as_of`), so
//! that afterwards anyone can see what the staff knew when they decided. `t` asks for
//! a time (14:30, 24.11 14:30, 2026-11-24 14:30); `[` and `]` step a quarter of an
//! hour back and forth; `n` returns to now.

use super::action::{Action, Input};
use super::keymap::Context;
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::prompt::{self, drive, Prompt};
use super::widgets::{cut, list_window, move_selection, pane_block};
use crate::app::Session;
use crate::domain::task::TaskStatus;
use crate::domain::{EntryKind, Incident};
use crate::store::AsOf;
use crate::text::safe_line;
use chrono::{DateTime, Duration, Local, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChooseTime;

const STEP_MINUTES: i64 = 15;

pub struct HistoryPane {
    incident: Incident,
    at: DateTime<Utc>,
    then: Option<AsOf>,
    row: usize,
    prompt: Option<Prompt<ChooseTime>>,
}

impl HistoryPane {
    pub fn open(incident: Incident) -> HistoryPane {
        HistoryPane { incident, at: Utc::now(), then: None, row: 0, prompt: None }
    }

    /// Look at the incident as it stood at `at` (the log scrolled to its end).
    pub fn go_to(&mut self, session: &Session, at: DateTime<Utc>) -> crate::app::Result<()> {
        let then = session.as_of(&self.incident, at)?;
        self.at = at;
        self.row = then.log.len().saturating_sub(1);
        self.then = Some(then);
        Ok(())
    }

    fn go(&mut self, cx: &mut Cx<'_>, at: DateTime<Utc>) {
        match self.go_to(cx.session, at) {
            Ok(()) => {
                let when = at.with_timezone(&Local).format("%d.%m.%Y %H:%M");
                let said = if cx.lang.is_norwegian() {
                    format!("Slik det sto {when}")
                } else {
                    format!("As it stood at {when}")
                };
                cx.post(UiEvent::Status(said));
            }
            Err(e) => cx.post(UiEvent::Error(e.to_string())),
        }
    }
}

impl Pane for HistoryPane {
    fn context(&self) -> Context {
        prompt::context(&self.prompt, Context::History)
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        if let Some((outcome, given)) = drive(&mut self.prompt, input) {
            if let Some((_, text)) = given {
                match crate::domain::time::parse_moment(&text, &Local::now()) {
                    Ok(at) => self.go(cx, at),
                    Err(e) => cx.post(UiEvent::Error(e)),
                }
            }
            return outcome;
        }
        let Input::Action(action) = input else { return Outcome::Ignored };
        let len = self.then.as_ref().map_or(0, |t| t.log.len());
        if move_selection(&mut self.row, len, action) {
            return Outcome::Consumed;
        }
        match action {
            Action::ChooseTime => {
                let now = self.at.with_timezone(&Local).format("%d.%m %H:%M").to_string();
                self.prompt = Some(Prompt::new(ChooseTime, now));
            }
            Action::EarlierTime => self.go(cx, self.at - Duration::minutes(STEP_MINUTES)),
            Action::LaterTime => self.go(cx, (self.at + Duration::minutes(STEP_MINUTES)).min(Utc::now())),
            Action::TimeNow => self.go(cx, Utc::now()),
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    /// Loaded when shown, and again only when the user moves in time: the past does not
    /// change under the user's eyes.
    fn on_show(&mut self, session: &Session) -> Result<bool, String> {
        if self.then.is_none() {
            self.go_to(session, Utc::now()).map_err(|e| e.to_string())?;
            return Ok(true);
        }
        Ok(false)
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        prompt::paste(&mut self.prompt, text)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let nb = cx.lang.is_norwegian();
        let when = self.at.with_timezone(&Local).format("%d.%m.%Y %H:%M");
        let title = vec![
            Span::styled(format!(" {} ", if nb { "Tidsreise" } else { "Time travel" }), t.heading),
            Span::styled(format!(" {} {when} ", if nb { "slik det sto" } else { "as it stood at" }), t.error),
        ];
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [body, prompt_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(u16::from(self.prompt.is_some()))])
                .areas(inner);
        if let Some(asked) = &self.prompt {
            f.render_widget(Paragraph::new(asked.line(if nb { "Tid" } else { "Time" }, t)), prompt_area);
        }
        let Some(then) = &self.then else { return };
        let [left, right] = Layout::horizontal([Constraint::Percentage(58), Constraint::Min(20)]).areas(body);
        let [board, sitrep] = Layout::vertical([Constraint::Percentage(45), Constraint::Min(3)]).areas(right);

        // The log as it was.
        let [log_head, log_rows] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(left);
        let head = format!("{} ({})", if nb { "Logg" } else { "Log" }, then.log.len());
        f.render_widget(Paragraph::new(Span::styled(head, t.heading)), log_head);
        let rows: Vec<Line<'static>> = then
            .log
            .iter()
            .map(|e| {
                let style = if e.kind == EntryKind::Decision { t.decision } else { t.base };
                let first = e.text.lines().next().unwrap_or("");
                let mark = if e.significant { "*" } else { " " };
                Line::from(vec![
                    Span::styled(format!("#{:<4}{mark}", e.seq), t.dim),
                    Span::styled(format!("{} ", e.reported_at.with_timezone(&Local).format("%H:%M")), t.time),
                    Span::styled(format!("{} ", safe_line(&e.author)), t.author),
                    Span::styled(safe_line(first).into_owned(), style),
                ])
            })
            .collect();
        f.render_widget(
            Paragraph::new(list_window(rows, self.row, log_rows.height as usize, log_rows.width, cx)),
            log_rows,
        );

        // The task board as it was: how many in each column, and the open ones.
        let mut lines = Vec::new();
        let counts: Vec<String> = crate::domain::task::STATUSES
            .iter()
            .map(|s| format!("{} {}", s.label(nb), then.tasks.iter().filter(|t| t.status == *s).count()))
            .collect();
        lines.push(Line::from(Span::styled(
            format!("{} · {}", if nb { "Oppgaver" } else { "Tasks" }, counts.join(" · ")),
            t.heading,
        )));
        for task in then.tasks.iter().filter(|t| matches!(t.status, TaskStatus::New | TaskStatus::InProgress))
        {
            let who = task.assignee.as_deref().map(|a| format!(" ({})", safe_line(a))).unwrap_or_default();
            lines.push(cut(
                Line::from(vec![
                    Span::styled(format!("{:>3} {:<7} ", task.number, task.status.label(nb)), t.dim),
                    Span::styled(format!("{}{who}", safe_line(&task.title)), t.base),
                ]),
                board.width,
            ));
        }
        lines.truncate(board.height as usize);
        f.render_widget(Paragraph::new(lines), board);

        // The sitrep the staff had in hand.
        let mut lines = vec![Line::from(Span::styled("─".repeat(sitrep.width as usize), t.border))];
        match &then.sitrep {
            Some(r) => {
                let at = r
                    .approved_at
                    .map(|a| a.with_timezone(&Local).format("%H:%M").to_string())
                    .unwrap_or_default();
                lines.push(Line::from(Span::styled(
                    format!(
                        "{} {} v{} · {} {at}",
                        if nb { "Situasjonsrapport" } else { "Situation report" },
                        r.number,
                        r.version,
                        if nb { "godkjent" } else { "approved" }
                    ),
                    t.heading,
                )));
                for l in r.text.lines() {
                    lines.push(Line::from(Span::styled(safe_line(l).into_owned(), t.base)));
                }
            }
            None => lines.push(Line::from(Span::styled(
                if nb {
                    "Ingen godkjent situasjonsrapport da."
                } else {
                    "No approved situation report then."
                },
                t.dim,
            ))),
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), sitrep);
    }
}
