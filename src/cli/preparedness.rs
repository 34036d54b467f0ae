//! The preparedness commands: contact, resource, alert, card, plan, ros, eps, exercise
//! and evaluation. Every write the TUI can do, and `--json` listings.

use super::output::Printer;
use crate::app::{AppError, FollowUp, MemberRef, RegisterImport, Session};
use crate::domain::alert::{Ack, Alert, AlertList};
use crate::domain::contact::{Availability, Contact, NewContact, NewResource, Resource};
use crate::domain::eps::{EpsKind, EpsStatus, NewRegistration, Registration};
use crate::domain::evaluation::{NewPoint, PointKind};
use crate::domain::plan::{tree, LinkKind, Plan};
use crate::domain::ros::{matrix_text, to_csv, to_markdown, RosEvent};
use crate::domain::time::parse_due;
use crate::store::{NewMeasure, NewPlan};
use crate::text::safe_line;
use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};
use clap::Subcommand;
use std::io::Write;
use std::path::{Path, PathBuf};

pub(super) type Out<'a> = &'a mut dyn Write;

#[derive(Debug)]
pub enum Failure {
    App(AppError),
    Io(std::io::Error),
}

impl<E: Into<AppError>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::App(e.into())
    }
}

pub(super) fn io(e: std::io::Error) -> Failure {
    Failure::Io(e)
}

pub(super) fn usage(s: String) -> Failure {
    Failure::App(AppError::Usage(s))
}

/// A date ("2027-03-01", end of that day, local time), a time today ("14:00") or an
/// RFC 3339 time.
pub(super) fn parse_date(s: &str) -> Result<DateTime<Utc>, Failure> {
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let t = d.and_hms_opt(23, 59, 59).expect("a valid time");
        return Local
            .from_local_datetime(&t)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| usage(format!("{s} is not a date here")));
    }
    parse_due(s, &Local::now()).map_err(|e| usage(format!("{e} (or a date: 2027-03-01)")))
}

fn read_input(file: &Path) -> Result<Vec<u8>, Failure> {
    if file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .map_err(|e| usage(format!("cannot read standard input: {e}")))?;
        return Ok(buf);
    }
    std::fs::read(file).map_err(|e| usage(format!("cannot read {}: {e}", file.display())))
}

pub(super) fn write_output(out: Out<'_>, file: Option<&Path>, text: &str) -> Result<(), Failure> {
    match file {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| usage(format!("cannot write {}: {e}", path.display())))
        }
        None => out.write_all(text.as_bytes()).map_err(io),
    }
}

/// Write sensitive data to a file only its owner can read, from the first byte.
fn write_private(path: &Path, text: &str) -> Result<(), Failure> {
    let fail = |e: std::io::Error| usage(format!("cannot write {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // A file that was already there keeps its mode on open: narrow it first.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
        }
    }
    let mut f = options.open(path).map_err(fail)?;
    f.write_all(text.as_bytes()).map_err(fail)?;
    f.sync_all().map_err(fail)
}

pub(super) fn json(out: Out<'_>, value: &impl serde::Serialize) -> Result<(), Failure> {
    writeln!(out, "{}", serde_json::to_string(value).expect("plain data")).map_err(io)
}

/// `value` as JSON with `--json`, else as `plain` prints it for people.
pub(super) fn either<T: serde::Serialize>(
    out: Out<'_>,
    p: &Printer,
    value: &T,
    plain: impl FnOnce(Out<'_>) -> Result<(), Failure>,
) -> Result<(), Failure> {
    if p.json {
        json(out, value)
    } else {
        plain(out)
    }
}

// ---- contacts -----------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum ContactCmd {
    /// Add a contact; prints its number
    Add {
        #[arg(long)]
        name: String,
        #[arg(long = "org", default_value = "")]
        organisation: String,
        /// What they do: kommunedirektør, beredskapsleder …
        #[arg(long, default_value = "")]
        function: String,
        /// A phone number (repeat for more; the first gets SMS alerts)
        #[arg(long = "phone")]
        phones: Vec<String>,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        notes: String,
        /// A group (repeat, or separate with commas)
        #[arg(long = "group", value_delimiter = ',')]
        groups: Vec<String>,
    },
    /// List contacts (alphabetical, æ ø å last)
    List {
        /// Only this group
        #[arg(long)]
        group: Option<String>,
    },
    /// Search every field; all words must match, case and accents aside
    Search {
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Show one contact
    Show { number: i64 },
    /// Change a contact (given fields replace the old ones)
    Edit {
        number: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "org")]
        organisation: Option<String>,
        #[arg(long)]
        function: Option<String>,
        #[arg(long = "phone")]
        phones: Vec<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long = "group", value_delimiter = ',')]
        groups: Vec<String>,
    },
    /// Remove a contact that is on no alert list
    Remove { number: i64 },
    /// Import a CSV (comma or semicolon) or vCard file; nothing is stored if a row is bad
    Import {
        /// The file, or - for standard input
        file: PathBuf,
        /// Store the good rows even when some are bad (the bad ones are listed)
        #[arg(long)]
        skip_bad: bool,
    },
    /// Export every contact as CSV
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn print_contact(out: Out<'_>, c: &Contact) -> Result<(), Failure> {
    let mut line = format!("{:>4}  {}", c.number, safe_line(&c.name));
    for extra in [&c.function, &c.organisation] {
        if !extra.is_empty() {
            line.push_str(&format!(", {}", safe_line(extra)));
        }
    }
    if !c.phones.is_empty() {
        line.push_str(&format!("  tlf {}", safe_line(&c.phones.join(", "))));
    }
    if !c.email.is_empty() {
        line.push_str(&format!("  {}", safe_line(&c.email)));
    }
    if !c.groups.is_empty() {
        line.push_str(&format!("  [{}]", safe_line(&c.groups.join(", "))));
    }
    writeln!(out, "{line}").map_err(io)
}

fn print_import(out: Out<'_>, p: &Printer, r: &RegisterImport) -> Result<bool, Failure> {
    if p.json {
        json(out, r)?;
    } else {
        for bad in &r.rejected {
            writeln!(out, "line {}: {}", bad.line, safe_line(&bad.reason)).map_err(io)?;
        }
        if r.imported {
            writeln!(out, "{} added, {} already there, {} rejected", r.added, r.skipped, r.rejected.len())
                .map_err(io)?;
        } else {
            writeln!(
                out,
                "nothing imported: {} row(s) rejected; fix them, or import the good rows with --skip-bad",
                r.rejected.len()
            )
            .map_err(io)?;
        }
    }
    Ok(r.imported)
}

pub fn contact(s: &mut Session, cmd: ContactCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
    match cmd {
        ContactCmd::Add { name, organisation, function, phones, email, notes, groups } => {
            let c =
                s.add_contact(NewContact { name, organisation, function, phones, email, notes, groups })?;
            p.number_or_json(out, c.number, &c).map_err(io)?;
        }
        ContactCmd::List { group } => {
            let fold = |g: &str| crate::text::fold(g.trim());
            let list: Vec<Contact> = s
                .contacts()?
                .into_iter()
                .filter(|c| group.as_deref().is_none_or(|g| c.groups.iter().any(|h| fold(h) == fold(g))))
                .collect();
            either(out, p, &list, |out| list.iter().try_for_each(|c| print_contact(out, c)))?;
        }
        ContactCmd::Search { query, limit } => {
            let list = s.search_contacts(&query.join(" "), limit)?;
            either(out, p, &list, |out| list.iter().try_for_each(|c| print_contact(out, c)))?;
        }
        ContactCmd::Show { number } => {
            let c = s.contact(number)?;
            if p.json {
                json(out, &c)?;
            } else {
                print_contact(out, &c)?;
                if !c.notes.is_empty() {
                    writeln!(out, "      {}", crate::text::safe(&c.notes)).map_err(io)?;
                }
            }
        }
        ContactCmd::Edit { number, name, organisation, function, phones, email, notes, groups } => {
            let c = s.update_contact(number, |c| {
                if let Some(v) = name {
                    c.name = v;
                }
                if let Some(v) = organisation {
                    c.organisation = v;
                }
                if let Some(v) = function {
                    c.function = v;
                }
                if !phones.is_empty() {
                    c.phones = phones;
                }
                if let Some(v) = email {
                    c.email = v;
                }
                if let Some(v) = notes {
                    c.notes = v;
                }
                if !groups.is_empty() {
                    c.groups = groups;
                }
            })?;
            either(out, p, &c, |out| print_contact(out, &c))?;
        }
        ContactCmd::Remove { number } => {
            let c = s.remove_contact(number)?;
            p.number_or_json(out, c.number, &c).map_err(io)?;
        }
        ContactCmd::Import { file, skip_bad } => {
            let data = read_input(&file)?;
            let report = s.import_contacts(&data, skip_bad)?;
            return print_import(out, p, &report);
        }
        ContactCmd::Export { out: file } => write_output(out, file.as_deref(), &s.export_contacts()?)?,
    }
    Ok(true)
}

// ---- resources ----------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum ResourceCmd {
    /// Register a resource; prints its number
    Add {
        /// What it is: aggregat 40 kVA, feltsenger, satellittelefon …
        #[arg(long)]
        what: String,
        #[arg(long, default_value = "")]
        location: String,
        #[arg(long, default_value_t = 1)]
        quantity: i64,
        /// Who owns it or is the contact for it
        #[arg(long, default_value = "")]
        owner: String,
        /// tilgjengelig, i bruk, utilgjengelig
        #[arg(long, default_value = "tilgjengelig")]
        availability: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// List resources, or those matching a search
    List {
        #[arg(long)]
        search: Option<String>,
    },
    /// Change availability, quantity, location or owner
    Set {
        number: i64,
        #[arg(long)]
        availability: Option<String>,
        #[arg(long)]
        quantity: Option<i64>,
        #[arg(long)]
        location: Option<String>,
        #[arg(long)]
        owner: Option<String>,
    },
    /// Import resources from CSV; nothing is stored if a row is bad
    Import {
        file: PathBuf,
        #[arg(long)]
        skip_bad: bool,
    },
    /// Export every resource as CSV
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn print_resource(out: Out<'_>, r: &Resource) -> Result<(), Failure> {
    writeln!(
        out,
        "{:>4}  {:<13} {} × {}{}{}",
        r.number,
        r.availability.name(),
        r.quantity,
        safe_line(&r.what),
        if r.location.is_empty() { String::new() } else { format!(" @ {}", safe_line(&r.location)) },
        if r.owner.is_empty() { String::new() } else { format!("  ({})", safe_line(&r.owner)) },
    )
    .map_err(io)
}

pub fn resource(s: &mut Session, cmd: ResourceCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
    match cmd {
        ResourceCmd::Add { what, location, quantity, owner, availability, notes } => {
            let availability = Availability::parse(&availability)?;
            let r = s.add_resource(NewResource { what, location, quantity, owner, availability, notes })?;
            p.number_or_json(out, r.number, &r).map_err(io)?;
        }
        ResourceCmd::List { search } => {
            let words: Vec<String> = search
                .as_deref()
                .map(crate::text::fold)
                .unwrap_or_default()
                .split_whitespace()
                .map(String::from)
                .collect();
            let list: Vec<Resource> = s
                .resources()?
                .into_iter()
                .filter(|r| {
                    let hay =
                        crate::text::fold(&format!("{} {} {} {}", r.what, r.location, r.owner, r.notes));
                    words.iter().all(|w| hay.contains(w.as_str()))
                })
                .collect();
            either(out, p, &list, |out| list.iter().try_for_each(|r| print_resource(out, r)))?;
        }
        ResourceCmd::Set { number, availability, quantity, location, owner } => {
            let availability = availability.map(|a| Availability::parse(&a)).transpose()?;
            let r = s.update_resource(number, |r| {
                if let Some(a) = availability {
                    r.availability = a;
                }
                if let Some(q) = quantity {
                    r.quantity = q;
                }
                if let Some(l) = location {
                    r.location = l;
                }
                if let Some(o) = owner {
                    r.owner = o;
                }
            })?;
            either(out, p, &r, |out| print_resource(out, &r))?;
        }
        ResourceCmd::Import { file, skip_bad } => {
            let data = read_input(&file)?;
            let report = s.import_resources(&data, skip_bad)?;
            return print_import(out, p, &report);
        }
        ResourceCmd::Export { out: file } => write_output(out, file.as_deref(), &s.export_resources()?)?,
    }
    Ok(true)
}

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

fn print_alert_line(out: Out<'_>, a: &Alert) -> Result<(), Failure> {
    let t = a.tally();
    writeln!(
        out,
        "{:>3}  {}  «{}»  {} varslet: {} mottatt, {} kommer, {} kan ikke, {} ubesvart{}{}  – {}",
        a.number,
        a.sent_at.with_timezone(&Local).format("%d.%m %H:%M"),
        safe_line(&a.list),
        t.alerted,
        t.received,
        t.coming,
        t.cannot,
        t.unanswered,
        if t.not_delivered > 0 { format!(", {} ikke levert", t.not_delivered) } else { String::new() },
        if t.standby > 0 { format!(", {} i reserve", t.standby) } else { String::new() },
        safe_line(&a.message),
    )
    .map_err(io)
}

fn print_alert_full(out: Out<'_>, a: &Alert) -> Result<(), Failure> {
    print_alert_line(out, a)?;
    for r in &a.recipients {
        let state = match (r.alerted_at, r.ack) {
            (None, _) => "reserve".to_string(),
            (Some(_), Some(ack)) => ack.name().to_string(),
            (Some(_), None) if r.escalated => "ubesvart (erstattet)".to_string(),
            (Some(_), None) => "ubesvart".to_string(),
        };
        let sent: Vec<String> = r
            .sent
            .iter()
            .map(|m| {
                let note = if m.note.is_empty() { String::new() } else { format!(": {}", m.note) };
                format!("{} {} {}{}", m.channel.name(), m.address, m.status.name(), note)
            })
            .collect();
        // The messages are known where they were sent from; elsewhere, whether they
        // reached the person.
        let sent = match (r.alerted_at, sent.is_empty(), r.reached.as_str()) {
            (Some(_), true, "ikke levert")
                if r.phone.is_empty() && r.email.is_empty() && r.user.is_none() =>
            {
                "ikke levert: ingen telefon, e-post eller bruker".to_string()
            }
            (Some(_), true, "") => "sendt fra en annen sitroom".to_string(),
            (Some(_), true, reached) => reached.to_string(),
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

fn print_list(out: Out<'_>, l: &AlertList) -> Result<(), Failure> {
    writeln!(
        out,
        "{:>3}  {}  ({} medlemmer, svarfrist {} min){}",
        l.number,
        safe_line(&l.name),
        l.members.len(),
        l.escalate_after,
        if l.scenario.is_empty() { String::new() } else { format!("  [{}]", safe_line(&l.scenario)) }
    )
    .map_err(io)
}

pub fn alert(s: &mut Session, cmd: AlertCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
    match cmd {
        AlertCmd::ListNew { name, scenario, escalate_after } => {
            let l = s.create_alert_list(&name, &scenario, escalate_after)?;
            p.number_or_json(out, l.number, &l).map_err(io)?;
        }
        AlertCmd::Lists => {
            let lists = s.alert_lists()?;
            either(out, p, &lists, |out| lists.iter().try_for_each(|l| print_list(out, l)))?;
        }
        AlertCmd::ListShow { name } => {
            let l = s.alert_list(&name)?;
            if p.json {
                json(out, &l)?;
            } else {
                print_list(out, &l)?;
                for m in &l.members {
                    let how = if m.user.is_some() { "bruker" } else { "kontakt" };
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
            either(out, p, &l, |out| print_list(out, &l))?;
        }
        AlertCmd::MemberRemove { list, position } => {
            let l = s.remove_from_alert_list(&list, position)?;
            either(out, p, &l, |out| print_list(out, &l))?;
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
                    writeln!(
                        std::io::stderr(),
                        "sitroom: {} of {} alerted could not be reached (see `sitroom alert status {}`)",
                        t.not_delivered,
                        t.alerted,
                        a.number
                    )
                    .map_err(io)?;
                }
            }
        }
        AlertCmd::Status { incident, number } => {
            let incident = s.resolve_incident(incident)?;
            match number {
                Some(n) => {
                    let a = s.alert(&incident, n)?;
                    either(out, p, &serde_json::json!({ "alert": a, "tally": a.tally() }), |out| {
                        print_alert_full(out, &a)
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
                        all.iter().try_for_each(|a| print_alert_line(out, a))?;
                    }
                }
            }
        }
        AlertCmd::Ack { incident, number, who, answer } => {
            let incident = s.resolve_incident(incident)?;
            let ack = Ack::parse(&answer.join(" "))?;
            let (a, _) = s.answer_alert(&incident, number, who.as_deref(), ack)?;
            either(out, p, &a.tally(), |out| print_alert_line(out, &a))?;
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
                writeln!(out, "{} sent, {} not delivered, {} to try again", d.sent, d.failed, d.retry)
                    .map_err(io)?;
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
                    writeln!(
                        out,
                        "hendelse {} varsling {} fra {}: {}",
                        w.incident,
                        w.alert,
                        safe_line(&w.sent_by),
                        safe_line(&w.message)
                    )
                    .map_err(io)?;
                }
            }
        }
    }
    Ok(true)
}

// ---- cards --------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum CardCmd {
    /// The action cards
    List,
    /// One card with its checklist
    Show { name: String },
    /// Read cards from a file or a folder of .md/.toml files (replacing same-named ones)
    Import { path: PathBuf },
    /// Write a card as Markdown, to edit and import again
    Export {
        name: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Turn a card's items into tasks of the incident, and log it
    Activate {
        name: String,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// Activate even if it was activated in this incident before
        #[arg(long)]
        again: bool,
    },
}

pub fn card(s: &mut Session, cmd: CardCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
    match cmd {
        CardCmd::List => {
            let cards = s.cards()?;
            if p.json {
                json(out, &cards)?;
            } else {
                for c in cards {
                    writeln!(
                        out,
                        "{:<28} {}  ({} punkter)",
                        safe_line(&c.card.name),
                        safe_line(&c.card.title),
                        c.card.items.len()
                    )
                    .map_err(io)?;
                }
            }
        }
        CardCmd::Show { name } => {
            let c = s.card(&name)?;
            either(out, p, &c, |out| {
                write!(out, "{}", crate::text::safe(&c.card.to_markdown())).map_err(io)
            })?;
        }
        CardCmd::Import { path } => {
            let done = s.import_cards(&path)?;
            if p.json {
                let v: Vec<_> =
                    done.iter().map(|(n, new)| serde_json::json!({"name": n, "new": new})).collect();
                json(out, &v)?;
            } else {
                for (name, new) in done {
                    writeln!(out, "{} {}", safe_line(&name), if new { "added" } else { "replaced" })
                        .map_err(io)?;
                }
            }
        }
        CardCmd::Export { name, out: file } => {
            let c = s.card(&name)?;
            write_output(out, file.as_deref(), &c.card.to_markdown())?;
        }
        CardCmd::Activate { name, incident, again } => {
            let incident = s.resolve_incident(incident)?;
            let (tasks, entry) = s.activate_card(&incident, &name, again)?;
            if p.json {
                json(out, &tasks)?;
            } else {
                writeln!(out, "{}", safe_line(&entry.text)).map_err(io)?;
                p.tasks(out, &tasks).map_err(io)?;
            }
        }
    }
    Ok(true)
}

// ---- plans --------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum PlanCmd {
    /// Add a plan or, with --parent, a sub-plan; prints its number
    New {
        #[arg(long)]
        title: String,
        #[arg(long, value_name = "PLAN")]
        parent: Option<i64>,
        #[arg(long, default_value = "")]
        owner: String,
        /// When it must be revised: 2027-03-01
        #[arg(long, value_name = "DATE")]
        revise_by: Option<String>,
        #[arg(long, default_value = "")]
        text: String,
    },
    /// The plans as a tree; overdue revisions are marked
    List,
    /// One plan with its links
    Show { number: i64 },
    /// Record a revision today, and the next revision date
    Revise {
        number: i64,
        #[arg(long, value_name = "DATE")]
        next: Option<String>,
    },
    /// Link an alert list, a card or a resource to a plan
    Link {
        number: i64,
        #[arg(long)]
        alert_list: Option<String>,
        #[arg(long)]
        card: Option<String>,
        #[arg(long)]
        resource: Option<i64>,
    },
}

fn print_plan(out: Out<'_>, depth: usize, plan: &Plan) -> Result<(), Failure> {
    let now = Utc::now();
    let revise = match plan.revise_by {
        Some(d) if plan.overdue(now) => {
            format!("  REVISJON FORFALT {}", d.with_timezone(&Local).format("%d.%m.%Y"))
        }
        Some(d) => format!("  revideres innen {}", d.with_timezone(&Local).format("%d.%m.%Y")),
        None => String::new(),
    };
    let owner = if plan.owner.is_empty() { String::new() } else { format!("  ({})", safe_line(&plan.owner)) };
    writeln!(out, "{:>3}  {}{}{owner}{revise}", plan.number, "  ".repeat(depth), safe_line(&plan.title))
        .map_err(io)
}

pub fn plan(s: &mut Session, cmd: PlanCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
    match cmd {
        PlanCmd::New { title, parent, owner, revise_by, text } => {
            let revise_by = revise_by.map(|d| parse_date(&d)).transpose()?;
            let plan = s.create_plan(NewPlan { title, parent, owner, revised_at: None, revise_by, text })?;
            p.number_or_json(out, plan.number, &plan).map_err(io)?;
        }
        PlanCmd::List => {
            let plans = s.plans()?;
            if p.json {
                json(out, &plans)?;
            } else {
                for (depth, plan) in tree(&plans) {
                    print_plan(out, depth, plan)?;
                }
            }
        }
        PlanCmd::Show { number } => {
            let plan = s.plan(number)?;
            if p.json {
                json(out, &plan)?;
            } else {
                print_plan(out, 0, &plan)?;
                for l in &plan.links {
                    writeln!(out, "     {}: {}", l.kind.label(), safe_line(&l.target)).map_err(io)?;
                }
                if !plan.text.is_empty() {
                    writeln!(out, "\n{}", crate::text::safe(&plan.text)).map_err(io)?;
                }
            }
        }
        PlanCmd::Revise { number, next } => {
            let next = next.map(|d| parse_date(&d)).transpose()?;
            let plan = s.revise_plan(number, next)?;
            either(out, p, &plan, |out| print_plan(out, 0, &plan))?;
        }
        PlanCmd::Link { number, alert_list, card, resource } => {
            let mut plan = None;
            if let Some(l) = alert_list {
                plan = Some(s.link_plan(number, LinkKind::AlertList, &l)?);
            }
            if let Some(c) = card {
                plan = Some(s.link_plan(number, LinkKind::Card, &c)?);
            }
            if let Some(r) = resource {
                plan = Some(s.link_plan(number, LinkKind::Resource, &r.to_string())?);
            }
            let plan =
                plan.ok_or_else(|| usage("say what to link: --alert-list, --card or --resource".into()))?;
            either(out, p, &plan, |out| print_plan(out, 0, &plan))?;
        }
    }
    Ok(true)
}

// ---- ROS ----------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum RosCmd {
    /// Add an unwanted event, scored 1–5 for likelihood and consequence; prints its number
    Add {
        #[arg(long)]
        title: String,
        #[arg(long)]
        likelihood: i64,
        #[arg(long)]
        consequence: i64,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        vulnerabilities: String,
    },
    /// The register, highest risk first
    List,
    /// The 5×5 risk matrix (colours on a terminal; L/M/H letters always)
    Matrix {
        /// Never colour (also when NO_COLOR is set or the output is not a terminal)
        #[arg(long)]
        no_color: bool,
    },
    /// Score an event again
    Score {
        number: i64,
        #[arg(long)]
        likelihood: i64,
        #[arg(long)]
        consequence: i64,
    },
    /// Add an existing or proposed measure to an event
    Measure {
        event: i64,
        #[arg(long)]
        text: String,
        /// It is in place already (default: proposed)
        #[arg(long)]
        existing: bool,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
    },
    /// Make a measure a tracked task of the incident (owner and due date)
    Task {
        event: i64,
        measure: i64,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
    },
    /// Export the register as Markdown or CSV
    Export {
        #[arg(long, value_parser = ["md", "csv"], default_value = "md")]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn print_event(out: Out<'_>, e: &RosEvent) -> Result<(), Failure> {
    writeln!(
        out,
        "{:>3}  {:<7} {:>2} (S{} K{})  {}",
        e.number,
        e.level().name(),
        e.score(),
        e.likelihood,
        e.consequence,
        safe_line(&e.title)
    )
    .map_err(io)?;
    for m in &e.measures {
        writeln!(
            out,
            "       {}.{} {} ({}){}{}",
            e.number,
            m.number,
            safe_line(&m.text),
            if m.existing { "eksisterende" } else { "foreslått" },
            m.owner.as_deref().map(|o| format!(", {}", safe_line(o))).unwrap_or_default(),
            m.task.as_deref().map(|t| format!(" → oppgave {t}")).unwrap_or_default(),
        )
        .map_err(io)?;
    }
    Ok(())
}

pub fn ros(s: &mut Session, cmd: RosCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
    match cmd {
        RosCmd::Add { title, likelihood, consequence, description, vulnerabilities } => {
            let e = s.add_ros_event(&title, likelihood, consequence, &description, &vulnerabilities)?;
            p.number_or_json(out, e.number, &e).map_err(io)?;
        }
        RosCmd::List => {
            let all = s.ros_events()?;
            either(out, p, &all, |out| all.iter().try_for_each(|e| print_event(out, e)))?;
        }
        RosCmd::Matrix { no_color } => {
            let all = s.ros_events()?;
            if p.json {
                json(out, &crate::domain::ros::matrix(&all))?;
            } else {
                use std::io::IsTerminal;
                let colour =
                    !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
                write!(out, "{}", matrix_text(&all, colour)).map_err(io)?;
            }
        }
        RosCmd::Score { number, likelihood, consequence } => {
            let e = s.score_ros_event(number, likelihood, consequence)?;
            either(out, p, &e, |out| print_event(out, &e))?;
        }
        RosCmd::Measure { event, text, existing, owner, due } => {
            let due = due.map(|d| parse_date(&d)).transpose()?;
            let e = s.add_ros_measure(event, NewMeasure { text, existing, owner, due })?;
            either(out, p, &e, |out| print_event(out, &e))?;
        }
        RosCmd::Task { event, measure, incident, owner, due } => {
            let incident = s.resolve_incident(incident)?;
            let due = due.map(|d| parse_date(&d)).transpose()?;
            let (t, _) = s.ros_measure_to_task(&incident, event, measure, owner, due)?;
            p.task_created(out, &t).map_err(io)?;
        }
        RosCmd::Export { format, out: file } => {
            let all = s.ros_events()?;
            let text = if format == "csv" { to_csv(&all) } else { to_markdown(&all) };
            write_output(out, file.as_deref(), &text)?;
        }
    }
    Ok(true)
}

// ---- EPS ----------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum EpsCmd {
    /// Register an evacuee, an affected person, or an inquiry from next of kin; prints its number
    Add {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// evakuert, berørt or henvendelse
        #[arg(long)]
        kind: String,
        /// The person (for an inquiry: the one who asks)
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        born: String,
        #[arg(long, default_value = "")]
        phone: String,
        /// Where the person is now
        #[arg(long, default_value = "")]
        location: String,
        /// For an inquiry: whom it is about
        #[arg(long, default_value = "")]
        about: String,
        #[arg(long, default_value = "registrert")]
        status: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// The incident's registrations (EPS, kriseledelse and administrator only)
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Move a registration: registrert, savnet, ivaretatt, under oppfølging, avsluttet
    Status {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(required = true, num_args = 1..)]
        status: Vec<String>,
    },
    /// Export the registrations to a file (the export is logged)
    Export {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_parser = ["json", "csv"], default_value = "csv")]
        format: String,
    },
}

fn print_registration(out: Out<'_>, r: &Registration) -> Result<(), Failure> {
    let about = if r.about.is_empty() { String::new() } else { format!(" (om {})", safe_line(&r.about)) };
    writeln!(
        out,
        "{:>3}  {:<11} {:<16} {}{about}{}{}",
        r.number,
        r.kind.name(),
        r.status.name(),
        safe_line(&r.name),
        if r.location.is_empty() { String::new() } else { format!(" @ {}", safe_line(&r.location)) },
        r.handled_by.as_deref().map(|h| format!("  [{}]", safe_line(h))).unwrap_or_default(),
    )
    .map_err(io)
}

fn eps_csv(all: &[Registration]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "nr",
        "type",
        "navn",
        "født",
        "telefon",
        "sted",
        "gjelder",
        "status",
        "notater",
        "behandlet av",
        "registrert",
    ]);
    for r in all {
        let _ = w.write_record([
            r.number.to_string(),
            r.kind.name().into(),
            r.name.clone(),
            r.born.clone(),
            r.phone.clone(),
            r.location.clone(),
            r.about.clone(),
            r.status.name().into(),
            r.notes.clone(),
            r.handled_by.clone().unwrap_or_default(),
            crate::domain::time::rfc3339(r.created_at),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn eps(s: &mut Session, cmd: EpsCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
    match cmd {
        EpsCmd::Add { incident, kind, name, born, phone, location, about, status, notes } => {
            let incident = s.resolve_incident(incident)?;
            let new = NewRegistration {
                kind: EpsKind::parse(&kind)?,
                name,
                born,
                phone,
                location,
                about,
                status: EpsStatus::parse(&status)?,
                notes,
            };
            let (r, _) = s.add_eps_registration(&incident, new)?;
            p.number_or_json(out, r.number, &r).map_err(io)?;
        }
        EpsCmd::List { incident } => {
            let incident = s.resolve_incident(incident)?;
            let all = s.eps_registrations(&incident)?;
            either(out, p, &all, |out| all.iter().try_for_each(|r| print_registration(out, r)))?;
        }
        EpsCmd::Status { incident, number, status } => {
            let incident = s.resolve_incident(incident)?;
            let (r, _) = s.set_eps_status(&incident, number, EpsStatus::parse(&status.join(" "))?)?;
            either(out, p, &r, |out| print_registration(out, &r))?;
        }
        EpsCmd::Export { incident, out: file, format } => {
            let incident = s.resolve_incident(incident)?;
            let all = s.export_eps(&incident, &file.display().to_string())?;
            let text = if format == "json" {
                serde_json::to_string_pretty(&all).expect("plain data")
            } else {
                eps_csv(&all)
            };
            write_private(&file, &text)?;
            if !p.json {
                writeln!(
                    out,
                    "{} registrations written to {} (the export is logged)",
                    all.len(),
                    file.display()
                )
                .map_err(io)?;
            }
        }
    }
    Ok(true)
}

// ---- exercises and evaluation -------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum ExerciseCmd {
    /// Load an inject script into an exercise incident and start its clock now
    Start {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// Lines like `+00:05 Strømmen går i sentrum`, or TOML [[inject]] tables
        #[arg(long)]
        script: PathBuf,
    },
    /// The exercise clock and which injects are delivered
    Status {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Deliver injects as they fall due until all are delivered (the TUI does this too)
    Run,
    /// Deliver the injects due now, once
    Tick {
        /// As if it were this time (RFC 3339), for rehearsing a script
        #[arg(long, hide = true)]
        at: Option<String>,
    },
}

pub fn exercise(s: &mut Session, cmd: ExerciseCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
    match cmd {
        ExerciseCmd::Start { incident, script } => {
            let incident = s.resolve_incident(incident)?;
            let text = String::from_utf8(read_input(&script)?)
                .map_err(|_| usage("the script is not UTF-8 text".into()))?;
            let n = s.start_exercise(&incident, &text, Utc::now())?;
            either(out, p, &serde_json::json!({ "injects": n }), |out| {
                writeln!(out, "{n} injects; the exercise clock runs from now").map_err(io)
            })?;
            // Whatever is due at +00:00 goes in at once.
            s.deliver_injects(Utc::now())?;
        }
        ExerciseCmd::Status { incident } => {
            let incident = s.resolve_incident(incident)?;
            let run = s
                .exercise(&incident)?
                .ok_or_else(|| usage(format!("incident {} has no exercise running", incident.number)))?;
            let elapsed = (Utc::now() - run.started_at).num_seconds().max(0);
            if p.json {
                let v: Vec<_> = run
                    .injects
                    .iter()
                    .map(|(i, d)| serde_json::json!({"at": i.offset, "from": i.from, "text": i.text, "delivered": d.map(crate::domain::time::rfc3339)}))
                    .collect();
                json(
                    out,
                    &serde_json::json!({"started_at": crate::domain::time::rfc3339(run.started_at), "elapsed": elapsed, "injects": v}),
                )?;
            } else {
                writeln!(out, "øvelsesklokke {}", crate::domain::exercise::format_offset(elapsed))
                    .map_err(io)?;
                for (i, d) in &run.injects {
                    writeln!(
                        out,
                        "  {} {} {}",
                        if d.is_some() { "✓" } else { " " },
                        crate::domain::exercise::format_offset(i.offset),
                        safe_line(&crate::domain::exercise::entry_text(i))
                    )
                    .map_err(io)?;
                }
            }
        }
        ExerciseCmd::Run => loop {
            for e in s.deliver_injects(Utc::now())? {
                writeln!(out, "{}", safe_line(&e.text)).map_err(io)?;
                out.flush().map_err(io)?;
            }
            if s.store.running_exercises()?.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
        },
        ExerciseCmd::Tick { at } => {
            let now = match at {
                Some(a) => DateTime::parse_from_rfc3339(&a)
                    .map_err(|e| usage(format!("--at: {e}")))?
                    .with_timezone(&Utc),
                None => Utc::now(),
            };
            let entries = s.deliver_injects(now)?;
            if p.json {
                json(out, &entries)?;
            } else {
                for e in entries {
                    writeln!(out, "{}", safe_line(&e.text)).map_err(io)?;
                }
            }
        }
    }
    Ok(true)
}

#[derive(Subcommand, Debug)]
pub enum EvaluationCmd {
    /// Add a point: what went well (bra) or what to improve (forbedre); prints its number
    Add {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// bra or forbedre
        #[arg(long)]
        kind: String,
        /// The plan it concerns
        #[arg(long)]
        plan: Option<i64>,
        /// The ROS event it concerns
        #[arg(long)]
        ros: Option<i64>,
        /// Make the improvement a task
        #[arg(long)]
        task: bool,
        #[arg(long, requires = "task")]
        owner: Option<String>,
        #[arg(long, requires = "task", value_name = "DATE")]
        due: Option<String>,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// The incident's evaluation
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
}

pub fn evaluation(s: &mut Session, cmd: EvaluationCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
    match cmd {
        EvaluationCmd::Add { incident, kind, plan, ros, task, owner, due, text } => {
            let incident = s.resolve_incident(incident)?;
            let due = due.map(|d| parse_date(&d)).transpose()?;
            let point = NewPoint { kind: PointKind::parse(&kind)?, text: text.join(" "), plan, ros };
            let follow_up = task.then_some(FollowUp { owner, due });
            let (point, _) = s.add_evaluation_point(&incident, point, follow_up)?;
            p.number_or_json(out, point.number, &point).map_err(io)?;
        }
        EvaluationCmd::List { incident } => {
            let incident = s.resolve_incident(incident)?;
            let all = s.evaluation(&incident)?;
            if p.json {
                json(out, &all)?;
            } else {
                for pt in all {
                    let mut links = Vec::new();
                    if let Some(t) = pt.task {
                        links.push(format!("oppgave {t}"));
                    }
                    if let Some(pl) = pt.plan {
                        links.push(format!("plan {pl}"));
                    }
                    if let Some(r) = pt.ros {
                        links.push(format!("ROS {r}"));
                    }
                    let links =
                        if links.is_empty() { String::new() } else { format!("  [{}]", links.join(", ")) };
                    writeln!(out, "{:>3}  {:<8} {}{links}", pt.number, pt.kind.name(), safe_line(&pt.text))
                        .map_err(io)?;
                }
            }
        }
    }
    Ok(true)
}
