//! EPS: evacuees, affected persons and inquiries from next of kin. Shown only to roles
//! that may see them (EPS, kriseledelse, administrator); others see that the pane is
//! closed to them, never a name. `n` registers an evacuee («navn, sted»); 1–4 move the
//! chosen registration: registrert, under oppfølging, ivaretatt, avsluttet.

use super::action::{does, Keys, AROUND, LIST};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::list::{Handled, List};
use super::pane::{Cx, Outcome, Pane, RenderCx};
use super::widgets::{list_window, pane_block};
use crate::app::Session;
use crate::domain::eps::{EpsKind, EpsStatus, NewRegistration, Registration};
use crate::domain::roles::Permission;
use crate::domain::Incident;
use crate::i18n::Label;
use crate::lang::Text;
use crate::text::safe_line;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// What the keys do in the EPS pane.
pub const KEYS: Keys = Keys {
    context: Context::Eps,
    heading: Text::new("EPS", "EPS"),
    groups: &[
        LIST,
        &[
            does(
                Action::NewRegistration,
                "Registrer en evakuert («navn, sted»)",
                "Register an evacuee («name, place»)",
                "registrer",
                "register",
            ),
            does(
                Action::EpsRegistered,
                "EPS-status: registrert",
                "EPS status: registered",
                "registrert",
                "registered",
            ),
            does(
                Action::EpsFollowingUp,
                "EPS-status: under oppfølging",
                "EPS status: following up",
                "oppfølging",
                "following up",
            ),
            does(
                Action::EpsCaredFor,
                "EPS-status: ivaretatt",
                "EPS status: cared for",
                "ivaretatt",
                "cared for",
            ),
            does(Action::EpsClosed, "EPS-status: avsluttet", "EPS status: closed", "avsluttet", "closed"),
        ],
        AROUND,
    ],
    hints: &[
        Action::NewRegistration,
        Action::EpsRegistered,
        Action::EpsFollowingUp,
        Action::EpsCaredFor,
        Action::EpsClosed,
        Action::NextPane,
    ],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NewEvacuee;

pub struct EpsPane {
    incident: Incident,
    list: List<Registration, NewEvacuee>,
    /// Whether this user may see EPS data at all (if not, the list stays empty).
    may_see: bool,
}

/// The incident's registrations, for one who may see them (asked afresh each time:
/// roles change); none for anyone else.
fn load(session: &Session, incident: &Incident, may_see: &mut bool) -> crate::app::Result<Vec<Registration>> {
    *may_see = session.may(Permission::SeeEps)?;
    if *may_see {
        session.eps_registrations(incident)
    } else {
        Ok(Vec::new())
    }
}

impl EpsPane {
    pub fn open(session: &Session, incident: Incident) -> crate::app::Result<EpsPane> {
        let mut pane = EpsPane {
            incident,
            list: List::new("eps", |a, b| a.id == b.id),
            may_see: session.may(Permission::SeeEps)?,
        };
        pane.reload(session)?;
        Ok(pane)
    }

    fn reload(&mut self, session: &Session) -> crate::app::Result<()> {
        self.list.reload(session, |s| load(s, &self.incident, &mut self.may_see))
    }

    /// Ask before a change: what it will be (`title`, `line`), then `f` once confirmed.
    fn run(
        &mut self,
        cx: &mut Cx<'_>,
        title: Text,
        line: String,
        f: impl FnOnce(&mut Session, &Incident) -> crate::app::Result<(Registration, crate::domain::LogEntry)>
            + 'static,
    ) {
        let incident = self.incident.clone();
        cx.confirm(Pending::new(title.get(cx.lang), vec![line], move |s| {
            f(s, &incident).map(|(_, e)| e.text)
        }));
    }
}

impl Pane for EpsPane {
    fn context(&self) -> Context {
        self.list.context(Context::Eps)
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let action = match self.list.handle(input) {
            Handled::Done(outcome) => return outcome,
            Handled::Answered(_, text) => {
                let (name, location) = text.split_once(',').unwrap_or((&text, ""));
                let new = NewRegistration {
                    kind: EpsKind::Evacuated,
                    name: name.into(),
                    born: String::new(),
                    phone: String::new(),
                    location: location.into(),
                    about: String::new(),
                    status: EpsStatus::Registered,
                    notes: String::new(),
                };
                let line = format!("{} {}", name.trim(), location.trim());
                let title = Text::new("Registrer evakuert", "Register an evacuee");
                self.run(cx, title, line, move |s, i| s.add_eps_registration(i, new));
                return Outcome::Consumed;
            }
            Handled::Action(action) => action,
        };
        if !self.may_see {
            if action.changes_records() {
                let _ = cx.refused(false, Permission::SeeEps);
                return Outcome::Consumed;
            }
            return Outcome::Ignored;
        }
        let to = match action {
            Action::NewRegistration => {
                self.list.ask(NewEvacuee, "");
                return Outcome::Consumed;
            }
            Action::EpsRegistered => EpsStatus::Registered,
            Action::EpsFollowingUp => EpsStatus::FollowingUp,
            Action::EpsCaredFor => EpsStatus::CaredFor,
            Action::EpsClosed => EpsStatus::Closed,
            _ => return Outcome::Ignored,
        };
        if let Some(r) = self.list.selected() {
            let (n, lang) = (r.number, cx.lang);
            let line = format!(
                "{} {n} ({}): {} → {}",
                lang.pick("Registrering", "Registration"),
                r.name,
                r.status.label().get(lang),
                to.label().get(lang)
            );
            self.run(cx, Text::new("Endre status", "Change the status"), line, move |s, i| {
                s.set_eps_status(i, n, to)
            });
        }
        Outcome::Consumed
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        self.list.refresh(session, |s| load(s, &self.incident, &mut self.may_see))
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        self.list.paste(text)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let list = &self.list.items;
        if !self.may_see {
            let block = pane_block(vec![Span::styled(" EPS ", t.heading)], cx);
            let inner = block.inner(area);
            f.render_widget(block, area);
            let closed = Text::new("EPS-registreringer er sensitive personopplysninger: bare EPS, kriseledelse og administrator ser dem.", "EPS registrations are sensitive personal data: only EPS, crisis management and administrators see them.").get(lang);
            f.render_widget(
                Paragraph::new(Span::styled(closed, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                inner,
            );
            return;
        }
        let missing = list.iter().filter(|r| r.status == EpsStatus::Missing).count();
        let mut title = vec![Span::styled(format!(" EPS · {} ", list.len()), t.heading)];
        if missing > 0 {
            title.push(Span::styled(
                format!(" {missing} {} ", Text::new("savnet", "missing").get(lang)),
                t.error,
            ));
        }
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [rows_area, prompt_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(u16::from(self.list.prompt.is_some()))])
                .areas(inner);
        let rows: Vec<Line<'static>> = list
            .iter()
            .map(|r| {
                let style = if r.status == EpsStatus::Missing { t.error } else { t.base };
                let mut spans = vec![
                    Span::styled(format!("{:>3} {:<11} ", r.number, r.kind.label().get(cx.lang)), t.dim),
                    Span::styled(format!("{:<16} ", r.status.label().get(cx.lang)), style),
                    Span::styled(safe_line(&r.name).into_owned(), t.base),
                ];
                if !r.about.is_empty() {
                    spans.push(Span::styled(format!(" → {}", safe_line(&r.about)), t.author));
                }
                if !r.location.is_empty() {
                    spans.push(Span::styled(format!(" @ {}", safe_line(&r.location)), t.dim));
                }
                Line::from(spans)
            })
            .collect();
        if rows.is_empty() {
            let none = Text::new(
                "Ingen registreringer. n registrerer en evakuert («navn, sted»).",
                "No registrations. n registers an evacuee («name, place»).",
            )
            .get(lang);
            f.render_widget(
                Paragraph::new(Span::styled(none, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                rows_area,
            );
        } else {
            f.render_widget(Paragraph::new(list_window(rows, self.list.row, rows_area, cx)), rows_area);
        }
        if let Some(asked) = &self.list.prompt {
            f.render_widget(
                Paragraph::new(asked.line(
                    Text::new("Navn, sted", "Name, place").get(lang),
                    t,
                    prompt_area.width,
                )),
                prompt_area,
            );
        }
    }
}
