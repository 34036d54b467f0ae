//! Named actions: what keys mean. Keymap files bind key chords to these names; panes
//! handle actions, never raw key codes. Text typed into an editor arrives as `Edit`.

use crossterm::event::KeyEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    Incidents,
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
}

/// An action, or a key for a text editor to interpret (typing, cursor movement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Action(Action),
    Edit(KeyEvent),
    Paste,
}

/// The keymap name of each action, and its description in (bokmål, English).
pub const ACTIONS: &[(Action, &str, &str, &str)] = &[
    (Action::Quit, "quit", "Avslutt (utkastet lagres)", "Quit (the draft is kept)"),
    (Action::Help, "help", "Vis hjelp", "Show help"),
    (Action::Incidents, "incidents", "Bytt hendelse", "Switch incident"),
    (Action::Redraw, "redraw", "Tegn skjermen på nytt", "Redraw the screen"),
    (Action::Confirm, "confirm", "Lagre / velg", "Save / choose"),
    (Action::Cancel, "cancel", "Avbryt / tilbake", "Cancel / back"),
    (Action::Newline, "newline", "Ny linje i loggføringen", "New line in the entry"),
    (Action::FocusNext, "focus_next", "Bytt mellom skrivelinje og logg", "Switch between entry line and log"),
    (Action::Up, "up", "Opp", "Up"),
    (Action::Down, "down", "Ned", "Down"),
    (Action::PageUp, "page_up", "En side opp", "One page up"),
    (Action::PageDown, "page_down", "En side ned", "One page down"),
    (Action::First, "first", "Til eldste", "To the oldest"),
    (Action::Last, "last", "Til nyeste", "To the newest"),
    (Action::Search, "search", "Søk og filtrer (#tagg @forfatter ! *)", "Search and filter (#tag @author ! *)"),
    (Action::FilterTag, "filter_tag", "Filtrer på tagg", "Filter by tag"),
    (Action::FilterAuthor, "filter_author", "Filtrer på forfatter", "Filter by author"),
    (Action::DecisionsOnly, "decisions_only", "Bare beslutninger (av/på)", "Decisions only (on/off)"),
    (Action::SignificantOnly, "significant_only", "Bare vesentlige (av/på)", "Significant only (on/off)"),
    (Action::ClearFilter, "clear_filter", "Fjern filteret", "Clear the filter"),
    (Action::ToggleSignificant, "toggle_significant", "Merk som vesentlig (av/på)", "Mark significant (on/off)"),
    (Action::Correct, "correct", "Rett valgt loggføring", "Correct the selected entry"),
    (Action::NewIncident, "new_incident", "Ny hendelse", "New incident"),
    (Action::CloseIncident, "close_incident", "Avslutt valgt hendelse", "Close the selected incident"),
    (Action::ReopenIncident, "reopen_incident", "Gjenåpne valgt hendelse", "Reopen the selected incident"),
    (Action::NextField, "next_field", "Neste felt", "Next field"),
    (Action::PrevField, "prev_field", "Forrige felt", "Previous field"),
    (Action::Left, "left", "Forrige valg", "Previous choice"),
    (Action::Right, "right", "Neste valg", "Next choice"),
    (Action::Toggle, "toggle", "Slå av/på", "Toggle"),
];

impl Action {
    pub fn from_name(name: &str) -> Option<Action> {
        ACTIONS.iter().find(|(_, n, _, _)| *n == name).map(|(a, ..)| *a)
    }

    pub fn name(self) -> &'static str {
        ACTIONS.iter().find(|(a, ..)| *a == self).map_or("?", |(_, n, ..)| n)
    }

    pub fn describe(self, norwegian: bool) -> &'static str {
        let (_, _, nb, en) = ACTIONS.iter().find(|(a, ..)| *a == self).expect("every action is listed");
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
