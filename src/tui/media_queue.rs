//! The media queue (mediehåndtering): inquiries by deadline with the time left, the
//! approaching and the passed ones standing out, the selected one in full below.
//! New inquiries, assignments and answers through a one-line prompt.

use super::action::{does, Keys, AROUND, LIST};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::list::{status_for, List};
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::wrap::wrap;
use crate::app::Session;
use crate::domain::media::{MediaInquiry, MediaStatus, NewInquiry, Urgency, MEDIA_STATUSES};
use crate::domain::roles::Permission;
use crate::domain::{Incident, LogEntry};
use crate::i18n::time_left;
use crate::i18n::Label;
use crate::lang::Text;
use crate::text::{safe, safe_line};
use chrono::{Local, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// What the keys do in the media queue.
pub const KEYS: Keys = Keys {
    context: Context::Media,
    heading: Text::new("Mediehenvendelser", "Media"),
    groups: &[
        LIST,
        &[
            does(Action::MoveRight, "Neste status", "Next status", "flytt →", "move →"),
            does(Action::MoveLeft, "Forrige status", "Previous status", "flytt ←", "move ←"),
            does(Action::StatusNew, "Status: ny", "Status: new", "ny", "new"),
            does(
                Action::StatusStarted,
                "Status: under arbeid",
                "Status: in progress",
                "under arbeid",
                "in progress",
            ),
            does(Action::StatusDone, "Status: besvart", "Status: answered", "besvart", "answered"),
            does(Action::StatusCancelled, "Status: avsluttet", "Status: closed", "avsluttet", "closed"),
            does(Action::NewTask, "Ny mediehenvendelse", "New media inquiry", "ny", "new"),
            does(
                Action::AssignTask,
                "Gi henvendelsen en ansvarlig",
                "Make someone responsible for the inquiry",
                "tildel",
                "assign",
            ),
            does(Action::AnswerInquiry, "Skriv svaret", "Write the answer", "svar", "answer"),
        ],
        AROUND,
    ],
    hints: &[
        Action::AnswerInquiry,
        Action::MoveRight,
        Action::NewTask,
        Action::AssignTask,
        Action::NextPane,
        Action::Help,
    ],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    New,
    Responsible,
    Answer,
}

pub struct MediaQueue {
    incident: Incident,
    /// In queue order: open ones by deadline, then the rest, newest first.
    list: List<MediaInquiry, Asking>,
    can_write: bool,
}

/// The incident's inquiries in queue order.
fn load(session: &Session, incident: &Incident) -> crate::app::Result<Vec<MediaInquiry>> {
    let mut inquiries = session.inquiries(incident)?;
    queue_order(&mut inquiries);
    Ok(inquiries)
}

fn queue_order(list: &mut [MediaInquiry]) {
    list.sort_by_key(|m| {
        let open = m.status.is_open();
        (
            !open,
            open && m.deadline.is_none(),
            if open { m.deadline } else { None },
            std::cmp::Reverse(m.updated_at),
            m.number,
        )
    });
}

impl MediaQueue {
    pub fn open(session: &Session, incident: Incident) -> crate::app::Result<MediaQueue> {
        let mut pane = MediaQueue {
            incident,
            list: List::new("media", |a, b| a.id == b.id),
            can_write: session.may(Permission::WorkMedia)?,
        };
        pane.reload(session)?;
        Ok(pane)
    }

    pub fn inquiries(&self) -> &[MediaInquiry] {
        &self.list.items
    }

    fn reload(&mut self, session: &Session) -> crate::app::Result<()> {
        self.list.reload(session, |s| load(s, &self.incident))
    }

    fn selected(&self) -> Option<&MediaInquiry> {
        self.list.selected()
    }

    /// Ask before a change: what it will be (`title`, `line`), then `f` once confirmed.
    fn run(
        &mut self,
        cx: &mut Cx<'_>,
        title: Text,
        line: String,
        f: impl FnOnce(&mut Session, &Incident) -> crate::app::Result<(MediaInquiry, LogEntry)> + 'static,
    ) {
        let (lang, incident) = (cx.lang, self.incident.clone());
        cx.confirm(Pending::new(title.get(lang), vec![line], move |s| {
            f(s, &incident).map(|(m, _)| {
                let word = Text::new("Mediehenvendelse", "Media inquiry").get(lang);
                format!("{word} {}: {}", m.number, m.status.label().get(lang))
            })
        }));
    }

    /// `Mediehenvendelse 3 (NRK Vestfold)`.
    fn named(&self, lang: crate::i18n::Lang) -> String {
        let Some(m) = self.selected() else { return String::new() };
        format!("{} {} ({})", Text::new("Mediehenvendelse", "Media inquiry").get(lang), m.number, m.outlet)
    }

    fn set_status(&mut self, cx: &mut Cx<'_>, to: MediaStatus) {
        let Some((n, from)) = self.selected().map(|m| (m.number, m.status)) else { return };
        let lang = cx.lang;
        let line = format!("{}: {} → {}", self.named(lang), from.label().get(lang), to.label().get(lang));
        let title = Text::new("Endre status", "Change the status");
        self.run(cx, title, line, move |s, i| s.set_inquiry_status(i, n, to));
    }

    fn answer(&mut self, cx: &mut Cx<'_>, asking: Asking, text: String) {
        let selected = self.selected().map(|m| m.number);
        match (asking, selected) {
            (Asking::New, _) => {
                // "NRK Vestfold: Hvor mange evakueres?" — the outlet, then the question.
                let Some((outlet, question)) = text.split_once(':') else {
                    cx.post(UiEvent::Error(cx.lang.pick(
                        "skriv «medium: spørsmål», for eksempel «NRK Vestfold: Hvor mange evakueres?»",
                        "write «outlet: question», e.g. «NRK Vestfold: How many are evacuated?»",
                    )));
                    return;
                };
                let line = format!("{}: {}", outlet.trim(), question.trim());
                let new =
                    NewInquiry { outlet: outlet.into(), question: question.into(), ..NewInquiry::default() };
                let title = Text::new("Ny mediehenvendelse", "New media inquiry");
                self.run(cx, title, line, move |s, i| s.add_inquiry(i, new));
            }
            (Asking::Responsible, Some(n)) => {
                let who = Some(text).filter(|t| !t.trim().is_empty());
                let line = format!(
                    "{}: {} {}",
                    self.named(cx.lang),
                    cx.lang.pick("ansvarlig", "responsible"),
                    who.as_deref().unwrap_or("–")
                );
                let title = Text::new("Ansvarlig", "Responsible");
                self.run(cx, title, line, move |s, i| s.assign_inquiry(i, n, who));
            }
            (Asking::Answer, Some(n)) => {
                let line = format!("{}: «{text}»", self.named(cx.lang));
                let title = Text::new("Svar", "Answer");
                self.run(cx, title, line, move |s, i| s.answer_inquiry(i, n, &text))
            }
            _ => {}
        }
    }
}

impl Pane for MediaQueue {
    fn context(&self) -> Context {
        self.list.context(Context::Media)
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let action = match self.list.handle(input).action(|asking, text| self.answer(cx, asking, text)) {
            Ok(action) => action,
            Err(outcome) => return outcome,
        };
        if action.changes_records() && cx.refused(self.can_write, Permission::WorkMedia) {
            return Outcome::Consumed;
        }
        match action {
            Action::NewTask => self.list.ask(Asking::New, ""),
            Action::AssignTask => {
                let current = self.selected().and_then(|m| m.responsible.clone());
                if self.selected().is_some() {
                    self.list.offer(Asking::Responsible, current.unwrap_or_default());
                }
            }
            Action::AnswerInquiry => {
                if let Some(answer) = self.selected().map(|m| m.answer.clone()) {
                    self.list.ask(Asking::Answer, answer);
                }
            }
            Action::MoveRight
            | Action::MoveLeft
            | Action::StatusNew
            | Action::StatusStarted
            | Action::StatusDone
            | Action::StatusCancelled => {
                if let Some(to) = self.selected().and_then(|m| status_for(&MEDIA_STATUSES, m.status, action))
                {
                    self.set_status(cx, to);
                }
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        self.list.refresh(session, |s| load(s, &self.incident))
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        self.list.paste(text)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let (s, t) = (cx.strings, cx.theme);
        let lang = cx.lang;
        let now = cx.now.with_timezone(&Utc);
        let open = self.list.items.iter().filter(|m| m.status.is_open()).count();
        let late = self.list.items.iter().filter(|m| matches!(m.urgency(now), Urgency::Passed(_))).count();
        let word = if open == 1 { s.open_one } else { s.open_tasks };
        let mut title = vec![Span::styled(format!(" {} · {open} {word} ", s.media), t.heading)];
        if late > 0 {
            title.push(Span::styled(format!(" {late} {} ", s.past_deadline), t.error));
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if cx.focused { t.border_focus } else { t.border })
            .title(Line::from(title));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let detail_h = if inner.height >= 12 { 5 } else { 0 };
        let [list, detail, prompt] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(detail_h),
            Constraint::Length(u16::from(self.list.prompt.is_some())),
        ])
        .areas(inner);
        if self.list.items.is_empty() {
            f.render_widget(
                Paragraph::new(Span::styled(s.no_media, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                list,
            );
        } else {
            let height = list.height as usize;
            let first = self.list.row.saturating_sub(height.saturating_sub(1));
            let lines: Vec<Line> = self
                .list
                .items
                .iter()
                .enumerate()
                .skip(first)
                .take(height)
                .map(|(r, m)| row(m, now, list.width, cx.focused && r == self.list.row, cx))
                .collect();
            f.render_widget(Paragraph::new(lines), list);
        }
        if detail_h > 0 {
            if let Some(m) = self.selected() {
                let mut segs = vec![
                    (format!("{}: ", Text::new("Spørsmål", "Question").get(lang)), t.heading),
                    (safe(&m.question).into_owned(), t.base),
                ];
                if !m.contact.is_empty() {
                    segs.push((format!("  {}: ", Text::new("Kontakt", "Contact").get(lang)), t.heading));
                    segs.push((safe_line(&m.contact).into_owned(), t.base));
                }
                if !m.answer.is_empty() {
                    segs.push((format!("\n{}: ", Text::new("Svar", "Answer").get(lang)), t.heading));
                    segs.push((safe(&m.answer).into_owned(), t.base));
                }
                let mut lines = vec![Line::from(Span::styled("─".repeat(detail.width as usize), t.border))];
                lines.extend(wrap(&segs, detail.width as usize));
                lines.truncate(detail.height as usize);
                f.render_widget(Paragraph::new(lines), detail);
            }
        }
        if let Some(asked) = &self.list.prompt {
            let label = match asked.asking {
                Asking::New => s.new_media,
                Asking::Responsible => s.assign_to,
                Asking::Answer => s.answer,
            };
            f.render_widget(Paragraph::new(asked.line(label, t, prompt.width)), prompt);
        }
    }
}

/// `#2 ny  NRK Vestfold (Kari Hansen) · Hvor mange evakueres? · liv · om 25 min`
fn row(
    m: &MediaInquiry,
    now: chrono::DateTime<Utc>,
    width: u16,
    selected: bool,
    cx: &RenderCx<'_>,
) -> Line<'static> {
    let (t, lang) = (cx.theme, cx.lang);
    let urgency = m.urgency(now);
    let (left_style, base) = match urgency {
        Urgency::Passed(_) => (t.error, t.error),
        Urgency::Approaching(_) => (t.warning, t.base),
        _ => (t.time, t.base),
    };
    let status_w = if width < 60 { 8 } else { 13 };
    let status: String = m.status.label().get(lang).chars().take(status_w - 1).collect();
    let mut spans = vec![
        Span::styled(format!("#{:<3}", m.number), t.dim),
        Span::styled(format!("{status:<status_w$}"), t.dim),
        Span::styled(format!("{}{}", if m.outgoing { "→ " } else { "" }, safe_line(&m.outlet)), base),
    ];
    if !m.journalist.is_empty() {
        spans.push(Span::styled(format!(" ({})", safe_line(&m.journalist)), t.author));
    }
    spans.push(Span::styled(format!(" · {}", safe_line(&m.question)), base));
    if let Some(r) = &m.responsible {
        spans.push(Span::styled(format!(" · {}", safe_line(r)), t.author));
    }
    if let Some(d) = m.deadline {
        let left = time_left(urgency, lang);
        let at = d.with_timezone(&Local).format("%H:%M");
        let text = if left.is_empty() { format!(" · {at}") } else { format!(" · {at} ({left})") };
        spans.push(Span::styled(text, left_style));
    }
    let mut line = super::widgets::cut(Line::from(spans), width);
    if selected {
        for span in &mut line.spans {
            span.style = span.style.patch(t.selected);
        }
    }
    line
}
