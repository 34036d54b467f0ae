//! The desk: every pane of the active incident, kept while the user switches
//! workspaces (so the draft, the scroll position and the selected task stay put).
//! `panes!` below is the one list of panes: a new pane is its module and one line
//! there (and, if it brings a keymap context of its own, a line in `keymap::CONTEXTS`).

use super::alerts_pane::AlertsPane;
use super::boards_pane::BoardsPane;
use super::cards_pane::CardsPane;
use super::contacts_pane::ContactsPane;
use super::eps_pane::EpsPane;
use super::history_pane::HistoryPane;
use super::journal_pane::JournalPane;
use super::log_pane::LogPane;
use super::media_queue::MediaQueue;
use super::messages_pane::MessagesPane;
use super::pane::Pane;
use super::plans_pane::PlansPane;
use super::reports_pane::ReportsPane;
use super::resources_pane::ResourcesPane;
use super::ros_pane::RosPane;
use super::shared_pane::SharedPane;
use super::situation_pane::SituationPane;
use super::task_board::TaskBoard;
use super::wall_pane::WallPane;
use crate::app::Session;
use crate::domain::Incident;
use crate::i18n::Lang;

/// What a pane opens with: the session, the active incident, the interface language.
pub struct Opening<'a> {
    pub session: &'a mut Session,
    pub incident: &'a Incident,
    pub lang: Lang,
}

/// Declares the panes, each once: its kind, its name in workspace files, its field on
/// the desk with its type, and how it opens. Generates `PaneKind`, `ALL`, the `Desk`
/// and the registry from kinds to panes.
macro_rules! panes {
    ($( $(#[$doc:meta])* $kind:ident $name:literal $field:ident: $ty:ty = $open:expr; )*) => {
        /// A kind of pane, as workspace files name it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum PaneKind {
            $( $(#[$doc])* $kind, )*
        }

        /// Every kind of pane, in the order they are asked to refresh.
        pub const ALL: &[PaneKind] = &[$(PaneKind::$kind),*];

        impl PaneKind {
            /// Its name in workspace files.
            pub fn name(self) -> &'static str {
                match self {
                    $(PaneKind::$kind => $name,)*
                }
            }

            pub fn from_name(name: &str) -> Option<PaneKind> {
                ALL.iter().copied().find(|k| k.name() == name)
            }
        }

        /// Every pane of the active incident.
        pub struct Desk {
            $(pub $field: $ty,)*
        }

        impl Desk {
            pub fn open(session: &mut Session, incident: Incident, lang: Lang) -> crate::app::Result<Desk> {
                let o = &mut Opening { session, incident: &incident, lang };
                Ok(Desk { $($field: ($open)(&mut *o)?,)* })
            }

            pub fn pane(&self, kind: PaneKind) -> &dyn Pane {
                match kind {
                    $(PaneKind::$kind => &self.$field,)*
                }
            }

            pub fn pane_mut(&mut self, kind: PaneKind) -> &mut dyn Pane {
                match kind {
                    $(PaneKind::$kind => &mut self.$field,)*
                }
            }
        }
    };
}

type Opened<T> = crate::app::Result<T>;

panes! {
    /// The incident log and the entry line.
    Log "log" log: LogPane = |o: &mut Opening| LogPane::open(o.session, o.incident.clone(), o.lang);
    /// The task board.
    Tasks "tasks" tasks: TaskBoard = |o: &mut Opening| TaskBoard::open(o.session, o.incident.clone());
    /// The media queue.
    Media "media" media: MediaQueue = |o: &mut Opening| MediaQueue::open(o.session, o.incident.clone());
    /// Reports of every kind.
    Reports "reports" reports: ReportsPane = |o: &mut Opening| ReportsPane::open(o.session, o.incident.clone(), false);
    /// Situation reports only.
    Sitrep "sitrep" sitrep: ReportsPane = |o: &mut Opening| ReportsPane::open(o.session, o.incident.clone(), true);
    /// Alerts and their live tally.
    Alerts "alerts" alerts: AlertsPane = |o: &mut Opening| AlertsPane::open(o.session, o.incident.clone());
    /// Action cards.
    Cards "cards" cards: CardsPane = |o: &mut Opening| CardsPane::open(o.session, o.incident.clone());
    /// Contacts, searched as you type.
    Contacts "contacts" contacts: ContactsPane = |_: &mut Opening| Opened::Ok(ContactsPane::open());
    /// Contingency plans.
    Plans "plans" plans: PlansPane = |o: &mut Opening| PlansPane::open(o.session);
    /// The ROS register and its matrix.
    Ros "ros" ros: RosPane = |o: &mut Opening| RosPane::open(o.session);
    /// EPS registrations.
    Eps "eps" eps: EpsPane = |o: &mut Opening| EpsPane::open(o.session, o.incident.clone());
    /// Resources and their availability.
    Resources "resources" resources: ResourcesPane = |o: &mut Opening| ResourcesPane::open(o.session);
    /// The log, tasks and sitrep as they stood at a chosen time.
    History "history" history: HistoryPane = |o: &mut Opening| Opened::Ok(HistoryPane::open(o.incident.clone()));
    /// Reports shared with this organisation.
    Shared "shared" shared: SharedPane = |o: &mut Opening| Opened::Ok(SharedPane::open(o.incident.clone()));
    /// Information boards: notices and key figures.
    Boards "boards" boards: BoardsPane = |o: &mut Opening| BoardsPane::open(o.session, o.incident.clone());
    /// The message journal: every message in or out, numbered.
    Journal "journal" journal: JournalPane = |o: &mut Opening| JournalPane::open(o.session, o.incident.clone());
    /// Messages to and from the user, with who has read them.
    Messages "messages" messages: MessagesPane = |o: &mut Opening| MessagesPane::open(o.session);
    /// The situation at a glance for the crisis leader.
    Situation "situation" situation: SituationPane = |o: &mut Opening| SituationPane::open(o.session, o.incident.clone());
    /// The wall display: the situation for a screen on the wall, needing no keys.
    Wall "wall" wall: WallPane = |o: &mut Opening| WallPane::open(o.session, o.incident.clone());
}

impl Desk {
    pub fn incident(&self) -> &Incident {
        self.log.incident()
    }

    /// These panes have come into view.
    pub fn show(&mut self, kinds: &[PaneKind], session: &Session) -> Result<(), String> {
        for kind in kinds {
            self.pane_mut(*kind).on_show(session)?;
        }
        Ok(())
    }

    /// The panes' periodic work (a fetch on its own thread reporting back).
    pub fn tick(
        &mut self,
        cx: &mut super::pane::Cx<'_>,
        now: std::time::Instant,
        shown: &[PaneKind],
    ) -> bool {
        let mut changed = false;
        for &kind in ALL {
            changed |= self.pane_mut(kind).tick(cx, now, shown.contains(&kind));
        }
        changed
    }

    /// Data changed: every pane reloads what it shows, those out of view as they
    /// choose (`Pane::refresh_hidden`). True when any view changed.
    pub fn refresh(&mut self, session: &Session, shown: &[PaneKind]) -> Result<bool, String> {
        let mut changed = false;
        for &kind in ALL {
            let pane = self.pane_mut(kind);
            changed |=
                if shown.contains(&kind) { pane.refresh(session)? } else { pane.refresh_hidden(session)? };
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::action::{Action, Input};
    use crate::tui::pane::{Cx, Outcome};

    /// Help lists what each context declares; every declared action must do
    /// something in the pane that declares it, or help would promise a key that does
    /// nothing.
    #[test]
    fn every_pane_uses_every_action_its_context_declares() {
        let dir = tempfile::tempdir().unwrap();
        let types = crate::domain::incident::DEFAULT_TYPES.iter().map(|s| s.to_string()).collect();
        let mut session = Session::open(&dir.path().join("s.db"), "kari", types).unwrap();
        let new = crate::domain::NewIncident {
            title: "Flom i Lågen".into(),
            kind: "flom".into(),
            severity: crate::domain::Severity::new(3).unwrap(),
            exercise: false,
        };
        let incident = session.create_incident(new).unwrap();
        session.set_active(&incident).unwrap();
        let desk = Desk::open(&mut session, incident, Lang::Nb).unwrap();
        let mut ignored = Vec::new();
        for &kind in ALL {
            let context = desk.pane(kind).context();
            for meaning in context.keys().actions() {
                // What the UI handles itself, before any pane, is not the pane's to use.
                if crate::tui::ui::GLOBAL.meaning(meaning.action).is_some() {
                    continue;
                }
                let mut events = Vec::new();
                let mut cx = Cx { session: &mut session, lang: Lang::Nb, events: &mut events };
                // A fresh pane each time: an action may open a prompt that takes the next.
                let mut fresh = Desk::open(cx.session, desk.incident().clone(), Lang::Nb).unwrap();
                let pane = fresh.pane_mut(kind);
                if pane.context() != context {
                    continue;
                }
                if pane.handle(Input::Action(meaning.action), &mut cx) == Outcome::Ignored {
                    ignored.push(format!("{kind:?}: {} in [{context:?}]", meaning.action.name()));
                }
            }
        }
        // The log list (after Tab), where letters are commands: every declared key there
        // is pressed too, on a log with an entry to act on.
        session.add_entry(desk.incident(), crate::app::EntryInput::now("Vannet stiger ved Bøen")).unwrap();
        for meaning in crate::tui::log_pane::LOG.actions() {
            if crate::tui::ui::GLOBAL.meaning(meaning.action).is_some() {
                continue;
            }
            let mut events = Vec::new();
            let mut cx = Cx { session: &mut session, lang: Lang::Nb, events: &mut events };
            let mut fresh = Desk::open(cx.session, desk.incident().clone(), Lang::Nb).unwrap();
            let log = fresh.pane_mut(PaneKind::Log);
            assert_eq!(log.handle(Input::Action(Action::FocusNext), &mut cx), Outcome::Consumed);
            assert_eq!(log.context(), crate::tui::keymap::Context::Log);
            if log.handle(Input::Action(meaning.action), &mut cx) == Outcome::Ignored {
                ignored.push(format!("Log: {} in [Log]", meaning.action.name()));
            }
        }
        assert!(ignored.is_empty(), "declared but ignored:\n{}", ignored.join("\n"));
    }
}
