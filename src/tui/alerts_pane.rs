//! Alerts (varsling): the incident's alerts with a live tally of answers, the chosen
//! alert's recipients below, and, when an alert has reached this user, a banner they
//! answer with one key (1 mottatt, 2 kommer, 3 kan ikke). `n` sends a new alert:
//! «liste: melding».

use super::action::{does, Keys, AROUND, LIST};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::list::List;
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::widgets::{cut, list_window, pane_block};
use crate::app::Session;
use crate::domain::alert::{Ack, Alert, Delivery};
use crate::domain::roles::Permission;
use crate::domain::Incident;
use crate::i18n::Label;
use crate::lang::Text;
use crate::store::Waiting;
use crate::text::safe_line;
use chrono::Local;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// What the keys do in the alerts pane.
pub const KEYS: Keys = Keys {
    context: Context::Alerts,
    heading: Text::new("Varsling", "Alerts"),
    groups: &[
        LIST,
        &[
            does(
                Action::SendAlert,
                "Send varsling etter en liste",
                "Send an alert to a list",
                "varsle",
                "alert",
            ),
            does(
                Action::AckReceived,
                "Svar på varslingen: mottatt",
                "Answer the alert: received",
                "mottatt",
                "received",
            ),
            does(
                Action::AckComing,
                "Svar på varslingen: kommer",
                "Answer the alert: coming",
                "kommer",
                "coming",
            ),
            does(
                Action::AckCannot,
                "Svar på varslingen: kan ikke",
                "Answer the alert: cannot come",
                "kan ikke",
                "cannot",
            ),
        ],
        AROUND,
    ],
    hints: &[
        Action::SendAlert,
        Action::AckReceived,
        Action::AckComing,
        Action::AckCannot,
        Action::NextPane,
        Action::Help,
    ],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NewAlert;

pub struct AlertsPane {
    incident: Incident,
    /// Newest first.
    list: List<Alert, NewAlert>,
    /// Alerts of this incident that reached this user and wait for their answer.
    waiting: Vec<Waiting>,
    can_send: bool,
}

/// The incident's alerts, newest first; and, into `waiting`, those that wait for this
/// user's answer.
fn load(
    session: &Session,
    incident: &Incident,
    waiting: &mut Vec<Waiting>,
) -> crate::app::Result<Vec<Alert>> {
    *waiting = session.waiting_alerts()?.into_iter().filter(|w| w.incident == incident.number).collect();
    let mut alerts = session.alerts(incident)?;
    alerts.reverse();
    Ok(alerts)
}

impl AlertsPane {
    pub fn open(session: &Session, incident: Incident) -> crate::app::Result<AlertsPane> {
        let mut pane = AlertsPane {
            incident,
            // Answers change an alert's recipients: they show here too.
            list: List::new("alert", |a: &Alert, b: &Alert| a.id == b.id).watching("alert_recipient"),
            waiting: Vec::new(),
            can_send: session.may(Permission::SendAlerts)?,
        };
        pane.reload(session)?;
        Ok(pane)
    }

    fn reload(&mut self, session: &Session) -> crate::app::Result<()> {
        self.list.reload(session, |s| load(s, &self.incident, &mut self.waiting))
    }

    fn answer(&mut self, cx: &mut Cx<'_>, ack: Ack) {
        let Some(w) = self.waiting.first().cloned() else {
            let lang = cx.lang;
            let msg =
                Text::new("Ingen varsling venter på svar fra deg", "No alert is waiting for your answer")
                    .get(lang);
            cx.post(UiEvent::Status(msg.into()));
            return;
        };
        let (lang, incident) = (cx.lang, self.incident.clone());
        let line = format!("{} {} ({}): «{}»", lang.pick("Varsling", "Alert"), w.alert, w.sent_by, w.message);
        let title = crate::say!(lang, "Svar: {}", "Answer: {}", ack.label().get(lang));
        cx.confirm(Pending::new(title, vec![line], move |s| {
            s.answer_alert(&incident, w.alert, None, ack).map(|(_, e)| e.text)
        }));
    }

    fn send(&mut self, cx: &mut Cx<'_>, text: String) {
        let Some((list, message)) = text.split_once(':') else {
            let msg = cx.lang.pick(
                "skriv «liste: melding», for eksempel «Kriseledelse: Møt på rådhuset kl. 14»",
                "write «list: message», e.g. «Kriseledelse: Meet at the town hall at 14»",
            );
            cx.post(UiEvent::Error(msg));
            return;
        };
        // The list is looked up before anything is shown as about to be sent: a name
        // that is none is said at once, with the lists there are, and the question
        // comes back with what was typed, so the message is not typed twice.
        let lists = cx.session.alert_lists().unwrap_or_default();
        let Some(found) = lists.iter().find(|l| crate::text::fold(&l.name) == crate::text::fold(list.trim()))
        else {
            let names: Vec<&str> = lists.iter().map(|l| l.name.as_str()).collect();
            cx.post(UiEvent::Error(no_such_list(cx.lang, list.trim(), &names)));
            self.list.ask(NewAlert, text.clone());
            return;
        };
        // Recording is quick; delivery runs in the background (see `delivery::spawn_worker`).
        let (lang, incident) = (cx.lang, self.incident.clone());
        let (list, message) = (found.name.clone(), message.trim().to_string());
        let lines = vec![format!("{}: {list}", lang.pick("Til", "To")), format!("«{message}»")];
        cx.confirm(Pending::new(lang.pick("Send varsling", "Send an alert"), lines, move |s| {
            s.send_alert(&incident, &list, &message).map(|(_, e)| e.text)
        }));
        self.list.row = 0; // the new one comes on top
    }
}

impl Pane for AlertsPane {
    fn context(&self) -> Context {
        self.list.context(Context::Alerts)
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let action = match self.list.handle(input).action(|_, text| self.send(cx, text)) {
            Ok(action) => action,
            Err(outcome) => return outcome,
        };
        match action {
            Action::SendAlert => {
                if !cx.refused(self.can_send, Permission::SendAlerts) {
                    let lists = cx.session.alert_lists().unwrap_or_default();
                    match lists.first() {
                        Some(first) => {
                            self.list.ask(NewAlert, format!("{}: ", first.name));
                            let names: Vec<&str> = lists.iter().map(|l| l.name.as_str()).collect();
                            let said = format!("{}: {}", cx.lang.pick("Lister", "Lists"), names.join(", "));
                            cx.post(UiEvent::Status(said));
                        }
                        None => cx.post(UiEvent::Error(no_such_list(cx.lang, "", &[]))),
                    }
                }
            }
            Action::AckReceived => self.answer(cx, Ack::Received),
            Action::AckComing => self.answer(cx, Ack::Coming),
            Action::AckCannot => self.answer(cx, Ack::CannotCome),
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        self.list.refresh(session, |s| load(s, &self.incident, &mut self.waiting))
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        self.list.paste(text)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let mut title = vec![Span::styled(Text::new(" Varsling ", " Alerts ").get(lang), t.heading)];
        if !self.waiting.is_empty() {
            title.push(Span::styled(
                Text::new(" svar ventes fra deg ", " your answer is awaited ").get(lang),
                t.warning,
            ));
        }
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let banner_h = u16::from(!self.waiting.is_empty()) * 2;
        let list_h = (self.list.items.len() as u16).clamp(1, (inner.height / 3).max(1));
        let [banner, list, detail, prompt] = Layout::vertical([
            Constraint::Length(banner_h),
            Constraint::Length(list_h),
            Constraint::Min(0),
            Constraint::Length(u16::from(self.list.prompt.is_some())),
        ])
        .areas(inner);
        if let Some(w) = self.waiting.first() {
            let lines = vec![
                cut(
                    Line::from(vec![
                        Span::styled(
                            format!(
                                "{} {} {}: ",
                                Text::new("Varsling", "Alert").get(lang),
                                w.alert,
                                crate::say!(lang, "fra {}", "from {}", w.sent_by)
                            ),
                            t.warning,
                        ),
                        Span::styled(safe_line(&w.message).into_owned(), t.warning),
                    ]),
                    banner.width,
                ),
                Line::from(Span::styled(
                    Text::new(
                        "Svar: 1 mottatt · 2 kommer · 3 kan ikke",
                        "Answer: 1 received · 2 coming · 3 cannot",
                    )
                    .get(lang),
                    t.key,
                )),
            ];
            f.render_widget(Paragraph::new(lines), banner);
        }
        if self.list.items.is_empty() {
            let none = Text::new(
                "Ingen varslinger. n sender en («liste: melding»).",
                "No alerts. n sends one («list: message»).",
            )
            .get(lang);
            f.render_widget(
                Paragraph::new(Span::styled(none, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                list,
            );
        } else {
            let rows = self.list.items.iter().map(|a| tally_line(a, cx)).collect();
            f.render_widget(Paragraph::new(list_window(rows, self.list.row, list, cx)), list);
        }
        if let Some(a) = self.list.items.get(self.list.row) {
            let mut lines = vec![Line::from(Span::styled("─".repeat(detail.width as usize), t.border))];
            lines.push(cut(
                Line::from(Span::styled(safe_line(&a.message).into_owned(), t.base)),
                detail.width,
            ));
            // Only the rows that fit (an alert may have 2,000 recipients), and then how
            // many more there are.
            let room = detail.height.saturating_sub(2) as usize;
            let fits = if a.recipients.len() > room { room.saturating_sub(1) } else { room };
            for r in a.recipients.iter().take(fits) {
                let (state, style) = match (r.alerted_at, r.ack) {
                    (None, _) => (Text::new("reserve", "standby").get(lang).to_string(), t.dim),
                    (Some(_), Some(Ack::CannotCome)) => {
                        (r.ack.map(|a| a.label().get(lang)).unwrap_or("").to_string(), t.error)
                    }
                    (Some(_), Some(ack)) => (ack.label().get(lang).to_string(), t.tag),
                    (Some(_), None) if r.not_delivered() => {
                        (Text::new("ikke levert", "not delivered").get(lang).into(), t.error)
                    }
                    (Some(_), None) => {
                        (Text::new("venter svar", "no answer").get(lang).to_string(), t.warning)
                    }
                };
                let channels: Vec<String> = r
                    .sent
                    .iter()
                    .map(|s| {
                        let mark = match s.status {
                            Delivery::Delivered => "✓",
                            Delivery::Waiting => "…",
                            Delivery::NotDelivered => "✗",
                        };
                        format!("{}{mark}", s.channel.label().get(cx.lang))
                    })
                    .collect();
                let channels = if r.sent.is_empty() { vec![r.reached.clone()] } else { channels };
                lines.push(cut(
                    Line::from(vec![
                        Span::styled(format!("{:>3} ", r.position), t.dim),
                        Span::styled(format!("{:<14} ", safe_line(&r.role)), t.author),
                        Span::styled(format!("{:<22} ", safe_line(&r.name)), t.base),
                        Span::styled(format!("{state:<12} "), style),
                        Span::styled(channels.join(" "), t.dim),
                    ]),
                    detail.width,
                ));
            }
            if a.recipients.len() > fits {
                let more = a.recipients.len() - fits;
                let text = crate::say!(
                    lang,
                    "… og {more} til (sitroom alert status {})",
                    "… and {more} more (sitroom alert status {})",
                    a.number
                );
                lines.push(Line::from(Span::styled(text, t.dim)));
            }
            lines.truncate(detail.height as usize);
            f.render_widget(Paragraph::new(lines), detail);
        }
        if let Some(asked) = &self.list.prompt {
            f.render_widget(
                Paragraph::new(asked.line(
                    Text::new("Liste: melding", "List: message").get(lang),
                    t,
                    prompt.width,
                )),
                prompt,
            );
        }
    }
}

/// `#1 14:02 Kriseledelse  3/5 svart: 2 kommer · 1 kan ikke · 2 venter · 1 ikke levert`
fn tally_line(a: &Alert, cx: &RenderCx<'_>) -> Line<'static> {
    let lang = cx.lang;
    let t = cx.theme;
    let n = a.tally();
    let answered = n.received + n.coming + n.cannot;
    let mut spans = vec![
        Span::styled(format!("#{:<3}", a.number), t.dim),
        Span::styled(format!("{} ", a.sent_at.with_timezone(&Local).format("%H:%M")), t.time),
        Span::styled(format!("{}  ", safe_line(&a.list)), t.base),
        Span::styled(
            format!("{answered}/{} {}", n.alerted, Text::new("svart", "answered").get(lang)),
            t.heading,
        ),
    ];
    // Only what is there: a narrow pane still shows who is coming and who is missing.
    let parts = [
        (n.coming, Text::new("kommer", "coming").get(lang), t.base),
        (n.received, Text::new("mottatt", "received").get(lang), t.base),
        (n.cannot, Text::new("kan ikke", "cannot").get(lang), t.base),
        (n.not_delivered, Text::new("ikke levert", "not delivered").get(lang), t.error),
        (n.unanswered.saturating_sub(n.not_delivered), Text::new("venter", "waiting").get(lang), t.warning),
    ];
    for (i, (count, word, style)) in parts.into_iter().filter(|(c, ..)| *c > 0).enumerate() {
        spans.push(Span::styled(if i == 0 { ": " } else { " · " }, t.dim));
        spans.push(Span::styled(format!("{count} {word}"), style));
    }
    Line::from(spans)
}

/// There is no alert list by that name (or none at all): which there are, or how to make one.
fn no_such_list(lang: crate::i18n::Lang, name: &str, names: &[&str]) -> String {
    if names.is_empty() {
        return lang
            .pick(
                "Ingen varslingslister ennå: lag en med `sitroom alert list-new NAVN` og `alert member-add`",
                "No alert lists yet: make one with `sitroom alert list-new NAME` and `alert member-add`",
            )
            .to_string();
    }
    crate::say!(
        lang,
        "Ingen varslingsliste heter «{name}». Listene: {}",
        "No alert list is called '{name}'. The lists: {}",
        names.join(", ")
    )
}
