//! Reports (rapporter): the incident's reports with their status, the selected one's
//! text below, and the approval flow on single keys. In sitrep mode the pane shows
//! only the situation report the staff should read: the newest approved one (else the
//! newest in the works), read-only.

use super::action::{does, Keys, AROUND, COPY, DOWN, FIRST, LAST, PAGE_DOWN, PAGE_UP, UP};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::list::{Handled, List};
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::wrap::wrap;
use crate::app::Session;
use crate::domain::report::{Report, ReportStatus, ReportStep};
use crate::domain::roles::Permission;
use crate::domain::{Incident, LogEntry};
use crate::i18n::Label;
use crate::i18n::Lang;
use crate::lang::Text;
use crate::text::{safe, safe_line};
use chrono::Local;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use std::cell::Cell;

/// What the keys do in the reports and sitrep panes.
pub const KEYS: Keys = Keys {
    context: Context::Reports,
    heading: Text::new("Rapporter", "Reports"),
    groups: &[
        &[
            UP,
            DOWN,
            PAGE_UP,
            PAGE_DOWN,
            FIRST,
            LAST,
            does(Action::NewTask, "Ny rapport fra en mal", "New report from a template", "ny", "new"),
            does(
                Action::SitrepFromLog,
                "Ny situasjonsrapport med utkast fra loggen siden forrige godkjente",
                "New situation report drafted from the log since the last approved one",
                "fra loggen",
                "from the log",
            ),
            does(Action::EditReport, "Skriv i rapporten", "Write in the report", "skriv", "write"),
            does(Action::SubmitReport, "Send til godkjenning", "Submit for approval", "send", "submit"),
            COPY,
            does(Action::ApproveReport, "Godkjenn", "Approve", "godkjenn", "approve"),
            does(
                Action::ReturnReport,
                "Returner med kommentar",
                "Return with a comment",
                "returner",
                "return",
            ),
            does(
                Action::DistributeReport,
                "Merk som distribuert",
                "Mark distributed",
                "distribuert",
                "distributed",
            ),
            does(
                Action::NewVersion,
                "Ny versjon av godkjent rapport",
                "New version of an approved report",
                "ny versjon",
                "new version",
            ),
        ],
        AROUND,
    ],
    hints: &[
        Action::EditReport,
        Action::NewTask,
        Action::SubmitReport,
        Action::ApproveReport,
        Action::ReturnReport,
        Action::DistributeReport,
        Action::NewVersion,
        Action::NextPane,
    ],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    Template,
    ReturnComment,
}

pub struct ReportsPane {
    incident: Incident,
    sitrep_only: bool,
    list: List<Report, Asking>,
    scroll: usize,
    text_height: Cell<usize>,
    /// A report made or versioned from here, once its write is confirmed: selected at
    /// the next refresh, so the one just made is the one shown.
    made: std::rc::Rc<Cell<Option<i64>>>,
}

/// The incident's reports (the latest version of each), or only its newest sitrep.
fn load(session: &Session, incident: &Incident, sitrep_only: bool) -> crate::app::Result<Vec<Report>> {
    if sitrep_only {
        Ok(session.latest_sitrep(incident)?.into_iter().collect())
    } else {
        session.reports(incident)
    }
}

impl ReportsPane {
    pub fn open(session: &Session, incident: Incident, sitrep_only: bool) -> crate::app::Result<ReportsPane> {
        let mut pane = ReportsPane {
            incident,
            sitrep_only,
            list: List::new("report", |a, b| a.number == b.number),
            scroll: 0,
            text_height: Cell::new(10),
            made: Default::default(),
        };
        pane.reload(session)?;
        Ok(pane)
    }

    fn reload(&mut self, session: &Session) -> crate::app::Result<()> {
        self.list.reload(session, |s| load(s, &self.incident, self.sitrep_only))
    }

    pub fn reports(&self) -> &[Report] {
        &self.list.items
    }

    fn selected(&self) -> Option<&Report> {
        self.list.selected()
    }

    /// Ask before a report's step (submitting, approving, returning, sending out): the
    /// report and version, what the step does, and for an approval the template text
    /// still unfilled; the step once confirmed.
    fn step(&mut self, cx: &mut Cx<'_>, step: ReportStep, comment: Option<String>) {
        let Some(r) = self.selected() else { return };
        let (lang, n, incident) = (cx.lang, r.number, self.incident.clone());
        let mut lines = vec![about(r, lang)];
        if let Some(c) = &comment {
            lines.push(format!("{}: «{c}»", lang.pick("Kommentar", "Comment")));
        }
        if step == ReportStep::Approve {
            let unfilled = cx.session.unfilled(r);
            if !unfilled.is_empty() {
                lines.push(crate::say!(
                    lang,
                    "NB: {} linjer er fortsatt malens veiledning, for eksempel «{}»",
                    "Note: {} lines are still the template's guidance, e.g. «{}»",
                    unfilled.len(),
                    unfilled[0]
                ));
            }
            lines.push(
                lang.pick("Godkjent versjon kan ikke endres.", "An approved version cannot be changed."),
            );
        }
        let mut title =
            format!("{}: {}", step.label().get(lang), crate::say!(lang, "rapport {n}", "report {n}"));
        if let Some(first) = title.chars().next() {
            title.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
        }
        cx.confirm(Pending::new(title, lines, move |s| {
            said(lang, s.report_step(&incident, n, step, comment))
        }));
    }
}

/// `Situasjonsrapport 2 v3 (utkast) · 412 ord · av kari`: which report, which version.
fn about(r: &Report, lang: Lang) -> String {
    let words = r.text.split_whitespace().count();
    format!(
        "«{}» v{} ({}) · {words} {} · {} {}",
        r.title,
        r.version,
        r.status.label().get(lang),
        lang.pick("ord", "words"),
        lang.pick("av", "by"),
        r.created_by
    )
}

/// A report's Markdown as styled text for the pane: headings bold (the first level
/// in capitals' stead underlined), `**bold**` and `*italic*` as such, list items with
/// a bullet, tables in aligned columns, rules as a line; the marks themselves are not
/// shown. Each block ends its line, as the writer's lines did.
pub fn formatted(text: &str, t: &super::theme::Theme, width: usize) -> Vec<(String, Style)> {
    use crate::doc::markdown::{blocks, MdBlock, Run};
    use ratatui::style::Modifier;
    use unicode_width::UnicodeWidthStr;
    let styled = |runs: &[Run], base: Style| -> Vec<(String, Style)> {
        runs.iter()
            .map(|r| {
                let mut st = base;
                if r.bold {
                    st = st.add_modifier(Modifier::BOLD);
                }
                if r.italic {
                    st = st.add_modifier(Modifier::ITALIC);
                }
                (safe(&r.text).into_owned(), st)
            })
            .collect()
    };
    let mut out: Vec<(String, Style)> = Vec::new();
    for b in blocks(text) {
        match b {
            MdBlock::Heading(level, runs) => {
                let mut st = t.heading.add_modifier(Modifier::BOLD);
                if level == 1 {
                    st = st.add_modifier(Modifier::UNDERLINED);
                }
                out.extend(styled(&runs, st));
            }
            MdBlock::Para(runs) => out.extend(styled(&runs, t.base)),
            MdBlock::Item(marker, runs) => {
                out.push((format!("  {marker} "), t.key));
                out.extend(styled(&runs, t.base));
            }
            MdBlock::Table { head, rows } => {
                let cols = head.len().max(rows.iter().map(Vec::len).max().unwrap_or(0));
                let mut w = vec![0usize; cols];
                for row in std::iter::once(&head).chain(&rows) {
                    for (i, c) in row.iter().enumerate() {
                        w[i] = w[i].max(c.width());
                    }
                }
                let line = |row: &Vec<String>| {
                    let cells: Vec<String> = (0..cols)
                        .map(|i| {
                            let c = row.get(i).map_or("", String::as_str);
                            format!("{c}{}", " ".repeat(w[i].saturating_sub(c.width())))
                        })
                        .collect();
                    safe(&cells.join("  ")).into_owned()
                };
                out.push((line(&head), t.heading.add_modifier(Modifier::BOLD)));
                for row in &rows {
                    out.push(("\n".into(), t.base));
                    out.push((line(row), t.base));
                }
            }
            MdBlock::Rule => out.push(("─".repeat(width.min(40)), t.border)),
            MdBlock::Blank => {}
        }
        out.push(("\n".into(), t.base));
    }
    out
}

/// What a report's change says in the status line.
fn said(lang: Lang, result: crate::app::Result<(Report, LogEntry)>) -> crate::app::Result<String> {
    let (r, _) = result?;
    let report = lang.strings().report;
    Ok(format!("{report} {} v{}: {}", r.number, r.version, r.status.label().get(lang)))
}

impl Pane for ReportsPane {
    fn context(&self) -> Context {
        self.list.context(Context::Reports)
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let page = self.text_height.get().max(1);
        // Page keys scroll the report's text, not the list.
        match input {
            Input::Action(Action::PageUp) if self.list.prompt.is_none() => {
                self.scroll = self.scroll.saturating_sub(page);
                return Outcome::Consumed;
            }
            Input::Action(Action::PageDown) if self.list.prompt.is_none() => {
                self.scroll += page;
                return Outcome::Consumed;
            }
            _ => {}
        }
        let row = self.list.row;
        let handled = self.list.handle(input);
        if self.list.row != row {
            self.scroll = 0;
        }
        let action = match handled {
            Handled::Done(outcome) => return outcome,
            Handled::Answered(asking, text) => {
                match asking {
                    Asking::Template => {
                        // The template is found before anything is shown as about to
                        // be written: a name that is none is said at once, with the
                        // names there are.
                        let all = cx.session.templates();
                        let typed = if text.trim().is_empty() { "situasjonsrapport" } else { text.as_str() };
                        let Some(found) = crate::app::templates::template_named(&all, typed) else {
                            let names: Vec<&str> = all.iter().map(|t| t.name.as_str()).collect();
                            let said = crate::say!(
                                cx.lang,
                                "Ingen mal heter «{typed}». Malene: {}",
                                "No template is called '{typed}'. The templates: {}",
                                names.join(", ")
                            );
                            cx.post(UiEvent::Error(said));
                            return Outcome::Consumed;
                        };
                        let template = found.name.clone();
                        let (lang, incident) = (cx.lang, self.incident.clone());
                        let line = format!("{}: {template}", lang.pick("Mal", "Template"));
                        let title = lang.pick("Ny rapport", "New report");
                        let select = self.made.clone();
                        cx.confirm(Pending::then(title, vec![line], move |s| {
                            let made = s.new_report(&incident, &template, None)?;
                            select.set(Some(made.0.number));
                            let opened = made.0.clone();
                            Ok((said(lang, Ok(made))?, Some(UiEvent::EditReport(opened))))
                        }));
                    }
                    Asking::ReturnComment => self.step(cx, ReportStep::Return, Some(text)),
                }
                return Outcome::Consumed;
            }
            Handled::Action(action) => action,
        };
        match action {
            // In the sitrep pane too: the template asked for is the sitrep's.
            // The sitrep offered (Enter takes it, typing replaces it), the others named.
            Action::NewTask => {
                self.list.offer(Asking::Template, "situasjonsrapport");
                let names: Vec<String> = cx.session.templates().into_iter().map(|t| t.name).collect();
                cx.post(UiEvent::Status(format!(
                    "{}: {}",
                    cx.lang.pick("Maler", "Templates"),
                    names.join(", ")
                )));
            }
            Action::SitrepFromLog => {
                let (lang, incident) = (cx.lang, self.incident.clone());
                let lines = vec![lang.pick(
                    "En ny situasjonsrapport fra malen, med et utkast fra loggen nederst: beslutninger, nøkkeltall, oppgaver, media, varsling og meldinger siden forrige godkjente, hver linje med loggføringen den kommer fra.",
                    "A new situation report from the template, with a draft from the log at the end: decisions, key figures, tasks, media, alerts and messages since the last approved one, each line with the entry it comes from.",
                )];
                let select = self.made.clone();
                cx.confirm(Pending::then(
                    lang.pick("Ny situasjonsrapport", "New situation report"),
                    lines,
                    move |s| {
                        let made = s.new_sitrep_from_log(&incident)?;
                        select.set(Some(made.0.number));
                        let opened = made.0.clone();
                        Ok((said(lang, Ok(made))?, Some(UiEvent::EditReport(opened))))
                    },
                ));
            }
            Action::EditReport => {
                let Some(r) = self.selected().cloned() else { return Outcome::Consumed };
                if !r.status.editable() {
                    let (n, v, status) = (r.number, r.version, r.status.label().get(cx.lang));
                    let msg = crate::say!(
                        cx.lang,
                        "rapport {n} v{v} er {status}: start en ny versjon (N) for å endre den",
                        "report {n} v{v} is {status}: start a new version (N) to change it"
                    );
                    cx.post(UiEvent::Error(msg));
                } else if let Err(e) = cx.session.permit(Permission::WriteReports) {
                    cx.post(UiEvent::Error(e.said(cx.lang)));
                } else {
                    cx.post(UiEvent::EditReport(r));
                }
            }
            Action::SubmitReport => self.step(cx, ReportStep::Submit, None),
            Action::Copy => {
                if let Some(r) = self.selected() {
                    cx.post(UiEvent::Copy(r.text.clone()));
                }
            }
            Action::ApproveReport => self.step(cx, ReportStep::Approve, None),
            Action::ReturnReport => {
                // Ask for the comment only of someone who may return it.
                match cx.session.permit(Permission::ApproveReports) {
                    Ok(()) => self.list.ask(Asking::ReturnComment, ""),
                    Err(e) => cx.post(UiEvent::Error(e.said(cx.lang))),
                }
            }
            Action::DistributeReport => self.step(cx, ReportStep::Distribute, None),
            Action::NewVersion => {
                let Some(r) = self.selected() else { return Outcome::Consumed };
                let (lang, n, incident) = (cx.lang, r.number, self.incident.clone());
                let title = crate::say!(lang, "Ny versjon av rapport {n}", "New version of report {n}");
                cx.confirm(Pending::new(title, vec![about(r, lang)], move |s| {
                    said(lang, s.new_report_version(&incident, n))
                }));
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        let reloaded = self.list.refresh(session, |s| load(s, &self.incident, self.sitrep_only))?;
        if let Some(n) = self.made.take() {
            if let Some(i) = self.list.items.iter().position(|r| r.number == n) {
                self.list.row = i;
                self.scroll = 0;
            }
        }
        Ok(reloaded)
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        self.list.paste(text)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let (s, t) = (cx.strings, cx.theme);
        let lang = cx.lang;
        let title = if self.sitrep_only { s.sitrep } else { s.reports };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if cx.focused { t.border_focus } else { t.border })
            .title(Span::styled(format!(" {title} "), t.heading));
        let inner = block.inner(area);
        f.render_widget(block, area);
        // The question is drawn wherever the pane is asking one, with or without reports
        // (`n` in an empty pane asks for a template).
        let [body, prompt_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(u16::from(self.list.prompt.is_some()))])
                .areas(inner);
        if let Some(p) = &self.list.prompt {
            let label = match p.asking {
                Asking::Template => s.template_prompt,
                Asking::ReturnComment => s.return_comment,
            };
            f.render_widget(Paragraph::new(p.line(label, t, prompt_area.width)), prompt_area);
        }
        if self.list.items.is_empty() {
            let empty = if self.sitrep_only { s.no_sitrep } else { s.no_reports };
            f.render_widget(
                Paragraph::new(Span::styled(empty, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                body,
            );
            return;
        }
        let list_h =
            if self.sitrep_only { 1 } else { (self.list.items.len() as u16 + 1).min(body.height / 3).max(2) };
        let [list, text_area] =
            Layout::vertical([Constraint::Length(list_h), Constraint::Min(1)]).areas(body);
        let first = self.list.row.saturating_sub(list_h as usize - 1);
        let lines: Vec<Line> = self
            .list
            .items
            .iter()
            .enumerate()
            .skip(first)
            .take(list_h as usize)
            .map(|(i, r)| {
                let status_style = match r.status {
                    ReportStatus::Approved | ReportStatus::Distributed => t.time,
                    ReportStatus::Returned => t.error,
                    ReportStatus::Submitted => t.warning,
                    ReportStatus::Draft => t.dim,
                };
                let mut spans = vec![
                    Span::styled(format!("#{} ", r.number), t.dim),
                    Span::styled(format!("{} ", safe_line(&r.title)), t.base),
                    Span::styled(
                        format!("{} ", r.version_label()),
                        if r.fork_of.is_some() { t.warning } else { t.dim },
                    ),
                    Span::styled(r.status.label().get(lang).to_string(), status_style),
                ];
                if let (Some(by), Some(at)) = (&r.approved_by, r.approved_at) {
                    spans.push(Span::styled(
                        format!(" · {by} {}", at.with_timezone(&Local).format("%H:%M")),
                        t.author,
                    ));
                }
                let mut line = super::widgets::cut(Line::from(spans), list.width);
                if cx.focused && i == self.list.row && !self.sitrep_only {
                    for span in &mut line.spans {
                        span.style = span.style.patch(t.selected);
                    }
                }
                line
            })
            .collect();
        f.render_widget(Paragraph::new(lines), list);
        if let Some(r) = self.selected() {
            let mut segs: Vec<(String, Style)> = Vec::new();
            if r.status == ReportStatus::Returned && !r.comment.is_empty() {
                segs.push((format!("{}: «{}»\n\n", s.returned_because, safe(&r.comment)), t.error));
            }
            segs.extend(formatted(&r.text, t, text_area.width as usize));
            let mut lines = vec![Line::from(Span::styled("─".repeat(text_area.width as usize), t.border))];
            lines.extend(wrap(&segs, text_area.width as usize).into_iter().skip(self.scroll));
            self.text_height.set(text_area.height as usize);
            f.render_widget(Paragraph::new(lines), text_area);
        }
    }
}
