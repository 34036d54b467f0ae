//! Action cards (tiltakskort): the cards on the left of the list, the chosen card's
//! checklist below, and Enter turns it into tasks of the incident — one key in a
//! crisis. A card already activated here says so instead of doubling the tasks.

use super::action::{does, Keys, AROUND, LIST};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::list::{Handled, List};
use super::pane::{Cx, Outcome, Pane, RenderCx};
use super::widgets::{list_window, pane_block};
use crate::app::Session;
use crate::domain::roles::Permission;
use crate::domain::Incident;
use crate::lang::Text;
use crate::store::StoredCard;
use crate::text::safe_line;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// What the keys do in the action cards pane.
pub const KEYS: Keys = Keys {
    context: Context::Cards,
    heading: Text::new("Tiltakskort", "Action cards"),
    groups: &[
        LIST,
        &[does(
            Action::ActivateCard,
            "Aktiver tiltakskortet: punktene blir oppgaver",
            "Activate the action card: its items become tasks",
            "aktiver",
            "activate",
        )],
        AROUND,
    ],
    hints: &[Action::ActivateCard, Action::NextPane, Action::Help],
};

pub struct CardsPane {
    incident: Incident,
    list: List<StoredCard, ()>,
    can_activate: bool,
}

impl CardsPane {
    pub fn open(session: &mut Session, incident: Incident) -> crate::app::Result<CardsPane> {
        // (Asked first through the session, which puts the built-in cards in place.)
        session.cards()?;
        let mut pane = CardsPane {
            incident,
            list: List::new("card", |a, b| a.card.name == b.card.name),
            can_activate: session.may(Permission::ManageTasks)?,
        };
        pane.list.reload(session, |s| Ok(s.store.cards()?))?;
        Ok(pane)
    }

    fn activate(&mut self, cx: &mut Cx<'_>) {
        let Some(card) = self.list.selected().map(|c| c.card.clone()) else { return };
        let (lang, incident, name) = (cx.lang, self.incident.clone(), card.name.clone());
        let mut lines =
            vec![format!("«{}»: {} {}", card.title, card.items.len(), lang.pick("oppgaver", "tasks"))];
        lines.extend(card.items.iter().map(|i| format!("  · {}", i.text)));
        // Activated before in this incident: said, and confirming activates it again
        // (the TUI's way of the CLI's --again).
        let before = cx.session.store.card_activated(&card.name, &incident).ok().flatten();
        if let Some(at) = before {
            let when = at.with_timezone(&chrono::Local).format("%H:%M");
            lines.insert(
                0,
                crate::say!(
                    lang,
                    "NB: allerede aktivert kl. {when} i denne hendelsen; bekreftes det, lages oppgavene én gang til",
                    "Note: already activated at {when} in this incident; confirming makes its tasks once more"
                ),
            );
        }
        let again = before.is_some();
        cx.confirm(Pending::new(
            lang.pick("Aktiver tiltakskortet", "Activate the action card"),
            lines,
            move |s| s.activate_card(&incident, &name, again).map(|(_, e)| e.text),
        ));
    }
}

impl Pane for CardsPane {
    fn context(&self) -> Context {
        Context::Cards
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let action = match self.list.handle(input) {
            Handled::Action(action) => action,
            Handled::Done(outcome) => return outcome,
            Handled::Answered(..) => return Outcome::Consumed,
        };
        match action {
            Action::ActivateCard => {
                if !cx.refused(self.can_activate, Permission::ManageTasks) {
                    self.activate(cx);
                }
                Outcome::Consumed
            }
            _ => Outcome::Ignored,
        }
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        self.list.refresh(session, |s| Ok(s.store.cards()?))
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let title = Text::new(" Tiltakskort ", " Action cards ").get(lang);
        let block = pane_block(vec![Span::styled(title, t.heading)], cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let list_h = (self.list.items.len() as u16 + 1).min(inner.height / 2).max(1);
        let [list, items] = Layout::vertical([Constraint::Length(list_h), Constraint::Min(0)]).areas(inner);
        let rows: Vec<Line<'static>> = self
            .list
            .items
            .iter()
            .map(|c| {
                Line::from(vec![
                    Span::styled(safe_line(&c.card.title).into_owned(), t.base),
                    Span::styled(format!("  ({})", c.card.items.len()), t.dim),
                ])
            })
            .collect();
        f.render_widget(Paragraph::new(list_window(rows, self.list.row, list, cx)), list);
        let Some(card) = self.list.selected() else { return };
        let mut lines = vec![Line::from(Span::styled("─".repeat(items.width as usize), t.border))];
        for item in &card.card.items {
            let mut spans =
                vec![Span::styled("☐ ", t.dim), Span::styled(safe_line(&item.text).into_owned(), t.base)];
            let who = item.assignee.as_deref().unwrap_or(&item.role);
            if !who.is_empty() {
                spans.push(Span::styled(format!(" → {}", safe_line(who)), t.author));
            }
            if let Some(m) = item.due_in {
                let due = if m % 60 == 0 { format!(" +{}t", m / 60) } else { format!(" +{m}m") };
                spans.push(Span::styled(due, t.time));
            }
            lines.push(super::widgets::cut(Line::from(spans), items.width));
        }
        let hint =
            Text::new("Enter: aktiver – punktene blir oppgaver", "Enter: activate – the items become tasks")
                .get(lang);
        lines.push(Line::from(Span::styled(hint, t.dim)));
        lines.truncate(items.height as usize);
        f.render_widget(Paragraph::new(lines), items);
    }
}
