//! The incident picker: list (open first), type to filter, Enter to switch, Ctrl-N
//! for a new incident, close and reopen. Shown over the log, or alone when no
//! incident is active.

use super::action::{does, Keys, DOWN, UP};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::line_edit::LineEdit;
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::widgets::{centered, hints};
use crate::domain::roles::Permission;
use crate::domain::{Incident, NewIncident, Severity};
use crate::i18n::Label;
use crate::lang::Text;
use crate::text::{fold, safe_line};
use chrono::Local;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// What the keys do in the incident picker (and the conflict list).
pub const PICKER: Keys = Keys {
    context: Context::Picker,
    heading: Text::new("Hendelsesvelger", "Incident picker"),
    groups: &[&[
        UP,
        DOWN,
        does(Action::Confirm, "Åpne den valgte", "Open the one chosen", "velg", "choose"),
        does(Action::NewIncident, "Ny hendelse", "New incident", "ny", "new"),
        does(
            Action::CloseIncident,
            "Avslutt valgt hendelse",
            "Close the selected incident",
            "avslutt hendelse",
            "close incident",
        ),
        does(
            Action::ReopenIncident,
            "Gjenåpne valgt hendelse",
            "Reopen the selected incident",
            "gjenåpne hendelse",
            "reopen incident",
        ),
        does(Action::Cancel, "Lukk", "Close", "tilbake", "back"),
    ]],
    hints: &[Action::Help, Action::Quit],
};

/// What the keys do in the new-incident form.
pub const FORM: Keys = Keys {
    context: Context::Form,
    heading: Text::new("Ny hendelse", "New incident"),
    groups: &[&[
        does(Action::Confirm, "Lagre", "Save", "lagre", "save"),
        does(Action::Cancel, "Avbryt", "Cancel", "tilbake", "back"),
        does(Action::NextField, "Neste felt", "Next field", "neste felt", "next field"),
        does(Action::PrevField, "Forrige felt", "Previous field", "forrige felt", "previous field"),
        does(Action::Left, "Forrige valg", "Previous choice", "forrige", "previous"),
        does(Action::Right, "Neste valg", "Next choice", "neste", "next"),
        does(Action::Toggle, "Slå av/på", "Toggle", "av/på", "toggle"),
    ]],
    hints: &[Action::Help, Action::Quit],
};

pub struct Picker {
    incidents: Vec<Incident>,
    query: LineEdit,
    selected: usize,
    form: Option<Form>,
    /// The incident active now, marked in the list; Esc goes back to it. With none,
    /// the picker cannot be closed.
    active: Option<uuid::Uuid>,
    /// Who is here, for the first start with nothing to choose: "kari on stab-pc".
    who: String,
    /// Why the list may be empty and what comes next.
    empty: Empty,
}

/// What an empty list means to the one looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    /// A new database: make the first incident (the form opens by itself).
    MayCreate,
    /// This role may not make incidents: they come from those who may.
    MayNotCreate,
    /// A replica signed in to a server: the organisation's incidents are on their way
    /// (a new form here would make a second incident of the same event). Whether the
    /// user may make one all the same.
    Waiting { may_create: bool },
}

struct Form {
    title: LineEdit,
    kind: usize,
    severity: u8,
    exercise: bool,
    field: usize,
}

impl Picker {
    pub fn new(incidents: Vec<Incident>, active: Option<uuid::Uuid>) -> Picker {
        Picker::starting(incidents, active, Empty::MayCreate, String::new())
    }

    /// The picker at the start, with no incident active: the form opens by itself
    /// only where a new incident is what the user can and should make.
    pub fn starting(
        incidents: Vec<Incident>,
        active: Option<uuid::Uuid>,
        empty: Empty,
        who: String,
    ) -> Picker {
        let form = (incidents.is_empty() && empty == Empty::MayCreate).then(Form::new);
        Picker { incidents, query: LineEdit::default(), selected: 0, form, active, who, empty }
    }

    fn shown(&self) -> Vec<&Incident> {
        let q = fold(self.query.text());
        self.incidents
            .iter()
            .filter(|i| q.is_empty() || fold(&i.title).contains(&q) || i.number.to_string() == q.trim())
            .collect()
    }

    /// Close or reopen the selected incident, once confirmed: it ends (or resumes)
    /// everyone's work in it, and the log records it.
    fn set_status(&mut self, cx: &mut Cx<'_>, close: bool) {
        let Some((number, title)) =
            self.shown().get(self.selected).map(|i| (i.number, safe_line(&i.title).into_owned()))
        else {
            return;
        };
        let lang = cx.lang;
        let (heading, line) = if close {
            (
                crate::say!(lang, "Avslutte hendelse #{number}?", "Close incident #{number}?"),
                lang.pick(
                    "Ingen kan skrive i den etterpå før den gjenåpnes; loggen får «Hendelsen avsluttet».",
                    "No one can write in it until it is reopened; the log gets «Hendelsen avsluttet».",
                ),
            )
        } else {
            (
                crate::say!(lang, "Gjenåpne hendelse #{number}?", "Reopen incident #{number}?"),
                lang.pick("Loggen får «Hendelsen gjenåpnet».", "The log gets «Hendelsen gjenåpnet»."),
            )
        };
        cx.confirm(Pending::new(heading, vec![format!("«{title}»"), line.to_string()], move |s| {
            let i = if close { s.close_incident(number)? } else { s.reopen_incident(number)? };
            let st = lang.strings();
            let word = if close { st.closed } else { st.open };
            Ok(format!("#{} {}: {word}", i.number, safe_line(&i.title)))
        }));
    }
}

impl Form {
    fn new() -> Form {
        Form { title: LineEdit::default(), kind: 0, severity: 2, exercise: false, field: 0 }
    }
}

impl Pane for Picker {
    fn context(&self) -> Context {
        if self.form.is_some() {
            Context::Form
        } else {
            Context::Picker
        }
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        if let Some(form) = &mut self.form {
            let types = cx.session.incident_types.len().max(1);
            match input {
                Input::Edit(key) if form.field == 0 => {
                    if !form.title.key(&key) {
                        return Outcome::Ignored;
                    }
                }
                Input::Action(Action::Toggle) if form.field == 0 => form.title.insert(" "),
                Input::Action(Action::Toggle) if form.field == 3 => form.exercise = !form.exercise,
                Input::Action(Action::NextField) => form.field = (form.field + 1) % 4,
                Input::Action(Action::PrevField) => form.field = (form.field + 3) % 4,
                Input::Action(a @ (Action::Left | Action::Right)) => {
                    let step = if a == Action::Right { 1 } else { -1i32 };
                    match form.field {
                        1 => form.kind = (form.kind as i32 + step).rem_euclid(types as i32) as usize,
                        2 => form.severity = (form.severity as i32 + step).clamp(1, 5) as u8,
                        3 => form.exercise = !form.exercise,
                        _ => return Outcome::Ignored,
                    }
                }
                Input::Action(Action::Confirm) => {
                    let new = NewIncident {
                        title: form.title.text().to_string(),
                        kind: cx.session.incident_types.get(form.kind).cloned().unwrap_or_default(),
                        severity: Severity::new(form.severity).unwrap_or(Severity::DEFAULT),
                        exercise: form.exercise,
                    };
                    match cx.session.create_incident(new) {
                        Ok(i) => {
                            let s = cx.strings();
                            cx.post(UiEvent::Status(format!(
                                "#{} {}: {}",
                                i.number,
                                safe_line(&i.title),
                                s.created
                            )));
                            cx.post(UiEvent::Activate(i));
                        }
                        Err(e) => cx.post(UiEvent::Error(e.said(cx.lang))),
                    }
                }
                // Esc always leaves the form: to the list, where Ctrl-N brings it back.
                Input::Action(Action::Cancel) => self.form = None,
                _ => return Outcome::Ignored,
            }
            return Outcome::Consumed;
        }
        let count = self.shown().len();
        match input {
            Input::Edit(key) if self.query.key(&key) => self.selected = 0,
            Input::Edit(_) => return Outcome::Ignored,
            Input::Action(Action::Up) => self.selected = self.selected.saturating_sub(1),
            Input::Action(Action::Down) => self.selected = (self.selected + 1).min(count.saturating_sub(1)),
            Input::Action(Action::Confirm) => {
                if let Some(i) = self.shown().get(self.selected) {
                    if i.is_open() {
                        cx.post(UiEvent::Activate((*i).clone()));
                    } else {
                        cx.post(UiEvent::Error(format!(
                            "#{} {}: {}",
                            i.number,
                            safe_line(&i.title),
                            cx.lang.pick("avsluttet – Ctrl-R gjenåpner", "closed – Ctrl-R reopens")
                        )));
                    }
                }
            }
            Input::Action(Action::NewIncident) => match cx.session.permit(Permission::ManageIncidents) {
                Ok(()) => self.form = Some(Form::new()),
                Err(e) => cx.post(UiEvent::Error(e.said(cx.lang))),
            },
            Input::Action(Action::CloseIncident) => self.set_status(cx, true),
            Input::Action(Action::ReopenIncident) => self.set_status(cx, false),
            Input::Action(Action::Cancel) if self.active.is_some() => cx.post(UiEvent::CloseOverlay),
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn refresh(&mut self, session: &crate::app::Session) -> Result<bool, String> {
        self.incidents = session.incidents().map_err(|e| e.said(session.lang))?;
        Ok(true)
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        match &mut self.form {
            Some(f) if f.field == 0 => f.title.insert(text),
            Some(_) => return Outcome::Ignored,
            None => self.query.insert(text),
        }
        Outcome::Consumed
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let (s, t) = (cx.strings, cx.theme);
        let popup = centered(area, 76, 20);
        super::widgets::clear_for_popup(f, popup, area);
        if let Some(form) = &self.form {
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(t.border_focus)
                .title(Span::styled(format!(" {} ", s.new_incident), t.heading));
            let inner = block.inner(popup);
            f.render_widget(block, popup);
            let kind = cx.incident_types.get(form.kind).map_or("", String::as_str);
            let sev = Severity::new(form.severity).unwrap_or(Severity::DEFAULT);
            let fields: [(&str, String); 4] = [
                (
                    s.title,
                    form.title
                        .spans(Style::default(), Style::default())
                        .iter()
                        .map(|s| s.content.as_ref())
                        .collect(),
                ),
                (s.kind, format!("◀ {} ▶", kind)),
                (s.severity, format!("◀ {} {} ▶", sev.level(), sev.label().get(cx.lang))),
                (
                    s.exercise_field,
                    format!(
                        "[{}] {}",
                        if form.exercise { "x" } else { " " },
                        if form.exercise { s.yes } else { s.no }
                    ),
                ),
            ];
            let mut lines = vec![Line::raw("")];
            for (i, (label, value)) in fields.iter().enumerate() {
                let style = if i == form.field { t.selected } else { t.base };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {label:<18}"), t.heading),
                    Span::styled(value.clone(), style),
                ]));
                lines.push(Line::raw(""));
            }
            lines.push(Line::from(hints(
                cx,
                Context::Form,
                &[Action::Confirm, Action::NextField, Action::Left, Action::Right, Action::Cancel],
                inner.width as usize,
            )));
            if !self.who.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::from(Span::styled(format!(" {}", self.who), t.dim)));
            }
            let wrap = ratatui::widgets::Wrap { trim: false };
            f.render_widget(Paragraph::new(lines).wrap(wrap), inner);
            return;
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(format!(" {} ", s.choose_incident), t.heading));
        let inner = block.inner(popup);
        f.render_widget(block, popup);
        let [query_area, list_area, hint_area] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(inner);
        f.render_widget(
            Paragraph::new(Line::from(
                std::iter::once(Span::styled(format!("{}: ", s.filter), t.heading))
                    .chain(self.query.spans(t.base, t.base))
                    .collect::<Vec<_>>(),
            )),
            query_area,
        );
        let shown = self.shown();
        let mut lines = Vec::new();
        if shown.is_empty() && !self.incidents.is_empty() {
            lines.push(Line::from(Span::styled(s.no_incidents, t.dim)));
        } else if shown.is_empty() {
            let why = match self.empty {
                Empty::MayCreate => s.no_incidents_yet,
                Empty::MayNotCreate => s.incidents_come_from_others,
                Empty::Waiting { .. } => s.waiting_for_incidents,
            };
            let wrap = ratatui::widgets::Wrap { trim: true };
            let mut text = vec![Line::from(Span::styled(why, t.base)), Line::raw("")];
            if self.empty == (Empty::Waiting { may_create: true }) {
                text.push(Line::from(Span::styled(s.new_only_if_new, t.dim)));
            }
            if !self.who.is_empty() {
                text.push(Line::from(Span::styled(self.who.clone(), t.dim)));
            }
            f.render_widget(Paragraph::new(text).wrap(wrap), list_area);
        }
        let height = list_area.height as usize;
        let first = self.selected.saturating_sub(height.saturating_sub(1));
        for (i, inc) in shown.iter().enumerate().skip(first).take(height) {
            let status = if inc.is_open() { s.open } else { s.closed };
            let mut spans = vec![
                Span::styled(if Some(inc.id) == self.active { "● " } else { "  " }, t.key),
                Span::styled(format!("{:>3} ", inc.number), t.dim),
                Span::styled(format!("{:<10}", status), if inc.is_open() { t.base } else { t.dim }),
                Span::styled(
                    inc.created_at.with_timezone(&Local).format("%d.%m %H:%M  ").to_string(),
                    t.time,
                ),
                Span::styled(safe_line(&inc.title).into_owned(), t.base),
                Span::styled(format!("  {} · {}", safe_line(&inc.kind), inc.severity.level()), t.dim),
            ];
            if inc.exercise {
                spans.push(Span::styled(format!(" {} ", s.exercise), t.exercise));
            }
            let mut line = Line::from(spans);
            if i == self.selected {
                for span in &mut line.spans {
                    span.style = span.style.patch(t.selected);
                }
            }
            lines.push(line);
        }
        f.render_widget(Paragraph::new(lines), list_area);
        // Of closing and reopening, the one the selected incident allows.
        let open =
            self.shown().get(self.selected).is_none_or(|i| i.status == crate::domain::IncidentStatus::Open);
        let status = if open { Action::CloseIncident } else { Action::ReopenIncident };
        let hint = hints(
            cx,
            Context::Picker,
            &[Action::Confirm, Action::Cancel, Action::NewIncident, status],
            hint_area.width as usize,
        );
        f.render_widget(Paragraph::new(Line::from(hint)), hint_area);
    }
}
