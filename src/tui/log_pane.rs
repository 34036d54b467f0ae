//! The incident log pane: the log list above, the entry line below (focused from the
//! start, so the logger just types), and the filter line between them while filtering.

use super::action::{does, Keys, Meaning, AROUND, COPY, DOWN, PAGE_DOWN, PAGE_UP, UP};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::entry_lines::{entry_lines, MEASURE};
use super::keymap::Context;
use super::line_edit::LineEdit;
use super::log_model::{LogModel, Row};
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::prompt::{drive, Prompt};
use super::widgets::hints;
use crate::app::{EntryInput, Session};
use crate::domain::filter::LogFilter;
use crate::domain::{EntryKind, Incident};
use crate::i18n::Label as _;
use crate::i18n::Lang;
use crate::lang::Text;
use crate::store::Draft;
use crate::text::safe;
use chrono::{DateTime, Local, Utc};
use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use ratatui_textarea::{TextArea, WrapMode};
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;
use uuid::Uuid;

/// Keys the entry line and the log list share: both move the log and search it.
const OLDEST: Meaning = does(Action::First, "Til eldste", "To the oldest", "eldste", "oldest");
const NEWEST: Meaning = does(Action::Last, "Til nyeste", "To the newest", "nyeste", "newest");
const SEARCH: Meaning = does(
    Action::Search,
    "Søk og filtrer (#tagg @navn ! *)",
    "Search and filter (#tag @name ! *)",
    "søk",
    "search",
);
const NEXT_ITEM: Meaning =
    does(Action::NextItem, "Møtet: neste sak", "Meeting: next agenda item", "neste sak", "next item");
const PREVIOUS_ITEM: Meaning = does(
    Action::PreviousItem,
    "Møtet: forrige sak",
    "Meeting: previous agenda item",
    "forrige sak",
    "previous item",
);
const SIGNIFICANT: Meaning = does(
    Action::ToggleSignificant,
    "Merk som vesentlig (av/på)",
    "Mark significant (on/off)",
    "vesentlig",
    "significant",
);

/// What the keys do in the entry line, where the logger types.
pub const ENTRY: Keys = Keys {
    context: Context::Entry,
    heading: Text::new("Skrivelinjen", "Entry line"),
    groups: &[&[
        does(Action::Confirm, "Lagre loggføringen", "Save the entry", "lagre", "save"),
        does(Action::Newline, "Ny linje i loggføringen", "New line in the entry", "ny linje", "new line"),
        does(
            Action::FocusNext,
            "Til loggen: velg, merk, rett, filtrer",
            "To the log: choose, mark, correct, filter",
            "til loggen",
            "to the log",
        ),
        does(Action::Cancel, "Avbryt rettingen", "Abandon the correction", "avbryt", "cancel"),
        PAGE_UP,
        PAGE_DOWN,
        NEWEST,
        OLDEST,
        SEARCH,
        SIGNIFICANT,
        NEXT_ITEM,
        PREVIOUS_ITEM,
    ]],
    hints: &[
        Action::Confirm,
        Action::FocusNext,
        Action::Help,
        Action::Quit,
        Action::ToggleSignificant,
        Action::Search,
        Action::Incidents,
    ],
};

/// What the keys do in the log list, after Tab.
pub const LOG: Keys = Keys {
    context: Context::Log,
    heading: Text::new("Loggen", "Log"),
    groups: &[
        &[
            UP,
            DOWN,
            PAGE_UP,
            PAGE_DOWN,
            OLDEST,
            NEWEST,
            SEARCH,
            does(Action::FilterTag, "Filtrer på tagg", "Filter by tag", "tagg", "tag"),
            does(Action::FilterAuthor, "Filtrer på forfatter", "Filter by author", "forfatter", "author"),
            does(
                Action::DecisionsOnly,
                "Bare beslutninger (av/på)",
                "Decisions only (on/off)",
                "beslutninger",
                "decisions",
            ),
            does(
                Action::SignificantOnly,
                "Bare vesentlige (av/på)",
                "Significant only (on/off)",
                "vesentlige",
                "significant",
            ),
            does(
                Action::PeopleOnly,
                "Skjul automatiske loggføringer (av/på, huskes)",
                "Hide automatic entries (on/off, remembered)",
                "skjul auto",
                "hide auto",
            ),
            does(
                Action::TimeOrder,
                "Sorter etter tidspunkt sagt / rekkefølge skrevet",
                "Order by time said / order written",
                "tidsrekkefølge",
                "time order",
            ),
            does(Action::ClearFilter, "Fjern filteret", "Clear the filter", "fjern filter", "clear filter"),
            SIGNIFICANT,
            does(Action::Correct, "Rett valgt loggføring", "Correct the selected entry", "rett", "correct"),
            COPY,
            does(
                Action::Retract,
                "Trekk tilbake valgt loggføring (feilført)",
                "Take back the selected entry (entered in error)",
                "trekk tilbake",
                "take back",
            ),
            does(
                Action::TaskFromEntry,
                "Lag oppgave av valgt loggføring",
                "Make a task of the selected entry",
                "oppgave",
                "task",
            ),
            does(
                Action::PostToBoard,
                "Sett valgt loggføring opp på en informasjonstavle",
                "Put the selected entry up on an information board",
                "tavle",
                "board",
            ),
            does(
                Action::StartMeeting,
                "Start neste planlagte møte",
                "Start the next planned meeting",
                "start møte",
                "start meeting",
            ),
            does(
                Action::EndMeeting,
                "Avslutt møtet og lag referat",
                "End the meeting and draft the minutes",
                "avslutt møte",
                "end meeting",
            ),
            NEXT_ITEM,
            PREVIOUS_ITEM,
            does(Action::FocusNext, "Tilbake til skrivelinjen", "Back to the entry line", "skriv", "write"),
            does(Action::Cancel, "Tilbake til skrivelinjen", "Back to the entry line", "tilbake", "back"),
        ],
        AROUND,
    ],
    hints: &[
        Action::FocusNext,
        Action::Help,
        Action::Correct,
        Action::TaskFromEntry,
        Action::ToggleSignificant,
        Action::Search,
        Action::DecisionsOnly,
    ],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    Entry,
    Log,
    Filter,
}

/// The user's remembered choices for reading the log.
const HIDE_AUTO: &str = "log_hide_auto";
/// What a click on the entry line picks (the entries are picked by their row).
const ENTRY_LINE: usize = usize::MAX;
const TIME_ORDER: &str = "log_time_order";

/// Entries loaded before the first frame; older history follows from a background
/// thread, so a 100,000-entry log opens as fast as a short one.
pub const FIRST_LOAD: i64 = 3_000;

/// Save the draft after this many edits even while typing continues…
const SAVE_EVERY_EDITS: u32 = 8;
/// …and at the latest this long after an edit.
const SAVE_AFTER: Duration = Duration::from_millis(500);

pub struct LogPane {
    incident: Incident,
    model: LogModel,
    lang: Lang,
    focus: Focus,
    editor: TextArea<'static>,
    /// The first keystroke of the entry being typed: when it was said.
    started_at: Option<DateTime<Utc>>,
    significant_draft: bool,
    /// The entry being corrected: (id, seq).
    correcting: Option<(Uuid, i64)>,
    unsaved_edits: u32,
    first_unsaved: Option<Instant>,
    query: LineEdit,
    query_before: String,
    decisions_only: bool,
    significant_only: bool,
    /// Automatic entries hidden (the user's choice, remembered).
    people_only: bool,
    /// Selected entry (index among those shown) while the log has focus.
    selected: usize,
    /// The entry at the bottom of the list; `None` follows the newest.
    anchor: Option<usize>,
    /// Where the list was drawn last (inside its border), for paging and scrolling.
    list_area: Cell<Rect>,
    /// Whether the list shows dates (the log reaches past today), as last drawn: what
    /// paging measures with, so measuring and drawing agree.
    dated: Cell<Option<chrono::NaiveDate>>,
    /// The entry line's text rows as last drawn: the most the draft has needed.
    entry_rows: Cell<usize>,
    /// May this user write the log? If not the entry line is shown read-only.
    can_write: bool,
    /// The meeting running in the incident: entries go under its current item.
    meeting: Option<crate::domain::meeting::Meeting>,
    /// Asking for a new meeting: `Title; item; item | participant, participant`.
    planning: Option<Prompt<()>>,
    /// The older history, while a background thread loads it.
    history: Option<Receiver<Result<LogModel, String>>>,
    /// The store's count of syncs that placed entries before others (see
    /// `Store::log_reorders`): when it moves, numbers shifted and the view reloads.
    reorders: i64,
}

/// Load entries `1..=until` on another thread, with its own connection.
fn load_history(path: PathBuf, incident_id: Uuid, until: i64) -> Receiver<Result<LogModel, String>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let loaded =
            LogModel::load(|push| crate::app::for_each_summary_at(&path, incident_id, 0, until, push))
                .map_err(|e| e.to_string());
        let _ = tx.send(loaded);
    });
    rx
}

/// A title with the focus mark in front when its part has the focus: the one cue
/// that shows without colour (NO_COLOR, a monochrome terminal) too.
fn focus_mark(mut title: Vec<Span<'static>>, focused: bool, t: &super::theme::Theme) -> Vec<Span<'static>> {
    if focused {
        title.insert(0, Span::styled("▶", t.key));
    }
    title
}

/// What a meeting's change says in the status line.
fn meeting_said(
    lang: Lang,
    result: crate::app::Result<crate::domain::meeting::Meeting>,
) -> crate::app::Result<String> {
    let m = result?;
    let s = lang.strings();
    Ok(match (m.item_label(), m.minutes_report) {
        (_, Some(r)) => format!("{} {}: {} {r}", s.meeting, m.number, s.minutes_in),
        (Some(item), _) => format!("{} {}: {item}", s.meeting, m.number),
        (None, None) => format!("{} {}", s.meeting, m.number),
    })
}

fn new_editor() -> TextArea<'static> {
    let mut t = TextArea::default();
    t.set_cursor_line_style(Style::default());
    t.set_wrap_mode(WrapMode::WordOrGlyph);
    t
}

impl LogPane {
    /// Open an incident's log: every entry, and the draft left from last time.
    pub fn open(session: &Session, incident: Incident, lang: Lang) -> crate::app::Result<LogPane> {
        let last = session.last_seq(&incident)?;
        let from = (last - FIRST_LOAD).max(0);
        let model = LogModel::load(|push| session.for_each_summary(&incident, from, i64::MAX, push))?;
        let history = (from > 0).then(|| load_history(session.store.path().to_path_buf(), incident.id, from));
        let draft = session.load_draft(&incident)?;
        let mut pane = LogPane {
            incident,
            model,
            lang,
            focus: Focus::Entry,
            editor: new_editor(),
            started_at: None,
            significant_draft: false,
            correcting: None,
            unsaved_edits: 0,
            first_unsaved: None,
            query: LineEdit::default(),
            query_before: String::new(),
            decisions_only: false,
            significant_only: false,
            people_only: false,
            selected: 0,
            anchor: None,
            list_area: Cell::new(Rect::new(0, 0, 80, 20)),
            dated: Cell::new(None),
            entry_rows: Cell::new(1),
            can_write: session.may(crate::domain::roles::Permission::WriteLog)?,
            meeting: None,
            planning: None,
            history,
            reorders: session.store.log_reorders()?,
        };
        pane.meeting = session.ongoing_meeting(&pane.incident)?;
        // How this user reads the log, as they left it.
        let state = |key| session.store.user_state(&session.user, key).map(|v| v.as_deref() == Some("1"));
        pane.people_only = state(HIDE_AUTO)?;
        pane.model.set_time_order(state(TIME_ORDER)?);
        if pane.people_only {
            pane.apply_filter();
        }
        if let Some(d) = draft {
            pane.editor = TextArea::new(d.text.split('\n').map(str::to_string).collect());
            pane.editor.set_cursor_line_style(Style::default());
            pane.editor.set_wrap_mode(WrapMode::WordOrGlyph);
            pane.editor.move_cursor(ratatui_textarea::CursorMove::Bottom);
            pane.editor.move_cursor(ratatui_textarea::CursorMove::End);
            pane.started_at = Some(d.started_at);
            pane.correcting = d.corrects.and_then(|id| pane.find_seq(id).map(|seq| (id, seq)));
        }
        Ok(pane)
    }

    pub fn incident(&self) -> &Incident {
        &self.incident
    }

    pub fn has_draft(&self) -> bool {
        !self.editor.is_empty()
    }

    pub fn model(&self) -> &LogModel {
        &self.model
    }

    fn find_seq(&self, id: Uuid) -> Option<i64> {
        (0..self.model.total()).rev().find_map(|i| self.model.get(i).filter(|r| r.id == id).map(|r| r.seq))
    }

    /// The entry line as a draft, if anything is typed.
    pub fn draft_snapshot(&self) -> Option<Draft> {
        self.started_at.filter(|_| !self.editor.is_empty()).map(|started_at| Draft {
            text: self.text(),
            started_at,
            corrects: self.correcting.map(|c| c.0),
        })
    }

    /// The rows of the log list on screen: the region a terminal may scroll.
    pub fn list_rows(&self) -> std::ops::Range<u16> {
        let a = self.list_area.get();
        a.top()..a.bottom()
    }

    /// Plan a meeting from `Title; item; item | participant, participant` and start it,
    /// once confirmed.
    fn plan_meeting(&mut self, cx: &mut Cx<'_>, text: &str) {
        let (plan, who) = text.split_once('|').unwrap_or((text, ""));
        let mut parts = plan.split(';').map(str::trim);
        let new = crate::domain::meeting::NewMeeting {
            title: parts.next().unwrap_or_default().to_string(),
            agenda: parts.filter(|p| !p.is_empty()).map(str::to_string).collect(),
            participants: who
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            starts_at: None,
        };
        let lang = cx.lang;
        let mut lines = vec![format!("«{}»", new.title)];
        for (n, item) in new.agenda.iter().enumerate() {
            lines.push(format!("  {}. {item}", n + 1));
        }
        if !new.participants.is_empty() {
            lines.push(format!(
                "{}: {}",
                lang.pick("Deltakere", "Participants"),
                new.participants.join(", ")
            ));
        }
        let incident = self.incident.clone();
        let title = lang.pick("Nytt møte, startes nå", "New meeting, started now");
        cx.confirm(Pending::new(title, lines, move |s| {
            let (m, _) = s.new_meeting(&incident, new)?;
            meeting_said(lang, s.start_meeting(&incident, m.number).map(|(m, _)| m))
        }));
    }

    /// Move the running meeting to its next (or previous) agenda item, once confirmed.
    /// F11/F12: the meeting's next or previous agenda item, at once and without a box.
    /// They are function keys, which typing never gives, pressed while the chair says
    /// "neste sak" and the logger goes straight on to the decision: a box there would
    /// swallow that sentence. A slip is undone by the other key, and the status line
    /// says where the meeting now is.
    fn move_item(&mut self, cx: &mut Cx<'_>, forward: bool) {
        let Some(m) = &self.meeting else {
            cx.post(UiEvent::Error(cx.strings().no_meeting.into()));
            return;
        };
        let (lang, number) = (cx.lang, m.number);
        let k = m.current_item.unwrap_or(0) + if forward { 1 } else { -1 };
        let moved = cx.session.meeting_item(&self.incident, number, k).map(|(m, _)| m);
        if cx.changed(meeting_said(lang, moved)) {
            let _ = self.load_new(cx.session);
        }
    }

    /// Is the older history still loading?
    pub fn is_loading(&self) -> bool {
        self.history.is_some()
    }

    /// Merge the history if it has arrived; true when the view changed.
    pub fn poll_history(&mut self, lang: crate::lang::Lang) -> Result<bool, String> {
        let Some(rx) = &self.history else {
            return Ok(false);
        };
        let older = match rx.try_recv() {
            Ok(loaded) => loaded,
            Err(std::sync::mpsc::TryRecvError::Empty) => return Ok(false),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                Err(Text::new("loggens historikk kunne ikke lastes", "the log history could not be loaded")
                    .get(lang)
                    .to_string())
            }
        };
        self.history = None;
        let older = older?;
        let filtered = !self.model.filter().is_empty();
        let n = self.model.prepend(older);
        if filtered {
            self.anchor = None;
            self.selected = self.model.len().saturating_sub(1);
        } else {
            self.anchor = self.anchor.map(|a| a + n);
            self.selected += n;
        }
        Ok(true)
    }

    fn text(&self) -> String {
        self.editor.lines().join("\n")
    }

    /// Pick up entries another process (a CLI command, later sync) has written.
    pub fn load_new(&mut self, session: &Session) -> crate::app::Result<bool> {
        let meeting = session.ongoing_meeting(&self.incident)?;
        let meeting_changed = meeting != self.meeting;
        self.meeting = meeting;
        let reorders = session.store.log_reorders()?;
        if reorders != self.reorders {
            // Entries merged from a replica that was offline took their places by time
            // and later numbers moved: read the log afresh, keeping the filter.
            self.reorders = reorders;
            self.history = None;
            let filter = self.model.filter().clone();
            self.model = LogModel::load(|push| session.for_each_summary(&self.incident, 0, i64::MAX, push))?;
            self.model.set_filter(filter);
            self.anchor = None;
            self.selected = self.selected.min(self.model.len().saturating_sub(1));
            return Ok(true);
        }
        let before = self.model.total();
        session.for_each_summary(&self.incident, self.model.last_seq(), i64::MAX, |e| self.model.push(e))?;
        Ok(self.model.total() > before || meeting_changed)
    }

    /// Save the draft if edits are waiting and it is time (or `force`).
    pub fn save_draft_if_due(
        &mut self,
        session: &Session,
        now: Instant,
        force: bool,
    ) -> crate::app::Result<()> {
        let Some(first) = self.first_unsaved else {
            return Ok(());
        };
        if force || self.unsaved_edits >= SAVE_EVERY_EDITS || now.duration_since(first) >= SAVE_AFTER {
            session.save_draft(&self.incident, self.draft_snapshot().as_ref())?;
            self.unsaved_edits = 0;
            self.first_unsaved = None;
        }
        Ok(())
    }

    /// Save the draft as the session's user now: the session became another user's
    /// (a sign-in), whose draft it is from now on.
    pub fn save_draft_as_now(&mut self, session: &Session) -> crate::app::Result<()> {
        session.save_draft(&self.incident, self.draft_snapshot().as_ref())?;
        self.unsaved_edits = 0;
        self.first_unsaved = None;
        Ok(())
    }

    /// When the next draft save falls due, for the event loop's timeout.
    pub fn draft_due_in(&self, now: Instant) -> Option<Duration> {
        self.first_unsaved.map(|f| (f + SAVE_AFTER).saturating_duration_since(now))
    }

    fn edited(&mut self, session: &Session) {
        if self.editor.is_empty() {
            self.started_at = None;
        } else if self.started_at.is_none() {
            self.started_at = Some(Utc::now());
        }
        self.unsaved_edits += 1;
        self.first_unsaved.get_or_insert_with(Instant::now);
        if self.unsaved_edits >= SAVE_EVERY_EDITS {
            // A failed draft save must not interrupt typing; the next one retries.
            let _ = self.save_draft_if_due(session, Instant::now(), true);
        }
    }

    fn commit(&mut self, cx: &mut Cx<'_>) {
        let text = self.text();
        if text.trim().is_empty() {
            return;
        }
        let input = EntryInput {
            text,
            started_at: self.started_at.unwrap_or_else(Utc::now),
            at: None,
            corrects: self.correcting.map(|c| c.0),
            significant: self.significant_draft,
        };
        if let Some((_, seq)) = self.correcting {
            // A correction supersedes an entry for good: show it beside what it
            // replaces and write it once confirmed.
            let lang = cx.lang;
            let was = self.model.by_seq(seq).map(|r| self.model.text(r).to_string()).unwrap_or_default();
            let lines = vec![
                format!("{}: {was}", lang.pick("Stod", "Was")),
                format!("{}: {}", lang.pick("Blir", "Becomes"), input.text),
            ];
            let incident = self.incident.clone();
            let title = crate::say!(lang, "Rett #{seq}", "Correct #{seq}");
            cx.confirm(Pending::then(title, lines, move |s| {
                let entry = s.add_entry(&incident, input)?;
                let said = crate::say!(lang, "Rettet: #{seq} → #{}", "Corrected: #{seq} → #{}", entry.seq);
                Ok((said, Some(UiEvent::CorrectionSaved)))
            }));
            return;
        }
        match cx.session.add_entry(&self.incident, input) {
            Ok(entry) => {
                // Read what is new from the database, not only this entry: another
                // process (a CLI command, sync) may have written just before, and its
                // entries come before this one.
                if self.load_new(cx.session).is_err() || self.model.by_seq(entry.seq).is_none() {
                    self.model.push_entry(&entry, self.correcting.map(|c| c.1));
                }
                self.clear_entry();
                cx.post(UiEvent::EntrySaved { id: entry.id, seq: entry.seq });
            }
            Err(e) => cx.post(UiEvent::Error(e.said(cx.lang))),
        }
    }

    fn apply_filter(&mut self) {
        let mut f = LogFilter::parse(self.query.text());
        f.decisions_only |= self.decisions_only;
        f.significant_only |= self.significant_only;
        f.people_only |= self.people_only;
        self.model.set_filter(f);
        self.anchor = None;
        self.selected = self.model.len().saturating_sub(1);
    }

    fn open_filter(&mut self, prefix: &str) {
        self.query_before = self.query.text().to_string();
        if !prefix.is_empty() {
            if !self.query.is_empty() && !self.query.text().ends_with(' ') {
                self.query = LineEdit::new(format!("{} ", self.query.text()));
            }
            self.query = LineEdit::new(format!("{}{prefix}", self.query.text()));
        }
        self.focus = Focus::Filter;
    }

    fn selected_row(&self) -> Option<&Row> {
        self.model.get(self.selected)
    }

    // --- scrolling -------------------------------------------------------------

    fn height_of(&self, i: usize, width: u16) -> usize {
        self.model.get(i).map_or(1, |r| {
            entry_lines(r, self.model.text(r), width, self.lang.strings(), &MEASURE, false, self.dated.get())
                .len()
        })
    }

    /// Going up from `bottom`, the first index that still fits in `height` rows.
    fn fit_up(&self, bottom: usize, (width, height): (u16, u16)) -> usize {
        let mut used = 0;
        let mut top = bottom;
        for i in (0..=bottom).rev() {
            used += self.height_of(i, width);
            if used > height as usize && i != bottom {
                break;
            }
            top = i;
        }
        top
    }

    /// Going down from `top`, the last index that still fits in `height` rows.
    fn fit_down(&self, top: usize, (width, height): (u16, u16)) -> usize {
        let mut used = 0;
        let mut bottom = top;
        for i in top..self.model.len() {
            used += self.height_of(i, width);
            if used > height as usize && i != top {
                break;
            }
            bottom = i;
        }
        bottom
    }

    fn bottom(&self) -> usize {
        let last = self.model.len().saturating_sub(1);
        self.anchor.map_or(last, |a| a.min(last))
    }

    fn set_bottom(&mut self, bottom: usize) {
        self.anchor = (bottom + 1 < self.model.len()).then_some(bottom);
    }

    /// A notch of the wheel: three entries, the selection with them when the list has
    /// the focus, else only the view (typing goes on below it).
    fn wheel(&mut self, down: bool) {
        const NOTCH: usize = 3;
        let len = self.model.len();
        if self.focus == Focus::Log || len == 0 {
            for _ in 0..NOTCH {
                self.scroll(if down { Action::Down } else { Action::Up });
            }
            return;
        }
        let area = self.list_area.get();
        let bottom = self.bottom();
        if down && bottom + NOTCH >= len - 1 {
            self.anchor = None; // back to following the newest
        } else if down {
            self.set_bottom(bottom + NOTCH);
        } else {
            let b = bottom.saturating_sub(NOTCH).max(self.fit_down(0, (area.width, area.height)));
            self.set_bottom(b);
        }
    }

    fn scroll(&mut self, action: Action) {
        let area = self.list_area.get();
        let size = (area.width, area.height);
        let len = self.model.len();
        if len == 0 {
            return;
        }
        let bottom = self.bottom();
        let top = self.fit_up(bottom, size);
        let page = bottom - top + 1;
        if self.focus == Focus::Log {
            self.selected = match action {
                Action::Up => self.selected.saturating_sub(1),
                Action::Down => (self.selected + 1).min(len - 1),
                Action::PageUp => self.selected.saturating_sub(page),
                Action::PageDown => (self.selected + page).min(len - 1),
                Action::First => 0,
                _ => len - 1,
            };
            if self.selected > bottom {
                self.set_bottom(self.selected);
            } else if self.selected < top {
                let b = self.fit_down(self.selected, size);
                self.set_bottom(b);
            }
            return;
        }
        match action {
            Action::PageUp | Action::Up => {
                let b = if top == 0 { bottom } else { top - 1 };
                self.set_bottom(b.max(self.fit_down(0, size)));
            }
            Action::PageDown | Action::Down => {
                let b = self.fit_down((bottom + 1).min(len - 1), size);
                self.set_bottom(b);
            }
            Action::First => {
                let b = self.fit_down(0, size);
                self.set_bottom(b);
            }
            _ => self.anchor = None,
        }
    }

    // --- input -----------------------------------------------------------------

    fn handle_entry(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let writes = matches!(
            input,
            Input::Edit(_)
                | Input::Paste
                | Input::Action(Action::Confirm | Action::Newline | Action::ToggleSignificant)
        );
        if writes && !self.can_write {
            // Say why once per attempt, from the permission table, instead of typing
            // into a line that can never be saved.
            if let Err(e) = cx.session.permit(crate::domain::roles::Permission::WriteLog) {
                cx.post(UiEvent::Error(e.said(cx.lang)));
            }
            return Outcome::Consumed;
        }
        match input {
            // The readline meanings, as in every one-line field: Ctrl-U deletes to the
            // start of the line (not undo, as the editor widget has it); undo is Ctrl-Z.
            Input::Edit(key) if key.code == KeyCode::Char('u') && key.modifiers == KeyModifiers::CONTROL => {
                if self.editor.delete_line_by_head() {
                    self.edited(cx.session);
                }
            }
            Input::Edit(key) if key.code == KeyCode::Char('z') && key.modifiers == KeyModifiers::CONTROL => {
                if self.editor.undo() {
                    self.edited(cx.session);
                }
            }
            Input::Edit(key) => {
                if self.editor.input(key) {
                    self.edited(cx.session);
                }
            }
            Input::Action(Action::Confirm) => self.commit(cx),
            Input::Action(Action::Newline) => {
                self.editor.insert_newline();
                self.edited(cx.session);
            }
            Input::Action(Action::FocusNext) => self.focus_log(),
            // Esc only abandons a correction: a stray Esc while typing must not move the
            // focus to the log, where letters are commands.
            // (Without a correction it does nothing, and says so by being used up.)
            Input::Action(Action::Cancel) => {
                if let Some((_, seq)) = self.correcting.take() {
                    self.editor = new_editor();
                    self.edited(cx.session);
                    let said = crate::say!(
                        cx.lang,
                        "Rettingen av #{seq} avbrutt; ingenting skrevet",
                        "The correction of #{seq} abandoned; nothing written"
                    );
                    cx.post(UiEvent::Status(said));
                }
            }
            Input::Action(a @ (Action::PageUp | Action::PageDown | Action::First | Action::Last)) => {
                self.scroll(a)
            }
            Input::Action(Action::Search) => self.open_filter(""),
            Input::Action(a @ (Action::NextItem | Action::PreviousItem)) => {
                self.move_item(cx, a == Action::NextItem)
            }
            Input::Action(Action::ToggleSignificant) => self.significant_draft = !self.significant_draft,
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    /// Keep how this user reads the log for the next start.
    fn remember(&self, cx: &mut Cx<'_>, key: &str, on: bool) {
        if let Err(e) = cx.session.store.set_user_state(&cx.session.user, key, if on { "1" } else { "0" }) {
            cx.post(UiEvent::Error(e.to_string()));
        }
    }

    /// Characters typed in one burst, put in the entry line as one edit (see
    /// `Ui::on_keys`). `None` when this user may not write the log.
    pub fn type_text(&mut self, text: &str, session: &Session) -> Option<bool> {
        if !self.can_write || self.focus != Focus::Entry {
            return None;
        }
        self.editor.insert_str(text);
        self.edited(session);
        Some(true)
    }

    /// An entry was marked (or unmarked) significant: show it so at once.
    pub fn marked(&mut self, seq: i64, significant: bool) {
        self.model.set_significant(seq, significant);
    }

    /// The correction in the entry line was written (confirmed): start afresh.
    pub fn correction_saved(&mut self, session: &Session) {
        let _ = self.load_new(session);
        self.clear_entry();
        session.save_draft(&self.incident, None).ok();
    }

    /// An empty entry line after an entry was written: no draft, no correction, the
    /// list following the newest again.
    fn clear_entry(&mut self) {
        self.editor = new_editor();
        self.started_at = None;
        self.significant_draft = false;
        self.correcting = None;
        self.unsaved_edits = 0;
        self.first_unsaved = None;
        self.anchor = None;
    }

    fn focus_log(&mut self) {
        self.focus = Focus::Log;
        self.selected = self.bottom();
    }

    fn handle_log(&mut self, action: Action, cx: &mut Cx<'_>) -> Outcome {
        match action {
            Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::First | Action::Last => {
                self.scroll(action)
            }
            Action::FocusNext | Action::Cancel => {
                self.focus = Focus::Entry;
                self.anchor = None;
            }
            Action::Search => self.open_filter(""),
            Action::FilterTag => self.open_filter("#"),
            Action::FilterAuthor => self.open_filter("@"),
            Action::DecisionsOnly => {
                self.decisions_only = !self.decisions_only;
                self.apply_filter();
            }
            Action::SignificantOnly => {
                self.significant_only = !self.significant_only;
                self.apply_filter();
            }
            Action::PeopleOnly => {
                self.people_only = !self.people_only;
                self.apply_filter();
                self.remember(cx, HIDE_AUTO, self.people_only);
                let s = cx.lang.pick("Automatiske loggføringer skjult", "Automatic entries hidden");
                let shown = cx.lang.pick("Automatiske loggføringer vises", "Automatic entries shown");
                cx.post(UiEvent::Status(if self.people_only { s } else { shown }.to_string()));
            }
            Action::TimeOrder => {
                let by_time = !self.model.time_order();
                self.model.set_time_order(by_time);
                self.anchor = None;
                self.selected = self.model.len().saturating_sub(1);
                self.remember(cx, TIME_ORDER, by_time);
                let s = if by_time {
                    cx.lang.pick("Sortert etter når det ble sagt", "Ordered by when it was said")
                } else {
                    cx.lang.pick("Sortert slik det ble skrevet", "Ordered as it was written")
                };
                cx.post(UiEvent::Status(s.to_string()));
            }
            Action::ClearFilter => {
                self.query.clear();
                self.decisions_only = false;
                self.significant_only = false;
                self.apply_filter();
            }
            Action::ToggleSignificant => {
                // The mark is itself written in the log: asked, like every write.
                let Some(r) = self.selected_row() else { return Outcome::Consumed };
                let (id, seq, now, lang) = (r.id, r.seq, !r.significant, cx.lang);
                let s = cx.strings();
                let (title, msg) = if now {
                    (lang.pick("Merk som vesentlig", "Mark significant"), s.marked_significant)
                } else {
                    (lang.pick("Fjern merket vesentlig", "Unmark significant"), s.unmarked_significant)
                };
                let line = format!("#{seq}: {}", self.model.text(r));
                cx.confirm(Pending::then(title, vec![line], move |s| {
                    s.set_significant(id, now)?;
                    Ok((format!("#{seq}: {msg}"), Some(UiEvent::Marked { seq, significant: now })))
                }));
            }
            Action::NextItem | Action::PreviousItem => self.move_item(cx, action == Action::NextItem),
            Action::StartMeeting => {
                let planned = cx.session.meetings(&self.incident).map(|all| {
                    all.into_iter().find(|m| m.status == crate::domain::meeting::MeetingStatus::Planned)
                });
                match planned {
                    Ok(Some(m)) => {
                        let (lang, number, incident) = (cx.lang, m.number, self.incident.clone());
                        let mut lines = vec![format!("{} {number} «{}»", cx.strings().meeting, m.title)];
                        lines.extend(
                            m.agenda.iter().enumerate().map(|(n, item)| format!("  {}. {item}", n + 1)),
                        );
                        cx.confirm(Pending::new(
                            lang.pick("Start møtet", "Start the meeting"),
                            lines,
                            move |s| meeting_said(lang, s.start_meeting(&incident, number).map(|(m, _)| m)),
                        ));
                    }
                    Ok(None) => self.planning = Some(Prompt::new((), "")),
                    Err(e) => cx.post(UiEvent::Error(e.said(cx.lang))),
                }
            }
            Action::EndMeeting => {
                let Some(m) = &self.meeting else {
                    cx.post(UiEvent::Error(cx.strings().no_meeting.into()));
                    return Outcome::Consumed;
                };
                let (lang, number, incident) = (cx.lang, m.number, self.incident.clone());
                let line = format!("{} {number} «{}»", cx.strings().meeting, m.title);
                let title =
                    lang.pick("Avslutt møtet og lag referat", "End the meeting and draft the minutes");
                cx.confirm(Pending::new(title, vec![line], move |s| {
                    meeting_said(lang, s.end_meeting(&incident, number).map(|(m, _)| m))
                }));
            }
            Action::TaskFromEntry => {
                if let Some(seq) = self.selected_row().map(|r| r.seq) {
                    cx.post(UiEvent::TaskFromEntry(seq));
                }
            }
            Action::PostToBoard => {
                if let Some(seq) = self.selected_row().map(|r| r.seq) {
                    cx.post(UiEvent::PostToBoard(seq));
                }
            }
            Action::Retract => {
                let Some(r) = self.selected_row() else { return Outcome::Consumed };
                let (seq, lang, incident) = (r.seq, cx.lang, self.incident.clone());
                let mut lines = vec![
                    format!("#{seq}: {}", self.model.text(r)),
                    crate::say!(
                        lang,
                        "Skrives som retting av #{seq}: «{}». Loggføringen blir stående, overstreket.",
                        "Written as the correction of #{seq}: «{}». The entry stays, struck through.",
                        crate::app::RETRACTED.get(lang)
                    ),
                ];
                match cx.session.retraction_voids(&self.incident, seq) {
                    Ok(voids) => {
                        lines.extend(voids.tasks.iter().map(|t| {
                            crate::say!(
                                lang,
                                "Oppgave {} «{}» avbrytes",
                                "Task {} «{}» is cancelled",
                                t.number,
                                t.title
                            )
                        }));
                        lines.extend(voids.meeting.iter().map(|m| {
                            crate::say!(
                                lang,
                                "Møte {} «{}» blir feilført (ikke lenger {})",
                                "Meeting {} «{}» becomes void (no longer {})",
                                m.number,
                                m.title,
                                m.status.label().get(lang)
                            )
                        }));
                    }
                    Err(e) => {
                        cx.post(UiEvent::Error(e.said(lang)));
                        return Outcome::Consumed;
                    }
                }
                let title = crate::say!(lang, "Trekk tilbake #{seq}", "Take back #{seq}");
                cx.confirm(Pending::new(title, lines, move |s| {
                    let (e, cancelled) = s.retract(&incident, seq)?;
                    let n = cancelled.len();
                    Ok(match n {
                        0 => crate::say!(
                            lang,
                            "#{seq} trukket tilbake (#{})",
                            "#{seq} taken back (#{})",
                            e.seq
                        ),
                        _ => crate::say!(
                            lang,
                            "#{seq} trukket tilbake (#{}); {n} oppgave(r) avbrutt",
                            "#{seq} taken back (#{}); {n} task(s) cancelled",
                            e.seq
                        ),
                    })
                }));
            }
            Action::Copy => {
                if let Some(r) = self.selected_row() {
                    let at = r.reported_at.with_timezone(&Local).format("%d.%m %H:%M");
                    cx.post(UiEvent::Copy(format!("#{} {at} {}: {}", r.seq, r.author, self.model.text(r))));
                }
            }
            Action::Correct if !self.can_write => return self.handle_entry(Input::Paste, cx),
            Action::Correct => {
                let Some((id, seq, text)) =
                    self.selected_row().map(|r| (r.id, r.seq, self.model.text(r).to_string()))
                else {
                    return Outcome::Consumed;
                };
                // The correction is written in the entry line: text waiting there would
                // be lost under it. It is the logger's to save or clear first.
                if self.correcting.is_some_and(|(c, _)| c == id) {
                    self.focus = Focus::Entry; // this correction is already being written
                    return Outcome::Consumed;
                }
                if self.has_draft() {
                    let said = crate::say!(
                        cx.lang,
                        "Skrivelinjen har tekst som ikke er lagret: lagre den (Enter) eller tøm den (Ctrl-U) før du retter #{seq}",
                        "The entry line holds unsaved text: save it (Enter) or clear it (Ctrl-U) before correcting #{seq}"
                    );
                    cx.post(UiEvent::Error(said));
                    return Outcome::Consumed;
                }
                self.correcting = Some((id, seq));
                self.editor = TextArea::new(text.split('\n').map(str::to_string).collect());
                self.editor.set_cursor_line_style(Style::default());
                self.editor.set_wrap_mode(WrapMode::WordOrGlyph);
                self.editor.move_cursor(ratatui_textarea::CursorMove::Bottom);
                self.editor.move_cursor(ratatui_textarea::CursorMove::End);
                self.started_at = Some(Utc::now());
                self.focus = Focus::Entry;
                self.anchor = None;
                self.edited(cx.session);
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn handle_filter(&mut self, input: Input) -> Outcome {
        match input {
            Input::Edit(key) if self.query.key(&key) => self.apply_filter(),
            Input::Edit(_) => return Outcome::Ignored,
            Input::Action(Action::Confirm) => self.focus = Focus::Log,
            Input::Action(Action::Cancel) => {
                self.query = LineEdit::new(std::mem::take(&mut self.query_before));
                self.apply_filter();
                self.focus = Focus::Log;
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }
}

impl Pane for LogPane {
    fn context(&self) -> Context {
        if self.planning.is_some() {
            return Context::Filter;
        }
        match self.focus {
            Focus::Entry => Context::Entry,
            Focus::Log => Context::Log,
            Focus::Filter => Context::Filter,
        }
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        if let Some((outcome, given)) = drive(&mut self.planning, input) {
            if let Some(((), text)) = given {
                self.plan_meeting(cx, &text);
            }
            return outcome;
        }
        match input {
            // A click: on the entry line, back to typing; on an entry, that entry
            // selected in the list. The wheel scrolls whichever part has the focus.
            Input::Pick(ENTRY_LINE) => {
                self.focus = Focus::Entry;
                self.anchor = None;
                return Outcome::Consumed;
            }
            Input::Pick(i) if i < self.model.len() => {
                self.focus = Focus::Log;
                self.selected = i;
                return Outcome::Consumed;
            }
            Input::Wheel { down } => {
                self.wheel(down);
                return Outcome::Consumed;
            }
            _ => {}
        }
        match (self.focus, input) {
            (Focus::Entry, input) => self.handle_entry(input, cx),
            (Focus::Log, Input::Action(a)) => self.handle_log(a, cx),
            (Focus::Filter, input) => self.handle_filter(input),
            _ => Outcome::Ignored,
        }
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        // The user's roles may have changed (the server's word through sync, or a
        // sign-in that made this session another user's).
        let can_write =
            session.may(crate::domain::roles::Permission::WriteLog).map_err(|e| e.said(session.lang))?;
        let rights = std::mem::replace(&mut self.can_write, can_write) != can_write;
        Ok(self.load_new(session).map_err(|e| e.said(session.lang))? | rights)
    }

    fn paste(&mut self, text: &str, cx: &mut Cx<'_>) -> Outcome {
        if self.focus == Focus::Entry && !self.can_write {
            return self.handle_entry(Input::Paste, cx);
        }
        // Pasted text may carry escape codes: only printable text and line breaks go in.
        let clean = crate::text::pasted(text);
        match self.focus {
            Focus::Entry => {
                self.editor.insert_str(clean);
                self.edited(cx.session);
            }
            Focus::Filter => {
                self.query.insert(&clean);
                self.apply_filter();
            }
            Focus::Log => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let s = cx.strings;
        let t = cx.theme;
        let inner_w = area.width.saturating_sub(2).max(1);
        let visual_lines: usize =
            self.editor.lines().iter().map(|l| l.width().div_ceil(inner_w as usize).max(1)).sum();
        // The entry line never shrinks while a draft is open, and a narrow one keeps
        // room for two lines from the start: each change of its height moves every
        // line of the log above it, which a logger sees jump and which repaints the
        // pane (seconds on a slow link, where the pane is narrower than the screen
        // and the terminal cannot scroll it).
        let reserved = if inner_w < 100 { 2 } else { 1 };
        let rows = if self.editor.is_empty() { reserved } else { visual_lines.max(self.entry_rows.get()) };
        self.entry_rows.set(rows.max(reserved));
        let editor_h = (rows.max(reserved) as u16 + 2).clamp(3, 8);
        let filtering =
            self.focus == Focus::Filter || !self.model.filter().is_empty() || self.planning.is_some();
        let [list_area, filter_area, editor_area] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(u16::from(filtering)),
            Constraint::Length(editor_h),
        ])
        .areas(area);

        // the list
        let focus_style = |on: bool| if on { t.border_focus } else { t.border };
        let mut count = if self.model.filter().is_empty() {
            format!(" {} · {} ", s.log, self.model.total())
        } else {
            format!(" {} · {} {} {} ", s.log, self.model.len(), s.of, self.model.total())
        };
        if self.is_loading() {
            count.push_str(&format!("· {} ", s.loading));
        }
        if self.model.time_order() {
            count.push_str(&cx.lang.pick("· etter tid ", "· by time "));
        }
        let listing = cx.focused && self.focus != Focus::Entry;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(focus_style(listing))
            .title(Line::from(focus_mark(vec![Span::styled(count, t.heading)], listing, t)));
        let inner = block.inner(list_area);
        f.render_widget(block, list_area);
        self.list_area.set(inner);
        self.render_list(f, inner, cx);

        // the filter line
        if let Some(p) = &self.planning {
            f.render_widget(Paragraph::new(p.line(s.plan_meeting, t, filter_area.width)), filter_area);
        } else if filtering {
            let mut spans = vec![Span::styled(format!("{}: ", s.filter), t.heading)];
            if self.focus == Focus::Filter {
                spans.extend(self.query.spans(t.base, t.key));
            } else {
                spans.push(Span::styled(safe(self.query.text()).into_owned(), t.base));
            }
            let people = Text::new("uten automatiske", "without automatic").get(cx.lang);
            for (on, label) in [
                (self.decisions_only, s.decisions_only),
                (self.significant_only, s.significant_only),
                (self.people_only, people),
            ] {
                if on {
                    spans.push(Span::styled(format!("  [{label}]"), t.decision));
                }
            }
            spans
                .push(Span::styled(format!("  {} {} {}", self.model.len(), s.of, self.model.total()), t.dim));
            f.render_widget(Paragraph::new(Line::from(spans)), filter_area);
        }

        // the entry line
        let mut title = vec![Span::styled(format!(" {} ", s.new_entry), t.heading)];
        if let Some((_, seq)) = self.correcting {
            title = vec![Span::styled(format!(" {} #{seq} ", s.correcting), t.correction)];
        }
        if let Some(m) = &self.meeting {
            let item = m.item_label().map(|l| format!(" · {l}")).unwrap_or_default();
            title.push(Span::styled(format!("{} {}{item} ", s.meeting, m.number), t.warning));
        }
        // What Enter will record: the typed `14:32` if there is one, else the first
        // keystroke's time; and the decision mark, so the logger sees it took.
        let first_line = self.editor.lines().first().map_or("", String::as_str);
        let marked = crate::domain::quickmarks::parse(first_line);
        match (marked.at, self.started_at) {
            (Some(c), _) => {
                // Where the typed time lands, when it is not the last hour: ahead of
                // the clock (a slip of 23:30 for 22:30 is seen before Enter), or
                // yesterday's (a time more than an hour ahead is taken as yesterday's).
                let at = c.resolve(&cx.now).with_timezone(&Local);
                let ahead = (at - cx.now).num_minutes();
                let (when, style) = if at.date_naive() != cx.now.date_naive() {
                    (
                        format!("{} {:02}:{:02} ", cx.lang.pick("i går", "yesterday"), c.hour, c.minute),
                        t.warning,
                    )
                } else if ahead > 0 {
                    let said = crate::say!(cx.lang, "om {ahead} min", "in {ahead} min");
                    (format!("{:02}:{:02} ({said}) ", c.hour, c.minute), t.warning)
                } else {
                    (format!("{:02}:{:02} ", c.hour, c.minute), t.time)
                };
                title.push(Span::styled(when, style));
            }
            (None, Some(at)) => {
                title.push(Span::styled(at.with_timezone(&Local).format("%H:%M ").to_string(), t.time))
            }
            (None, None) => {}
        }
        if marked.kind == EntryKind::Decision {
            title.push(Span::styled(format!("{} ", s.decision), t.decision));
        }
        if self.significant_draft {
            title.push(Span::styled(format!("‼ {} ", s.significant), t.significant));
        }
        // The hint at the bottom, from the keymap: what the keys do while typing, or,
        // while the focus is elsewhere, the way back.
        let typing = cx.focused && self.focus == Focus::Entry;
        let room = (editor_area.width as usize).saturating_sub(20);
        let hint = match (self.can_write, typing) {
            (false, _) => Vec::new(),
            (true, true) => {
                hints(cx, Context::Entry, &[Action::Confirm, Action::Newline, Action::FocusNext], room)
            }
            (true, false) if !cx.focused => Vec::new(),
            (true, false) => {
                let mut spans = hints(cx, Context::Log, &[Action::FocusNext], room);
                if let Some(label) = spans.last_mut() {
                    label.content = format!(" {}", s.back_to_entry).into();
                }
                spans
            }
        };
        let mut hint = Line::from(hint).right_aligned();
        if !hint.spans.is_empty() {
            hint.spans.insert(0, Span::raw(" "));
            hint.spans.push(Span::raw(" "));
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(focus_style(typing))
            .title(Line::from(focus_mark(title, typing, t)))
            .title_bottom(hint);
        let inner = block.inner(editor_area);
        f.render_widget(block, editor_area);
        cx.hit(editor_area, ENTRY_LINE);
        if !self.can_write {
            f.render_widget(
                Paragraph::new(Span::styled(s.read_only, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                inner,
            );
        } else if typing {
            f.render_widget(&self.editor, inner);
        } else {
            // Without the focus the draft is shown dimmed and without a cursor: what
            // is typed now does not go here.
            let draft = self.editor.lines().join("\n");
            let wrap = ratatui::widgets::Wrap { trim: false };
            f.render_widget(Paragraph::new(safe(&draft).into_owned()).style(t.dim).wrap(wrap), inner);
        }
    }
}

impl LogPane {
    fn render_list(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let (s, t) = (cx.strings, cx.theme);
        if self.model.is_empty() {
            let msg = if self.model.total() == 0 { s.no_entries } else { s.no_match };
            let mut lines = vec![Line::from(Span::styled(msg, t.dim))];
            if self.model.total() == 0 {
                // An empty log: what a logger can type, before the first entry.
                lines.push(Line::raw(""));
                let heading = Text::new("Hurtigmerker i skrivelinjen:", "Quick marks in the entry line:");
                lines.push(Line::from(Span::styled(heading.get(cx.lang), t.heading)));
                for (mark, what) in super::help::QUICK_MARKS {
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {:<9}", mark.get(cx.lang)), t.key),
                        Span::styled(what.get(cx.lang), t.dim),
                    ]));
                }
            }
            f.render_widget(Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }), area);
            return;
        }
        let height = area.height as usize;
        let bottom = self.bottom();
        let mut chunks: Vec<(usize, Vec<Line<'static>>)> = Vec::new();
        let mut used = 0;
        // A log that reaches past today shows dates in a column wide enough for them.
        let today = cx.now.date_naive();
        let day = |seq: i64| self.model.by_seq(seq).map(|r| r.reported_at.with_timezone(&Local).date_naive());
        let ends = [self.model.first_seq().and_then(day), day(self.model.last_seq())];
        let dated = ends.iter().flatten().any(|d| *d != today).then_some(today);
        self.dated.set(dated);
        for i in (0..=bottom).rev() {
            let Some(row) = self.model.get(i) else { break };
            let selected = self.focus != Focus::Entry && i == self.selected;
            let lines = entry_lines(row, self.model.text(row), area.width, s, t, selected, dated);
            used += lines.len();
            chunks.push((i, lines));
            if used >= height {
                break;
            }
        }
        // Each entry shown is a place a click selects, from the bottom up.
        let mut end = area.bottom();
        for (i, lines) in &chunks {
            let start = end.saturating_sub(lines.len() as u16).max(area.y);
            cx.hit(Rect { y: start, height: end - start, ..area }, *i);
            end = start;
        }
        let mut lines: Vec<Line<'static>> = chunks.into_iter().rev().flat_map(|(_, l)| l).collect();
        if lines.len() > height {
            lines.drain(..lines.len() - height);
        }
        // Newest next to the entry line, like any log that grows downwards.
        let pad = height - lines.len();
        lines.splice(0..0, std::iter::repeat_n(Line::raw(""), pad));
        f.render_widget(Paragraph::new(lines).style(t.base), area);
    }
}
