//! The UI model: the session, the active incident's panes (the desk), the workspace
//! that lays them out, overlays (picker, help) stacked above, and the status line.
//! Keys become actions here and go to the topmost overlay or the focused pane; what
//! panes post comes back here. Rendering reads this state only.

use super::action::{does, Keys};
use super::action::{Action, Input};
use super::confirm::Confirm;
use super::desk::Desk;
use super::desk::PaneKind;
use super::hangup::SharedUnsaved;
use super::help::Help;
use super::keymap::{Chord, Context, Keymap};
use super::log_pane::LogPane;
use super::notify::Notices;
use super::pane::{Cx, Hit, Outcome, Owner, Pane, RenderCx, UiEvent};
use super::picker::Empty;
use super::picker::Picker;
use super::report_editor::ReportEditor;
use super::sign_in::SignInBox;
use super::task_board::TaskBoard;
use super::theme::Theme;
use super::widgets::{self, hints};
use super::workspace::{self, WorkspaceDef};
use crate::app::Session;
use crate::domain::roles::Permission;
use crate::i18n::Label;
use crate::i18n::Lang;
use crate::lang::Text;
use crate::sync::background::{Background, LinkState, SyncState};
use crate::sync::sso::Stage;
use crate::text::safe_line;
use chrono::{DateTime, Local, Timelike};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;

/// What the keys do everywhere (the UI handles these before any pane).
pub const GLOBAL: Keys = Keys {
    context: Context::Global,
    heading: Text::new("Overalt", "Everywhere"),
    groups: &[&[
        does(Action::Quit, "Avslutt (utkastet lagres)", "Quit (the draft is kept)", "avslutt", "quit"),
        does(Action::Help, "Vis hjelp", "Show help", "hjelp", "help"),
        does(Action::Incidents, "Bytt hendelse", "Switch incident", "hendelser", "incidents"),
        does(
            Action::Conflicts,
            "Konflikter fra synkronisering: se og løs",
            "Conflicts from sync: see and settle",
            "konflikter",
            "conflicts",
        ),
        does(Action::Redraw, "Tegn skjermen på nytt", "Redraw the screen", "tegn på nytt", "redraw"),
        does(
            Action::SignIn,
            "Logg inn på en synkroniseringsserver (organisasjonens innlogging)",
            "Sign in to a sync server (your organisation's sign-in)",
            "logg inn",
            "sign in",
        ),
        does(
            Action::NextPane,
            "Neste rute i arbeidsflaten",
            "Next pane of the workspace",
            "neste rute",
            "next pane",
        ),
        does(Action::Workspace(1), "Arbeidsflate 1", "Workspace 1", "flate 1", "space 1"),
        does(Action::Workspace(2), "Arbeidsflate 2", "Workspace 2", "flate 2", "space 2"),
        does(Action::Workspace(3), "Arbeidsflate 3", "Workspace 3", "flate 3", "space 3"),
        does(Action::Workspace(4), "Arbeidsflate 4", "Workspace 4", "flate 4", "space 4"),
        does(Action::Workspace(5), "Arbeidsflate 5", "Workspace 5", "flate 5", "space 5"),
        does(Action::Workspace(6), "Arbeidsflate 6", "Workspace 6", "flate 6", "space 6"),
        does(Action::Workspace(7), "Arbeidsflate 7", "Workspace 7", "flate 7", "space 7"),
        does(Action::Workspace(8), "Arbeidsflate 8", "Workspace 8", "flate 8", "space 8"),
        does(Action::Workspace(9), "Arbeidsflate 9", "Workspace 9", "flate 9", "space 9"),
        does(Action::Workspace(10), "Arbeidsflate 10", "Workspace 10", "flate 10", "space 10"),
        does(Action::NextWorkspace, "Neste arbeidsflate", "Next workspace", "neste flate", "next space"),
        does(
            Action::PreviousWorkspace,
            "Forrige arbeidsflate",
            "Previous workspace",
            "forrige flate",
            "prev space",
        ),
    ]],
    hints: &[Action::Help, Action::Quit],
};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
const STATUS_FOR: Duration = Duration::from_secs(8);
/// How long after the last typed character typing counts as still going on. Letters
/// that reach a list within this pause of typing (after a stray Tab or F4 in the
/// middle of a sentence) are taken as the rest of the sentence, not as commands.
pub const TYPING_PAUSE: Duration = Duration::from_millis(1200);
const POLL_EVERY: Duration = Duration::from_millis(500);
/// How often due exercise injects and alert escalations are looked for.
const CHORES_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Info,
    /// Something for this user: a task given to them, a deadline passed.
    Notice,
    Error,
    /// A word about where the focus is: the warning's colour, without a prefix, so
    /// that the way back fits in 80 columns.
    Nudge,
}

struct Status {
    text: String,
    level: Level,
    since: Instant,
    /// "Saved #4" says which entry by its number, which sync may move: the entry, to
    /// say its number as it is now.
    entry: Option<uuid::Uuid>,
}

impl Status {
    fn new(text: String, level: Level, since: Instant) -> Status {
        Status { text, level, since, entry: None }
    }
}

pub struct Ui {
    pub session: Session,
    keymap: Keymap,
    theme: Theme,
    lang: Lang,
    desk: Option<Desk>,
    /// Every workspace defined, and those this user's roles give (sign-in may change
    /// the roles), and the one shown.
    defs: Vec<WorkspaceDef>,
    workspaces: Vec<WorkspaceDef>,
    workspace: usize,
    focus: PaneKind,
    overlays: Vec<Box<dyn Pane>>,
    status: Option<Status>,
    quit: bool,
    data_version: i64,
    last_poll: Instant,
    last_chores: Instant,
    minute: u32,
    /// Set by the redraw action: the loop clears the terminal before the next frame.
    pub clear_requested: bool,
    /// Was the last frame too small to show the panes? Then keys must not act on what
    /// no one can see (only quit and redraw do).
    too_small: std::cell::Cell<bool>,
    /// Shared with the hang-up watcher (see `hangup`).
    unsaved: Option<SharedUnsaved>,
    notices: Notices,
    /// Alerts waiting for this user's answer, as of the last refresh (read when data
    /// changes, not on every key press).
    waiting: Vec<crate::store::Waiting>,
    /// Urgent messages to this user not read yet, as of the last refresh.
    urgent: Vec<crate::domain::message::Message>,
    /// Background sync, when this database is signed in to a server.
    sync: Option<Background>,
    /// How sync stood at the last look: what the title bar shows.
    sync_view: Option<SyncState>,
    /// May this UI sign its database in to a server? (A local one; over SSH the
    /// session is the account's already.)
    may_sign_in: bool,
    /// A sign-in under way (its box may be closed), and the server of the last one.
    sign_in: Option<crate::sync::sso::SignIn>,
    last_server: Option<String>,
    /// Text to hand the terminal's clipboard (OSC 52) with the next frame.
    clipboard: Option<String>,
    /// Until when the user counts as typing (see [`TYPING_PAUSE`]).
    typing_until: Option<Instant>,
    /// Where the last frame put each pane, and what a click there picks.
    pane_areas: std::cell::RefCell<Vec<(PaneKind, Rect)>>,
    hits: std::cell::RefCell<Vec<Hit>>,
    /// A wall display: the wall alone on the whole screen, and no key but quitting
    /// and redrawing does anything (a screen on the wall has no one typing at it).
    wall: bool,
}

impl Ui {
    /// Open on the shipped workspaces; see [`Ui::with_workspaces`].
    pub fn new(session: Session, keymap: Keymap, theme: Theme, lang: Lang) -> crate::app::Result<Ui> {
        let defs = workspace::load(None).expect("the shipped workspaces are valid");
        Ui::with_workspaces(session, keymap, theme, lang, &defs)
    }

    /// Open on the incident this user last had active, or the only open one (else on
    /// the picker), in the first workspace the user's roles give.
    pub fn with_workspaces(
        mut session: Session,
        keymap: Keymap,
        theme: Theme,
        lang: Lang,
        defs: &[WorkspaceDef],
    ) -> crate::app::Result<Ui> {
        session.lang = lang;
        let data_version = session.store.data_version()?;
        let workspaces = workspace::for_roles(defs, session.roles()?.as_deref());
        let mut ui = Ui {
            session,
            keymap,
            theme,
            lang,
            desk: None,
            // The entry line has focus from the start wherever the log is shown.
            focus: PaneKind::Log,
            defs: defs.to_vec(),
            workspaces,
            workspace: 0,
            overlays: Vec::new(),
            status: None,
            quit: false,
            data_version,
            last_poll: Instant::now(),
            last_chores: Instant::now(),
            minute: Local::now().minute(),
            clear_requested: false,
            too_small: std::cell::Cell::new(false),
            unsaved: None,
            notices: Notices::new(false),
            waiting: Vec::new(),
            urgent: Vec::new(),
            sync: None,
            sync_view: None,
            may_sign_in: false,
            sign_in: None,
            last_server: None,
            clipboard: None,
            typing_until: None,
            pane_areas: Default::default(),
            hits: Default::default(),
            wall: false,
        };
        ui.show_workspace(0);
        match ui.session.default_incident()? {
            Some(incident) => ui.activate(incident)?,
            None => ui.start_picker(false)?,
        }
        Ok(ui)
    }

    /// No incident is active: the picker, saying who the user is, and, when there is
    /// nothing to pick, why and what comes next. A replica signed in to a server
    /// waits for the organisation's incidents instead of offering a form that would
    /// make a duplicate; a role that may not make incidents never lands in it.
    fn start_picker(&mut self, signed_in: bool) -> crate::app::Result<()> {
        let s = self.lang.strings();
        let may_create = self.session.may(Permission::ManageIncidents)?;
        let empty = match (signed_in, may_create) {
            (true, _) => Empty::Waiting { may_create },
            (false, true) => Empty::MayCreate,
            (false, false) => Empty::MayNotCreate,
        };
        // Signed in, the account is the server's: --user would not change it.
        let change = if signed_in { s.change_login } else { s.change_user };
        let mut who = format!("{} «{}» · {}. {change}", s.you_are, self.session.user, self.session.device);
        if let (false, true, Some(key)) =
            (signed_in, self.may_sign_in, self.keymap.keys(Context::Global, Action::SignIn).first())
        {
            who.push_str(&format!(" {}: {}", key.display(), s.sign_in_to_server));
        }
        self.overlays.clear();
        self.overlays.push(Box::new(Picker::starting(self.session.incidents()?, None, empty, who)));
        Ok(())
    }

    fn activate(&mut self, incident: crate::domain::Incident) -> crate::app::Result<()> {
        if let Some(desk) = &mut self.desk {
            desk.log.save_draft_if_due(&self.session, Instant::now(), true)?;
        }
        self.session.set_active(&incident)?;
        let desk = Desk::open(&mut self.session, incident, self.lang)?;
        if desk.log.has_draft() {
            self.set_status(self.lang.strings().draft_restored.to_string(), false);
        }
        self.desk = Some(desk);
        self.overlays.clear();
        self.show_panes();
        self.read_waiting()
    }

    /// What waits for this user: alerts to answer, urgent messages to read.
    fn read_waiting(&mut self) -> crate::app::Result<()> {
        self.waiting = self.session.waiting_alerts()?;
        self.urgent = self.session.unread_urgent()?;
        Ok(())
    }

    /// Switch to workspace `i` (of this user's), focusing the log if it shows one.
    fn show_workspace(&mut self, i: usize) -> bool {
        let Some(ws) = self.workspaces.get(i) else { return false };
        let panes = ws.layout.panes();
        self.workspace = i;
        if let Some(f) = ws.focus {
            self.focus = f;
        } else if !panes.contains(&self.focus) {
            self.focus = if panes.contains(&PaneKind::Log) { PaneKind::Log } else { panes[0] };
        }
        self.show_panes();
        true
    }

    /// Tell the panes of the workspace that they are in view.
    fn show_panes(&mut self) {
        let shown = self.shown();
        if let Some(desk) = &mut self.desk {
            if let Err(e) = desk.show(&shown, &self.session) {
                self.set_status(e, true);
            }
        }
    }

    fn shown(&self) -> Vec<PaneKind> {
        self.workspaces[self.workspace].layout.panes()
    }

    /// Also show notices as desktop notifications (where `notify::desktop_available`).
    pub fn set_desktop_notifications(&mut self, on: bool) {
        self.notices = Notices::new(on);
    }

    /// Sync in the background from now on.
    pub fn start_sync(&mut self, sync: Background) {
        self.sync_view = Some(sync.state());
        self.sync = Some(sync);
        if self.desk.is_none() {
            if let Err(e) = self.start_picker(true) {
                self.set_status(e.said(self.lang), true);
            }
        }
    }

    /// Let the user sign this database in to a server (a local UI; over SSH the session
    /// is already the account's).
    pub fn allow_sign_in(&mut self) {
        self.may_sign_in = true;
        // The picker shown before this was known says how to sign in now.
        if self.desk.is_none() && self.sync.is_none() {
            if let Err(e) = self.start_picker(false) {
                self.set_status(e.said(self.lang), true);
            }
        }
    }

    /// The sign-in box: at the sign-in under way, or asking for the server (the one
    /// signed in to before, when the session there has ended).
    fn open_sign_in(&mut self) {
        let lang = self.lang;
        let user = safe_line(&self.session.user).into_owned();
        if !self.may_sign_in {
            let said = crate::say!(
                lang,
                "Over SSH er du logget inn som kontoen du koblet til med ({user})",
                "Over SSH you are signed in as the account you connected with ({user})"
            );
            return self.set_status(said, false);
        }
        let login = crate::sync::client::load_login(self.session.store.path()).ok().flatten();
        let signed_out = matches!(self.sync_view.as_ref().map(|s| &s.link), Some(LinkState::SignedOut(_)));
        if let (Some(login), Some(_), false) = (&login, &self.sync, signed_out) {
            let server = safe_line(&login.server).into_owned();
            let said = crate::say!(
                lang,
                "Logget inn på {server} som {user}; sitroom logout logger ut",
                "Signed in to {server} as {user}; sitroom logout signs out"
            );
            return self.set_status(said, false);
        }
        // The server typed last, the one signed in to, the one this replica synced
        // with (after a logout), else the start of an address.
        let server = self
            .last_server
            .clone()
            .or(login.map(|l| l.server))
            .or_else(|| self.session.store.meta("sync_server").ok().flatten())
            .unwrap_or_else(|| "https://".to_string());
        self.overlays.push(Box::new(SignInBox::new(&server, self.sign_in.clone())));
    }

    /// Take the session once the sign-in under way is done; say why it failed if its
    /// box is closed. True when something on screen changed.
    fn poll_sign_in(&mut self) -> bool {
        let Some(running) = &self.sign_in else { return false };
        match running.stage() {
            Stage::Done => {
                let running = self.sign_in.take().expect("a sign-in under way");
                if let Some(answer) = running.take() {
                    self.signed_in(&running.server, answer);
                }
                true
            }
            Stage::Failed(failure) if !self.overlays.iter().any(|o| o.context() == Context::SignIn) => {
                self.sign_in = None;
                self.set_status(super::sign_in::failure_said(&failure, self.lang), true);
                true
            }
            _ => false,
        }
    }

    /// Signed in at `server`: this session is the account's from now on (its roles,
    /// its workspaces, the draft in the entry line with it), and sync starts, taking
    /// what was written here before to the server.
    fn signed_in(&mut self, server: &str, answer: crate::sync::wire::LoginResponse) {
        let before = self.session.user.clone();
        let login = match self.session.accept_login(server, answer) {
            Ok(login) => login,
            Err(e) => return self.set_status(e.said(self.lang), true),
        };
        if let Some(shared) = &self.unsaved {
            shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).user = login.user.clone();
        }
        // The drafts are the account's now: the one in the entry line (saved under the
        // account first, then the old name's copy of it removed) and the others.
        let mut problem = None;
        if before != login.user {
            let moved = match &mut self.desk {
                Some(desk) => desk.log.save_draft_as_now(&self.session).map(|_| Some(desk.incident().id)),
                None => Ok(None),
            };
            let moved = moved.and_then(|open| {
                self.session.store.move_drafts(&before, &login.user)?;
                if let Some(incident) = open {
                    self.session.store.save_draft(&before, incident, None)?;
                }
                Ok(())
            });
            problem = moved.err().map(|e| e.said(self.lang));
        }
        let roles = self.session.roles().ok().flatten();
        self.workspaces = workspace::for_roles(&self.defs, roles.as_deref());
        let at = self.workspace.min(self.workspaces.len().saturating_sub(1));
        self.show_workspace(at);
        self.sync = None;
        let db = self.session.store.path().to_path_buf();
        self.start_sync(Background::start(db, login.clone()));
        self.refresh();
        let (user, org) = (safe_line(&login.user).into_owned(), safe_line(&login.org).into_owned());
        let roles: Vec<&str> = login.roles.iter().map(|r| r.name()).collect();
        let roles = roles.join(", ");
        // Work written here under another name is not this account's: the server
        // refuses it, and it stays on this machine. Said now, not found out later.
        let others = self.session.store.own_ops_waiting_by_others(&login.user).unwrap_or_default();
        if let Some(problem) = problem {
            return self.set_status(problem, true);
        }
        if !others.is_empty() {
            let n: i64 = others.iter().map(|(_, n)| n).sum();
            let names: Vec<String> = others.iter().map(|(a, _)| format!("«{}»", safe_line(a))).collect();
            let names = names.join(", ");
            let said = crate::say!(
                self.lang,
                "Logget inn som {user}. {n} endringer skrevet her som {names} blir på denne maskinen: serveren tar bare imot {user}s",
                "Signed in as {user}. {n} changes written here as {names} stay on this machine: the server takes only {user}'s"
            );
            return self.set_status(said, true);
        }
        let said = crate::say!(
            self.lang,
            "Logget inn som {user} ({org}; {roles}); synkroniserer",
            "Signed in as {user} ({org}; {roles}); syncing"
        );
        self.set_status(said, false);
    }

    /// Say something went wrong, in the status line.
    pub fn show_error(&mut self, text: String) {
        self.set_status(text, true);
    }

    /// Show this sync state (the background's, or a test's).
    pub fn show_sync(&mut self, state: SyncState) {
        self.sync_view = Some(state);
    }

    /// Pick up how sync stands; true when the title bar must change. A refusal by the
    /// server is said once in the status line.
    fn poll_sync(&mut self, now: Instant) -> bool {
        let Some(sync) = &self.sync else { return false };
        let state = sync.state();
        if self.sync_view.as_ref() == Some(&state) {
            return false;
        }
        let new_refusal = state.last_refusal.is_some()
            && self.sync_view.as_ref().map(|v| &v.last_refusal) != Some(&state.last_refusal);
        if new_refusal {
            let why = state.last_refusal.clone().unwrap_or_default();
            let text = format!(
                "{}: {why}",
                self.lang.pick("Serveren avviste en endring", "The server refused a change")
            );
            self.status = Some(Status::new(text, Level::Error, now));
        }
        self.sync_view = Some(state);
        true
    }

    /// Say, once each, what has become true for this user: a task given to them, a
    /// deadline passed. True when something was said.
    fn notice(&mut self) -> bool {
        let Some(desk) = &self.desk else { return false };
        let mut said = self.notices.check_alerts(&self.waiting, self.lang);
        said.extend(self.notices.check_messages(&self.urgent, self.lang));
        said.extend(self.notices.check(
            &self.session.user,
            desk.tasks.tasks(),
            desk.media.inquiries(),
            chrono::Utc::now(),
            self.lang,
        ));
        let Some(first) = said.first() else { return false };
        let text = if said.len() > 1 { format!("{first} (+{})", said.len() - 1) } else { first.clone() };
        self.status = Some(Status::new(text, Level::Notice, Instant::now()));
        true
    }

    /// Rows the terminal may scroll when the log moves: the log's list, when the
    /// workspace shows it and nothing covers it.
    pub fn scroll_rows(&self) -> Option<std::ops::Range<u16>> {
        let log = self.desk.as_ref().map(|d| &d.log)?;
        (self.overlays.is_empty() && self.shown().contains(&PaneKind::Log)).then(|| log.list_rows())
    }

    /// The text to put on the clipboard, once: the event loop writes it to the terminal.
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn log(&self) -> Option<&LogPane> {
        self.desk.as_ref().map(|d| &d.log)
    }

    /// Does what is typed go into the entry line now (no overlay, the log pane
    /// focused, and in it the entry line)?
    pub fn is_typing(&self) -> bool {
        self.overlays.is_empty() && self.focus == PaneKind::Log && self.context() == Context::Entry
    }

    pub fn tasks(&self) -> Option<&TaskBoard> {
        self.desk.as_ref().map(|d| &d.tasks)
    }

    /// The names of this user's workspaces, in key order.
    pub fn workspace_names(&self) -> Vec<&str> {
        self.workspaces.iter().map(|w| w.name.as_str()).collect()
    }

    /// Letters reached a list: say that the focus is there, and how to get back to the
    /// entry line. Gone when the focus moves (see `drop_stale_word`).
    fn say_where_the_focus_is(&mut self, context: Context) {
        let s = self.lang.strings();
        let (here, keys, then) = if context == Context::Log {
            (s.log_has_focus, self.keymap.keys(Context::Log, Action::FocusNext), s.back_to_entry)
        } else {
            (s.list_has_focus, self.keymap.keys(Context::Global, Action::NextPane), s.next_pane)
        };
        let keys: Vec<String> = keys.iter().map(|c| c.display()).collect();
        let text = format!("{here} {}: {then}", keys.join("/"));
        self.status = Some(Status::new(text, Level::Nudge, Instant::now()));
    }

    fn set_status(&mut self, text: String, error: bool) {
        let level = if error { Level::Error } else { Level::Info };
        self.status = Some(Status::new(text, level, Instant::now()));
    }

    fn context(&self) -> Context {
        match (self.overlays.last(), &self.desk) {
            (Some(o), _) => o.context(),
            (None, Some(d)) => d.pane(self.focus).context(),
            (None, None) => Context::Picker,
        }
    }

    /// Share the entry line's state with the hang-up watcher from now on.
    pub fn set_unsaved(&mut self, unsaved: Option<SharedUnsaved>) {
        self.unsaved = unsaved;
        self.guarded(|_| false);
    }

    /// Run `f` holding the hang-up watcher's lock, and leave it the state after `f`.
    fn guarded<T>(&mut self, f: impl FnOnce(&mut Ui) -> T) -> T {
        let Some(shared) = self.unsaved.clone() else { return f(self) };
        let mut unsaved = shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let changed = f(self);
        unsaved.incident = self.desk.as_ref().map(|d| d.incident().id);
        unsaved.draft = self.log().and_then(LogPane::draft_snapshot);
        unsaved.report = self.overlays.iter().find_map(|o| o.unsaved_report());
        changed
    }

    /// Handle a key press; true when something on screen may have changed.
    pub fn on_key(&mut self, ev: KeyEvent) -> bool {
        let before = self.status_mark();
        let changed = self.guarded(|ui| ui.handle_key(ev));
        self.drop_stale_word(before) | changed
    }

    /// What is in front, and when the status line's word was said: taken before an
    /// input, for [`drop_stale_word`](Self::drop_stale_word) after it.
    fn status_mark(&self) -> (Context, Option<Instant>) {
        (self.context(), self.status.as_ref().map(|s| s.since))
    }

    /// A word said before this input about what was then in front ("Kopiert", "Lagret
    /// #4", "Loggen har fokus") makes way for the hints of what is in front now, once
    /// the input moved the focus. Errors and notices stay their time; what the input
    /// itself said stays.
    fn drop_stale_word(&mut self, (context, said): (Context, Option<Instant>)) -> bool {
        let stale = self
            .status
            .as_ref()
            .is_some_and(|s| matches!(s.level, Level::Info | Level::Nudge) && Some(s.since) == said);
        if stale && self.context() != context {
            self.status = None;
            return true;
        }
        false
    }

    /// Handle keys that arrived together, in order. A run of plain characters typed
    /// into the entry line goes in as one piece of text, so a burst of 10,000 keys
    /// costs one edit of the line, not 10,000 (each of which re-lays out the whole
    /// wrapped line); everything else is one key at a time, exactly as `on_key`.
    pub fn on_keys(&mut self, keys: &[KeyEvent]) -> bool {
        let mut changed = false;
        let mut i = 0;
        while i < keys.len() {
            let text_here = |k: &KeyEvent| {
                k.kind == KeyEventKind::Press
                    && is_typing(k)
                    && self.keymap.action(Context::Entry, Chord::from_event(k)).is_none()
            };
            let run = keys[i..].iter().take_while(|k| text_here(k)).count();
            if run > 1 && self.is_typing() && !self.too_small.get() {
                let text: String = keys[i..i + run]
                    .iter()
                    .filter_map(|k| if let KeyCode::Char(c) = k.code { Some(c) } else { None })
                    .collect();
                if let Some(typed) = self.guarded(|ui| ui.type_into_entry(&text)) {
                    self.typing_until = Some(Instant::now() + TYPING_PAUSE);
                    changed |= typed;
                    i += run;
                    continue;
                }
            }
            changed |= self.on_key(keys[i]);
            i += 1;
        }
        changed
    }

    /// Text typed into the entry line in one piece; `None` when the line does not take
    /// it so (read-only), and the keys must go one by one to say why.
    fn type_into_entry(&mut self, text: &str) -> Option<bool> {
        let desk = self.desk.as_mut()?;
        desk.log.type_text(text, &self.session)
    }

    fn handle_key(&mut self, ev: KeyEvent) -> bool {
        if ev.kind != KeyEventKind::Press {
            return false;
        }
        if self.wall {
            return match self.keymap.action(Context::Global, Chord::from_event(&ev)) {
                Some(Action::Quit) => {
                    self.quit = true;
                    false
                }
                Some(Action::Redraw) => {
                    self.clear_requested = true;
                    true
                }
                _ => false,
            };
        }
        let context = self.context();
        let now = Instant::now();
        let text_field = context.takes_text() || context == Context::Confirm;
        if !text_field && is_typing(&ev) && self.typing_until.is_some_and(|until| now < until) {
            // Typing went on after a stray Tab or F4: the rest of the sentence is not a
            // row of commands. Nothing happens until the typing pauses.
            self.typing_until = Some(now + TYPING_PAUSE);
            self.say_where_the_focus_is(context);
            return true;
        }
        let input = match self.keymap.action(context, Chord::from_event(&ev)) {
            Some(a) => Input::Action(a),
            // A confirmation hears every key, to say that only its own keys answer it.
            None if text_field => Input::Edit(ev),
            // Typing into a list: the letters that mean nothing here do nothing but say
            // where the focus is (and count as typing, so the letters after them are
            // not taken as commands either). Sending them on to the entry line would
            // make a garbled entry of what is left once the letters that are commands
            // here have been taken.
            None if is_typing(&ev) => {
                self.typing_until = Some(now + TYPING_PAUSE);
                self.say_where_the_focus_is(context);
                return true;
            }
            None => return false,
        };
        self.typing_until = match input {
            // Typing, and moving on (Tab, F4) while typing, keep the flow going; Enter
            // and Esc end it, as does any key used in a list.
            Input::Edit(ev) if context.takes_text() && is_typing(&ev) => Some(now + TYPING_PAUSE),
            Input::Action(Action::Confirm | Action::Cancel) => None,
            _ if context.takes_text() => self.typing_until,
            _ => None,
        };
        if self.too_small.get() && !matches!(input, Input::Action(Action::Quit | Action::Redraw)) {
            return false;
        }
        let dialog = matches!(
            context,
            Context::Picker
                | Context::Form
                | Context::Help
                | Context::Editor
                | Context::Confirm
                | Context::SignIn
        );
        match input {
            Input::Action(Action::Quit) => {
                self.quit = true;
                return false;
            }
            Input::Action(Action::Help) if context != Context::Help => {
                // Help starts with what the focused part's keys do, then the rest of
                // the workspace (the log's list beside its entry line).
                let mut first = vec![context];
                if let Some(desk) = &self.desk {
                    for kind in self.shown() {
                        let c = desk.pane(kind).context();
                        first.push(c);
                        if c == Context::Entry {
                            first.push(Context::Log);
                        }
                    }
                }
                self.overlays.push(Box::new(Help::from(first)));
                return true;
            }
            Input::Action(Action::Incidents)
                if !matches!(
                    context,
                    Context::Picker | Context::Form | Context::Confirm | Context::SignIn
                ) =>
            {
                match self.session.incidents() {
                    Ok(list) => {
                        let active = self.desk.as_ref().map(|d| d.incident().id);
                        self.overlays.push(Box::new(Picker::new(list, active)))
                    }
                    Err(e) => self.set_status(e.said(self.lang), true),
                }
                return true;
            }
            Input::Action(Action::SignIn) if !matches!(context, Context::Confirm | Context::SignIn) => {
                self.open_sign_in();
                return true;
            }
            Input::Action(Action::Redraw) => {
                self.clear_requested = true;
                return true;
            }
            Input::Action(Action::Conflicts) if !dialog => {
                let incident = self.desk.as_ref().map(|d| d.incident().id);
                match super::conflicts::Conflicts::open(&self.session, incident) {
                    Ok(c) => self.overlays.push(Box::new(c)),
                    Err(e) => self.set_status(e.said(self.lang), true),
                }
                return true;
            }
            Input::Action(Action::Workspace(n)) if !dialog => return self.show_workspace(usize::from(n) - 1),
            Input::Action(Action::NextWorkspace) if !dialog => {
                return self.show_workspace((self.workspace + 1) % self.workspaces.len().max(1))
            }
            Input::Action(Action::PreviousWorkspace) if !dialog => {
                let n = self.workspaces.len().max(1);
                return self.show_workspace((self.workspace + n - 1) % n);
            }
            Input::Action(Action::NextPane) if !dialog => {
                let shown = self.shown();
                let at = shown.iter().position(|k| *k == self.focus).unwrap_or(0);
                self.focus = shown[(at + 1) % shown.len()];
                return true;
            }
            _ => {}
        }
        self.with_top(|pane, cx| pane.handle(input, cx))
    }

    /// The mouse: a click focuses the pane under it and selects the row it is on; the
    /// wheel scrolls what is under the pointer. Only what was drawn can be picked, and
    /// a click never writes: at most it selects what a key would then act on. While an
    /// overlay is open it alone hears the mouse (a confirmation not even that: only
    /// its keys answer it).
    pub fn on_mouse(&mut self, ev: MouseEvent) -> bool {
        if self.too_small.get() || self.context() == Context::Confirm {
            return false;
        }
        let at = Position::new(ev.column, ev.row);
        let owner = match self.overlays.len().checked_sub(1) {
            Some(top) => Owner::Overlay(top),
            None => {
                let areas = self.pane_areas.borrow();
                match areas.iter().find(|(_, r)| r.contains(at)) {
                    Some(&(kind, _)) => Owner::Pane(kind),
                    None => return false,
                }
            }
        };
        let pick =
            self.hits.borrow().iter().rev().find(|h| h.owner == owner && h.area.contains(at)).map(|h| h.pick);
        let before = self.status_mark();
        match ev.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.typing_until = None;
                let mut changed = false;
                if let Owner::Pane(kind) = owner {
                    changed = kind != self.focus;
                    self.focus = kind;
                }
                if let Some(pick) = pick {
                    changed |= self
                        .guarded(|ui| ui.with_owner(owner, |pane, cx| pane.handle(Input::Pick(pick), cx)));
                }
                self.drop_stale_word(before) | changed
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = ev.kind == MouseEventKind::ScrollDown;
                self.with_owner(owner, |pane, cx| {
                    if pane.handle(Input::Wheel { down }, cx) == Outcome::Consumed {
                        return Outcome::Consumed;
                    }
                    let step = Input::Action(if down { Action::Down } else { Action::Up });
                    let moved = (0..3).filter(|_| pane.handle(step, cx) == Outcome::Consumed).count();
                    if moved > 0 {
                        Outcome::Consumed
                    } else {
                        Outcome::Ignored
                    }
                })
            }
            _ => false,
        }
    }

    /// Give something to the pane or overlay `owner` names, as `with_top` does to the
    /// focused one.
    fn with_owner(&mut self, owner: Owner, f: impl FnOnce(&mut dyn Pane, &mut Cx<'_>) -> Outcome) -> bool {
        let mut events = Vec::new();
        let mut cx = Cx { session: &mut self.session, lang: self.lang, events: &mut events };
        let outcome = match (owner, self.desk.as_mut()) {
            (Owner::Overlay(i), _) => match self.overlays.get_mut(i) {
                Some(o) => f(o.as_mut(), &mut cx),
                None => Outcome::Ignored,
            },
            (Owner::Pane(kind), Some(d)) => f(d.pane_mut(kind), &mut cx),
            (Owner::Pane(_), None) => Outcome::Ignored,
        };
        let any = !events.is_empty();
        for e in events {
            self.apply(e);
        }
        outcome == Outcome::Consumed || any
    }

    /// Bracketed paste: the text goes to the focused field, cleaned of control codes.
    pub fn on_paste(&mut self, text: &str) -> bool {
        if self.too_small.get() {
            return false;
        }
        self.guarded(|ui| ui.with_top(|pane, cx| pane.paste(text, cx)))
    }

    fn with_top(&mut self, f: impl FnOnce(&mut dyn Pane, &mut Cx<'_>) -> Outcome) -> bool {
        let mut events = Vec::new();
        let mut cx = Cx { session: &mut self.session, lang: self.lang, events: &mut events };
        let outcome = match (self.overlays.last_mut(), self.desk.as_mut()) {
            (Some(o), _) => f(o.as_mut(), &mut cx),
            (None, Some(d)) => f(d.pane_mut(self.focus), &mut cx),
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
            UiEvent::EntrySaved { id, seq } => {
                let mut status = Status::new(saved(self.lang, seq), Level::Info, Instant::now());
                status.entry = Some(id);
                self.status = Some(status);
            }
            UiEvent::Error(s) => self.set_status(s, true),
            UiEvent::CloseOverlay => {
                self.overlays.pop();
            }
            UiEvent::Activate(incident) => {
                if let Err(e) = self.activate(incident) {
                    self.set_status(e.said(self.lang), true);
                }
            }
            UiEvent::DataChanged => self.refresh(),
            UiEvent::EditReport(report) => {
                if let Some(incident) = self.desk.as_ref().map(|d| d.incident().clone()) {
                    self.overlays.push(Box::new(ReportEditor::new(incident, report)));
                }
            }
            UiEvent::TaskFromEntry(seq) => {
                let Some(incident) = self.desk.as_ref().map(|d| d.incident().clone()) else { return };
                match self.session.task_from_entry(&incident, seq) {
                    Ok(new) => {
                        let pending =
                            super::task_board::new_task_pending(self.lang, incident, new, Some(seq));
                        self.overlays.push(Box::new(Confirm::new(pending)));
                    }
                    Err(e) => self.set_status(e.said(self.lang), true),
                }
            }
            UiEvent::PostToBoard(seq) => {
                let Some(incident) = self.desk.as_ref().map(|d| d.incident().clone()) else { return };
                let lang = self.lang;
                let chosen = self
                    .session
                    .entry(&incident, seq)
                    .and_then(|e| Ok((self.session.writable_boards(&incident)?, e)));
                match chosen {
                    Ok((boards, _)) if boards.is_empty() => self.set_status(
                        lang.pick(
                            "Ingen tavle du kan skrive på: lag en med `sitroom board new NAVN`",
                            "No board you may write on: make one with `sitroom board new NAME`",
                        ),
                        true,
                    ),
                    Ok((mut boards, entry)) if boards.len() == 1 => {
                        let board = boards.pop().expect("one board");
                        let pending = super::boards_pane::ChooseBoard::pending(board, entry, lang);
                        self.overlays.push(Box::new(Confirm::new(pending)));
                    }
                    Ok((boards, entry)) => {
                        self.overlays.push(Box::new(super::boards_pane::ChooseBoard::new(boards, entry)))
                    }
                    Err(e) => self.set_status(e.said(lang), true),
                }
            }
            UiEvent::ShowPane(kind) => {
                match self.workspaces.iter().position(|w| w.layout.panes().contains(&kind)) {
                    Some(i) => {
                        self.show_workspace(i);
                        self.focus = kind;
                    }
                    None => self.set_status(
                        crate::say!(
                            self.lang,
                            "Ingen av arbeidsflatene dine viser «{}»",
                            "None of your workspaces shows '{}'",
                            kind.name()
                        ),
                        true,
                    ),
                }
            }
            UiEvent::Confirm(pending) => self.overlays.push(Box::new(Confirm::new(pending))),
            UiEvent::SigningIn(sign_in) => {
                if let Some(s) = &sign_in {
                    self.last_server = Some(s.server.clone());
                }
                self.sign_in = sign_in;
            }
            UiEvent::Copy(text) => {
                let n = text.chars().count();
                self.set_status(
                    crate::say!(self.lang, "Kopiert ({n} tegn)", "Copied ({n} characters)"),
                    false,
                );
                self.clipboard = Some(text);
            }
            UiEvent::Marked { seq, significant } => {
                if let Some(desk) = &mut self.desk {
                    desk.log.marked(seq, significant);
                }
            }
            UiEvent::CorrectionSaved => {
                if let Some(desk) = &mut self.desk {
                    desk.log.correction_saved(&self.session);
                }
            }
        }
    }

    fn refresh(&mut self) {
        // Waiting for a first incident (from sync, or made by someone else): open it
        // as soon as there is one to open.
        if self.desk.is_none() {
            if let Ok(Some(incident)) = self.session.default_incident() {
                if let Err(e) = self.activate(incident) {
                    self.set_status(e.said(self.lang), true);
                }
                return;
            }
        }
        for o in &mut self.overlays {
            if let Err(e) = o.refresh(&self.session) {
                self.status = Some(Status::new(e, Level::Error, Instant::now()));
            }
        }
        let shown = self.shown();
        if let Some(desk) = &mut self.desk {
            if let Err(e) = desk.refresh(&self.session, &shown) {
                self.set_status(e, true);
            }
        }
        if let Err(e) = self.read_waiting() {
            self.set_status(e.said(self.lang), true);
        }
        // "Saved #4" follows its entry when sync gives it another number.
        if let (Some(status), Some(desk)) = (&mut self.status, &self.desk) {
            if let Some(seq) = status.entry.and_then(|id| desk.log.model().seq_of(id)) {
                status.text = saved(self.lang, seq);
            }
        }
    }

    /// Periodic work: save the draft when due, pick up what others wrote, expire the
    /// status, notice a new minute for the clock. True when a redraw is needed.
    pub fn tick(&mut self, now: Instant) -> bool {
        let mut changed = self.tick_overlays(now);
        changed |= self.poll_sync(now);
        changed |= self.poll_sign_in();
        if let Some(desk) = &mut self.desk {
            match desk.log.poll_history(self.lang) {
                Ok(c) => changed |= c,
                Err(e) => {
                    self.status = Some(Status::new(e, Level::Error, now));
                    changed = true;
                }
            }
            if let Err(e) = desk.log.save_draft_if_due(&self.session, now, false) {
                self.status = Some(Status::new(e.to_string(), Level::Error, now));
                changed = true;
            }
        }
        if now.duration_since(self.last_chores) >= CHORES_EVERY {
            self.last_chores = now;
            changed |= self.chores();
        }
        if now.duration_since(self.last_poll) >= POLL_EVERY {
            self.last_poll = now;
            if let Ok(v) = self.session.store.data_version() {
                if v != self.data_version {
                    self.data_version = v;
                    self.refresh();
                    changed = true;
                }
            }
        }
        // A status already showing is not overwritten by a notice; it waits a tick.
        if self.status.is_none() {
            changed |= self.notice();
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
    /// What falls due with time, whoever is at the keyboard: an exercise's injects, and
    /// alerts unanswered past their time (the next of the role is alerted). True when
    /// something was written.
    fn chores(&mut self) -> bool {
        // Only a sitroom whose user may write the log writes these entries.
        if !self.session.may(crate::domain::roles::Permission::WriteLog).unwrap_or(false) {
            return false;
        }
        let now = chrono::Utc::now();
        let mut written = 0;
        match self.session.deliver_injects(now) {
            Ok(e) => written += e.len(),
            Err(e) => self.set_status(e.said(self.lang), true),
        }
        match self.session.escalate_due(now) {
            Ok(e) => written += e.len(),
            Err(e) => self.set_status(e.said(self.lang), true),
        }
        if written > 0 {
            self.refresh();
        }
        written > 0
    }

    /// Overlays' and panes' own periodic work (the report editor's autosave, a fetch
    /// of shared reports finishing).
    fn tick_overlays(&mut self, now: Instant) -> bool {
        let shown = self.shown();
        let mut events = Vec::new();
        let mut cx = Cx { session: &mut self.session, lang: self.lang, events: &mut events };
        let mut changed = false;
        for o in &mut self.overlays {
            changed |= o.tick(&mut cx, now, true);
        }
        if let Some(desk) = &mut self.desk {
            changed |= desk.tick(&mut cx, now, &shown);
        }
        for e in events {
            self.apply(e);
        }
        changed
    }

    /// How long the event loop may sleep before `tick` has work.
    pub fn next_wake(&self, now: Instant) -> Duration {
        if self.log().is_some_and(LogPane::is_loading) {
            return Duration::from_millis(10);
        }
        let draft = self.log().and_then(|l| l.draft_due_in(now)).unwrap_or(POLL_EVERY);
        draft.min((self.last_poll + POLL_EVERY).saturating_duration_since(now)).max(Duration::from_millis(10))
    }

    /// Save what is unsaved before the program ends.
    pub fn shutdown(&mut self) -> crate::app::Result<()> {
        let mut events = Vec::new();
        let mut cx = Cx { session: &mut self.session, lang: self.lang, events: &mut events };
        for o in &mut self.overlays {
            o.flush(&mut cx);
        }
        if let Some(desk) = &mut self.desk {
            desk.log.save_draft_if_due(&self.session, Instant::now(), true)?;
        }
        Ok(())
    }

    /// Become a wall display of the active incident: the wall alone, full screen,
    /// showing the boards `only` names (none: every board the user may see).
    pub fn wall(
        &mut self,
        only: Vec<String>,
        incident: Option<crate::domain::Incident>,
    ) -> crate::app::Result<()> {
        if let Some(i) = incident {
            self.activate(i)?;
        }
        let Some(desk) = &mut self.desk else {
            return Err(crate::app::AppError::Usage(self.lang.pick(
                "ingen hendelse er aktiv: velg en med `sitroom incident use N`",
                "no incident is active: choose one with `sitroom incident use N`",
            )));
        };
        desk.wall.only(only, &self.session)?;
        let def =
            self.defs.iter().find(|d| d.layout.panes() == [PaneKind::Wall]).cloned().unwrap_or_else(|| {
                let shipped = workspace::load(None).expect("the shipped workspaces are valid");
                shipped.into_iter().find(|d| d.name == "veggskjerm").expect("the shipped wall display")
            });
        self.workspaces = vec![def];
        self.wall = true;
        self.show_workspace(0);
        Ok(())
    }

    pub fn render(&self, f: &mut Frame<'_>, now: DateTime<Local>) {
        let area = f.area();
        let s = self.lang.strings();
        self.too_small.set(area.width < MIN_WIDTH || area.height < MIN_HEIGHT);
        self.hits.borrow_mut().clear();
        self.pane_areas.borrow_mut().clear();
        if self.too_small.get() {
            let msg = format!("{}: {}×{} < {MIN_WIDTH}×{MIN_HEIGHT}", s.too_small, area.width, area.height);
            f.render_widget(Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }), area);
            return;
        }
        let mut cx = RenderCx {
            theme: &self.theme,
            keymap: &self.keymap,
            lang: self.lang,
            strings: s,
            now,
            focused: false,
            incident_types: &self.session.incident_types,
            owner: Owner::Overlay(0),
            hits: &self.hits,
            sync: self.sync_view.as_ref(),
        };
        if self.wall {
            // The wall alone; a line at the bottom only to say what went wrong.
            let said = u16::from(self.status.as_ref().is_some_and(|s| s.level == Level::Error));
            let [body, bottom] = Layout::vertical([Constraint::Min(1), Constraint::Length(said)]).areas(area);
            if let Some(desk) = &self.desk {
                cx.owner = Owner::Pane(PaneKind::Wall);
                desk.pane(PaneKind::Wall).render(f, body, &cx);
            }
            if said > 0 {
                self.render_bottom(f, bottom, &cx);
            }
            return;
        }
        let [title, body, bottom] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
        self.render_title(f, title, &cx);
        if let Some(desk) = &self.desk {
            let mut areas = Vec::new();
            self.workspaces[self.workspace].layout.areas(body, &mut areas);
            for &(kind, rect) in &areas {
                cx.focused = self.overlays.is_empty() && kind == self.focus;
                cx.owner = Owner::Pane(kind);
                desk.pane(kind).render(f, rect, &cx);
                // The focused pane's corner carries the focus mark, which shows without
                // colour too (the log pane marks the part of it that has the focus).
                // (In the title's leading space, as the log pane does: the frame's corner stays.)
                if cx.focused && kind != PaneKind::Log && rect.width > 2 && rect.height > 0 {
                    f.buffer_mut()[(rect.x + 1, rect.y)].set_symbol("▶").set_style(self.theme.key);
                }
            }
            *self.pane_areas.borrow_mut() = areas;
        }
        cx.focused = true;
        for (i, o) in self.overlays.iter().enumerate() {
            cx.owner = Owner::Overlay(i);
            o.render(f, body, &cx);
        }
        self.render_bottom(f, bottom, &cx);
    }

    fn render_title(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let (s, t) = (cx.strings, cx.theme);
        let mut left = vec![Span::styled(" sitroom │ ", t.title_bar)];
        let ws = &self.workspaces[self.workspace];
        let place = if self.workspaces.len() > 1 {
            format!("{} {}/{} │ ", ws.label(cx.lang), self.workspace + 1, self.workspaces.len())
        } else {
            format!("{} │ ", ws.label(cx.lang))
        };
        left.push(Span::styled(place, t.title_bar));
        match self.desk.as_ref().map(Desk::incident) {
            Some(i) => {
                left.push(Span::styled(format!("#{} {} ", i.number, safe_line(&i.title)), t.title_bar));
                left.push(Span::styled(
                    format!(
                        "│ {} · {} {} ",
                        safe_line(&i.kind),
                        i.severity.level(),
                        i.severity.label().get(cx.lang)
                    ),
                    t.title_bar,
                ));
                if i.exercise {
                    left.push(Span::styled(format!(" {} ", s.exercise), t.exercise));
                }
            }
            None => left.push(Span::styled(s.no_active.to_string(), t.title_bar)),
        }
        let (user, clock) = (safe_line(&self.session.user), cx.now.format("%H:%M"));
        // How sync stands and the clock are always shown, at the right (a logger reads
        // the time off it); the device and the user give way first, then the incident's
        // title is cut.
        // A sign-in under way shows its code, so its box may be closed meanwhile
        // (after how sync stands, which it does not hide).
        let signing_in = self.sign_in.as_ref().and_then(|s| match s.stage() {
            Stage::Waiting(shown) => Some(format!(
                "{} {}",
                cx.lang.pick("○ logger inn, kode", "○ signing in, code"),
                safe_line(&shown.code)
            )),
            _ => None,
        });
        let how = match self.keymap.keys(Context::Global, Action::SignIn).first() {
            Some(key) if self.may_sign_in => key.display(),
            _ => "sitroom login".to_string(),
        };
        let label = self.sync_view.as_ref().map(|state| sync_label(state, cx.lang, &how));
        let sync = match (label, signing_in) {
            (Some((text, alarm)), None) => {
                Some(Span::styled(format!(" │ {text} "), if alarm { t.warning } else { t.title_bar }))
            }
            (Some((text, _)), Some(code)) => Some(Span::styled(format!(" │ {text} · {code} "), t.warning)),
            (None, Some(code)) => Some(Span::styled(format!(" │ {code} "), t.warning)),
            (None, None) => None,
        };
        let sync_width = sync.as_ref().map_or(0, |s| s.content.width());
        let width = area.width as usize;
        let used: usize = left.iter().map(|s| s.content.width()).sum();
        let right = [format!(" {user} · {}  {clock} ", self.session.device), format!(" {user}  {clock} ")]
            .into_iter()
            .find(|r| used + sync_width + r.width() <= width)
            .or_else(|| Some(format!(" {clock} ")));
        let room = width.saturating_sub(sync_width + right.as_ref().map_or(0, |r| r.width()));
        let mut line = widgets::cut(Line::from(left), room as u16);
        let used: usize = line.spans.iter().map(|s| s.content.width()).sum();
        line.spans.push(Span::styled(" ".repeat(room.saturating_sub(used)), t.title_bar));
        line.spans.extend(sync);
        if let Some(right) = right {
            line.spans.push(Span::styled(right, t.title_bar));
        }
        f.render_widget(Paragraph::new(line).style(t.title_bar), area);
    }

    fn render_bottom(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let line = match &self.status {
            Some(st) if st.level == Level::Error => Line::from(vec![
                Span::styled(format!(" {}: ", cx.strings.error), t.error),
                Span::styled(safe_line(&st.text).into_owned(), t.error),
            ]),
            Some(st) if st.level == Level::Notice => Line::from(vec![
                Span::styled(format!(" {}: ", cx.strings.notice), t.warning),
                Span::styled(safe_line(&st.text).into_owned(), t.warning),
            ]),
            Some(st) if st.level == Level::Nudge => {
                Line::from(Span::styled(format!(" {}", safe_line(&st.text)), t.warning))
            }
            Some(st) => Line::from(Span::styled(format!(" {}", safe_line(&st.text)), t.status)),
            None => {
                let context = self.context();
                let actions = context.keys().hints;
                let mut spans = vec![Span::raw(" ")];
                spans.extend(hints(cx, context, actions, area.width.saturating_sub(1) as usize));
                Line::from(spans)
            }
        };
        f.render_widget(Paragraph::new(line), area);
    }
}

/// A printable character without Ctrl or Alt: typing, not a command.
/// What the status line says when an entry is saved.
fn saved(lang: Lang, seq: i64) -> String {
    format!("{} #{seq}", lang.strings().saved)
}

fn is_typing(ev: &KeyEvent) -> bool {
    matches!(ev.code, crossterm::event::KeyCode::Char(_))
        && !ev
            .modifiers
            .intersects(crossterm::event::KeyModifiers::CONTROL | crossterm::event::KeyModifiers::ALT)
}

/// The title bar's word on sync, and whether it needs the user's eye: online /
/// offline since 14:32 / 3 changes waiting / 2 conflicts.
/// `sign_in` is how to sign in again (a key, or the command).
fn sync_label(state: &SyncState, lang: Lang, sign_in: &str) -> (String, bool) {
    let mut parts = Vec::new();
    let mut alarm = false;
    match &state.link {
        LinkState::Connecting => parts.push(lang.pick("kobler til", "connecting").to_string()),
        LinkState::Online => parts.push(lang.pick("● tilkoblet", "● online").to_string()),
        LinkState::Offline { since } => {
            alarm = true;
            let at = since.with_timezone(&Local).format("%H:%M");
            parts.push(format!("{} {at}", lang.pick("○ frakoblet siden", "○ offline since")));
        }
        LinkState::SignedOut(_) => {
            alarm = true;
            parts.push(crate::say!(lang, "○ logget ut: {sign_in}", "○ signed out: {sign_in}"));
        }
    }
    if state.waiting > 0 {
        parts.push(format!("{} {}", state.waiting, lang.pick("venter", "waiting")));
    }
    if state.conflicts > 0 {
        alarm = true;
        let word = match state.conflicts {
            1 => lang.pick("konflikt", "conflict"),
            _ => lang.pick("konflikter", "conflicts"),
        };
        parts.push(format!("{} {word}", state.conflicts));
    }
    if state.refused > 0 {
        alarm = true;
        parts.push(format!("{} {}", state.refused, lang.pick("avvist", "refused")));
    }
    (parts.join(" · "), alarm)
}
