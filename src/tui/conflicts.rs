//! Conflicts (konflikter): fields two people changed without seeing each other's
//! change, merged by sync. Each conflict lists the value that holds now and the values
//! it won over, with who set them and when; Enter keeps the chosen value everywhere.

use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::widgets::centered;
use crate::app::Session;
use crate::store::Conflict;
use crate::text::safe_line;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub struct Conflicts {
    incident: Option<uuid::Uuid>,
    list: Vec<Conflict>,
    /// (conflict, value: 0 the one holding, 1… the others) for each choosable line.
    choices: Vec<(usize, usize)>,
    selected: usize,
}

impl Conflicts {
    /// The conflicts of the active incident (all of them without one).
    pub fn open(session: &Session, incident: Option<uuid::Uuid>) -> crate::app::Result<Conflicts> {
        let mut c = Conflicts { incident, list: Vec::new(), choices: Vec::new(), selected: 0 };
        c.load(session)?;
        Ok(c)
    }

    fn load(&mut self, session: &Session) -> crate::app::Result<()> {
        self.list = session.store.conflicts(self.incident)?;
        self.choices = self
            .list
            .iter()
            .enumerate()
            .flat_map(|(i, c)| (0..=c.others.len()).map(move |v| (i, v)))
            .collect();
        self.selected = self.selected.min(self.choices.len().saturating_sub(1));
        Ok(())
    }

    fn keep(&mut self, cx: &mut Cx<'_>) {
        let Some(&(i, v)) = self.choices.get(self.selected) else { return };
        let conflict = self.list[i].clone();
        let value = if v == 0 { conflict.current.clone() } else { conflict.others[v - 1].value.clone() };
        let lang = cx.lang;
        let mut lines = vec![format!(
            "{}: {} «{}»",
            what(&conflict, lang),
            lang.pick("beholder", "keeps"),
            shown(&value)
        )];
        let current = std::iter::once(&conflict.current);
        for other in current.chain(conflict.others.iter().map(|o| &o.value)).filter(|v| **v != value) {
            lines.push(format!("{}: «{}»", lang.pick("settes til side", "set aside"), shown(other)));
        }
        cx.confirm(Pending::new(lang.pick("Løs konflikten", "Settle the conflict"), lines, move |s| {
            s.settle_conflict(&conflict, value)
                .map(|()| lang.pick("Konflikten er løst", "The conflict is settled").to_string())
        }));
    }
}

/// "oppgave 3 · status", in the user's language.
fn what(c: &Conflict, lang: crate::i18n::Lang) -> String {
    format!("{} {} · {}", c.kind.spec().label.get(lang), c.number, c.field)
}

fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "–".into(),
        other => other.to_string(),
    }
}

impl Pane for Conflicts {
    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        self.load(session).map_err(|e| e.said(session.lang))?;
        Ok(true)
    }

    fn context(&self) -> Context {
        Context::Picker
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        match input {
            Input::Action(Action::Cancel | Action::Conflicts) => cx.post(UiEvent::CloseOverlay),
            Input::Action(Action::Up) => self.selected = self.selected.saturating_sub(1),
            Input::Action(Action::Down) => {
                self.selected = (self.selected + 1).min(self.choices.len().saturating_sub(1))
            }
            Input::Action(Action::Confirm) => self.keep(cx),
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let popup = centered(area, 90, area.height.saturating_sub(2));
        super::widgets::clear_for_popup(f, popup, area);
        let hint = cx
            .lang
            .pick(" Enter beholder valgt verdi · Esc lukker ", " Enter keeps the chosen value · Esc closes ");
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .title(Span::styled(cx.lang.pick(" Konflikter ", " Conflicts "), t.heading))
            .title_bottom(Line::from(Span::styled(hint, t.dim)).right_aligned());
        let inner = block.inner(popup);
        f.render_widget(block, popup);
        if self.list.is_empty() {
            let none = cx.lang.pick(" Ingen konflikter.", " No conflicts.");
            f.render_widget(
                Paragraph::new(Span::styled(none, t.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
                inner,
            );
            return;
        }
        let mut lines = Vec::new();
        let mut selected_line = 0;
        for (i, c) in self.list.iter().enumerate() {
            lines.push(Line::from(Span::styled(format!(" {}", what(c, cx.lang)), t.heading)));
            let holding = cx.lang.pick("gjelder nå", "holds now");
            let mut values = vec![(shown(&c.current), holding)];
            for o in &c.others {
                let when = o.at.with_timezone(&chrono::Local).format("%H:%M");
                values.push((shown(&o.value), format!("{} · {} · {when}", o.author, o.device)));
            }
            for (v, (value, who)) in values.into_iter().enumerate() {
                let chosen = self.choices.get(self.selected) == Some(&(i, v));
                if chosen {
                    selected_line = lines.len();
                }
                let style = if chosen { t.selected } else { t.base };
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("  {} «{}»", if chosen { "›" } else { " " }, safe_line(&value)),
                        style,
                    ),
                    Span::styled(format!("  {}", safe_line(&who)), t.dim),
                ]));
            }
        }
        let scroll = selected_line.saturating_sub(inner.height.saturating_sub(1) as usize);
        f.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
    }
}
