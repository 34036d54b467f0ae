//! Contacts (kontakter), searched as you type: every letter narrows the list at once
//! (name, organisation, function, phone digits, e-mail, groups; case and accents
//! aside). The chosen contact in full below. The search runs in memory over an index
//! loaded once and again only when contacts change.

use super::action::{Action, Input};
use super::keymap::Context;
use super::line_edit::LineEdit;
use super::pane::{Cx, Freshness, Outcome, Pane, RenderCx};
use super::widgets::{cut, list_window, pane_block};
use crate::app::Session;
use crate::domain::contact::{Contact, SearchIndex};
use crate::lang::Text;
use crate::text::safe_line;
use crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The most matches a search shows.
const SHOWN: usize = 500;

pub struct ContactsPane {
    contacts: Vec<Contact>,
    index: SearchIndex,
    query: LineEdit,
    matches: Vec<usize>,
    row: usize,
    fresh: Freshness,
    /// Loaded once shown: 50,000 contacts are not read for a logger who never looks.
    wanted: bool,
}

impl ContactsPane {
    pub fn open() -> ContactsPane {
        ContactsPane {
            contacts: Vec::new(),
            index: SearchIndex::default(),
            query: LineEdit::default(),
            matches: Vec::new(),
            row: 0,
            fresh: Freshness::new("contact"),
            wanted: false,
        }
    }

    fn reload(&mut self, session: &Session) -> crate::app::Result<()> {
        self.fresh.mark(session)?;
        self.contacts = session.contacts()?;
        self.index = SearchIndex::new(self.contacts.iter().map(|c| (c.as_new().folded(), c.name.clone())));
        self.search();
        Ok(())
    }

    fn search(&mut self) {
        self.matches = self.index.search(self.query.text(), SHOWN);
        self.row = self.row.min(self.matches.len().saturating_sub(1));
    }

    /// The query as typed (for tests and the title).
    pub fn query(&self) -> &str {
        self.query.text()
    }

    pub fn shown(&self) -> Vec<&Contact> {
        self.matches.iter().map(|i| &self.contacts[*i]).collect()
    }
}

impl Pane for ContactsPane {
    fn context(&self) -> Context {
        // Typing is searching.
        Context::Filter
    }

    fn handle(&mut self, input: Input, _cx: &mut Cx<'_>) -> Outcome {
        let last = self.matches.len().saturating_sub(1);
        match input {
            Input::Edit(key) if self.query.key(&key) => {
                self.row = 0;
                self.search();
            }
            Input::Edit(key) => match key.code {
                KeyCode::Up => self.row = self.row.saturating_sub(1),
                KeyCode::Down => self.row = (self.row + 1).min(last),
                KeyCode::PageUp => self.row = self.row.saturating_sub(10),
                KeyCode::PageDown => self.row = (self.row + 10).min(last),
                _ => return Outcome::Ignored,
            },
            Input::Action(Action::Cancel) => {
                self.query.clear();
                self.row = 0;
                self.search();
            }
            // The search runs as you type: Enter has nothing left to apply.
            Input::Action(Action::Confirm) => {}
            Input::Pick(i) if i <= last && !self.matches.is_empty() => self.row = i,
            Input::Wheel { down: true } => self.row = (self.row + 3).min(last),
            Input::Wheel { down: false } => self.row = self.row.saturating_sub(3),
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        self.query.insert(text);
        self.search();
        Outcome::Consumed
    }

    fn on_show(&mut self, session: &Session) -> Result<bool, String> {
        self.wanted = true;
        self.refresh(session)
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        if !self.wanted || !self.fresh.stale(session)? {
            return Ok(false);
        }
        self.reload(session).map_err(|e| e.said(session.lang))?;
        Ok(true)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let count = if self.query.is_empty() {
            format!("{}", self.contacts.len())
        } else {
            format!("{} {} {}", self.matches.len(), Text::new("av", "of").get(lang), self.contacts.len())
        };
        let title = vec![Span::styled(
            format!(" {} · {count} ", Text::new("Kontakter", "Contacts").get(lang)),
            t.heading,
        )];
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let detail_h = if inner.height >= 10 { 4 } else { 0 };
        let [query, list, detail] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(detail_h)])
                .areas(inner);
        f.render_widget(
            Paragraph::new(Line::from(
                std::iter::once(Span::styled(Text::new("Søk: ", "Search: ").get(lang), t.heading))
                    .chain(self.query.spans(t.base, t.base))
                    .collect::<Vec<_>>(),
            )),
            query,
        );
        let rows: Vec<Line<'static>> = self
            .matches
            .iter()
            .map(|i| {
                let c = &self.contacts[*i];
                let mut spans = vec![Span::styled(safe_line(&c.name).into_owned(), t.base)];
                if !c.function.is_empty() {
                    spans.push(Span::styled(format!(", {}", safe_line(&c.function)), t.author));
                }
                if let Some(p) = c.phones.first() {
                    spans.push(Span::styled(format!("  {}", safe_line(p)), t.time));
                }
                Line::from(spans)
            })
            .collect();
        if rows.is_empty() {
            let none = if self.contacts.is_empty() {
                Text::new(
                    "Ingen kontakter ennå (sitroom contact add | import).",
                    "No contacts yet (sitroom contact add | import).",
                )
            } else {
                Text::new("Ingen treff.", "No match.")
            }
            .get(lang);
            f.render_widget(
                Paragraph::new(Span::styled(none, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                list,
            );
        } else {
            f.render_widget(Paragraph::new(list_window(rows, self.row, list, cx)), list);
        }
        if let (true, Some(c)) = (detail_h > 0, self.matches.get(self.row).map(|i| &self.contacts[*i])) {
            let field = |label: &str, value: String| {
                cut(
                    Line::from(vec![
                        Span::styled(format!("{label}: "), t.heading),
                        Span::styled(value, t.base),
                    ]),
                    detail.width,
                )
            };
            let mut lines = vec![Line::from(Span::styled("─".repeat(detail.width as usize), t.border))];
            lines.push(field(
                Text::new("Telefon", "Phone").get(lang),
                safe_line(&c.phones.join(", ")).into_owned(),
            ));
            lines.push(field(Text::new("E-post", "E-mail").get(lang), safe_line(&c.email).into_owned()));
            // The sitroom user the contact is, where copies of messages to them go.
            let account = if c.account.is_empty() { String::new() } else { format!("@{}", c.account) };
            let org = [c.organisation.as_str(), &c.groups.join(", "), &account]
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" · ");
            lines.push(field(
                Text::new("Org./grupper", "Org./groups").get(lang),
                safe_line(&org).into_owned(),
            ));
            f.render_widget(Paragraph::new(lines), detail);
        }
    }
}
