//! Messages through a real `sitroom serve`, between two organisations: a message to a
//! role and to another organisation reaches exactly those (the others never receive
//! it, checked on the wire), read receipts go back both ways, an answer stays in its
//! thread, and both ends log it in their message journal. Crafted ops — a receipt or
//! an answer for a message one was not sent, a forged organisation, a malformed list
//! of addressees, a thread of one's own choosing — are refused.

use crate::common::by_hand::{json_of, pull_all, round, session};
use crate::common::server::Server;
use crate::common::Home;
use serde_json::{json, Value};
use sitroom::replication::{Action, Hlc, Kind, Op};
use sitroom::sync::wire::SyncRequest;
use uuid::Uuid;

const KOMMUNE: &str = "Gjerdrum kommune";
const STATSFORVALTER: &str = "Statsforvalteren i Oslo og Viken";

/// Gjerdrum's crisis leader, logger and information officer, and the county
/// governor's duty officer, each signed in on a replica of their own; each
/// organisation with an incident open.
struct Two {
    server: Server,
    kari: Home,
    ola: Home,
    per: Home,
    siri: Home,
}

fn two_organisations() -> Two {
    let server = Server::start();
    server.add_org(KOMMUNE);
    server.add_org(STATSFORVALTER);
    server.add_user("kari", KOMMUNE, &["kriseledelse"]);
    server.add_user("ola", KOMMUNE, &["loggfører"]);
    server.add_user("per", KOMMUNE, &["informasjonsmedarbeider"]);
    server.add_user("siri", STATSFORVALTER, &["kriseledelse"]);
    let (kari, ola, per, siri) = (Home::new(), Home::new(), Home::new(), Home::new());
    for (h, name) in [(&kari, "kari"), (&ola, "ola"), (&per, "per"), (&siri, "siri")] {
        h.login(&server.url, name);
    }
    kari.ok(&["incident", "new", "--title", "Kvikkleireskred i Ask", "--type", "annet"]);
    kari.ok(&["sync"]);
    for h in [&ola, &per] {
        h.ok(&["sync"]);
        h.ok(&["incident", "use", "1"]);
    }
    siri.ok(&["incident", "new", "--title", "Skred i Gjerdrum – samordning", "--type", "annet"]);
    siri.ok(&["sync"]);
    Two { server, kari, ola, per, siri }
}

fn texts(ops: &[Op], kind: Kind) -> Vec<String> {
    ops.iter()
        .filter(|o| o.kind == kind)
        .map(|o| o.field_str("text").or(o.field_str("message_id")).unwrap_or_default().to_string())
        .collect()
}

#[test]
fn messages_between_two_organisations_with_receipts_both_ways_and_an_answer() {
    let s = two_organisations();
    let sent = json_of(
        &s.kari,
        &[
            "message",
            "send",
            "--to",
            &format!("loggfører, {}", STATSFORVALTER.to_lowercase()),
            "--urgent",
            "--json",
            "Evakuering av Ask: vi trenger to busser til Gjerdrumshallen før kl. 14",
        ],
    );
    assert_eq!(sent["to"]["roles"], json!(["loggfører"]), "{sent}");
    assert_eq!(
        sent["to"]["orgs"],
        json!([STATSFORVALTER]),
        "the organisation as the server names it: {sent}"
    );
    assert_eq!(sent["from_org"], KOMMUNE);
    let reference = sent["id"].as_str().unwrap().replace('-', "");
    let reference = &reference[reference.len() - 8..];
    // Logged in Kari's incident as outgoing, so the message journal numbers it.
    let journal = s.kari.ok(&["journal", "list"]);
    assert!(
        journal.contains("→ to loggfører, Statsforvalteren i Oslo og Viken: HASTER: Evakuering av Ask"),
        "{journal}"
    );
    s.kari.ok(&["sync"]);

    // The logger (by role) and the county governor (by organisation) get it; the
    // information officer is neither, and nothing of it reaches him, also on the wire.
    for h in [&s.ola, &s.per, &s.siri] {
        h.ok(&["sync"]);
    }
    let at_ola = json_of(&s.ola, &["message", "list", "--json"]);
    assert_eq!(at_ola.as_array().unwrap().len(), 1, "{at_ola}");
    assert_eq!(at_ola[0]["unread"], true);
    assert_eq!(at_ola[0]["urgent"], true);
    let at_per = json_of(&s.per, &["message", "list", "--json"]);
    assert_eq!(at_per, json!([]), "not to the information officer");
    let (per_token, _, _) = session(&s.per);
    let on_wire = pull_all(&s.server, &per_token);
    assert!(texts(&on_wire, Kind::Message).is_empty(), "no message op is sent to him");
    let listed = s.siri.ok(&["message", "list"]);
    assert!(listed.contains('●') && listed.contains("URGENT") && listed.contains(reference), "{listed}");

    // Before anyone has read it: who has not yet, by the roster and the organisation.
    let before = json_of(&s.kari, &["message", "read", reference, "--json"]);
    assert_eq!(before["read"]["unread"], json!(["ola"]), "{before}");
    assert_eq!(before["read"]["orgs_unread"], json!([STATSFORVALTER]));

    // Both read it; the county governor's first reader logs it as incoming.
    let opened = json_of(&s.ola, &["message", "read", reference, "--json"]);
    assert_eq!(opened["marked"], true);
    let again = json_of(&s.ola, &["message", "read", reference, "--json"]);
    assert_eq!(again["marked"], false, "read once is read");
    s.siri.ok(&["message", "read", reference]);
    let siri_journal = s.siri.ok(&["journal", "list"]);
    assert!(
        siri_journal.contains("← from kari (Gjerdrum kommune): HASTER: Evakuering av Ask"),
        "{siri_journal}"
    );
    for h in [&s.ola, &s.siri, &s.kari] {
        h.ok(&["sync"]);
    }
    let after = json_of(&s.kari, &["message", "read", reference, "--no-mark", "--json"]);
    let readers: Vec<(&str, &str)> = after["read"]["read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["reader"].as_str().unwrap(), r["org"].as_str().unwrap()))
        .collect();
    assert!(readers.contains(&("ola", KOMMUNE)) && readers.contains(&("siri", STATSFORVALTER)), "{after}");
    assert_eq!(after["read"]["unread"], json!([]));
    assert_eq!(after["read"]["orgs_unread"], json!([]));

    // The county governor answers; the answer reaches Kari in the same thread, and
    // her receipt of it reaches the county governor.
    let answer = json_of(
        &s.siri,
        &["message", "reply", reference, "--json", "Mottatt. To busser fra Unibuss er på vei."],
    );
    assert_eq!(answer["thread"], sent["id"]);
    assert_eq!(answer["to"]["users"], json!(["kari"]));
    s.siri.ok(&["sync"]);
    s.kari.ok(&["sync"]);
    let inbox = json_of(&s.kari, &["message", "list", "--unread", "--json"]);
    assert_eq!(inbox.as_array().unwrap().len(), 1, "{inbox}");
    let answer_ref = inbox[0]["reference"].as_str().unwrap().to_string();
    let thread = json_of(&s.kari, &["message", "read", &answer_ref, "--json"]);
    assert_eq!(thread["thread"].as_array().unwrap().len(), 2, "{thread}");
    let kari_journal = s.kari.ok(&["journal", "list"]);
    assert!(
        kari_journal.contains("← from siri (Statsforvalteren i Oslo og Viken): Mottatt."),
        "{kari_journal}"
    );
    // The logger was not sent the answer: it does not reach him.
    s.ola.ok(&["sync"]);
    assert_eq!(json_of(&s.ola, &["message", "list", "--json"]).as_array().unwrap().len(), 1);
    s.kari.ok(&["sync"]);
    s.siri.ok(&["sync"]);
    let receipt = json_of(&s.siri, &["message", "read", &answer_ref, "--no-mark", "--json"]);
    assert_eq!(receipt["read"]["read"][0]["reader"], "kari", "{receipt}");

    // To one's own organisation: everyone of it, and no one else.
    s.kari.ok(&["message", "send", "--to", "gjerdrum kommune", "Alle ansatte: møt i rådhuset kl. 15"]);
    s.kari.ok(&["sync"]);
    for (h, gets) in [(&s.per, true), (&s.ola, true), (&s.siri, false)] {
        h.ok(&["sync"]);
        let all = serde_json::to_string(&json_of(h, &["message", "list", "--json"])).unwrap();
        assert_eq!(all.contains("Alle ansatte"), gets, "{all}");
    }
}

#[test]
fn crafted_messages_and_receipts_are_refused() {
    let s = two_organisations();
    let sent = json_of(
        &s.kari,
        &["message", "send", "--to", "loggfører", "--json", "Loggen sendes til arkiv kl. 18"],
    );
    s.kari.ok(&["sync"]);
    let message = sent["id"].as_str().unwrap().to_string();
    for (h, who) in [(&s.per, "per"), (&s.siri, "siri")] {
        let (token, _, _) = session(h);
        let ops = pull_all(&s.server, &token);
        assert!(texts(&ops, Kind::Message).is_empty(), "not sent to {who}, not on the wire to {who}");
    }

    // Per (not a loggfører) and Siri (another organisation) were not sent it.
    let op = |h: &Home, who: &str, kind: Kind, fields: Value| {
        let (_, origin, device) = session(h);
        let id = Uuid::now_v7();
        let mut fields = fields.as_object().cloned().unwrap();
        fields.insert("created_at".into(), json!(chrono::Utc::now().timestamp_millis()));
        fields.insert("created_by".into(), json!(who));
        if kind == Kind::Message && fields.get("thread_id") == Some(&json!("self")) {
            fields.insert("thread_id".into(), json!(id.to_string()));
        }
        Op {
            id,
            hlc: Hlc::tick(Hlc(0), chrono::Utc::now().timestamp_millis()),
            origin,
            author: who.into(),
            device,
            kind,
            entity: id,
            incident: Uuid::nil(),
            action: Action::Create,
            fields,
            base: Default::default(),
            sig: String::new(),
        }
    };
    let message_fields = |thread: &str, reply_to: Option<&str>, from_org: &str, to_users: &str| {
        json!({
            "thread_id": thread, "reply_to": reply_to, "incident": null, "from_org": from_org,
            "to_users": to_users, "to_roles": "[]", "to_orgs": "[]", "text": "Ny beskjed",
            "urgent": 0, "copy": null, "entry_id": null,
        })
    };
    let refused = |h: &Home, ops: Vec<Op>| {
        let (token, _, _) = session(h);
        let got = round(&s.server, &token, &SyncRequest::new(0, ops.clone()));
        ops.iter()
            .map(|o| {
                got.refused.iter().find(|(i, _)| *i == o.id).map(|(_, why)| why.clone()).unwrap_or_else(
                    || {
                        panic!(
                            "{:?} {} was taken in: {:?}",
                            o.kind,
                            o.fields.get("text").unwrap_or(&json!("")),
                            got
                        )
                    },
                )
            })
            .collect::<Vec<String>>()
    };

    let receipt = |h: &Home, who: &str, org: &str| {
        op(h, who, Kind::MessageRead, json!({ "message_id": message, "org": org }))
    };
    let why = refused(
        &s.per,
        vec![
            receipt(&s.per, "per", KOMMUNE),
            op(&s.per, "per", Kind::Message, message_fields(&message, Some(&message), KOMMUNE, "[\"kari\"]")),
        ],
    );
    assert!(why.iter().all(|w| w.contains("was not sent to per")), "{why:?}");
    let why = refused(&s.siri, vec![receipt(&s.siri, "siri", STATSFORVALTER)]);
    assert!(why[0].contains("was not sent to siri"), "{why:?}");

    // The logger was sent it, but may not say he is of another organisation, start a
    // thread under another's id, answer outside its thread, or name addressees in a
    // list that is not a plain list of names.
    let why = refused(
        &s.ola,
        vec![
            receipt(&s.ola, "ola", STATSFORVALTER),
            op(&s.ola, "ola", Kind::Message, message_fields("self", None, STATSFORVALTER, "[\"kari\"]")),
            op(&s.ola, "ola", Kind::Message, message_fields(&message, None, KOMMUNE, "[\"kari\"]")),
            op(
                &s.ola,
                "ola",
                Kind::Message,
                message_fields(&Uuid::now_v7().to_string(), Some(&message), KOMMUNE, "[\"kari\"]"),
            ),
            op(&s.ola, "ola", Kind::Message, message_fields("self", None, KOMMUNE, "kari")),
            op(&s.ola, "ola", Kind::Message, message_fields("self", None, KOMMUNE, "[\"kari\",\"kari\"]")),
            op(&s.ola, "ola", Kind::Message, message_fields("self", None, KOMMUNE, "[]")),
        ],
    );
    assert!(
        why[0].contains("says it comes from organisation")
            && why[1].contains("says it comes from organisation"),
        "{why:?}"
    );
    assert!(why[2].contains("its own thread"), "{why:?}");
    assert!(why[3].contains("in the thread of what it answers"), "{why:?}");
    assert!(why[4].contains("must be a list of names"), "{why:?}");
    assert!(why[5].contains("each once"), "{why:?}");
    assert!(why[6].contains("must go to someone"), "{why:?}");

    // An id is one record's: a message or a receipt that takes the id of the incident,
    // a board or the message itself is refused, never filed beside it (the server
    // sends what is filed under a message to the message's audience).
    s.kari.ok(&["board", "new", "Kriseledelsen", "--readers", "kriseledelse"]);
    s.kari.ok(&["sync"]);
    let board = json_of(&s.kari, &["board", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let incident = json_of(&s.kari, &["incident", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let taking = |id: &str, mut o: Op| {
        let id = Uuid::parse_str(id).unwrap();
        (o.id, o.entity) = (id, id);
        if o.kind == Kind::Message {
            o.fields.insert("thread_id".into(), json!(id.to_string()));
        }
        o
    };
    let why = refused(
        &s.ola,
        vec![
            taking(
                &board,
                op(&s.ola, "ola", Kind::Message, message_fields("self", None, KOMMUNE, "[\"ola\"]")),
            ),
            taking(
                &incident,
                op(&s.ola, "ola", Kind::Message, message_fields("self", None, KOMMUNE, "[\"ola\"]")),
            ),
            taking(&board, receipt(&s.ola, "ola", KOMMUNE)),
            taking(&message, receipt(&s.ola, "ola", KOMMUNE)),
        ],
    );
    // (A record made here has its create op's id, so the op is known too; a record of
    // before sync, whose op was made later, is found by its id alone.)
    assert!(
        why.iter().all(|w| w.contains("already exists") || w.contains("not the change the server has")),
        "{why:?}"
    );
    let mut to_guests = message_fields("self", None, KOMMUNE, "[]");
    to_guests["to_roles"] = json!("[\"gjest\"]");
    let mut by_fax = message_fields("self", None, KOMMUNE, "[\"kari\"]");
    by_fax["copy"] = json!("fax");
    // A name the server has no account or organisation for: whoever gets that name
    // later is not who was meant, and until then no one would get it.
    let mut to_no_org = message_fields("self", None, KOMMUNE, "[]");
    to_no_org["to_orgs"] = json!("[\"Fantasi kommune\"]");
    let why = refused(
        &s.ola,
        vec![
            op(&s.ola, "ola", Kind::Message, to_guests),
            op(&s.ola, "ola", Kind::Message, by_fax),
            op(&s.ola, "ola", Kind::Message, message_fields("self", None, KOMMUNE, "[\"kari\",\"ingen\"]")),
            op(&s.ola, "ola", Kind::Message, to_no_org),
            op(&s.ola, "ola", Kind::Message, message_fields("self", None, KOMMUNE, "[\"siri\"]")),
        ],
    );
    assert!(why[0].contains("cannot go to the role gjest"), "{why:?}");
    assert!(why[1].contains("copy is one of"), "{why:?}");
    assert!(why[2].contains("to 'ingen', who is no one of Gjerdrum kommune nor of the thread"), "{why:?}");
    assert!(why[3].contains("to 'Fantasi kommune', which is no organisation on this server"), "{why:?}");
    // Another organisation's person, named outside a thread with them, is refused in
    // the same words as a name no one has: the answer tells nothing of who is there.
    assert_eq!(why[4].replace("siri", "ingen"), why[2], "{why:?}");

    // What he may do, crafted the same way, is taken in: the check is not a blanket no.
    let (token, _, _) = session(&s.ola);
    let mut by_sms = message_fields(&message, Some(&message), KOMMUNE, "[\"kari\"]");
    by_sms["copy"] = json!("sms");
    let why = refused(&s.ola, vec![op(&s.ola, "ola", Kind::Message, by_sms)]);
    assert!(why[0].contains("may not send alerts"), "a copy goes through the alert channels: {why:?}");
    let fine = vec![
        receipt(&s.ola, "ola", KOMMUNE),
        op(&s.ola, "ola", Kind::Message, message_fields(&message, Some(&message), KOMMUNE, "[\"kari\"]")),
    ];
    let got = round(&s.server, &token, &SyncRequest::new(0, fine));
    assert!(got.refused.is_empty(), "{:?}", got.refused);
    s.kari.ok(&["sync"]);
    let read = json_of(
        &s.kari,
        &[
            "message",
            "read",
            &sitroom::domain::message::reference(Uuid::parse_str(&message).unwrap()),
            "--no-mark",
            "--json",
        ],
    );
    assert_eq!(read["read"]["read"][0]["reader"], "ola", "{read}");
    assert_eq!(read["thread"].as_array().unwrap().len(), 2, "{read}");

    // A contact linked to a user is where copies of their messages go: the crisis
    // leader, who keeps the contacts but does not manage users, may not link one to
    // the logger (her own phone would get his messages), but may link one to herself.
    let contact = |account: &str| {
        json!({
            "name": "Vakttelefon", "organisation": "", "function": "", "phones": "912 34 567",
            "email": "", "notes": "", "groups": "", "account": account, "removed": 0,
        })
    };
    let mut by_number = contact("");
    by_number["account"] = json!(4711);
    let mut reply_by_number = message_fields("self", None, KOMMUNE, "[\"ola\"]");
    reply_by_number["reply_to"] = json!(5);
    let why = refused(
        &s.kari,
        vec![
            op(&s.kari, "kari", Kind::Contact, contact("ola")),
            op(&s.kari, "kari", Kind::Contact, by_number),
            op(&s.kari, "kari", Kind::Message, reply_by_number),
        ],
    );
    assert!(why[0].contains("may not link a contact to ola"), "{why:?}");
    assert!(
        why[1].contains("a contact's account is a user's name"),
        "no other type stands in for a name: {why:?}"
    );
    assert!(why[2].contains("a message's reply_to is the id of a message"), "{why:?}");
    let (token, _, _) = session(&s.kari);
    let got = round(
        &s.server,
        &token,
        &SyncRequest::new(0, vec![op(&s.kari, "kari", Kind::Contact, contact("kari"))]),
    );
    assert!(got.refused.is_empty(), "{:?}", got.refused);
}

/// On one database, no server: a message keeps every line in the log; many addressees
/// are logged by whole names and how many more; answering says one has read it; a
/// guest, who may not read messages, is not written to; `@name` is a person or
/// nothing.
#[test]
fn the_log_keeps_the_whole_message_and_no_message_waits_forever() {
    let h = Home::new();
    h.ok(&["user", "add", "kari", "--role", "administrator,kriseledelse"]);
    h.ok(&["user", "add", "ola", "--role", "loggfører"]);
    h.ok(&["user", "add", "gjesten", "--role", "gjest"]);
    for n in 1..=12 {
        h.ok(&["user", "add", &format!("vakt{n}"), "--role", "beredskapsmedarbeider"]);
    }
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    let sent = json_of(
        &h,
        &[
            "message",
            "send",
            "--to",
            "ola",
            "--json",
            "Gokstad sykehjem:\n38 beboere, 4 på oksygen\nbusser bestilt",
        ],
    );
    let reference = sent["reference"].as_str().unwrap().to_string();
    let log = h.ok(&["log", "list"]);
    assert!(log.contains("> ola: Gokstad sykehjem:") && log.contains("busser bestilt"), "every line: {log}");

    let everyone: Vec<String> = (1..=12).map(|n| format!("vakt{n}")).collect();
    h.ok(&["message", "send", "--to", &everyone.join(", "), "Møt i stabsrommet kl. 14"]);
    let journal = h.ok(&["journal", "list"]);
    let line = journal.lines().find(|l| l.contains("Møt i stabsrommet")).unwrap();
    assert!(line.contains("vakt1, vakt2") && line.contains(" +"), "whole names and how many more: {line}");
    assert!(!line.contains("vakt1,:") && !line.contains(", vak:"), "{line}");

    // Ola answers without having opened it: that says he has read it.
    let answer = h.ok(&["--user", "ola", "message", "reply", &reference, "Mottatt, ringer sykehjemmet"]);
    assert!(answer.contains("sent"), "{answer}");
    let state = json_of(&h, &["message", "read", &reference, "--no-mark", "--json"]);
    assert_eq!(state["read"]["read"][0]["reader"], "ola", "{state}");
    assert_eq!(state["read"]["unread"], json!([]), "{state}");

    // Nothing to a guest, by role or by name; `@` names a person, never a role.
    for to in ["gjest", "gjesten", "@kriseledelse"] {
        let (_, err) = h.fails(&["message", "send", "--to", to, "Hei"]);
        assert!(
            err.contains("guests cannot read")
                || err.contains("cannot read messages")
                || err.contains("is no user"),
            "{to}: {err}"
        );
    }
    assert_eq!(json_of(&h, &["message", "list", "--json"]).as_array().unwrap().len(), 3);
}

/// A copy by SMS and e-mail goes to the phone and address of the contact linked to
/// each person the message reaches (named, or holding a role it names), never to the
/// writer; who cannot get one is said, with why; a text too long for one SMS is cut
/// with where the rest is.
#[test]
fn a_copy_goes_by_sms_and_email_to_the_contacts_of_those_it_reaches() {
    use crate::common::smtp::{body_text, Sink};
    let h = Home::new();
    let sink = Sink::start();
    let (sms, sms_log) = h.fake_sms();
    h.configure(&format!(
        "[alerts.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"Beredskap <beredskap@kommune.no>\"\n\n[alerts.sms]\ncommand = [\"{}\", \"{{to}}\"]\n",
        sink.port,
        sms.display()
    ));
    h.ok(&["user", "add", "kari", "--role", "administrator,kriseledelse"]);
    h.ok(&["user", "add", "ola", "--role", "loggfører"]);
    h.ok(&["user", "add", "Per", "--role", "kriseledelse"]);
    h.ok(&["user", "add", "siri", "--role", "kriseledelse"]);
    let (_, err) =
        h.fails(&["contact", "add", "--name", "Nils", "--phone", "900 00 000", "--account", "nils"]);
    assert!(err.contains("'nils' is no user here"), "a link to no one would never be used: {err}");
    h.ok(&[
        "contact",
        "add",
        "--name",
        "Ola Nordmann",
        "--phone",
        "912 34 567",
        "--email",
        "ola@kommune.no",
        "--account",
        "OLA",
    ]);
    // Per has two contacts: the first with no phone (the duty room), so the SMS goes to
    // the second's.
    h.ok(&["contact", "add", "--name", "Per Hansen, vaktrommet", "--account", "per"]);
    h.ok(&["contact", "add", "--name", "Per Hansen", "--phone", "913 00 000", "--account", "per"]);
    h.ok(&["contact", "add", "--name", "Kari Nordmann", "--phone", "914 00 000", "--account", "kari"]);
    let listed = h.ok(&["contact", "list"]);
    assert!(
        listed.contains("Ola Nordmann") && listed.contains("@ola") && listed.contains("@Per"),
        "{listed}"
    );
    let csv = h.ok(&["contact", "export"]);
    assert!(csv.lines().next().unwrap().ends_with(";bruker") && csv.contains(";ola"), "{csv}");
    // An import naming a user who is not here is refused, row by row, like any bad row.
    let file = h.path().join("kontakter.csv");
    std::fs::write(&file, "navn;telefon;bruker\nSiri Dahl;915 00 000;SIRI\nUkjent;916 00 000;ukjentbruker\n")
        .unwrap();
    let imported = h.run(&["contact", "import", file.to_str().unwrap()]);
    assert!(!imported.status.success());
    let said = format!(
        "{}{}{}",
        String::from_utf8_lossy(&imported.stdout),
        String::from_utf8_lossy(&imported.stderr),
        h.ok(&["contact", "list"])
    );
    assert!(said.contains("'ukjentbruker' is no user here") && !said.contains("Siri Dahl"), "{said}");
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);

    let text = "Møt i stabsrommet kl 14";
    let sent = json_of(
        &h,
        &["message", "send", "--to", "ola, kriseledelse", "--copy", "begge", "--urgent", "--json", text],
    );
    assert_eq!(sent["copy"], "e-post+sms", "{sent}");
    let copies = sent["copies"].as_array().unwrap();
    let status = |person: &str, channel: &str| {
        let c = copies.iter().find(|c| c["person"] == person && c["channel"] == channel);
        c.map(|c| (c["status"].as_str().unwrap().to_string(), c["note"].as_str().unwrap_or("").to_string()))
    };
    assert_eq!(status("ola", "sms").unwrap().0, "levert", "{sent}");
    assert_eq!(status("ola", "e-post").unwrap().0, "levert", "{sent}");
    assert_eq!(status("Per", "sms").unwrap().0, "levert", "{sent}");
    let (per_mail, why) = status("Per", "e-post").unwrap();
    assert!(
        per_mail == "ikke levert"
            && why.contains("Per Hansen, vaktrommet, Per Hansen) har ingen e-postadresse"),
        "{why}"
    );
    let (siri, why) = status("siri", "sms").unwrap();
    assert!(siri == "ikke levert" && why.contains("ingen kontakt"), "{why}");
    assert!(status("kari", "sms").is_none(), "never a copy to the writer: {sent}");

    let log = std::fs::read_to_string(&sms_log).unwrap();
    assert_eq!(
        log,
        format!("to=912 34 567\nHASTER kari: {text}\nto=913 00 000\nHASTER kari: {text}\n"),
        "one SMS each to Ola and Per"
    );
    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "Per has no address, Siri no contact");
    assert_eq!(mails[0].to, ["ola@kommune.no"]);
    let reference = sent["reference"].as_str().unwrap();
    assert!(mails[0].data.contains("HASTER: Melding fra kari"), "{}", mails[0].data);
    let body = body_text(&mails[0].data);
    assert!(body.contains(text) && body.contains(reference), "{body}");

    // The writer sees where the copies stand; the people it reached read it as any.
    let read = h.ok(&["message", "read", reference, "--no-mark"]);
    assert!(read.contains("copies: 3 delivered, 0 waiting, 3 not delivered"), "{read}");
    assert!(read.contains("sms to siri: not delivered: ingen kontakt"), "{read}");

    // A text too long for one SMS: the SMS says where the rest is.
    let long =
        "Vannverket melder at trykket faller i hele sone 3, og beboerne i Åsgårdstrand må koke vannet \
                til nærmere beskjed. Informasjonsmedarbeideren lager en melding til nettsiden innen kl 15, \
                og legevakten varsles.";
    let answer =
        json_of(&h, &["--user", "Per", "message", "reply", reference, "--copy", "sms", "--json", long]);
    assert_eq!(answer["copies"][0]["status"], "levert", "{answer}");
    let log = std::fs::read_to_string(&sms_log).unwrap();
    let last = log.lines().rev().find(|l| !l.is_empty()).unwrap();
    let reply_ref = answer["reference"].as_str().unwrap();
    assert!(log.contains("to=914 00 000\nPer: Vannverket melder"), "the answer's copy goes to Kari: {log}");
    assert!(
        last.ends_with(&format!(" ... (hele i sitroom: {reply_ref})")) && last.chars().count() <= 160,
        "{last}"
    );

    // A copy goes through the alert channels: a logger, who may not send alerts, may
    // not ask for one.
    let (_, err) = h.fails(&["--user", "ola", "message", "reply", reference, "--copy", "sms", "Mottatt"]);
    assert!(err.contains("may not send alerts") || err.contains("send alerts"), "{err}");
    // Where copies to someone go is theirs or an administrator's to say: Per (crisis
    // management, who keeps the contacts) may link a contact to himself, not to Ola, and
    // may change the notes on Ola's contact but not its phone.
    let (_, err) = h.fails(&[
        "--user",
        "Per",
        "contact",
        "add",
        "--name",
        "Ola privat",
        "--phone",
        "999 99 999",
        "--account",
        "ola",
    ]);
    assert!(err.contains("only an administrator or ola may link a contact to ola"), "{err}");
    h.ok(&[
        "--user",
        "Per",
        "contact",
        "add",
        "--name",
        "Per privat",
        "--phone",
        "917 00 000",
        "--account",
        "Per",
    ]);
    h.ok(&["--user", "Per", "contact", "edit", "1", "--notes", "Nås best på mobil"]);
    let (_, err) = h.fails(&["--user", "Per", "contact", "edit", "1", "--phone", "999 99 999"]);
    assert!(err.contains("change where copies of messages to ola go"), "{err}");
    let (_, err) = h.fails(&["--user", "Per", "contact", "remove", "1"]);
    assert!(err.contains("change where copies of messages to ola go"), "removing it stops them too: {err}");

    // Asked for a copy by a channel that does not exist: refused before anything is sent.
    let (_, err) = h.fails(&["message", "send", "--to", "ola", "--copy", "brevdue", "Hei"]);
    assert!(err.contains("unknown copy 'brevdue'"), "{err}");
    assert_eq!(json_of(&h, &["message", "list", "--json"]).as_array().unwrap().len(), 2);
}
