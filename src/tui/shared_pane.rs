//! Reports shared with this installation (rapportdeling), side by side: the newest
//! from each municipality in a column of its own, so the county governor's staff read
//! them across. `i` fetches new ones from the sync server (on a thread of its own: the
//! link may be slow), `c` compiles them into a new situation report with references,
//! ←/→ move between sources when there are more than fit, ↑/↓ scroll the text.

use super::action::{does, Keys, AROUND, DOWN, FIRST, UP};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::list::List;
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::widgets::pane_block;
use crate::app::Session;
use crate::domain::roles::Permission;
use crate::domain::share::SharedReport;
use crate::domain::Incident;
use crate::lang::Text;
use crate::text::safe_line;
use chrono::Local;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use std::sync::mpsc::{channel, Receiver};

/// What the keys do among the reports shared with you.
pub const KEYS: Keys = Keys {
    context: Context::Shared,
    heading: Text::new("Delte rapporter", "Shared reports"),
    groups: &[
        &[
            UP,
            DOWN,
            FIRST,
            does(Action::PreviousSource, "Forrige kilde", "Previous source", "forrige", "previous"),
            does(Action::NextSource, "Neste kilde (kommune)", "Next source (municipality)", "neste", "next"),
            does(
                Action::FetchShared,
                "Hent rapporter delt med dere fra synkroniseringstjeneren",
                "Fetch the reports shared with you from the sync server",
                "hent",
                "fetch",
            ),
            does(
                Action::CompileShared,
                "Sammenstill de nyeste delte rapportene til en ny situasjonsrapport",
                "Compile the newest shared reports into a new situation report",
                "sammenstill",
                "compile",
            ),
        ],
        AROUND,
    ],
    hints: &[Action::FetchShared, Action::CompileShared, Action::NextSource, Action::Help],
};

/// The narrowest a column may be and still be read.
const MIN_COLUMN: u16 = 34;

pub struct SharedPane {
    incident: Incident,
    /// The newest report from each source; the selected one is the first shown.
    list: List<SharedReport, ()>,
    scroll: u16,
    /// A fetch under way: its answer (what was new, or why it failed).
    fetching: Option<Receiver<Result<(usize, usize), String>>>,
}

impl SharedPane {
    pub fn open(incident: Incident) -> SharedPane {
        SharedPane {
            incident,
            // Shared reports arrive as log entries (and their receipts).
            list: List::new("log_entry", |a, b| a.from == b.from),
            scroll: 0,
            fetching: None,
        }
    }

    /// Fetch on a thread with a session of its own, so the screen never waits for the link.
    fn fetch(&mut self, cx: &mut Cx<'_>) {
        if self.fetching.is_some() {
            return;
        }
        let (db, user, lang) =
            (cx.session.store.path().to_path_buf(), cx.session.user.clone(), cx.session.lang);
        let incident = self.incident.clone();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let got = Session::open(&db, &user, Vec::new())
                .and_then(|mut s| {
                    s.lang = lang;
                    s.fetch_shared(&incident)
                })
                .map(|f| (f.reports.len(), f.receipts))
                .map_err(|e| e.said(lang));
            let _ = tx.send(got);
        });
        self.fetching = Some(rx);
        let lang = cx.lang;
        cx.post(UiEvent::Status(
            Text::new("Henter delte rapporter …", "Fetching shared reports …").get(lang).into(),
        ));
    }
}

impl Pane for SharedPane {
    fn context(&self) -> Context {
        Context::Shared
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let Input::Action(action) = input else { return Outcome::Ignored };
        let lang = cx.lang;
        match action {
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::First => self.scroll = 0,
            Action::PreviousSource => self.list.row = self.list.row.saturating_sub(1),
            Action::NextSource => {
                self.list.row = (self.list.row + 1).min(self.list.items.len().saturating_sub(1))
            }
            Action::FetchShared => {
                if !cx.refused(cx.session.may(Permission::WriteLog).unwrap_or(false), Permission::WriteLog) {
                    self.fetch(cx);
                }
            }
            Action::CompileShared => {
                let may = cx.session.may(Permission::WriteReports).unwrap_or(false);
                if !cx.refused(may, Permission::WriteReports) {
                    let incident = self.incident.clone();
                    let sources: Vec<String> = self
                        .list
                        .items
                        .iter()
                        .map(|r| format!("  · {} · «{}» v{}", r.from, r.title, r.version))
                        .collect();
                    let mut lines = vec![lang
                        .pick(
                            "En ny rapport av de nyeste delte situasjonsrapportene, én del per kilde:",
                            "A new report of the newest shared situation reports, one part per source:",
                        )
                        .to_string()];
                    lines.extend(sources);
                    cx.confirm(Pending::new(lang.pick("Sammenstill", "Compile"), lines, move |s| {
                        s.compile_shared(&incident, None).map(|r| {
                            crate::say!(
                                lang,
                                "Rapport {} «{}» sammenstilt; se Rapporter",
                                "Report {} «{}» compiled; see Reports",
                                r.number,
                                r.title
                            )
                        })
                    }));
                }
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn tick(&mut self, cx: &mut Cx<'_>, _now: std::time::Instant, _shown: bool) -> bool {
        let Some(rx) = &self.fetching else { return false };
        let Ok(got) = rx.try_recv() else { return false };
        self.fetching = None;
        let lang = cx.lang;
        match got {
            Ok((n, 0)) => {
                cx.changed(Ok(crate::say!(lang, "{n} nye delte rapporter", "{n} new shared reports")))
            }
            Ok((n, r)) => cx.changed(Ok(crate::say!(
                lang,
                "{n} nye delte rapporter, {r} kvitteringer",
                "{n} new shared reports, {r} receipts"
            ))),
            Err(e) => {
                cx.post(UiEvent::Error(e));
                false
            }
        };
        true
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        self.list.refresh(session, |s| s.latest_shared(&self.incident))
    }

    /// Out of view it waits: its freshness follows the log, which changes all the time,
    /// and coming into view (`on_show`) checks it.
    fn refresh_hidden(&mut self, _session: &Session) -> Result<bool, String> {
        Ok(false)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let title = vec![Span::styled(
            format!(
                " {} · {} ",
                Text::new("Delte rapporter", "Shared reports").get(lang),
                self.list.items.len()
            ),
            t.heading,
        )];
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        if self.list.items.is_empty() {
            let none = Text::new("Ingen rapporter er delt med dere i denne hendelsen ennå. i henter fra synkroniseringstjeneren; \
                 `sitroom report receive FIL` tar inn en fil.", "No reports have been shared with you in this incident yet. i fetches from the sync server; \
                 `sitroom report receive FILE` takes in a file.").get(lang);
            f.render_widget(Paragraph::new(Span::styled(none, t.dim)).wrap(Wrap { trim: true }), inner);
            return;
        }
        let fit = usize::from((inner.width / MIN_COLUMN).max(1));
        let shown: Vec<&SharedReport> = self.list.items.iter().skip(self.list.row).take(fit).collect();
        let columns =
            Layout::horizontal(shown.iter().map(|_| Constraint::Ratio(1, shown.len() as u32))).split(inner);
        for (r, col) in shown.iter().zip(columns.iter()) {
            let approved = r.approved_at.with_timezone(&Local).format("%d.%m %H:%M");
            let mut lines = vec![
                Line::from(Span::styled(safe_line(&r.from).into_owned(), t.heading)),
                Line::from(Span::styled(
                    format!(
                        "{} v{} · {} {approved}",
                        safe_line(&r.title),
                        r.version,
                        Text::new("godkjent", "approved").get(lang)
                    ),
                    t.dim,
                )),
            ];
            lines.extend(r.text.lines().map(|l| Line::from(Span::styled(safe_line(l).into_owned(), t.base))));
            let boxed = Block::default().borders(Borders::RIGHT).border_style(t.border);
            f.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((self.scroll, 0)).block(boxed),
                *col,
            );
        }
        if self.list.items.len() > fit {
            let more = format!(
                " {}–{} / {} ←→ ",
                self.list.row + 1,
                self.list.row + shown.len(),
                self.list.items.len()
            );
            let w = more.chars().count() as u16;
            let at = Rect {
                x: area.right().saturating_sub(w + 1),
                y: area.y,
                width: w.min(area.width),
                height: 1,
            };
            f.render_widget(Paragraph::new(Span::styled(more, t.dim)), at);
        }
    }
}
