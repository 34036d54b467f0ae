//! Time travel (tidsreise): the log, the task board and the latest approved sitrep as
//! they stood at a chosen time, rebuilt from the stored history (`Store::as_of`), so
//! that afterwards anyone can see what the staff knew when they decided. `t` asks for
//! a time (14:30, 24.11 14:30, 2026-11-24 14:30); `[` and `]` step a quarter of an
//! hour back and forth; `n` returns to now.

use super::action::{does, Keys, AROUND, LIST};
use super::action::{Action, Input};
use super::keymap::Context;
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::prompt::{self, drive, Prompt};
use super::widgets::{cut, list_window_of, move_selection, pane_block};
use crate::app::Session;
use crate::domain::task::TaskStatus;
use crate::domain::{EntryKind, Incident};
use crate::i18n::Label;
use crate::lang::Text;
use crate::store::AsOf;
use crate::text::safe_line;
use chrono::{DateTime, Duration, Local, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// What the keys do in time travel.
pub const KEYS: Keys = Keys {
    context: Context::History,
    heading: Text::new("Tidsreise", "Time travel"),
    groups: &[
        LIST,
        &[
            does(
                Action::ChooseTime,
                "Velg tidspunkt: se loggen, oppgavene og situasjonsrapporten slik de sto da",
                "Choose a time: see the log, tasks and sitrep as they stood then",
                "tidspunkt",
                "time",
            ),
            does(
                Action::EarlierTime,
                "Et kvarter tidligere",
                "A quarter of an hour earlier",
                "tidligere",
                "earlier",
            ),
            does(Action::LaterTime, "Et kvarter senere", "A quarter of an hour later", "senere", "later"),
            does(Action::TimeNow, "Tilbake til nå", "Back to now", "nå", "now"),
        ],
        AROUND,
    ],
    hints: &[Action::ChooseTime, Action::EarlierTime, Action::LaterTime, Action::TimeNow, Action::Help],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChooseTime;

const STEP_MINUTES: i64 = 15;

pub struct HistoryPane {
    incident: Incident,
    /// The moment looked at; None: now (the view follows the present until a time is
    /// chosen).
    at: Option<DateTime<Utc>>,
    then: Option<AsOf>,
    row: usize,
    prompt: Option<Prompt<ChooseTime>>,
    /// The oplog's newest row when the view was built: following the present, it is
    /// built again only when that has moved.
    built_at_mark: i64,
}

impl HistoryPane {
    pub fn open(incident: Incident) -> HistoryPane {
        HistoryPane { incident, at: None, then: None, row: 0, prompt: None, built_at_mark: -1 }
    }

    /// Look at the incident as it stood at `at`, or now (the log scrolled to its end).
    pub fn go_to(&mut self, session: &Session, at: Option<DateTime<Utc>>) -> crate::app::Result<()> {
        let mark = session.store.oplog_mark()?;
        let then = session.as_of(&self.incident, at.unwrap_or_else(Utc::now))?;
        self.at = at;
        self.built_at_mark = mark;
        self.row = then.log.len().saturating_sub(1);
        self.then = Some(then);
        Ok(())
    }

    fn go(&mut self, cx: &mut Cx<'_>, at: Option<DateTime<Utc>>) {
        match self.go_to(cx.session, at) {
            Ok(()) => {
                let lang = cx.lang;
                let said = match at {
                    Some(at) => {
                        let when = at.with_timezone(&Local).format("%d.%m.%Y %H:%M");
                        crate::say!(lang, "Slik det sto {when}", "As it stood at {when}")
                    }
                    None => Text::new("Slik det står nå", "As it stands now").get(lang).to_string(),
                };
                cx.post(UiEvent::Status(said));
            }
            Err(e) => cx.post(UiEvent::Error(e.said(cx.lang))),
        }
    }
}

impl HistoryPane {
    /// Following the present, has anything changed since the view was built? One
    /// lookup of the oplog's newest row.
    fn present_moved(&self, session: &Session) -> Result<bool, String> {
        if self.at.is_some() {
            return Ok(false);
        }
        Ok(session.store.oplog_mark().map_err(|e| e.to_string())? != self.built_at_mark)
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
                    Ok(at) => self.go(cx, Some(at)),
                    Err(e) => {
                        let typed = crate::text::safe_line(text.trim());
                        cx.post(UiEvent::Error(cx.lang.pick(
                            format!("«{typed}» er ikke et tidspunkt: skriv 14:30, 24.11 14:30 eller 2026-11-24 14:30"),
                            e,
                        )))
                    }
                }
            }
            return outcome;
        }
        let len = self.then.as_ref().map_or(0, |t| t.log.len());
        let action = match super::widgets::pick_or_action(input, &mut self.row, len) {
            Ok(action) => action,
            Err(outcome) => return outcome,
        };
        if move_selection(&mut self.row, len, action) {
            return Outcome::Consumed;
        }
        match action {
            Action::ChooseTime => {
                let shown = self.at.unwrap_or_else(Utc::now).with_timezone(&Local).format("%d.%m %H:%M");
                self.prompt = Some(Prompt::offering(ChooseTime, shown.to_string()));
            }
            Action::EarlierTime => {
                let at = self.at.unwrap_or_else(Utc::now) - Duration::minutes(STEP_MINUTES);
                self.go(cx, Some(at));
            }
            Action::LaterTime => {
                // Past the present is the present.
                let later = self.at.map(|a| a + Duration::minutes(STEP_MINUTES)).filter(|a| *a < Utc::now());
                self.go(cx, later);
            }
            Action::TimeNow => self.go(cx, None),
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    /// Loaded when first shown, and again if the present moved on while out of view.
    fn on_show(&mut self, session: &Session) -> Result<bool, String> {
        if self.then.is_none() || self.present_moved(session)? {
            self.go_to(session, self.at).map_err(|e| e.said(session.lang))?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Following the present, it reloads when data changes; a moment in the past does
    /// not change under the user's eyes.
    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        if self.then.is_none() || !self.present_moved(session)? {
            return Ok(false);
        }
        self.go_to(session, None).map_err(|e| e.said(session.lang))?;
        Ok(true)
    }

    /// Rebuilding the incident as of a moment reads its whole history: out of view, it
    /// waits until it is shown again.
    fn refresh_hidden(&mut self, _session: &Session) -> Result<bool, String> {
        Ok(false)
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        prompt::paste(&mut self.prompt, text)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let when = match self.at {
            Some(at) => {
                let when = at.with_timezone(&Local).format("%d.%m.%Y %H:%M");
                Span::styled(
                    format!(" {} {when} ", Text::new("slik det sto", "as it stood at").get(lang)),
                    t.error,
                )
            }
            None => Span::styled(
                format!(" {} ", Text::new("nå – t velger et tidspunkt", "now – t chooses a time").get(lang)),
                t.dim,
            ),
        };
        let title = vec![
            Span::styled(format!(" {} ", Text::new("Tidsreise", "Time travel").get(lang)), t.heading),
            when,
        ];
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [body, prompt_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(u16::from(self.prompt.is_some()))])
                .areas(inner);
        if let Some(asked) = &self.prompt {
            f.render_widget(
                Paragraph::new(asked.line(Text::new("Tid", "Time").get(lang), t, prompt_area.width)),
                prompt_area,
            );
        }
        let Some(then) = &self.then else { return };
        let [left, right] = Layout::horizontal([Constraint::Percentage(58), Constraint::Min(20)]).areas(body);
        let [board, sitrep] = Layout::vertical([Constraint::Percentage(45), Constraint::Min(3)]).areas(right);

        // The log as it was.
        let [log_head, log_rows] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(left);
        let head = format!("{} ({})", Text::new("Logg", "Log").get(lang), then.log.len());
        f.render_widget(Paragraph::new(Span::styled(head, t.heading)), log_head);
        let entry_line = |e: &crate::domain::LogEntry| {
            let style = if e.kind == EntryKind::Decision { t.decision } else { t.base };
            let first = e.text.lines().next().unwrap_or("");
            let mark = if e.significant { "*" } else { " " };
            Line::from(vec![
                Span::styled(format!("#{:<4}{mark}", e.seq), t.dim),
                Span::styled(format!("{} ", e.reported_at.with_timezone(&Local).format("%H:%M")), t.time),
                Span::styled(format!("{} ", safe_line(&e.author)), t.author),
                Span::styled(safe_line(first).into_owned(), style),
            ])
        };
        f.render_widget(
            Paragraph::new(list_window_of(&then.log, self.row, log_rows, cx, entry_line)),
            log_rows,
        );

        // The task board as it was: how many in each column, and the open ones.
        let mut lines = Vec::new();
        let counts: Vec<String> = crate::domain::task::STATUSES
            .iter()
            .map(|s| {
                format!("{} {}", s.label().get(lang), then.tasks.iter().filter(|t| t.status == *s).count())
            })
            .collect();
        lines.push(Line::from(Span::styled(
            format!("{} · {}", Text::new("Oppgaver", "Tasks").get(lang), counts.join(" · ")),
            t.heading,
        )));
        let label_w = crate::domain::task::STATUSES
            .iter()
            .map(|s| s.label().get(lang).chars().count())
            .max()
            .unwrap_or(7);
        for task in then.tasks.iter().filter(|t| matches!(t.status, TaskStatus::New | TaskStatus::InProgress))
        {
            let who = task.assignee.as_deref().map(|a| format!(" ({})", safe_line(a))).unwrap_or_default();
            lines.push(cut(
                Line::from(vec![
                    Span::styled(
                        format!("{:>3} {:<label_w$} ", task.number, task.status.label().get(lang)),
                        t.dim,
                    ),
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
                        Text::new("Situasjonsrapport", "Situation report").get(lang),
                        r.number,
                        r.version,
                        Text::new("godkjent", "approved").get(lang)
                    ),
                    t.heading,
                )));
                for l in r.text.lines() {
                    lines.push(Line::from(Span::styled(safe_line(l).into_owned(), t.base)));
                }
            }
            None => lines.push(Line::from(Span::styled(
                match self.at {
                    Some(_) => Text::new(
                        "Ingen godkjent situasjonsrapport da.",
                        "No approved situation report then.",
                    ),
                    None => Text::new(
                        "Ingen godkjent situasjonsrapport ennå.",
                        "No approved situation report yet.",
                    ),
                }
                .get(lang),
                t.dim,
            ))),
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), sitrep);
    }
}
