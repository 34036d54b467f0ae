//! The terminal UI: state and rendering in `ui` and the panes, the terminal and the
//! event loop here. The loop draws only when something changed, and ratatui sends
//! only the cells that differ, so a slow SSH link carries little.

pub mod action;
pub mod alerts_pane;
pub mod boards_pane;
pub mod cards_pane;
pub mod confirm;
pub mod conflicts;
pub mod contacts_pane;
pub mod desk;
pub mod entry_lines;
pub mod eps_pane;
pub mod event_loop;
pub mod hangup;
pub mod help;
pub mod history_pane;
pub mod journal_pane;
pub mod keymap;
pub mod line_edit;
pub mod list;
pub mod log_model;
pub mod log_pane;
pub mod media_queue;
pub mod messages_pane;
pub mod notify;
pub mod paint;
pub mod pane;
pub mod picker;
pub mod plans_pane;
pub mod prompt;
pub mod raw_input;
pub mod redraw;
pub mod report_editor;
pub mod reports_pane;
pub mod resources_pane;
pub mod ros_pane;
pub mod shared_pane;
pub mod sign_in;
pub mod situation_pane;
pub mod task_board;
pub mod theme;
pub mod ui;
pub mod wall_pane;
pub mod widgets;
pub mod workspace;
pub mod wrap;

use crate::app::Session;
use crate::i18n::Lang;
use crossterm::event::{self, KeyboardEnhancementFlags};
use crossterm::{execute, terminal};
use keymap::Keymap;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{BufWriter, Write};
use theme::Theme;
use ui::Ui;

/// How the TUI is to look and behave, resolved by whoever starts it.
#[derive(Debug, Clone)]
pub struct Options {
    /// `default`, `vim`, or one of the user's; their `keymap.toml` is laid over it.
    pub keymap: String,
    /// `dark`, `light`, `high-contrast`, or one of the user's.
    pub theme: String,
    pub lang: Lang,
    /// Take clicks and the wheel (the terminal's own selection then needs Shift).
    pub mouse: bool,
    /// Draw the first frame and exit (for start-up measurements).
    pub exit_after_first_frame: bool,
    /// Be a wall display (`sitroom board --wall`).
    pub wall: Option<Wall>,
}

/// A wall display: of which boards (none named: every board the user may see), of
/// which incident (None: the active one).
#[derive(Debug, Clone, Default)]
pub struct Wall {
    pub boards: Vec<String>,
    pub incident: Option<crate::domain::Incident>,
}

/// The user's files that shape the TUI: keymap, theme, workspaces. Loaded before the
/// database is opened and the terminal touched, so a mistake in one is said plainly
/// and changes nothing.
pub struct Look {
    keymap: Keymap,
    theme: Theme,
    workspaces: Vec<workspace::WorkspaceDef>,
    /// What was wrong in the user's files (file, line, what): each is said in the
    /// status line and on stderr, and the shipped file is used instead. The app starts.
    pub warnings: Vec<String>,
}

impl Look {
    /// The user's files from their config folder; `NO_COLOR` from the environment.
    pub fn load(options: &Options) -> Look {
        Look::load_from(options, crate::config::config_dir().as_deref(), theme::no_color_requested())
    }

    /// The files in `dir` (an SSH account's folder on the server, say), without
    /// colour if asked.
    pub fn load_from(options: &Options, dir: Option<&std::path::Path>, no_color: bool) -> Look {
        let mut warnings = Vec::new();
        let mut warn = |e: String| warnings.push(e);
        let keymap = Keymap::load(&options.keymap, dir).unwrap_or_else(|e| {
            warn(e.to_string());
            Keymap::load(&options.keymap, None).unwrap_or_else(|_| Keymap::builtin())
        });
        let theme = Theme::load(&options.theme, dir, no_color).unwrap_or_else(|e| {
            warn(e.to_string());
            Theme::load(&options.theme, None, no_color)
                .or_else(|_| Theme::load("dark", None, no_color))
                .unwrap_or_else(|_| Theme::builtin())
        });
        let workspaces = workspace::load(dir).unwrap_or_else(|e| {
            warn(e.to_string());
            workspace::load(None).expect("the shipped workspaces are valid")
        });
        Look { keymap, theme, workspaces, warnings }
    }
}

/// A UI on `session` looking as `look` says; what was wrong in the user's files is
/// said in the status line.
pub fn ui(session: Session, look: Look, lang: Lang) -> Result<Ui, String> {
    let Look { keymap, theme, workspaces, warnings } = look;
    let mut ui = Ui::with_workspaces(session, keymap, theme, lang, &workspaces).map_err(|e| e.to_string())?;
    if !warnings.is_empty() {
        let word = lang.pick("Advarsel (standard brukt)", "Warning (defaults used)");
        ui.show_error(format!("{word}: {}", warnings.join(" · ")));
    }
    Ok(ui)
}

/// Run the UI on `session`, looking as `look` says, until the user quits.
pub fn run(session: Session, look: Look, options: &Options) -> Result<(), String> {
    let db = session.store.path().to_path_buf();
    let channels = session.channels.clone();
    let mut ui = ui(session, look, options.lang)?;
    if let Some(wall) = &options.wall {
        ui.wall(wall.boards.clone(), wall.incident.clone()).map_err(|e| e.said(options.lang))?;
    }

    let unsaved = hangup::watch(
        ui.session.store.path().to_path_buf(),
        ui.session.user.clone(),
        ui.session.device.clone(),
        restore_terminal,
    );
    ui.set_unsaved(unsaved);
    ui.set_desktop_notifications(notify::desktop_available());
    ui.allow_sign_in();
    // Alerts recorded here go out from the outbox in the background.
    crate::delivery::spawn_worker(db.clone(), channels);
    // A damaged sign-in file must not keep the logger out: work goes on unsynced,
    // and the status line says why.
    match crate::sync::client::load_login(&db) {
        Ok(Some(login)) => ui.start_sync(crate::sync::background::Background::start(db.clone(), login)),
        Ok(None) => {}
        Err(e) => {
            ui.show_sync(crate::sync::background::SyncState {
                link: crate::sync::background::LinkState::SignedOut(e.to_string()),
                ..Default::default()
            });
            ui.show_error(e.to_string());
        }
    }
    let mut terminal = enter(options.mouse).map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let result =
        event_loop::run(&mut terminal, &mut event_loop::Tty, &mut ui, options.exit_after_first_frame);
    let saved = ui.shutdown();
    leave(&mut terminal);
    result.map_err(|e| format!("terminal error: {e}"))?;
    saved.map_err(|e| format!("could not save the draft: {e}"))
}

type Term = Terminal<CrosstermBackend<BufWriter<std::io::Stdout>>>;

/// What sets a terminal up for the UI (see [`enter`]): the alternate screen, pasted
/// text marked, Shift-Enter told apart, the screen cleared, the cursor hidden, and
/// clicks and the wheel reported if asked. A remote terminal gets the same bytes.
pub fn setup(out: &mut impl Write, mouse: bool) -> std::io::Result<()> {
    execute!(
        out,
        terminal::EnterAlternateScreen,
        event::EnableBracketedPaste,
        // Lets Shift-Enter be told from Enter where the terminal knows the kitty
        // protocol; terminals that do not know it ignore the sequence.
        event::PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES),
        terminal::Clear(terminal::ClearType::All),
        crossterm::cursor::Hide,
    )?;
    if mouse {
        // Button presses and the wheel only (no motion reports: a moved mouse costs
        // nothing on a slow link), in SGR form, which any column can be told in.
        // Crossterm's EnableMouseCapture also asks for every motion, so the modes are
        // set by hand: 1000 presses, 1006 SGR.
        out.write_all(b"\x1b[?1000h\x1b[?1006h")?;
    }
    out.flush()
}

/// Undo [`setup`]: the terminal as it was.
pub fn restore(out: &mut impl Write) -> std::io::Result<()> {
    // Frames leave the style they last drew with (the next frame goes on from it).
    out.write_all(b"\x1b[0m")?;
    execute!(out, event::PopKeyboardEnhancementFlags)?;
    out.write_all(b"\x1b[?1006l\x1b[?1000l")?;
    execute!(out, event::DisableBracketedPaste, terminal::LeaveAlternateScreen, crossterm::cursor::Show)?;
    out.flush()
}

/// Set the terminal up without asking it anything: every question (cursor position,
/// "do you speak the kitty keyboard protocol?") is a round trip, and over a satellite
/// link each one delays the first frame by most of a second.
fn enter(mouse: bool) -> std::io::Result<Term> {
    terminal::enable_raw_mode()?;
    setup(&mut std::io::stdout(), mouse)?;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        hook(info);
    }));
    Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(1 << 16, std::io::stdout())))
}

fn restore_terminal() {
    let _ = restore(&mut std::io::stdout());
    let _ = terminal::disable_raw_mode();
}

fn leave(terminal: &mut Term) {
    let _ = terminal.show_cursor();
    restore_terminal();
}
