//! Resources (ressurser): what there is, where, how many and whether it is free; 1, 2
//! and 3 mark the chosen one tilgjengelig, i bruk or utilgjengelig. `/` searches as you
//! type (what, where, owner, notes; case and accents aside).

use super::action::{does, Keys, AROUND, LIST};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::line_edit::LineEdit;
use super::pane::{Cx, Freshness, Outcome, Pane, RenderCx};
use super::widgets::{list_window, move_selection, pane_block};
use crate::app::Session;
use crate::domain::contact::{Availability, Resource};
use crate::domain::roles::Permission;
use crate::i18n::Label;
use crate::lang::Text;
use crate::text::safe_line;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// What the keys do in the resources pane.
pub const KEYS: Keys = Keys {
    context: Context::Resources,
    heading: Text::new("Ressurser", "Resources"),
    groups: &[
        LIST,
        &[
            does(
                Action::SetAvailable,
                "Ressursen er tilgjengelig",
                "The resource is available",
                "tilgjengelig",
                "available",
            ),
            does(Action::SetInUse, "Ressursen er i bruk", "The resource is in use", "i bruk", "in use"),
            does(
                Action::SetUnavailable,
                "Ressursen er utilgjengelig",
                "The resource is unavailable",
                "utilgjengelig",
                "unavailable",
            ),
            does(Action::Search, "Søk i ressursene", "Search the resources", "søk", "search"),
        ],
        AROUND,
    ],
    hints: &[
        Action::SetAvailable,
        Action::SetInUse,
        Action::SetUnavailable,
        Action::Search,
        Action::NextPane,
        Action::Help,
    ],
};

pub struct ResourcesPane {
    resources: Vec<Resource>,
    /// The search being typed (Some while the search line is open) and what it keeps.
    query: Option<LineEdit>,
    kept: String,
    row: usize,
    can_change: bool,
    fresh: Freshness,
}

impl ResourcesPane {
    pub fn open(session: &Session) -> crate::app::Result<ResourcesPane> {
        let mut pane = ResourcesPane {
            resources: Vec::new(),
            query: None,
            kept: String::new(),
            row: 0,
            can_change: session.may(Permission::ManagePreparedness)?,
            fresh: Freshness::new("resource"),
        };
        pane.fresh.mark(session)?;
        pane.resources = session.resources()?;
        Ok(pane)
    }

    /// The resources the search keeps, in order.
    fn shown(&self) -> Vec<&Resource> {
        let words: Vec<String> = crate::text::fold(self.query.as_ref().map_or(&*self.kept, LineEdit::text))
            .split_whitespace()
            .map(String::from)
            .collect();
        self.resources
            .iter()
            .filter(|r| {
                let hay = crate::text::fold(&format!("{} {} {} {}", r.what, r.location, r.owner, r.notes));
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect()
    }

    fn set(&mut self, cx: &mut Cx<'_>, to: Availability) {
        let Some(r) = self.shown().get(self.row).copied() else { return };
        let (n, lang) = (r.number, cx.lang);
        let line = format!("{}: {} → {}", r.what, r.availability.label().get(lang), to.label().get(lang));
        cx.confirm(Pending::new(
            lang.pick("Endre tilgjengelighet", "Change availability"),
            vec![line],
            move |s| {
                s.update_resource(n, |r| r.availability = to)
                    .map(|r| format!("{}: {}", r.what, r.availability.label().get(lang)))
            },
        ));
    }
}

impl Pane for ResourcesPane {
    fn context(&self) -> Context {
        if self.query.is_some() {
            Context::Filter
        } else {
            Context::Resources
        }
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        if let Some(q) = &mut self.query {
            match input {
                Input::Edit(k) if q.key(&k) => {}
                Input::Edit(_) => return Outcome::Ignored,
                Input::Action(Action::Confirm) => {
                    self.kept = self.query.take().map(|mut q| q.take()).unwrap_or_default()
                }
                Input::Action(Action::Cancel) => {
                    self.query = None;
                    self.kept.clear();
                }
                _ => return Outcome::Ignored,
            }
            self.row = 0;
            return Outcome::Consumed;
        }
        let len = self.shown().len();
        let action = match super::widgets::pick_or_action(input, &mut self.row, len) {
            Ok(action) => action,
            Err(outcome) => return outcome,
        };
        if action == Action::Search {
            self.query = Some(LineEdit::new(self.kept.clone()));
            return Outcome::Consumed;
        }
        if move_selection(&mut self.row, len, action) {
            return Outcome::Consumed;
        }
        let to = match action {
            Action::SetAvailable => Availability::Available,
            Action::SetInUse => Availability::InUse,
            Action::SetUnavailable => Availability::Unavailable,
            _ => return Outcome::Ignored,
        };
        if !cx.refused(self.can_change, Permission::ManagePreparedness) {
            self.set(cx, to);
        }
        Outcome::Consumed
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        if !self.fresh.stale(session)? {
            return Ok(false);
        }
        self.fresh.mark(session).map_err(|e| e.to_string())?;
        self.resources = session.resources().map_err(|e| e.said(session.lang))?;
        self.row = self.row.min(self.shown().len().saturating_sub(1));
        Ok(true)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let free = self.resources.iter().filter(|r| r.availability == Availability::Available).count();
        let title = format!(
            " {} · {free}/{} {} ",
            Text::new("Ressurser", "Resources").get(lang),
            self.resources.len(),
            Text::new("tilgjengelige", "available").get(lang)
        );
        let block = pane_block(vec![Span::styled(title, t.heading)], cx);
        let mut inner = block.inner(area);
        f.render_widget(block, area);
        if self.query.is_some() || !self.kept.is_empty() {
            let mut spans = vec![Span::styled(Text::new("Søk: ", "Search: ").get(lang), t.heading)];
            match &self.query {
                Some(q) => spans.extend(q.spans(t.base, t.base)),
                None => spans.push(Span::styled(safe_line(&self.kept).into_owned(), t.base)),
            }
            let line = Line::from(spans);
            f.render_widget(Paragraph::new(line), Rect { height: 1, ..inner });
            inner.y += 1;
            inner.height = inner.height.saturating_sub(1);
        }
        if self.resources.is_empty() {
            let none = Text::new(
                "Ingen ressurser registrert (sitroom resource add | import).",
                "No resources yet (sitroom resource add | import).",
            )
            .get(lang);
            f.render_widget(
                Paragraph::new(Span::styled(none, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                inner,
            );
            return;
        }
        let rows: Vec<Line<'static>> = self
            .shown()
            .into_iter()
            .map(|r| {
                let style = match r.availability {
                    Availability::Available => t.tag,
                    Availability::InUse => t.warning,
                    Availability::Unavailable => t.error,
                };
                let mut spans = vec![
                    Span::styled(format!("{:<14}", r.availability.label().get(cx.lang)), style),
                    Span::styled(format!("{} × {}", r.quantity, safe_line(&r.what)), t.base),
                ];
                if !r.location.is_empty() {
                    spans.push(Span::styled(format!(" @ {}", safe_line(&r.location)), t.dim));
                }
                if !r.owner.is_empty() {
                    spans.push(Span::styled(format!("  ({})", safe_line(&r.owner)), t.author));
                }
                Line::from(spans)
            })
            .collect();
        f.render_widget(Paragraph::new(list_window(rows, self.row, inner, cx)), inner);
    }
}
