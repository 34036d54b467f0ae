//! The desk: every pane of the active incident, kept while the user switches
//! workspaces (so the draft, the scroll position and the selected task stay put).
//! `pane`/`pane_mut` are the registry from a layout's pane names to the panes.

use super::alerts_pane::AlertsPane;
use super::cards_pane::CardsPane;
use super::contacts_pane::ContactsPane;
use super::eps_pane::EpsPane;
use super::history_pane::HistoryPane;
use super::log_pane::LogPane;
use super::media_queue::MediaQueue;
use super::pane::Pane;
use super::plans_pane::PlansPane;
use super::reports_pane::ReportsPane;
use super::resources_pane::ResourcesPane;
use super::ros_pane::RosPane;
use super::shared_pane::SharedPane;
use super::task_board::TaskBoard;
use super::workspace::PaneKind;
use crate::app::Session;
use crate::domain::Incident;
use crate::i18n::Lang;

pub struct Desk {
    pub log: LogPane,
    pub tasks: TaskBoard,
    pub media: MediaQueue,
    pub reports: ReportsPane,
    pub sitrep: ReportsPane,
    pub alerts: AlertsPane,
    pub cards: CardsPane,
    pub contacts: ContactsPane,
    pub plans: PlansPane,
    pub ros: RosPane,
    pub eps: EpsPane,
    pub resources: ResourcesPane,
    pub history: HistoryPane,
    pub shared: SharedPane,
}

const ALL: [PaneKind; 14] = [
    PaneKind::Log,
    PaneKind::Tasks,
    PaneKind::Media,
    PaneKind::Reports,
    PaneKind::Sitrep,
    PaneKind::Alerts,
    PaneKind::Cards,
    PaneKind::Contacts,
    PaneKind::Plans,
    PaneKind::Ros,
    PaneKind::Eps,
    PaneKind::Resources,
    PaneKind::History,
    PaneKind::Shared,
];

impl Desk {
    pub fn open(session: &mut Session, incident: Incident, lang: Lang) -> crate::app::Result<Desk> {
        let cards = CardsPane::open(session, incident.clone())?;
        let session = &*session;
        Ok(Desk {
            cards,
            alerts: AlertsPane::open(session, incident.clone())?,
            contacts: ContactsPane::open(),
            plans: PlansPane::open(session)?,
            ros: RosPane::open(session)?,
            eps: EpsPane::open(session, incident.clone())?,
            resources: ResourcesPane::open(session)?,
            history: HistoryPane::open(incident.clone()),
            shared: SharedPane::open(incident.clone()),
            tasks: TaskBoard::open(session, incident.clone())?,
            media: MediaQueue::open(session, incident.clone())?,
            reports: ReportsPane::open(session, incident.clone(), false)?,
            sitrep: ReportsPane::open(session, incident.clone(), true)?,
            log: LogPane::open(session, incident, lang)?,
        })
    }

    pub fn incident(&self) -> &Incident {
        self.log.incident()
    }

    pub fn pane(&self, kind: PaneKind) -> &dyn Pane {
        match kind {
            PaneKind::Log => &self.log,
            PaneKind::Tasks => &self.tasks,
            PaneKind::Media => &self.media,
            PaneKind::Reports => &self.reports,
            PaneKind::Sitrep => &self.sitrep,
            PaneKind::Alerts => &self.alerts,
            PaneKind::Cards => &self.cards,
            PaneKind::Contacts => &self.contacts,
            PaneKind::Plans => &self.plans,
            PaneKind::Ros => &self.ros,
            PaneKind::Eps => &self.eps,
            PaneKind::Resources => &self.resources,
            PaneKind::History => &self.history,
            PaneKind::Shared => &self.shared,
        }
    }

    pub fn pane_mut(&mut self, kind: PaneKind) -> &mut dyn Pane {
        match kind {
            PaneKind::Log => &mut self.log,
            PaneKind::Tasks => &mut self.tasks,
            PaneKind::Media => &mut self.media,
            PaneKind::Reports => &mut self.reports,
            PaneKind::Sitrep => &mut self.sitrep,
            PaneKind::Alerts => &mut self.alerts,
            PaneKind::Cards => &mut self.cards,
            PaneKind::Contacts => &mut self.contacts,
            PaneKind::Plans => &mut self.plans,
            PaneKind::Ros => &mut self.ros,
            PaneKind::Eps => &mut self.eps,
            PaneKind::Resources => &mut self.resources,
            PaneKind::History => &mut self.history,
            PaneKind::Shared => &mut self.shared,
        }
    }

    /// These panes have come into view.
    pub fn show(&mut self, kinds: &[PaneKind], session: &Session) -> Result<(), String> {
        for kind in kinds {
            self.pane_mut(*kind).on_show(session)?;
        }
        Ok(())
    }

    /// The panes' periodic work (a fetch on its own thread reporting back).
    pub fn tick(&mut self, cx: &mut super::pane::Cx<'_>, now: std::time::Instant) -> bool {
        let mut changed = false;
        for kind in ALL {
            changed |= self.pane_mut(kind).tick(cx, now);
        }
        changed
    }

    /// Data changed: every pane reloads what it shows, those out of view as they
    /// choose (`Pane::refresh_hidden`). True when any view changed.
    pub fn refresh(&mut self, session: &Session, shown: &[PaneKind]) -> Result<bool, String> {
        let mut changed = false;
        for kind in ALL {
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
    use crate::tui::action::Input;
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
        let mut desk = Desk::open(&mut session, incident, Lang::Nb).unwrap();
        let mut ignored = Vec::new();
        for kind in ALL {
            let context = desk.pane(kind).context();
            for meaning in context.keys().actions {
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
        desk.tick(
            &mut Cx { session: &mut session, lang: Lang::Nb, events: &mut Vec::new() },
            std::time::Instant::now(),
        );
        assert!(ignored.is_empty(), "declared but ignored:\n{}", ignored.join("\n"));
    }
}
