//! Contingency plans as a tree (sub-plans indented), each with its owner and revision
//! date; an overdue revision stands out. The chosen plan's links below.

use super::action::Input;
use super::keymap::Context;
use super::list::List;
use super::pane::{Cx, Outcome, Pane, RenderCx};
use super::widgets::{cut, list_window, pane_block};
use crate::app::Session;
use crate::domain::plan::{tree, Plan};
use crate::i18n::Label;
use crate::lang::Text;
use crate::text::safe_line;
use chrono::{Local, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub struct PlansPane {
    /// In tree order, with depth.
    list: List<(usize, Plan), ()>,
}

/// The plans in tree order, each with its depth.
fn load(session: &Session) -> crate::app::Result<Vec<(usize, Plan)>> {
    let all = session.plans()?;
    Ok(tree(&all).into_iter().map(|(d, p)| (d, p.clone())).collect())
}

impl PlansPane {
    pub fn open(session: &Session) -> crate::app::Result<PlansPane> {
        let mut pane = PlansPane { list: List::new("plan", |a, b| a.1.id == b.1.id) };
        pane.list.reload(session, load)?;
        Ok(pane)
    }
}

impl Pane for PlansPane {
    fn context(&self) -> Context {
        Context::Registers
    }

    fn handle(&mut self, input: Input, _cx: &mut Cx<'_>) -> Outcome {
        self.list.handle(input).outcome()
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        self.list.refresh(session, load)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let now = cx.now.with_timezone(&Utc);
        let overdue = self.list.items.iter().filter(|(_, p)| p.overdue(now)).count();
        let mut title = vec![Span::styled(
            format!(" {} · {} ", Text::new("Planer", "Plans").get(lang), self.list.items.len()),
            t.heading,
        )];
        if overdue > 0 {
            title.push(Span::styled(
                format!(" {overdue} {} ", Text::new("til revisjon", "overdue").get(lang)),
                t.error,
            ));
        }
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [list, detail] = Layout::vertical([Constraint::Min(1), Constraint::Length(4)]).areas(inner);
        let rows: Vec<Line<'static>> = self
            .list
            .items
            .iter()
            .map(|(depth, p)| {
                let mut spans = vec![
                    Span::styled(format!("{:>3} {}", p.number, "  ".repeat(*depth)), t.dim),
                    Span::styled(safe_line(&p.title).into_owned(), t.base),
                ];
                if !p.owner.is_empty() {
                    spans.push(Span::styled(format!("  ({})", safe_line(&p.owner)), t.author));
                }
                if let Some(d) = p.revise_by {
                    let date = d.with_timezone(&Local).format("%d.%m.%Y");
                    if p.overdue(now) {
                        spans.push(Span::styled(
                            format!(
                                "  {} {date}",
                                Text::new("REVISJON FORFALT", "REVISION OVERDUE").get(lang)
                            ),
                            t.error,
                        ));
                    } else {
                        spans.push(Span::styled(
                            format!("  {} {date}", Text::new("revideres", "revise by").get(lang)),
                            t.dim,
                        ));
                    }
                }
                Line::from(spans)
            })
            .collect();
        if rows.is_empty() {
            let none = Text::new("Ingen planer ennå (sitroom plan new).", "No plans yet (sitroom plan new).")
                .get(lang);
            f.render_widget(
                Paragraph::new(Span::styled(none, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                list,
            );
        } else {
            f.render_widget(Paragraph::new(list_window(rows, self.list.row, list, cx)), list);
        }
        if let Some((_, p)) = self.list.items.get(self.list.row) {
            let mut lines = vec![Line::from(Span::styled("─".repeat(detail.width as usize), t.border))];
            for l in &p.links {
                lines.push(cut(
                    Line::from(vec![
                        Span::styled(format!("{}: ", l.kind.label().get(cx.lang)), t.heading),
                        Span::styled(safe_line(&l.target).into_owned(), t.base),
                    ]),
                    detail.width,
                ));
            }
            lines.truncate(detail.height as usize);
            f.render_widget(Paragraph::new(lines), detail);
        }
    }
}
