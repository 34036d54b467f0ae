//! Alerting and mobilisation (varsling, mobilisering). An alert list names, in order,
//! who fills each role in a scenario: the first of each role is alerted at once, the
//! next of that role when the one before cannot come or has not answered in time.
//! Pure rules here: who is next, the tally of answers, and how long a text message may
//! be.

use super::codes::codes;
use super::Invalid;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

codes! {
    /// An answer to an alert.
    pub enum Ack: "svar" / "answer", "answers" {
        Received = "mottatt" | "received" | "ok" | "1",
        Coming = "kommer" | "coming" | "2",
        CannotCome = "kan ikke" | "kanikke" | "cannot" | "cannot come" | "no" | "3",
    }
}

codes! {
    /// How a message reaches someone.
    pub enum Channel: "kanal" / "channel", "channels" {
        /// Users of this installation: shown in sitroom at once.
        App = "app",
        Email = "e-post" | "email",
        Sms = "sms",
    }
}

codes! {
    /// Where a message stands in the outbox.
    pub enum Delivery: "leveringsstatus" / "delivery status", "statuses" {
        Waiting = "venter",
        Delivered = "levert",
        NotDelivered = "ikke levert",
    }
}

/// A member of an alert list: a contact (reached by SMS and e-mail) or a user of this
/// installation (reached in sitroom).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub position: i64,
    pub role: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertList {
    pub id: Uuid,
    pub number: i64,
    pub name: String,
    pub scenario: String,
    /// Minutes to wait for an answer before the next of the role is alerted.
    pub escalate_after: i64,
    pub members: Vec<Member>,
}

/// One message to one recipient through one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    pub channel: Channel,
    pub address: String,
    pub status: Delivery,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// Someone on the list, as the alert stands for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub id: Uuid,
    pub position: i64,
    pub role: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// None: on standby, not alerted (yet).
    #[serde(with = "super::time::serde_ms_opt")]
    pub alerted_at: Option<DateTime<Utc>>,
    pub ack: Option<Ack>,
    #[serde(with = "super::time::serde_ms_opt")]
    pub ack_at: Option<DateTime<Utc>>,
    pub ack_by: Option<String>,
    /// The next of the role has been alerted in this one's place.
    pub escalated: bool,
    /// Whether the messages reached them, as the sending replica knows it (see
    /// [`reached`]): the same on every replica.
    pub reached: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// Each message and how it went: known to the replica that sent them.
    pub sent: Vec<Sent>,
}

impl Recipient {
    /// Alerted, and no message reached them and none is still on its way.
    pub fn not_delivered(&self) -> bool {
        self.alerted_at.is_some() && self.reached == NOT_REACHED
    }
}

pub const REACHED: &str = "levert";
pub const NOT_REACHED: &str = "ikke levert";

/// Whether someone was reached by these messages: `levert` once one arrived, `ikke
/// levert` when none could (or there was none to send), and empty while some are still
/// on their way.
pub fn reached(sent: &[Sent]) -> &'static str {
    if sent.iter().any(|s| s.status == Delivery::Delivered) {
        REACHED
    } else if sent.iter().all(|s| s.status == Delivery::NotDelivered) {
        NOT_REACHED
    } else {
        ""
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: Uuid,
    pub incident: i64,
    pub number: i64,
    pub list: String,
    pub message: String,
    pub escalate_after: i64,
    #[serde(with = "super::time::serde_ms")]
    pub sent_at: DateTime<Utc>,
    pub sent_by: String,
    pub recipients: Vec<Recipient>,
}

/// The answers so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub alerted: usize,
    pub received: usize,
    pub coming: usize,
    pub cannot: usize,
    pub unanswered: usize,
    pub not_delivered: usize,
    pub standby: usize,
}

impl Alert {
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for r in &self.recipients {
            if r.alerted_at.is_none() {
                t.standby += 1;
                continue;
            }
            t.alerted += 1;
            match r.ack {
                Some(Ack::Received) => t.received += 1,
                Some(Ack::Coming) => t.coming += 1,
                Some(Ack::CannotCome) => t.cannot += 1,
                None => t.unanswered += 1,
            }
            if r.not_delivered() {
                t.not_delivered += 1;
            }
        }
        t
    }

    /// Who must be alerted now: for each role, when the last one alerted cannot come,
    /// could not be reached, or has not answered within `escalate_after` minutes, the
    /// next of that role who has not been alerted. Pairs of (in place of, next), by list position.
    pub fn escalations(&self, now: DateTime<Utc>) -> Vec<(i64, i64)> {
        let wait = Duration::minutes(self.escalate_after.max(0));
        let mut out = Vec::new();
        let mut roles: Vec<&str> = self.recipients.iter().map(|r| r.role.as_str()).collect();
        roles.dedup();
        let mut seen = std::collections::HashSet::new();
        for role in roles.into_iter().filter(|r| seen.insert(*r)) {
            let chain: Vec<&Recipient> = self.recipients.iter().filter(|r| r.role == role).collect();
            let Some(last) = chain.iter().rev().find(|r| r.alerted_at.is_some()) else { continue };
            if last.escalated {
                continue;
            }
            let due = match (last.ack, last.alerted_at) {
                (Some(Ack::CannotCome), _) => true,
                // No message could reach them: waiting for an answer is waiting in vain.
                (None, Some(_)) if last.not_delivered() => true,
                (None, Some(at)) => now - at >= wait,
                _ => false,
            };
            let next = chain.iter().find(|r| r.alerted_at.is_none() && r.position > last.position);
            if let (true, Some(next)) = (due, next) {
                out.push((last.position, next.position));
            }
        }
        out
    }
}

/// Who is alerted first: the first member of each role, in list order.
pub fn first_of_each_role(members: &[Member]) -> Vec<i64> {
    let mut seen = std::collections::HashSet::new();
    members.iter().filter(|m| seen.insert(m.role.as_str())).map(|m| m.position).collect()
}

// ---- text messages ------------------------------------------------------------------

/// The GSM 03.38 alphabet a text message is written in when it can be: 160 characters
/// fit in one message. Æ, Ø and Å are in it; an emoji or a curly quote is not, and then
/// the whole message goes as UCS-2, where only 70 fit.
const GSM7: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters of the extension table: each takes two of the 160.
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// The length of a text as one SMS counts it, and the most one SMS holds.
pub fn sms_length(text: &str) -> (usize, usize) {
    let mut units = 0;
    for c in text.chars() {
        if GSM7.contains(c) {
            units += 1;
        } else if GSM7_EXTENDED.contains(c) {
            units += 2;
        } else {
            return (text.encode_utf16().count(), 70);
        }
    }
    (units, 160)
}

/// A message that must fit one SMS: refused with the count when it does not.
pub fn check_sms(text: &str) -> Result<(), Invalid> {
    let (length, most) = sms_length(text);
    if length > most {
        let why = if most == 70 {
            " (it has characters outside the SMS alphabet, such as emoji or curly quotes, so only 70 fit)"
        } else {
            ""
        };
        return Err(Invalid::new(
            format!("meldingen er {length} tegn; én SMS rommer {most}{why}: gjør den kortere"),
            format!("the message is {length} characters; one SMS holds {most}{why}: make it shorter"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(min)
    }

    fn recipient(position: i64, role: &str, alerted: Option<i64>, ack: Option<Ack>) -> Recipient {
        Recipient {
            id: Uuid::nil(),
            position,
            role: role.into(),
            name: format!("p{position}"),
            user: None,
            alerted_at: alerted.map(at),
            ack,
            ack_at: None,
            ack_by: None,
            escalated: false,
            reached: REACHED.into(),
            phone: "1".into(),
            email: String::new(),
            sent: vec![Sent {
                channel: Channel::Sms,
                address: "1".into(),
                status: Delivery::Delivered,
                note: String::new(),
            }],
        }
    }

    fn alert(recipients: Vec<Recipient>) -> Alert {
        Alert {
            id: Uuid::nil(),
            incident: 1,
            number: 1,
            list: "Kriseledelse".into(),
            message: "Møt i rådhuset".into(),
            escalate_after: 15,
            sent_at: at(0),
            sent_by: "kari".into(),
            recipients,
        }
    }

    #[test]
    fn the_first_of_each_role_is_alerted_first() {
        let m = |position, role: &str| Member {
            position,
            role: role.into(),
            name: String::new(),
            contact: None,
            user: Some("u".into()),
        };
        let list =
            [m(1, "leder"), m(2, "leder"), m(3, "kommunikasjon"), m(4, "leder"), m(5, "kommunikasjon")];
        assert_eq!(first_of_each_role(&list), [1, 3]);
    }

    #[test]
    fn no_answer_in_time_escalates_to_the_next_of_the_role() {
        let a = alert(vec![
            recipient(1, "leder", Some(0), None),
            recipient(2, "leder", None, None),
            recipient(3, "komm", Some(0), Some(Ack::Coming)),
            recipient(4, "komm", None, None),
        ]);
        assert!(a.escalations(at(14)).is_empty(), "not yet");
        assert_eq!(
            a.escalations(at(15)),
            [(1, 2)],
            "the leader after 15 minutes; the one coming is not replaced"
        );
    }

    #[test]
    fn cannot_come_escalates_at_once_and_only_once() {
        let mut a = alert(vec![
            recipient(1, "leder", Some(0), Some(Ack::CannotCome)),
            recipient(2, "leder", None, None),
            recipient(3, "leder", None, None),
        ]);
        assert_eq!(a.escalations(at(1)), [(1, 2)]);
        a.recipients[0].escalated = true;
        a.recipients[1].alerted_at = Some(at(1));
        assert!(a.escalations(at(2)).is_empty(), "the next has time to answer");
        assert_eq!(a.escalations(at(16)), [(2, 3)]);
        a.recipients[1].escalated = true;
        a.recipients[2].alerted_at = Some(at(16));
        assert!(a.escalations(at(60)).is_empty(), "no one left in the role");
    }

    #[test]
    fn someone_no_message_reached_is_replaced_at_once() {
        let mut unreachable = recipient(1, "leder", Some(0), None);
        unreachable.reached = NOT_REACHED.into();
        let on_its_way = Recipient { reached: String::new(), ..recipient(3, "komm", Some(0), None) };
        let a = alert(vec![
            unreachable,
            recipient(2, "leder", None, None),
            on_its_way,
            recipient(4, "komm", None, None),
        ]);
        assert_eq!(a.escalations(at(0)), [(1, 2)], "not the one whose message is still on its way");
    }

    #[test]
    fn received_counts_as_an_answer() {
        let a = alert(vec![
            recipient(1, "leder", Some(0), Some(Ack::Received)),
            recipient(2, "leder", None, None),
        ]);
        assert!(a.escalations(at(120)).is_empty());
    }

    #[test]
    fn the_tally_counts_answers_standby_and_undelivered() {
        let mut undelivered = recipient(5, "c", Some(0), None);
        undelivered.sent[0].status = Delivery::NotDelivered;
        undelivered.reached = reached(&undelivered.sent).into();
        let a = alert(vec![
            recipient(1, "a", Some(0), Some(Ack::Received)),
            recipient(2, "a", None, None),
            recipient(3, "b", Some(0), Some(Ack::Coming)),
            recipient(4, "b", Some(1), Some(Ack::CannotCome)),
            undelivered,
        ]);
        let t = a.tally();
        assert_eq!(
            t,
            Tally {
                alerted: 4,
                received: 1,
                coming: 1,
                cannot: 1,
                unanswered: 1,
                not_delivered: 1,
                standby: 1
            }
        );
    }

    #[test]
    fn reached_once_one_message_arrives_not_while_some_are_on_the_way() {
        let sent = |status| Sent { channel: Channel::Sms, address: "1".into(), status, note: String::new() };
        assert_eq!(reached(&[sent(Delivery::NotDelivered), sent(Delivery::Delivered)]), REACHED);
        assert_eq!(reached(&[sent(Delivery::NotDelivered), sent(Delivery::Waiting)]), "");
        assert_eq!(reached(&[sent(Delivery::NotDelivered)]), NOT_REACHED);
        assert_eq!(reached(&[]), NOT_REACHED, "no address at all: not reached");
    }

    #[test]
    fn sms_length_counts_norwegian_letters_as_one_and_emoji_as_ucs2() {
        assert_eq!(sms_length("Møt på rådhuset, Æ Ø Å"), (22, 160));
        assert_eq!(sms_length("Pris 10 €"), (10, 160), "the euro sign takes two");
        assert_eq!(sms_length("Møt opp 🚨"), (10, 70));
        assert!(check_sms(&"æ".repeat(160)).is_ok());
        let err = check_sms(&"æ".repeat(161)).unwrap_err().to_string();
        assert!(err.contains("161") && err.contains("160"), "{err}");
        assert!(check_sms(&format!("{}”", "a".repeat(70))).unwrap_err().to_string().contains("70"));
    }
}
