//! The report editor: an overlay over the workspace with a full text editor
//! (ratatui-textarea). The text is saved as it is written — after a pause or every few
//! edits — and when the editor closes, so a crash loses at most a second of writing.

use super::action::{does, Keys};
use super::action::{Action, Input};
use super::keymap::Context;
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::widgets::centered;
use crate::domain::report::Report;
use crate::domain::Incident;
use crate::lang::Text;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;
use ratatui_textarea::{TextArea, WrapMode};
use std::time::{Duration, Instant};

/// What the keys do in the report editor.
pub const KEYS: Keys = Keys {
    context: Context::Editor,
    heading: Text::new("Rapportskriver", "Report editor"),
    groups: &[&[does(
        Action::Cancel,
        "Lagre og lukk editoren",
        "Save and close the editor",
        "lagre og lukk",
        "save and close",
    )]],
    hints: &[Action::Cancel],
};

const SAVE_EVERY_EDITS: u32 = 20;
const SAVE_AFTER: Duration = Duration::from_secs(1);

pub struct ReportEditor {
    incident: Incident,
    report: Report,
    editor: TextArea<'static>,
    unsaved_edits: u32,
    first_unsaved: Option<Instant>,
    saved_at: Option<chrono::DateTime<chrono::Local>>,
}

impl ReportEditor {
    pub fn new(incident: Incident, report: Report) -> ReportEditor {
        let mut editor = TextArea::new(report.text.lines().map(str::to_string).collect());
        editor.set_cursor_line_style(Style::default());
        editor.set_wrap_mode(WrapMode::WordOrGlyph);
        // Start writing under the first section heading, not above the title.
        if let Some(row) = report.text.lines().position(|l| l.starts_with("## ")) {
            editor.move_cursor(ratatui_textarea::CursorMove::Jump(row as u16 + 1, 0));
        }
        ReportEditor { incident, report, editor, unsaved_edits: 0, first_unsaved: None, saved_at: None }
    }

    pub fn text(&self) -> String {
        self.editor.lines().join("\n")
    }

    fn save(&mut self, cx: &mut Cx<'_>) -> bool {
        match cx.session.save_report_text(&self.incident, self.report.number, &self.text()) {
            Ok(r) => {
                self.report = r;
                self.unsaved_edits = 0;
                self.first_unsaved = None;
                self.saved_at = Some(chrono::Local::now());
                true
            }
            Err(e) => {
                cx.post(UiEvent::Error(e.said(cx.lang)));
                false
            }
        }
    }

    fn edited(&mut self, cx: &mut Cx<'_>) {
        self.unsaved_edits += 1;
        self.first_unsaved.get_or_insert_with(Instant::now);
        if self.unsaved_edits >= SAVE_EVERY_EDITS {
            self.save(cx);
        }
    }
}

impl Pane for ReportEditor {
    fn context(&self) -> Context {
        Context::Editor
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        match input {
            Input::Edit(key) => {
                if self.editor.input(key) {
                    self.edited(cx);
                }
            }
            Input::Action(Action::Newline | Action::Confirm) => {
                self.editor.insert_newline();
                self.edited(cx);
            }
            Input::Action(Action::Cancel) => {
                // Closing saves; if saving fails the editor stays open with the text.
                if self.first_unsaved.is_none() || self.save(cx) {
                    cx.post(UiEvent::DataChanged);
                    cx.post(UiEvent::CloseOverlay);
                    let (n, v) = (self.report.number, self.report.version);
                    let said = crate::say!(
                        cx.lang,
                        "Rapport {n} v{v} lagret og lukket",
                        "Report {n} v{v} saved and closed"
                    );
                    cx.post(UiEvent::Status(said));
                }
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn tick(&mut self, cx: &mut Cx<'_>, now: Instant, _shown: bool) -> bool {
        match self.first_unsaved {
            Some(first) if now.duration_since(first) >= SAVE_AFTER => self.save(cx),
            _ => false,
        }
    }

    fn unsaved_report(&self) -> Option<(i64, String)> {
        self.first_unsaved.map(|_| (self.report.number, self.text()))
    }

    fn flush(&mut self, cx: &mut Cx<'_>) {
        if self.first_unsaved.is_some() {
            self.save(cx);
        }
    }

    fn paste(&mut self, text: &str, cx: &mut Cx<'_>) -> Outcome {
        self.editor.insert_str(crate::text::pasted(text));
        self.edited(cx);
        Outcome::Consumed
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let (s, t) = (cx.strings, cx.theme);
        let popup = centered(area, area.width.saturating_sub(4).max(60), area.height);
        super::widgets::clear_for_popup(f, popup, area);
        let saved = match (self.first_unsaved, self.saved_at) {
            (Some(_), _) => s.unsaved.to_string(),
            (None, Some(at)) => format!("{} {}", s.saved_at, at.format("%H:%M:%S")),
            (None, None) => String::new(),
        };
        let title = Line::from(vec![
            Span::styled(
                format!(" {} {} v{} ", s.report, self.report.number, self.report.version),
                t.heading,
            ),
            Span::styled(format!("«{}» ", crate::text::safe_line(&self.report.title)), t.base),
            Span::styled(format!("{saved} "), t.dim),
        ]);
        let block =
            Block::default().borders(Borders::ALL).border_style(t.border_focus).title(title).title_bottom({
                let mut hint =
                    super::widgets::hints(cx, Context::Editor, KEYS.hints, popup.width as usize / 2);
                hint.insert(0, Span::raw(" "));
                hint.push(Span::raw(" "));
                Line::from(hint).right_aligned()
            });
        let inner = block.inner(popup);
        f.render_widget(block, popup);
        f.render_widget(&self.editor, inner);
    }
}
