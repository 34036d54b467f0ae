//! Named actions: what keys mean. Keymap files bind key chords to these names; panes
//! handle actions, never raw key codes. Text typed into an editor arrives as `Edit`.

use super::keymap::Context;
use crate::i18n::Text;
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

/// The name of each action in keymap files.
const NAMES: &[(Action, &str)] = &[
    (Action::Quit, "quit"),
    (Action::Help, "help"),
    (Action::Incidents, "incidents"),
    (Action::Conflicts, "conflicts"),
    (Action::Redraw, "redraw"),
    (Action::Confirm, "confirm"),
    (Action::Cancel, "cancel"),
    (Action::Newline, "newline"),
    (Action::FocusNext, "focus_next"),
    (Action::Up, "up"),
    (Action::Down, "down"),
    (Action::PageUp, "page_up"),
    (Action::PageDown, "page_down"),
    (Action::First, "first"),
    (Action::Last, "last"),
    (Action::Search, "search"),
    (Action::FilterTag, "filter_tag"),
    (Action::FilterAuthor, "filter_author"),
    (Action::DecisionsOnly, "decisions_only"),
    (Action::SignificantOnly, "significant_only"),
    (Action::ClearFilter, "clear_filter"),
    (Action::ToggleSignificant, "toggle_significant"),
    (Action::Correct, "correct"),
    (Action::NewIncident, "new_incident"),
    (Action::CloseIncident, "close_incident"),
    (Action::ReopenIncident, "reopen_incident"),
    (Action::NextField, "next_field"),
    (Action::PrevField, "prev_field"),
    (Action::Left, "left"),
    (Action::Right, "right"),
    (Action::Toggle, "toggle"),
    (Action::NextPane, "next_pane"),
    (Action::Workspace(1), "workspace_1"),
    (Action::Workspace(2), "workspace_2"),
    (Action::Workspace(3), "workspace_3"),
    (Action::Workspace(4), "workspace_4"),
    (Action::Workspace(5), "workspace_5"),
    (Action::Workspace(6), "workspace_6"),
    (Action::Workspace(7), "workspace_7"),
    (Action::Workspace(8), "workspace_8"),
    (Action::Workspace(9), "workspace_9"),
    (Action::Workspace(10), "workspace_10"),
    (Action::TaskFromEntry, "task_from_entry"),
    (Action::ToggleView, "toggle_view"),
    (Action::NewTask, "new_task"),
    (Action::AssignTask, "assign_task"),
    (Action::MoveRight, "move_right"),
    (Action::MoveLeft, "move_left"),
    (Action::StatusNew, "status_new"),
    (Action::StatusStarted, "status_started"),
    (Action::StatusDone, "status_done"),
    (Action::StatusCancelled, "status_cancelled"),
    (Action::AnswerInquiry, "answer"),
    (Action::EditReport, "edit_report"),
    (Action::SubmitReport, "submit"),
    (Action::ApproveReport, "approve"),
    (Action::ReturnReport, "return_report"),
    (Action::DistributeReport, "distribute"),
    (Action::NewVersion, "new_version"),
    (Action::NextItem, "next_item"),
    (Action::PreviousItem, "previous_item"),
    (Action::StartMeeting, "start_meeting"),
    (Action::EndMeeting, "end_meeting"),
    (Action::SendAlert, "send_alert"),
    (Action::AckReceived, "ack_received"),
    (Action::AckComing, "ack_coming"),
    (Action::AckCannot, "ack_cannot"),
    (Action::ActivateCard, "activate_card"),
    (Action::SetAvailable, "set_available"),
    (Action::SetInUse, "set_in_use"),
    (Action::SetUnavailable, "set_unavailable"),
    (Action::NewRegistration, "new_registration"),
    (Action::EpsRegistered, "eps_registered"),
    (Action::EpsFollowingUp, "eps_following_up"),
    (Action::EpsCaredFor, "eps_cared_for"),
    (Action::EpsClosed, "eps_closed"),
    (Action::ChooseTime, "choose_time"),
    (Action::EarlierTime, "earlier_time"),
    (Action::LaterTime, "later_time"),
    (Action::TimeNow, "time_now"),
    (Action::NextSource, "next_source"),
    (Action::PreviousSource, "previous_source"),
    (Action::FetchShared, "fetch_shared"),
    (Action::CompileShared, "compile_shared"),
    (Action::NextWorkspace, "next_workspace"),
    (Action::PreviousWorkspace, "previous_workspace"),
];

/// What an action does in one context: the help text and the hint line's short
/// label, in every language. Declared with the context it belongs to (each pane
/// declares its own [`Keys`]), so help and hints say what the key does there.
#[derive(Debug, Clone, Copy)]
pub struct Meaning {
    pub action: Action,
    pub help: Text,
    pub hint: Text,
}

/// `does(action, help in bokmål, in English, hint label in bokmål, in English)`.
pub const fn does(
    action: Action,
    help_nb: &'static str,
    help_en: &'static str,
    hint_nb: &'static str,
    hint_en: &'static str,
) -> Meaning {
    Meaning { action, help: Text::new(help_nb, help_en), hint: Text::new(hint_nb, hint_en) }
}

/// The keys of one context: every action that may be bound there and what it does,
/// and which of them the hint line shows. A keymap may bind an action only in a
/// context that declares it (or globally), so help never lists a key that does
/// nothing.
pub struct Keys {
    pub context: Context,
    /// Its heading in help.
    pub heading: Text,
    /// The actions, in groups (those many contexts share, like [`LIST`], and the
    /// context's own), in the order help lists them.
    pub groups: &'static [&'static [Meaning]],
    pub hints: &'static [Action],
}

impl Keys {
    pub fn actions(&self) -> impl Iterator<Item = &'static Meaning> {
        self.groups.iter().flat_map(|g| g.iter())
    }

    pub fn meaning(&self, action: Action) -> Option<&'static Meaning> {
        self.actions().find(|m| m.action == action)
    }
}

// Meanings many lists share.
pub const UP: Meaning = does(Action::Up, "Opp", "Up", "opp", "up");
pub const DOWN: Meaning = does(Action::Down, "Ned", "Down", "ned", "down");
pub const PAGE_UP: Meaning = does(Action::PageUp, "En side opp", "One page up", "side opp", "page up");
pub const PAGE_DOWN: Meaning =
    does(Action::PageDown, "En side ned", "One page down", "side ned", "page down");
pub const FIRST: Meaning = does(Action::First, "Til første", "To the first", "første", "first");
pub const LAST: Meaning = does(Action::Last, "Til siste", "To the last", "siste", "last");
pub const HELP: Meaning = does(Action::Help, "Vis hjelp", "Show help", "hjelp", "help");
pub const INCIDENTS: Meaning =
    does(Action::Incidents, "Bytt hendelse", "Switch incident", "hendelser", "incidents");

/// Moving in a list (what `tui::list::List` and `widgets::move_selection` do).
pub const LIST: &[Meaning] = &[UP, DOWN, PAGE_UP, PAGE_DOWN, FIRST, LAST];
/// Help and switching incident, which every pane offers on keys of its own too.
pub const AROUND: &[Meaning] = &[HELP, INCIDENTS];

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
        NAMES.iter().find(|(_, n)| *n == name).map(|(a, _)| *a)
    }

    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(a, _)| *a == self).map_or("?", |(_, n)| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (a, name) in NAMES {
            assert_eq!(Action::from_name(name), Some(*a));
            assert_eq!(a.name(), *name);
        }
        assert_eq!(Action::from_name("explode"), None);
    }
}
