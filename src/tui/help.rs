//! Help: every binding of the active keymap, per context, in the UI language.
//! Generated from the keymap each time it opens, so it is never out of date.

use super::action::{does, Keys, DOWN, PAGE_DOWN, PAGE_UP, UP};
use super::action::{Action, Input};
use super::keymap::{Context, Keymap, CONTEXTS};
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::widgets::centered;
use crate::i18n::Lang;
use crate::lang::Text;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;
use std::cell::Cell;

/// What the keys do in help.
pub const KEYS: Keys = Keys {
    context: Context::Help,
    heading: Text::new("Hjelp", "Help"),
    groups: &[&[
        does(Action::Cancel, "Lukk hjelpen", "Close help", "lukk", "close"),
        UP,
        DOWN,
        PAGE_UP,
        PAGE_DOWN,
    ]],
    hints: &[Action::Cancel, Action::Quit],
};

#[derive(Default)]
pub struct Help {
    scroll: usize,
    height: Cell<usize>,
}

/// (heading or none, keys, description) rows of the help text.
pub fn rows(keymap: &Keymap, lang: Lang) -> Vec<(Option<&'static str>, String, &'static str)> {
    let mut out = Vec::new();
    for &(ctx, _, keys) in CONTEXTS {
        let bindings: Vec<_> = keymap.bindings(ctx).collect();
        if bindings.is_empty() {
            continue;
        }
        out.push((Some(keys.heading.get(lang)), String::new(), ""));
        for (action, chords) in bindings {
            let keys: Vec<String> = chords.iter().map(|c| c.display()).collect();
            out.push((None, keys.join(", "), ctx.meaning(action).map_or("", |m| m.help.get(lang))));
        }
    }
    out
}

impl Pane for Help {
    fn context(&self) -> Context {
        Context::Help
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let page = self.height.get().max(1);
        match input {
            Input::Action(Action::Cancel) | Input::Action(Action::Help) => cx.post(UiEvent::CloseOverlay),
            Input::Action(Action::Up) => self.scroll = self.scroll.saturating_sub(1),
            Input::Action(Action::Down) => self.scroll += 1,
            Input::Action(Action::PageUp) => self.scroll = self.scroll.saturating_sub(page),
            Input::Action(Action::PageDown) => self.scroll += page,
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let popup = centered(area, 78, area.height.saturating_sub(2));
        f.render_widget(Clear, popup);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(format!(" {} ", cx.strings.help), t.heading))
            .title_bottom(
                Line::from(Span::styled(format!(" {} ", cx.strings.help_footer), t.dim)).right_aligned(),
            );
        let inner = block.inner(popup);
        f.render_widget(block, popup);
        let rows = rows(cx.keymap, cx.lang);
        let keys_w = rows.iter().map(|(_, k, _)| k.chars().count()).max().unwrap_or(0) + 2;
        let lines: Vec<Line<'static>> = rows
            .into_iter()
            .map(|(heading, keys, desc)| match heading {
                Some(h) => Line::from(Span::styled(format!(" {h}"), t.heading)),
                None => Line::from(vec![
                    Span::styled(format!("  {keys:<keys_w$}"), t.key),
                    Span::styled(desc.to_string(), t.base),
                ]),
            })
            .collect();
        self.height.set(inner.height as usize);
        let max = lines.len().saturating_sub(inner.height as usize);
        let scroll = self.scroll.min(max);
        f.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each context's help says what its keys do there: `n` makes a report among the
    /// reports, a task on the board, an inquiry in the media queue.
    #[test]
    fn help_says_what_a_key_does_in_each_context() {
        let rows = rows(&Keymap::builtin(), Lang::Nb);
        let under = |heading: &str, key: &str| -> &'static str {
            let start =
                rows.iter().position(|(h, ..)| *h == Some(heading)).unwrap_or_else(|| panic!("{heading}"));
            rows[start + 1..]
                .iter()
                .take_while(|(h, ..)| h.is_none())
                .find(|(_, k, _)| k.split(", ").any(|k| k == key))
                .map(|(.., d)| *d)
                .unwrap_or_else(|| panic!("{key} under {heading}"))
        };
        let heading = |c: Context| c.keys().heading.get(Lang::Nb);
        assert_eq!(under(heading(Context::Reports), "n"), "Ny rapport fra en mal");
        assert_eq!(under(heading(Context::Tasks), "n"), "Ny oppgave");
        assert_eq!(under(heading(Context::Media), "n"), "Ny mediehenvendelse");
    }
}
