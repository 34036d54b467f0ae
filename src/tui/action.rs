//! Named actions: what keys mean. Keymap files bind key chords to these names; panes
//! handle actions, never raw key codes. Text typed into an editor arrives as `Edit`.

use super::keymap::Context;
use crate::i18n::Text;
use crossterm::event::KeyEvent;

/// Declares every action once: its name in keymap files, and whether it changes
/// records (a pane asks the permission table first). `@Workspace(u8)` stands where
/// it is written; its names are `workspace_1` … `workspace_10`.
macro_rules! actions {
    (
        $($action:ident = $name:literal $($changes:ident)?;)*
        @Workspace(u8);
        $($later:ident = $later_name:literal $($later_changes:ident)?;)*
    ) => {
        actions!(@declare $($action = $name $($changes)?;)* $($later = $later_name $($later_changes)?;)*);

        // The order here is the order help lists a context's keys in.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($action,)*
            /// Go to workspace n (1–10).
            Workspace(u8),
            $($later,)*
        }
    };
    (@declare $($action:ident = $name:literal $($changes:ident)?;)*) => {
        impl Action {
            /// Every action but the workspaces, in order.
            pub const ALL: &'static [Action] = &[$(Action::$action),*];

            /// Does this action change records (so a pane asks the permission table first)?
            pub fn changes_records(self) -> bool {
                match self {
                    $(Action::$action => actions!(@changes $($changes)?),)*
                    Action::Workspace(_) => false,
                }
            }

            /// The name in keymap files.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$action => $name,)*
                    Action::Workspace(n) => WORKSPACES[usize::from(n.clamp(1, 10)) - 1],
                }
            }
        }
    };
    (@changes changes) => { true };
    (@changes) => { false };
}

const WORKSPACES: [&str; 10] = [
    "workspace_1",
    "workspace_2",
    "workspace_3",
    "workspace_4",
    "workspace_5",
    "workspace_6",
    "workspace_7",
    "workspace_8",
    "workspace_9",
    "workspace_10",
];

actions! {
    Quit = "quit";
    Help = "help";
    Incidents = "incidents";
    Conflicts = "conflicts";
    Redraw = "redraw";
    Confirm = "confirm";
    Accept = "accept";
    Cancel = "cancel";
    Newline = "newline";
    FocusNext = "focus_next";
    Up = "up";
    Down = "down";
    PageUp = "page_up";
    PageDown = "page_down";
    First = "first";
    Last = "last";
    Search = "search";
    FilterTag = "filter_tag";
    FilterAuthor = "filter_author";
    DecisionsOnly = "decisions_only";
    SignificantOnly = "significant_only";
    PeopleOnly = "people_only";
    TimeOrder = "time_order";
    ClearFilter = "clear_filter";
    ToggleSignificant = "toggle_significant";
    Correct = "correct";
    Copy = "copy";
    Retract = "retract" changes;
    NewIncident = "new_incident";
    CloseIncident = "close_incident";
    ReopenIncident = "reopen_incident";
    NextField = "next_field";
    PrevField = "prev_field";
    Left = "left";
    Right = "right";
    Toggle = "toggle";
    NextPane = "next_pane";
    @Workspace(u8);
    TaskFromEntry = "task_from_entry";
    ToggleView = "toggle_view";
    Details = "details";
    MineOnly = "mine";
    SetDeadline = "deadline" changes;
    SetPriority = "priority" changes;
    SetDescription = "description" changes;
    NewTask = "new_task" changes;
    AssignTask = "assign_task" changes;
    MoveRight = "move_right" changes;
    MoveLeft = "move_left" changes;
    StatusNew = "status_new" changes;
    StatusStarted = "status_started" changes;
    StatusDone = "status_done" changes;
    StatusCancelled = "status_cancelled" changes;
    AnswerInquiry = "answer" changes;
    EditReport = "edit_report";
    SubmitReport = "submit";
    ApproveReport = "approve";
    ReturnReport = "return_report";
    DistributeReport = "distribute";
    NewVersion = "new_version";
    NextItem = "next_item";
    PreviousItem = "previous_item";
    StartMeeting = "start_meeting";
    EndMeeting = "end_meeting";
    SendAlert = "send_alert" changes;
    AckReceived = "ack_received";
    AckComing = "ack_coming";
    AckCannot = "ack_cannot";
    ActivateCard = "activate_card" changes;
    SetAvailable = "set_available" changes;
    SetInUse = "set_in_use" changes;
    SetUnavailable = "set_unavailable" changes;
    NewRegistration = "new_registration" changes;
    EpsRegistered = "eps_registered" changes;
    EpsFollowingUp = "eps_following_up" changes;
    EpsCaredFor = "eps_cared_for" changes;
    EpsClosed = "eps_closed" changes;
    ChooseTime = "choose_time";
    EarlierTime = "earlier_time";
    LaterTime = "later_time";
    TimeNow = "time_now";
    NextSource = "next_source";
    PreviousSource = "previous_source";
    FetchShared = "fetch_shared";
    CompileShared = "compile_shared";
    NextWorkspace = "next_workspace";
    PreviousWorkspace = "previous_workspace";
    SignIn = "sign_in";
    StopSignIn = "stop_sign_in";
    NewNotice = "new_notice" changes;
    TakeDown = "take_down" changes;
    SetFigure = "set_figure" changes;
    PostToBoard = "post_to_board" changes;
    ShowLog = "show_log";
    ShowTasks = "show_tasks";
    ShowMedia = "show_media";
    ShowAlerts = "show_alerts";
    ShowSitrep = "show_sitrep";
    ShowBoards = "show_boards";
    SitrepFromLog = "sitrep_from_log" changes;
    NewMessage = "new_message" changes;
    Reply = "reply" changes;
    ReplyAll = "reply_all" changes;
    MarkRead = "mark_read" changes;
    ShowMessages = "show_messages";
}

/// An action, or a key for a text editor to interpret (typing, cursor movement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Action(Action),
    Edit(KeyEvent),
    Paste,
    /// A click on what the pane drew with this number (see `RenderCx::hit`): select it.
    /// A click only ever selects and focuses; it never writes.
    Pick(usize),
    /// The mouse wheel over the pane, a notch down or up. A pane that does not take it
    /// itself gets Down or Up three times instead.
    Wheel {
        down: bool,
    },
}

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
    /// context's own). Help lists a context's bound keys in the order of `actions!`.
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

pub const COPY: Meaning = does(
    Action::Copy,
    "Kopier til utklippstavla (via terminalen, OSC 52)",
    "Copy to the clipboard (through the terminal, OSC 52)",
    "kopier",
    "copy",
);

/// Moving in a list (what `tui::list::List` and `widgets::move_selection` do).
pub const LIST: &[Meaning] = &[UP, DOWN, PAGE_UP, PAGE_DOWN, FIRST, LAST];
/// Help and switching incident, which every pane offers on keys of its own too.
pub const AROUND: &[Meaning] = &[HELP, INCIDENTS];

impl Action {
    pub fn from_name(name: &str) -> Option<Action> {
        let workspace = WORKSPACES.iter().position(|w| *w == name).map(|i| Action::Workspace(i as u8 + 1));
        Action::ALL.iter().copied().find(|a| a.name() == name).or(workspace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let workspaces = (1..=10).map(Action::Workspace);
        for a in Action::ALL.iter().copied().chain(workspaces) {
            assert_eq!(Action::from_name(a.name()), Some(a), "{a:?}");
        }
        assert_eq!(Action::from_name("workspace_10"), Some(Action::Workspace(10)));
        assert_eq!(Action::from_name("explode"), None);
        assert!(Action::NewTask.changes_records() && !Action::Up.changes_records());
    }
}
