//! The ROS register: the 5×5 risk matrix (green, yellow and red cells, each also marked
//! L, M or H so the level shows without colour) and the unwanted events, highest risk
//! first, with the chosen event's measures below.

use super::action::Input;
use super::keymap::Context;
use super::list::List;
use super::pane::{Cx, Outcome, Pane, RenderCx};
use super::widgets::{cut, list_window, pane_block};
use crate::app::Session;
use crate::domain::ros::{matrix, Level, RosEvent};
use crate::lang::Text;
use crate::text::safe_line;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub struct RosPane {
    list: List<RosEvent, ()>,
}

impl RosPane {
    pub fn open(session: &Session) -> crate::app::Result<RosPane> {
        let mut pane = RosPane { list: List::new("ros", |a, b| a.id == b.id) };
        pane.list.reload(session, |s| s.ros_events())?;
        Ok(pane)
    }
}

/// Cells of this many columns.
const CELL: usize = 7;

fn matrix_lines(events: &[RosEvent], cx: &RenderCx<'_>) -> Vec<Line<'static>> {
    let t = cx.theme;
    let cells = matrix(events);
    let mut lines = Vec::new();
    for l in (1..=5u8).rev() {
        let mut spans = vec![Span::styled(format!("S{l} "), t.dim)];
        for c in 1..=5u8 {
            let level = Level::of(l, c);
            let style = match level {
                Level::Low => t.risk_low,
                Level::Medium => t.risk_medium,
                Level::High => t.risk_high,
            };
            let nums: Vec<String> =
                cells[l as usize - 1][c as usize - 1].iter().map(|n| n.to_string()).collect();
            let mut text = nums.join(",");
            if text.chars().count() > CELL - 2 {
                text = format!("{}×", nums.len());
            }
            spans.push(Span::styled(format!("{text:<w$}{}", level.letter(), w = CELL - 1), style));
            spans.push(Span::raw(" "));
        }
        lines.push(Line::from(spans));
    }
    let mut axis = String::from("   ");
    for c in 1..=5 {
        axis.push_str(&format!("{:<w$}", format!("K{c}"), w = CELL + 1));
    }
    lines.push(Line::from(Span::styled(axis, t.dim)));
    lines
}

impl Pane for RosPane {
    fn context(&self) -> Context {
        Context::Registers
    }

    fn handle(&mut self, input: Input, _cx: &mut Cx<'_>) -> Outcome {
        self.list.handle(input).outcome()
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        self.list.refresh(session, |s| s.ros_events())
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let high = self.list.items.iter().filter(|e| e.level() == Level::High).count();
        let mut title = vec![Span::styled(format!(" ROS · {} ", self.list.items.len()), t.heading)];
        if high > 0 {
            title.push(Span::styled(
                format!(" {high} {} ", Text::new("høy risiko", "high risk").get(lang)),
                t.error,
            ));
        }
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [grid, list, detail] =
            Layout::vertical([Constraint::Length(7), Constraint::Min(1), Constraint::Length(4)]).areas(inner);
        f.render_widget(Paragraph::new(matrix_lines(&self.list.items, cx)), grid);
        let rows: Vec<Line<'static>> = self
            .list
            .items
            .iter()
            .map(|e| {
                let style = match e.level() {
                    Level::High => t.error,
                    Level::Medium => t.warning,
                    Level::Low => t.base,
                };
                Line::from(vec![
                    Span::styled(format!("{:>3} ", e.number), t.dim),
                    Span::styled(format!("{:>2} {} ", e.score(), e.level().letter()), style),
                    Span::styled(safe_line(&e.title).into_owned(), t.base),
                    Span::styled(format!("  (S{} K{})", e.likelihood, e.consequence), t.dim),
                ])
            })
            .collect();
        if rows.is_empty() {
            let none = Text::new(
                "Ingen uønskede hendelser registrert (sitroom ros add).",
                "No unwanted events yet (sitroom ros add).",
            )
            .get(lang);
            f.render_widget(
                Paragraph::new(Span::styled(none, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                list,
            );
        } else {
            f.render_widget(Paragraph::new(list_window(rows, self.list.row, list, cx)), list);
        }
        if let Some(e) = self.list.items.get(self.list.row) {
            let mut lines = vec![Line::from(Span::styled("─".repeat(detail.width as usize), t.border))];
            for m in &e.measures {
                let kind = if m.existing {
                    Text::new("eksisterende", "existing").get(lang)
                } else {
                    Text::new("foreslått", "proposed").get(lang)
                };
                let mut spans = vec![
                    Span::styled(format!("{}.{} ", e.number, m.number), t.dim),
                    Span::styled(safe_line(&m.text).into_owned(), t.base),
                    Span::styled(format!(" ({kind})"), t.dim),
                ];
                if let Some(task) = &m.task {
                    spans.push(Span::styled(
                        format!(" → {} {task}", Text::new("oppgave", "task").get(lang)),
                        t.tag,
                    ));
                }
                lines.push(cut(Line::from(spans), detail.width));
            }
            lines.truncate(detail.height as usize);
            f.render_widget(Paragraph::new(lines), detail);
        }
    }
}
