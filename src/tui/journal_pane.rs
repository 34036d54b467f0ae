//! The message journal (meldingsjournal) of the incident: every message in or out,
//! by number (the server's; provisional, in brackets, until its record has reached
//! the server), with where it came from or went, what it said and who handled it.

use super::action::{Action, Input, Keys, AROUND, LIST};
use super::keymap::Context;
use super::list::List;
use super::pane::{Cx, Outcome, Pane, RenderCx};
use super::widgets::{list_window, pane_block};
use crate::app::Session;
use crate::domain::journal::{Direction, JournalItem};
use crate::domain::Incident;
use crate::lang::Text;
use crate::text::safe_line;
use chrono::Local;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// What the keys do in the journal: it is read, not written, here.
pub const KEYS: Keys = Keys {
    context: Context::Journal,
    heading: Text::new("Meldingsjournal", "Message journal"),
    groups: &[LIST, AROUND],
    hints: &[Action::Down, Action::NextPane, Action::Help],
};

pub struct JournalPane {
    incident: Incident,
    list: List<JournalItem, ()>,
    /// How many numbers the server had given when last loaded: numbers arrive with
    /// sync, and are no change of a record.
    numbered: usize,
}

impl JournalPane {
    pub fn open(session: &Session, incident: Incident) -> crate::app::Result<JournalPane> {
        let mut pane = JournalPane {
            incident,
            list: List::new("log_entry", |a: &JournalItem, b: &JournalItem| a.record == b.record)
                .watching("media")
                .watching("alert"),
            numbered: 0,
        };
        pane.load(session)?;
        // The newest in view: the journal grows at the bottom.
        pane.list.row = pane.list.items.len().saturating_sub(1);
        Ok(pane)
    }

    fn load(&mut self, session: &Session) -> crate::app::Result<()> {
        self.list.reload(session, |s| s.journal(&self.incident))?;
        self.numbered = self.list.items.iter().filter(|i| i.number.is_some()).count();
        Ok(())
    }
}

impl Pane for JournalPane {
    fn context(&self) -> Context {
        Context::Journal
    }

    fn handle(&mut self, input: Input, _cx: &mut Cx<'_>) -> Outcome {
        self.list.handle(input).outcome()
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        if self.list.refresh(session, |s| s.journal(&self.incident))? {
            self.numbered = self.list.items.iter().filter(|i| i.number.is_some()).count();
            return Ok(true);
        }
        // Numbers the server gave since: read again only if some item still waits.
        if self.list.items.iter().any(|i| i.number.is_none()) {
            let now = session.journal(&self.incident).map_err(|e| e.said(session.lang))?;
            let numbered = now.iter().filter(|i| i.number.is_some()).count();
            if numbered != self.numbered {
                // What was just read is what to show: not read a second time.
                self.list.reload(session, |_| Ok(now)).map_err(|e| e.said(session.lang))?;
                self.numbered = numbered;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Out of view it waits: what it shows is read again when it comes into view
    /// (`on_show`), not on every change (a log entry written elsewhere).
    fn refresh_hidden(&mut self, _session: &Session) -> Result<bool, String> {
        Ok(false)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let waiting = self.list.items.iter().filter(|i| i.number.is_none()).count();
        let mut title = vec![Span::styled(
            format!(
                " {} · {} ",
                Text::new("Meldingsjournal", "Message journal").get(lang),
                self.list.items.len()
            ),
            t.heading,
        )];
        if waiting > 0 {
            title.push(Span::styled(
                format!(" {waiting} {} ", Text::new("foreløpige", "provisional").get(lang)),
                t.warning,
            ));
        }
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        if self.list.items.is_empty() {
            let none = Text::new(
                "Ingen meldinger ennå. Merk en loggføring med «< Fra: …» eller «> Til: …».",
                "No messages yet. Mark an entry «< From: …» or «> To: …».",
            )
            .get(lang);
            f.render_widget(Paragraph::new(Span::styled(none, t.dim)).wrap(Wrap { trim: true }), inner);
            return;
        }
        let rows: Vec<Line<'static>> = self
            .list
            .items
            .iter()
            .map(|i| {
                let (arrow, party) = match i.direction {
                    Direction::In => ("←", &i.from),
                    Direction::Out => ("→", &i.to),
                };
                let number = if i.number.is_some() { t.heading } else { t.warning };
                Line::from(vec![
                    Span::styled(format!("{:>5} ", i.shown_number()), number),
                    Span::styled(format!("{} ", i.at.with_timezone(&Local).format("%H:%M")), t.dim),
                    Span::styled(format!("{arrow} {}: ", safe_line(party)), t.author),
                    Span::styled(safe_line(&i.summary).into_owned(), t.base),
                    Span::styled(format!("  {}", safe_line(&i.handled_by)), t.dim),
                ])
            })
            .collect();
        f.render_widget(Paragraph::new(list_window(rows, self.list.row, inner, cx)), inner);
    }
}
