//! Messages (sende meldinger): written to people, to roles (everyone with the role in
//! the sender's organisation) or to other organisations (everyone of them), answered
//! in threads, and read receipts that say who has read one and who not yet. A message
//! once sent is never changed; a receipt is a record of its own, made by the reader.
//!
//! Who a message reaches is its *audience*: its writer, the users it names (account
//! names are the server's, one name one person across organisations), the holders of
//! the roles it names in the writer's organisation, and everyone of the organisations
//! it names. The sync server sends a message, its receipts and nothing else about it
//! to its audience only, judged from its own store.

use super::roles::Role;
use super::Invalid;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest a message may be.
pub const MAX_TEXT: usize = 4_000;
/// The most addressees one message may name.
pub const MAX_ADDRESSEES: usize = 64;

/// One person of the roster: the account name and the roles held.
pub type Person = (String, Vec<Role>);

/// Who a message is to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressees {
    pub users: Vec<String>,
    pub roles: Vec<Role>,
    pub orgs: Vec<String>,
}

impl Addressees {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.roles.is_empty() && self.orgs.is_empty()
    }

    /// How they read, for the log and the lists: "kari, kriseledelse, Larvik kommune".
    pub fn shown(&self) -> String {
        self.names().join(", ")
    }

    /// Every addressee by name: people, roles, organisations.
    fn names(&self) -> Vec<&str> {
        let users = self.users.iter().map(String::as_str);
        users.chain(self.roles.iter().map(|r| r.name())).chain(self.orgs.iter().map(String::as_str)).collect()
    }

    /// As [`Addressees::shown`], in about `chars` characters: whole names, and how many
    /// more there are ("bruker1, bruker2 +62"), never a name cut short.
    pub fn shown_within(&self, chars: usize) -> String {
        let all = self.names();
        let mut out = String::new();
        for (i, name) in all.iter().enumerate() {
            let more = all.len() - i;
            let sep = if i == 0 { "" } else { ", " };
            let tail = if more > 1 { format!(" +{}", more - 1).len() } else { 0 };
            if i > 0 && out.chars().count() + sep.len() + name.chars().count() + tail > chars {
                out.push_str(&format!(" +{more}"));
                return out;
            }
            out.push_str(sep);
            out.push_str(name);
        }
        out
    }

    /// A list as it is stored and sent: a JSON list of text, in order, each once.
    pub fn list(items: &[String]) -> String {
        serde_json::to_string(items).expect("names are strings")
    }

    /// A stored list back (anything else reads as empty).
    pub fn from_list(stored: &str) -> Vec<String> {
        serde_json::from_str(stored).unwrap_or_default()
    }

    pub fn role_list(roles: &[Role]) -> String {
        crate::domain::board::Audience::codes(roles)
    }

    /// The people of `roster` (the writer's organisation) it reaches: those it names,
    /// then the holders of the roles it names, or everyone of the roster when
    /// `everyone` (it is to that organisation); each once.
    pub fn people(&self, roster: &[Person], everyone: bool) -> Vec<String> {
        let mut people = self.users.clone();
        for (name, roles) in roster {
            if (everyone || roles.iter().any(|r| self.roles.contains(r))) && !people.contains(name) {
                people.push(name.clone());
            }
        }
        people
    }

    /// Does the message reach this person: `name` of organisation `org` with `roles`,
    /// where the message was written by `author` of `from_org`?
    pub fn reach(&self, author: &str, from_org: &str, name: &str, org: &str, roles: &[Role]) -> bool {
        author == name
            || self.users.iter().any(|u| u == name)
            || self.orgs.iter().any(|o| o == org)
            || (org == from_org && roles.iter().any(|r| self.roles.contains(r)))
    }
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: Uuid,
    /// The first message of its thread (itself for a first message).
    pub thread: Uuid,
    pub reply_to: Option<Uuid>,
    /// The incident it was written in (its id and number here), if any.
    pub incident: Option<(Uuid, Option<i64>)>,
    pub author: String,
    /// The writer's organisation, as the server certified it (empty without a server).
    pub from_org: String,
    pub to: Addressees,
    pub text: String,
    pub urgent: bool,
    /// A copy that went out by another channel ("e-post", "sms"), if asked for.
    pub copy: Option<String>,
    /// The log entry that logged it, and that entry's number in the message journal
    /// when this replica knows it.
    pub entry: Option<Uuid>,
    pub journal: Option<i64>,
    #[serde(with = "super::time::serde_ms")]
    pub sent_at: DateTime<Utc>,
}

impl Message {
    /// Its short reference, as lists show it and commands take it: the last eight hex
    /// digits of its id (random in a UUIDv7, so two in a thousand messages share one
    /// once in ten million).
    pub fn reference(&self) -> String {
        reference(self.id)
    }

    /// The first line, at most `chars` characters, for lists and the log.
    pub fn summary(&self, chars: usize) -> String {
        summary(&self.text, chars)
    }
}

pub fn reference(id: Uuid) -> String {
    let s = id.simple().to_string();
    s[s.len() - 8..].to_string()
}

pub fn summary(text: &str, chars: usize) -> String {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
    if first.chars().count() > chars {
        let cut: String = first.chars().take(chars.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        first.to_string()
    }
}

/// That someone has read a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub message: Uuid,
    pub reader: String,
    /// The reader's organisation, as the server certified it.
    pub org: String,
    #[serde(with = "super::time::serde_ms")]
    pub read_at: DateTime<Utc>,
}

/// Who has read a message and who not yet, of those it is known to reach.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadState {
    pub read: Vec<Receipt>,
    /// Those it reaches (named, or holding a role it names, by the roster this
    /// replica has) who have not read it.
    pub unread: Vec<String>,
    /// Organisations it went to of which no one has read it yet.
    pub orgs_unread: Vec<String>,
}

/// The read receipts of `message` against those it reaches: the named users and the
/// members of the roster (name, roles) with a role it names, the writer left out.
pub fn read_state(message: &Message, receipts: &[Receipt], roster: &[Person]) -> ReadState {
    let mut read: Vec<Receipt> = Vec::new();
    for r in receipts.iter().filter(|r| r.message == message.id && r.reader != message.author) {
        // The first receipt of each reader counts (two devices may each send one).
        if !read.iter().any(|x| x.reader == r.reader) {
            read.push(r.clone());
        }
    }
    read.sort_by_key(|r| r.read_at);
    let mut reached = message.to.people(roster, false);
    reached.retain(|n| *n != message.author && !read.iter().any(|r| &r.reader == n));
    reached.sort_by_cached_key(|n| crate::text::sort_key(n));
    let orgs_unread =
        message.to.orgs.iter().filter(|o| !read.iter().any(|r| &r.org == *o)).cloned().collect();
    ReadState { read, unread: reached, orgs_unread }
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub to: Addressees,
    pub text: String,
    pub urgent: bool,
    pub copy: Option<String>,
    pub reply_to: Option<Uuid>,
}

impl NewMessage {
    /// Trimmed and normalised; refused when it is to no one, empty, too long, or names
    /// too many.
    pub fn validated(mut self) -> Result<NewMessage, Invalid> {
        self.text = crate::text::nfc(self.text.trim());
        if self.text.is_empty() {
            return Err(Invalid::new("meldingen er tom", "the message is empty"));
        }
        if self.text.chars().count() > MAX_TEXT {
            return Err(Invalid::new(
                format!("en melding er høyst {MAX_TEXT} tegn"),
                format!("a message is at most {MAX_TEXT} characters"),
            ));
        }
        for list in [&mut self.to.users, &mut self.to.orgs] {
            for s in list.iter_mut() {
                *s = crate::text::nfc(s.trim());
            }
            list.retain(|s| !s.is_empty());
            let mut seen = Vec::new();
            list.retain(|s| {
                let new = !seen.contains(s);
                seen.push(s.clone());
                new
            });
        }
        self.to.roles.sort();
        self.to.roles.dedup();
        if self.to.roles.contains(&Role::Gjest) {
            return Err(Invalid::new(
                "gjester kan ikke lese meldinger; send til en annen rolle eller til personen",
                "guests cannot read messages; send to another role or to the person",
            ));
        }
        if self.to.is_empty() {
            return Err(Invalid::new(
                "meldingen er ikke til noen; skriv hvem den skal til (navn, rolle eller organisasjon)",
                "the message is to no one; say who it is to (a name, a role or an organisation)",
            ));
        }
        let n = self.to.users.len() + self.to.roles.len() + self.to.orgs.len();
        if n > MAX_ADDRESSEES {
            return Err(Invalid::new(
                format!("en melding kan ha høyst {MAX_ADDRESSEES} mottakere; send til en rolle i stedet"),
                format!("a message may name at most {MAX_ADDRESSEES} addressees; send to a role instead"),
            ));
        }
        if let Some(copy) = &self.copy {
            self.copy = Some(super::message_copy::parse(copy)?);
        }
        let bad = |s: &String| s.chars().any(char::is_control) || s.chars().count() > 120;
        if self.to.users.iter().chain(&self.to.orgs).any(bad) {
            return Err(Invalid::new(
                "en mottaker er ett navn på én linje",
                "an addressee is one name on one line",
            ));
        }
        Ok(self)
    }
}

/// The text of the log entry that logs a message: marked as outgoing to its
/// addressees (or incoming from its writer), so the message journal numbers it, and
/// the whole message after it, every line: the log is the record of what was said.
pub fn log_text(out: bool, party: &str, text: &str, urgent: bool) -> String {
    let party: String = party.chars().filter(|c| *c != ':').collect();
    let hast = if urgent { "HASTER: " } else { "" };
    format!("{} {party}: {hast}{}", if out { '>' } else { '<' }, text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(to: Addressees) -> Message {
        Message {
            id: Uuid::now_v7(),
            thread: Uuid::nil(),
            reply_to: None,
            incident: None,
            author: "kari".into(),
            from_org: "Sandefjord kommune".into(),
            to,
            text: "Møte i kriseledelsen kl 14\nsted: rådhuset".into(),
            urgent: false,
            copy: None,
            entry: None,
            journal: None,
            sent_at: Utc::now(),
        }
    }

    #[test]
    fn a_message_reaches_its_writer_names_role_holders_of_its_organisation_and_named_organisations() {
        let to = Addressees {
            users: vec!["per".into()],
            roles: vec![Role::Kriseledelse],
            orgs: vec!["Larvik kommune".into()],
        };
        let from = "Sandefjord kommune";
        assert!(to.reach("kari", from, "kari", from, &[]));
        assert!(to.reach("kari", from, "per", "Larvik kommune", &[]), "a name is the server's");
        assert!(to.reach("kari", from, "ola", from, &[Role::Kriseledelse]));
        assert!(
            !to.reach("kari", from, "ola", "Tønsberg kommune", &[Role::Kriseledelse]),
            "the role is ours"
        );
        assert!(to.reach("kari", from, "anne", "Larvik kommune", &[Role::Gjest]));
        assert!(!to.reach("kari", from, "ola", from, &[Role::Loggforer]));
    }

    #[test]
    fn read_receipts_say_who_has_read_and_who_not_yet() {
        let mut m =
            message(Addressees { users: vec!["per".into()], roles: vec![Role::Kriseledelse], orgs: vec![] });
        m.to.orgs.push("Larvik kommune".into());
        let roster = vec![
            ("kari".to_string(), vec![Role::Kriseledelse]),
            ("ola".to_string(), vec![Role::Kriseledelse]),
            ("åse".to_string(), vec![Role::Kriseledelse, Role::Eps]),
            ("per".to_string(), vec![Role::Loggforer]),
            ("zoe".to_string(), vec![Role::Loggforer]),
        ];
        let at = Utc::now();
        let receipt = |reader: &str| Receipt {
            message: m.id,
            reader: reader.into(),
            org: "Sandefjord kommune".into(),
            read_at: at,
        };
        let state = read_state(&m, &[receipt("ola"), receipt("ola")], &roster);
        assert_eq!(state.read.len(), 1, "one reader, however many devices");
        assert_eq!(
            state.unread,
            vec!["per".to_string(), "åse".to_string()],
            "the writer is left out; Norwegian order"
        );
        assert_eq!(state.orgs_unread, vec!["Larvik kommune".to_string()]);
    }

    #[test]
    fn a_new_message_needs_someone_to_go_to_and_some_text() {
        let m = |to: Addressees, text: &str| NewMessage {
            to,
            text: text.into(),
            urgent: false,
            copy: None,
            reply_to: None,
        };
        let per = Addressees { users: vec![" per ".into(), "per".into()], ..Default::default() };
        assert_eq!(m(per.clone(), " hei ").validated().unwrap().to.users, vec!["per".to_string()]);
        assert!(m(Addressees::default(), "hei").validated().unwrap_err().to_string().contains("to no one"));
        assert!(m(per.clone(), "  ").validated().is_err());
        assert!(m(per, &"x".repeat(MAX_TEXT + 1)).validated().is_err());
        let guests = Addressees { roles: vec![Role::Gjest], ..Default::default() };
        assert!(m(guests, "hei").validated().unwrap_err().to_string().contains("guests cannot read"));
    }

    #[test]
    fn many_addressees_are_shown_by_whole_names_and_how_many_more() {
        let users = (1..=64).map(|n| format!("bruker{n}")).collect();
        let to = Addressees { users, roles: vec![Role::Kriseledelse], ..Default::default() };
        let shown = to.shown_within(60);
        assert!(shown.starts_with("bruker1, bruker2") && shown.ends_with(" +59"), "{shown}");
        assert!(shown.split(", ").all(|n| n.starts_with("bruker")), "{shown}");
        assert!(shown.chars().count() <= 64, "{shown}");
        let few =
            Addressees { users: vec!["kari".into()], roles: vec![Role::Loggforer], ..Default::default() };
        assert_eq!(few.shown_within(60), "kari, loggfører");
    }

    #[test]
    fn the_log_line_is_marked_for_the_journal() {
        let line = log_text(true, "kriseledelse, per", "Evakuer Vestre Åsen\nmer tekst", true);
        assert_eq!(line, "> kriseledelse, per: HASTER: Evakuer Vestre Åsen\nmer tekst", "every line");
        let (dir, party) = crate::domain::journal::marked(&line).unwrap();
        assert_eq!((dir, party.as_str()), (crate::domain::journal::Direction::Out, "kriseledelse, per"));
        assert!(log_text(false, "kari: x", "hei", false).starts_with("< kari x: hei"));
    }
}
