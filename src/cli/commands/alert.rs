//! `sitroom alert`: alert lists and alerting (varslingslister, varsling) with answers
//! and escalation

use crate::app::{MemberRef, Session};
use crate::cli::error::{io, usage, CliError, Out, Ran};
use crate::cli::output::{either, json, Printer};
use crate::domain::alert::{Ack, Alert, AlertList, Delivery};
use crate::i18n::{Label, Lang};
use crate::lang::Text;
use crate::text::safe_line;
use chrono::{Local, Utc};
use clap::Subcommand;
use std::io::Write;

// ---- alerts -------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum AlertCmd {
    /// Make an alert list (varslingsliste) for a scenario
    ListNew {
        name: String,
        #[arg(long, default_value = "")]
        scenario: String,
        /// Minutes to wait for an answer before the next of the role is alerted
        #[arg(long, default_value_t = 15)]
        escalate_after: i64,
    },
    /// The alert lists
    Lists,
    /// One list with its members in order
    ListShow { name: String },
    /// Put a contact or a user last on a list, in a role (the next with the same role is the deputy)
    MemberAdd {
        list: String,
        #[arg(long)]
        role: String,
        /// A contact (by number), reached by SMS and e-mail
        #[arg(long, required_unless_present = "app_user", conflicts_with = "app_user")]
        contact: Option<i64>,
        /// A user of sitroom (by name), reached in sitroom (not `--user`, which says who acts)
        #[arg(long, value_name = "NAME")]
        app_user: Option<String>,
    },
    /// Take the member at a place off a list
    MemberRemove { list: String, position: i64 },
    /// Alert a list from an incident; prints the alert's number. Messages go out at once
    /// unless --queue-only (then `alert deliver` sends them)
    Send {
        list: String,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        queue_only: bool,
        #[arg(required = true, num_args = 1.., value_name = "MESSAGE")]
        message: Vec<String>,
    },
    /// The incident's alerts with their tallies, or one alert in full
    Status {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: Option<i64>,
    },
    /// Record an answer: mottatt, kommer or kan ikke (yours, or --who NAME|PLACE)
    Ack {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(long)]
        who: Option<String>,
        #[arg(required = true, num_args = 1..)]
        answer: Vec<String>,
    },
    /// Alert the next of each role where no one answered in time
    Escalate,
    /// Send what waits in the outbox
    Deliver,
    /// Alerts sent to you that you have not answered
    Inbox,
}

pub fn print_alert_line(out: Out<'_>, a: &Alert, lang: Lang) -> Result<(), CliError> {
    let t = a.tally();
    let (alerted, received, coming, cannot, unanswered) =
        (t.alerted, t.received, t.coming, t.cannot, t.unanswered);
    let mut tally = crate::say!(
        lang,
        "{alerted} varslet: {received} mottatt, {coming} kommer, {cannot} kan ikke, {unanswered} ubesvart",
        "{alerted} alerted: {received} received, {coming} coming, {cannot} cannot come, {unanswered} unanswered"
    );
    let (not_delivered, standby) = (t.not_delivered, t.standby);
    if not_delivered > 0 {
        tally.push_str(&crate::say!(
            lang,
            ", {not_delivered} ikke levert",
            ", {not_delivered} not delivered"
        ));
    }
    if standby > 0 {
        tally.push_str(&crate::say!(lang, ", {standby} i reserve", ", {standby} in reserve"));
    }
    writeln!(
        out,
        "{:>3}  {}  «{}»  {tally}  – {}",
        a.number,
        a.sent_at.with_timezone(&Local).format("%d.%m %H:%M"),
        safe_line(&a.list),
        safe_line(&a.message),
    )
    .map_err(io)
}

pub fn print_alert_full(out: Out<'_>, a: &Alert, lang: Lang) -> Result<(), CliError> {
    print_alert_line(out, a, lang)?;
    for r in &a.recipients {
        let state = match (r.alerted_at, r.ack) {
            (None, _) => Text::new("reserve", "reserve"),
            (Some(_), Some(ack)) => ack.label(),
            (Some(_), None) if r.escalated => Text::new("ubesvart (erstattet)", "unanswered (replaced)"),
            (Some(_), None) => Text::new("ubesvart", "unanswered"),
        }
        .get(lang);
        let sent: Vec<String> = r
            .sent
            .iter()
            .map(|m| {
                let note = if m.note.is_empty() { String::new() } else { format!(": {}", m.note) };
                format!(
                    "{} {} {}{}",
                    m.channel.label().get(lang),
                    m.address,
                    m.status.label().get(lang),
                    note
                )
            })
            .collect();
        // The messages are known where they were sent from; elsewhere, whether they
        // reached the person.
        let reached = Delivery::parse(&r.reached).ok();
        let sent = match (r.alerted_at, sent.is_empty(), reached) {
            (Some(_), true, Some(Delivery::NotDelivered))
                if r.phone.is_empty() && r.email.is_empty() && r.user.is_none() =>
            {
                lang.pick(
                    "ikke levert: ingen telefon, e-post eller bruker",
                    "not delivered: no phone, e-mail or user",
                )
            }
            (Some(_), true, None) if r.reached.is_empty() => {
                lang.pick("sendt fra en annen sitroom", "sent from another sitroom")
            }
            (Some(_), true, Some(reached)) => reached.label().get(lang).to_string(),
            (Some(_), true, None) => r.reached.clone(),
            _ => sent.join("; "),
        };
        writeln!(
            out,
            "     {:>3}. {:<18} {:<24} {:<22} {}",
            r.position,
            safe_line(&r.role),
            safe_line(&r.name),
            state,
            safe_line(&sent)
        )
        .map_err(io)?;
    }
    Ok(())
}

pub fn print_list(out: Out<'_>, l: &AlertList, lang: crate::i18n::Lang) -> Result<(), CliError> {
    let (members, wait) = (l.members.len(), l.escalate_after);
    let about = crate::say!(
        lang,
        "{members} medlemmer, svarfrist {wait} min",
        "{members} members, {wait} min to answer"
    );
    let scenario =
        if l.scenario.is_empty() { String::new() } else { format!("  [{}]", safe_line(&l.scenario)) };
    writeln!(out, "{:>3}  {}  ({about}){scenario}", l.number, safe_line(&l.name)).map_err(io)
}

pub fn run(s: &mut Session, cmd: AlertCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        AlertCmd::ListNew { name, scenario, escalate_after } => {
            let l = s.create_alert_list(&name, &scenario, escalate_after)?;
            p.number_or_json(out, l.number, &l).map_err(io)?;
        }
        AlertCmd::Lists => {
            let lists = s.alert_lists()?;
            either(out, p, &lists, |out| lists.iter().try_for_each(|l| print_list(out, l, p.lang)))?;
        }
        AlertCmd::ListShow { name } => {
            let l = s.alert_list(&name)?;
            if p.json {
                json(out, &l)?;
            } else {
                print_list(out, &l, p.lang)?;
                for m in &l.members {
                    let how = if m.user.is_some() {
                        p.lang.pick("bruker", "user")
                    } else {
                        p.lang.pick("kontakt", "contact")
                    };
                    writeln!(
                        out,
                        "     {:>3}. {:<20} {} ({how})",
                        m.position,
                        safe_line(&m.role),
                        safe_line(&m.name)
                    )
                    .map_err(io)?;
                }
            }
        }
        AlertCmd::MemberAdd { list, role, contact, app_user } => {
            let who = match (contact, app_user) {
                (Some(c), _) => MemberRef::Contact(c),
                (None, Some(u)) => MemberRef::User(u),
                (None, None) => return Err(usage("say --contact N or --app-user NAME".into())),
            };
            let l = s.add_to_alert_list(&list, &role, who)?;
            either(out, p, &l, |out| print_list(out, &l, p.lang))?;
        }
        AlertCmd::MemberRemove { list, position } => {
            let l = s.remove_from_alert_list(&list, position)?;
            either(out, p, &l, |out| print_list(out, &l, p.lang))?;
        }
        AlertCmd::Send { list, incident, queue_only, message } => {
            let incident = s.resolve_incident(incident)?;
            let (a, _) = s.send_alert(&incident, &list, &message.join(" "))?;
            if !queue_only {
                s.deliver_alerts()?;
                // Whoever could not be reached at all is replaced by their deputy now.
                if !s.escalate_due(chrono::Utc::now())?.is_empty() {
                    s.deliver_alerts()?;
                }
            }
            let a = s.alert(&incident, a.number)?;
            if p.json {
                json(out, &a)?;
            } else {
                writeln!(out, "{}", a.number).map_err(io)?;
                let t = a.tally();
                if t.not_delivered > 0 {
                    let (missed, alerted, n) = (t.not_delivered, t.alerted, a.number);
                    let said = crate::say!(
                        p.lang,
                        "sitroom: {missed} av {alerted} varslede kunne ikke nås (se `sitroom alert status {n}`)",
                        "sitroom: {missed} of {alerted} alerted could not be reached (see `sitroom alert status {n}`)"
                    );
                    writeln!(std::io::stderr(), "{said}").map_err(io)?;
                }
            }
        }
        AlertCmd::Status { incident, number } => {
            let incident = s.resolve_incident(incident)?;
            match number {
                Some(n) => {
                    let a = s.alert(&incident, n)?;
                    either(out, p, &serde_json::json!({ "alert": a, "tally": a.tally() }), |out| {
                        print_alert_full(out, &a, p.lang)
                    })?;
                }
                None => {
                    let all = s.alerts(&incident)?;
                    if p.json {
                        let v: Vec<_> = all
                            .iter()
                            .map(|a| serde_json::json!({ "alert": a, "tally": a.tally() }))
                            .collect();
                        json(out, &v)?;
                    } else {
                        all.iter().try_for_each(|a| print_alert_line(out, a, p.lang))?;
                    }
                }
            }
        }
        AlertCmd::Ack { incident, number, who, answer } => {
            let incident = s.resolve_incident(incident)?;
            let ack = Ack::parse(&answer.join(" "))?;
            let (a, _) = s.answer_alert(&incident, number, who.as_deref(), ack)?;
            either(out, p, &a.tally(), |out| print_alert_line(out, &a, p.lang))?;
        }
        AlertCmd::Escalate => {
            let entries = s.escalate_due(Utc::now())?;
            s.deliver_alerts()?;
            if p.json {
                json(out, &entries)?;
            } else {
                for e in entries {
                    writeln!(out, "{}", safe_line(&e.text)).map_err(io)?;
                }
            }
        }
        AlertCmd::Deliver => {
            let d = s.deliver_alerts()?;
            if p.json {
                json(out, &d)?;
            } else {
                let said = crate::say!(
                    p.lang,
                    "{} sendt, {} ikke levert, {} prøves igjen",
                    "{} sent, {} not delivered, {} to try again",
                    d.sent,
                    d.failed,
                    d.retry
                );
                writeln!(out, "{said}").map_err(io)?;
            }
        }
        AlertCmd::Inbox => {
            let waiting = s.waiting_alerts()?;
            if p.json {
                let v: Vec<_> = waiting
                    .iter()
                    .map(|w| {
                        serde_json::json!({"incident": w.incident, "alert": w.alert, "message": w.message,
                            "sent_by": w.sent_by, "sent_at": crate::domain::time::rfc3339(w.sent_at)})
                    })
                    .collect();
                json(out, &v)?;
            } else {
                for w in waiting {
                    let (i, a, by, message) =
                        (w.incident, w.alert, safe_line(&w.sent_by), safe_line(&w.message));
                    let said = crate::say!(
                        p.lang,
                        "hendelse {i} varsling {a} fra {by}: {message}",
                        "incident {i} alert {a} from {by}: {message}"
                    );
                    writeln!(out, "{said}").map_err(io)?;
                }
            }
        }
    }
    Ok(true)
}
