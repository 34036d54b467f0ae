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
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use std::cell::Cell;
use unicode_width::UnicodeWidthStr;

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
    /// The contexts to show first: the focused part, then the rest of the workspace.
    first: Vec<Context>,
}

/// The quick marks a logger types in the entry line, for help and the empty log.
/// The marks as written (in each language: `#tagg` is Norwegian) and what they do.
pub const QUICK_MARKS: &[(Text, Text)] = &[
    (
        Text::new("14:32 …", "14:32 …"),
        Text::new("når det ble sagt (i dag; 14.32 går også)", "when it was said (today; 14.32 works too)"),
    ),
    (
        Text::new("!…", "!…"),
        Text::new("en beslutning, vist som BESLUTNING:", "a decision, shown as DECISION:"),
    ),
    (Text::new("#tagg", "#tag"), Text::new("en tagg, å filtrere på", "a tag, to filter by")),
    (
        Text::new("@navn", "@name"),
        Text::new(
            "nevner en person (første @navn blir ansvarlig for en oppgave av den)",
            "mentions a person (the first @name is responsible for a task made from it)",
        ),
    ),
    (
        Text::new("F3", "F3"),
        Text::new("merk det du skriver som vesentlig", "mark what you are typing as significant"),
    ),
];

impl Help {
    /// Help opened from `focused`, with the contexts of the rest of the workspace
    /// after it, then everywhere, then the others.
    pub fn from(first: Vec<Context>) -> Help {
        Help { first, ..Help::default() }
    }
}

/// A row of help: a heading, or keys and what they do.
pub enum Row {
    Heading(&'static str),
    Keys(String, &'static str),
}

/// The help text: the contexts in `first` in that order (the quick marks after the
/// entry line or log, where they are typed), then the global keys, then every other
/// context. Each line is made from the keymap and the meaning its context declares.
pub fn rows(keymap: &Keymap, lang: Lang, first: &[Context]) -> Vec<Row> {
    let mut order: Vec<Context> = Vec::new();
    for c in first.iter().copied().chain([Context::Global]).chain(CONTEXTS.iter().map(|(c, ..)| *c)) {
        if !order.contains(&c) && c != Context::Help {
            order.push(c);
        }
    }
    let mut out = Vec::new();
    let mut marks_said = false;
    for ctx in order {
        let bindings: Vec<_> = keymap.bindings(ctx).collect();
        if !bindings.is_empty() {
            out.push(Row::Heading(ctx.keys().heading.get(lang)));
            for (action, chords) in bindings {
                let keys: Vec<String> = chords.iter().map(|c| c.display()).collect();
                out.push(Row::Keys(keys.join(", "), ctx.meaning(action).map_or("", |m| m.help.get(lang))));
            }
        }
        if matches!(ctx, Context::Entry | Context::Log) && !marks_said {
            marks_said = true;
            out.push(Row::Heading(
                Text::new("Hurtigmerker i skrivelinjen", "Quick marks in the entry line").get(lang),
            ));
            for (mark, what) in QUICK_MARKS {
                out.push(Row::Keys(mark.get(lang).to_string(), what.get(lang)));
            }
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
        super::widgets::clear_for_popup(f, popup, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(format!(" {} ", cx.strings.help), t.heading))
            .title_bottom(
                Line::from(Span::styled(format!(" {} ", cx.strings.help_footer), t.dim)).right_aligned(),
            );
        let inner = block.inner(popup);
        f.render_widget(block, popup);
        let rows = rows(cx.keymap, cx.lang, &self.first);
        let keys_w =
            rows.iter().map(|r| if let Row::Keys(k, _) = r { k.width() } else { 0 }).max().unwrap_or(0);
        let keys_w = keys_w.min(inner.width as usize / 3) + 2;
        // What a key does wraps under itself instead of being cut at the edge.
        let desc_w = (inner.width as usize).saturating_sub(keys_w + 2).max(10);
        let mut lines: Vec<Line<'static>> = Vec::new();
        for row in rows {
            match row {
                Row::Heading(h) => lines.push(Line::from(Span::styled(format!(" {h}"), t.heading))),
                Row::Keys(keys, desc) => {
                    let wrapped = super::wrap::wrap(&[(desc.to_string(), t.base)], desc_w);
                    // Keys too many for their column stand on a line of their own.
                    let own_line = keys.width() + 1 > keys_w;
                    if own_line {
                        lines.push(Line::from(Span::styled(format!("  {keys}"), t.key)));
                    }
                    for (n, mut line) in wrapped.into_iter().enumerate() {
                        let lead = if n == 0 && !own_line {
                            format!("  {keys:<keys_w$}")
                        } else {
                            " ".repeat(keys_w + 2)
                        };
                        line.spans.insert(0, Span::styled(lead, t.key));
                        lines.push(line);
                    }
                }
            }
        }
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
        let rows = rows(&Keymap::builtin(), Lang::Nb, &[]);
        let under = |heading: &str, key: &str| -> &'static str {
            let start = rows
                .iter()
                .position(|r| matches!(r, Row::Heading(h) if *h == heading))
                .unwrap_or_else(|| panic!("{heading}"));
            rows[start + 1..]
                .iter()
                .map_while(|r| if let Row::Keys(k, d) = r { Some((k, *d)) } else { None })
                .find(|(k, _)| k.split(", ").any(|k| k == key))
                .map(|(_, d)| d)
                .unwrap_or_else(|| panic!("{key} under {heading}"))
        };
        let heading = |c: Context| c.keys().heading.get(Lang::Nb);
        assert_eq!(under(heading(Context::Reports), "n"), "Ny rapport fra en mal");
        assert_eq!(under(heading(Context::Tasks), "n"), "Ny oppgave");
        assert_eq!(under(heading(Context::Media), "n"), "Ny mediehenvendelse");
        assert_eq!(under(heading(Context::Editor), "Esc"), "Lagre og lukk editoren", "Esc saves");
    }

    /// Help opens on the keys of the part that has the focus, and the quick marks come
    /// right after the entry line's keys.
    #[test]
    fn help_starts_where_the_user_is() {
        let rows = rows(&Keymap::builtin(), Lang::Nb, &[Context::Tasks, Context::Entry]);
        let headings: Vec<&str> =
            rows.iter().filter_map(|r| if let Row::Heading(h) = r { Some(*h) } else { None }).collect();
        assert_eq!(&headings[..4], ["Oppgaver", "Skrivelinjen", "Hurtigmerker i skrivelinjen", "Overalt"]);
    }
}
