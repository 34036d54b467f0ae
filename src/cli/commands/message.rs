//! `sitroom message`: messages (sende meldinger) to people, roles and other
//! organisations, their threads and who has read them.

use crate::app::messages::Listed;
use crate::app::Session;
use crate::cli::error::{io, usage, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::domain::alert::Delivery;
use crate::domain::message::{Message, NewMessage};
use crate::domain::message_copy::CopySent;
use crate::i18n::Lang;
use crate::text::safe_line;
use chrono::Local;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum MessageCmd {
    /// Write a message (at most 4,000 characters, to at most 64 addressees); it is
    /// logged in the active incident (or --incident) as outgoing
    Send {
        /// Whom to: names, roles and organisations apart by commas
        /// ("kriseledelse, per, Larvik kommune"; `@name` is always a person)
        #[arg(long, value_name = "WHO")]
        to: String,
        /// Urgent (haster): those it reaches are notified
        #[arg(long)]
        urgent: bool,
        /// A copy by SMS or e-mail (sms, epost, begge) to each person it reaches here,
        /// at the phone or e-mail of the contact linked to them (`contact edit --account`)
        #[arg(long, value_name = "CHANNEL")]
        copy: Option<String>,
        /// The incident to log it in (default: the active one)
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// The message (the words are joined with spaces)
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// The messages to and from you, newest first (● unread)
    List {
        /// Only those you have not read
        #[arg(long)]
        unread: bool,
    },
    /// Show a message with its thread and who has read it, and say you have read it
    Read {
        /// The message's reference, as `message list` shows it
        reference: String,
        /// Look without saying you have read it
        #[arg(long)]
        no_mark: bool,
    },
    /// Answer a message (which says you have read it): to its writer, or with --all to
    /// everyone it went to
    Reply {
        /// The message's reference, as `message list` shows it
        reference: String,
        /// To the writer and everyone the message went to
        #[arg(long)]
        all: bool,
        /// Urgent (haster): those it reaches are notified
        #[arg(long)]
        urgent: bool,
        /// A copy by SMS or e-mail (sms, epost, begge), as for send
        #[arg(long, value_name = "CHANNEL")]
        copy: Option<String>,
        /// The incident to log it in (default: the active one)
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// The answer (the words are joined with spaces)
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
}

fn headline(m: &Message, lang: Lang) -> String {
    let urgent = if m.urgent { lang.pick("HASTER ", "URGENT ") } else { String::new() };
    format!(
        "{}  {} → {}: {urgent}{}",
        m.sent_at.with_timezone(&Local).format("%d.%m %H:%M"),
        safe_line(&m.author),
        safe_line(&m.to.shown()),
        safe_line(&m.summary(100)),
    )
}

fn print_sent(out: Out<'_>, sent: &Sent, lang: Lang) -> Result<(), crate::cli::error::CliError> {
    let m = &sent.listed.message;
    let journal = m.journal.map(|n| format!(" (journal {n})")).unwrap_or_default();
    writeln!(out, "{} {}{journal}", lang.pick("sendt", "sent"), m.reference()).map_err(io)?;
    writeln!(out, "  {}", headline(m, lang)).map_err(io)?;
    if m.entry.is_none() {
        let said = lang.pick(
            "  ikke loggført: ingen hendelse er aktiv (velg en med `sitroom incident use N`, eller --incident N)",
            "  not logged: no incident is active (choose one with `sitroom incident use N`, or --incident N)",
        );
        writeln!(out, "{said}").map_err(io)?;
    }
    print_copies(out, &sent.copies, lang)
}

/// Where a message's copies stand: counts, then each one that did not go, with why.
fn print_copies(out: Out<'_>, copies: &[CopySent], lang: Lang) -> Result<(), crate::cli::error::CliError> {
    if copies.is_empty() {
        return Ok(());
    }
    let (done, waiting, failed) = crate::domain::message_copy::tally(copies);
    let said = crate::say!(
        lang,
        "kopi: {} levert, {} venter, {} ikke levert",
        "copies: {} delivered, {} waiting, {} not delivered",
        done,
        waiting,
        failed
    );
    writeln!(out, "  {said}").map_err(io)?;
    const SHOWN: usize = 10;
    let missed: Vec<&CopySent> = copies.iter().filter(|c| c.status != Delivery::Delivered).collect();
    for c in missed.iter().take(SHOWN) {
        let to = if c.address.is_empty() { String::new() } else { format!(" ({})", c.address) };
        let why = if c.note.is_empty() { String::new() } else { format!(": {}", c.note) };
        let line = format!(
            "{} {} {}{to}: {}{why}",
            c.channel.name(),
            lang.pick("til", "to"),
            c.person,
            crate::i18n::Label::label(&c.status).get(lang)
        );
        writeln!(out, "    {}", safe_line(&line)).map_err(io)?;
    }
    if missed.len() > SHOWN {
        writeln!(out, "    +{}", missed.len() - SHOWN).map_err(io)?;
    }
    Ok(())
}

/// A message just sent as `--json` gives it: with its reference, as `list` does, and
/// its copies.
#[derive(serde::Serialize)]
struct Sent {
    #[serde(flatten)]
    listed: Listed,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    copies: Vec<CopySent>,
}

/// A message just sent, its copies delivered now (as `alert send` does): the command
/// ends knowing whether they went.
fn sent(s: &mut Session, m: Message) -> Result<Sent, crate::cli::error::CliError> {
    if m.copy.is_some() {
        s.deliver_alerts()?;
    }
    let copies = s.copies_of(&m)?;
    Ok(Sent { listed: Listed { reference: m.reference(), sent: true, unread: false, message: m }, copies })
}

/// A copy as typed ("e-post", "email", "SMS", "begge") in the form the app takes.
fn copy(typed: &str, lang: Lang) -> Result<String, crate::cli::error::CliError> {
    crate::domain::message_copy::parse(typed).map_err(|e| usage(e.said(lang).to_string()))
}

pub fn run(s: &mut Session, cmd: MessageCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        MessageCmd::Send { to, urgent, copy, incident, text } => {
            let to = s.addressees(&to)?;
            let copy = copy.map(|c| self::copy(&c, p.lang)).transpose()?;
            let new = NewMessage { to, text: text.join(" "), urgent, copy, reply_to: None };
            let m = s.send_message(new, incident)?;
            let m = sent(s, m)?;
            either(out, p, &m, |out| print_sent(out, &m, p.lang))?;
        }
        MessageCmd::List { unread } => {
            let listed = s.inbox(unread)?;
            either(out, p, &listed, |out| {
                if listed.is_empty() {
                    writeln!(out, "{}", p.lang.pick("ingen meldinger", "no messages")).map_err(io)?;
                }
                listed.iter().try_for_each(|l| {
                    let mark = if l.unread { '●' } else { ' ' };
                    writeln!(out, "{mark} {}  {}", l.reference, headline(&l.message, p.lang)).map_err(io)
                })
            })?;
        }
        MessageCmd::Read { reference, no_mark } => {
            let m = s.find_message(&reference)?;
            let opened = s.open_message(&m, !no_mark)?;
            either(out, p, &opened, |out| {
                let lang = p.lang;
                for t in &opened.thread {
                    let here = if t.id == m.id { '▶' } else { ' ' };
                    writeln!(out, "{here} {}  {}", t.reference(), headline(t, lang)).map_err(io)?;
                }
                writeln!(out).map_err(io)?;
                for line in m.text.lines() {
                    writeln!(out, "  {}", safe_line(line)).map_err(io)?;
                }
                writeln!(out).map_err(io)?;
                let read: Vec<String> = opened
                    .read
                    .read
                    .iter()
                    .map(|r| {
                        let org = if r.org.is_empty() || r.org == m.from_org {
                            String::new()
                        } else {
                            format!(" ({})", r.org)
                        };
                        format!("{}{org} {}", r.reader, r.read_at.with_timezone(&Local).format("%H:%M"))
                    })
                    .collect();
                let none = lang.pick("ingen", "no one");
                let or_none = |v: &[String]| {
                    if v.is_empty() {
                        none.to_string()
                    } else {
                        safe_line(&v.join(", ")).into_owned()
                    }
                };
                writeln!(out, "{}: {}", lang.pick("lest av", "read by"), or_none(&read)).map_err(io)?;
                let mut unread = opened.read.unread.clone();
                unread.extend(opened.read.orgs_unread.iter().cloned());
                writeln!(out, "{}: {}", lang.pick("ikke lest ennå", "not read yet"), or_none(&unread))
                    .map_err(io)?;
                print_copies(out, &opened.copies, lang)
            })?;
        }
        MessageCmd::Reply { reference, all, urgent, copy, incident, text } => {
            let m = s.find_message(&reference)?;
            let copy = copy.map(|c| self::copy(&c, p.lang)).transpose()?;
            let reply = s.reply_message(&m, &text.join(" "), urgent, all, copy, incident)?;
            let reply = sent(s, reply)?;
            either(out, p, &reply, |out| print_sent(out, &reply, p.lang))?;
        }
    }
    Ok(true)
}
