//! The UI model: the session, the active incident's log pane, overlays (picker,
//! help) stacked above it, and the status line. Keys become actions here and go to the
//! topmost layer; what panes post comes back here. Rendering reads this state only.

use super::action::{Action, Input};
use super::hangup::SharedUnsaved;
use super::help::Help;
use super::keymap::{Chord, Context, Keymap};
use super::log_pane::LogPane;
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::picker::Picker;
use super::theme::Theme;
use super::widgets::hints;
use crate::app::Session;
use crate::i18n::Lang;
use crate::text::safe_line;
use chrono::{DateTime, Local, Timelike};
use crossterm::event::{KeyEvent, KeyEventKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
const STATUS_FOR: Duration = Duration::from_secs(8);
const POLL_EVERY: Duration = Duration::from_millis(500);

struct Status {
    text: String,
    error: bool,
    since: Instant,
}

pub struct Ui {
    pub session: Session,
    keymap: Keymap,
    theme: Theme,
    lang: Lang,
    log: Option<LogPane>,
    overlays: Vec<Box<dyn Pane>>,
    status: Option<Status>,
    quit: bool,
    data_version: i64,
    last_poll: Instant,
    minute: u32,
    /// Set by the redraw action: the loop clears the terminal before the next frame.
    pub clear_requested: bool,
    /// Shared with the hang-up watcher (see `hangup`).
    unsaved: Option<SharedUnsaved>,
}

impl Ui {
    /// Open on the incident this user last had active, or the only open one; else
    /// on the picker.
    pub fn new(mut session: Session, keymap: Keymap, theme: Theme, lang: Lang) -> crate::app::Result<Ui> {
        session.lang = lang;
        let data_version = session.store.data_version()?;
        let mut ui = Ui {
            session,
            keymap,
            theme,
            lang,
            log: None,
            overlays: Vec::new(),
            status: None,
            quit: false,
            data_version,
            last_poll: Instant::now(),
            minute: Local::now().minute(),
            clear_requested: false,
            unsaved: None,
        };
        match ui.session.default_incident()? {
            Some(incident) => ui.activate(incident)?,
            None => ui.overlays.push(Box::new(Picker::new(ui.session.incidents()?, None))),
        }
        Ok(ui)
    }

    fn activate(&mut self, incident: crate::domain::Incident) -> crate::app::Result<()> {
        if let Some(log) = &mut self.log {
            log.save_draft_if_due(&self.session, Instant::now(), true)?;
        }
        self.session.set_active(&incident)?;
        let pane = LogPane::open(&self.session, incident, self.lang)?;
        if pane.has_draft() {
            self.set_status(self.lang.strings().draft_restored.to_string(), false);
        }
        self.log = Some(pane);
        self.overlays.clear();
        Ok(())
    }

    /// Rows the terminal may scroll when the log moves (none under an overlay).
    pub fn scroll_rows(&self) -> Option<std::ops::Range<u16>> {
        self.log.as_ref().filter(|_| self.overlays.is_empty()).map(LogPane::list_rows)
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn log(&self) -> Option<&LogPane> {
        self.log.as_ref()
    }

    fn set_status(&mut self, text: String, error: bool) {
        self.status = Some(Status { text, error, since: Instant::now() });
    }

    fn context(&self) -> Context {
        match (self.overlays.last(), &self.log) {
            (Some(o), _) => o.context(),
            (None, Some(l)) => l.context(),
            (None, None) => Context::Picker,
        }
    }

    /// Share the entry line's state with the hang-up watcher from now on.
    pub fn set_unsaved(&mut self, unsaved: Option<SharedUnsaved>) {
        self.unsaved = unsaved;
        self.guarded(|_| false);
    }

    /// Run `f` holding the hang-up watcher's lock, and leave it the state after `f`.
    fn guarded(&mut self, f: impl FnOnce(&mut Ui) -> bool) -> bool {
        let Some(shared) = self.unsaved.clone() else {
            return f(self);
        };
        let mut unsaved = shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let changed = f(self);
        unsaved.incident = self.log.as_ref().map(|l| l.incident().id);
        unsaved.draft = self.log.as_ref().and_then(LogPane::draft_snapshot);
        changed
    }

    /// Handle a key press; true when something on screen may have changed.
    pub fn on_key(&mut self, ev: KeyEvent) -> bool {
        self.guarded(|ui| ui.handle_key(ev))
    }

    fn handle_key(&mut self, ev: KeyEvent) -> bool {
        if ev.kind != KeyEventKind::Press {
            return false;
        }
        let context = self.context();
        let input = match self.keymap.action(context, Chord::from_event(&ev)) {
            Some(a) => Input::Action(a),
            None if context.takes_text() || context == Context::Log && is_typing(&ev) => Input::Edit(ev),
            None => return false,
        };
        match input {
            Input::Action(Action::Quit) => {
                self.quit = true;
                return false;
            }
            Input::Action(Action::Help) if context != Context::Help => {
                self.overlays.push(Box::new(Help::default()));
                return true;
            }
            Input::Action(Action::Incidents) if !matches!(context, Context::Picker | Context::Form) => {
                match self.session.incidents() {
                    Ok(list) => {
                        let active = self.log.as_ref().map(|l| l.incident().id);
                        self.overlays.push(Box::new(Picker::new(list, active)))
                    }
                    Err(e) => self.set_status(e.to_string(), true),
                }
                return true;
            }
            Input::Action(Action::Redraw) => {
                self.clear_requested = true;
                return true;
            }
            _ => {}
        }
        self.with_top(|pane, cx| pane.handle(input, cx))
    }

    /// Bracketed paste: the text goes to the focused field, cleaned of control codes.
    pub fn on_paste(&mut self, text: &str) -> bool {
        self.guarded(|ui| ui.with_top(|pane, cx| pane.paste(text, cx)))
    }

    fn with_top(&mut self, f: impl FnOnce(&mut dyn Pane, &mut Cx<'_>) -> Outcome) -> bool {
        let mut events = Vec::new();
        let mut cx = Cx { session: &mut self.session, lang: self.lang, events: &mut events };
        let outcome = match (self.overlays.last_mut(), self.log.as_mut()) {
            (Some(o), _) => f(o.as_mut(), &mut cx),
            (None, Some(l)) => f(l, &mut cx),
            (None, None) => Outcome::Ignored,
        };
        let any = !events.is_empty();
        for e in events {
            self.apply(e);
        }
        outcome == Outcome::Consumed || any
    }

    fn apply(&mut self, event: UiEvent) {
        match event {
            UiEvent::Status(s) => self.set_status(s, false),
            UiEvent::Error(s) => self.set_status(s, true),
            UiEvent::CloseOverlay => {
                self.overlays.pop();
            }
            UiEvent::Activate(incident) => {
                if let Err(e) = self.activate(incident) {
                    self.set_status(e.to_string(), true);
                }
            }
        }
    }

    /// Periodic work: save the draft when due, pick up entries others wrote, expire
    /// the status, notice a new minute for the clock. True when a redraw is needed.
    pub fn tick(&mut self, now: Instant) -> bool {
        let mut changed = false;
        if let Some(log) = &mut self.log {
            match log.poll_history() {
                Ok(c) => changed |= c,
                Err(e) => {
                    self.status = Some(Status { text: e, error: true, since: now });
                    changed = true;
                }
            }
        }
        if let Some(log) = &mut self.log {
            if let Err(e) = log.save_draft_if_due(&self.session, now, false) {
                self.status = Some(Status { text: e.to_string(), error: true, since: now });
                changed = true;
            }
        }
        if now.duration_since(self.last_poll) >= POLL_EVERY {
            self.last_poll = now;
            if let Ok(v) = self.session.store.data_version() {
                if v != self.data_version {
                    self.data_version = v;
                    if let Some(log) = &mut self.log {
                        changed |= log.refresh(&self.session).unwrap_or(false);
                    }
                }
            }
        }
        if self.status.as_ref().is_some_and(|s| now.duration_since(s.since) >= STATUS_FOR) {
            self.status = None;
            changed = true;
        }
        let minute = Local::now().minute();
        if minute != self.minute {
            self.minute = minute;
            changed = true;
        }
        changed
    }

    /// How long the event loop may sleep before `tick` has work.
    pub fn next_wake(&self, now: Instant) -> Duration {
        if self.log.as_ref().is_some_and(LogPane::is_loading) {
            return Duration::from_millis(10);
        }
        let draft = self.log.as_ref().and_then(|l| l.draft_due_in(now)).unwrap_or(POLL_EVERY);
        draft.min((self.last_poll + POLL_EVERY).saturating_duration_since(now)).max(Duration::from_millis(10))
    }

    /// Save what is unsaved before the program ends.
    pub fn shutdown(&mut self) -> crate::app::Result<()> {
        if let Some(log) = &mut self.log {
            log.save_draft_if_due(&self.session, Instant::now(), true)?;
        }
        Ok(())
    }

    pub fn render(&self, f: &mut Frame<'_>, now: DateTime<Local>) {
        let area = f.area();
        let s = self.lang.strings();
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let msg = format!("{}: {}×{} < {MIN_WIDTH}×{MIN_HEIGHT}", s.too_small, area.width, area.height);
            f.render_widget(Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }), area);
            return;
        }
        let cx = RenderCx {
            theme: &self.theme,
            keymap: &self.keymap,
            lang: self.lang,
            strings: s,
            now,
            incident_types: &self.session.incident_types,
        };
        let [title, body, bottom] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
        self.render_title(f, title, &cx);
        if let Some(log) = &self.log {
            log.render(f, body, &cx);
        }
        for o in &self.overlays {
            o.render(f, body, &cx);
        }
        self.render_bottom(f, bottom, &cx);
    }

    fn render_title(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let (s, t) = (cx.strings, cx.theme);
        let mut left = vec![Span::styled(" sitroom │ ", t.title_bar)];
        match self.log.as_ref().map(LogPane::incident) {
            Some(i) => {
                left.push(Span::styled(format!("#{} {} ", i.number, safe_line(&i.title)), t.title_bar));
                left.push(Span::styled(
                    format!(
                        "│ {} · {} {} ",
                        safe_line(&i.kind),
                        i.severity.level(),
                        i.severity.name(cx.lang.is_norwegian())
                    ),
                    t.title_bar,
                ));
                if i.exercise {
                    left.push(Span::styled(format!(" {} ", s.exercise), t.exercise));
                }
            }
            None => left.push(Span::styled(s.no_active.to_string(), t.title_bar)),
        }
        let right = format!(
            " {} · {}  {} ",
            safe_line(&self.session.user),
            self.session.device,
            cx.now.format("%H:%M")
        );
        let used: usize = left.iter().map(|s| s.content.width()).sum();
        let room = (area.width as usize).saturating_sub(used + right.width());
        left.push(Span::styled(" ".repeat(room), t.title_bar));
        if room > 0 || used + right.width() <= area.width as usize {
            left.push(Span::styled(right, t.title_bar));
        }
        f.render_widget(Paragraph::new(Line::from(left)).style(t.title_bar), area);
    }

    fn render_bottom(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let line = match &self.status {
            Some(st) if st.error => Line::from(vec![
                Span::styled(format!(" {}: ", cx.strings.error), t.error),
                Span::styled(safe_line(&st.text).into_owned(), t.error),
            ]),
            Some(st) => Line::from(Span::styled(format!(" {}", safe_line(&st.text)), t.status)),
            None => {
                let context = self.context();
                let actions: &[Action] = match context {
                    Context::Entry => &[
                        Action::Confirm,
                        Action::FocusNext,
                        Action::Help,
                        Action::Quit,
                        Action::ToggleSignificant,
                        Action::Search,
                        Action::Incidents,
                    ],
                    Context::Log => &[
                        Action::FocusNext,
                        Action::Help,
                        Action::Correct,
                        Action::ToggleSignificant,
                        Action::Search,
                        Action::DecisionsOnly,
                        Action::SignificantOnly,
                    ],
                    Context::Filter => &[Action::Confirm, Action::Cancel],
                    Context::Help => &[Action::Cancel, Action::Quit],
                    _ => &[Action::Help, Action::Quit],
                };
                let mut spans = vec![Span::raw(" ")];
                spans.extend(hints(cx, context, actions, area.width.saturating_sub(1) as usize));
                Line::from(spans)
            }
        };
        f.render_widget(Paragraph::new(line), area);
    }
}

/// A printable character without Ctrl or Alt: typing, not a command.
fn is_typing(ev: &KeyEvent) -> bool {
    matches!(ev.code, crossterm::event::KeyCode::Char(_))
        && !ev
            .modifiers
            .intersects(crossterm::event::KeyModifiers::CONTROL | crossterm::event::KeyModifiers::ALT)
}
