//! One SSH session's UI: the same `Ui` and event loop as the local TUI, on the
//! account's replica, looking as the account's settings on the server say, drawn into
//! the channel. Runs on a thread of its own (the UI and SQLite block).

use super::replicas::Replica;
use super::terminal::FrameWriter;
use super::Ctx;
use crate::i18n::Lang;
use crate::server::Principal;
use crate::tui::event_loop::{self, InFlight, Incoming, Remote};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

/// What the connection asked for before its shell: the window, and what its
/// environment said (`LANG`, `SITROOM_LANG`, `NO_COLOR`).
#[derive(Debug, Clone, Default)]
pub struct Asked {
    pub cols: u16,
    pub rows: u16,
    pub lang: Option<Lang>,
    pub no_color: bool,
}

/// How the session ended, for the line left on the user's terminal.
pub enum Ended {
    /// The user quit, or the connection went.
    Done,
    Idle,
    ServerStopping,
    /// The account was disabled (or its sessions revoked) while the session was open.
    Revoked,
}

/// Run the session until the user quits or the connection goes; the draft is kept
/// however it ends. The replica is held for the session's life.
pub fn run(
    ctx: &Ctx,
    who: &Principal,
    replica: Arc<Replica>,
    asked: &Asked,
    incoming: Receiver<Incoming>,
    out: &mut FrameWriter,
    in_flight: InFlight,
) -> Result<Ended, String> {
    let config_path = replica.dir.join("config.toml");
    let mut warnings = Vec::new();
    let config = crate::config::Config::load_from(&config_path).unwrap_or_else(|e| {
        warnings.push(e.to_string());
        Default::default()
    });
    let lang = asked.lang.or(config.lang).unwrap_or(ctx.options.lang);
    let options = crate::tui::Options {
        keymap: config.keymap.clone().unwrap_or_else(|| "default".into()),
        theme: config.theme.clone().unwrap_or_else(|| "dark".into()),
        lang,
        mouse: config.mouse.unwrap_or(true),
        exit_after_first_frame: false,
        wall: None,
    };
    let mut look = crate::tui::Look::load_from(&options, Some(&replica.dir), asked.no_color);
    look.warnings.extend(warnings);
    let mut session = super::replicas::open(&replica.db, who, ctx.options.incident_types.clone())?;
    session.lang = lang;
    session.config_dir = Some(replica.dir.clone());
    session.channels = ctx.options.channels.clone();
    session.installation_name = ctx.options.installation.clone();
    let mut ui = crate::tui::ui(session, look, lang)?;
    ui.start_sync(replica.sync.clone());

    crate::tui::setup(out, options.mouse).map_err(|e| e.to_string())?;
    let viewport = Viewport::Fixed(Rect::new(0, 0, asked.cols.max(1), asked.rows.max(1)));
    let mut terminal = Terminal::with_options(CrosstermBackend::new(out), TerminalOptions { viewport })
        .map_err(|e| e.to_string())?;
    let stops = vec![ctx.stopping.clone(), replica.revoked.clone()];
    let mut input = Remote::pacing(incoming, in_flight).ending(ctx.options.idle, stops);
    let result = event_loop::run(&mut terminal, &mut input, &mut ui, false);
    // However it ended, the draft is kept, as a local TUI keeps it when its terminal
    // goes away; the next session of the account finds it.
    let saved = ui.shutdown();
    let ended = match &result {
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Ended::Idle,
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted && replica.revoked.load(Ordering::Acquire) => {
            Ended::Revoked
        }
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Ended::ServerStopping,
        _ => Ended::Done,
    };
    let out = terminal.backend_mut();
    let _ = crate::tui::restore(out);
    let said = match ended {
        Ended::Done => None,
        Ended::Idle => Some(crate::say!(
            lang,
            "sitroom: økten ble avsluttet etter for lang tid uten bruk; utkastet er lagret",
            "sitroom: the session ended after too long without use; the draft is kept"
        )),
        Ended::Revoked => Some(crate::say!(
            lang,
            "sitroom: kontoen kan ikke lenger logge inn, så økten er avsluttet; utkastet er lagret",
            "sitroom: the account may no longer sign in, so the session has ended; the draft is kept"
        )),
        Ended::ServerStopping => Some(crate::say!(
            lang,
            "sitroom: tjeneren stopper; utkastet er lagret. Koble til igjen om litt.",
            "sitroom: the server is stopping; the draft is kept. Connect again in a while."
        )),
    };
    if let Some(said) = said {
        let _ = write!(out, "{said}\r\n");
        let _ = out.flush();
    }
    saved.map_err(|e| format!("could not save the draft: {e}"))?;
    match result {
        Err(e)
            if matches!(ended, Ended::Done)
                && !matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::BrokenPipe
                ) =>
        {
            Err(e.to_string())
        }
        _ => Ok(ended),
    }
}
