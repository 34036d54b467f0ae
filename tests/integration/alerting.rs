//! Alerting through the real binary: a local SMTP sink, an SMS command and an HTTP
//! gateway, answers tallied and logged, escalation, channels that fail.

use crate::common::smtp::{body_text, Sink};
use crate::common::{json, Home};

/// Kari and Per lead (Per is Kari's deputy), Åse speaks for the staff; Ola is a user.
fn staff_list(h: &Home) {
    h.ok(&[
        "contact",
        "add",
        "--name",
        "Kari Nordmann",
        "--phone",
        "912 34 567",
        "--email",
        "kari@kommune.no",
    ]);
    h.ok(&["contact", "add", "--name", "Per Hansen", "--phone", "913 00 000"]);
    h.ok(&["contact", "add", "--name", "Åse Ødegård", "--email", "ase@kommune.no"]);
    h.ok(&["alert", "list-new", "Kriseledelse", "--scenario", "alle", "--escalate-after", "15"]);
    for (role, who) in [("leder", "1"), ("leder", "2"), ("kommunikasjon", "3")] {
        h.ok(&["alert", "member-add", "Kriseledelse", "--role", role, "--contact", who]);
    }
    h.ok(&["alert", "member-add", "Kriseledelse", "--role", "loggfører", "--app-user", "ola"]);
    h.ok(&["incident", "new", "--title", "Flom i Numedalslågen", "--type", "flom"]);
}

#[test]
fn an_alert_goes_out_by_smtp_and_sms_and_answers_are_tallied_and_logged() {
    let h = Home::new();
    let sink = Sink::start();
    let sms = h.fake_sms().0;
    h.configure(&format!(
            "[alerts.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"Beredskap <beredskap@kommune.no>\"\n\n[alerts.sms]\ncommand = [\"{}\", \"{{to}}\"]\n",
            sink.port,
            sms.display()
        ),
    );
    staff_list(&h);
    let message = "Kriseledelsen møter på rådhuset kl. 14. Svar: mottatt, kommer eller kan ikke.";
    let alert = json(&h.ok(&["alert", "send", "Kriseledelse", message, "--json"]));
    assert_eq!(alert["number"], 1);

    // Kari by SMS and e-mail, Åse by e-mail, Ola in sitroom; Per on standby.
    let sms_log = std::fs::read_to_string(h.path().join("sms.log")).unwrap();
    assert_eq!(sms_log, format!("to=912 34 567\n{message}\n"), "one SMS, to the first leader only");
    let mails = sink.mails();
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["ase@kommune.no", "kari@kommune.no"]);
    assert!(body_text(&mails[0].data).contains(message), "{}", mails[0].data);
    let status = json(&h.ok(&["alert", "status", "1", "--json"]));
    let tally = &status["tally"];
    assert_eq!((tally["alerted"].as_i64(), tally["standby"].as_i64()), (Some(3), Some(1)));
    assert_eq!(tally["not_delivered"], 0);

    // Ola answers in sitroom for himself; the logger records Åse's answer by phone.
    assert!(h.ok(&["alert", "inbox", "--user", "ola"]).contains("Kriseledelsen møter"));
    h.ok(&["alert", "ack", "1", "kommer", "--user", "ola"]);
    assert!(h.ok(&["alert", "inbox", "--user", "ola"]).trim().is_empty(), "answered, no longer waiting");
    h.ok(&["alert", "ack", "1", "--who", "Åse", "mottatt"]);
    // Kari cannot come: her deputy Per is alerted at once, by SMS.
    h.ok(&["alert", "ack", "1", "--who", "kari", "kan ikke"]);
    let escalated = h.ok(&["alert", "escalate"]);
    assert!(
        escalated.contains("Kari Nordmann (leder) kan ikke – varsler Per Hansen i stedet"),
        "{escalated}"
    );
    let sms_log = std::fs::read_to_string(h.path().join("sms.log")).unwrap();
    assert!(sms_log.ends_with(&format!("to=913 00 000\n{message}\n")), "{sms_log}");
    assert!(h.ok(&["alert", "escalate"]).trim().is_empty(), "escalated once only");

    let tally = json(&h.ok(&["alert", "status", "1", "--json"]))["tally"].clone();
    assert_eq!(
        (
            tally["alerted"].as_i64(),
            tally["coming"].as_i64(),
            tally["received"].as_i64(),
            tally["cannot"].as_i64(),
            tally["unanswered"].as_i64()
        ),
        (Some(4), Some(1), Some(1), Some(1), Some(1))
    );
    let log = h.ok(&["log", "list"]);
    for line in [
        "Varsling 1 sendt etter listen «Kriseledelse»: 3 varslet, 1 i reserve",
        "Varsling 1: ola (loggfører) svarte «kommer»",
        "Varsling 1: Åse Ødegård (kommunikasjon) svarte «mottatt» (registrert av kari)",
        "Varsling 1: Kari Nordmann (leder) svarte «kan ikke»",
        "varsler Per Hansen i stedet",
    ] {
        assert!(log.contains(line), "the log says {line}: {log}");
    }
}

#[test]
fn with_no_channel_set_up_the_alert_is_recorded_as_not_delivered() {
    let h = Home::new();
    staff_list(&h);
    let out = h.run(&["alert", "send", "Kriseledelse", "Møt på rådhuset"]);
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    // Kari could not be reached at all, so her deputy Per was alerted at once (and
    // could not be reached either).
    assert!(err.contains("3 of 4 alerted could not be reached"), "{err}");
    assert!(h
        .ok(&["log", "list"])
        .contains("Varsling 1: Kari Nordmann (leder) kunne ikke nås – varsler Per Hansen i stedet"));
    let full = h.ok(&["--lang", "nb", "alert", "status", "1"]);
    assert!(full.contains("sms 912 34 567 ikke levert: ingen sms-kanal er satt opp"), "{full}");
    assert!(full.contains("e-post ase@kommune.no ikke levert"), "{full}");
    assert!(full.contains("app ola levert"), "the user in sitroom still gets it: {full}");
    assert!(h.ok(&["log", "list"]).contains("2 kan ikke nås (ikke levert)"));
}

/// An SMS gateway on 127.0.0.1 that answers 200 and keeps each request's body.
fn sms_gateway() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            kept.lock().unwrap().push(String::from_utf8(body).unwrap());
            let _ =
                (&stream).write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nOK");
        }
    });
    (port, bodies)
}

#[test]
fn sms_through_an_http_gateway() {
    let h = Home::new();
    let (port, bodies) = sms_gateway();
    h.configure(&format!("[alerts.sms]\nurl = \"http://127.0.0.1:{port}/send\"\n"));
    h.ok(&["incident", "new", "--title", "Flom"]);
    h.ok(&["contact", "add", "--name", "Kari Nordmann", "--phone", "+47 912 34 567"]);
    h.ok(&["alert", "list-new", "Stab"]);
    h.ok(&["alert", "member-add", "Stab", "--role", "leder", "--contact", "1"]);
    h.ok(&["alert", "send", "Stab", "Møt på rådhuset & ta med PC"]);
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies, ["to=%2B47+912+34+567&text=M%C3%B8t+p%C3%A5+r%C3%A5dhuset+%26+ta+med+PC"]);
    assert!(h.ok(&["--lang", "nb", "alert", "status", "1"]).contains("sms +47 912 34 567 levert"));
    // In English, the words are English: the stored code ("levert") is not shown.
    assert!(h.ok(&["--lang", "en", "alert", "status", "1"]).contains("sms +47 912 34 567 delivered"));
}

#[test]
fn an_sms_that_would_not_fit_is_refused_before_anything_is_sent() {
    let h = Home::new();
    let sms = h.fake_sms().0;
    h.configure(&format!("[alerts.sms]\ncommand = [\"{}\", \"{{to}}\"]\n", sms.display()));
    staff_list(&h);
    let long = "Æ".repeat(161);
    let (_, err) = h.fails(&["alert", "send", "Kriseledelse", &long]);
    assert!(err.contains("161 characters; one SMS holds 160"), "{err}");
    let (_, err) = h.fails(&["alert", "send", "Kriseledelse", &format!("Møt nå 🚨 {}", "x".repeat(64))]);
    assert!(err.contains("only 70 fit"), "{err}");
    assert!(json(&h.ok(&["alert", "status", "--json"])).as_array().unwrap().is_empty(), "nothing recorded");
    assert!(!h.path().join("sms.log").exists(), "nothing sent");
}

#[test]
fn a_broken_channel_is_tried_again_then_given_up_as_not_delivered() {
    let h = Home::new();
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    h.configure(&format!(
        "[alerts.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"b@kommune.no\"\n"
    ));
    staff_list(&h);
    h.ok(&["alert", "send", "Kriseledelse", "Møt"]);
    // Tried at sending, and twice more (the TUI does this every few seconds).
    h.ok(&["alert", "deliver"]);
    assert!(
        h.ok(&["--lang", "nb", "alert", "status", "1"]).contains("venter: SMTP"),
        "still waiting after two tries"
    );
    h.ok(&["alert", "deliver"]);
    let full = h.ok(&["--lang", "nb", "alert", "status", "1"]);
    assert!(full.contains("e-post ase@kommune.no ikke levert: SMTP"), "given up after three tries: {full}");
    let log = h.ok(&["log", "list"]);
    assert!(
        log.contains("Varsling 1: Åse Ødegård (kommunikasjon) ble ikke nådd (e-post ase@kommune.no: SMTP"),
        "the log says who was not reached: {log}"
    );
    assert!(!log.contains("Varsling 1: ola"), "ola was reached in sitroom: {log}");
}

#[test]
fn a_channel_that_keeps_failing_is_left_alone_for_the_rest_of_the_round() {
    let h = Home::new();
    let calls = h.path().join("calls");
    let script = h.path().join("broken-sms");
    crate::common::script(
        &script,
        &format!("#!/bin/sh\necho \"$1\" >> '{}'\necho 'gateway down' >&2\nexit 1\n", calls.display()),
    );
    h.configure(&format!("[alerts.sms]\ncommand = [\"{}\", \"{{to}}\"]\n", script.display()));
    h.ok(&["incident", "new", "--title", "Storflom"]);
    h.ok(&["alert", "list-new", "Alle"]);
    for n in 1..=6 {
        h.ok(&["contact", "add", "--name", &format!("Person {n}"), "--phone", &format!("9000000{n}")]);
        h.ok(&["alert", "member-add", "Alle", "--role", &format!("rolle {n}"), "--contact", &n.to_string()]);
    }
    h.ok(&["alert", "send", "Alle", "Møt opp"]);
    let tried = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(
        tried.lines().count(),
        3,
        "three failures, then the channel waits for the next round: {tried}"
    );
    let full = h.ok(&["--lang", "nb", "alert", "status", "1"]);
    assert_eq!(
        full.matches("venter: SMS-kommandoen avsluttet med kode 1: gateway down").count(),
        6,
        "{full}"
    );
}

/// An SMS command that hangs is stopped after `timeout_seconds`: sending returns, and
/// the message waits to be tried again, with why.
#[test]
fn a_hung_sms_command_is_stopped_and_its_message_waits() {
    let h = Home::new();
    let script = h.path().join("hung-sms");
    crate::common::script(
        &script,
        "#!/bin/sh
sleep 600
",
    );
    h.configure(&format!(
        "[alerts.sms]\ncommand = [\"{}\", \"{{to}}\"]\ntimeout_seconds = 1\n",
        script.display()
    ));
    h.ok(&["incident", "new", "--title", "Storflom"]);
    h.ok(&["alert", "list-new", "Alle"]);
    h.ok(&["contact", "add", "--name", "Kari Nordmann", "--phone", "912 34 567"]);
    h.ok(&["alert", "member-add", "Alle", "--role", "leder", "--contact", "1"]);
    h.ok(&["alert", "send", "Alle", "Møt opp"]);
    let full = h.ok(&["--lang", "nb", "alert", "status", "1"]);
    assert!(full.contains("venter: SMS-kommandoen svarte ikke innen 1 s"), "{full}");
}
