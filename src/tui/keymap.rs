//! Keymaps: TOML files binding key chords to named actions per context. The built-in
//! files are compiled in; the user's `keymap.toml` is laid over the chosen one. Any
//! mistake is reported with file, line and what is wrong.

use super::action::{Action, Keys, Meaning};
use crate::config::{describe_toml_error, line_col};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Where a key press is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Entry,
    Log,
    Filter,
    Picker,
    Form,
    Help,
    Tasks,
    Media,
    Reports,
    Editor,
    Alerts,
    Cards,
    Registers,
    Resources,
    Eps,
    History,
    Shared,
    Confirm,
    TaskDetail,
    SignIn,
    Boards,
    Choose,
    Wall,
    Situation,
    Messages,
    Journal,
}

/// Every context: its section name in keymap files and what its keys do (declared
/// by the pane it belongs to). The one list of contexts.
pub const CONTEXTS: &[(Context, &str, &Keys)] = &[
    (Context::Global, "global", &super::ui::GLOBAL),
    (Context::Entry, "entry", &super::log_pane::ENTRY),
    (Context::Log, "log", &super::log_pane::LOG),
    (Context::Filter, "filter", &super::prompt::KEYS),
    (Context::Picker, "picker", &super::picker::PICKER),
    (Context::Form, "form", &super::picker::FORM),
    (Context::Help, "help", &super::help::KEYS),
    (Context::Tasks, "tasks", &super::task_board::KEYS),
    (Context::Media, "media", &super::media_queue::KEYS),
    (Context::Reports, "reports", &super::reports_pane::KEYS),
    (Context::Editor, "editor", &super::report_editor::KEYS),
    (Context::Alerts, "alerts", &super::alerts_pane::KEYS),
    (Context::Cards, "cards", &super::cards_pane::KEYS),
    (Context::Registers, "registers", &super::pane::READ_ONLY_LIST),
    (Context::Resources, "resources", &super::resources_pane::KEYS),
    (Context::Eps, "eps", &super::eps_pane::KEYS),
    (Context::History, "history", &super::history_pane::KEYS),
    (Context::Shared, "shared", &super::shared_pane::KEYS),
    (Context::Confirm, "confirm", &super::confirm::KEYS),
    (Context::TaskDetail, "task", &super::task_board::DETAIL),
    (Context::SignIn, "sign_in", &super::sign_in::KEYS),
    (Context::Boards, "boards", &super::boards_pane::KEYS),
    (Context::Choose, "choose", &super::boards_pane::CHOOSE),
    (Context::Wall, "wall", &super::wall_pane::KEYS),
    (Context::Situation, "situation", &super::situation_pane::KEYS),
    (Context::Messages, "messages", &super::messages_pane::KEYS),
    (Context::Journal, "journal", &super::journal_pane::KEYS),
];

impl Context {
    /// Does this context take typing for a text field (so unbound keys are text)?
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Context::Entry
                | Context::Filter
                | Context::Picker
                | Context::Form
                | Context::Editor
                | Context::SignIn
        )
    }

    /// What the keys do here.
    pub fn keys(self) -> &'static Keys {
        CONTEXTS.iter().find(|(c, ..)| *c == self).expect("every context is listed").2
    }

    /// What `action` does here: this context's meaning, else the global one.
    pub fn meaning(self, action: Action) -> Option<&'static Meaning> {
        self.keys().meaning(action).or_else(|| Context::Global.keys().meaning(action))
    }
}

/// A key with its modifiers, normalised so that `shift-a` and `A` are one chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("space", KeyCode::Char(' ')),
];

impl Chord {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Chord {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            // Shift is already in the character; terminals differ in whether they say so.
            KeyCode::Char(c)
                if c.is_alphabetic() && (c.is_uppercase() || mods.contains(KeyModifiers::SHIFT)) =>
            {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c.to_uppercase().next().unwrap_or(c))
            }
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c)
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        // ctrl-letter is case-blind: terminals cannot send ctrl-shift-a apart from ctrl-a.
        let code = match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_lowercase().next().unwrap_or(c))
            }
            other => other,
        };
        Chord { code, mods }
    }

    pub fn from_event(ev: &KeyEvent) -> Chord {
        Chord::new(ev.code, ev.modifiers)
    }

    pub fn parse(s: &str) -> Result<Chord, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break; // "ctrl-" alone: let the key check complain
            }
            mods |= m;
            rest = &rest[len..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == lower) {
            *code
        } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            if !(1..=12).contains(&n) {
                return Err(format!("unknown key '{s}': function keys are f1 to f12"));
            }
            KeyCode::F(n)
        } else {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if !c.is_control() => KeyCode::Char(c),
                _ => return Err(format!("unknown key name '{s}'")),
            }
        };
        Ok(Chord::new(code, mods))
    }

    /// How the key is written in help and hints: `Ctrl-Q`, `Alt-Enter`, `PgUp`, `?`.
    pub fn display(&self) -> String {
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("Alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("Shift-");
        }
        match self.code {
            KeyCode::Char(' ') => s.push_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => s.extend(c.to_uppercase()),
            KeyCode::Char(c) => s.push(c),
            KeyCode::F(n) => s.push_str(&format!("F{n}")),
            KeyCode::PageUp => s.push_str("PgUp"),
            KeyCode::PageDown => s.push_str("PgDn"),
            KeyCode::BackTab => s.push_str("Shift-Tab"),
            KeyCode::Left => s.push('←'),
            KeyCode::Right => s.push('→'),
            KeyCode::Up => s.push('↑'),
            KeyCode::Down => s.push('↓'),
            other => s.push_str(&format!("{other:?}")),
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: line {line}: {message}")]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    /// Per context, the keys of each action, in the order written (first one is shown
    /// in hints).
    by_action: BTreeMap<Context, BTreeMap<Action, Vec<Chord>>>,
    lookup: HashMap<(Context, Chord), Action>,
}

const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

impl Keymap {
    /// The built-in default keymap.
    pub fn builtin() -> Keymap {
        Keymap::load("default", None).expect("the shipped keymap is valid")
    }

    /// The named keymap (built in, or `NAME.toml` in the user's `keymaps/` folder),
    /// with the user's `keymap.toml` from `config_dir` laid over it.
    pub fn load(name: &str, config_dir: Option<&Path>) -> Result<Keymap, KeymapError> {
        let mut km = Keymap::default();
        km.apply_named(name, config_dir, 0)?;
        if let Some(dir) = config_dir {
            let path = dir.join("keymap.toml");
            if let Ok(source) = std::fs::read_to_string(&path) {
                km.apply(&path.display().to_string(), &source, config_dir, 0)?;
            }
        }
        km.rebuild_lookup();
        Ok(km)
    }

    fn apply_named(&mut self, name: &str, config_dir: Option<&Path>, depth: u8) -> Result<(), KeymapError> {
        let user_file = config_dir.map(|d| d.join("keymaps").join(format!("{name}.toml")));
        if let Some(path) = user_file.filter(|p| p.exists()) {
            let source = std::fs::read_to_string(&path).map_err(|e| KeymapError {
                file: path.display().to_string(),
                line: 0,
                message: e.to_string(),
            })?;
            return self.apply(&path.display().to_string(), &source, config_dir, depth);
        }
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((n, source)) => self.apply(&format!("keymaps/{n}.toml"), source, config_dir, depth),
            None => Err(KeymapError {
                file: "config.toml".into(),
                line: 0,
                message: format!("unknown keymap '{name}': built in are default and vim"),
            }),
        }
    }

    fn apply(
        &mut self,
        file: &str,
        source: &str,
        config_dir: Option<&Path>,
        depth: u8,
    ) -> Result<(), KeymapError> {
        use toml::de::{DeTable, DeValue};
        let err = |offset: usize, message: String| KeymapError {
            file: file.to_string(),
            line: line_col(source, offset).0,
            message,
        };
        let table = DeTable::parse(source).map_err(|e| {
            let line = e.span().map_or(0, |s| line_col(source, s.start).0);
            let message = describe_toml_error(source, &e);
            KeymapError { file: file.to_string(), line, message }
        })?;
        let table = table.into_inner();
        if let Some((key, value)) = table.iter().find(|(k, _)| k.get_ref() == "inherits") {
            let Some(parent) = value.get_ref().as_str() else {
                return Err(err(key.span().start, "inherits must be a keymap name".into()));
            };
            if depth > 4 {
                return Err(err(key.span().start, "keymaps inherit too deeply (a loop?)".into()));
            }
            self.apply_named(parent, config_dir, depth + 1)?;
        }
        for (key, value) in table.iter() {
            let section = key.get_ref().as_ref();
            if section == "inherits" {
                continue;
            }
            let Some((context, ..)) = CONTEXTS.iter().find(|(_, n, _)| *n == section) else {
                let names: Vec<_> = CONTEXTS.iter().map(|(_, n, _)| *n).collect();
                return Err(err(
                    key.span().start,
                    format!("unknown section [{section}]; sections are {}", names.join(", ")),
                ));
            };
            let DeValue::Table(bindings) = value.get_ref() else {
                return Err(err(key.span().start, format!("[{section}] must be a table of action = [keys]")));
            };
            for (action_name, keys) in bindings.iter() {
                let at = action_name.span().start;
                let Some(action) = Action::from_name(action_name.get_ref()) else {
                    return Err(err(
                        at,
                        format!("unknown action '{}' in [{section}]", action_name.get_ref()),
                    ));
                };
                if context.meaning(action).is_none() {
                    return Err(err(at, format!("'{}' does nothing in [{section}]", action_name.get_ref())));
                }
                let raw: Vec<(String, usize)> = match keys.get_ref() {
                    DeValue::String(s) => vec![(s.to_string(), keys.span().start)],
                    DeValue::Array(items) => items
                        .iter()
                        .map(|i| match i.get_ref().as_str() {
                            Some(s) => Ok((s.to_string(), i.span().start)),
                            None => Err(err(i.span().start, "key names must be strings".into())),
                        })
                        .collect::<Result<_, _>>()?,
                    _ => return Err(err(at, "give a key name or a list of key names".into())),
                };
                let chords = raw
                    .into_iter()
                    .map(|(s, offset)| Chord::parse(&s).map_err(|m| err(offset, m)))
                    .collect::<Result<Vec<_>, _>>()?;
                self.bind(*context, action, chords);
            }
        }
        Ok(())
    }

    /// Give `action` exactly these keys in `context`, taking them from any other action.
    fn bind(&mut self, context: Context, action: Action, chords: Vec<Chord>) {
        let map = self.by_action.entry(context).or_default();
        for keys in map.values_mut() {
            keys.retain(|c| !chords.contains(c));
        }
        map.insert(action, chords);
    }

    fn rebuild_lookup(&mut self) {
        self.lookup = self
            .by_action
            .iter()
            .flat_map(|(ctx, m)| m.iter().flat_map(move |(a, cs)| cs.iter().map(move |c| ((*ctx, *c), *a))))
            .collect();
    }

    /// The action of a key in a context, falling back to the global bindings.
    pub fn action(&self, context: Context, chord: Chord) -> Option<Action> {
        self.lookup.get(&(context, chord)).or_else(|| self.lookup.get(&(Context::Global, chord))).copied()
    }

    /// The keys of an action in a context, for help and hints.
    pub fn keys(&self, context: Context, action: Action) -> &[Chord] {
        self.by_action.get(&context).and_then(|m| m.get(&action)).map_or(&[], Vec::as_slice)
    }

    /// Every binding of a context, for the help screen.
    pub fn bindings(&self, context: Context) -> impl Iterator<Item = (Action, &[Chord])> {
        self.by_action
            .get(&context)
            .into_iter()
            .flat_map(|m| m.iter().filter(|(_, c)| !c.is_empty()).map(|(a, c)| (*a, c.as_slice())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(s: &str) -> Chord {
        Chord::parse(s).unwrap()
    }

    #[test]
    fn shift_letters_are_normalised() {
        let typed = Chord::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(typed, chord("G"));
        assert_eq!(Chord::new(KeyCode::Char('g'), KeyModifiers::SHIFT), chord("shift-g"));
        assert_eq!(Chord::new(KeyCode::Char('?'), KeyModifiers::SHIFT), chord("?"));
        assert_eq!(Chord::new(KeyCode::Char('Q'), KeyModifiers::CONTROL), chord("ctrl-q"));
        assert_eq!(chord("ctrl-Q").display(), "Ctrl-Q");
        assert_eq!(chord("alt-enter").display(), "Alt-Enter");
        assert_eq!(chord("pageup").display(), "PgUp");
    }

    #[test]
    fn default_keymap_binds_the_essentials() {
        let km = Keymap::builtin();
        assert_eq!(km.action(Context::Entry, chord("ctrl-q")), Some(Action::Quit));
        assert_eq!(km.action(Context::Entry, chord("enter")), Some(Action::Confirm));
        assert_eq!(km.action(Context::Entry, chord("alt-enter")), Some(Action::Newline));
        assert_eq!(km.action(Context::Entry, chord("shift-enter")), Some(Action::Newline));
        assert_eq!(km.action(Context::Entry, chord("?")), None, "? is text in the entry line");
        assert_eq!(km.action(Context::Log, chord("?")), Some(Action::Help));
        assert_eq!(km.action(Context::Picker, chord("f1")), Some(Action::Help));
    }

    /// A confirmation is there because typing may land where letters are commands: its
    /// key must be one that typing never gives (not Enter, not a character).
    #[test]
    fn the_shipped_keymaps_confirm_with_a_key_typing_cannot_give() {
        for name in ["default", "vim"] {
            let km = Keymap::load(name, None).unwrap();
            let keys = km.keys(Context::Confirm, Action::Accept);
            assert!(!keys.is_empty(), "{name}: a way to confirm");
            for k in keys {
                let typed = matches!(k.code, KeyCode::Char(_) | KeyCode::Enter)
                    && !k.mods.contains(KeyModifiers::CONTROL);
                assert!(!typed, "{name}: {} confirms", k.display());
            }
        }
    }

    #[test]
    fn vim_keymap_inherits_default() {
        let km = Keymap::load("vim", None).unwrap();
        assert_eq!(km.action(Context::Log, chord("ctrl-d")), Some(Action::PageDown));
        assert_eq!(km.action(Context::Entry, chord("enter")), Some(Action::Confirm));
    }

    #[test]
    fn user_file_overrides_and_unbinds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("keymap.toml"),
            "[entry]\ntoggle_significant = [\"ctrl-t\"]\n[log]\ncorrect = []\n",
        )
        .unwrap();
        let km = Keymap::load("default", Some(dir.path())).unwrap();
        assert_eq!(km.action(Context::Entry, chord("ctrl-t")), Some(Action::ToggleSignificant));
        assert_eq!(km.action(Context::Entry, chord("f3")), None);
        assert_eq!(km.action(Context::Log, chord("c")), None);
    }

    fn load_err(text: &str) -> KeymapError {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keymap.toml"), text).unwrap();
        Keymap::load("default", Some(dir.path())).unwrap_err()
    }

    #[test]
    fn mistakes_name_file_line_and_problem() {
        let e = load_err("[log]\nup = [\"k\"]\nexplode = [\"x\"]\n");
        assert_eq!(e.line, 3);
        assert!(e.file.ends_with("keymap.toml") && e.message.contains("unknown action 'explode'"), "{e}");
        let e = load_err("[log]\n\nup = [\"k\", \"hyper-k\"]\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("hyper-k"), "{e}");
        let e = load_err("[log\nup = 1\n");
        assert_eq!(e.line, 1, "{e}");
        let e = load_err("[lgo]\nup = [\"k\"]\n");
        assert!(e.message.contains("unknown section [lgo]"), "{e}");
        let e = load_err("[log]\nup = [\"f13\"]\n");
        assert!(e.message.contains("f1 to f12"), "{e}");
    }

    #[test]
    fn an_action_is_bound_only_where_it_does_something() {
        // Approving belongs to the reports: bound in the entry line it would be a key
        // that help lists and that does nothing.
        let e = load_err("[entry]\napprove = [\"ctrl-y\"]\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("'approve' does nothing in [entry]"), "{e}");
        // A global action is welcome in any context.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keymap.toml"), "[tasks]\nquit = [\"Q\"]\n").unwrap();
        let km = Keymap::load("default", Some(dir.path())).unwrap();
        assert_eq!(km.action(Context::Tasks, chord("Q")), Some(Action::Quit));
    }
}
