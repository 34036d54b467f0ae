//! Messages (meldinger): the messages to and from the user, newest first, unread ones
//! marked; below the list the chosen one in full, with its thread and who has read it
//! and who not yet. `n` writes a message (first whom to, where `+sms` or `+epost` asks
//! for a copy, then the text; `!` first makes it urgent), `r` answers the writer and `R` everyone it went to; each shows
//! what will be sent before Ctrl-S sends it. Ctrl-R says the user has read the chosen
//! message: a receipt its writer sees, so it is on a key typing cannot give.

use super::action::{does, Keys, AROUND, LIST};
use super::action::{Action, Input};
use super::confirm::Pending;
use super::keymap::Context;
use super::list::{Handled, List};
use super::pane::{Cx, Outcome, Pane, RenderCx, UiEvent};
use super::widgets::{list_window, pane_block};
use crate::app::messages::{Listed, Opened};
use crate::app::Session;
use crate::domain::alert::Delivery;
use crate::domain::message::{Addressees, NewMessage};
use crate::domain::message_copy::CopySent;
use crate::domain::roles::Permission;
use crate::lang::{Lang, Text};
use crate::text::safe_line;
use chrono::Local;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// What the keys do on the messages.
pub const KEYS: Keys = Keys {
    context: Context::Messages,
    heading: Text::new("Meldinger", "Messages"),
    groups: &[
        LIST,
        &[
            does(
                Action::NewMessage,
                "Skriv en melding (til hvem, så teksten; ! først: haster; +sms, +epost, +begge: kopi)",
                "Write a message (to whom, then the text; ! first: urgent; +sms, +epost, +begge: a copy)",
                "ny",
                "new",
            ),
            does(Action::Reply, "Svar den som skrev", "Answer the writer", "svar", "reply"),
            does(
                Action::ReplyAll,
                "Svar alle den gikk til",
                "Answer everyone it went to",
                "svar alle",
                "reply all",
            ),
            does(
                Action::MarkRead,
                "Merk valgt melding som lest (avsenderen ser det)",
                "Mark the chosen message read (the writer sees it)",
                "lest",
                "read",
            ),
        ],
        AROUND,
    ],
    hints: &[Action::NewMessage, Action::Reply, Action::ReplyAll, Action::MarkRead, Action::Help],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    /// Whom a new message goes to.
    To,
    /// The text of a new message (to `MessagesPane::to`).
    Text,
    /// The text of an answer, to the writer or (true) everyone.
    Reply(bool),
}

pub struct MessagesPane {
    list: List<Listed, Asking>,
    /// The chosen message with its thread and receipts.
    opened: Option<Opened>,
    /// Whom the message being written goes to, and the copy asked for, between the
    /// two questions.
    to: Option<Addressees>,
    copy: Option<String>,
    can_write: bool,
}

/// What a text typed with marks first asks for: `!` urgent, `+sms`, `+epost` or
/// `+begge` a copy (in any order); the marks are not part of the message.
struct Marked {
    urgent: bool,
    copy: Option<String>,
    text: String,
}

fn marked(typed: &str) -> Marked {
    let (mut urgent, mut copy, mut rest) = (false, None, typed.trim());
    loop {
        if let Some(r) = rest.strip_prefix('!') {
            (urgent, rest) = (true, r.trim_start());
            continue;
        }
        let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        match word.strip_prefix('+').map(crate::domain::message_copy::parse) {
            Some(Ok(c)) => (copy, rest) = (Some(c), after.trim_start()),
            _ => break,
        }
    }
    Marked { urgent, copy, text: rest.trim().to_string() }
}

impl MessagesPane {
    pub fn open(session: &Session) -> crate::app::Result<MessagesPane> {
        let mut pane = MessagesPane {
            list: List::new("message", |a: &Listed, b: &Listed| a.message.id == b.message.id)
                .watching("message_read"),
            opened: None,
            to: None,
            copy: None,
            can_write: session.may(Permission::SendMessages)?,
        };
        pane.load(session)?;
        Ok(pane)
    }

    fn load(&mut self, session: &Session) -> crate::app::Result<()> {
        self.list.reload(session, |s| s.inbox(false))?;
        self.open_chosen(session)
    }

    /// Read the chosen message's thread and receipts (without marking it read).
    fn open_chosen(&mut self, session: &Session) -> crate::app::Result<()> {
        self.opened = match self.list.selected() {
            Some(l) => Some(session.view_message(&l.message)?),
            None => None,
        };
        Ok(())
    }

    /// What the confirmation shows and the write for a message to send.
    fn confirm_send(&self, cx: &mut Cx<'_>, heading: String, new: NewMessage) {
        let lang = cx.lang;
        let mut lines = vec![crate::say!(lang, "Til: {}", "To: {}", new.to.shown())];
        if let Some(copy) = &new.copy {
            lines.push(crate::say!(lang, "Kopi som {}", "A copy by {}", copy));
        }
        if new.urgent {
            lines.push(lang.pick("HASTER", "URGENT"));
        }
        lines.extend(new.text.lines().map(str::to_string));
        cx.confirm(Pending::new(heading, lines, move |s| {
            s.send_message(new, None).map(|m| {
                let journal = m.journal.map(|n| format!(" (journal {n})")).unwrap_or_default();
                crate::say!(lang, "Melding {} sendt{}", "Message {} sent{}", m.reference(), journal)
            })
        }));
    }

    fn answered(&mut self, asking: Asking, text: String, cx: &mut Cx<'_>) {
        let lang = cx.lang;
        match asking {
            Asking::To => match cx.session.addressees_with_copy(&text) {
                Ok((to, _)) if to.is_empty() => self.list.ask(Asking::To, text),
                Ok((to, copy)) => {
                    (self.to, self.copy) = (Some(to), copy);
                    self.list.ask(Asking::Text, "");
                }
                Err(e) => {
                    cx.post(UiEvent::Error(e.said(lang)));
                    self.list.ask(Asking::To, text);
                }
            },
            Asking::Text => {
                let Some(to) = self.to.take() else { return };
                let Marked { urgent, copy, text } = marked(&text);
                let copy = copy.or(self.copy.take());
                let heading = lang.pick("Send melding", "Send a message");
                self.confirm_send(cx, heading, NewMessage { to, text, urgent, copy, reply_to: None });
            }
            Asking::Reply(all) => {
                let Some(m) = self.list.selected().map(|l| l.message.clone()) else { return };
                let Marked { urgent, copy, text } = marked(&text);
                let heading = crate::say!(lang, "Svar på {}", "Answer to {}", m.reference());
                let to = cx.session.reply_addressees(&m, all);
                let mut shown = vec![crate::say!(lang, "Til: {}", "To: {}", to.shown())];
                if let Some(copy) = &copy {
                    shown.push(crate::say!(lang, "Kopi som {}", "A copy by {}", copy));
                }
                if urgent {
                    shown.push(lang.pick("HASTER", "URGENT"));
                }
                shown.extend(text.lines().map(str::to_string));
                cx.confirm(Pending::new(heading, shown, move |s| {
                    s.reply_message(&m, &text, urgent, all, copy, None)
                        .map(|r| crate::say!(lang, "Svar {} sendt", "Answer {} sent", r.reference()))
                }));
            }
        }
    }
}

impl Pane for MessagesPane {
    fn context(&self) -> Context {
        self.list.context(Context::Messages)
    }

    fn handle(&mut self, input: Input, cx: &mut Cx<'_>) -> Outcome {
        let lang = cx.lang;
        let row = self.list.row;
        let action = match self.list.handle(input) {
            Handled::Done(outcome) => {
                if self.list.row != row {
                    if let Err(e) = self.open_chosen(cx.session) {
                        cx.post(UiEvent::Error(e.said(lang)));
                    }
                }
                return outcome;
            }
            Handled::Answered(asking, text) => {
                self.answered(asking, text, cx);
                return Outcome::Consumed;
            }
            Handled::Action(action) => action,
        };
        if action.changes_records() && cx.refused(self.can_write, Permission::SendMessages) {
            return Outcome::Consumed;
        }
        let chosen = self.list.selected().map(|l| l.message.clone());
        match (action, chosen) {
            (Action::NewMessage, _) => self.list.ask(Asking::To, ""),
            (Action::Reply, Some(_)) => self.list.ask(Asking::Reply(false), ""),
            (Action::ReplyAll, Some(_)) => self.list.ask(Asking::Reply(true), ""),
            (Action::MarkRead, Some(m)) if m.author == cx.session.user => {
                cx.post(UiEvent::Status(lang.pick(
                    "Den skrev du selv: det er de andre som merker den lest",
                    "You wrote it: the others mark it read",
                )));
            }
            (Action::MarkRead, Some(m)) => {
                let done = cx.session.mark_message_read(&m).map(|r| match r {
                    Some(_) => crate::say!(
                        lang,
                        "Melding {} merket som lest",
                        "Message {} marked read",
                        m.reference()
                    ),
                    None => crate::say!(
                        lang,
                        "Melding {} var lest alt",
                        "Message {} was read already",
                        m.reference()
                    ),
                });
                cx.changed(done);
            }
            (Action::Reply | Action::ReplyAll | Action::MarkRead, None) => {
                cx.post(UiEvent::Error(lang.pick("Ingen melding valgt", "No message chosen")));
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Consumed
    }

    fn refresh(&mut self, session: &Session) -> Result<bool, String> {
        if self.list.refresh(session, |s| s.inbox(false))? {
            self.open_chosen(session).map_err(|e| e.said(session.lang))?;
            return Ok(true);
        }
        // Copies go out from the delivery thread, which writes no record the list
        // watches: while one of the chosen message's waits, they are read again.
        if let Some(o) =
            self.opened.as_mut().filter(|o| o.copies.iter().any(|c| c.status == Delivery::Waiting))
        {
            let copies = session.copies_of(&o.message).map_err(|e| e.said(session.lang))?;
            if copies != o.copies {
                o.copies = copies;
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn paste(&mut self, text: &str, _cx: &mut Cx<'_>) -> Outcome {
        self.list.paste(text)
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, cx: &RenderCx<'_>) {
        let t = cx.theme;
        let lang = cx.lang;
        let unread = self.list.items.iter().filter(|l| l.unread).count();
        let mut title = vec![Span::styled(
            format!(" {} · {} ", KEYS.heading.get(lang), self.list.items.len()),
            t.heading,
        )];
        if unread > 0 {
            title.push(Span::styled(format!(" {unread} {} ", lang.pick("uleste", "unread")), t.warning));
        }
        let block = pane_block(title, cx);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let detail_rows = if self.opened.is_none() || inner.height < 10 { 0 } else { inner.height / 2 };
        let [rows_area, detail_area, prompt_area] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(detail_rows),
            Constraint::Length(u16::from(self.list.prompt.is_some())),
        ])
        .areas(inner);
        if self.list.items.is_empty() {
            let none = Text::new(
                "Ingen meldinger ennå. n skriver en (til navn, rolle eller organisasjon).",
                "No messages yet. n writes one (to a name, a role or an organisation).",
            )
            .get(lang);
            f.render_widget(Paragraph::new(Span::styled(none, t.dim)).wrap(Wrap { trim: true }), rows_area);
        } else {
            let rows: Vec<Line<'static>> = self.list.items.iter().map(|l| row(l, lang, t)).collect();
            f.render_widget(Paragraph::new(list_window(rows, self.list.row, rows_area, cx)), rows_area);
        }
        if let (Some(o), true) = (&self.opened, detail_rows > 0) {
            f.render_widget(
                Paragraph::new(detail(o, lang, t, detail_area.width)).wrap(Wrap { trim: false }),
                detail_area,
            );
        }
        if let Some(asked) = &self.list.prompt {
            let to = |all: bool| match self.list.selected() {
                Some(l) if all => l.message.to.shown_within(40),
                Some(l) => l.message.author.clone(),
                None => String::new(),
            };
            let label = match asked.asking {
                // The hint first: a long list of names gives way, not the hint.
                Asking::To => lang.pick("Til (navn/rolle/org., +sms)", "To (name/role/org., +sms)"),
                Asking::Text => {
                    let copy = self.copy.as_ref().map(|c| format!(" +{c}")).unwrap_or_default();
                    crate::say!(
                        lang,
                        "Tekst (! haster) til {}{}",
                        "Text (! urgent) to {}{}",
                        self.to.as_ref().map(|a| a.shown_within(40)).unwrap_or_default(),
                        copy
                    )
                }
                Asking::Reply(all) => {
                    crate::say!(lang, "Svar (! haster, +sms) til {}", "Reply (! urgent, +sms) to {}", to(all))
                }
            };
            f.render_widget(Paragraph::new(asked.line(&label, t, prompt_area.width)), prompt_area);
        }
    }
}

/// One message in the list: unread mark, time, writer → addressees, urgency, text.
fn row(l: &Listed, lang: Lang, t: &super::theme::Theme) -> Line<'static> {
    let m = &l.message;
    let mut spans = vec![
        Span::styled(if l.unread { "● " } else { "  " }, t.warning),
        Span::styled(format!("{} ", m.sent_at.with_timezone(&Local).format("%H:%M")), t.dim),
        Span::styled(format!("{} → {}: ", safe_line(&m.author), safe_line(&m.to.shown())), t.author),
    ];
    if m.urgent {
        spans.push(Span::styled(format!("{} ", lang.pick("HASTER", "URGENT")), t.error));
    }
    let style = if l.unread { t.heading } else { t.base };
    spans.push(Span::styled(safe_line(&m.summary(200)).into_owned(), style));
    if m.reply_to.is_some() {
        spans.push(Span::styled(format!("  ↩ {}", lang.pick("svar", "reply")), t.dim));
    }
    Line::from(spans)
}

/// The chosen message in full: the thread, the text, who has read it, who not yet.
fn detail(o: &Opened, lang: Lang, t: &super::theme::Theme, width: u16) -> Vec<Line<'static>> {
    let m = &o.message;
    let mut lines = vec![Line::from(Span::styled("─".repeat(width as usize), t.border))];
    if o.thread.len() > 1 {
        for x in &o.thread {
            let here = if x.id == m.id { "▶ " } else { "  " };
            lines.push(Line::from(vec![
                Span::styled(here, t.key),
                Span::styled(
                    format!("{} {}: ", x.sent_at.with_timezone(&Local).format("%H:%M"), safe_line(&x.author)),
                    t.author,
                ),
                Span::styled(safe_line(&x.summary(120)).into_owned(), t.dim),
            ]));
        }
    }
    let from = if m.from_org.is_empty() {
        safe_line(&m.author).into_owned()
    } else {
        format!("{} ({})", safe_line(&m.author), safe_line(&m.from_org))
    };
    let journal = m.journal.map(|n| format!(" · journal {n}")).unwrap_or_default();
    // One line, however many it went to: the text below must stay in view.
    let mut head = vec![];
    if m.urgent {
        head.push(Span::styled(format!("{} ", lang.pick("HASTER", "URGENT")), t.error));
    }
    head.push(Span::styled(
        format!(
            "{} · [{}]{journal} · {} {from} → {}",
            m.sent_at.with_timezone(&Local).format("%d.%m %H:%M"),
            o.reference,
            lang.pick("fra", "from"),
            safe_line(&m.to.shown()),
        ),
        t.author,
    ));
    lines.push(super::widgets::cut(Line::from(head), width));
    lines.extend(m.text.lines().map(|l| Line::from(Span::styled(safe_line(l).into_owned(), t.base))));
    let read: Vec<String> = o
        .read
        .read
        .iter()
        .map(|r| format!("{} {}", safe_line(&r.reader), r.read_at.with_timezone(&Local).format("%H:%M")))
        .collect();
    let mut not_yet = o.read.unread.clone();
    not_yet.extend(o.read.orgs_unread.iter().cloned());
    let none = lang.pick("ingen", "no one");
    let said = |v: &[String]| if v.is_empty() { none.clone() } else { safe_line(&v.join(", ")).into_owned() };
    lines.push(Line::from(vec![
        Span::styled(format!("{}: ", lang.pick("Lest av", "Read by")), t.dim),
        Span::styled(said(&read), t.base),
    ]));
    if !not_yet.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", lang.pick("Ikke lest ennå", "Not read yet")), t.dim),
            Span::styled(said(&not_yet), t.warning),
        ]));
    }
    if !o.copies.is_empty() {
        lines.extend(copies_lines(&o.copies, lang, t).into_iter().map(|l| super::widgets::cut(l, width)));
    }
    lines
}

/// Where a message's copies stand: how many went, wait and did not; then, a line for
/// each reason, the copies that did not go (or wait) for it, by whom they were for.
fn copies_lines(copies: &[CopySent], lang: Lang, t: &super::theme::Theme) -> Vec<Line<'static>> {
    let (done, waiting, failed) = crate::domain::message_copy::tally(copies);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{}: ", lang.pick("Kopi", "Copies")), t.dim),
        Span::styled(
            crate::say!(
                lang,
                "{} levert, {} venter, {} ikke levert",
                "{} delivered, {} waiting, {} not delivered",
                done,
                waiting,
                failed
            ),
            t.base,
        ),
    ])];
    // Why, grouped: the same reason for forty people is one line, not forty.
    let mut why: Vec<(Delivery, &str, Vec<String>)> = Vec::new();
    for c in copies.iter().filter(|c| c.status != Delivery::Delivered && !c.note.is_empty()) {
        let who = format!("{} ({})", c.person, c.channel.name());
        match why.iter_mut().find(|(d, n, _)| *d == c.status && *n == c.note) {
            Some((_, _, people)) => people.push(who),
            None => why.push((c.status, &c.note, vec![who])),
        }
    }
    const SHOWN: usize = 4;
    for (status, note, people) in why.iter().take(SHOWN) {
        let style = if *status == Delivery::Waiting { t.dim } else { t.warning };
        let label = crate::i18n::Label::label(status).get(lang);
        lines.push(Line::from(vec![
            Span::styled(format!("  {label}: "), style),
            Span::styled(safe_line(note).into_owned(), style),
            Span::styled(format!(" — {}", safe_line(&people.join(", "))), t.base),
        ]));
    }
    if why.len() > SHOWN {
        let more = why.len() - SHOWN;
        let said = crate::say!(
            lang,
            "  +{} grunner til (sitroom message read)",
            "  +{} more reasons (sitroom message read)",
            more
        );
        lines.push(Line::from(Span::styled(said, t.dim)));
    }
    lines
}
