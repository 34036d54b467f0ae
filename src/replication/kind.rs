//! The kinds of record that replicate, each declared once in [`kinds!`] below: its
//! name in ops, whether it belongs to an incident or to the organisation, who may
//! change it and who may see it, which of its fields name other records, whether it
//! may change after its incident is closed, and what people call it. Op encoding,
//! the server's judgement (`authorize`) and the conflict view all read this table.
//! (The store's description of the table it lives in is in `store::replica`.)

use crate::domain::roles::Permission;
use crate::lang::Text;
use serde::{Deserialize, Serialize};

/// What a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// An incident: its ops carry the incident, whose organisation owns it.
    Incident,
    /// The organisation (contacts, resources): its ops carry the nil incident, and
    /// the server keeps which organisation owns each record.
    Organisation,
}

/// Whether a record is filed under a board or a message that names who sees it
/// (beyond the kind's permissions): the server sends it only to the board's readers
/// (takes changes only from its writers), or to the message's audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filed {
    /// No: the kind's permissions say it all.
    Apart,
    /// It is a board: it names its readers and writers itself.
    Board,
    /// It is on the board this field names (which never changes).
    OnBoard(&'static str),
    /// It is a message: it names its audience itself.
    Message,
    /// It belongs to the message this field names (a read receipt).
    OnMessage(&'static str),
}

/// Everything sitroom needs to know about a kind of record, beyond its table.
#[derive(Debug)]
pub struct KindSpec {
    pub kind: Kind,
    /// Its name in ops, on the wire and in the oplog: never changes.
    pub name: &'static str,
    pub scope: Scope,
    /// The permission to create or change records of the kind (some changes need
    /// more: see `authorize::needed`).
    pub change: Permission,
    /// The permission needed to *see* records of the kind, beyond belonging to the
    /// organisation: the server's pull leaves them out for anyone without it.
    pub read: Option<Permission>,
    /// Fields that name another record, and the kind that record must be. The named
    /// record must be on the server, in the same incident (or, for a record of no
    /// incident, of the same organisation).
    pub refs: &'static [(&'static str, Kind)],
    /// Whether records of the kind may still change once their incident is closed
    /// (the incident itself may: it is reopened).
    pub after_closing: bool,
    /// Whether a board or a message names who sees it.
    pub filed: Filed,
    /// What people call one.
    pub label: Text,
}

macro_rules! kinds {
    ($( $(#[$doc:meta])* $kind:ident { name: $name:literal, $($field:ident: $value:expr,)* } )*) => {
        /// The kinds of record that replicate. Drafts, per-user screen state and the
        /// local user list stay on their machine.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Kind {
            $( $(#[$doc])* #[serde(rename = $name)] $kind, )*
        }

        const SPECS: &[KindSpec] = &[ $( KindSpec { kind: Kind::$kind, name: $name, $($field: $value,)* }, )* ];

        impl Kind {
            pub const ALL: &'static [Kind] = &[ $(Kind::$kind,)* ];
        }
    };
}

use Permission::*;

kinds! {
    Incident {
        name: "incident",
        scope: Scope::Incident,
        change: ManageIncidents,
        read: None,
        refs: &[],
        after_closing: true,
        filed: Filed::Apart,
        label: Text::new("hendelse", "incident"),
    }
    /// Automatic entries come with the change they record; every role that may change
    /// anything may write the log.
    LogEntry {
        name: "log_entry",
        scope: Scope::Incident,
        change: WriteLog,
        read: None,
        refs: &[("corrects", Kind::LogEntry)],
        after_closing: false,
        filed: Filed::Apart,
        label: Text::new("loggføring", "log entry"),
    }
    Task {
        name: "task",
        scope: Scope::Incident,
        change: ManageTasks,
        read: None,
        refs: &[("links", Kind::LogEntry)],
        after_closing: false,
        filed: Filed::Apart,
        label: Text::new("oppgave", "task"),
    }
    Media {
        name: "media",
        scope: Scope::Incident,
        change: WorkMedia,
        read: None,
        refs: &[],
        after_closing: false,
        filed: Filed::Apart,
        label: Text::new("mediehenvendelse", "media inquiry"),
    }
    Report {
        name: "report",
        scope: Scope::Incident,
        change: WriteReports,
        read: None,
        refs: &[("root", Kind::Report), ("parent", Kind::Report)],
        after_closing: false,
        filed: Filed::Apart,
        label: Text::new("rapport", "report"),
    }
    Meeting {
        name: "meeting",
        scope: Scope::Incident,
        change: WriteLog,
        read: None,
        refs: &[("minutes_report", Kind::Report)],
        after_closing: false,
        filed: Filed::Apart,
        label: Text::new("møte", "meeting"),
    }
    /// An EPS registration (evacuees, next of kin): sensitive, sent only to those who
    /// may see it, and written only by them.
    Eps {
        name: "eps",
        scope: Scope::Incident,
        change: SeeEps,
        read: Some(SeeEps),
        refs: &[],
        after_closing: false,
        filed: Filed::Apart,
        label: Text::new("EPS-registrering", "EPS registration"),
    }
    Alert {
        name: "alert",
        scope: Scope::Incident,
        change: SendAlerts,
        read: None,
        refs: &[],
        after_closing: false,
        filed: Filed::Apart,
        label: Text::new("varsling", "alert"),
    }
    /// Someone on an alert: alerted or on standby, and their answer. Answers and
    /// escalations change recipients (see `authorize::needed`); who is alerted is part
    /// of sending.
    Recipient {
        name: "alert_recipient",
        scope: Scope::Incident,
        change: WriteLog,
        read: None,
        refs: &[("alert_id", Kind::Alert), ("contact_id", Kind::Contact)],
        after_closing: false,
        filed: Filed::Apart,
        label: Text::new("varslet", "alerted"),
    }
    /// The organisation's contacts: they belong to no incident.
    Contact {
        name: "contact",
        scope: Scope::Organisation,
        change: ManagePreparedness,
        read: None,
        refs: &[],
        after_closing: true,
        filed: Filed::Apart,
        label: Text::new("kontakt", "contact"),
    }
    /// The organisation's resources: they belong to no incident.
    Resource {
        name: "resource",
        scope: Scope::Organisation,
        change: ManagePreparedness,
        read: None,
        refs: &[],
        after_closing: true,
        filed: Filed::Apart,
        label: Text::new("ressurs", "resource"),
    }
    /// An information board, of an incident (the field `incident`) or standing for
    /// the organisation: a record of the organisation either way, seen by the roles it
    /// names.
    Board {
        name: "board",
        scope: Scope::Organisation,
        change: ManageBoards,
        read: None,
        refs: &[("incident", Kind::Incident)],
        after_closing: true,
        filed: Filed::Board,
        label: Text::new("informasjonstavle", "information board"),
    }
    /// A notice on a board, perhaps put up from a log entry.
    Notice {
        name: "notice",
        scope: Scope::Organisation,
        change: PostNotices,
        read: None,
        refs: &[("board_id", Kind::Board), ("entry_id", Kind::LogEntry)],
        after_closing: true,
        filed: Filed::OnBoard("board_id"),
        label: Text::new("oppslag", "notice"),
    }
    /// A key figure on a board; every change of its value is an op, so its history is
    /// the oplog's.
    Figure {
        name: "key_figure",
        scope: Scope::Organisation,
        change: PostNotices,
        read: None,
        refs: &[("board_id", Kind::Board)],
        after_closing: true,
        filed: Filed::OnBoard("board_id"),
        label: Text::new("nøkkeltall", "key figure"),
    }
    /// A message to people, roles or organisations, perhaps a reply; sent to its
    /// audience only, and never changed.
    Message {
        name: "message",
        scope: Scope::Organisation,
        change: SendMessages,
        read: Some(SendMessages),
        refs: &[("incident", Kind::Incident), ("reply_to", Kind::Message), ("entry_id", Kind::LogEntry)],
        after_closing: true,
        filed: Filed::Message,
        label: Text::new("melding", "message"),
    }
    /// That someone has read a message: made by the reader, seen by the message's
    /// audience.
    MessageRead {
        name: "message_read",
        scope: Scope::Organisation,
        change: SendMessages,
        read: Some(SendMessages),
        refs: &[("message_id", Kind::Message)],
        after_closing: true,
        filed: Filed::OnMessage("message_id"),
        label: Text::new("lesekvittering", "read receipt"),
    }
}

impl Kind {
    /// Its row in the table.
    pub fn spec(self) -> &'static KindSpec {
        &SPECS[self as usize]
    }

    /// Its name in ops, on the wire and in the oplog.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Records of the organisation rather than of an incident: their ops carry the nil
    /// incident, and the server keeps which organisation owns each.
    pub fn org_scoped(self) -> bool {
        self.spec().scope == Scope::Organisation
    }

    /// The board or message a new record of this kind is filed under (a board or a
    /// message under itself), from the create op: what the server keeps for who may
    /// see it. None for a kind filed apart, or an op that is not a create.
    pub fn filed_under(op: &super::Op) -> Option<uuid::Uuid> {
        if op.action != super::Action::Create {
            return None;
        }
        match op.kind.spec().filed {
            Filed::Apart => None,
            Filed::Board | Filed::Message => Some(op.entity),
            Filed::OnBoard(f) | Filed::OnMessage(f) => {
                op.field_str(f).and_then(|s| uuid::Uuid::parse_str(s).ok())
            }
        }
    }

    /// Whether a create op makes an item of the message journal (an e-mail taken in,
    /// an entry marked as incoming or outgoing, a media inquiry, an alert): the server
    /// numbers those per incident as it takes them in. Decided from the op alone, the
    /// same way on every server.
    pub fn journaled(op: &super::Op) -> bool {
        if op.action != super::Action::Create {
            return false;
        }
        match op.kind {
            Kind::Media | Kind::Alert => true,
            Kind::LogEntry => {
                let text = op.field_str("text").unwrap_or_default();
                // Tags are stored as words apart (left out of the op when they are the
                // ones typed in the text, which `deling` never is).
                let shared =
                    op.field_str("tags").is_some_and(|tags| tags.split_whitespace().any(|t| t == "deling"));
                op.field_str("kind") == Some("email")
                    || crate::domain::journal::marked(text).is_some()
                    || (shared && crate::domain::journal::shared(text).is_some())
            }
            _ => false,
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.name() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_the_order_of_the_kinds_and_names_round_trip() {
        for (i, k) in Kind::ALL.iter().enumerate() {
            assert_eq!(SPECS[i].kind, *k, "row {i}");
            assert_eq!(Kind::parse(k.name()), Some(*k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.name()),
                "the wire name is the name"
            );
        }
        assert_eq!(Kind::parse("explode"), None);
    }
}
