//! The wall display (veggskjerm): the situation for a TV in the staff room or a second
//! monitor, needing no keys. A large clock, the incident, how old the picture is (the
//! link to the sync server may be gone), the boards' key figures and notices, the
//! tasks past their deadline and the newest decisions. What does not fit turns page
//! every few seconds. It reads the picture again when the records change
//! (`Freshness`) and every half minute (deadlines pass, notices run out).

use super::action::Input;
use super::action::{Keys, AROUND};
use super::keymap::Context;
use super::pane::{Cx, Freshness, Outcome, Pane, RenderCx};
use crate::app::picture::Picture;
use crate::app::Session;
use crate::domain::task::Priority;
use crate::domain::Incident;
use crate::i18n::Label;
use crate::lang::{Lang, Text};
use crate::sync::background::{LinkState, SyncState};
use crate::text::safe_line;
use chrono::{DateTime, Local, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use std::time::{Duration, Instant};

/// The wall takes no keys of its own.
pub const KEYS: Keys = Keys {
    context: Context::Wall,
    heading: Text::new("Veggskjerm", "Wall display"),
    groups: &[AROUND],
    hints: &[super::action::Action::Help],
};

/// How long a page of what does not fit stays before the next.
pub const TURN_EVERY: Duration = Duration::from_secs(12);
/// How often the picture is read again with nothing changed (deadlines pass).
const READ_EVERY: Duration = Duration::from_secs(30);

pub struct WallPane {
    incident: Incident,
    /// The boards to show, by title (none: every board the user may see).
    only: Vec<String>,
    picture: Picture,
    fresh: Freshness,
    page: usize,
    /// When the page last turned and the picture was last read on the clock of
    /// `tick` (None until its first tick).
    turned: Option<Instant>,
    read: Option<Instant>,
}

impl WallPane {
    pub fn open(session: &Session, incident: Incident) -> crate::app::Result<WallPane> {
        let mut pane = WallPane {
            incident,
            only: Vec::new(),
            picture: Picture { boards: vec![], overdue: vec![], decisions: vec![] },
            fresh: Freshness::new("notice").and("board").and("key_figure").and("task").and("log_entry"),
            page: 0,
            turned: None,
            read: None,
        };
        pane.load(session)?;
        Ok(pane)
    }

    /// Show only these boards (by title; a unique beginning will do).
    pub fn only(&mut self, boards: Vec<String>, session: &Session) -> crate::app::Result<()> {
        self.only = boards;
        self.load(session)
    }

    fn load(&mut self, session: &Session) -> crate::app::Result<()> {
        self.fresh.mark(session)?;
        self.picture = session.picture(&self.incident, &self.only, Utc::now())?;
        Ok(())
    }
}

impl Pane for WallPane {
    fn context(&self) -> Context {
        Context::Wall
    }

    fn handle(&mut self, _input: Input, _cx: &mut Cx<'_>) -> Outcome {
        Outcome::Ignored
    }

    /// Out of view it neither turns pages nor reads anything on its clock.
    fn tick(&mut self, cx: &mut Cx<'_>, now: Instant, shown: bool) -> bool {
        if !shown {
            return false;
        }
        let mut changed = false;
        if due(&mut self.turned, now, TURN_EVERY) {
            self.page = self.page.wrapping_add(1);
            changed = true;
        }
        if due(&mut self.read, now, READ_EVERY) {
            if let Err(e) = self.load(cx.session) {
                cx.post(super::pane::UiEvent::Error(e.said(cx.lang)));
            }
            changed = true;
        }
        changed
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        if !self.fresh.stale(session)? {
            return Ok(false);
        }
        self.load(session).map_err(|e| e.said(session.lang))?;
        Ok(true)
    }

    /// Out of view it waits: what it shows is read again when it comes into view
    /// (`on_show`), not on every change (a log entry written elsewhere).
    fn refresh_hidden(&mut self, _session: &Session) -> Result<bool, String> {
        Ok(false)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let big = area.height >= 20 && area.width >= 70;
        let header_rows = if big { 6 } else { 2 };
        let figures = figure_lines(&self.picture, area.width, cx);
        let [header, figures_area, body] = Layout::vertical([
            Constraint::Length(header_rows),
            Constraint::Length(figures.len() as u16 + u16::from(!figures.is_empty())),
            Constraint::Min(1),
        ])
        .areas(area);
        self.render_header(f, header, big, cx);
        if !figures.is_empty() {
            let mut lines = figures;
            lines.push(Line::from(Span::styled("─".repeat(area.width as usize), t.border)));
            f.render_widget(Paragraph::new(lines), figures_area);
        }
        let wide = body.width >= 100;
        let [notices_area, side] = if wide {
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body)
        } else {
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
        };
        let notices = notice_lines(&self.picture, cx);
        let (shown, pages) = page_of(&notices, notices_area.height.saturating_sub(1) as usize, self.page);
        let mut title =
            vec![Span::styled(format!(" {} ", Text::new("Oppslag", "Notices").get(lang)), t.heading)];
        if pages > 1 {
            let at = self.page % pages + 1;
            title.push(Span::styled(format!("{} {at}/{pages} ", lang.pick("side", "page")), t.dim));
        }
        let block = Block::default().borders(Borders::TOP).border_style(t.border).title(Line::from(title));
        let inner = block.inner(notices_area);
        f.render_widget(block, notices_area);
        if shown.is_empty() {
            let none = Text::new("Ingen oppslag oppe.", "No notices up.").get(lang);
            f.render_widget(Paragraph::new(Span::styled(none, t.dim)), inner);
        } else {
            f.render_widget(Paragraph::new(shown.to_vec()), inner);
        }
        let [late_area, decided_area] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(side);
        let now = cx.now.with_timezone(&Utc);
        // Read up to half a minute ago: what is past its deadline by the clock shown.
        let late: Vec<Line<'static>> = self
            .picture
            .overdue
            .iter()
            .filter(|task| task.due.is_some_and(|d| d < now))
            .map(|task| {
                let late = crate::i18n::time_left(
                    crate::domain::media::Urgency::Passed(now - task.due.unwrap_or(now)),
                    lang,
                );
                let mut spans = vec![
                    Span::styled(format!("#{} ", task.number), t.dim),
                    Span::styled(
                        safe_line(&task.title).into_owned(),
                        if task.priority >= Priority::Høy { t.error } else { t.base },
                    ),
                    Span::styled(format!("  {late}"), t.warning),
                ];
                if let Some(who) = &task.assignee {
                    spans.push(Span::styled(format!(" · {}", safe_line(who)), t.author));
                }
                Line::from(spans)
            })
            .collect();
        list_block(f, late_area, Text::new("Forsinkede oppgaver", "Overdue tasks"), late, self.page, cx);
        let decided: Vec<Line<'static>> = self
            .picture
            .decisions
            .iter()
            .map(|e| {
                Line::from(vec![
                    Span::styled(format!("{} ", e.reported_at.with_timezone(&Local).format("%H:%M")), t.dim),
                    Span::styled(safe_line(&e.text).into_owned(), t.base),
                ])
            })
            .collect();
        list_block(
            f,
            decided_area,
            Text::new("Siste beslutninger", "Newest decisions"),
            decided,
            self.page,
            cx,
        );
    }
}

impl WallPane {
    fn render_header(&self, f: &mut Frame<'_>, area: Rect, big: bool, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let i = &self.incident;
        let clock = cx.now.format("%H:%M").to_string();
        let mut about = vec![
            Line::from(Span::styled(
                format!("#{} {}", i.number, safe_line(&i.title)),
                t.heading.add_modifier(Modifier::BOLD),
            )),
            Line::from(vec![
                Span::styled(format!("{} · ", safe_line(&i.kind)), t.base),
                Span::styled(
                    format!("{} {}", i.severity.level(), i.severity.label().get(lang)),
                    if i.severity.level() >= 4 { t.error } else { t.warning },
                ),
                Span::styled(
                    if i.exercise { format!("  {}", cx.strings.exercise) } else { String::new() },
                    t.exercise,
                ),
            ]),
        ];
        if let Some((text, alarm)) = picture_age(cx.sync, cx.now.with_timezone(&Utc), lang) {
            about.push(Line::from(Span::styled(text, if alarm { t.error } else { t.dim })));
        }
        if big {
            let [clock_area, about_area] =
                Layout::horizontal([Constraint::Length(big_width(&clock) + 4), Constraint::Min(10)])
                    .areas(area);
            // Two columns before it: the first is where a workspace marks the focus.
            let lines: Vec<Line<'static>> = big_text(&clock)
                .into_iter()
                .map(|l| Line::from(Span::styled(format!("  {l}"), t.heading)))
                .collect();
            f.render_widget(Paragraph::new(lines), clock_area);
            f.render_widget(Paragraph::new(about), about_area);
        } else {
            let mut first = vec![Span::styled(format!("{clock}  "), t.heading.add_modifier(Modifier::BOLD))];
            first.extend(about[0].spans.clone());
            first.push(Span::raw("  "));
            first.extend(about[1].spans.clone());
            let mut lines = vec![Line::from(first)];
            if let Some(age) = about.get(2) {
                lines.push(age.clone());
            }
            f.render_widget(Paragraph::new(lines), area);
        }
    }
}

/// Whether `every` has passed since `last` (on the same clock), and if so, from now:
/// the first time only starts the count.
pub fn due(last: &mut Option<Instant>, now: Instant, every: Duration) -> bool {
    match *last {
        Some(t) if now.saturating_duration_since(t) < every => false,
        Some(_) => {
            *last = Some(now);
            true
        }
        None => {
            *last = Some(now);
            false
        }
    }
}

/// How old the picture is, in words, and whether it needs the eye: None when this
/// replica does not sync (its picture is the staff room's own).
pub fn picture_age(sync: Option<&SyncState>, now: DateTime<Utc>, lang: Lang) -> Option<(String, bool)> {
    let state = sync?;
    let at = |t: DateTime<Utc>| t.with_timezone(&Local).format("%H:%M:%S").to_string();
    Some(match (&state.link, state.last_round) {
        (LinkState::Online, Some(last)) => {
            (crate::say!(lang, "● oppdatert {}", "● updated {}", at(last)), false)
        }
        (LinkState::Online | LinkState::Connecting, None) => {
            (lang.pick("kobler til …", "connecting …"), false)
        }
        (LinkState::Connecting, Some(last)) => (
            crate::say!(lang, "kobler til … sist oppdatert {}", "connecting … last updated {}", at(last)),
            false,
        ),
        (LinkState::Offline { since }, last) => {
            let from = last.unwrap_or(*since);
            let minutes = (now - from).num_minutes().max(0);
            (
                crate::say!(
                    lang,
                    "○ ingen forbindelse siden {} – bildet er {minutes} min gammelt",
                    "○ no link since {} – the picture is {minutes} min old",
                    at(*since)
                ),
                true,
            )
        }
        (LinkState::SignedOut(_), _) => (
            lang.pick("○ logget ut – bildet oppdateres ikke", "○ signed out – the picture is not updated"),
            true,
        ),
    })
}

/// The key figures of every board shown, as many to a line as fit.
fn figure_lines(p: &Picture, width: u16, cx: &RenderCx<'_>) -> Vec<Line<'static>> {
    let t = cx.theme;
    let mut lines = Vec::new();
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    for fig in p.boards.iter().flat_map(|b| &b.figures) {
        let value = fig.value.to_string();
        let unit = if fig.unit.is_empty() { String::new() } else { format!(" {}", safe_line(&fig.unit)) };
        let name = safe_line(&fig.name).into_owned();
        let w = value.chars().count() + unit.chars().count() + name.chars().count() + 4;
        if used > 0 && used + w > width as usize {
            lines.push(Line::from(std::mem::take(&mut spans)));
            used = 0;
        }
        spans.push(Span::styled(format!(" {name} "), t.dim));
        spans.push(Span::styled(value, t.heading.add_modifier(Modifier::BOLD)));
        spans.push(Span::styled(format!("{unit}  "), t.dim));
        used += w;
    }
    if !spans.is_empty() {
        lines.push(Line::from(spans));
    }
    lines.truncate(3);
    lines
}

/// The notices of every board shown, each board under its title.
fn notice_lines(p: &Picture, cx: &RenderCx<'_>) -> Vec<Line<'static>> {
    let t = cx.theme;
    let mut lines = Vec::new();
    for b in p.boards.iter().filter(|b| !b.notices.is_empty()) {
        if p.boards.len() > 1 {
            lines.push(Line::from(Span::styled(safe_line(&b.board.title).into_owned(), t.heading)));
        }
        for n in &b.notices {
            let style = match n.priority {
                Priority::Kritisk => t.error.add_modifier(Modifier::BOLD),
                Priority::Høy => t.warning,
                _ => t.base,
            };
            let mut spans = vec![Span::styled(
                format!("{}{}", super::boards_pane::mark(n.priority), safe_line(&n.title)),
                style,
            )];
            if let Some(fate) = super::boards_pane::entry_fate(n, cx.lang) {
                spans.push(Span::styled(format!("  ⚠ {fate}"), t.warning));
            }
            lines.push(Line::from(spans));
            if !n.text.is_empty() && n.text != n.title {
                let first = n.text.lines().next().unwrap_or_default();
                lines.push(Line::from(Span::styled(format!("   {}", safe_line(first)), t.dim)));
            }
        }
    }
    lines
}

/// Page `page` (turning round) of `lines` in pages of `rows`: the lines, and how many
/// pages there are.
fn page_of<'l>(lines: &'l [Line<'static>], rows: usize, page: usize) -> (&'l [Line<'static>], usize) {
    if rows == 0 || lines.len() <= rows {
        return (lines, 1);
    }
    let pages = lines.len().div_ceil(rows);
    let at = page % pages * rows;
    (&lines[at..(at + rows).min(lines.len())], pages)
}

/// A titled list that turns page with the rest.
fn list_block(
    f: &mut Frame<'_>,
    area: Rect,
    title: Text,
    lines: Vec<Line<'static>>,
    page: usize,
    cx: &RenderCx<'_>,
) {
    let t = cx.theme;
    let lang = cx.lang;
    let (shown, pages) = page_of(&lines, area.height.saturating_sub(1) as usize, page);
    let mut heading = vec![Span::styled(format!(" {} · {} ", title.get(lang), lines.len()), t.heading)];
    if pages > 1 {
        heading.push(Span::styled(
            format!("{} {}/{pages} ", lang.pick("side", "page"), page % pages + 1),
            t.dim,
        ));
    }
    let block = Block::default().borders(Borders::TOP).border_style(t.border).title(Line::from(heading));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if shown.is_empty() {
        f.render_widget(Paragraph::new(Span::styled(lang.pick("Ingen.", "None."), t.dim)), inner);
    } else {
        f.render_widget(Paragraph::new(shown.to_vec()), inner);
    }
}

/// Digits five rows tall, three wide, for a clock read across the room.
const DIGITS: [[&str; 5]; 10] = [
    ["███", "█ █", "█ █", "█ █", "███"],
    ["  █", "  █", "  █", "  █", "  █"],
    ["███", "  █", "███", "█  ", "███"],
    ["███", "  █", "███", "  █", "███"],
    ["█ █", "█ █", "███", "  █", "  █"],
    ["███", "█  ", "███", "  █", "███"],
    ["███", "█  ", "███", "█ █", "███"],
    ["███", "  █", "  █", "  █", "  █"],
    ["███", "█ █", "███", "█ █", "███"],
    ["███", "█ █", "███", "  █", "███"],
];
const COLON: [&str; 5] = [" ", "█", " ", "█", " "];

/// `text` (digits and colons) in large: five rows.
pub fn big_text(text: &str) -> Vec<String> {
    (0..5)
        .map(|row| {
            text.chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => DIGITS[d as usize][row],
                    None => COLON[row],
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn big_width(text: &str) -> u16 {
    big_text(text).first().map_or(0, |l| l.chars().count() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_big_clock_is_five_rows_of_the_time() {
        let rows = big_text("10:47");
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0], "  █ ███   █ █ ███");
        assert_eq!(rows[4], "  █ ███     █   █");
        assert!(rows.iter().all(|r| r.chars().count() == 17), "every row as wide");
    }

    #[test]
    fn pages_turn_round() {
        let lines: Vec<Line<'static>> = (0..7).map(|i| Line::from(i.to_string())).collect();
        assert_eq!(page_of(&lines, 3, 0).1, 3);
        assert_eq!(page_of(&lines, 3, 2).0.len(), 1, "the last page holds what is left");
        assert_eq!(page_of(&lines, 3, 3).0[0], Line::from("0"), "and then it starts again");
        assert_eq!(page_of(&lines, 10, 5).1, 1);
    }

    #[test]
    fn the_picture_says_how_old_it_is_when_the_link_is_gone() {
        let now = Utc::now();
        let since = now - chrono::Duration::minutes(7);
        let state =
            SyncState { link: LinkState::Offline { since }, last_round: Some(since), ..Default::default() };
        let (text, alarm) = picture_age(Some(&state), now, Lang::Nb).unwrap();
        assert!(alarm && text.contains("7 min gammelt"), "{text}");
        let online = SyncState { link: LinkState::Online, last_round: Some(now), ..Default::default() };
        assert!(!picture_age(Some(&online), now, Lang::En).unwrap().1);
        assert_eq!(picture_age(None, now, Lang::En), None, "a replica that does not sync says nothing");
    }
}
