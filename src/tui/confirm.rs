//! Confirming a write: what a key is about to put in the record is shown first, and
//! only a key that typing cannot give (Ctrl-S by default, never Enter or a letter)
//! writes it. So a logger whose Tab went astray, and who goes on typing into a list
//! where letters are commands, makes no task, meeting or status change: the box
//! opens, says what would be written, and the typing that follows is refused with a
//! word on how to confirm or cancel. Every pane's record-writing key goes through
//! here (the entry line's Enter and the report editor are where writing is meant).

use super::action::{does, Action, Input, Keys};
use super::keymap::Context;
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::widgets::{centered, hints};
use crate::app::Session;
use crate::lang::Text;
use crate::text::safe_line;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// What the keys do in a confirmation.
pub const KEYS: Keys = Keys {
    context: Context::Confirm,
    heading: Text::new("Bekreft", "Confirm"),
    groups: &[&[
        does(Action::Accept, "Skriv det som vises", "Write what is shown", "bekreft", "confirm"),
        does(Action::Cancel, "Avbryt: ingenting skrives", "Cancel: nothing is written", "avbryt", "cancel"),
    ]],
    hints: &[Action::Accept, Action::Cancel],
};

/// The write itself, run once confirmed: what to say when it is done, and what the UI
/// is to do next (open the editor on the report just made, clear a correction).
pub type Write = Box<dyn FnOnce(&mut Session) -> crate::app::Result<(String, Option<UiEvent>)>>;

/// A write waiting for its confirmation: a heading, what will be written, line by
/// line, and the write.
pub struct Pending {
    pub title: String,
    pub lines: Vec<String>,
    write: Write,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("title", &self.title).field("lines", &self.lines).finish()
    }
}

impl Pending {
    pub fn new(
        title: impl Into<String>,
        lines: Vec<String>,
        write: impl FnOnce(&mut Session) -> crate::app::Result<String> + 'static,
    ) -> Pending {
        Pending::then(title, lines, move |s| write(s).map(|said| (said, None)))
    }

    /// A write that also tells the UI what to do once it is done.
    pub fn then(
        title: impl Into<String>,
        lines: Vec<String>,
        write: impl FnOnce(&mut Session) -> crate::app::Result<(String, Option<UiEvent>)> + 'static,
    ) -> Pending {
        Pending { title: title.into(), lines, write: Box::new(write) }
    }
}

/// The confirmation box, an overlay above the panes.
pub struct Confirm {
    pending: Option<Pending>,
    /// A key that does not confirm was pressed: say how to, louder.
    nudged: bool,
}

impl Confirm {
    pub fn new(pending: Pending) -> Confirm {
        Confirm { pending: Some(pending), nudged: false }
    }

    fn write(&mut self, cx: &mut Cx<'_>) {
        let Some(p) = self.pending.take() else { return };
        cx.post(UiEvent::CloseOverlay);
        let (said, then) = match (p.write)(cx.session) {
            Ok((said, then)) => (Ok(said), then),
            Err(e) => (Err(e), None),
        };
        if cx.changed(said) {
            if let Some(then) = then {
                cx.post(then);
            }
        }
    }
}

impl Pane for Confirm {
    fn context(&self) -> Context {
        Context::Confirm
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        match input {
            Input::Action(Action::Accept) => self.write(cx),
            Input::Action(Action::Cancel) => {
                cx.post(UiEvent::CloseOverlay);
                cx.post(UiEvent::Status(
                    cx.lang.pick("Avbrutt: ingenting skrevet", "Cancelled: nothing written"),
                ));
            }
            // Anything else (typing, Enter) is refused, and the box says how to answer.
            _ => self.nudged = true,
        }
        Outcome::Consumed
    }

    fn paste(&mut self, _text: &str, _cx: &mut Cx<'_>) -> Outcome {
        self.nudged = true;
        Outcome::Consumed
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let Some(p) = &self.pending else { return };
        let t = cx.theme;
        let width = area.width.saturating_sub(4).min(76);
        let inner_width = width.saturating_sub(2) as usize;
        // Rows each line takes when wrapped, roughly (a word may push a line over).
        let rows_of = |l: &String| unicode_width::UnicodeWidthStr::width(l.as_str()) / inner_width.max(1) + 1;
        let rows: usize = p.lines.iter().map(rows_of).sum();
        let height = (rows + 4) as u16;
        let popup = centered(area, width, height);
        super::widgets::clear_for_popup(f, popup, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if self.nudged { t.warning } else { t.border_focus })
            .title(Span::styled(format!(" {} ", safe_line(&p.title)), t.heading));
        let inner = block.inner(popup);
        f.render_widget(block, popup);
        // The keys always show; a text longer than the box shows its beginning and says
        // how much more there is.
        // A text that does not fit is cut, with a line of its own saying so.
        let cut = rows + 4 > usize::from(popup.height);
        let [text_area, cut_area, keys_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(u16::from(cut)), Constraint::Length(2)])
                .areas(inner);
        let room = usize::from(text_area.height);
        let mut lines: Vec<Line> = Vec::new();
        let mut used = 0;
        for (i, l) in p.lines.iter().enumerate() {
            let need = rows_of(l);
            if used + need > room {
                // What fits of this line (the paragraph stops at the area's end), and how
                // much is not shown.
                lines.push(Line::from(Span::styled(safe_line(l).into_owned(), t.base)));
                let said = crate::say!(
                    cx.lang,
                    "… ({} av {} linjer ikke vist her; alt skrives slik det står)",
                    "… ({} of {} lines not shown here; all of it is written as it stands)",
                    p.lines.len() - i,
                    p.lines.len()
                );
                f.render_widget(Paragraph::new(Span::styled(said, t.dim)), cut_area);
                break;
            }
            used += need;
            lines.push(Line::from(Span::styled(safe_line(l).into_owned(), t.base)));
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
        let mut lines = vec![Line::default()];
        let keys = hints(cx, Context::Confirm, KEYS.hints, inner_width);
        if self.nudged {
            let refused = cx
                .lang
                .pick("Enter og bokstaver skriver ikke her: ", "Enter and letters write nothing here: ");
            let mut spans = vec![Span::styled(refused, t.warning)];
            spans.extend(keys);
            lines.push(Line::from(spans));
        } else {
            lines.push(Line::from(keys));
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), keys_area);
    }
}
