//! The one shape every pane and overlay has: it says which keymap context applies,
//! handles an input, and renders into an area. Panes talk to the rest of the UI only
//! through the events they post (gitui's queue), never through references to each other.

use super::action::Input;
use super::action::{Action, Keys, AROUND, LIST};
use super::keymap::{Context, Keymap};
use super::theme::Theme;
use crate::app::Session;
use crate::domain::Incident;
use crate::i18n::{Lang, Strings};
use crate::lang::Text;
use ratatui::layout::Rect;
use ratatui::Frame;

/// What the keys do in a list that is only read (plans, ROS).
pub const READ_ONLY_LIST: Keys = Keys {
    context: Context::Registers,
    heading: Text::new("Planer og ROS", "Plans and ROS"),
    groups: &[LIST, AROUND],
    hints: &[Action::Down, Action::NextPane, Action::Help],
};

/// Did the pane use the input?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Consumed,
    Ignored,
}

/// What a pane asks of the UI around it.
#[derive(Debug)]
pub enum UiEvent {
    Status(String),
    Error(String),
    /// Close the topmost overlay.
    CloseOverlay,
    /// Make this incident the session's active one.
    Activate(Incident),
    /// This pane changed data others show: refresh them.
    DataChanged,
    /// Make a task of the log entry with this seq.
    TaskFromEntry(i64),
    /// Put the log entry with this seq up on a board (the user chooses which).
    PostToBoard(i64),
    /// Show this pane: the first of the user's workspaces that has it, with the focus
    /// on it.
    ShowPane(super::desk::PaneKind),
    /// Open the editor on this report version.
    EditReport(crate::domain::report::Report),
    /// Show what a key is about to write, and write it once confirmed.
    Confirm(super::confirm::Pending),
    /// The log pane's correction was written: clear the entry line.
    CorrectionSaved,
    /// Put this text on the clipboard (through the terminal: OSC 52).
    Copy(String),
    /// A log entry was written from the entry line.
    EntrySaved {
        id: uuid::Uuid,
        seq: i64,
    },
    /// A sign-in to a server started (`None`: it was stopped): the UI keeps it going
    /// when its box closes, and takes the session when it is done.
    SigningIn(Option<crate::sync::sso::SignIn>),
    /// A log entry was marked significant (or no longer).
    Marked {
        seq: i64,
        significant: bool,
    },
}

/// What a pane may use while handling an input.
pub struct Cx<'a> {
    pub session: &'a mut Session,
    pub lang: Lang,
    pub events: &'a mut Vec<UiEvent>,
}

impl Cx<'_> {
    pub fn post(&mut self, e: UiEvent) {
        self.events.push(e);
    }

    /// Unless `may`, say why (from the permission table) and return true: refused.
    pub fn refused(&mut self, may: bool, permission: crate::domain::roles::Permission) -> bool {
        if may {
            return false;
        }
        if let Err(e) = self.session.permit(permission) {
            self.post(UiEvent::Error(e.said(self.lang)));
        }
        true
    }

    /// After a change: say what it did (the log entry's text, usually) and have the
    /// panes refresh, or show why it failed. True when it was done.
    pub fn changed(&mut self, result: crate::app::Result<String>) -> bool {
        match result {
            Ok(said) => {
                self.post(UiEvent::Status(said));
                self.post(UiEvent::DataChanged);
                true
            }
            Err(e) => {
                self.post(UiEvent::Error(e.said(self.lang)));
                false
            }
        }
    }

    /// Ask before writing: the confirmation shows what will be written and writes it
    /// only on a key that typing cannot give.
    pub fn confirm(&mut self, pending: super::confirm::Pending) {
        self.post(UiEvent::Confirm(pending));
    }

    pub fn strings(&self) -> &'static Strings {
        self.lang.strings()
    }
}

/// What a pane may use while rendering: read-only, never the database.
/// Who drew a place the mouse can pick: a pane of the workspace, or an overlay (by its
/// place in the stack).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Pane(super::desk::PaneKind),
    Overlay(usize),
}

/// A place on screen a click picks, and the drawer's own number for what is there (a
/// row of its list), handed back to it as [`Input::Pick`]. Made while drawing, so a
/// click picks exactly what the user saw under the pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub owner: Owner,
    pub area: Rect,
    pub pick: usize,
}

pub struct RenderCx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub lang: Lang,
    pub strings: &'static Strings,
    /// Local "now", so renders (and snapshots) do not read the clock themselves.
    pub now: chrono::DateTime<chrono::Local>,
    /// Does the pane being drawn have the focus?
    pub focused: bool,
    /// The configured incident types, for the new-incident form.
    pub incident_types: &'a [String],
    /// Who is drawing, and where what the mouse can pick goes.
    pub owner: Owner,
    /// How sync stands, when this replica syncs (the wall says how old its picture is).
    pub sync: Option<&'a crate::sync::background::SyncState>,
    pub hits: &'a std::cell::RefCell<Vec<Hit>>,
}

impl RenderCx<'_> {
    /// A click in `area` picks `pick` (clipped to what was drawn on).
    pub fn hit(&self, area: Rect, pick: usize) {
        if area.width > 0 && area.height > 0 {
            self.hits.borrow_mut().push(Hit { owner: self.owner, area, pick });
        }
    }
}

pub trait Pane {
    fn context(&self) -> Context;
    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome;
    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>);
    /// Periodic work (an editor's autosave); `shown`: the pane is in view (one out of
    /// view need not read what only the screen shows). True when the view changed.
    fn tick(&mut self, _cx: &mut Cx<'_>, _now: std::time::Instant, _shown: bool) -> bool {
        false
    }
    /// Save what is unsaved: the program is ending.
    fn flush(&mut self, _cx: &mut Cx<'_>) {}
    /// Report text written and not yet saved, (report number, text): what the hang-up
    /// watcher must save if the terminal disappears.
    fn unsaved_report(&self) -> Option<(i64, String)> {
        None
    }
    /// Data changed elsewhere (another pane, another process): reload what is shown.
    fn refresh(&mut self, _session: &Session) -> Result<bool, String> {
        Ok(false)
    }
    /// Data changed while the pane is out of view. Most panes do as in view (a cheap
    /// check, then a reload if theirs changed); a pane whose load is costly notes that
    /// it is stale and reloads when it comes into view again.
    fn refresh_hidden(&mut self, session: &Session) -> Result<bool, String> {
        self.refresh(session)
    }
    /// The pane has come into view (its workspace was chosen). A pane that loads a lot
    /// (every contact) waits for this, so that opening an incident stays fast for
    /// those who never look at it.
    fn on_show(&mut self, session: &Session) -> Result<bool, String> {
        self.refresh(session)
    }
    /// Text pasted into the pane (bracketed paste); ignored unless it edits text.
    fn paste(&mut self, _text: &str, _cx: &mut Cx<'_>) -> Outcome {
        Outcome::Ignored
    }
}

/// Whether a pane's records changed since it last loaded them, by the newest oplog
/// row of their kind (`Store::entity_version`): one index lookup instead of a reload.
pub struct Freshness {
    entities: Vec<&'static str>,
    seen: i64,
}

impl Freshness {
    pub fn new(entity: &'static str) -> Freshness {
        Freshness { entities: vec![entity], seen: -1 }
    }

    /// Also watch these kinds of record (an alert's recipients, whose answers the
    /// alerts pane shows).
    pub fn and(mut self, entity: &'static str) -> Freshness {
        self.entities.push(entity);
        self
    }

    /// The newest oplog row of any of the kinds watched.
    fn version(&self, session: &Session) -> crate::store::Result<i64> {
        let mut newest = -1;
        for e in &self.entities {
            newest = newest.max(session.store.entity_version(e)?);
        }
        Ok(newest)
    }

    /// Changed since [`Freshness::mark`]?
    pub fn stale(&self, session: &Session) -> Result<bool, String> {
        Ok(self.version(session).map_err(|e| e.to_string())? != self.seen)
    }

    /// The pane is loading now: remember the version it sees.
    pub fn mark(&mut self, session: &Session) -> crate::app::Result<()> {
        self.seen = self.version(session)?;
        Ok(())
    }
}
