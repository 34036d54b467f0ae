//! A one-line question a pane asks (a new task's title, an answer, who is
//! responsible): typing edits it, Enter gives the answer, Esc drops it. Shared by the
//! panes that ask, so they all behave alike.

use super::action::{does, Keys};
use super::action::{Action, Input};
use super::keymap::Context;
use super::line_edit::LineEdit;
use super::pane::Outcome;
use super::theme::Theme;
use crate::lang::Text;
use crossterm::event::KeyCode;
use ratatui::text::{Line, Span};

/// What the keys do in a one-line prompt or search field.
pub const KEYS: Keys = Keys {
    context: Context::Filter,
    heading: Text::new("Filter og spørsmål", "Filter and prompts"),
    groups: &[&[
        does(
            Action::Confirm,
            "Lagre / bruk det som er skrevet",
            "Save / apply what is typed",
            "lagre",
            "save",
        ),
        does(Action::Cancel, "Tilbake uten å lagre", "Back without saving", "tilbake", "back"),
    ]],
    hints: &[Action::Confirm, Action::Cancel],
};

pub struct Prompt<K> {
    /// What is being asked, for the pane to act on the answer.
    pub asking: K,
    pub line: LineEdit,
    /// The text is the value offered (who is responsible now, the time shown) and not
    /// touched yet: it is shown selected, and typing or pasting replaces it, as in any
    /// field, instead of being added to it ("beredskapskoordinatorLiv Berg").
    offered: bool,
}

/// What became of an input given to a prompt.
pub enum Answer<K> {
    /// Still being written (or the key meant nothing here, when `false`).
    Editing(bool),
    /// Enter: the question and the text.
    Given(K, String),
    /// Esc.
    Dropped,
}

impl<K: Copy> Prompt<K> {
    /// A question whose answer starts as `text` and is typed on (a list's name and
    /// `: `, for the message after it).
    pub fn new(asking: K, text: impl Into<String>) -> Prompt<K> {
        Prompt { asking, line: LineEdit::new(text), offered: false }
    }

    /// A question offering the value it has now (who is responsible, the time looked
    /// at): Enter keeps it, typing replaces it.
    pub fn offering(asking: K, value: impl Into<String>) -> Prompt<K> {
        let line = LineEdit::new(value);
        Prompt { asking, offered: !line.is_empty(), line }
    }

    pub fn handle(&mut self, input: Input) -> Answer<K> {
        match input {
            Input::Edit(key) => {
                if std::mem::take(&mut self.offered) {
                    // The first key replaces the offered value: a character starts the
                    // answer anew, Backspace or Delete clears it; a movement keeps it
                    // for editing.
                    let mut fresh = LineEdit::default();
                    let deletes = matches!(key.code, KeyCode::Backspace | KeyCode::Delete);
                    if deletes || matches!(key.code, KeyCode::Char(_)) && fresh.key(&key) {
                        self.line = fresh;
                        return Answer::Editing(true);
                    }
                }
                Answer::Editing(self.line.key(&key))
            }
            Input::Action(Action::Confirm) => Answer::Given(self.asking, self.line.take()),
            Input::Action(Action::Cancel) => Answer::Dropped,
            _ => Answer::Editing(false),
        }
    }

    /// Pasted text joins the line at the cursor, without control characters or line
    /// breaks; over an offered value it replaces it.
    pub fn paste(&mut self, text: &str) {
        if std::mem::take(&mut self.offered) {
            self.line.clear();
        }
        self.line.insert(text);
    }

    /// `Label: text▏` in `width` columns, the offered value shown selected; a long
    /// answer shows the part around the cursor.
    pub fn line(&self, label: &str, theme: &Theme, width: u16) -> Line<'static> {
        let style = if self.offered { theme.base.patch(theme.selected) } else { theme.base };
        let label = format!("{label}: ");
        let used = crate::text::graphemes_with_width(&label).map(|(_, w)| w).sum::<usize>();
        // A label wider than half the line gives way to the answer.
        let label = if used > usize::from(width) / 2 {
            let cut: String = crate::text::graphemes_with_width(&label)
                .scan(0, |acc, (g, w)| {
                    *acc += w;
                    (*acc < usize::from(width) / 2).then_some(g)
                })
                .collect();
            format!("{cut}…: ")
        } else {
            label
        };
        let used = crate::text::graphemes_with_width(&label).map(|(_, w)| w).sum::<usize>();
        let mut spans = vec![Span::styled(label, theme.heading)];
        spans.extend(self.line.spans_within(style, theme.base, usize::from(width).saturating_sub(used)));
        Line::from(spans)
    }
}

/// Give `input` to the prompt in `slot`, if one is open: `None` when none is, else what
/// the pane returns and, when Enter was pressed, the question and its answer. The
/// prompt closes on Enter and Esc.
pub fn drive<K: Copy>(slot: &mut Option<Prompt<K>>, input: Input) -> Option<(Outcome, Option<(K, String)>)> {
    let prompt = slot.as_mut()?;
    Some(match prompt.handle(input) {
        Answer::Editing(true) => (Outcome::Consumed, None),
        Answer::Editing(false) => (Outcome::Ignored, None),
        Answer::Given(asking, text) => {
            *slot = None;
            (Outcome::Consumed, Some((asking, text)))
        }
        Answer::Dropped => {
            *slot = None;
            (Outcome::Consumed, None)
        }
    })
}

/// The keymap context of a pane that may be asking: the prompt's while one is open.
pub fn context<K>(slot: &Option<Prompt<K>>, otherwise: Context) -> Context {
    if slot.is_some() {
        Context::Filter
    } else {
        otherwise
    }
}

/// Pasted text goes into the open prompt, if there is one.
pub fn paste<K: Copy>(slot: &mut Option<Prompt<K>>, text: &str) -> Outcome {
    match slot {
        Some(prompt) => {
            prompt.paste(text);
            Outcome::Consumed
        }
        None => Outcome::Ignored,
    }
}
