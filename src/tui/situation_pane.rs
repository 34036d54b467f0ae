//! The situation at a glance (situasjonsbilde) for the crisis leader: the newest
//! decisions, overdue and unassigned tasks, media deadlines within the hour, alerts
//! still waiting for answers, the age of the latest approved sitrep, the key figures
//! and the sync state, on one screen. Each part jumps to its pane with one key (1–6).

use super::action::{does, Action, Input, Keys, AROUND};
use super::desk::PaneKind;
use super::keymap::Context;
use super::pane::{Cx, Freshness, Outcome, Pane, RenderCx, UiEvent};
use super::wall_pane::picture_age;
use crate::app::picture::Situation;
use crate::app::Session;
use crate::domain::Incident;
use crate::lang::Text;
use crate::text::safe_line;
use chrono::{Local, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use std::time::{Duration, Instant};

/// What the keys do on the situation at a glance.
pub const KEYS: Keys = Keys {
    context: Context::Situation,
    heading: Text::new("Situasjonsbilde", "Situation at a glance"),
    groups: &[
        &[
            does(Action::ShowLog, "Til loggen (beslutningene)", "To the log (the decisions)", "logg", "log"),
            does(Action::ShowTasks, "Til oppgavene", "To the tasks", "oppgaver", "tasks"),
            does(Action::ShowMedia, "Til mediehenvendelsene", "To the media queue", "medier", "media"),
            does(Action::ShowAlerts, "Til varslingene", "To the alerts", "varsling", "alerts"),
            does(
                Action::ShowSitrep,
                "Til situasjonsrapportene",
                "To the situation reports",
                "situasjon",
                "sitrep",
            ),
            does(
                Action::ShowBoards,
                "Til tavlene (nøkkeltallene)",
                "To the boards (key figures)",
                "tavler",
                "boards",
            ),
            does(
                Action::ShowMessages,
                "Til meldingene (uleste som haster)",
                "To the messages (unread urgent ones)",
                "meldinger",
                "messages",
            ),
        ],
        AROUND,
    ],
    hints: &[
        Action::ShowLog,
        Action::ShowTasks,
        Action::ShowMedia,
        Action::ShowAlerts,
        Action::ShowSitrep,
        Action::ShowBoards,
        Action::ShowMessages,
        Action::Help,
    ],
};

/// How often it reads again with nothing changed (deadlines come nearer).
const READ_EVERY: Duration = Duration::from_secs(30);

pub struct SituationPane {
    incident: Incident,
    situation: Situation,
    fresh: Freshness,
    /// When it was last read on the clock of `tick` (None until its first tick).
    read: Option<Instant>,
}

impl SituationPane {
    pub fn open(session: &Session, incident: Incident) -> crate::app::Result<SituationPane> {
        let situation = session.situation(&incident, Utc::now())?;
        let mut pane = SituationPane {
            incident,
            situation,
            fresh: Freshness::new("log_entry")
                .and("task")
                .and("media")
                .and("alert")
                .and("alert_recipient")
                .and("report")
                .and("board")
                .and("notice")
                .and("key_figure")
                .and("message")
                .and("message_read"),
            read: None,
        };
        pane.fresh.mark(session)?;
        Ok(pane)
    }

    fn load(&mut self, session: &Session) -> crate::app::Result<()> {
        self.fresh.mark(session)?;
        self.situation = session.situation(&self.incident, Utc::now())?;
        Ok(())
    }
}

/// A part of the screen: its key, heading and lines.
fn part(
    f: &mut Frame<'_>,
    area: Rect,
    key: &str,
    heading: String,
    lines: Vec<Line<'static>>,
    cx: &RenderCx<'_>,
) {
    let t = cx.theme;
    let title = Line::from(vec![
        Span::styled(format!(" {key} "), t.key),
        Span::styled(format!("{heading} "), t.heading),
    ]);
    let block = Block::default().borders(Borders::TOP).border_style(t.border).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if lines.is_empty() {
        f.render_widget(Paragraph::new(Span::styled(cx.lang.pick("Ingen.", "None."), t.dim)), inner);
    } else {
        f.render_widget(Paragraph::new(lines), inner);
    }
}

impl Pane for SituationPane {
    fn context(&self) -> Context {
        Context::Situation
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let Input::Action(action) = input else { return Outcome::Ignored };
        let kind = match action {
            Action::ShowLog => PaneKind::Log,
            Action::ShowTasks => PaneKind::Tasks,
            Action::ShowMedia => PaneKind::Media,
            Action::ShowAlerts => PaneKind::Alerts,
            Action::ShowSitrep => PaneKind::Sitrep,
            Action::ShowBoards => PaneKind::Boards,
            Action::ShowMessages => PaneKind::Messages,
            _ => return Outcome::Ignored,
        };
        cx.post(UiEvent::ShowPane(kind));
        Outcome::Consumed
    }

    /// Out of view it reads nothing on its clock.
    fn tick(&mut self, cx: &mut Cx<'_>, now: Instant, shown: bool) -> bool {
        if !shown || !super::wall_pane::due(&mut self.read, now, READ_EVERY) {
            return false;
        }
        if let Err(e) = self.load(cx.session) {
            cx.post(UiEvent::Error(e.said(cx.lang)));
        }
        true
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        if !self.fresh.stale(session)? {
            return Ok(false);
        }
        self.load(session).map_err(|e| e.said(session.lang))?;
        Ok(true)
    }

    /// Out of view it waits: what it shows is read again when it comes into view
    /// (`on_show`), not on every change (a log entry written elsewhere).
    fn refresh_hidden(&mut self, _session: &Session) -> Result<bool, String> {
        Ok(false)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let now = cx.now.with_timezone(&Utc);
        let s = &self.situation;
        let block = super::widgets::pane_block(
            vec![Span::styled(format!(" {} ", KEYS.heading.get(lang)), t.heading)],
            cx,
        );
        let inner = block.inner(area);
        f.render_widget(block, area);
        // The first line: the sitrep's age and how sync stands.
        let mut top = Vec::new();
        let sitrep = match &s.sitrep {
            Some(r) => {
                let at = r.approved_at.unwrap_or(r.created_at);
                let minutes = (now - at).num_minutes().max(0);
                let style = if minutes > 120 { t.warning } else { t.base };
                let said = crate::say!(
                    lang,
                    "Siste godkjente situasjonsrapport: {} «{}», {} min gammel",
                    "Latest approved situation report: {} «{}», {} min old",
                    r.number,
                    safe_line(&r.title),
                    minutes
                );
                Span::styled(said, style)
            }
            None => Span::styled(
                lang.pick("Ingen godkjent situasjonsrapport ennå", "No approved situation report yet"),
                t.warning,
            ),
        };
        top.push(Span::styled(" 5 ", t.key));
        top.push(sitrep);
        if let Some((said, alarm)) = picture_age(cx.sync, now, lang) {
            top.push(Span::styled(format!("   {said}"), if alarm { t.error } else { t.dim }));
        }
        let figures: Vec<Span<'static>> = s
            .picture
            .boards
            .iter()
            .flat_map(|b| &b.figures)
            .flat_map(|fig| {
                [
                    Span::styled(format!("{} ", safe_line(&fig.name)), t.dim),
                    Span::styled(fig.value.to_string(), t.heading),
                    Span::styled(
                        if fig.unit.is_empty() {
                            "   ".to_string()
                        } else {
                            format!(" {}   ", safe_line(&fig.unit))
                        },
                        t.dim,
                    ),
                ]
            })
            .collect();
        let [top_area, figures_area, urgent_area, body] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(4),
        ])
        .areas(inner);
        f.render_widget(Paragraph::new(Line::from(top)), top_area);
        let mut fig_line = vec![Span::styled(" 6 ", t.key)];
        if figures.is_empty() {
            fig_line.push(Span::styled(lang.pick("Ingen nøkkeltall", "No key figures"), t.dim));
        } else {
            fig_line.extend(figures);
        }
        f.render_widget(Paragraph::new(Line::from(fig_line)), figures_area);
        let mut urgent = vec![Span::styled(" 7 ", t.key)];
        match s.urgent.first() {
            None => urgent.push(Span::styled(
                lang.pick("Ingen uleste hastemeldinger", "No unread urgent messages"),
                t.dim,
            )),
            Some(m) => {
                let said = match s.urgent.len() {
                    1 => lang.pick("1 ulest hastemelding: ", "1 unread urgent message: "),
                    n => crate::say!(lang, "{} uleste hastemeldinger: ", "{} unread urgent messages: ", n),
                };
                urgent.push(Span::styled(said, t.error));
                urgent.push(Span::styled(format!("{}: ", safe_line(&m.author)), t.author));
                urgent.push(Span::styled(safe_line(&m.summary(120)).into_owned(), t.base));
            }
        }
        f.render_widget(Paragraph::new(Line::from(urgent)), urgent_area);

        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
        let [decided_area, tasks_area] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(left);
        let [media_area, alerts_area] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(right);
        let line = |spans: Vec<Span<'static>>| Line::from(spans);
        let decided = s
            .picture
            .decisions
            .iter()
            .map(|e| {
                line(vec![
                    Span::styled(format!("{} ", e.reported_at.with_timezone(&Local).format("%H:%M")), t.dim),
                    Span::styled(safe_line(&e.text).into_owned(), t.base),
                ])
            })
            .collect();
        part(
            f,
            decided_area,
            "1",
            Text::new("Siste beslutninger", "Newest decisions").get(lang).into(),
            decided,
            cx,
        );
        let late: Vec<_> =
            s.picture.overdue.iter().filter(|task| task.due.is_some_and(|d| d < now)).collect();
        let mut tasks: Vec<Line<'static>> = late
            .iter()
            .map(|task| {
                let late = crate::i18n::time_left(
                    crate::domain::media::Urgency::Passed(now - task.due.unwrap_or(now)),
                    lang,
                );
                line(vec![
                    Span::styled(format!("#{} ", task.number), t.dim),
                    Span::styled(safe_line(&task.title).into_owned(), t.base),
                    Span::styled(format!("  {late}"), t.error),
                ])
            })
            .collect();
        tasks.extend(s.unassigned.iter().map(|task| {
            line(vec![
                Span::styled(format!("#{} ", task.number), t.dim),
                Span::styled(safe_line(&task.title).into_owned(), t.base),
                Span::styled(format!("  {}", lang.pick("ingen ansvarlig", "no one responsible")), t.warning),
            ])
        }));
        let heading = crate::say!(
            lang,
            "Oppgaver: {} forsinket, {} uten ansvarlig",
            "Tasks: {} overdue, {} unassigned",
            late.len(),
            s.unassigned.len()
        );
        part(f, tasks_area, "2", heading, tasks, cx);
        let media = s
            .media_due
            .iter()
            .map(|m| {
                let u = m.urgency(now);
                let late = matches!(u, crate::domain::media::Urgency::Passed(_));
                line(vec![
                    Span::styled(format!("#{} ", m.number), t.dim),
                    Span::styled(format!("{}: ", safe_line(&m.outlet)), t.author),
                    Span::styled(safe_line(&m.question).into_owned(), t.base),
                    Span::styled(
                        format!("  {}", crate::i18n::time_left(u, lang)),
                        if late { t.error } else { t.warning },
                    ),
                ])
            })
            .collect();
        part(
            f,
            media_area,
            "3",
            Text::new("Mediefrister innen en time", "Media deadlines within the hour").get(lang).into(),
            media,
            cx,
        );
        let alerts = s
            .alerts
            .iter()
            .map(|(a, tally)| {
                let said = crate::say!(
                    lang,
                    "{} kommer, {} kan ikke, {} ikke svart",
                    "{} coming, {} cannot, {} not answered",
                    tally.coming,
                    tally.cannot,
                    tally.unanswered
                );
                line(vec![
                    Span::styled(format!("#{} {} ", a.number, safe_line(&a.list)), t.author),
                    Span::styled(said, Style::default().patch(t.warning)),
                ])
            })
            .collect();
        part(
            f,
            alerts_area,
            "4",
            Text::new("Varslinger som venter på svar", "Alerts waiting for answers").get(lang).into(),
            alerts,
            cx,
        );
    }
}
