//! Named actions: what keys mean. Keymap files bind key chords to these names; panes
//! handle actions, never raw key codes. Text typed into an editor arrives as `Edit`.

use crossterm::event::KeyEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    Incidents,
    Conflicts,
    Redraw,
    Confirm,
    Cancel,
    Newline,
    FocusNext,
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    Search,
    FilterTag,
    FilterAuthor,
    DecisionsOnly,
    SignificantOnly,
    ClearFilter,
    ToggleSignificant,
    Correct,
    NewIncident,
    CloseIncident,
    ReopenIncident,
    NextField,
    PrevField,
    Left,
    Right,
    Toggle,
    NextPane,
    Workspace(u8),
    TaskFromEntry,
    ToggleView,
    NewTask,
    AssignTask,
    MoveRight,
    MoveLeft,
    StatusNew,
    StatusStarted,
    StatusDone,
    StatusCancelled,
    AnswerInquiry,
    EditReport,
    SubmitReport,
    ApproveReport,
    ReturnReport,
    DistributeReport,
    NewVersion,
    NextItem,
    PreviousItem,
    StartMeeting,
    EndMeeting,
    SendAlert,
    AckReceived,
    AckComing,
    AckCannot,
    ActivateCard,
    SetAvailable,
    SetInUse,
    SetUnavailable,
    NewRegistration,
    EpsRegistered,
    EpsFollowingUp,
    EpsCaredFor,
    EpsClosed,
    ChooseTime,
    EarlierTime,
    LaterTime,
    TimeNow,
    NextSource,
    PreviousSource,
    FetchShared,
    CompileShared,
    NextWorkspace,
    PreviousWorkspace,
}

/// An action, or a key for a text editor to interpret (typing, cursor movement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Action(Action),
    Edit(KeyEvent),
    Paste,
}

/// The keymap name of each action, its description in bokmål and English (help),
/// and a short label in each (the hint line).
pub const ACTIONS: &[(Action, &str, &str, &str, &str, &str)] = &[
    (Action::Quit, "quit", "Avslutt (utkastet lagres)", "Quit (the draft is kept)", "avslutt", "quit"),
    (Action::Help, "help", "Vis hjelp", "Show help", "hjelp", "help"),
    (Action::Incidents, "incidents", "Bytt hendelse", "Switch incident", "hendelser", "incidents"),
    (
        Action::Conflicts,
        "conflicts",
        "Konflikter fra synkronisering: se og løs",
        "Conflicts from sync: see and settle",
        "konflikter",
        "conflicts",
    ),
    (Action::Redraw, "redraw", "Tegn skjermen på nytt", "Redraw the screen", "tegn på nytt", "redraw"),
    (Action::Confirm, "confirm", "Lagre / velg", "Save / choose", "lagre", "save"),
    (
        Action::Cancel,
        "cancel",
        "Avbryt (retting) / tilbake",
        "Cancel (a correction) / back",
        "tilbake",
        "back",
    ),
    (Action::Newline, "newline", "Ny linje i loggføringen", "New line in the entry", "ny linje", "new line"),
    (
        Action::FocusNext,
        "focus_next",
        "Bytt mellom skrivelinje og logg",
        "Switch between entry line and log",
        "logg/skriv",
        "log/entry",
    ),
    (Action::Up, "up", "Opp", "Up", "opp", "up"),
    (Action::Down, "down", "Ned", "Down", "ned", "down"),
    (Action::PageUp, "page_up", "En side opp", "One page up", "side opp", "page up"),
    (Action::PageDown, "page_down", "En side ned", "One page down", "side ned", "page down"),
    (Action::First, "first", "Til eldste", "To the oldest", "eldste", "oldest"),
    (Action::Last, "last", "Til nyeste", "To the newest", "nyeste", "newest"),
    (
        Action::Search,
        "search",
        "Søk og filtrer (#tagg @forfatter ! *)",
        "Search and filter (#tag @author ! *)",
        "søk",
        "search",
    ),
    (Action::FilterTag, "filter_tag", "Filtrer på tagg", "Filter by tag", "tagg", "tag"),
    (
        Action::FilterAuthor,
        "filter_author",
        "Filtrer på forfatter",
        "Filter by author",
        "forfatter",
        "author",
    ),
    (
        Action::DecisionsOnly,
        "decisions_only",
        "Bare beslutninger (av/på)",
        "Decisions only (on/off)",
        "beslutninger",
        "decisions",
    ),
    (
        Action::SignificantOnly,
        "significant_only",
        "Bare vesentlige (av/på)",
        "Significant only (on/off)",
        "vesentlige",
        "significant",
    ),
    (
        Action::ClearFilter,
        "clear_filter",
        "Fjern filteret",
        "Clear the filter",
        "fjern filter",
        "clear filter",
    ),
    (
        Action::ToggleSignificant,
        "toggle_significant",
        "Merk som vesentlig (av/på)",
        "Mark significant (on/off)",
        "vesentlig",
        "significant",
    ),
    (Action::Correct, "correct", "Rett valgt loggføring", "Correct the selected entry", "rett", "correct"),
    (Action::NewIncident, "new_incident", "Ny hendelse", "New incident", "ny", "new"),
    (
        Action::CloseIncident,
        "close_incident",
        "Avslutt valgt hendelse",
        "Close the selected incident",
        "avslutt",
        "close",
    ),
    (
        Action::ReopenIncident,
        "reopen_incident",
        "Gjenåpne valgt hendelse",
        "Reopen the selected incident",
        "gjenåpne",
        "reopen",
    ),
    (Action::NextField, "next_field", "Neste felt", "Next field", "neste felt", "next field"),
    (Action::PrevField, "prev_field", "Forrige felt", "Previous field", "forrige felt", "previous field"),
    (Action::Left, "left", "Forrige valg", "Previous choice", "forrige", "previous"),
    (Action::Right, "right", "Neste valg", "Next choice", "neste", "next"),
    (Action::Toggle, "toggle", "Slå av/på", "Toggle", "av/på", "toggle"),
    (
        Action::NextPane,
        "next_pane",
        "Neste rute i arbeidsflaten",
        "Next pane of the workspace",
        "neste rute",
        "next pane",
    ),
    (Action::Workspace(1), "workspace_1", "Arbeidsflate 1", "Workspace 1", "flate 1", "space 1"),
    (Action::Workspace(2), "workspace_2", "Arbeidsflate 2", "Workspace 2", "flate 2", "space 2"),
    (Action::Workspace(3), "workspace_3", "Arbeidsflate 3", "Workspace 3", "flate 3", "space 3"),
    (Action::Workspace(4), "workspace_4", "Arbeidsflate 4", "Workspace 4", "flate 4", "space 4"),
    (Action::Workspace(5), "workspace_5", "Arbeidsflate 5", "Workspace 5", "flate 5", "space 5"),
    (Action::Workspace(6), "workspace_6", "Arbeidsflate 6", "Workspace 6", "flate 6", "space 6"),
    (Action::Workspace(7), "workspace_7", "Arbeidsflate 7", "Workspace 7", "flate 7", "space 7"),
    (Action::Workspace(8), "workspace_8", "Arbeidsflate 8", "Workspace 8", "flate 8", "space 8"),
    (Action::Workspace(9), "workspace_9", "Arbeidsflate 9", "Workspace 9", "flate 9", "space 9"),
    (Action::Workspace(10), "workspace_10", "Arbeidsflate 10", "Workspace 10", "flate 10", "space 10"),
    (
        Action::TaskFromEntry,
        "task_from_entry",
        "Lag oppgave av valgt loggføring",
        "Make a task of the selected entry",
        "oppgave",
        "task",
    ),
    (Action::ToggleView, "toggle_view", "Tavle eller liste", "Board or list", "tavle/liste", "board/list"),
    (Action::NewTask, "new_task", "Ny oppgave", "New task", "ny", "new"),
    (Action::AssignTask, "assign_task", "Tildel oppgaven", "Assign the task", "tildel", "assign"),
    (
        Action::MoveRight,
        "move_right",
        "Flytt til neste kolonne",
        "Move to the next column",
        "flytt →",
        "move →",
    ),
    (
        Action::MoveLeft,
        "move_left",
        "Flytt til forrige kolonne",
        "Move to the previous column",
        "flytt ←",
        "move ←",
    ),
    (Action::StatusNew, "status_new", "Status 1: ny", "Status 1: new", "ny", "new"),
    (
        Action::StatusStarted,
        "status_started",
        "Status 2: pågår / under arbeid",
        "Status 2: in progress",
        "pågår",
        "in progress",
    ),
    (
        Action::StatusDone,
        "status_done",
        "Status 3: utført / besvart",
        "Status 3: done / answered",
        "utført",
        "done",
    ),
    (
        Action::StatusCancelled,
        "status_cancelled",
        "Status 4: avbrutt / avsluttet",
        "Status 4: cancelled / closed",
        "avbrutt",
        "cancelled",
    ),
    (Action::AnswerInquiry, "answer", "Skriv svaret", "Write the answer", "svar", "answer"),
    (Action::EditReport, "edit_report", "Skriv i rapporten", "Write in the report", "skriv", "write"),
    (Action::SubmitReport, "submit", "Send til godkjenning", "Submit for approval", "send", "submit"),
    (Action::ApproveReport, "approve", "Godkjenn", "Approve", "godkjenn", "approve"),
    (
        Action::ReturnReport,
        "return_report",
        "Returner med kommentar",
        "Return with a comment",
        "returner",
        "return",
    ),
    (
        Action::DistributeReport,
        "distribute",
        "Merk som distribuert",
        "Mark distributed",
        "distribuert",
        "distributed",
    ),
    (
        Action::NewVersion,
        "new_version",
        "Ny versjon av godkjent rapport",
        "New version of an approved report",
        "ny versjon",
        "new version",
    ),
    (
        Action::NextItem,
        "next_item",
        "Møtet: neste sak",
        "Meeting: next agenda item",
        "neste sak",
        "next item",
    ),
    (
        Action::PreviousItem,
        "previous_item",
        "Møtet: forrige sak",
        "Meeting: previous agenda item",
        "forrige sak",
        "previous item",
    ),
    (
        Action::StartMeeting,
        "start_meeting",
        "Start neste planlagte møte",
        "Start the next planned meeting",
        "start møte",
        "start meeting",
    ),
    (
        Action::EndMeeting,
        "end_meeting",
        "Avslutt møtet og lag referat",
        "End the meeting and draft the minutes",
        "avslutt møte",
        "end meeting",
    ),
    (
        Action::SendAlert,
        "send_alert",
        "Send varsling etter en liste",
        "Send an alert to a list",
        "varsle",
        "alert",
    ),
    (
        Action::AckReceived,
        "ack_received",
        "Svar på varslingen: mottatt",
        "Answer the alert: received",
        "mottatt",
        "received",
    ),
    (
        Action::AckComing,
        "ack_coming",
        "Svar på varslingen: kommer",
        "Answer the alert: coming",
        "kommer",
        "coming",
    ),
    (
        Action::AckCannot,
        "ack_cannot",
        "Svar på varslingen: kan ikke",
        "Answer the alert: cannot come",
        "kan ikke",
        "cannot",
    ),
    (
        Action::ActivateCard,
        "activate_card",
        "Aktiver tiltakskortet: punktene blir oppgaver",
        "Activate the action card: its items become tasks",
        "aktiver",
        "activate",
    ),
    (
        Action::SetAvailable,
        "set_available",
        "Ressursen er tilgjengelig",
        "The resource is available",
        "tilgjengelig",
        "available",
    ),
    (Action::SetInUse, "set_in_use", "Ressursen er i bruk", "The resource is in use", "i bruk", "in use"),
    (
        Action::SetUnavailable,
        "set_unavailable",
        "Ressursen er utilgjengelig",
        "The resource is unavailable",
        "utilgjengelig",
        "unavailable",
    ),
    (
        Action::NewRegistration,
        "new_registration",
        "Registrer en evakuert («navn, sted»)",
        "Register an evacuee («name, place»)",
        "registrer",
        "register",
    ),
    (
        Action::EpsRegistered,
        "eps_registered",
        "EPS-status: registrert",
        "EPS status: registered",
        "registrert",
        "registered",
    ),
    (
        Action::EpsFollowingUp,
        "eps_following_up",
        "EPS-status: under oppfølging",
        "EPS status: following up",
        "oppfølging",
        "following up",
    ),
    (
        Action::EpsCaredFor,
        "eps_cared_for",
        "EPS-status: ivaretatt",
        "EPS status: cared for",
        "ivaretatt",
        "cared for",
    ),
    (Action::EpsClosed, "eps_closed", "EPS-status: avsluttet", "EPS status: closed", "avsluttet", "closed"),
    (
        Action::ChooseTime,
        "choose_time",
        "Velg tidspunkt: se loggen, oppgavene og situasjonsrapporten slik de sto da",
        "Choose a time: see the log, tasks and sitrep as they stood then",
        "tidspunkt",
        "time",
    ),
    (
        Action::EarlierTime,
        "earlier_time",
        "Et kvarter tidligere",
        "A quarter of an hour earlier",
        "tidligere",
        "earlier",
    ),
    (Action::LaterTime, "later_time", "Et kvarter senere", "A quarter of an hour later", "senere", "later"),
    (Action::TimeNow, "time_now", "Tilbake til nå", "Back to now", "nå", "now"),
    (
        Action::NextSource,
        "next_source",
        "Neste kilde (kommune)",
        "Next source (municipality)",
        "neste",
        "next",
    ),
    (Action::PreviousSource, "previous_source", "Forrige kilde", "Previous source", "forrige", "previous"),
    (
        Action::FetchShared,
        "fetch_shared",
        "Hent rapporter delt med dere fra synkroniseringstjeneren",
        "Fetch the reports shared with you from the sync server",
        "hent",
        "fetch",
    ),
    (
        Action::CompileShared,
        "compile_shared",
        "Sammenstill de nyeste delte rapportene til en ny situasjonsrapport",
        "Compile the newest shared reports into a new situation report",
        "sammenstill",
        "compile",
    ),
    (
        Action::NextWorkspace,
        "next_workspace",
        "Neste arbeidsflate",
        "Next workspace",
        "neste flate",
        "next space",
    ),
    (
        Action::PreviousWorkspace,
        "previous_workspace",
        "Forrige arbeidsflate",
        "Previous workspace",
        "forrige flate",
        "prev space",
    ),
];

impl Action {
    /// Does this action change records (so a pane asks the permission table first)?
    pub fn changes_records(self) -> bool {
        matches!(
            self,
            Action::NewTask
                | Action::AssignTask
                | Action::AnswerInquiry
                | Action::MoveRight
                | Action::MoveLeft
                | Action::StatusNew
                | Action::StatusStarted
                | Action::StatusDone
                | Action::StatusCancelled
                | Action::SendAlert
                | Action::ActivateCard
                | Action::SetAvailable
                | Action::SetInUse
                | Action::SetUnavailable
                | Action::NewRegistration
                | Action::EpsRegistered
                | Action::EpsFollowingUp
                | Action::EpsCaredFor
                | Action::EpsClosed
        )
    }

    pub fn from_name(name: &str) -> Option<Action> {
        ACTIONS.iter().find(|(_, n, ..)| *n == name).map(|(a, ..)| *a)
    }

    pub fn name(self) -> &'static str {
        ACTIONS.iter().find(|(a, ..)| *a == self).map_or("?", |(_, n, ..)| n)
    }

    pub fn describe(self, norwegian: bool) -> &'static str {
        let (_, _, nb, en, ..) = ACTIONS.iter().find(|(a, ..)| *a == self).expect("every action is listed");
        if norwegian {
            nb
        } else {
            en
        }
    }

    /// The short label of the hint line: `Enter lagre · Tab logg/skriv`.
    pub fn label(self, norwegian: bool) -> &'static str {
        let (.., nb, en) = ACTIONS.iter().find(|(a, ..)| *a == self).expect("every action is listed");
        if norwegian {
            nb
        } else {
            en
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (a, name, ..) in ACTIONS {
            assert_eq!(Action::from_name(name), Some(*a));
            assert_eq!(a.name(), *name);
        }
        assert_eq!(Action::from_name("explode"), None);
    }
}
